/* corral-master: the job runner's scheduler, its job threads and the
 * recovery at start (see jobrun.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory.h"
#include "jobrun_int.h"
#include "log.h"
#include "master.h"
#include "pace.h"
#include "placedb.h"

/* The scheduler looks at the queue this often even unkicked: a safety
 * net, one indexed query. */
#define SCHED_IDLE_MS 2000
/* Ended jobs older than jobs_keep_days are forgotten this often. */
#define PRUNE_EVERY_MS (3600 * 1000LL)
/* jobrun_stop() waits this long for those waiting on jobs to leave. */
#define STOP_WAITERS_MS 5000
/* A recovery that could not start (no memory, descriptor or thread) is
 * tried again this long after: its job stays running on record, its
 * container perhaps stopped, until it does. */
#define RECOVER_RETRY_MS 10000

void
jobrun_changed(struct jobrun *r)
{
	r->gen++;
	pthread_cond_broadcast(&r->changed);
	pthread_cond_signal(&r->wake);
}

/* Wait on c until the monotonic deadline; the lock is held. */
static void
wait_until(pthread_cond_t *c, pthread_mutex_t *lock, int64_t deadline_ms)
{
	struct timespec ts = { .tv_sec = deadline_ms / 1000,
	    .tv_nsec = (deadline_ms % 1000) * 1000000 };

	(void)pthread_cond_timedwait(c, lock, &ts);
}

const struct job_kind *
job_kind_find(const struct job_kind *kinds, const char *name)
{
	const struct job_kind *k;

	for (k = kinds; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static const struct job_kind *
find_kind(const struct jobrun *r, const char *name)
{
	return job_kind_find(r->kinds, name);
}

/* A restore --force over its container on its host now (as the
 * inventory has it): it replaces that one, bringing none more.  One with
 * none there makes one, as a put; one the inventory cannot tell of is
 * taken to, so that a drain names it and a drained host refuses it. */
static bool
replaces(struct inventory *inv, const struct job *j)
{
	struct msg_ct_rec_list cl = { 0 };
	char force[4] = "";
	bool there = false;

	(void)msg_kv_get(j->args, "force", force, sizeof(force));
	if (strcmp(j->kind, "restore") != 0 || strcmp(force, "1") != 0)
		return false;
	if (inventory_containers(inv, j->container, j->dst, &cl) == 0) {
		there = cl.n > 0;
		msg_ct_rec_list_free(&cl);
	}
	return there;
}

bool
job_brings_to(struct inventory *inv, const struct job_kind *kinds,
    const struct job *j, const char *host)
{
	const struct job_kind *k = job_kind_find(kinds, j->kind);

	return k != NULL && (k->flags & JOBK_TO_DST) && job_active(j->state) &&
	    strcmp(j->dst, host) == 0 && !replaces(inv, j);
}

/* End job j as failed from the scheduler (no kind, no thread, a restart
 * its kind cannot recover from). */
static void
fail_job(struct jobrun *r, const struct job *j, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_job(struct jobrun *r, const struct job *j, const char *fmt, ...)
{
	char err[JOB_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	if (job_finish(r->inv, j->id, JOB_FAILED, err, realtime_ms()) != 0)
		log_error("job %lld: %s", (long long)j->id,
		    inventory_errmsg(r->inv));
	job_log(LOG_WARNING, j, "failed: %s", err);
	pthread_mutex_lock(&r->lock);
	jobrun_changed(r);
	pthread_mutex_unlock(&r->lock);
}

/* The end of a job as its kind returned it, in the inventory and the
 * log.  A job stopped because the master stops, not cancelled, goes back
 * in the queue. */
static void
end_job(struct job_ctx *c, int outcome)
{
	const struct job *j = c->job;
	const char *step = c->slot->live.step[0] ? c->slot->live.step :
	    "its start";
	enum job_state st = JOB_FAILED;
	char err[JOB_ERROR_MAX] = "";
	bool asked = false;
	int64_t now = realtime_ms();

	if (c->bytes_dirty && job_set_bytes(c->inv, j->id,
	    c->slot->live.bytes_done, c->slot->live.bytes_total) != 0)
		log_warn("job %lld: %s", (long long)j->id,
		    inventory_errmsg(c->inv));
	if (outcome == JOB_OUT_LEFT) {
		job_log(LOG_NOTICE, j, "master stopping: left during %s, for "
		    "its recovery at the next start", step);
		return;
	}
	if (outcome == JOB_OUT_DONE)
		st = JOB_DONE;
	else if (outcome == JOB_OUT_CANCELLED) {
		if (job_cancel_asked(c->inv, j->id, &asked) != 0)
			asked = true;   /* cannot tell: what the kind said */
		if (!asked && job_cancelled(c)) {
			if (job_requeue(c->inv, j->id, now) == 0) {
				job_log(LOG_NOTICE, j, "master stopping: "
				    "stopped during %s, back in the queue",
				    step);
				return;
			}
			log_error("job %lld: %s", (long long)j->id,
			    inventory_errmsg(c->inv));
		}
		st = JOB_CANCELLED;
		snprintf(err, sizeof(err), "cancelled during %s", step);
	} else
		snprintf(err, sizeof(err), "%s", c->error[0] ? c->error :
		    "failed, no reason given");
	if (job_finish(c->inv, j->id, st, err, now) != 0)
		log_error("job %lld: %s", (long long)j->id,
		    inventory_errmsg(c->inv));
	if (st == JOB_DONE)
		job_log(LOG_NOTICE, j, "done");
	else if (st == JOB_CANCELLED)
		job_log(LOG_NOTICE, j, "%s", err);
	else
		job_log(LOG_WARNING, j, "failed during %s: %s", step, err);
}

/* A job that would bring a container to a drained host is refused before
 * its kind does anything: a drain empties the host, and a job queued
 * before it, or named to the host since, must not land there after it.
 * A fresh start only (a recovery finishes or rolls back what its job
 * began).  true: refused, c->error says why. */
static bool
refused_drained(struct job_ctx *c, const struct job_kind *k)
{
	const struct job *j = c->job;
	bool drained;

	if (!(k->flags & JOBK_TO_DST) || j->dst[0] == '\0' ||
	    replaces(c->inv, j))
		return false;
	if (placedb_drained(c->inv, j->dst, &drained) != 0) {
		job_fail(c, "cannot tell whether %s is drained (%s): %s not "
		    "brought there; nothing changed", j->dst,
		    inventory_errmsg(c->inv), j->container);
		return true;
	}
	if (drained)
		job_fail(c, "%s is drained (corral host undrain %s first): %s "
		    "not brought there; nothing changed", j->dst, j->dst,
		    j->container);
	return drained;
}

static void *
job_thread(void *arg)
{
	struct job_slot *s = arg;
	struct jobrun *r = s->r;
	struct job_ctx c = { .m = r->m, .job = &s->job, .inv = s->inv,
	    .recovering = s->recovering, .r = r, .slot = s };
	bool refused;
	int outcome;

	if (s->recovering) {
		job_log(LOG_NOTICE, &s->job, "found running at %s after a "
		    "restart: recovering", s->job.step[0] ? s->job.step :
		    "its start");
		outcome = s->kind->recover(&c);
	} else {
		job_log(LOG_NOTICE, &s->job, "started (%s -> %s)",
		    s->job.src[0] ? s->job.src : "-",
		    s->job.dst[0] ? s->job.dst : "-");
		job_test_pause(&s->job, "admit");
		/* the check and the drain's mark one at a time: a drain
		 * that marked the host first sees this job unchecked */
		pthread_mutex_lock(&r->admit);
		refused = refused_drained(&c, s->kind);
		pthread_mutex_lock(&r->lock);
		s->checked = true;
		s->refused = refused;
		jobrun_changed(r);      /* a drain may wait for it */
		pthread_mutex_unlock(&r->lock);
		pthread_mutex_unlock(&r->admit);
		outcome = refused ? JOB_OUT_FAILED : s->kind->run(&c);
	}
	end_job(&c, outcome);
	inventory_close(s->inv);
	s->inv = NULL;
	pthread_mutex_lock(&r->lock);
	s->finished = true;
	jobrun_changed(r);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Start j (queued, or running for a recovery) in a thread of its own with
 * a connection of its own: 0, or -1 (logged; j as the inventory has it). */
static int
start_job(struct jobrun *r, const struct job *j, const struct job_kind *k,
    bool recovering)
{
	struct job_slot *s;
	char err[512];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_error("job %lld: out of memory", (long long)j->id);
		return -1;
	}
	s->job = *j;
	s->kind = k;
	s->recovering = recovering;
	s->r = r;
	snprintf(s->live.step, sizeof(s->live.step), "%s", j->step);
	s->live.bytes_done = j->bytes_done;
	s->live.bytes_total = j->bytes_total;
	if ((s->inv = inventory_open(r->m->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("job %lld: %s", (long long)j->id, err);
		goto fail;
	}
	s->checked = recovering;
	/* running on record, its slot, its check: no drain looks between
	 * (jobrun_checks_hold) */
	if (!recovering)
		pthread_mutex_lock(&r->admit);
	if (!recovering) {
		s->job.started = realtime_ms();
		/* cancelled since it was listed: no longer queued */
		if (job_start(s->inv, j->id, s->job.started) != 0) {
			log_debug("job %lld: %s", (long long)j->id,
			    inventory_errmsg(s->inv));
			goto fail;
		}
		s->job.state = JOB_RUNNING;
	}
	pthread_mutex_lock(&r->lock);
	if (pthread_create(&s->th, NULL, job_thread, s) != 0) {
		pthread_mutex_unlock(&r->lock);
		/* a recovery's job is never failed for it: its kind has yet
		 * to look at what the killed master left */
		if (recovering)
			log_error("job %lld: no thread to run its recovery",
			    (long long)j->id);
		else
			fail_job(r, j, "no thread to run it");
		goto fail;
	}
	s->next = r->slots;
	r->slots = s;
	jobrun_changed(r);
	pthread_mutex_unlock(&r->lock);
	if (!recovering)
		pthread_mutex_unlock(&r->admit);
	return 0;
fail:
	if (!recovering && s->inv != NULL)
		pthread_mutex_unlock(&r->admit);
	inventory_close(s->inv);
	free(s);
	return -1;
}

void
jobrun_checks_hold(struct jobrun *r)
{
	pthread_mutex_lock(&r->admit);
}

void
jobrun_checks_release(struct jobrun *r)
{
	pthread_mutex_unlock(&r->admit);
}

bool
jobrun_unchecked(struct jobrun *r, int64_t id)
{
	const struct job_slot *s;
	bool unchecked = false;

	pthread_mutex_lock(&r->lock);
	for (s = r->slots; s != NULL; s = s->next)
		if (s->job.id == id)
			unchecked = !s->checked;
	pthread_mutex_unlock(&r->lock);
	return unchecked;
}

int
jobrun_check_wait(struct jobrun *r, int64_t id)
{
	const struct job_slot *s;
	int rc = -1;

	pthread_mutex_lock(&r->lock);
	r->waiters++;
	while (!r->stopping) {
		for (s = r->slots; s != NULL && s->job.id != id; s = s->next)
			;
		if (s == NULL)
			break;
		if (s->checked) {
			rc = s->refused;
			break;
		}
		pthread_cond_wait(&r->changed, &r->lock);
	}
	r->waiters--;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

bool
jobrun_stopping(struct jobrun *r)
{
	bool stopping;

	pthread_mutex_lock(&r->lock);
	stopping = r->stopping;
	pthread_mutex_unlock(&r->lock);
	return stopping;
}

static bool
has_slot(struct jobrun *r, int64_t id)
{
	const struct job_slot *s;
	bool found = false;

	pthread_mutex_lock(&r->lock);
	for (s = r->slots; s != NULL && !found; s = s->next)
		found = s->job.id == id;
	pthread_mutex_unlock(&r->lock);
	return found;
}

/* j, running on record with no thread of ours (a killed master left it):
 * to its kind's recover, else failed with the step named.  A recovery
 * that cannot start is tried again later (r->recover_at). */
static void
recover_one(struct jobrun *r, const struct job *j)
{
	const struct job_kind *k = find_kind(r, j->kind);

	if (k == NULL || k->recover == NULL) {
		fail_job(r, j, "master restarted during %s",
		    j->step[0] ? j->step : "its start");
		return;
	}
	if (start_job(r, j, k, true) == 0)
		return;
	job_log(LOG_WARNING, j, "its recovery could not start: trying again "
	    "in %d s", RECOVER_RETRY_MS / 1000);
	r->recover_at = monotonic_ms() + RECOVER_RETRY_MS;
}

/* Whether a `corral sync` writes into j's container on one of its hosts
 * now: j waits in the queue until it ends (writemark.c). */
static bool
writes_into(struct jobrun *r, const struct job *j)
{
	return (j->src[0] && master_writes_into(r->m, j->src, j->container)) ||
	    (j->dst[0] && master_writes_into(r->m, j->dst, j->container));
}

static bool
involves(const struct job *j, const char *host)
{
	return strcmp(j->src, host) == 0 || strcmp(j->dst, host) == 0;
}

/* Whether j may start beside the jobs running; under the lock.  *full:
 * the global limit is reached, no job may. */
static bool
room_for(const struct jobrun *r, const struct job *j, bool *full)
{
	const struct job_slot *s;
	unsigned all = 0, src = 0, dst = 0;
	bool two = j->dst[0] && strcmp(j->src, j->dst) != 0;

	for (s = r->slots; s != NULL; s = s->next) {
		if (s->finished)
			continue;
		all++;
		if (j->src[0] && involves(&s->job, j->src))
			src++;
		if (two && involves(&s->job, j->dst))
			dst++;
	}
	*full = all >= r->max;
	return !*full && src < r->per_host && dst < r->per_host;
}

/* Start what the limits allow of the queue, oldest first (a quick kind
 * whatever they say). */
static void
schedule(struct jobrun *r)
{
	const struct job_kind *k;
	struct job *v;
	size_t i, n;
	bool ok, full = false, stopping, retry;

	retry = r->recover_at != 0 && monotonic_ms() >= r->recover_at;
	if (job_list(r->inv, INT64_MAX, &v, &n) != 0) {
		log_error("jobs: %s", inventory_errmsg(r->inv));
		return;
	}
	if (retry)
		r->recover_at = 0;
	for (i = 0; i < n; i++) {
		/* only this thread starts jobs: running on record without
		 * a slot is a recovery that did not start */
		if (retry && v[i].state == JOB_RUNNING &&
		    !has_slot(r, v[i].id) && !jobrun_stopping(r))
			recover_one(r, &v[i]);
		if (v[i].state != JOB_QUEUED)
			continue;
		k = find_kind(r, v[i].kind);
		if (full && (k == NULL || !(k->flags & JOBK_QUICK)))
			continue;
		pthread_mutex_lock(&r->lock);
		stopping = r->stopping;
		ok = !stopping && (room_for(r, &v[i], &full) ||
		    (k != NULL && (k->flags & JOBK_QUICK)));
		pthread_mutex_unlock(&r->lock);
		if (stopping)
			break;
		if (!ok || writes_into(r, &v[i]))
			continue;
		if (k == NULL)
			fail_job(r, &v[i], "no job kind '%s' in this "
			    "corral-master", v[i].kind);
		else
			(void)start_job(r, &v[i], k, false);
	}
	free(v);
}

/* Join the threads of the jobs that ended; under the lock, released
 * around each join. */
static void
reap(struct jobrun *r)
{
	struct job_slot **pp, *s;

	for (pp = &r->slots; (s = *pp) != NULL; ) {
		if (!s->finished) {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		pthread_mutex_unlock(&r->lock);
		pthread_join(s->th, NULL);
		free(s);
		pthread_mutex_lock(&r->lock);
		pp = &r->slots;   /* it may have changed meanwhile */
	}
}

/* Forget the jobs that ended more than jobs_keep_days ago, at most once
 * an hour: the table (and every job_list) would grow for ever. */
static void
prune(struct jobrun *r)
{
	int64_t now = realtime_ms(), keep = r->m->conf.jobs_keep_days;

	if (keep == 0 || now - r->pruned_at < PRUNE_EVERY_MS)
		return;
	r->pruned_at = now;
	if (job_prune(r->inv, now - keep * 86400 * 1000) != 0)
		log_warn("jobs: forgetting those ended over %lld days ago: %s",
		    (long long)keep, inventory_errmsg(r->inv));
}

static void *
sched_thread(void *arg)
{
	struct jobrun *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		reap(r);
		r->kicked = false;
		pthread_mutex_unlock(&r->lock);
		prune(r);
		schedule(r);
		pthread_mutex_lock(&r->lock);
		if (!r->kicked && !r->stopping)
			wait_until(&r->wake, &r->lock,
			    monotonic_ms() + SCHED_IDLE_MS);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* What a killed master left running: to its kind's recover, else failed
 * with the step named.  Queued jobs are the scheduler's. */
static int
recover_all(struct jobrun *r, char *err, size_t errlen)
{
	struct job *v;
	size_t i, n;

	if (job_list(r->inv, INT64_MAX, &v, &n) != 0) {
		snprintf(err, errlen, "jobs: %s", inventory_errmsg(r->inv));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (v[i].state == JOB_RUNNING)
			recover_one(r, &v[i]);
	free(v);
	return 0;
}

struct jobrun *
jobrun_start(struct master_ctx *m, const struct job_kind *kinds, char *err,
    size_t errlen)
{
	pthread_condattr_t ca;
	struct jobrun *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "jobs: out of memory");
		return NULL;
	}
	r->m = m;
	r->kinds = kinds;
	r->max = m->conf.jobs_max ? m->conf.jobs_max : 1;
	r->per_host = m->conf.jobs_per_host ? m->conf.jobs_per_host : 1;
	r->gen = 1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->admit, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_cond_init(&r->changed, &ca);
	pthread_condattr_destroy(&ca);
	if ((r->inv = inventory_open(m->conf.inventory, err, errlen)) == NULL)
		goto fail;
	if (recover_all(r, err, errlen) != 0)
		goto fail;
	if (pthread_create(&r->th, NULL, sched_thread, r) != 0) {
		snprintf(err, errlen, "jobs: cannot start the scheduler: %s",
		    strerror(errno));
		goto fail;
	}
	return r;
fail:
	/* recovered jobs may be running already */
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	reap(r);
	while (r->slots != NULL) {
		pthread_cond_wait(&r->changed, &r->lock);
		reap(r);
	}
	pthread_mutex_unlock(&r->lock);
	jobrun_free(r);
	return NULL;
}

void
jobrun_kick(struct jobrun *r)
{
	pthread_mutex_lock(&r->lock);
	r->kicked = true;
	/* those waiting on a job look again: a queued one cancelled has
	 * ended, and no runner will say so */
	jobrun_changed(r);
	pthread_mutex_unlock(&r->lock);
}

void
jobrun_set_limits(struct jobrun *r, unsigned max, unsigned per_host)
{
	pthread_mutex_lock(&r->lock);
	r->max = max ? max : 1;
	r->per_host = per_host ? per_host : 1;
	r->kicked = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void
jobrun_stop(struct jobrun *r)
{
	const struct job_slot *s;
	unsigned n = 0;
	int64_t deadline;

	pthread_mutex_lock(&r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	r->stopping = true;
	for (s = r->slots; s != NULL; s = s->next)
		n += !s->finished;
	jobrun_changed(r);
	pthread_mutex_unlock(&r->lock);
	if (n > 0)
		log_notice("jobs: waiting for %u running to reach a safe "
		    "point", n);
	pthread_join(r->th, NULL);
	pthread_mutex_lock(&r->lock);
	reap(r);
	while (r->slots != NULL) {
		pthread_cond_wait(&r->changed, &r->lock);
		reap(r);
	}
	deadline = monotonic_ms() + STOP_WAITERS_MS;
	while (r->waiters > 0 && monotonic_ms() < deadline)
		wait_until(&r->changed, &r->lock, deadline);
	pthread_mutex_unlock(&r->lock);
}

void
jobrun_free(struct jobrun *r)
{
	if (r == NULL)
		return;
	inventory_close(r->inv);
	pthread_cond_destroy(&r->wake);
	pthread_cond_destroy(&r->changed);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->admit);
	free(r);
}
