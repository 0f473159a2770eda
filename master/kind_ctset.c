/* corral-master: the job kinds limit and control (kind_ctset.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrown.h"
#include "inventory.h"
#include "jobrun.h"
#include "kind_ctset.h"
#include "master.h"
#include "msg.h"
#include "poller.h"

MSG_ENC(msg_limit_req)
MSG_DEC(msg_limit)
MSG_ENC(msg_control_req)
MSG_DEC(msg_control)

static uint32_t
arg_u32(const char *args, const char *key)
{
	return (uint32_t)msg_kv_u64(args, key);
}

void
limit_job_args(const struct msg_limit_req *q, char *args, size_t len)
{
	snprintf(args, len, "set=%" PRIu32 " memory=%" PRIu32 " disk=%"
	    PRIu32 " proc=%" PRIu32 " cpu=%" PRIu32 "/%" PRIu32, q->set,
	    q->lim.memory_mb, q->lim.disk_mb, q->lim.proc, q->lim.cpu_num,
	    q->lim.cpu_den);
}

void
control_job_args(const struct msg_control_req *q, char *args, size_t len)
{
	snprintf(args, len, "autostart=%u run=%u timeout=%" PRIu32,
	    q->autostart, q->run, q->timeout_s);
}

void
limit_from_result(const char *result, struct msg_limit *e)
{
	e->lim.memory_mb = arg_u32(result, "memory");
	e->lim.disk_mb = arg_u32(result, "disk");
	e->lim.proc = arg_u32(result, "proc");
	e->lim.cpu_num = arg_u32(result, "cpu_num");
	e->lim.cpu_den = arg_u32(result, "cpu_den");
}

void
control_from_result(const char *result, struct msg_control *e)
{
	e->enabled = arg_u32(result, "enabled") != 0;
	e->running = arg_u32(result, "running") != 0;
	msg_kv_get(result, "message", e->message, sizeof(e->message));
}

/* One of the two kinds: its step and request, the reply as a result. */
struct ctset {
	const char *step;
	uint16_t to_slave, from_slave;
	msg_enc_fn enc;
	msg_dec_fn dec;
	/* the job's args and container into a request; its time-out */
	int (*request)(const struct job *j, void *q);
	void (*result)(const void *rep, char *text, size_t len);
	/* before the request: 0, or -1 with err (refused, nothing asked);
	 * NULL none */
	int (*check)(struct job_ctx *c, char *err, size_t errlen);
};

static int
limit_request(const struct job *j, void *p)
{
	struct msg_limit_req *q = p;
	char cpu[32], *slash;

	memset(q, 0, sizeof(*q));
	snprintf(q->ct, sizeof(q->ct), "%s", j->container);
	q->set = arg_u32(j->args, "set");
	q->lim.memory_mb = arg_u32(j->args, "memory");
	q->lim.disk_mb = arg_u32(j->args, "disk");
	q->lim.proc = arg_u32(j->args, "proc");
	msg_kv_get(j->args, "cpu", cpu, sizeof(cpu));
	q->lim.cpu_num = (uint32_t)strtoul(cpu, &slash, 10);
	q->lim.cpu_den = *slash == '/' ? (uint32_t)strtoul(slash + 1, NULL,
	    10) : 0;
	return CTSET_MARGIN_S;
}

static void
limit_result(const void *p, char *text, size_t len)
{
	const struct msg_limit *a = p;

	snprintf(text, len, "memory=%" PRIu32 " disk=%" PRIu32 " proc=%"
	    PRIu32 " cpu_num=%" PRIu32 " cpu_den=%" PRIu32, a->lim.memory_mb,
	    a->lim.disk_mb, a->lim.proc, a->lim.cpu_num, a->lim.cpu_den);
}

static int
control_request(const struct job *j, void *p)
{
	struct msg_control_req *q = p;

	memset(q, 0, sizeof(*q));
	snprintf(q->ct, sizeof(q->ct), "%s", j->container);
	q->autostart = (uint8_t)arg_u32(j->args, "autostart");
	q->run = (uint8_t)arg_u32(j->args, "run");
	q->timeout_s = arg_u32(j->args, "timeout");
	return (int)(q->timeout_s ? q->timeout_s : CTSET_STOP_WAIT_S) +
	    CTSET_MARGIN_S;
}

static void
control_result(const void *p, char *text, size_t len)
{
	const struct msg_control *a = p;

	snprintf(text, len, "enabled=%d running=%d", a->enabled != 0,
	    a->running != 0);
	/* a message too long for the result is cut, not the state */
	if (msg_kv_put(text, len, "message", a->message) != 0)
		(void)msg_kv_put(text, len, "message", "(too long)");
}

/* A start of a stopped container on an address of its config that a
 * running container has, or a create job is making one on: refused, as a
 * put --start is (both would answer on it).  A stopped one's configured
 * address does not count here: the first of the two to start has it, the
 * other's start is refused (control jobs pass from this check to the poll
 * after their request one at a time: run()). */
static int
control_check(struct job_ctx *c, char *err, size_t errlen)
{
	const struct job *j = c->job;
	const char *const self[] = { j->container, NULL };
	struct msg_ct_rec_list cl = { 0 };
	struct addr_owner o;
	char who[PROTO_NAME_MAX * 2 + 64];
	int r = 0;

	if (arg_u32(j->args, "run") != MSG_RUN_START)
		return 0;
	if (inventory_containers(c->inv, j->container, j->src, &cl) != 0) {
		snprintf(err, errlen, "inventory: %s",
		    inventory_errmsg(c->inv));
		return -1;
	}
	if (cl.n > 0 && strcmp(cl.v[0].ct.state, "running") != 0 &&
	    (r = list_addr_owner(c->inv, cl.v[0].ct.ipv4_config, j->src,
	    self, true, &o, err, errlen)) == 1)
		snprintf(err, errlen, "%s is the address of %s: %s would start "
		    "on it; change one of them first; nothing changed", o.addr,
		    addr_owner_text(&o, who, sizeof(who)), j->container);
	msg_ct_rec_list_free(&cl);
	return r == 0 ? 0 : -1;
}

static const struct ctset limit_kind = {
	"limit", MSG_CT_LIMIT_REQ, MSG_CT_LIMIT, msg_limit_req_enc,
	msg_limit_dec, limit_request, limit_result, NULL,
};

static const struct ctset control_kind = {
	"control", MSG_CT_CONTROL_REQ, MSG_CT_CONTROL, msg_control_req_enc,
	msg_control_dec, control_request, control_result, control_check,
};

/* the larger of the two requests, and of the two replies */
union ct_req { struct msg_limit_req l; struct msg_control_req c; };
union ct_rep { struct msg_limit l; struct msg_control c; };

static int
run(struct job_ctx *c, const struct ctset *k)
{
	const struct job *j = c->job;
	char err[MSG_ERRTEXT_MAX], text[JOB_RESULT_MAX];
	union ct_req *q;
	union ct_rep *a;
	bool locked = false;
	int timeout_s, r;

	if (job_step(c, k->step) != 0)
		return job_fail(c, "%s on %s: %s: the inventory refused the "
		    "step", j->container, j->src, k->step);
	if (job_cancelled(c))
		return JOB_OUT_CANCELLED;    /* nothing asked yet */
	q = calloc(1, sizeof(*q));
	a = calloc(1, sizeof(*a));
	if (q == NULL || a == NULL) {
		r = job_fail(c, "%s: out of memory", k->step);
		goto out;
	}
	if (k->check != NULL) {
		/* checked, done and polled before another's check */
		pthread_mutex_lock(&c->m->start_lock);
		locked = true;
		if (k->check(c, err, sizeof(err)) != 0) {
			r = job_fail(c, "%s", err);
			goto out;
		}
	}
	timeout_s = k->request(j, q);
	if (master_request(c->m, j->src, k->to_slave, k->enc, q,
	    k->from_slave, k->dec, a, timeout_s, err, sizeof(err)) != 0) {
		/* the slave's words as they were before jobs: the CLI's
		 * line for this container */
		r = job_fail(c, "%s", err);
		goto out;
	}
	if (locked)
		pollers_refresh(c->m, j->src);  /* the next check sees it */
	k->result(a, text, sizeof(text));
	if (job_set_result(c->inv, j->id, text) != 0)
		job_note(c, "cannot record its result '%s'", text);
	(void)job_step(c, "done");
	r = JOB_OUT_DONE;
out:
	if (locked)
		pthread_mutex_unlock(&c->m->start_lock);
	free(q);
	free(a);
	return r;
}

/* The request sets a state, not a difference: asked again. */
static int
recover(struct job_ctx *c, const struct ctset *k)
{
	job_note(c, "master restarted during %s: resumed, %s on %s asked "
	    "again", c->job->step[0] ? c->job->step : "its start",
	    c->job->container, c->job->src);
	return run(c, k);
}

int
limit_run(struct job_ctx *c)
{
	return run(c, &limit_kind);
}

int
limit_recover(struct job_ctx *c)
{
	return recover(c, &limit_kind);
}

int
control_run(struct job_ctx *c)
{
	return run(c, &control_kind);
}

int
control_recover(struct job_ctx *c)
{
	return recover(c, &control_kind);
}
