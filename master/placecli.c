/* corral-master: `corral place`, `corral balance` and `corral host drain`:
 * the pool read from a fresh inventory (placedb.c), the algorithms of
 * place.h run over it, and for --apply and a drain the moves queued as
 * move jobs (kind_move.c); a drain also names the jobs that bring a
 * container to its host (drain_arrivals).  A refusal changes nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "jobrun.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "pace.h"
#include "poller.h"
#include "placecli.h"
#include "placedb.h"

MSG_ENC(msg_place)
MSG_ENC(msg_plan)

#define WAIT_SLICE_MS 1000

static int64_t
milli(double v)
{
	return (int64_t)llround(v * 1000.0);
}

int
cli_do_place(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_place_req q;
	struct msg_place m = { 0 };
	struct place_pool p;
	struct place_cand *cand = NULL;
	size_t i;
	long got;
	int r;

	if ((r = msg_place_req_decode(f->payload, &q)) != 0)
		return r;
	cli_refresh(c, NULL);
	if (placedb_load(c->inv, &c->m->conf, time(NULL), &p) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "place: %s",
		    inventory_errmsg(c->inv));
	if ((cand = calloc(p.nh + 1, sizeof(*cand))) == NULL ||
	    (m.v = calloc(p.nh + 1, sizeof(*m.v))) == NULL) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "place: out of "
		    "memory");
		goto out;
	}
	got = place_choose(&p, q.memory, q.disk, cand);
	if (got >= 0)
		snprintf(m.host, sizeof(m.host), "%s", p.h[got].name);
	for (i = 0; i < p.nh; i++) {
		const char *why = place_why_name(cand[i].why);

		snprintf(m.v[i].name, sizeof(m.v[i].name), "%s",
		    p.h[cand[i].host].name);
		m.v[i].score = milli(cand[i].score);
		snprintf(m.v[i].excluded, sizeof(m.v[i].excluded), "%s",
		    why ? why : "");
	}
	m.n = p.nh;
	r = reply_msg(l->t, MSG_CLI_PLACE, f->h.id, msg_place_enc, &m);
out:
	free(cand);
	free(m.v);
	placedb_free(&p);
	return r;
}

/* Wait until job id has ended, then tell news: 0 done, -1 otherwise (why
 * into note). */
static int
wait_job(struct cli *c, int64_t id, char *note, size_t len,
    const struct job_news *news)
{
	struct job_watch w;
	struct job_live live;
	struct job j;
	enum job_watch_result wr;
	int rc = -1;

	if (jobrun_watch_open(c->m->jobs, &w, id) != 0) {
		snprintf(note, len, "the master is stopping");
		return -1;
	}
	for (;;) {
		if (job_get(c->inv, id, &j, NULL, NULL) != 0) {
			snprintf(note, len, "%s", inventory_errmsg(c->inv));
			break;
		}
		if (!job_active(j.state)) {
			job_news(news, &j);
			rc = j.state == JOB_DONE ? 0 : -1;
			if (rc == 0)
				snprintf(note, len, "done");
			else
				snprintf(note, len, "%s during %s: %.400s",
				    job_state_name(j.state), j.step, j.error);
			break;
		}
		wr = jobrun_watch(c->m->jobs, &w, &live,
		    monotonic_ms() + WAIT_SLICE_MS);
		if (wr == JOBW_STOPPING) {
			snprintf(note, len, "the master is stopping");
			break;
		}
	}
	jobrun_watch_close(c->m->jobs, &w);
	return rc;
}

/* Queue the move of v->ct from v->from to v->to, told to news: its id
 * into v->job, or -1 with v->note saying why not. */
static int
queue_move(struct cli *c, struct msg_plan_move *v, bool balance,
    const struct job_news *news)
{
	struct job j;
	int64_t busy;
	int r;

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "move");
	snprintf(j.container, sizeof(j.container), "%s", v->ct);
	snprintf(j.src, sizeof(j.src), "%s", v->from);
	snprintf(j.dst, sizeof(j.dst), "%s", v->to);
	snprintf(j.args, sizeof(j.args), "cold=0");
	if ((r = job_add(c->inv, &j, realtime_ms(), &busy)) != 0) {
		if (r == JOB_BUSY)
			snprintf(v->note, sizeof(v->note), "job %lld is at "
			    "work on it", (long long)busy);
		else
			snprintf(v->note, sizeof(v->note), "%s",
			    inventory_errmsg(c->inv));
		return -1;
	}
	if (balance && placedb_balance_moved(c->inv, v->ct, time(NULL)) != 0)
		log_warn("balance: %s: cannot record its cooldown: %s", v->ct,
		    inventory_errmsg(c->inv));
	job_log(LOG_NOTICE, &j, "queued by %s (%s -> %s)", balance ?
	    "balance" : "drain", j.src, j.dst);
	v->job = j.id;
	snprintf(v->note, sizeof(v->note), "queued");
	job_news(news, &j);
	return 0;
}

static long
host_index(const struct place_pool *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nh; i++)
		if (strcmp(p->h[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Just before moves [a, b) are queued, their destinations as the pool is
 * now: drained, down or filled since the plan (by other jobs bound there,
 * which count there already), a host may no longer take a move, which is
 * then not run (skip[k - a], its note says why).  The pool not read: as
 * planned. */
static void
recheck(struct cli *c, struct msg_plan *m, size_t a, size_t b, bool *skip)
{
	struct place_pool p;
	enum place_why why;
	size_t k, ci;
	long hi;

	if (placedb_load(c->inv, &c->m->conf, time(NULL), &p) != 0)
		return;
	for (k = a; k < b; k++) {
		if (!m->v[k].to[0] || (hi = host_index(&p, m->v[k].to)) < 0)
			continue;
		for (ci = 0; ci < p.nc; ci++)
			if (strcmp(p.c[ci].name, m->v[k].ct) == 0 &&
			    strcmp(p.h[p.c[ci].host].name, m->v[k].from) == 0)
				break;
		if (ci == p.nc)
			continue;       /* gone from FROM: the job says so */
		why = place_check(&p, (size_t)hi, p.c[ci].mem_commit,
		    p.c[ci].disk);
		if (why == PLACE_OK) {
			place_apply_move(&p, ci, (size_t)hi);
			continue;
		}
		skip[k - a] = true;
		snprintf(m->v[k].note, sizeof(m->v[k].note), "not run: %s "
		    "may not take it now (%s)", m->v[k].to,
		    place_why_name(why));
	}
	placedb_free(&p);
}

/* Queue moves [a, b) (those with a destination a check just before
 * still finds fit), each told to news; -1 if one could not be queued
 * (the first such into m->error). */
static int
queue_moves(struct cli *c, struct msg_plan *m, size_t a, size_t b,
    bool balance, const struct job_news *news)
{
	bool *skip = calloc(b - a + 1, sizeof(*skip));
	size_t k;
	int rc = 0;

	if (skip == NULL) {
		snprintf(m->error, sizeof(m->error), "out of memory");
		return -1;
	}
	recheck(c, m, a, b, skip);
	for (k = a; k < b; k++)
		if (m->v[k].to[0] && !skip[k - a] &&
		    queue_move(c, &m->v[k], balance, news) != 0 && rc == 0) {
			snprintf(m->error, sizeof(m->error), "%s: %.400s",
			    m->v[k].ct, m->v[k].note);
			rc = -1;
		}
	jobrun_kick(c->m->jobs);
	free(skip);
	return rc;
}

/* queue_moves(), then wait for them all, each told to news as it ends;
 * -1 if one could not be queued or did not end done (the first such into
 * m->error). */
static int
run_moves(struct cli *c, struct msg_plan *m, size_t a, size_t b,
    bool balance, const struct job_news *news)
{
	size_t k;
	int rc;

	rc = queue_moves(c, m, a, b, balance, news);
	for (k = a; k < b; k++) {
		if (m->v[k].job == 0)
			continue;
		if (wait_job(c, m->v[k].job, m->v[k].note,
		    sizeof(m->v[k].note), news) != 0 && rc == 0) {
			snprintf(m->error, sizeof(m->error), "job %lld (%s %s "
			    "-> %s): %.250s", (long long)m->v[k].job, m->v[k].ct,
			    m->v[k].from, m->v[k].to, m->v[k].note);
			rc = -1;
		}
	}
	return rc;
}

/* --apply: the plan's moves one pair of hosts at a time (a pair's moves
 * at once, as jobs_per_host allows; balance_apply_order() keeps each
 * group within the limits), stopping at the first failure; each job told
 * to news. */
static void
apply_plan(struct cli *c, struct msg_plan *m, const struct job_news *news)
{
	const char **from = calloc(m->n + 1, sizeof(*from));
	const char **to = calloc(m->n + 1, sizeof(*to));
	size_t *order = calloc(m->n + 1, sizeof(*order));
	bool *group = calloc(m->n + 1, sizeof(*group));
	struct msg_plan_move *tmp = calloc(m->n + 1, sizeof(*tmp));
	size_t i, k;

	if (from == NULL || to == NULL || order == NULL || group == NULL ||
	    tmp == NULL) {
		snprintf(m->error, sizeof(m->error), "out of memory");
		goto out;
	}
	for (i = 0; i < m->n; i++) {
		from[i] = m->v[i].from;
		to[i] = m->v[i].to;
	}
	balance_apply_order(from, to, m->n, order, group);
	for (i = 0; i < m->n; i++)
		tmp[i] = m->v[order[i]];
	memcpy(m->v, tmp, m->n * sizeof(*tmp));
	for (i = 0; i < m->n; i = k) {
		for (k = i + 1; k < m->n && !group[k]; k++)
			;
		if (run_moves(c, m, i, k, true, news) != 0) {
			for (; k < m->n; k++)
				snprintf(m->v[k].note, sizeof(m->v[k].note),
				    "not run: an earlier move failed");
			break;
		}
	}
out:
	free(from);
	free(to);
	free(order);
	free(group);
	free(tmp);
}

static void
fill_move(const struct place_pool *p, const struct balance_move *b,
    size_t from, struct msg_plan_move *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->ct, sizeof(v->ct), "%s", p->c[b->ct].name);
	snprintf(v->from, sizeof(v->from), "%s", p->h[from].name);
	snprintf(v->to, sizeof(v->to), "%s", p->h[b->to].name);
	v->from_before = milli(b->from_before);
	v->from_after = milli(b->from_after);
	v->to_before = milli(b->to_before);
	v->to_after = milli(b->to_after);
	v->gain = milli(b->gain);
	snprintf(v->note, sizeof(v->note), "planned");
}

int
balance_run(struct place_pool *p, const struct corral_conf *conf,
    uint32_t max_moves, struct msg_plan *m)
{
	struct balance_opts o = { .max_moves = max_moves,
	    .min_gain = conf->balance_min_gain };
	struct balance_move *mv;
	size_t i, n, max = p->nc;
	size_t *from;

	memset(m, 0, sizeof(*m));
	if (max_moves > 0 && max_moves < max)
		max = max_moves;
	if (max > MSG_PLAN_MOVES_MAX)
		max = MSG_PLAN_MOVES_MAX;
	m->imbalance_before = milli(balance_imbalance(p));
	mv = calloc(max + 1, sizeof(*mv));
	from = calloc(p->nc + 1, sizeof(*from));
	if (mv == NULL || from == NULL)
		goto fail;
	for (i = 0; i < p->nc; i++)
		from[i] = p->c[i].host;
	if (balance_plan(p, &o, mv, max, &n) != 0 ||
	    (m->v = calloc(n + 1, sizeof(*m->v))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		fill_move(p, &mv[i], from[mv[i].ct], &m->v[i]);
	m->n = n;
	m->imbalance_after = milli(balance_imbalance(p));
	free(mv);
	free(from);
	return 0;
fail:
	free(mv);
	free(from);
	return -1;
}

int
balance_apply(struct cli *c, struct msg_plan *m, const struct job_news *news)
{
	apply_plan(c, m, news);
	return m->error[0] ? -1 : 0;
}

int
cli_do_balance(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct job_news news = { .l = l, .rid = f->h.id };
	struct msg_balance_req q;
	struct msg_plan m = { 0 };
	struct place_pool p;
	int r;

	if ((r = msg_balance_req_decode(f->payload, &q)) != 0)
		return r;
	cli_refresh(c, NULL);
	if (placedb_load(c->inv, &c->m->conf, time(NULL), &p) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "balance: %s",
		    inventory_errmsg(c->inv));
	if (balance_run(&p, &c->m->conf, q.max_moves, &m) != 0) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "balance: out of "
		    "memory");
		goto out;
	}
	if (q.flags & MSG_BALANCE_APPLY)
		(void)balance_apply(c, &m, &news);
	r = reply_msg(l->t, MSG_CLI_PLAN, f->h.id, msg_plan_enc, &m);
out:
	msg_plan_free(&m);
	placedb_free(&p);
	return r;
}

/* The drain's plan of host src into m: every container of src, with its
 * destination or "" and why it fits nowhere. */
static int
drain_msg(struct place_pool *p, size_t src, struct msg_plan *m)
{
	size_t *cts, k;
	long *to, n;

	memset(m, 0, sizeof(*m));
	cts = calloc(p->nc + 1, sizeof(*cts));
	to = calloc(p->nc + 1, sizeof(*to));
	if (cts == NULL || to == NULL)
		goto fail;
	p->h[src].state = PLACE_DRAINED;
	m->imbalance_before = milli(balance_imbalance(p));
	if ((n = drain_plan(p, src, cts, to, p->nc)) < 0 ||
	    (m->v = calloc((size_t)n + 1, sizeof(*m->v))) == NULL)
		goto fail;
	for (k = 0; k < (size_t)n && k < MSG_PLAN_MOVES_MAX; k++) {
		struct msg_plan_move *v = &m->v[k];
		const struct place_ct *c = &p->c[cts[k]];

		snprintf(v->ct, sizeof(v->ct), "%s", c->name);
		snprintf(v->from, sizeof(v->from), "%s", p->h[src].name);
		if (to[k] < 0) {
			snprintf(v->note, sizeof(v->note), "fits nowhere "
			    "(memory %llu MiB, disk %llu MiB): stays",
			    (unsigned long long)(c->mem_commit >> 20),
			    (unsigned long long)(c->disk >> 20));
			continue;
		}
		snprintf(v->to, sizeof(v->to), "%s", p->h[to[k]].name);
		v->to_after = milli(place_score(p, (size_t)to[k]));
		snprintf(v->note, sizeof(v->note), "planned");
	}
	m->n = k;
	m->imbalance_after = milli(balance_imbalance(p));
	free(cts);
	free(to);
	return 0;
fail:
	free(cts);
	free(to);
	msg_plan_free(m);
	return -1;
}

/* The jobs queued or running now that bring a container to host into
 * m->a; unchecked[k] (m->a's k-th) set for one running that has yet to
 * check its destination (jobrun_unchecked).  Once host is marked drained
 * a job that gets to that check is refused, so one running past it is
 * all that can still land there: it is named for the admin to drain
 * again; one queued is named as refused (dry: would be), and one
 * unchecked is waited for once the runner's checks go on (refused_wait).
 * 0, or -1 with err. */
static int
drain_arrivals(struct cli *c, const char *host, bool dry, struct msg_plan *m,
    bool **unchecked, char *err, size_t errlen)
{
	struct msg_plan_arrival *a;
	struct job *v;
	size_t i, n;

	if (job_list(c->inv, INT64_MAX, &v, &n) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		return -1;
	}
	if ((m->a = calloc(n + 1, sizeof(*m->a))) == NULL ||
	    (*unchecked = calloc(n + 1, sizeof(**unchecked))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(v);
		return -1;
	}
	for (i = 0; i < n && m->n_a < MSG_PLAN_MOVES_MAX; i++) {
		if (!job_brings_to(c->inv, job_kinds, &v[i], host))
			continue;
		a = &m->a[m->n_a];
		a->job = v[i].id;
		snprintf(a->kind, sizeof(a->kind), "%s", v[i].kind);
		snprintf(a->ct, sizeof(a->ct), "%s", v[i].container);
		snprintf(a->state, sizeof(a->state), "%s",
		    job_state_name(v[i].state));
		if (v[i].state == JOB_RUNNING && !dry &&
		    jobrun_unchecked(c->m->jobs, v[i].id)) {
			(*unchecked)[m->n_a] = true;
			snprintf(a->note, sizeof(a->note), "refused at its "
			    "start: %s is drained", host);
		} else if (v[i].state == JOB_RUNNING)
			snprintf(a->note, sizeof(a->note), "arriving on %s: "
			    "drain again once it ends", host);
		else
			snprintf(a->note, sizeof(a->note), "queued toward %s: "
			    "%s refused", host, dry ? "would be" : "will be");
		m->n_a++;
	}
	free(v);
	return 0;
}

/* The jobs drain_arrivals found unchecked, each once past its check of
 * host (jobrun_check_wait), named from it: refused (host marked drained
 * before it), waited for to its end and named with its state then; passed
 * (host undrained meanwhile), named arriving as one running past it.  One
 * that ended unseen is named from its record: failed before any step, a
 * refusal; else it passed. */
static void
refused_wait(struct cli *c, const char *host, struct msg_plan *m,
    const bool *unchecked)
{
	struct msg_plan_arrival *a;
	struct job j;
	char note[512];
	size_t k;
	int r;

	for (k = 0; k < m->n_a; k++) {
		if (!unchecked[k])
			continue;
		a = &m->a[k];
		if ((r = jobrun_check_wait(c->m->jobs, a->job)) == 1)
			(void)wait_job(c, a->job, note, sizeof(note), NULL);
		if (job_get(c->inv, a->job, &j, NULL, NULL) != 0)
			continue;       /* as drain_arrivals saw it */
		snprintf(a->state, sizeof(a->state), "%s",
		    job_state_name(j.state));
		if (r == 0 || (r < 0 && (j.state != JOB_FAILED ||
		    j.step[0] != '\0')))
			snprintf(a->note, sizeof(a->note), "arriving on %s: "
			    "drain again once it ends", host);
	}
}

/* A detached drain's answer: its move jobs as queued, then each
 * container not queued (state failed, "CT: why") and each arrival (failed
 * for one arriving on the host, as the CLI counts it without detach; done
 * for one refused there: a note). */
static int
reply_drain_jobs(struct reqloop *l, uint32_t rid, const struct msg_plan *m)
{
	struct cli *c = l->ctx;
	const struct msg_plan_move *mv;
	const struct msg_plan_arrival *a;
	struct job *v = calloc(m->n + m->n_a + 1, sizeof(*v)), *j;
	size_t k;
	int r, queued;

	if (v == NULL)
		return CERR_NOMEM;
	j = v;
	for (queued = 1; queued >= 0; queued--)
		for (k = 0; k < m->n; k++) {
			mv = &m->v[k];
			if ((mv->job != 0) != queued)
				continue;
			if (queued && job_get(c->inv, mv->job, j, NULL,
			    NULL) == 0) {
				j++;
				continue;
			}
			memset(j, 0, sizeof(*j));
			j->id = mv->job;
			snprintf(j->kind, sizeof(j->kind), "move");
			snprintf(j->container, sizeof(j->container), "%s",
			    mv->ct);
			snprintf(j->src, sizeof(j->src), "%s", mv->from);
			snprintf(j->dst, sizeof(j->dst), "%s", mv->to);
			j->state = queued ? JOB_QUEUED : JOB_FAILED;
			if (!queued)
				snprintf(j->error, sizeof(j->error), "%s: "
				    "%.400s", mv->ct, mv->note);
			j++;
		}
	for (k = 0; k < m->n_a; k++, j++) {
		a = &m->a[k];
		snprintf(j->kind, sizeof(j->kind), "%s", a->kind);
		snprintf(j->container, sizeof(j->container), "%s", a->ct);
		j->state = strcmp(a->state, "running") == 0 ||
		    strncmp(a->note, "arriving on ", 12) == 0 ? JOB_FAILED :
		    JOB_DONE;
		snprintf(j->error, sizeof(j->error), "job %lld (%s %s): %.400s",
		    (long long)a->job, a->kind, a->ct, a->note);
	}
	r = reply_jobs(l, rid, v, (size_t)(j - v));
	free(v);
	return r;
}

int
cli_do_drain(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct job_news news = { .l = l, .rid = f->h.id };
	struct msg_drain_req q;
	struct msg_plan m = { 0 };
	struct place_pool p = { 0 };
	char err[512];
	bool dry, was, left, *unchecked = NULL;
	long src;
	int r;

	if ((r = msg_drain_req_decode(f->payload, &q)) != 0)
		return r;
	dry = (q.flags & MSG_DRAIN_DRY_RUN) != 0;
	if (!conf_valid_name(q.host))
		return reply_error(l->t, f->h.id, CERR_INVALID, "'%s' is "
		    "not a valid host name", q.host);
	if (q.flags & MSG_DRAIN_UNDO) {
		if (placedb_set_drained(c->inv, q.host, false) != 0)
			return reply_error(l->t, f->h.id, CERR_INVALID,
			    "%s", inventory_errmsg(c->inv));
		log_notice("host %s undrained", q.host);
		return reply_msg(l->t, MSG_CLI_PLAN, f->h.id, msg_plan_enc,
		    &m);
	}
	cli_refresh(c, NULL);
	if (placedb_load(c->inv, &c->m->conf, time(NULL), &p) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s: %s",
		    q.host, inventory_errmsg(c->inv));
	if ((src = host_index(&p, q.host)) < 0) {
		r = reply_error(l->t, f->h.id, CERR_INVALID, "no host %s",
		    q.host);
		goto out;
	}
	if (p.h[src].state == PLACE_DOWN) {
		r = reply_error(l->t, f->h.id, CERR_INVALID, "%s is down: "
		    "its containers cannot be moved", q.host);
		goto out;
	}
	was = p.h[src].state == PLACE_DRAINED;
	if (drain_msg(&p, (size_t)src, &m) != 0) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s: out of "
		    "memory", q.host);
		goto out;
	}
	/* the mark and the look at the jobs toward the host as one step:
	 * a job that starts meanwhile is either past its check (arriving)
	 * or checks after the mark (refused) */
	if (!dry)
		jobrun_checks_hold(c->m->jobs);
	if (!dry && placedb_set_drained(c->inv, q.host, true) != 0) {
		jobrun_checks_release(c->m->jobs);
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s: %s", q.host,
		    inventory_errmsg(c->inv));
		goto out;
	}
	/* after the mark: a job that starts from here on is refused */
	if (drain_arrivals(c, q.host, dry, &m, &unchecked, err,
	    sizeof(err)) != 0) {
		/* the mark as it was: nothing queued, nothing changed */
		left = !dry && !was && placedb_set_drained(c->inv, q.host,
		    false) != 0;
		if (!dry)
			jobrun_checks_release(c->m->jobs);
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s: the jobs "
		    "toward it: %s; %s", q.host, err, left ? "it is left "
		    "drained, nothing moved (corral host undrain it)" :
		    "nothing changed");
		goto out;
	}
	if (!dry) {
		jobrun_checks_release(c->m->jobs);
		refused_wait(c, q.host, &m, unchecked);
		log_notice("host %s drained: %zu containers to move, %zu jobs "
		    "bringing one to it", q.host, m.n, m.n_a);
		if (q.flags & MSG_DRAIN_DETACH) {
			(void)queue_moves(c, &m, 0, m.n, false, NULL);
			r = reply_drain_jobs(l, f->h.id, &m);
			goto out;
		}
		/* a container that fails goes on the report; the others go
		 * on (run_moves waits for every one it queued) */
		(void)run_moves(c, &m, 0, m.n, false, &news);
	}
	r = reply_msg(l->t, MSG_CLI_PLAN, f->h.id, msg_plan_enc, &m);
out:
	free(unchecked);
	msg_plan_free(&m);
	placedb_free(&p);
	return r;
}

void
balance_nightly(struct master_ctx *mc, void *arg)
{
	struct cli c = { .m = mc };
	struct msg_plan m = { 0 };
	struct place_pool p;
	char err[512];

	(void)arg;
	if ((c.inv = inventory_open(mc->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("nightly balance: %s", err);
		return;
	}
	pollers_refresh(mc, NULL);
	if (placedb_load(c.inv, &mc->conf, time(NULL), &p) != 0) {
		log_error("nightly balance: %s", inventory_errmsg(c.inv));
		goto out;
	}
	if (balance_run(&p, &mc->conf, 0, &m) != 0)
		log_error("nightly balance: out of memory");
	else if (m.n == 0)
		log_notice("nightly balance: no move gains more than %u",
		    mc->conf.balance_min_gain);
	else if (balance_apply(&c, &m, NULL) != 0)
		log_error("nightly balance: stopped: %s", m.error);
	else
		log_notice("nightly balance: %zu moves, imbalance %.2f -> "
		    "%.2f", m.n, m.imbalance_before / 1000.0,
		    m.imbalance_after / 1000.0);
	placedb_free(&p);
	msg_plan_free(&m);
out:
	inventory_close(c.inv);
}
