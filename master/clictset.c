/* corral-master: corral limit and corral control (CLI_LIMIT_REQ,
 * CLI_CONTROL_REQ).  The container named, or with all every container of
 * the inventory, is asked on the host the inventory has it on (CT_LIMIT,
 * CT_CONTROL); the answer lists each, with the error of those whose host
 * failed, so that one down host does not hide the others.
 *
 * A show asks each now, one after the other.  A change is a job per
 * container (kind limit or control, kind_ctset.h), queued together and
 * answered once all have ended, each job's outcome its container's
 * element; with detach, the jobs queued (CLI_JOBS) are the answer.  A
 * container another job is at work on is refused naming that job (the
 * whole request when it names one container). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "inventory.h"
#include "jobs.h"
#include "kind_ctset.h"
#include "master.h"
#include "msg.h"

MSG_CODECS(msg_limit_req)
MSG_CODECS(msg_limit)
MSG_CODECS(msg_control_req)
MSG_CODECS(msg_control)

/* One kind of request to every container it names. */
struct each {
	uint16_t to_slave, from_slave, to_cli;
	size_t req_size, rep_size;
	size_t error_off;            /* of the reply's error field */
	msg_enc_fn req_encode;
	msg_dec_fn rep_decode;
	int (*list_encode)(struct cbuf *b, const void *v, size_t n);
	const char *kind;            /* its job's, for a change */
	void (*from_result)(const char *result, void *rep);
};

_Static_assert(offsetof(struct msg_limit_req, ct) == 0 &&
    offsetof(struct msg_control_req, ct) == 0 &&
    offsetof(struct msg_limit, host) == 0 &&
    offsetof(struct msg_control, host) == 0 &&
    offsetof(struct msg_limit, ct) == PROTO_NAME_MAX &&
    offsetof(struct msg_control, ct) == PROTO_NAME_MAX,
    "requests start with the name, replies with the host, then the name");

static int
limit_list_enc(struct cbuf *b, const void *v, size_t n)
{
	return msg_limit_list_encode(b, v, n);
}

static int
control_list_enc(struct cbuf *b, const void *v, size_t n)
{
	return msg_control_list_encode(b, v, n);
}

struct list_out {
	const struct each *w;
	void *v;
	size_t n;
};

static int
list_enc(struct cbuf *b, const void *p)
{
	const struct list_out *o = p;

	return o->w->list_encode(b, o->v, o->n);
}

/* Ask each container of cl with req (its name set each time) into out. */
static void
ask_each(struct cli *c, const struct each *w, const void *req,
    int timeout_s, const struct msg_ct_rec_list *cl, char *out)
{
	char *q = calloc(1, w->req_size), err[MSG_ERRTEXT_MAX];
	size_t i;

	for (i = 0; i < cl->n; i++) {
		char *rep = out + i * w->rep_size;

		if (q == NULL) {
			snprintf(rep + w->error_off, MSG_ERRTEXT_MAX,
			    "out of memory");
			continue;
		}
		memcpy(q, req, w->req_size);
		snprintf(q, PROTO_NAME_MAX, "%s", cl->v[i].ct.name);
		/* a slave answers for one container: all is ours */
		if (master_request(c->m, cl->v[i].host, w->to_slave,
		    w->req_encode, q, w->from_slave, w->rep_decode, rep,
		    timeout_s, err, sizeof(err)) != 0) {
			memset(rep, 0, w->rep_size);
			snprintf(rep + PROTO_NAME_MAX, PROTO_NAME_MAX, "%s",
			    cl->v[i].ct.name);
			snprintf(rep + w->error_off, MSG_ERRTEXT_MAX, "%s",
			    err);
		}
		snprintf(rep, PROTO_NAME_MAX, "%s", cl->v[i].host);
	}
	free(q);
}

/* Queue the job of each container of cl (kind w->kind, args) into v (id
 * 0: refused, error naming the job at work on it); n queued into *queued.
 * -1 with err when a single container's is refused, or the inventory
 * fails. */
static int
queue_each(struct cli *c, const struct each *w, const char *args,
    const struct msg_ct_rec_list *cl, bool all, struct job *v,
    size_t *queued, char *err, size_t errlen)
{
	int64_t busy;
	size_t i;
	int r;

	*queued = 0;
	for (i = 0; i < cl->n; i++) {
		struct job *j = &v[i];

		memset(j, 0, sizeof(*j));
		snprintf(j->kind, sizeof(j->kind), "%s", w->kind);
		snprintf(j->container, sizeof(j->container), "%s",
		    cl->v[i].ct.name);
		snprintf(j->src, sizeof(j->src), "%s", cl->v[i].host);
		snprintf(j->args, sizeof(j->args), "%s", args);
		if ((r = job_queue(c, j, &busy)) == 0) {
			(*queued)++;
			continue;
		}
		if (r != JOB_BUSY) {
			snprintf(err, errlen, "inventory: %s",
			    inventory_errmsg(c->inv));
			return -1;
		}
		if (!all) {
			snprintf(err, errlen, "%s: job %lld is at work on it",
			    j->container, (long long)busy);
			return -1;
		}
		j->id = 0;
		j->state = JOB_FAILED;
		snprintf(j->error, sizeof(j->error), "%s: job %lld is at work "
		    "on it", j->container, (long long)busy);
	}
	return 0;
}

/* Wait for each queued job of v, its outcome into its element of out.
 * 0; -1 with err (the master stops: the jobs go on at its next start);
 * -2 when the CLI went away. */
static int
wait_each(struct reqloop *l, const struct each *w, struct job *v, size_t n,
    char *out, char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		char *rep = out + i * w->rep_size;

		if (v[i].id != 0 &&
		    (r = job_wait_end(l, v[i].id, &v[i], err, errlen)) != 0)
			return r;
		snprintf(rep, PROTO_NAME_MAX, "%s", v[i].src);
		snprintf(rep + PROTO_NAME_MAX, PROTO_NAME_MAX, "%s",
		    v[i].container);
		if (v[i].state == JOB_DONE)
			w->from_result(v[i].result, rep);
		else if (v[i].state == JOB_CANCELLED)
			snprintf(rep + w->error_off, MSG_ERRTEXT_MAX, "job %lld "
			    "cancelled", (long long)v[i].id);
		else
			snprintf(rep + w->error_off, MSG_ERRTEXT_MAX, "%s",
			    v[i].error);
	}
	return 0;
}

/* A change: a job per container of cl. */
static int
each_job(struct reqloop *l, const struct frame *f, const struct each *w,
    const char *args, const struct msg_ct_rec_list *cl, bool all,
    bool detach)
{
	struct cli *c = l->ctx;
	struct list_out o = { .w = w, .n = cl->n };
	struct job *v = NULL;
	char err[512];
	size_t queued;
	int r;

	if (cl->n > 0 && ((v = calloc(cl->n, sizeof(*v))) == NULL ||
	    (o.v = calloc(cl->n, w->rep_size)) == NULL)) {
		r = CERR_NOMEM;
		goto out;
	}
	if (queue_each(c, w, args, cl, all, v, &queued, err,
	    sizeof(err)) != 0) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
		goto out;
	}
	if (detach) {
		r = reply_jobs(l, f->h.id, v, cl->n);
		goto out;
	}
	if ((r = wait_each(l, w, v, cl->n, o.v, err, sizeof(err))) != 0) {
		r = r == -2 ? CERR_EOF : reply_error(l->t, f->h.id,
		    CERR_REMOTE, "%s", err);
		goto out;
	}
	r = reply_msg(l->t, w->to_cli, f->h.id, list_enc, &o);
out:
	free(v);
	free(o.v);
	return r;
}

/* req: the request with its name and all cleared; args "" for a show,
 * else its jobs' args. */
static int
each_ct(struct reqloop *l, const struct frame *f, const struct each *w,
    void *req, const char *ct, uint8_t all, const char *args, int timeout_s)
{
	struct cli *c = l->ctx;
	struct msg_ct_rec_list cl = { 0 };
	struct list_out o = { .w = w };
	bool every = all & MSG_EACH_ALL;
	int r;

	if (!every && ct[0] == '\0')
		return reply_error(l->t, f->h.id, CERR_INVALID, "name a "
		    "container or ask for all");
	cli_refresh(c, NULL);
	if (inventory_containers(c->inv, every ? NULL : ct, NULL, &cl) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "inventory: %s",
		    inventory_errmsg(c->inv));
	if (!every && cl.n == 0) {
		msg_ct_rec_list_free(&cl);
		return reply_error(l->t, f->h.id, CERR_INVALID, "no container "
		    "%s in the inventory", ct);
	}
	if (args[0] != '\0') {
		r = each_job(l, f, w, args, &cl, every,
		    (all & MSG_EACH_DETACH) != 0);
		msg_ct_rec_list_free(&cl);
		return r;
	}
	if (cl.n > 0 && (o.v = calloc(cl.n, w->rep_size)) == NULL) {
		msg_ct_rec_list_free(&cl);
		return CERR_NOMEM;
	}
	o.n = cl.n;
	ask_each(c, w, req, timeout_s, &cl, o.v);
	r = reply_msg(l->t, w->to_cli, f->h.id, list_enc, &o);
	free(o.v);
	msg_ct_rec_list_free(&cl);
	return r;
}

static void
limit_result(const char *result, void *rep)
{
	limit_from_result(result, rep);
}

static void
control_result(const char *result, void *rep)
{
	control_from_result(result, rep);
}

int
cli_do_limit(struct reqloop *l, const struct frame *f)
{
	static const struct each w = {
		MSG_CT_LIMIT_REQ, MSG_CT_LIMIT, MSG_CLI_LIMIT,
		sizeof(struct msg_limit_req), sizeof(struct msg_limit),
		offsetof(struct msg_limit, error),
		msg_limit_req_enc, msg_limit_dec, limit_list_enc,
		"limit", limit_result,
	};
	struct msg_limit_req q;
	char ct[PROTO_NAME_MAX], args[JOB_ARGS_MAX] = "";
	uint8_t all;
	int r;

	if ((r = msg_limit_req_decode(f->payload, &q)) != 0)
		return r;
	snprintf(ct, sizeof(ct), "%s", q.ct);
	all = q.all;
	q.all = 0;
	if (q.set != 0)
		limit_job_args(&q, args, sizeof(args));
	return each_ct(l, f, &w, &q, ct, all, args, CTSET_MARGIN_S);
}

int
cli_do_control(struct reqloop *l, const struct frame *f)
{
	static const struct each w = {
		MSG_CT_CONTROL_REQ, MSG_CT_CONTROL, MSG_CLI_CONTROL,
		sizeof(struct msg_control_req), sizeof(struct msg_control),
		offsetof(struct msg_control, error),
		msg_control_req_enc, msg_control_dec, control_list_enc,
		"control", control_result,
	};
	struct msg_control_req q;
	char ct[PROTO_NAME_MAX], args[JOB_ARGS_MAX] = "";
	uint8_t all;
	int r;

	if ((r = msg_control_req_decode(f->payload, &q)) != 0)
		return r;
	snprintf(ct, sizeof(ct), "%s", q.ct);
	all = q.all;
	q.all = 0;
	if (q.autostart != MSG_AUTO_KEEP || q.run != MSG_RUN_KEEP)
		control_job_args(&q, args, sizeof(args));
	return each_ct(l, f, &w, &q, ct, all, args, (int)(q.timeout_s ?
	    q.timeout_s : CTSET_STOP_WAIT_S) + CTSET_MARGIN_S);
}
