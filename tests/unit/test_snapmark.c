/* Unit tests: which snapshots a send took (slave/snapmark.c) and the takes
 * and drops around them (slave/snapshot.c), on dir storage in a scratch
 * root: a volume held while stopped.  Sends are real worker processes
 * (fork), each with its own start time, as the slave's are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "slavetmp.h"
#include "storage.h"


static struct slave_snap
status(void)
{
	struct slave_snap s;
	char err[512];

	assert_int_equal(slave_snap_status(&test_ctx, "w1", &s, err, sizeof(err)),
	    0);
	return s;
}

/* A send's worker: takes w1 for job, says so (its take's result) on
 * up, waits for a byte on down, then ends its send (drop) or not. */
static pid_t
worker(uint64_t job, int up, int down, bool drop)
{
	struct slave_snap s;
	char err[512], r, b;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid != 0)
		return pid;
	/* a failed test's worker, waiting still, goes with the test */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(down, &b, 1) != 1)         /* go */
		_exit(2);
	r = (char)slave_snap_take_send(&test_ctx, "w1", job, true, &s, err,
	    sizeof(err));
	if (write(up, &r, 1) != 1 || read(down, &b, 1) != 1)
		_exit(2);
	if (drop && r == 1)
		slave_snap_drop_send(&test_ctx, "w1", job);
	_exit(0);
}

struct w {
	pid_t pid;
	int up[2], down[2];
};

static void
w_start(struct w *w, uint64_t job, bool drop)
{
	assert_int_equal(pipe(w->up), 0);
	assert_int_equal(pipe(w->down), 0);
	w->pid = worker(job, w->up[1], w->down[0], drop);
}

/* its take, and its result */
static int
w_take(struct w *w)
{
	char r;

	assert_int_equal(write(w->down[1], "g", 1), 1);
	assert_int_equal(read(w->up[0], &r, 1), 1);
	return r;
}

static void
w_end(struct w *w)
{
	int st;

	assert_int_equal(write(w->down[1], "e", 1), 1);
	assert_int_equal(waitpid(w->pid, &st, 0), w->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(w->up[0]), close(w->up[1]), close(w->down[0]), close(w->down[1]);
}

/* An admin's take refused (a send's snapshot there) leaves the send's
 * marker: the send drops its own at its end. */
static void
test_refused_admin_take_keeps_mark(void **state)
{
	struct slave_snap s;
	char err[512];
	struct w a;

	(void)state;
	w_start(&a, 7, true);
	assert_int_equal(w_take(&a), 1);
	assert_int_equal(slave_snap_take(&test_ctx, "w1", 0, &s, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "has a snapshot already"));
	s = status();
	assert_int_equal(s.kind, SNAP_KIND_STOPPED);
	assert_int_equal(s.owner, SNAP_BY_SEND);
	assert_int_equal(s.job, 7);
	assert_true(slavetmp_present(".send.w1"));
	w_end(&a);
	assert_int_equal(status().kind, SNAP_KIND_NONE);
	assert_false(slavetmp_present(".send.w1"));
	/* an admin's take that happens clears the marker of a send killed
	 * before its take */
	assert_int_equal(snapmark_write(&test_ctx, "w1", 7, err, sizeof(err)), 0);
	assert_int_equal(slave_snap_take(&test_ctx, "w1", 0, &s, err, sizeof(err)),
	    0);
	assert_int_equal(status().owner, SNAP_BY_ADMIN);
	assert_false(slavetmp_present(".send.w1"));
}

/* A send whose worker died left its snapshot: the next send drops it and
 * takes its own (its result 1: it drops it at its end). */
static void
test_send_takes_own_after_drop(void **state)
{
	struct slave_snap s;
	struct w a, b;

	(void)state;
	w_start(&a, 7, false);
	assert_int_equal(w_take(&a), 1);
	w_end(&a);                          /* killed: never dropped */
	assert_int_equal(status().owner, SNAP_BY_STALE_SEND);
	w_start(&b, 8, true);
	assert_int_equal(w_take(&b), 1);
	s = status();
	assert_int_equal(s.kind, SNAP_KIND_STOPPED);
	assert_int_equal(s.owner, SNAP_BY_SEND);
	assert_int_equal(s.job, 8);
	assert_int_equal(s.pid, b.pid);
	w_end(&b);
	assert_int_equal(status().kind, SNAP_KIND_NONE);
}

static void
tick(void)
{
	/* start times count clock ticks: one apart */
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Two live sends of one job: the later worker's (the run the master runs
 * again) drops the earlier one's; the earlier, late to its take, is
 * refused and drops nothing. */
static void
test_same_job_older_worker_yields(void **state)
{
	struct slave_snap s;
	struct w old, new;

	(void)state;
	w_start(&old, 7, true);
	tick();
	w_start(&new, 7, true);
	assert_int_equal(w_take(&new), 1);
	assert_int_equal(w_take(&old), -1);
	s = status();
	assert_int_equal(s.kind, SNAP_KIND_STOPPED);
	assert_int_equal(s.owner, SNAP_BY_SEND);
	assert_int_equal(s.pid, new.pid);
	w_end(&old);
	w_end(&new);
	assert_int_equal(status().kind, SNAP_KIND_NONE);

	/* the other way round: the earlier took first, the later drops its
	 * snapshot and takes its own */
	w_start(&old, 7, true);
	tick();
	w_start(&new, 7, true);
	assert_int_equal(w_take(&old), 1);
	assert_int_equal(w_take(&new), 1);
	assert_int_equal(status().pid, new.pid);
	w_end(&old);                        /* not its own: left */
	assert_int_equal(status().pid, new.pid);
	w_end(&new);
	assert_int_equal(status().kind, SNAP_KIND_NONE);
}

/* The start's sweep leaves the marker of a take at work (its worker, the
 * restart orphaned, holds C's lock) and clears one nobody holds. */
static void
test_sweep_leaves_locked_mark(void **state)
{
	char err[512];
	int fd, p[2], q[2], st;
	pid_t pid;
	char b;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	if ((pid = fork()) == 0) {
		/* mid-take: locked, marked, nothing taken yet */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = snap_lock(&test_ctx, "w1", true, err, sizeof(err))) < 0 ||
		    snapmark_write(&test_ctx, "w1", 7, err, sizeof(err)) != 0)
			_exit(1);
		if (write(p[1], "m", 1) != 1 || read(q[0], &b, 1) != 1)
			_exit(2);
		snap_unlock(&test_ctx, "w1", fd);
		_exit(0);
	}
	assert_int_equal(read(p[0], &b, 1), 1);
	slave_snap_sweep(&test_ctx);
	assert_true(slavetmp_present(".send.w1"));
	assert_true(slavetmp_present(".lock.w1"));
	assert_int_equal(write(q[1], "e", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	slave_snap_sweep(&test_ctx);
	assert_false(slavetmp_present(".send.w1"));
	assert_false(slavetmp_present(".lock.w1"));
	close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

/* A send killed between its freeze and its hold (its .holdtmp, unlocked):
 * the master's drop of its stale snapshot releases that. */
static void
test_drop_stale_releases_half_take(void **state)
{
	struct slave_snap s;
	char p[PATH_MAX], err[512];
	FILE *f;
	pid_t pid;
	int st;

	(void)state;
	if ((pid = fork()) == 0)
		_exit(snapmark_write(&test_ctx, "w1", 7, err, sizeof(err)) != 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	slavetmp_path(".holdtmp.w1", p, sizeof(p));
	assert_non_null(f = fopen(p, "w"));
	fprintf(f, "sigstop 1\n");
	fclose(f);
	s = status();
	assert_int_equal(s.kind, SNAP_KIND_NONE);
	assert_true(s.leftover);
	assert_int_equal(slave_snap_drop_stale(&test_ctx, "w1", 7, &s, err,
	    sizeof(err)), 0);
	assert_int_not_equal(s.kind, SNAP_KIND_NONE);    /* dropped one */
	assert_false(slavetmp_present(".holdtmp.w1"));
	assert_false(slavetmp_present(".send.w1"));
	assert_false(status().leftover);
}

/* A marker that is no regular file is read without blocking (a fifo:
 * never opened for writing) and names no worker. */
static void
test_mark_not_a_file(void **state)
{
	struct slave_snap s;
	char p[PATH_MAX], err[512];

	(void)state;
	assert_int_equal(slave_snap_take(&test_ctx, "w1", 0, &s, err, sizeof(err)),
	    0);
	slavetmp_path(".send.w1", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);                          /* the old code blocked here */
	s = status();
	alarm(0);
	assert_int_equal(s.owner, SNAP_BY_STALE_SEND);
	assert_int_equal(s.pid, 0);
	/* nor is one written through it */
	assert_int_equal(snapmark_write(&test_ctx, "w1", 7, err, sizeof(err)), -1);
}

/* A marker that cannot be opened now (here a socket: ENXIO, as EMFILE
 * or EIO would fail) is no stale send's: an admin's snapshot is never
 * dropped on a transient error (it was read as a stale send's). */
static void
test_mark_unreadable_keeps_snapshot(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct slave_snap s;
	char err[512], p[PATH_MAX];
	int fd;

	(void)state;
	assert_int_equal(slave_snap_take(&test_ctx, "w1", 0, &s, err, sizeof(err)),
	    0);
	slavetmp_path(".send.w1", p, sizeof(p));
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = status();
	assert_int_equal(s.owner, SNAP_BY_SEND);
	assert_true(s.job == 0);
	assert_int_equal(slave_snap_drop_stale(&test_ctx, "w1", 0, &s, err,
	    sizeof(err)), 0);
	assert_int_not_equal(status().kind, SNAP_KIND_NONE);    /* kept */
	close(fd);
	unlink(sa.sun_path);
	assert_int_equal(status().owner, SNAP_BY_ADMIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_refused_admin_take_keeps_mark, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_send_takes_own_after_drop, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_job_older_worker_yields, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_sweep_leaves_locked_mark, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_drop_stale_releases_half_take, slavetmp_setup, slavetmp_teardown),
		cmocka_unit_test_setup_teardown(test_mark_not_a_file, slavetmp_setup,
		    slavetmp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_mark_unreadable_keeps_snapshot, slavetmp_setup, slavetmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
