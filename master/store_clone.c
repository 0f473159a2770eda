/* corral-master: the start of a new version on a file system without
 * snapshots: a copy of the newest version's tree whose regular files
 * share their data with it, as reflinks (FICLONE) or as hard links; every
 * other entry is copied with all its metadata (owner, mode, xattrs with
 * ACLs and file capabilities, times), and the tree's own hard links are
 * kept.  On btrfs this is only for a newest version that is no subvolume:
 * reflinks too.  Reads and writes go through directory fds, never
 * following a symlink. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store_int.h"

#define XATTR_BUF (64 * 1024)       /* the kernel's limit on a list and
                                     * on a value */

struct clone {
	const struct store *s;
	int dstroot;
	struct store_map *inodes;   /* (dev, ino) -> the copy's path */
	char *list, *val;           /* XATTR_BUF each */
	char *err;
	size_t errlen;
};

static int
clone_err(struct clone *c, const char *path, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s: %s", path, what,
	    strerror(errno));
	return -1;
}

/* The names the owner, mode, xattr and time calls use: an fd's inode
 * through /proc/self/fd (followed), or a symlink by its name under its
 * directory's fd (not followed). */
static void
fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static void
link_path(char *buf, size_t len, int dfd, const char *name)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", dfd, name);
}

static int
copy_xattrs(struct clone *c, const char *src, const char *dst, bool lnk)
{
	ssize_t n, v;
	char *k;

	n = lnk ? llistxattr(src, c->list, XATTR_BUF) :
	    listxattr(src, c->list, XATTR_BUF);
	if (n < 0)
		return errno == ENOTSUP ? 0 : -1;
	for (k = c->list; k < c->list + n; k += strlen(k) + 1) {
		v = lnk ? lgetxattr(src, k, c->val, XATTR_BUF) :
		    getxattr(src, k, c->val, XATTR_BUF);
		if (v < 0)
			return -1;
		if ((lnk ? lsetxattr(dst, k, c->val, (size_t)v, 0) :
		    setxattr(dst, k, c->val, (size_t)v, 0)) != 0)
			return -1;
	}
	return 0;
}

/* Give the new object (dst, as fd_path or link_path name it) the metadata of src.
 * Owner first: chown clears setuid bits and file capabilities. */
static int
copy_meta(struct clone *c, const char *src, const char *dst,
    const struct stat *st, const char *path)
{
	bool lnk = S_ISLNK(st->st_mode);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if ((lnk ? lchown(dst, st->st_uid, st->st_gid) :
	    chown(dst, st->st_uid, st->st_gid)) != 0)
		return clone_err(c, path, "cannot set owner");
	if (!lnk && chmod(dst, st->st_mode & 07777) != 0)
		return clone_err(c, path, "cannot set mode");
	if (copy_xattrs(c, src, dst, lnk) != 0)
		return clone_err(c, path, "cannot copy xattrs");
	if (utimensat(AT_FDCWD, dst, ts, lnk ? AT_SYMLINK_NOFOLLOW : 0) != 0)
		return clone_err(c, path, "cannot set times");
	return 0;
}

/* Copy size bytes of data, holes kept: a plain copy where neither
 * reflink nor link will do. */
static int
copy_data(int sfd, int dfd, off_t size)
{
	off_t pos = 0, data, hole;
	ssize_t n;

	while (pos < size) {
		if ((data = lseek(sfd, pos, SEEK_DATA)) < 0) {
			if (errno == ENXIO)
				break;          /* a hole to the end */
			return -1;
		}
		if ((hole = lseek(sfd, data, SEEK_HOLE)) < 0)
			return -1;
		pos = data;
		while (pos < hole) {
			off_t in = pos, out = pos;

			n = copy_file_range(sfd, &in, dfd, &out,
			    (size_t)(hole - pos), 0);
			if (n <= 0)
				return n == 0 ? (errno = EIO, -1) : -1;
			pos += n;
		}
	}
	return ftruncate(dfd, size);
}

/* A new regular file name under ddfd with the data of src (reflinked,
 * else copied); its fd, or -1. */
static int
new_file(struct clone *c, const struct store_went *w, int sfd)
{
	int fd;

	fd = openat(w->shadow_dfd, w->name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return clone_err(c, w->path, "cannot create");
	if ((c->s->method != STORE_LINKS && ioctl(fd, FICLONE, sfd) == 0) ||
	    copy_data(sfd, fd, w->st->st_size) == 0)
		return fd;
	clone_err(c, w->path, "cannot copy");
	close(fd);
	return -1;
}

/* Link w under the shadow directory to the earlier copy at path. */
static int
link_earlier(struct clone *c, const struct store_went *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[STORE_PATH_MAX];
	int pfd, rc;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0,
	    path);
	if ((pfd = store_open_beneath(c->dstroot, dir)) < 0)
		return clone_err(c, path, "cannot open its directory");
	rc = linkat(pfd, slash ? slash + 1 : path, w->shadow_dfd, w->name, 0);
	close(pfd);
	return rc == 0 ? 0 : clone_err(c, w->path, "cannot link");
}

static int
clone_file(struct clone *c, const struct store_went *w)
{
	uint64_t key[2] = { w->st->st_dev, w->st->st_ino };
	char sp[64], dp[64];
	const char *earlier;
	int sfd, dfd, rc;

	if (c->s->method == STORE_LINKS &&
	    linkat(w->dfd, w->name, w->shadow_dfd, w->name, 0) == 0)
		return 0;
	if (c->s->method == STORE_LINKS && errno != EMLINK)
		return clone_err(c, w->path, "cannot link");
	/* a copy: once per inode, its other names linked to that copy */
	if (w->st->st_nlink > 1 && (earlier = store_map_get(c->inodes, key,
	    sizeof(key), NULL)) != NULL)
		return link_earlier(c, w, earlier);
	sfd = openat(w->dfd, w->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return clone_err(c, w->path, "cannot open");
	if ((dfd = new_file(c, w, sfd)) < 0) {
		close(sfd);
		return -1;
	}
	fd_path(sp, sizeof(sp), sfd);
	fd_path(dp, sizeof(dp), dfd);
	rc = copy_meta(c, sp, dp, w->st, w->path);
	close(dfd);
	close(sfd);
	if (rc == 0 && w->st->st_nlink > 1 && store_map_add(c->inodes, key,
	    sizeof(key), w->path, strlen(w->path) + 1) < 0) {
		errno = ENOMEM;
		return clone_err(c, w->path, "cannot note its links");
	}
	return rc;
}

/* A symlink, device, FIFO or socket: made again, metadata copied. */
static int
clone_other(struct clone *c, const struct store_went *w)
{
	char target[TREE_LINK_MAX + 2];
	char sp[64 + 256], dp[64 + 256];
	int sfd = -1, dfd = -1, rc = -1;
	ssize_t n;

	if (S_ISLNK(w->st->st_mode)) {
		n = readlinkat(w->dfd, w->name, target, sizeof(target) - 1);
		if (n < 0)
			return clone_err(c, w->path, "cannot read link");
		target[n] = '\0';
		if (symlinkat(target, w->shadow_dfd, w->name) != 0)
			return clone_err(c, w->path, "cannot make symlink");
		link_path(sp, sizeof(sp), w->dfd, w->name);
		link_path(dp, sizeof(dp), w->shadow_dfd, w->name);
		return copy_meta(c, sp, dp, w->st, w->path);
	}
	if (mknodat(w->shadow_dfd, w->name, (w->st->st_mode & S_IFMT) | 0600,
	    w->st->st_rdev) != 0)
		return clone_err(c, w->path, "cannot make");
	sfd = openat(w->dfd, w->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	dfd = openat(w->shadow_dfd, w->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || dfd < 0) {
		clone_err(c, w->path, "cannot open");
		goto out;
	}
	fd_path(sp, sizeof(sp), sfd);
	fd_path(dp, sizeof(dp), dfd);
	rc = copy_meta(c, sp, dp, w->st, w->path);
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int
clone_entry(void *arg, const struct store_went *w)
{
	struct clone *c = arg;
	uint64_t key[2] = { w->st->st_dev, w->st->st_ino };
	const char *earlier;

	if (w->depth == 0 && !store_top_name(w->name))
		return STORE_WALK_SKIP;
	if (w->shadow_dfd < 0) {
		errno = ENOENT;
		return clone_err(c, w->path, "no directory to copy into");
	}
	store_step(c->s, "clone");
	if (S_ISDIR(w->st->st_mode))
		/* private until leave() gives it its metadata */
		return mkdirat(w->shadow_dfd, w->name, 0700) == 0 ? 0 :
		    clone_err(c, w->path, "cannot make directory");
	if (S_ISREG(w->st->st_mode))
		return clone_file(c, w);
	if (w->st->st_nlink > 1 && (earlier = store_map_get(c->inodes, key,
	    sizeof(key), NULL)) != NULL)
		return link_earlier(c, w, earlier);
	if (clone_other(c, w) != 0)
		return -1;
	if (w->st->st_nlink > 1 && store_map_add(c->inodes, key, sizeof(key),
	    w->path, strlen(w->path) + 1) < 0) {
		errno = ENOMEM;
		return clone_err(c, w->path, "cannot note its links");
	}
	return 0;
}

static int
clone_leave(void *arg, const struct store_went *w)
{
	struct clone *c = arg;
	char sp[64], dp[64];

	if (w->shadow_fd < 0) {
		errno = ENOENT;
		return clone_err(c, w->path, "the copy is gone");
	}
	fd_path(sp, sizeof(sp), w->fd);
	fd_path(dp, sizeof(dp), w->shadow_fd);
	return copy_meta(c, sp, dp, w->st, w->path);
}

int
store_clone_tree(const struct store *s, int srcfd, int dstfd, char *err,
    size_t errlen)
{
	struct clone c = {
		.s = s, .dstroot = dstfd, .err = err, .errlen = errlen,
	};
	struct store_walk_ops ops = {
		.entry = clone_entry, .leave = clone_leave, .arg = &c,
		.err = err, .errlen = errlen,
	};
	int rc = -1;

	c.inodes = store_map_new();
	c.list = malloc(XATTR_BUF);
	c.val = malloc(XATTR_BUF);
	if (c.inodes == NULL || c.list == NULL || c.val == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = store_walk(srcfd, dstfd, &ops);
out:
	store_map_free(c.inodes);
	free(c.list);
	free(c.val);
	return rc;
}
