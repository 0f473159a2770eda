/* Unit tests: the job runner (master/jobrun.c, jobctx.c, jobwatch.c) on
 * real inventory files, with a kind table of the test's own: "work" steps,
 * counts itself in the limits and polls job_cancelled() until the test
 * opens its gate (or a short sleep passes); "plain" has no recover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "inventory.h"
#include "jobrun.h"
#include "jobs.h"
#include "master.h"
#include "pace.h"
#include "placedb.h"
#include "tmpdir.h"

#define HOSTS 5                 /* h0..h4 */
#define ORDER_MAX 64

struct fixture {
	struct master_ctx m;    /* the runner's; kinds find the rest from it */
	char dir[256];
	struct inventory *inv;  /* the test's own connection */
	pthread_mutex_t lock;
	bool gate;              /* "work" waits for it, unless sleep_ms */
	int sleep_ms;
	unsigned running, max_running;
	unsigned host[HOSTS], max_host[HOSTS];
	int64_t order[ORDER_MAX];
	size_t n_order;
	int64_t recovered;
};

static struct fixture *
of(struct job_ctx *c)
{
	return (struct fixture *)((char *)c->m - offsetof(struct fixture, m));
}

static int
host_ix(const char *h)
{
	return h[0] == 'h' && h[1] >= '0' && h[1] < '0' + HOSTS ? h[1] - '0' :
	    -1;
}

/* Count c's job in (d = 1) or out (d = -1) of the running ones. */
static void
count(struct fixture *f, const struct job *j, int d)
{
	int s = host_ix(j->src), t = host_ix(j->dst);

	pthread_mutex_lock(&f->lock);
	f->running += (unsigned)d;
	if (f->running > f->max_running)
		f->max_running = f->running;
	if (d > 0 && f->n_order < ORDER_MAX)
		f->order[f->n_order++] = j->id;
	if (s >= 0) {
		f->host[s] += (unsigned)d;
		if (f->host[s] > f->max_host[s])
			f->max_host[s] = f->host[s];
	}
	if (t >= 0 && t != s) {
		f->host[t] += (unsigned)d;
		if (f->host[t] > f->max_host[t])
			f->max_host[t] = f->host[t];
	}
	pthread_mutex_unlock(&f->lock);
}

static int
work_run(struct job_ctx *c)
{
	struct fixture *f = of(c);
	int64_t end;
	bool open;

	count(f, c->job, 1);
	if (job_step(c, "work") != 0) {
		count(f, c->job, -1);
		return job_fail(c, "no step");
	}
	job_bytes(c, 0, 100);
	end = monotonic_ms() + f->sleep_ms;
	for (;;) {
		pthread_mutex_lock(&f->lock);
		open = f->gate;
		pthread_mutex_unlock(&f->lock);
		if (open || (f->sleep_ms > 0 && monotonic_ms() >= end))
			break;
		if (job_cancelled(c)) {
			count(f, c->job, -1);
			return JOB_OUT_CANCELLED;
		}
		usleep(2000);
	}
	job_bytes(c, 100, 100);
	count(f, c->job, -1);
	return JOB_OUT_DONE;
}

static int
work_recover(struct job_ctx *c)
{
	struct fixture *f = of(c);

	pthread_mutex_lock(&f->lock);
	f->recovered = c->job->id;
	pthread_mutex_unlock(&f->lock);
	assert_true(c->recovering);
	job_note(c, "resuming at %s", c->job->step);
	return work_run(c);
}

static const struct job_kind kinds[] = {
	{ .name = "work", .run = work_run, .recover = work_recover },
	{ .name = "plain", .run = work_run },
	{ .name = "quick", .run = work_run, .flags = JOBK_QUICK },
	{ .name = "bring", .run = work_run, .recover = work_recover,
	  .flags = JOBK_TO_DST },
	{ .name = "restore", .run = work_run, .recover = work_recover,
	  .flags = JOBK_TO_DST },
	{ .name = NULL },
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	if (f == NULL)
		return -1;
	if (test_tmpdir("jobrun", f->dir, sizeof(f->dir)) != 0) {
		free(f);
		return -1;
	}
	corral_conf_defaults(&f->m.conf);
	snprintf(f->m.conf.inventory, sizeof(f->m.conf.inventory),
	    "%s/inventory.db", f->dir);
	if ((f->inv = inventory_open(f->m.conf.inventory, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->m.writes_lock, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	inventory_close(f->inv);
	test_tmpdir_remove(f->dir);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return 0;
}

static void
must(struct inventory *inv, int r)
{
	if (r != 0)
		fail_msg("%s", inventory_errmsg(inv));
}

/* A job of kind for ct from src to dst with args ("" none). */
static int64_t
queue_args(struct fixture *f, const char *kind, const char *ct,
    const char *src, const char *dst, const char *args)
{
	struct job j;
	int64_t busy;

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "%s", kind);
	snprintf(j.container, sizeof(j.container), "%s", ct);
	snprintf(j.src, sizeof(j.src), "%s", src);
	snprintf(j.dst, sizeof(j.dst), "%s", dst);
	snprintf(j.args, sizeof(j.args), "%s", args);
	must(f->inv, job_add(f->inv, &j, realtime_ms(), &busy));
	return j.id;
}

static int64_t
queue(struct fixture *f, const char *kind, const char *ct, const char *src,
    const char *dst)
{
	return queue_args(f, kind, ct, src, dst, "");
}

static struct jobrun *
start(struct fixture *f)
{
	struct jobrun *r;
	char err[512];

	if ((r = jobrun_start(&f->m, kinds, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return r;
}

static void
stop(struct jobrun *r)
{
	jobrun_stop(r);
	jobrun_free(r);
}

static void
set_gate(struct fixture *f, bool open)
{
	pthread_mutex_lock(&f->lock);
	f->gate = open;
	pthread_mutex_unlock(&f->lock);
}

/* Wait (5 s at most) for job id to be in state (and, if step is not
 * NULL, at that step); its record into *out. */
static void
wait_job(struct fixture *f, int64_t id, enum job_state want,
    const char *step, struct job *out)
{
	int64_t end = monotonic_ms() + 5000;
	struct job j;

	for (;;) {
		must(f->inv, job_get(f->inv, id, &j, NULL, NULL));
		if (j.state == want && (step == NULL ||
		    strcmp(j.step, step) == 0))
			break;
		if (monotonic_ms() > end)
			fail_msg("job %lld is %s at '%s', not %s",
			    (long long)id,
			    job_state_name(j.state), j.step,
			    job_state_name(want));
		usleep(5000);
	}
	if (out != NULL)
		*out = j;
}

static void
wait_state(struct fixture *f, int64_t id, enum job_state want,
    struct job *out)
{
	wait_job(f, id, want, NULL, out);
}

/* Running, at its step "work". */
static void
wait_working(struct fixture *f, int64_t id)
{
	wait_job(f, id, JOB_RUNNING, "work", NULL);
}

/* jobs_max and jobs_per_host are never exceeded, and reached. */
static void
test_limits(void **state)
{
	static const char *const pairs[][2] = {
		{ "h1", "h2" }, { "h1", "h3" }, { "h2", "h3" }, { "h3", "h4" },
		{ "h1", "h4" }, { "h2", "h4" }, { "h1", "h1" }, { "h4", "" },
		{ "h2", "h1" }, { "h3", "h1" }, { "h4", "h2" }, { "h0", "h3" },
	};
	struct fixture *f = *state;
	int64_t ids[12];
	struct jobrun *r;
	char ct[16];
	size_t i;

	f->m.conf.jobs_max = 3;
	f->m.conf.jobs_per_host = 2;
	f->sleep_ms = 60;
	for (i = 0; i < 12; i++) {
		snprintf(ct, sizeof(ct), "c%zu", i);
		ids[i] = queue(f, "work", ct, pairs[i][0], pairs[i][1]);
	}
	r = start(f);
	for (i = 0; i < 12; i++)
		wait_state(f, ids[i], JOB_DONE, NULL);
	stop(r);
	assert_int_equal(f->n_order, 12);
	assert_int_equal(f->max_running, 3);
	for (i = 0; i < HOSTS; i++)
		assert_true(f->max_host[i] <= 2);
	assert_int_equal(f->running, 0);
}

/* One at a time: in the order they were queued. */
static void
test_id_order(void **state)
{
	struct fixture *f = *state;
	int64_t ids[6];
	struct jobrun *r;
	char ct[16];
	size_t i;

	f->m.conf.jobs_max = 1;
	f->sleep_ms = 5;
	for (i = 0; i < 6; i++) {
		snprintf(ct, sizeof(ct), "c%zu", i);
		ids[i] = queue(f, "work", ct, "h1", "h2");
	}
	r = start(f);
	wait_state(f, ids[5], JOB_DONE, NULL);
	stop(r);
	assert_int_equal(f->n_order, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(f->order[i], ids[i]);
	assert_int_equal(f->max_running, 1);
}

/* A job waiting for its host does not hold back one of other hosts. */
static void
test_host_wait_skips(void **state)
{
	struct fixture *f = *state;
	int64_t a, b, c;
	struct jobrun *r;

	f->m.conf.jobs_max = 4;
	f->m.conf.jobs_per_host = 1;
	a = queue(f, "work", "a", "h1", "h2");
	b = queue(f, "work", "b", "h2", "h3");
	c = queue(f, "work", "c", "h3", "h4");
	r = start(f);
	wait_working(f, a);
	wait_working(f, c);
	wait_state(f, b, JOB_QUEUED, NULL);
	set_gate(f, true);
	wait_state(f, b, JOB_DONE, NULL);
	stop(r);
	assert_true(f->max_host[2] <= 1 && f->max_host[3] <= 1);
}

/* A quick kind starts beside jobs that fill jobs_max and jobs_per_host
 * (and counts among them: the ordinary job after it still waits). */
static void
test_quick_kind(void **state)
{
	struct fixture *f = *state;
	int64_t a, q, b;
	struct jobrun *r;

	f->m.conf.jobs_max = 1;
	f->m.conf.jobs_per_host = 1;
	a = queue(f, "work", "a", "h1", "h2");
	q = queue(f, "quick", "q", "h1", "");
	b = queue(f, "work", "b", "h3", "h4");
	r = start(f);
	wait_working(f, a);
	wait_working(f, q);
	wait_state(f, b, JOB_QUEUED, NULL);
	assert_int_equal(f->max_running, 2);
	set_gate(f, true);
	wait_state(f, b, JOB_DONE, NULL);
	wait_state(f, q, JOB_DONE, NULL);
	stop(r);
}

/* Two jobs never hold one container: the second is refused with the
 * first's id, queued or running. */
static void
test_one_job_per_container(void **state)
{
	struct fixture *f = *state;
	struct jobrun *r;
	struct job j;
	int64_t a, busy;

	a = queue(f, "work", "web", "h1", "h2");
	r = start(f);
	wait_working(f, a);
	memset(&j, 0, sizeof(j));
	strcpy(j.kind, "work");
	strcpy(j.container, "web");
	assert_int_equal(job_add(f->inv, &j, realtime_ms(), &busy), JOB_BUSY);
	assert_int_equal(busy, a);
	set_gate(f, true);
	wait_state(f, a, JOB_DONE, NULL);
	assert_int_equal(job_add(f->inv, &j, realtime_ms(), &busy), 0);
	jobrun_kick(r);
	wait_state(f, j.id, JOB_DONE, NULL);
	stop(r);
}

static void
test_cancel_queued(void **state)
{
	struct fixture *f = *state;
	enum job_state st;
	struct jobrun *r;
	struct job j;
	int64_t a, b;
	size_t i;

	f->m.conf.jobs_max = 1;
	a = queue(f, "work", "a", "h1", "h2");
	b = queue(f, "work", "b", "h1", "h2");
	r = start(f);
	wait_working(f, a);
	must(f->inv, job_cancel(f->inv, b, realtime_ms(), &st));
	assert_int_equal(st, JOB_CANCELLED);
	jobrun_kick(r);
	set_gate(f, true);
	wait_state(f, a, JOB_DONE, NULL);
	wait_state(f, b, JOB_CANCELLED, &j);
	stop(r);
	assert_int_equal(j.started, 0);
	for (i = 0; i < f->n_order; i++)
		assert_true(f->order[i] != b);
}

static void
test_cancel_running(void **state)
{
	struct fixture *f = *state;
	enum job_state st;
	struct jobrun *r;
	struct job j;
	int64_t a;

	a = queue(f, "work", "a", "h1", "h2");
	r = start(f);
	wait_working(f, a);
	must(f->inv, job_cancel(f->inv, a, realtime_ms(), &st));
	assert_int_equal(st, JOB_RUNNING);
	wait_state(f, a, JOB_CANCELLED, &j);
	stop(r);
	assert_true(j.cancel);
	assert_string_equal(j.error, "cancelled during work");
	assert_int_equal(f->running, 0);
}

/* The runner's log (stderr) into a file of the test's, read back at the
 * end. */
struct capture {
	FILE *f;
	int saved;
};

static void
capture_begin(struct fixture *f, struct capture *cap)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/log", f->dir);
	fflush(stderr);
	assert_true((cap->saved = dup(2)) >= 0);
	assert_non_null(cap->f = fopen(path, "w+"));
	dup2(fileno(cap->f), 2);
}

static void
capture_end(struct capture *cap, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(cap->saved, 2);
	close(cap->saved);
	rewind(cap->f);
	n = fread(buf, 1, len - 1, cap->f);
	buf[n] = '\0';
	fclose(cap->f);
}

/* Job id's line with text is in the captured log. */
static void
assert_logged(const char *buf, int64_t id, const char *text)
{
	char want[300];

	snprintf(want, sizeof(want), "job %lld %s", (long long)id, text);
	if (strstr(buf, want) == NULL)
		fail_msg("not logged: %s", want);
}

/* A master killed mid-job: its running jobs are found at start, one
 * recovered by its kind, one of a kind with no recover marked failed with
 * the step named; queued jobs run; all is logged. */
static void
test_recovery(void **state)
{
	struct fixture *f = *state;
	char buf[8192];
	int64_t a, b, c, d;
	struct capture cap;
	struct jobrun *r;
	struct job j;

	a = queue(f, "work", "a", "h1", "h2");
	b = queue(f, "plain", "b", "h1", "h3");
	c = queue(f, "work", "c", "h2", "h3");
	d = queue(f, "gone", "d", "h2", "h3");
	must(f->inv, job_start(f->inv, a, realtime_ms()));
	must(f->inv, job_set_step(f->inv, a, "copy", realtime_ms()));
	must(f->inv, job_start(f->inv, b, realtime_ms()));
	must(f->inv, job_set_step(f->inv, b, "copy", realtime_ms()));
	f->gate = true;
	capture_begin(f, &cap);
	r = start(f);
	wait_state(f, a, JOB_DONE, NULL);
	wait_state(f, c, JOB_DONE, NULL);
	wait_state(f, d, JOB_FAILED, &j);
	assert_string_equal(j.error,
	    "no job kind 'gone' in this corral-master");
	stop(r);
	capture_end(&cap, buf, sizeof(buf));
	assert_int_equal(f->recovered, a);
	must(f->inv, job_get(f->inv, b, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_FAILED);
	assert_string_equal(j.error, "master restarted during copy");
	assert_logged(buf, a, "work a: found running at copy");
	assert_logged(buf, a, "work a: resuming at copy");
	assert_logged(buf, a, "work a: done");
	assert_logged(buf, b, "plain b: failed: master "
	    "restarted during copy");
	assert_logged(buf, c, "work c: step work");
}

/* The lowest descriptor number free. */
static int
lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

/* A recovery that cannot start at the master's start (here: no
 * descriptor for its job's connection) is not forgotten nor failed: its
 * job stays running on record, and is recovered once it can start. */
static void
test_recovery_retry(void **state)
{
	struct fixture *f = *state;
	struct rlimit saved, tight;
	struct inventory *probe;
	struct capture cap;
	char buf[8192], err[512];
	struct jobrun *r;
	struct job j;
	int64_t a, end;
	struct job *v;
	size_t n;

	a = queue(f, "work", "a", "h1", "h2");
	must(f->inv, job_start(f->inv, a, realtime_ms()));
	must(f->inv, job_set_step(f->inv, a, "copy", realtime_ms()));
	f->gate = true;
	capture_begin(f, &cap);
	/* what a connection takes: the runner's fits, its job's does not */
	assert_non_null(probe = inventory_open(f->m.conf.inventory, err,
	    sizeof(err)));
	must(probe, job_list(probe, INT64_MAX, &v, &n));
	free(v);
	tight.rlim_cur = (rlim_t)lowest_free_fd();
	/* SQLite may keep its descriptor for the next connection to the
	 * file (its locks are per process): what is free now is no
	 * measure */
	inventory_close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	tight.rlim_max = saved.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
	r = start(f);
	usleep(500 * 1000);
	must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(f->recovered, 0);
	/* tried again within RECOVER_RETRY_MS and a scheduler round */
	end = monotonic_ms() + 20000;
	for (;;) {
		must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
		if (j.state != JOB_RUNNING || monotonic_ms() > end)
			break;
		usleep(50 * 1000);
	}
	stop(r);
	capture_end(&cap, buf, sizeof(buf));
	assert_int_equal(j.state, JOB_DONE);
	assert_int_equal(f->recovered, a);
	assert_logged(buf, a, "work a: its recovery could not "
	    "start: trying again in 10 s");
	assert_logged(buf, a, "work a: found running at copy");
}

/* A job whose container a sync writes into on one of its hosts stays
 * queued until the sync's mark goes, then runs; others run meanwhile. */
static void
test_waits_for_sync(void **state)
{
	struct fixture *f = *state;
	struct jobrun *r;
	struct job j;
	int64_t a, b;

	set_gate(f, true);
	assert_int_equal(master_writes_mark(&f->m, "h2", "a"), 0);
	a = queue(f, "work", "a", "h1", "h2");
	b = queue(f, "work", "b", "h1", "h2");
	r = start(f);
	f->m.jobs = r;
	wait_state(f, b, JOB_DONE, NULL);
	must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_QUEUED);
	master_writes_unmark(&f->m, "h2", "a");
	wait_state(f, a, JOB_DONE, NULL);
	f->m.jobs = NULL;
	stop(r);
}

/* A master that stops: the running job stops at its safe point and goes
 * back in the queue, and runs at the next start. */
static void
test_stop_requeues(void **state)
{
	struct fixture *f = *state;
	struct jobrun *r;
	struct job j;
	int64_t a;

	a = queue(f, "work", "a", "h1", "h2");
	r = start(f);
	wait_working(f, a);
	stop(r);
	must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_QUEUED);
	assert_false(j.cancel);
	set_gate(f, true);
	r = start(f);
	wait_state(f, a, JOB_DONE, NULL);
	stop(r);
	assert_int_equal(f->n_order, 2);
}

/* Ended jobs older than jobs_keep_days are forgotten by the runner, with
 * their steps; newer ones, and running and queued ones however old, stay;
 * 0 keeps every job. */
static void
test_prune_old(void **state)
{
	struct fixture *f = *state;
	int64_t day = 86400 * 1000LL, now = realtime_ms(), old, recent, active;
	struct job_step *steps;
	struct jobrun *r;
	struct job j;
	size_t n;

	old = queue(f, "plain", "old", "h1", "h2");
	must(f->inv, job_start(f->inv, old, now - 3 * day));
	must(f->inv, job_set_step(f->inv, old, "copy", now - 3 * day));
	must(f->inv, job_finish(f->inv, old, JOB_DONE, "", now - 3 * day));
	recent = queue(f, "plain", "recent", "h1", "h2");
	must(f->inv, job_finish(f->inv, recent, JOB_FAILED, "x", now - day / 2));
	active = queue(f, "work", "active", "h1", "h2");

	f->m.conf.jobs_keep_days = 0;           /* kept for ever */
	r = start(f);
	wait_working(f, active);
	stop(r);
	must(f->inv, job_get(f->inv, old, &j, NULL, NULL));

	f->m.conf.jobs_keep_days = 2;
	r = start(f);
	wait_working(f, active);
	assert_int_equal(job_get(f->inv, old, &j, &steps, &n), -1);
	must(f->inv, job_get(f->inv, recent, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_FAILED);
	set_gate(f, true);
	wait_state(f, active, JOB_DONE, NULL);
	stop(r);
}

/* A waiter sees the step and bytes of a running job, then its end. */
static void
test_watch(void **state)
{
	struct fixture *f = *state;
	enum job_watch_result w;
	struct job_watch jw;
	struct job_live live;
	struct jobrun *r;
	int64_t a;
	bool saw_work = false;

	memset(&live, 0, sizeof(live));
	a = queue(f, "work", "a", "h1", "h2");
	r = start(f);
	assert_int_equal(jobrun_watch_open(r, &jw, a), 0);
	for (;;) {
		w = jobrun_watch(r, &jw, &live, monotonic_ms() + 5000);
		assert_int_not_equal(w, JOBW_TIMEOUT);
		assert_int_not_equal(w, JOBW_STOPPING);
		/* the step, then its bytes */
		if (w == JOBW_PROGRESS && strcmp(live.step, "work") == 0 &&
		    live.bytes_total == 100 && !saw_work) {
			saw_work = true;
			assert_int_equal(live.bytes_done, 0);
			set_gate(f, true);
		}
		if (w == JOBW_CHANGED && saw_work) {
			struct job j;

			must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
			if (!job_active(j.state))
				break;
		}
	}
	jobrun_watch_close(r, &jw);
	wait_state(f, a, JOB_DONE, NULL);
	/* nothing more to see */
	assert_int_equal(jobrun_watch_open(r, &jw, a), 0);
	assert_int_equal(jobrun_watch(r, &jw, &live, monotonic_ms() + 1000),
	    JOBW_CHANGED);
	assert_int_equal(jobrun_watch(r, &jw, &live, monotonic_ms() + 50),
	    JOBW_TIMEOUT);
	jobrun_watch_close(r, &jw);
	stop(r);
}

/* text into the pause hook's file at path (CORRAL_TEST_JOB_PAUSE) */
static void
pause_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* The pause hook at the file pause, set while no job thread runs (they
 * read the environment: setenv then would race them); unset likewise. */
static void
pause_hook(const char *pause)
{
	pause_file(pause, "");
	assert_int_equal(setenv("CORRAL_TEST_JOB_PAUSE", pause, 1), 0);
}

#define PAUSE_MAX 300          /* the pause hook's path, below f->dir */

/* The drain tests' pool: hosts h1 and h2 in the inventory; pause not
 * NULL (PAUSE_MAX), the pause hook at the file <dir>/pause, its path
 * there. */
static void
drain_hosts(struct fixture *f, char *pause)
{
	static const struct inv_host_cfg hosts[] = {
		{ "h1", "10.0.0.1", 22, 0 }, { "h2", "10.0.0.2", 22, 0 },
	};

	must(f->inv, inventory_sync_hosts(f->inv, hosts, 2));
	if (pause == NULL)
		return;
	snprintf(pause, PAUSE_MAX, "%s/pause", f->dir);
	pause_hook(pause);
}

/* Which active jobs bring a container to a host: a kind of JOBK_TO_DST
 * whose dst it is, queued or running; a restore --force only when its
 * container is not on that host now (over one there it replaces it), as
 * the runner's check decides (test_drained_refuses). */
static void
test_brings_to(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	struct msg_host_info info;
	struct msg_ct_info ct;
	struct job j;

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "bring");
	snprintf(j.src, sizeof(j.src), "h1");
	snprintf(j.dst, sizeof(j.dst), "h2");
	j.state = JOB_QUEUED;
	assert_true(job_brings_to(inv, kinds, &j, "h2"));
	j.state = JOB_RUNNING;
	assert_true(job_brings_to(inv, kinds, &j, "h2"));
	assert_false(job_brings_to(inv, kinds, &j, "h1"));  /* its source */
	j.state = JOB_FAILED;
	assert_false(job_brings_to(inv, kinds, &j, "h2"));
	j.state = JOB_RUNNING;
	snprintf(j.kind, sizeof(j.kind), "work");       /* not of the flag */
	assert_false(job_brings_to(inv, kinds, &j, "h2"));
	snprintf(j.kind, sizeof(j.kind), "gone");       /* no such kind */
	assert_false(job_brings_to(inv, kinds, &j, "h2"));
	assert_non_null(job_kind_find(kinds, "quick"));
	assert_null(job_kind_find(kinds, "gone"));
	/* restore --force of e toward h2: e nowhere, then on h1, brings
	 * one; e on h2, replaces it */
	snprintf(j.kind, sizeof(j.kind), "restore");
	snprintf(j.container, sizeof(j.container), "e");
	snprintf(j.args, sizeof(j.args), "from=e force=1");
	j.src[0] = '\0';
	drain_hosts(f, NULL);
	assert_true(job_brings_to(inv, kinds, &j, "h2"));
	memset(&info, 0, sizeof(info));
	memset(&ct, 0, sizeof(ct));
	snprintf(ct.name, sizeof(ct.name), "e");
	snprintf(ct.state, sizeof(ct.state), "running");
	must(inv, inventory_host_up(inv, "h1", &info, &ct, 1, realtime_ms()));
	assert_true(job_brings_to(inv, kinds, &j, "h2"));
	must(inv, inventory_host_up(inv, "h1", &info, NULL, 0, realtime_ms()));
	must(inv, inventory_host_up(inv, "h2", &info, &ct, 1, realtime_ms()));
	assert_false(job_brings_to(inv, kinds, &j, "h2"));
	snprintf(j.args, sizeof(j.args), "from=e");    /* no --force */
	assert_true(job_brings_to(inv, kinds, &j, "h2"));
}

/* A drained dst refuses a job of JOBK_TO_DST at its start, before its
 * kind runs (nothing changed, the host and container named); a job of
 * another kind toward it, and one from it, run; a job found running
 * toward it after a restart is recovered, never refused. */
static void
test_drained_refuses(void **state)
{
	struct fixture *f = *state;
	int64_t a, b, c, d;
	struct jobrun *r;
	struct job j;

	drain_hosts(f, NULL);
	must(f->inv, placedb_set_drained(f->inv, "h2", true));
	d = queue(f, "bring", "d", "h1", "h2");
	must(f->inv, job_start(f->inv, d, realtime_ms()));
	must(f->inv, job_set_step(f->inv, d, "copy", realtime_ms()));
	a = queue(f, "bring", "a", "h1", "h2");
	b = queue(f, "work", "b", "h1", "h2");
	c = queue(f, "bring", "c", "h2", "h1");
	f->gate = true;
	r = start(f);
	wait_state(f, a, JOB_FAILED, &j);
	assert_string_equal(j.error, "h2 is drained (corral host undrain h2 "
	    "first): a not brought there; nothing changed");
	assert_string_equal(j.step, "");
	wait_state(f, b, JOB_DONE, NULL);
	wait_state(f, c, JOB_DONE, NULL);
	wait_state(f, d, JOB_DONE, NULL);
	stop(r);
	assert_int_equal(f->recovered, d);
	/* the kind ran for d, b and c, never for a */
	assert_int_equal(f->n_order, 3);
	assert_int_not_equal(f->order[0], a);
	assert_int_not_equal(f->order[1], a);
	assert_int_not_equal(f->order[2], a);
	/* a restore --force over a container there replaces it, none
	 * more: it runs; over none there it makes one: refused */
	{
		struct msg_host_info info;
		struct msg_ct_info ct;
		int64_t e, g;

		memset(&info, 0, sizeof(info));
		memset(&ct, 0, sizeof(ct));
		snprintf(ct.name, sizeof(ct.name), "e");
		snprintf(ct.state, sizeof(ct.state), "running");
		must(f->inv, inventory_host_up(f->inv, "h2", &info, &ct, 1,
		    realtime_ms()));
		must(f->inv, placedb_set_drained(f->inv, "h2", true));
		e = queue_args(f, "restore", "e", "", "h2", "from=e force=1");
		g = queue_args(f, "restore", "g", "", "h2", "from=g force=1");
		r = start(f);
		wait_state(f, e, JOB_DONE, NULL);
		wait_state(f, g, JOB_FAILED, &j);
		assert_non_null(strstr(j.error, "h2 is drained"));
		stop(r);
	}
	/* undrained, the host takes it again */
	must(f->inv, placedb_set_drained(f->inv, "h2", false));
	a = queue(f, "bring", "a", "h1", "h2");
	r = start(f);
	wait_state(f, a, JOB_DONE, NULL);
	stop(r);
}

/* A "bring" of ct from h1 to h2 started in r and held 3 s before its
 * check of a drained destination (3 s: the test's next steps on a loaded
 * machine; the caller empties the hook's file once it holds the checks):
 * its id */
static int64_t
held_at_admit(struct fixture *f, struct jobrun *r, const char *pause,
    const char *ct)
{
	int64_t id;

	pause_file(pause, "admit:3");
	id = queue(f, "bring", ct, "h1", "h2");
	jobrun_kick(r);
	wait_job(f, id, JOB_RUNNING, "", NULL);
	/* the file stays until the caller holds the checks: running is
	 * said before the job reads it, and emptied first it went by */
	return id;
}

/* A drain's hold of the runner's checks: a job running but held before
 * its check of a drained destination (the pause hook "admit") is
 * unchecked, and stays so under the hold whatever its pause; the host
 * marked drained meanwhile, it is refused once the hold ends.  A job past
 * its check is not unchecked, nor one the runner does not run. */
static void
test_unchecked(void **state)
{
	struct fixture *f = *state;
	char pause[PAUSE_MAX];
	struct jobrun *r;
	struct job j;
	int64_t a, b;

	drain_hosts(f, pause);
	f->m.conf.jobs_per_host = 4;
	b = queue(f, "bring", "b", "h1", "h2");
	r = start(f);
	wait_working(f, b);
	a = held_at_admit(f, r, pause, "a");
	jobrun_checks_hold(r);
	pause_file(pause, "");
	assert_true(jobrun_unchecked(r, a));
	assert_false(jobrun_unchecked(r, b));
	assert_false(jobrun_unchecked(r, 999));
	must(f->inv, placedb_set_drained(f->inv, "h2", true));
	usleep(3500 * 1000);        /* its pause is over: the hold holds it */
	assert_true(jobrun_unchecked(r, a));
	must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_RUNNING);
	jobrun_checks_release(r);
	wait_state(f, a, JOB_FAILED, &j);
	assert_string_equal(j.error, "h2 is drained (corral host undrain h2 "
	    "first): a not brought there; nothing changed");
	set_gate(f, true);
	wait_state(f, b, JOB_DONE, NULL);   /* past its check before */
	stop(r);
	assert_int_equal(unsetenv("CORRAL_TEST_JOB_PAUSE"), 0);
}

/* What a drain learns of a job it saw unchecked, once the hold ends: a
 * job refused at its check (the host still drained) is 1 and ends failed;
 * one that passes it because the host was undrained before it got there
 * is 0 as soon as it has passed, while it runs (it may arrive: the drain
 * must not wait for its end and call it refused); one the runner does
 * not run is -1. */
static void
test_check_wait(void **state)
{
	struct fixture *f = *state;
	char pause[PAUSE_MAX];
	struct jobrun *r;
	struct job j;
	int64_t a, c;
	int rc;

	drain_hosts(f, pause);
	r = start(f);
	assert_int_equal(jobrun_check_wait(r, 999), -1);
	/* refused: the host still drained at its check */
	a = held_at_admit(f, r, pause, "a");
	jobrun_checks_hold(r);
	pause_file(pause, "");
	must(f->inv, placedb_set_drained(f->inv, "h2", true));
	assert_true(jobrun_unchecked(r, a));
	jobrun_checks_release(r);
	/* 1; or, the refused job ended and gone from the runner before the
	 * wait looked (seen on a loaded machine), -1: its record says the
	 * refusal already, as the drain reads it (placecli.c) */
	if ((rc = jobrun_check_wait(r, a)) == -1) {
		must(f->inv, job_get(f->inv, a, &j, NULL, NULL));
		assert_int_equal(j.state, JOB_FAILED);
		assert_string_equal(j.step, "");
	} else
		assert_int_equal(rc, 1);
	wait_state(f, a, JOB_FAILED, &j);
	assert_non_null(strstr(j.error, "h2 is drained"));
	/* passed: undrained before its check; known while it runs */
	c = held_at_admit(f, r, pause, "c");
	jobrun_checks_hold(r);
	pause_file(pause, "");
	assert_true(jobrun_unchecked(r, c));
	/* under the hold: its check, however soon, sees it undrained */
	must(f->inv, placedb_set_drained(f->inv, "h2", false));
	jobrun_checks_release(r);
	assert_int_equal(jobrun_check_wait(r, c), 0);
	must(f->inv, job_get(f->inv, c, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_RUNNING);        /* at the gate */
	set_gate(f, true);
	wait_state(f, c, JOB_DONE, NULL);
	stop(r);
	assert_int_equal(unsetenv("CORRAL_TEST_JOB_PAUSE"), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_limits),
		T(test_id_order),
		T(test_host_wait_skips),
		T(test_quick_kind),
		T(test_one_job_per_container),
		T(test_cancel_queued),
		T(test_cancel_running),
		T(test_recovery),
		T(test_recovery_retry),
		T(test_waits_for_sync),
		T(test_stop_requeues),
		T(test_prune_old),
		T(test_watch),
		T(test_brings_to),
		T(test_drained_refuses),
		T(test_unchecked),
		T(test_check_wait),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
