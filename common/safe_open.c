/* corral: opening trusted files with StrictModes-like checks
 * (safe_open.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_open.h"

/* as the kernel's own limit on links in one resolution */
#define SAFE_LINKS_MAX 40

/* Where the walk is: a checked directory and the last name to open. */
struct walk {
	const char *path;           /* as given, for messages */
	int dirfd;                  /* O_PATH descriptor of a checked directory */
	char dir[PATH_MAX];         /* its resolved path, for messages */
	char name[NAME_MAX + 1];    /* the file's name in it */
	bool exists;
	struct stat st;             /* the file's, if it exists */
	char *err;
	size_t errlen;
};

static bool
owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Check the directory open on fd, whose path is w->dir. */
static int
check_dir(struct walk *w, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(w->err, w->errlen, "%s: directory %s: %s", w->path,
		    w->dir, strerror(errno));
		return -1;
	}
	if (!owner_ok(st.st_uid)) {
		snprintf(w->err, w->errlen, "%s: directory %s is owned by uid "
		    "%u, not by root or uid %u", w->path, w->dir,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(w->err, w->errlen, "%s: directory %s is writable by "
		    "group or others (mode %04o)", w->path, w->dir,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Start again from "/" (the path, or an absolute link). */
static int
walk_root(struct walk *w)
{
	if (w->dirfd >= 0)
		close(w->dirfd);
	snprintf(w->dir, sizeof(w->dir), "/");
	if ((w->dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(w->err, w->errlen, "%s: /: %s", w->path,
		    strerror(errno));
		return -1;
	}
	return check_dir(w, w->dirfd);
}

/* w->dir after stepping into name ("." is never passed). */
static int
dir_step(struct walk *w, const char *name)
{
	char *slash;
	size_t len = strlen(w->dir);

	if (strcmp(name, "..") == 0) {
		if ((slash = strrchr(w->dir, '/')) != NULL)
			slash[slash == w->dir ? 1 : 0] = '\0';
		return 0;
	}
	if (snprintf(w->dir + len, sizeof(w->dir) - len, "%s%s",
	    len > 1 ? "/" : "", name) >= (int)(sizeof(w->dir) - len)) {
		snprintf(w->err, w->errlen, "%s: path too long", w->path);
		return -1;
	}
	return 0;
}

/* Replace the walk's remaining path (rest) by the target of the link
 * open on fd followed by rest. */
static int
follow_link(struct walk *w, int fd, char *todo, const char *rest)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n;

	n = readlinkat(fd, "", target, sizeof(target));
	if (n < 0 || (size_t)n >= sizeof(target)) {
		snprintf(w->err, w->errlen, "%s: cannot read link %s%s%s",
		    w->path, w->dir, strlen(w->dir) > 1 ? "/" : "", w->name);
		return -1;
	}
	target[n] = '\0';
	if ((size_t)snprintf(next, sizeof(next), "%s%s%s", target,
	    *rest ? "/" : "", rest) >= sizeof(next)) {
		snprintf(w->err, w->errlen, "%s: path too long", w->path);
		return -1;
	}
	memcpy(todo, next, strlen(next) + 1);
	return target[0] == '/' ? walk_root(w) : 0;
}

/* Walk path from "/" to the directory holding its file, checking each
 * directory and following links as described in safe_open.h.  On success
 * w->dirfd and w->name name the file, which may not exist. */
static int
walk(struct walk *w)
{
	char todo[PATH_MAX], *p, *end;
	int fd = -1, links = 0, rc = -1;
	size_t len;
	bool last, slash;

	if (w->path[0] != '/') {
		snprintf(w->err, w->errlen, "%s: not an absolute path",
		    w->path);
		return -1;
	}
	if ((size_t)snprintf(todo, sizeof(todo), "%s", w->path) >=
	    sizeof(todo)) {
		snprintf(w->err, w->errlen, "%s: path too long", w->path);
		return -1;
	}
	if (walk_root(w) != 0)
		return -1;
	p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || (len == 1 && *p == '.' && *end == '\0')) {
			snprintf(w->err, w->errlen, "%s: not a file name",
			    w->path);
			goto out;
		}
		if (len > NAME_MAX) {
			snprintf(w->err, w->errlen, "%s: name too long",
			    w->path);
			goto out;
		}
		memcpy(w->name, p, len);
		w->name[len] = '\0';
		slash = *end == '/';
		while (*end == '/')
			end++;
		last = *end == '\0';
		if (last && slash) {
			/* "name/" can only be a directory */
			snprintf(w->err, w->errlen, "%s: not a file name",
			    w->path);
			goto out;
		}
		p = end;
		if (strcmp(w->name, ".") == 0)
			continue;
		if ((fd = openat(w->dirfd, w->name, O_PATH | O_NOFOLLOW |
		    O_CLOEXEC)) < 0) {
			if (errno == ENOENT && last) {
				w->exists = false;
				rc = 0;
				goto out;
			}
			snprintf(w->err, w->errlen, "%s: %s%s%s: %s", w->path,
			    w->dir, strlen(w->dir) > 1 ? "/" : "", w->name,
			    strerror(errno));
			goto out;
		}
		if (fstat(fd, &w->st) != 0) {
			snprintf(w->err, w->errlen, "%s: %s", w->path,
			    strerror(errno));
			goto out;
		}
		if (S_ISLNK(w->st.st_mode)) {
			if (++links > SAFE_LINKS_MAX) {
				snprintf(w->err, w->errlen, "%s: %s", w->path,
				    strerror(ELOOP));
				goto out;
			}
			if (follow_link(w, fd, todo, p) != 0)
				goto out;
			close(fd);
			fd = -1;
			p = todo;
			continue;
		}
		if (last) {
			w->exists = true;
			rc = 0;
			goto out;
		}
		if (!S_ISDIR(w->st.st_mode)) {
			snprintf(w->err, w->errlen, "%s: %s%s%s: %s", w->path,
			    w->dir, strlen(w->dir) > 1 ? "/" : "", w->name,
			    strerror(ENOTDIR));
			goto out;
		}
		if (dir_step(w, w->name) != 0 || check_dir(w, fd) != 0)
			goto out;
		close(w->dirfd);
		w->dirfd = fd;
		fd = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void
walk_end(struct walk *w)
{
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = -1;
}

/* The file's own type, owner and mode. */
static int
check_file(struct walk *w, const struct stat *st, enum safe_kind kind)
{
	mode_t bad = kind == SAFE_PRIVATE ? 077 : 022;

	if (!S_ISREG(st->st_mode)) {
		snprintf(w->err, w->errlen, "%s: not a regular file", w->path);
		return -1;
	}
	if (!owner_ok(st->st_uid)) {
		snprintf(w->err, w->errlen, "%s: owned by uid %u, not by root "
		    "or uid %u", w->path, (unsigned)st->st_uid,
		    (unsigned)geteuid());
		return -1;
	}
	if ((st->st_mode & bad) != 0) {
		snprintf(w->err, w->errlen, "%s: %s by group or others "
		    "(mode %04o); chmod %s it", w->path,
		    kind == SAFE_PRIVATE ? "accessible" : "writable",
		    (unsigned)(st->st_mode & 07777),
		    kind == SAFE_PRIVATE ? "600" : "go-w");
		return -1;
	}
	return 0;
}

/* Open the walk's file, which exists, and check it again through the
 * descriptor: what was checked is what is read. */
static int
open_checked(struct walk *w, enum safe_kind kind)
{
	struct stat st;
	int fd, rc = -1;

	/* the type first: opening a FIFO or a device is not harmless */
	if (check_file(w, &w->st, kind) != 0)
		return -1;
	if ((fd = openat(w->dirfd, w->name, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(w->err, w->errlen, "%s: %s", w->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, 0) != 0) {
		snprintf(w->err, w->errlen, "%s: %s", w->path, strerror(errno));
		goto out;
	}
	if (st.st_dev != w->st.st_dev || st.st_ino != w->st.st_ino) {
		snprintf(w->err, w->errlen, "%s: changed while being opened",
		    w->path);
		goto out;
	}
	if (check_file(w, &st, kind) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int
safe_open(const char *path, enum safe_kind kind, char *err, size_t errlen)
{
	struct walk w = { .path = path, .dirfd = -1, .err = err,
	    .errlen = errlen };
	int fd = -1, saved = EACCES;

	if (walk(&w) != 0)
		goto out;
	if (!w.exists) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOENT));
		saved = ENOENT;
		goto out;
	}
	fd = open_checked(&w, kind);
out:
	walk_end(&w);
	if (fd < 0)
		errno = saved;
	return fd;
}

int
safe_create(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct walk w = { .path = path, .dirfd = -1, .err = err,
	    .errlen = errlen };
	int fd = -1;

	if (walk(&w) != 0)
		goto out;
	if ((fd = openat(w.dirfd, w.name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode)) < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
out:
	walk_end(&w);
	return fd;
}
