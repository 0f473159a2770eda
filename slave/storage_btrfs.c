/* corral-slave: the btrfs backend — a subvolume per container, read-only
 * snapshot subvolumes in ROOT/.corral-snap.  Straight ioctls (common/btrfs.c):
 * no helper program, no shell. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "names.h"
#include "storage.h"

static int
open_dir(const char *p, char *err, size_t errlen)
{
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
	return fd;
}

static int
btrfs_init(struct storage *s, char *err, size_t errlen)
{
	char p[PATH_MAX];
	bool btrfs;
	int fd;

	if (storage_private_dir(s->root, true, err, errlen) != 0)
		return -1;
	if ((fd = open_dir(s->root, err, errlen)) < 0)
		return -1;
	btrfs = btrfs_is_fs(fd);
	close(fd);
	if (!btrfs) {
		snprintf(err, errlen, "storage btrfs:%s: not a btrfs file "
		    "system", s->root);
		return -1;
	}
	snprintf(p, sizeof(p), "%s/%s", s->root, STORAGE_SNAPDIR);
	return storage_private_dir(p, false, err, errlen);
}

/* Make subvolume name in directory dir: a new one, or (src >= 0) a
 * read-only snapshot of src. */
static int
subvol_make(const char *dir, const char *name, int src, char *err,
    size_t errlen)
{
	int dfd, r;

	if ((dfd = open_dir(dir, err, errlen)) < 0)
		return -1;
	r = src < 0 ? btrfs_subvol_create(dfd, name) :
	    btrfs_subvol_snapshot(dfd, name, src, true);
	if (r != 0)
		snprintf(err, errlen, "%s/%s: %s", dir, name, errno == EEXIST ?
		    "exists already" : strerror(errno));
	close(dfd);
	return r == 0 ? 0 : -1;
}

static bool
is_subvol(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && btrfs_is_subvol(&st);
}

/* Delete subvolume name of dir; a missing one is not an error. */
static int
subvol_drop(const char *dir, const char *name, char *err, size_t errlen)
{
	char p[PATH_MAX];
	int dfd, r = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (access(p, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (!is_subvol(p)) {
		snprintf(err, errlen, "%s: not a btrfs subvolume, left alone",
		    p);
		return -1;
	}
	if ((dfd = open_dir(dir, err, errlen)) < 0)
		return -1;
	if (btrfs_subvol_delete(dfd, name) != 0) {
		snprintf(err, errlen, "%s: delete subvolume: %s", p,
		    strerror(errno));
		r = -1;
	}
	close(dfd);
	return r;
}

static int
btrfs_create(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	(void)bytes;    /* no quota groups: the file system is shared */
	return subvol_make(s->root, ct, -1, err, errlen);
}

static int
btrfs_destroy(struct storage *s, const char *ct, char *err, size_t errlen)
{
	return subvol_drop(s->root, ct, err, errlen);
}

static bool
btrfs_exists(struct storage *s, const char *ct)
{
	char p[PATH_MAX];

	return storage_path(s, ct, false, p, sizeof(p)) == 0 && is_subvol(p);
}



static int
btrfs_snapshot(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	char src[PATH_MAX], dir[PATH_MAX];
	int fd, r;

	(void)bytes;    /* copy-on-write space is the file system's */
	if (storage_path(s, ct, false, src, sizeof(src)) != 0 ||
	    !is_subvol(src)) {
		snprintf(err, errlen, "%s: no btrfs subvolume %s/%s", ct,
		    s->root, ct);
		return -1;
	}
	if ((fd = open_dir(src, err, errlen)) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/%s", s->root, STORAGE_SNAPDIR);
	r = subvol_make(dir, ct, fd, err, errlen);
	close(fd);
	return r;
}

static int
btrfs_snap_drop(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", s->root, STORAGE_SNAPDIR);
	return subvol_drop(dir, ct, err, errlen);
}

static int
btrfs_snap_status(struct storage *s, const char *ct, struct snap_status *st,
    char *err, size_t errlen)
{
	char p[PATH_MAX];

	(void)err; (void)errlen;
	memset(st, 0, sizeof(*st));
	if (storage_path(s, ct, true, p, sizeof(p)) == 0 && is_subvol(p))
		st->exists = st->valid = true;
	return 0;
}

static int
btrfs_usage(struct storage *s, struct storage_usage *u, char *err,
    size_t errlen)
{
	return storage_statvfs_usage(s->root, u, err, errlen);
}

static int
btrfs_snap_list(struct storage *s, char names[][64], size_t max, size_t *n,
    char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s/%s", s->root, STORAGE_SNAPDIR);
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && *n < max)
		if (ct_name_valid(de->d_name) &&
		    de->d_type == DT_DIR)
			snprintf(names[(*n)++], 64, "%.63s", de->d_name);
	closedir(d);
	return 0;
}

static bool
btrfs_owns_rootfs(const char *rootfs, char *dir, size_t len)
{
	const char *p = storage_arg(&storage_btrfs_ops, rootfs);

	if (p != NULL)
		snprintf(dir, len, "%s", p);
	return p != NULL;
}

const struct storage_ops storage_btrfs_ops = {
	.name = "btrfs",
	.spec = "btrfs:/abs/path",
	.snapshots = true,
	.valid_arg = storage_valid_path_arg,
	.setup = storage_setup_path,
	.owns_rootfs = btrfs_owns_rootfs,
	.init = btrfs_init,
	.create = btrfs_create,
	.destroy = btrfs_destroy,
	.grow = storage_nop_size,
	.exists = btrfs_exists,
	.rename = storage_rename_dir,
	.mount = storage_nop,
	.umount = storage_nop,
	.lxc_rootfs = storage_dir_rootfs,
	.snapshot = btrfs_snapshot,
	.snap_drop = btrfs_snap_drop,
	.snap_status = btrfs_snap_status,
	.usage = btrfs_usage,
	.snap_list = btrfs_snap_list,
};
