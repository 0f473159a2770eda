/* Unit tests: the sender (xfer/xfer_send_walk.c) against a tree that
 * changes under it: a regular file swapped for a FIFO or a symlink between
 * its listing and its open is neither opened nor followed, the transfer
 * does not block, and the file is counted as vanished, not sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cerr.h"
#include "xfer.h"
#include "xfer_meta.h"
#include "xfer_send.h"

struct sb {
	char dir[64];
	int fd, src, dst;
};

static void
put(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void
sb_new(struct sb *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/xfer-race.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_true((s->fd = open(s->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0);
	assert_int_equal(mkdirat(s->fd, "src", 0755), 0);
	assert_int_equal(mkdirat(s->fd, "dst", 0755), 0);
	put(s->fd, "secret", "outside the tree\n");
	s->src = openat(s->fd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->dst = openat(s->fd, "dst", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s->src >= 0 && s->dst >= 0);
	put(s->src, "a", "file a\n");
	put(s->src, "b", "file b\n");
}

static void
sb_free(struct sb *s)
{
	close(s->src);
	close(s->dst);
	close(s->fd);
	assert_int_equal(nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- the swap, between the sender's stat of "a" and its open ---- */

static int swap_kind;   /* 1 FIFO, 2 symlink out of the tree */
static int swaps;

static void
swap_a(int dfd, const char *name)
{
	if (strcmp(name, "a") != 0)
		return;
	swaps++;
	assert_int_equal(unlinkat(dfd, "a", 0), 0);
	if (swap_kind == 1)
		assert_int_equal(mkfifoat(dfd, "a", 0644), 0);
	else
		assert_int_equal(symlinkat("../secret", dfd, "a"), 0);
}

struct rx {
	int rootfd, fd;
	struct xfer_opts o;
	struct tree_stats st;
	char err[256];
	int rc;
};

static void *
rx_main(void *arg)
{
	struct rx *r = arg;

	r->rc = xfer_recv(r->rootfd, r->fd, r->fd, &r->o, &r->st, r->err,
	    sizeof(r->err));
	return NULL;
}

/* Send src/ to dst/ with "a" swapped by kind; the sender's count of files
 * that vanished. */
static uint64_t
run(struct sb *s, int kind)
{
	struct xfer_opts o = { .storefd = -1 };
	struct tree_stats st;
	struct rx r = { .rootfd = s->dst, .o = { .storefd = -1 } };
	uint64_t vanished = 0;
	char err[256];
	pthread_t th;
	int sv[2], rc;

	swap_kind = kind;
	swaps = 0;
	o.vanished = &vanished;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	r.fd = sv[1];
	assert_int_equal(pthread_create(&th, NULL, rx_main, &r), 0);
	xsend_test_before_open = swap_a;
	/* a sender blocked on the FIFO would never get here */
	alarm(20);
	rc = xfer_send(s->src, sv[0], sv[0], &o, &st, err, sizeof(err));
	alarm(0);
	xsend_test_before_open = NULL;
	assert_int_equal(pthread_join(th, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	if (rc != 0 || r.rc != 0)
		fail_msg("sender %d '%s', receiver %d '%s'", rc, err, r.rc,
		    r.err);
	assert_int_equal(swaps, 1);
	return vanished;
}

static void
test_fifo_swapped_in(void **state)
{
	struct sb s;
	struct stat st;
	char buf[64];
	int fd;

	(void)state;
	sb_new(&s);
	assert_int_equal(run(&s, 1), 1);
	/* not sent: the receiver has b only */
	assert_int_not_equal(fstatat(s.dst, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(errno, ENOENT);
	fd = openat(s.dst, "b", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	sb_free(&s);
}

static void
test_symlink_swapped_in(void **state)
{
	struct sb s;
	struct stat st;

	(void)state;
	sb_new(&s);
	assert_int_equal(run(&s, 2), 1);
	/* the link was not followed: nothing of ../secret came across */
	assert_int_not_equal(fstatat(s.dst, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fstatat(s.dst, "b", &st, AT_SYMLINK_NOFOLLOW), 0);
	sb_free(&s);
}

/* The helper itself: what it refuses and what it opens. */
static void
test_open_regular(void **state)
{
	struct sb s;
	struct stat st, sa;
	int fd;

	(void)state;
	sb_new(&s);
	assert_int_equal(fstatat(s.src, "a", &sa, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(mkfifoat(s.src, "p", 0644), 0);
	assert_int_equal(symlinkat("a", s.src, "l"), 0);
	assert_int_equal(xfer_open_regular(s.src, "p", NULL), XOPEN_GONE);
	assert_int_equal(xfer_open_regular(s.src, "l", NULL), XOPEN_GONE);
	assert_int_equal(xfer_open_regular(s.src, "none", NULL), XOPEN_GONE);
	/* another inode than the one stat()ed */
	assert_int_equal(xfer_open_regular(s.src, "b", &sa), XOPEN_GONE);
	fd = xfer_open_regular(s.src, "a", &sa);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_ino, sa.st_ino);
	/* opened for reading, not as a path */
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(read(fd, &st, 1), 1);
	close(fd);
	sb_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_regular),
		cmocka_unit_test(test_fifo_swapped_in),
		cmocka_unit_test(test_symlink_swapped_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
