/* corral-master: walking a store tree beneath a directory fd, never
 * following a symlink (store_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirlist.h"
#include "store_int.h"

struct walk {
	const struct store_walk_ops *ops;
	char path[STORE_PATH_MAX];
};

static int walk_dir(struct walk *wk, int dfd, int shadow, size_t plen,
    unsigned depth);

static int
walk_err(struct walk *wk, const char *what)
{
	snprintf(wk->ops->err, wk->ops->errlen, "%s: %s: %s",
	    wk->path[0] ? wk->path : ".", what, strerror(errno));
	return -1;
}

/* Enter directory w (its entry said so), then leave it. */
static int
walk_into(struct walk *wk, struct store_went *w, size_t plen)
{
	struct stat cst;
	int fd, rc = -1;

	if (w->depth + 1 >= STORE_DEPTH_MAX) {
		errno = ELOOP;
		return walk_err(wk, "too deep");
	}
	fd = openat(w->dfd, w->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return walk_err(wk, "cannot open directory");
	/* what is open is what was looked at */
	if (fstat(fd, &cst) != 0 || cst.st_dev != w->st->st_dev ||
	    cst.st_ino != w->st->st_ino) {
		close(fd);
		errno = ESTALE;
		return walk_err(wk, "changed while walked");
	}
	w->fd = fd;
	w->shadow_fd = w->shadow_dfd < 0 ? -1 : openat(w->shadow_dfd,
	    w->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (walk_dir(wk, fd, w->shadow_fd, plen, w->depth + 1) == 0) {
		wk->path[plen] = '\0';
		rc = wk->ops->leave ? wk->ops->leave(wk->ops->arg, w) : 0;
	}
	if (w->shadow_fd >= 0)
		close(w->shadow_fd);
	close(fd);
	return rc;
}

static int
walk_dir(struct walk *wk, int dfd, int shadow, size_t plen, unsigned depth)
{
	struct dirlist l;
	struct stat st;
	size_t i, nl, at;
	int rc = 0;

	if (dirlist_read(dfd, &l) != 0)
		return walk_err(wk, "cannot list directory");
	for (i = 0; i < l.n && rc == 0; i++) {
		const char *name = dirlist_name(&l, i);
		struct store_went w = {
			.dfd = dfd, .name = name, .path = wk->path, .st = &st,
			.shadow_dfd = shadow, .fd = -1, .shadow_fd = -1,
			.depth = depth,
		};

		nl = strlen(name);
		at = plen ? plen + 1 : 0;
		if (at + nl >= sizeof(wk->path)) {
			errno = ENAMETOOLONG;
			rc = walk_err(wk, "a name below is too long");
			break;
		}
		if (plen)
			wk->path[plen] = '/';
		memcpy(wk->path + at, name, nl + 1);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = walk_err(wk, "cannot stat");
			break;
		}
		rc = wk->ops->entry(wk->ops->arg, &w);
		if (rc == 0 && S_ISDIR(st.st_mode))
			rc = walk_into(wk, &w, at + nl);
		else if (rc == STORE_WALK_SKIP)
			rc = 0;
		wk->path[plen] = '\0';
	}
	dirlist_free(&l);
	return rc;
}

int
store_walk(int rootfd, int shadowfd, const struct store_walk_ops *ops)
{
	struct walk *wk = malloc(sizeof(*wk));
	int rc;

	if (wk == NULL) {
		snprintf(ops->err, ops->errlen, "out of memory");
		return -1;
	}
	wk->ops = ops;
	wk->path[0] = '\0';
	rc = walk_dir(wk, rootfd, shadowfd, 0, 0);
	free(wk);
	return rc;
}

/* ---- removing a tree ---- */

static int
rm_entry(void *arg, const struct store_went *w)
{
	const struct store_walk_ops *ops = arg;

	if (S_ISDIR(w->st->st_mode) || unlinkat(w->dfd, w->name, 0) == 0)
		return 0;
	snprintf(ops->err, ops->errlen, "%s: cannot remove: %s", w->path,
	    strerror(errno));
	return -1;
}

static int
rm_leave(void *arg, const struct store_went *w)
{
	const struct store_walk_ops *ops = arg;

	if (unlinkat(w->dfd, w->name, AT_REMOVEDIR) == 0)
		return 0;
	snprintf(ops->err, ops->errlen, "%s: cannot remove: %s", w->path,
	    strerror(errno));
	return -1;
}

int
store_rm_tree(int dfd, const char *name, char *err, size_t errlen)
{
	struct store_walk_ops ops = {
		.entry = rm_entry, .leave = rm_leave, .err = err,
		.errlen = errlen,
	};
	struct stat st;
	int fd, rc;

	ops.arg = &ops;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		rc = unlinkat(dfd, name, 0);
	else if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		rc = -1;
	else {
		rc = store_walk(fd, -1, &ops);
		close(fd);
		if (rc != 0)
			return -1;      /* err names the entry */
		rc = unlinkat(dfd, name, AT_REMOVEDIR);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s: cannot remove: %s", name,
		    strerror(errno));
	return rc == 0 ? 0 : -1;
}

int
store_open_beneath(int rootfd, const char *relpath)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, rootfd, relpath[0] ? relpath : ".",
	    &how, sizeof(how));
}

int
store_sync_dir(int dfd, const char *name)
{
	int fd, rc;

	fd = openat(dfd, name[0] ? name : ".", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

ssize_t
store_read_small(int dfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}
