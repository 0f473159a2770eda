/* corral-slave: a container's LXC directory, LXCPATH/NAME, as files: its
 * paths, its config read with a bound and written whole or not at all,
 * and a directory deleted without leaving its file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "run.h"
#include "slave.h"

int
slave_ct_path(struct slave_ctx *ctx, const char *ct, const char *file,
    char *buf, size_t len)
{
	const char *lp = ctx->conf.lxcpath;
	size_t n = strlen(lp);
	int w;

	while (n > 1 && lp[n - 1] == '/')
		n--;
	w = snprintf(buf, len, "%.*s/%s%s%s", (int)n, lp, ct,
	    file != NULL ? "/" : "", file != NULL ? file : "");
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

int
slave_read_text(const char *path, size_t max, char **text, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd, ret = -1;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, over the limit of %zu",
		    path, (long long)st.st_size, max);
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* read up to one byte past the bound: a file that grew is refused */
	while ((n = read(fd, buf + got, max + 1 - got)) > 0 &&
	    (got += (size_t)n) <= max)
		;
	if (n < 0 || got > max) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) :
		    "grew over the limit while read");
		goto out;
	}
	if (memchr(buf, '\0', got) != NULL) {
		snprintf(err, errlen, "%s: not text (a NUL byte)", path);
		goto out;
	}
	buf[got] = '\0';
	*text = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int
slave_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
slave_write_atomic(const char *dir, const char *name, const char *text,
    slave_check_fn check, void *arg, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd, ret = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s%s", dir, name,
	    SLAVE_NEW_SUFFIX) >= sizeof(tmp) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
	    sizeof(dst)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len && (n = write(fd, text + off, len - off)) > 0)
		off += (size_t)n;
	if (off < len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (check != NULL && check(tmp, arg, err, errlen) != 0)
		goto out;
	if (rename(tmp, dst) != 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto out;
	}
	/* the rename itself reaches the disk before we answer */
	if (slave_fsync_dir(dir) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
out:
	(void)unlink(tmp);
	return ret;
}

int
slave_rm_tree(const char *path, char *err, size_t errlen)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", "--", path,
	    NULL };

	return run_argv(argv, 3600, NULL, 0, err, errlen);
}

bool
slave_ct_removing(struct slave_ctx *ctx, const char *ct)
{
	char p[PATH_MAX];

	return slave_ct_path(ctx, ct, SLAVE_REMOVING, p, sizeof(p)) == 0 &&
	    access(p, F_OK) == 0;
}

void
slave_test_pause(const char *var, const char *ct, const char *step)
{
	const char *v = getenv(var);
	int n = v != NULL ? atoi(v) : 0;

	if (n <= 0)
		return;
	/* the pid: a test stops or kills this very process */
	log_notice("%s: %s; pausing %d s (%s, pid %d)", ct, step, n, var,
	    (int)getpid());
	sleep((unsigned)n);
}
