/* corral-slave: the dir backend — a plain directory per container.
 * It has no snapshots: a copy of a running container freezes it instead
 * (snapshot.c) or is refused, as corral.conf's hot_dir says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "run.h"
#include "storage.h"

static int
dir_init(struct storage *s, char *err, size_t errlen)
{
	char p[PATH_MAX];

	/* .corral-snap holds the freeze records (snapshot.c) */
	snprintf(p, sizeof(p), "%s/%s", s->root, STORAGE_SNAPDIR);
	if (storage_private_dir(s->root, true, err, errlen) != 0)
		return -1;
	return storage_private_dir(p, false, err, errlen);
}

static int
dir_create(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	char p[PATH_MAX];

	(void)bytes;    /* a directory has no size of its own */
	if (storage_path(s, ct, false, p, sizeof(p)) != 0 ||
	    mkdir(p, 0755) != 0) {
		snprintf(err, errlen, "%s/%s: %s", s->root, ct,
		    errno == EEXIST ? "exists already" : strerror(errno));
		return -1;
	}
	return 0;
}

static int
dir_destroy(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char p[PATH_MAX];
	const char *argv[] = { "rm", "-rf", "--one-file-system", "--", p,
	    NULL };

	if (storage_path(s, ct, false, p, sizeof(p)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	return run_argv(argv, 3600, NULL, 0, err, errlen);
}

static bool
dir_exists(struct storage *s, const char *ct)
{
	char p[PATH_MAX];
	struct stat st;

	return storage_path(s, ct, false, p, sizeof(p)) == 0 &&
	    lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}



static int
dir_snapshot(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	(void)s; (void)bytes;
	snprintf(err, errlen, "%s: dir storage has no snapshots", ct);
	return -1;
}

static int
dir_snap_status(struct storage *s, const char *ct, struct snap_status *st,
    char *err, size_t errlen)
{
	(void)s; (void)ct; (void)err; (void)errlen;
	memset(st, 0, sizeof(*st));
	return 0;
}

int
storage_statvfs_usage(const char *root, struct storage_usage *u, char *err,
    size_t errlen)
{
	struct statvfs v;

	if (statvfs(root, &v) != 0) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	u->size = (uint64_t)v.f_blocks * v.f_frsize;
	u->free = (uint64_t)v.f_bavail * v.f_frsize;
	u->used = u->size - (uint64_t)v.f_bfree * v.f_frsize;
	return 0;
}

static int
dir_usage(struct storage *s, struct storage_usage *u, char *err,
    size_t errlen)
{
	return storage_statvfs_usage(s->root, u, err, errlen);
}

static int
dir_snap_list(struct storage *s, char names[][64], size_t max, size_t *n,
    char *err, size_t errlen)
{
	(void)s; (void)names; (void)max; (void)err; (void)errlen;
	*n = 0;
	return 0;
}

/* "dir:/p", and any other path: LXC's own default is a bare directory */
static bool
dir_owns_rootfs(const char *rootfs, char *dir, size_t len)
{
	const char *p = storage_arg(&storage_dir_ops, rootfs);

	snprintf(dir, len, "%s", p != NULL ? p : rootfs);
	return true;
}

const struct storage_ops storage_dir_ops = {
	.name = "dir",
	.spec = "dir:/abs/path",
	.snapshots = false,
	.valid_arg = storage_valid_path_arg,
	.setup = storage_setup_path,
	.owns_rootfs = dir_owns_rootfs,
	.init = dir_init,
	.create = dir_create,
	.destroy = dir_destroy,
	.grow = storage_nop_size,
	.exists = dir_exists,
	.rename = storage_rename_dir,
	.mount = storage_nop,
	.umount = storage_nop,
	.lxc_rootfs = storage_dir_rootfs,
	.snapshot = dir_snapshot,
	.snap_drop = storage_nop,
	.snap_status = dir_snap_status,
	.usage = dir_usage,
	.snap_list = dir_snap_list,
};
