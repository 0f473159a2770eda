/* Unit tests: a container's operation lock (slave/ctlock.c) between real
 * worker processes (fork), as the slave's sessions are: one holder at a
 * time, a bounded wait then a refusal naming the container, a waiter
 * getting the file its holder unlinked after use, a killed holder's file
 * swept (one a live holder has kept), both names of a rename. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "slavetmp.h"
#include "storage.h"


static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A worker holding ct's lock: it says 'l' (locked) or 'f' (failed) on
 * up, then waits for a byte on down: 'u' unlocks, 'k' ends without
 * unlocking (as a killed one). */
struct w {
	pid_t pid;
	int up[2], down[2];
};

static char
w_hold(struct w *w, const char *ct)
{
	char r, b, err[512];
	int fd;

	assert_int_equal(pipe(w->up), 0);
	assert_int_equal(pipe(w->down), 0);
	w->pid = fork();
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		/* a failed test's worker, waiting still, goes with the test */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = slave_ct_lock(&test_ctx, ct, false, err, sizeof(err));
		r = fd >= 0 ? 'l' : 'f';
		if (write(w->up[1], &r, 1) != 1 || read(w->down[0], &b, 1) != 1)
			_exit(2);
		if (b == 'u')
			slave_ct_unlock(&test_ctx, ct, fd);
		_exit(0);
	}
	assert_int_equal(read(w->up[0], &r, 1), 1);
	return r;
}

static void
w_end(struct w *w, char how)
{
	int st;

	assert_int_equal(write(w->down[1], &how, 1), 1);
	assert_int_equal(waitpid(w->pid, &st, 0), w->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(w->up[0]), close(w->up[1]), close(w->down[0]), close(w->down[1]);
}

/* Whether another process can take ct's lock now (it lets it go). */
static bool
free_elsewhere(const char *ct)
{
	struct w w;
	char r = w_hold(&w, ct);

	w_end(&w, 'u');
	return r == 'l';
}

#define WORKERS 6
#define ROUNDS  25

/* Workers each add 1 to a counter file ROUNDS times, read and written
 * apart, under w1's lock: no addition is lost, no lock file is left. */
static void
test_one_holder_at_a_time(void **state)
{
	char cpath[PATH_MAX], err[512];
	pid_t pids[WORKERS];
	int i, st;
	FILE *f;

	(void)state;
	unsetenv("CORRAL_TEST_LOCK_WAIT");      /* its 60 s */
	slavetmp_top("counter", cpath, sizeof(cpath));
	f = fopen(cpath, "w");
	assert_non_null(f);
	fputs("0\n", f);
	fclose(f);
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] != 0)
			continue;
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int k = 0; k < ROUNDS; k++) {
			int fd = slave_ct_lock(&test_ctx, "w1", true, err,
			    sizeof(err)), n = -1;

			if (fd < 0)
				_exit(3);
			if ((f = fopen(cpath, "r")) == NULL ||
			    fscanf(f, "%d", &n) != 1)
				_exit(4);
			fclose(f);
			usleep(1000);    /* another, without the lock, reads now */
			if ((f = fopen(cpath, "w")) == NULL)
				_exit(5);
			fprintf(f, "%d\n", n + 1);
			fclose(f);
			slave_ct_unlock(&test_ctx, "w1", fd);
		}
		_exit(0);
	}
	for (i = 0; i < WORKERS; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	f = fopen(cpath, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &i), 1);
	fclose(f);
	assert_int_equal(i, WORKERS * ROUNDS);
	assert_false(slavetmp_present(".op.w1"));
}

/* Held by another: waited for its bound, then refused, naming the
 * container; tried once (the start's sweep): refused at once.  Another
 * container's lock is free meanwhile. */
static void
test_bounded_wait(void **state)
{
	char err[512];
	struct w a;
	double t0;
	int fd;

	(void)state;
	assert_int_equal(w_hold(&a, "w1"), 'l');
	setenv("CORRAL_TEST_LOCK_WAIT", "1", 1);
	t0 = now_s();
	assert_int_equal(slave_ct_lock(&test_ctx, "w1", true, err, sizeof(err)),
	    -1);
	assert_true(now_s() - t0 >= 0.9);
	assert_string_equal(err, "another operation on w1 is at work (waited "
	    "1 s for it): try again once it is done");
	t0 = now_s();
	assert_int_equal(slave_ct_lock(&test_ctx, "w1", false, err, sizeof(err)),
	    -1);
	assert_true(now_s() - t0 < 0.5);
	assert_non_null(strstr(err, "another operation on w1 is at work"));
	fd = slave_ct_lock(&test_ctx, "w2", false, err, sizeof(err));
	assert_true(fd >= 0);
	slave_ct_unlock(&test_ctx, "w2", fd);
	w_end(&a, 'u');
	assert_false(slavetmp_present(".op.w1"));
	assert_false(slavetmp_present(".op.w2"));
}

/* A waiter gets the lock once its holder lets it go (and unlinks the
 * file): it holds the file there now, so that a third is kept out. */
static void
test_waiter_after_unlink(void **state)
{
	char p[PATH_MAX], err[512];
	struct stat a, b;
	struct w h;
	pid_t rel;
	int fd, st;

	(void)state;
	assert_int_equal(w_hold(&h, "w1"), 'l');
	/* the holder lets go in 300 ms, while this one waits */
	rel = fork();
	assert_true(rel >= 0);
	if (rel == 0) {
		usleep(300000);
		if (write(h.down[1], "u", 1) != 1)
			_exit(2);
		_exit(0);
	}
	setenv("CORRAL_TEST_LOCK_WAIT", "5", 1);
	fd = slave_ct_lock(&test_ctx, "w1", true, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(waitpid(rel, &st, 0), rel);
	assert_int_equal(waitpid(h.pid, &st, 0), h.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(h.up[0]), close(h.up[1]), close(h.down[0]), close(h.down[1]);
	slavetmp_path(".op.w1", p, sizeof(p));
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_false(free_elsewhere("w1"));
	slave_ct_unlock(&test_ctx, "w1", fd);
	assert_true(free_elsewhere("w1"));
	assert_false(slavetmp_present(".op.w1"));
}

/* A holder killed leaves its file and no lock; the sweep removes that
 * file, and leaves the one a live holder has. */
static void
test_killed_holder_swept(void **state)
{
	struct w a, b;

	(void)state;
	assert_int_equal(w_hold(&a, "w1"), 'l');
	w_end(&a, 'k');
	assert_true(slavetmp_present(".op.w1"));
	assert_int_equal(w_hold(&b, "w2"), 'l');
	snapmark_sweep(&test_ctx);
	assert_false(slavetmp_present(".op.w1"));
	assert_true(slavetmp_present(".op.w2"));
	assert_false(free_elsewhere("w2"));
	w_end(&b, 'u');
	assert_true(free_elsewhere("w1"));
}

/* A rename's two names: both held, whichever order they come in; one
 * of them held by another: neither is kept. */
static void
test_pair(void **state)
{
	char err[512];
	int fd[2];
	struct w a;

	(void)state;
	assert_int_equal(slave_ct_lock_pair(&test_ctx, "zz", "aa", fd, err,
	    sizeof(err)), 0);
	assert_false(free_elsewhere("zz"));
	assert_false(free_elsewhere("aa"));
	slave_ct_unlock(&test_ctx, "aa", fd[1]);
	slave_ct_unlock(&test_ctx, "zz", fd[0]);
	assert_true(free_elsewhere("zz") && free_elsewhere("aa"));
	assert_int_equal(w_hold(&a, "zz"), 'l');
	setenv("CORRAL_TEST_LOCK_WAIT", "1", 1);
	assert_int_equal(slave_ct_lock_pair(&test_ctx, "aa", "zz", fd, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "another operation on zz is at work"));
	assert_true(fd[0] == -1 && fd[1] == -1);
	assert_true(free_elsewhere("aa"));
	w_end(&a, 'u');
}

/* A name from the wire is never a path. */
static void
test_bad_name(void **state)
{
	char p[PATH_MAX + 16], err[512];
	struct stat st;

	(void)state;
	assert_int_equal(slave_ct_lock(&test_ctx, "../../x", false, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "'../../x' is not a valid container name");
	slavetmp_top(".op.../../x", p, sizeof(p));
	assert_int_not_equal(lstat(p, &st), 0);
	assert_int_equal(slave_ct_lock(&test_ctx, "", false, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_holder_at_a_time,
		    slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_bounded_wait, slavetmp_setup,
		    slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_waiter_after_unlink,
		    slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_killed_holder_swept,
		    slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_pair, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_bad_name, slavetmp_setup,
		    slavetmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
