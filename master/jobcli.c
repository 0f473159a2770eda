/* corral-master: the CLI's side of jobs: `corral jobs`, `corral job ID
 * [--wait]`, `corral cancel ID`, and the answer every mutating request
 * shares (job_submit_and_wait): the job queued, then its progress until
 * it ends. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "inventory.h"
#include "jobrun.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "pace.h"

_Static_assert(JOB_KIND_MAX == MSG_JOB_KIND_MAX &&
    JOB_STEP_MAX == MSG_JOB_STEP_MAX && JOB_ERROR_MAX == MSG_JOB_ERROR_MAX &&
    JOB_RESULT_MAX == MSG_JOB_RESULT_MAX,
    "a job's fields fit its message's");

#define RECENT_MS     (24 * 3600 * 1000LL)  /* corral jobs: ended since */
#define LIST_ALL_MAX  1000    /* corral jobs --all: well within a frame */
#define PROGRESS_MS   250     /* progress frames at most this often */
#define WATCH_MS      1000    /* how often a wait looks at its CLI */

MSG_ENC(msg_job)
MSG_ENC(msg_job_detail)
MSG_ENC(msg_job_progress)

static int
job_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_job_list *l = m;

	return msg_job_list_encode(b, l->v, l->n);
}

void
job_msg(const struct job *j, struct msg_job *m)
{
	memset(m, 0, sizeof(*m));
	m->id = j->id;
	memcpy(m->kind, j->kind, sizeof(m->kind));
	memcpy(m->container, j->container, sizeof(m->container));
	memcpy(m->src, j->src, sizeof(m->src));
	memcpy(m->dst, j->dst, sizeof(m->dst));
	snprintf(m->state, sizeof(m->state), "%s", job_state_name(j->state));
	memcpy(m->step, j->step, sizeof(m->step));
	m->bytes_done = j->bytes_done;
	m->bytes_total = j->bytes_total;
	memcpy(m->error, j->error, sizeof(m->error));
	m->created = j->created;
	m->started = j->started;
	m->ended = j->ended;
	m->cancel = j->cancel;
	memcpy(m->result, j->result, sizeof(m->result));
}

/* --all: every active job, and the newest of the others up to the
 * bound, in id order; v is compacted in place. */
static size_t
keep_newest(struct job *v, size_t n)
{
	size_t i, active = 0, ended_room, seen = 0, k = 0;

	for (i = 0; i < n; i++)
		active += job_active(v[i].state);
	ended_room = LIST_ALL_MAX > active ? LIST_ALL_MAX - active : 0;
	for (i = 0; i < n; i++) {
		/* ended ones before the last ended_room are dropped */
		if (!job_active(v[i].state) &&
		    (n - active) - seen++ > ended_room)
			continue;
		v[k++] = v[i];
	}
	return k;
}

int
cli_do_jobs(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_job_list ml = { 0 };
	struct job *v;
	size_t i, n;
	uint8_t all;
	int r;

	if ((r = msg_flag_decode(f->payload, &all)) != 0)
		return r;
	if (job_list(c->inv, all ? 0 : realtime_ms() - RECENT_MS, &v,
	    &n) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	if (all)
		n = keep_newest(v, n);
	if (n > 0 && (ml.v = calloc(n, sizeof(*ml.v))) == NULL) {
		free(v);
		return CERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		job_msg(&v[i], &ml.v[i]);
	ml.n = n;
	free(v);
	r = reply_msg(l->t, MSG_CLI_JOBS, f->h.id, job_list_enc, &ml);
	msg_job_list_free(&ml);
	return r;
}

/* Answer rid with job id and its steps (CLI_JOB). */
static int
reply_job(struct reqloop *l, uint32_t rid, int64_t id)
{
	struct cli *c = l->ctx;
	struct msg_job_detail d = { 0 };
	struct job_step *steps;
	struct job j;
	size_t i, n;
	int r;

	if (job_get(c->inv, id, &j, &steps, &n) != 0)
		return reply_error(l->t, rid, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	job_msg(&j, &d.job);
	if (n > PROTO_LIST_MAX)   /* the first ones tell least */
		memmove(steps, steps + (n - PROTO_LIST_MAX),
		    PROTO_LIST_MAX * sizeof(*steps));
	d.n_steps = n > PROTO_LIST_MAX ? PROTO_LIST_MAX : n;
	if (d.n_steps > 0 &&
	    (d.steps = calloc(d.n_steps, sizeof(*d.steps))) == NULL) {
		free(steps);
		return CERR_NOMEM;
	}
	for (i = 0; i < d.n_steps; i++) {
		memcpy(d.steps[i].step, steps[i].step, sizeof(d.steps[i].step));
		d.steps[i].started = steps[i].started;
		d.steps[i].ended = steps[i].ended;
	}
	free(steps);
	r = reply_msg(l->t, MSG_CLI_JOB, rid, msg_job_detail_enc, &d);
	msg_job_detail_free(&d);
	return r;
}

/* Whether the CLI went away (it says nothing while it waits). */
static bool
cli_gone(struct transport *t)
{
	struct pollfd p = { .events = POLLIN | POLLRDHUP };
	int wfd;

	if (transport_fds(t, &p.fd, &wfd) != 0 || p.fd < 0)
		return false;
	return poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Progress of job id to the CLI (request rid) until it ends, then its
 * CLI_JOB.  A CLI that leaves stops the wait, not the job. */
static int
stream_job(struct reqloop *l, uint32_t rid, int64_t id)
{
	struct cli *c = l->ctx;
	struct jobrun *jr = c->m->jobs;
	struct msg_job_progress p = { .id = id };
	struct job_watch w;
	struct job_live live;
	struct job j;
	int64_t sent = 0, now;
	bool pending = false;
	int r = 0;

	if (jobrun_watch_open(jr, &w, id) != 0)
		return reply_error(l->t, rid, CERR_REMOTE, "corral-master is "
		    "stopping; job %lld goes on at its next start",
		    (long long)id);
	for (;;) {
		now = monotonic_ms();
		switch (jobrun_watch(jr, &w, &live, now + (pending ?
		    PROGRESS_MS : WATCH_MS))) {
		case JOBW_STOPPING:
			r = reply_error(l->t, rid, CERR_REMOTE, "corral-master "
			    "is stopping; job %lld goes on at its next start",
			    (long long)id);
			goto out;
		case JOBW_CHANGED:
			if (job_get(c->inv, id, &j, NULL, NULL) != 0 ||
			    !job_active(j.state)) {
				r = reply_job(l, rid, id);
				goto out;
			}
			continue;
		case JOBW_PROGRESS:
			/* a new step goes out at once */
			pending = pending || strcmp(p.step, live.step) != 0 ||
			    p.bytes_done != live.bytes_done ||
			    p.bytes_total != live.bytes_total;
			if (strcmp(p.step, live.step) != 0)
				sent = 0;
			memcpy(p.step, live.step, sizeof(p.step));
			p.bytes_done = live.bytes_done;
			p.bytes_total = live.bytes_total;
			break;
		case JOBW_TIMEOUT:
			if (cli_gone(l->t)) {
				r = CERR_EOF;
				goto out;
			}
			break;
		}
		now = monotonic_ms();
		if (pending && now - sent >= PROGRESS_MS) {
			if ((r = reply_msg(l->t, MSG_CLI_JOB_PROGRESS, rid,
			    msg_job_progress_enc, &p)) != 0)
				goto out;
			sent = now;
			pending = false;
		}
	}
out:
	jobrun_watch_close(jr, &w);
	return r;
}

int
cli_do_job(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_job_req q;
	struct job j;
	int r;

	if ((r = msg_job_req_decode(f->payload, &q)) != 0)
		return r;
	if (!q.wait)
		return reply_job(l, f->h.id, q.id);
	if (job_get(c->inv, q.id, &j, NULL, NULL) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	return stream_job(l, f->h.id, q.id);
}

int
cli_do_cancel(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	enum job_state st;
	struct msg_job m;
	struct job j;
	int64_t id;
	int r;

	if ((r = msg_id_decode(f->payload, &id)) != 0)
		return r;
	if (job_get(c->inv, id, &j, NULL, NULL) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	if (!job_active(j.state))
		return reply_error(l->t, f->h.id, CERR_REMOTE, "job %lld had "
		    "already ended: %s", (long long)id,
		    job_state_name(j.state));
	if (job_cancel(c->inv, id, realtime_ms(), &st) != 0 ||
	    job_get(c->inv, id, &j, NULL, NULL) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	if (st == JOB_CANCELLED)
		job_log(LOG_NOTICE, &j, "cancelled before it started");
	else if (st == JOB_RUNNING)
		job_log(LOG_NOTICE, &j, "cancel asked: stops at its next "
		    "safe point");
	jobrun_kick(c->m->jobs);
	job_msg(&j, &m);
	return reply_msg(l->t, MSG_CLI_CANCEL, f->h.id, msg_job_enc, &m);
}

int
job_queue(struct cli *c, struct job *j, int64_t *busy)
{
	int r;

	if ((r = job_add(c->inv, j, realtime_ms(), busy)) != 0)
		return r;
	job_log(LOG_NOTICE, j, "queued (%s -> %s)", j->src[0] ? j->src : "-",
	    j->dst[0] ? j->dst : "-");
	jobrun_kick(c->m->jobs);
	return 0;
}

void
job_news(const struct job_news *n, const struct job *j)
{
	struct msg_job_detail d = { 0 };

	if (n == NULL || n->l == NULL)
		return;
	job_msg(j, &d.job);
	if (job_active(j->state))
		(void)reply_msg(n->l->t, MSG_CLI_JOB_QUEUED, n->rid,
		    msg_job_enc, &d.job);
	else
		(void)reply_msg(n->l->t, MSG_CLI_JOB, n->rid,
		    msg_job_detail_enc, &d);
}

int
reply_jobs(struct reqloop *l, uint32_t rid, const struct job *v, size_t n)
{
	struct msg_job_list ml = { 0 };
	size_t i;
	int r;

	if (n > 0 && (ml.v = calloc(n, sizeof(*ml.v))) == NULL)
		return CERR_NOMEM;
	for (i = 0; i < n; i++)
		job_msg(&v[i], &ml.v[i]);
	ml.n = n;
	r = reply_msg(l->t, MSG_CLI_JOBS, rid, job_list_enc, &ml);
	msg_job_list_free(&ml);
	return r;
}

int
job_wait_end(struct reqloop *l, int64_t id, struct job *j, char *err,
    size_t errlen)
{
	struct cli *c = l->ctx;
	struct jobrun *jr = c->m->jobs;
	struct job_watch w;
	struct job_live live;
	int r = -1;

	if (jobrun_watch_open(jr, &w, id) != 0) {
		snprintf(err, errlen, "corral-master is stopping; job %lld "
		    "goes on at its next start", (long long)id);
		return -1;
	}
	for (;;) {
		switch (jobrun_watch(jr, &w, &live, monotonic_ms() +
		    WATCH_MS)) {
		case JOBW_STOPPING:
			snprintf(err, errlen, "corral-master is stopping; job "
			    "%lld goes on at its next start", (long long)id);
			goto out;
		case JOBW_CHANGED:
			if (job_get(c->inv, id, j, NULL, NULL) != 0) {
				snprintf(err, errlen, "%s",
				    inventory_errmsg(c->inv));
				goto out;
			}
			if (!job_active(j->state)) {
				r = 0;
				goto out;
			}
			continue;
		case JOBW_PROGRESS:
			continue;
		case JOBW_TIMEOUT:
			if (cli_gone(l->t)) {
				snprintf(err, errlen, "the CLI went away");
				r = -2;
				goto out;
			}
			continue;
		}
	}
out:
	jobrun_watch_close(jr, &w);
	return r;
}

int
job_submit_and_wait(struct reqloop *l, uint32_t rid, struct job *j,
    bool detach)
{
	struct cli *c = l->ctx;
	struct msg_job m;
	int64_t busy;
	int r;

	if ((r = job_queue(c, j, &busy)) == JOB_BUSY)
		return reply_error(l->t, rid, CERR_REMOTE, "%s: job %lld is "
		    "at work on it", j->container, (long long)busy);
	if (r != 0)
		return reply_error(l->t, rid, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	job_msg(j, &m);
	if ((r = reply_msg(l->t, MSG_CLI_JOB_QUEUED, rid, msg_job_enc,
	    &m)) != 0 || detach)
		return r;
	return stream_job(l, rid, j->id);
}
