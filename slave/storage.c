/* corral-slave: the storage backend chosen by corral.conf, and what all
 * backends share (names, paths, the sweep of leftover snapshots). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "storage.h"

int
storage_setup(struct storage *s, const struct corral_conf *c, char *err,
    size_t errlen)
{
	const char *spec = c->storage;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->share = c->snapshot_share;
	s->fill_warn = c->snapshot_fill_warn;
	snprintf(s->fs, sizeof(s->fs), "%s", c->lvm_fs);
	if (strncmp(spec, "dir:", 4) == 0) {
		s->ops = &storage_dir_ops;
		n = (size_t)snprintf(s->root, sizeof(s->root), "%s", spec + 4);
	} else if (strncmp(spec, "btrfs:", 6) == 0) {
		s->ops = &storage_btrfs_ops;
		n = (size_t)snprintf(s->root, sizeof(s->root), "%s", spec + 6);
	} else if (strncmp(spec, "lvm:", 4) == 0) {
		s->ops = &storage_lvm_ops;
		snprintf(s->vg, sizeof(s->vg), "%s", spec + 4);
		n = (size_t)snprintf(s->root, sizeof(s->root), "%s",
		    c->mount_root);
	} else {
		snprintf(err, errlen, "storage '%s': unknown backend", spec);
		return -1;
	}
	if (n >= sizeof(s->root)) {
		snprintf(err, errlen, "storage '%s': path too long", spec);
		return -1;
	}
	/* "/a/b/" and "/a/b" name the same root */
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = '\0';
	return 0;
}

int
storage_start(struct storage *s, char *err, size_t errlen)
{
	char names[256][64], e[512];
	size_t n = 0, i;

	if (s->ops->init(s, err, errlen) != 0)
		return -1;
	if (s->ops->snap_list(s, names, 256, &n, err, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s->ops->snap_drop(s, names[i], e, sizeof(e)) != 0)
			log_warn("storage: leftover snapshot of %s: %s",
			    names[i], e);
		else
			log_notice("storage: dropped leftover snapshot of %s",
			    names[i]);
	}
	return 0;
}

bool
storage_valid_name(const char *ct)
{
	size_t i;

	/* also a valid LV name: no leading '-' or '.', no '+' (ours) */
	if (ct[0] == '\0' || ct[0] == '-' || ct[0] == '.')
		return false;
	for (i = 0; ct[i] != '\0'; i++) {
		char c = ct[i];

		if (i >= 63)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return false;
	}
	return true;
}

int
storage_path(const struct storage *s, const char *ct, bool snap, char *buf,
    size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s", s->root,
	    snap ? STORAGE_SNAPDIR "/" : "", ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool
storage_is_mountpoint(const char *p)
{
	char parent[PATH_MAX];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", p);
	return lstat(p, &a) == 0 && S_ISDIR(a.st_mode) &&
	    stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int
storage_mkdir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(err, errlen, "%s: %s", dir, errno == EEXIST ?
	    "exists and is not a directory" : strerror(errno));
	return -1;
}

int
storage_nop(struct storage *s, const char *ct, char *err, size_t errlen)
{
	(void)s; (void)ct; (void)err; (void)errlen;
	return 0;
}

int
storage_nop_size(struct storage *s, const char *ct, uint64_t bytes,
    char *err, size_t errlen)
{
	(void)bytes;
	return storage_nop(s, ct, err, errlen);
}

int
storage_dir_rootfs(struct storage *s, const char *ct, char *buf, size_t len)
{
	int n = snprintf(buf, len, "dir:%s/%s", s->root, ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
