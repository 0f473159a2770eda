/* corral-master: the job kind create (kind_create.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "jobrun.h"
#include "kind_create.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "poller.h"

MSG_CODECS(msg_new_req)
MSG_CODECS(msg_new)
MSG_CODECS(msg_create_req)
MSG_CODECS(msg_create)

/* a template's download, or an LV's mkfs, takes its time */
#define CREATE_TIMEOUT_S 1800
/* a dropped session's worker on the slave: SIGTERM, SIGKILL 5 s later */
#define CREATE_SETTLE_S  8

static int
put_u32(char *args, size_t len, const char *key, uint32_t v)
{
	char n[16];

	snprintf(n, sizeof(n), "%" PRIu32, v);
	return msg_kv_put(args, len, key, n);
}

static uint32_t
get_u32(const char *args, const char *key)
{
	return (uint32_t)msg_kv_u64(args, key);
}

int
create_args_new(const struct msg_new_req *s, char *args, size_t len)
{
	args[0] = '\0';
	if (msg_kv_put(args, len, "form", "ip") != 0 ||
	    msg_kv_put(args, len, "tmpl", s->tmpl) != 0 ||
	    put_u32(args, len, "start", s->start & MSG_NEW_START) != 0 ||
	    msg_kv_put(args, len, "addr", s->addr) != 0 ||
	    msg_kv_put(args, len, "gateway", s->gateway) != 0 ||
	    msg_kv_put(args, len, "link", s->link) != 0 ||
	    put_u32(args, len, "vlan", s->vlan) != 0 ||
	    put_u32(args, len, "mtu", s->mtu) != 0 ||
	    msg_kv_put(args, len, "domain", s->domain) != 0 ||
	    msg_kv_put(args, len, "ns", s->ns) != 0 ||
	    put_u32(args, len, "memory", s->lim.memory_mb) != 0 ||
	    put_u32(args, len, "disk", s->lim.disk_mb) != 0 ||
	    put_u32(args, len, "proc", s->lim.proc) != 0 ||
	    put_u32(args, len, "cpu_num", s->lim.cpu_num) != 0 ||
	    put_u32(args, len, "cpu_den", s->lim.cpu_den) != 0)
		return -1;
	return 0;
}

int
create_args_host(const struct msg_create_req *q, char *args, size_t len)
{
	char n[24];

	args[0] = '\0';
	snprintf(n, sizeof(n), "%" PRIu64, q->bytes);
	if (msg_kv_put(args, len, "form", "host") != 0 ||
	    msg_kv_put(args, len, "tmpl", q->tmpl) != 0 ||
	    msg_kv_put(args, len, "bytes", n) != 0 ||
	    put_u32(args, len, "start", q->start & MSG_NEW_START) != 0)
		return -1;
	return 0;
}

static void
new_request(const struct job *j, struct msg_new_req *s)
{
	const char *a = j->args;

	memset(s, 0, sizeof(*s));
	snprintf(s->ct, sizeof(s->ct), "%s", j->container);
	msg_kv_get(a, "tmpl", s->tmpl, sizeof(s->tmpl));
	s->start = get_u32(a, "start") ? MSG_NEW_START : 0;
	msg_kv_get(a, "addr", s->addr, sizeof(s->addr));
	msg_kv_get(a, "gateway", s->gateway, sizeof(s->gateway));
	msg_kv_get(a, "link", s->link, sizeof(s->link));
	s->vlan = (uint16_t)get_u32(a, "vlan");
	s->mtu = get_u32(a, "mtu");
	msg_kv_get(a, "domain", s->domain, sizeof(s->domain));
	msg_kv_get(a, "ns", s->ns, sizeof(s->ns));
	s->lim.memory_mb = get_u32(a, "memory");
	s->lim.disk_mb = get_u32(a, "disk");
	s->lim.proc = get_u32(a, "proc");
	s->lim.cpu_num = get_u32(a, "cpu_num");
	s->lim.cpu_den = get_u32(a, "cpu_den");
}

static void
result_common(char *text, size_t len, const char *backend,
    const char *rootfs, int started)
{
	text[0] = '\0';
	(void)msg_kv_put(text, len, "backend", backend);
	if (msg_kv_put(text, len, "rootfs", rootfs) != 0)
		(void)msg_kv_put(text, len, "rootfs", "(too long)");
	(void)put_u32(text, len, "started", started != 0);
}

/* The slave's CT_NEW: 0 with the result, or a CERR_* with err. */
static int
make_new(struct job_ctx *c, char *text, size_t len, char *err,
    size_t errlen)
{
	struct msg_new_req s;
	struct msg_new a;
	int r;

	new_request(c->job, &s);
	if ((r = master_request(c->m, c->job->dst, MSG_CT_NEW_REQ,
	    msg_new_req_enc, &s, MSG_CT_NEW, msg_new_dec, &a,
	    CREATE_TIMEOUT_S, err, errlen)) != 0)
		return r;
	result_common(text, len, a.backend, a.rootfs, a.started);
	(void)msg_kv_put(text, len, "addr", a.addr);
	(void)msg_kv_put(text, len, "link", a.link);
	(void)put_u32(text, len, "vlan", a.vlan);
	(void)put_u32(text, len, "memory", a.lim.memory_mb);
	(void)put_u32(text, len, "disk", a.lim.disk_mb);
	(void)put_u32(text, len, "proc", a.lim.proc);
	(void)put_u32(text, len, "cpu_num", a.lim.cpu_num);
	(void)put_u32(text, len, "cpu_den", a.lim.cpu_den);
	return 0;
}

/* The slave's CT_CREATE: 0 with the result, or a CERR_* with err. */
static int
make_host(struct job_ctx *c, char *text, size_t len, char *err,
    size_t errlen)
{
	struct msg_create_req q;
	struct msg_create a;
	int r;

	memset(&q, 0, sizeof(q));
	snprintf(q.ct, sizeof(q.ct), "%s", c->job->container);
	msg_kv_get(c->job->args, "tmpl", q.tmpl, sizeof(q.tmpl));
	q.bytes = msg_kv_u64(c->job->args, "bytes");
	q.start = get_u32(c->job->args, "start") ? MSG_NEW_START : 0;
	if ((r = master_request(c->m, c->job->dst, MSG_CT_CREATE_REQ,
	    msg_create_req_enc, &q, MSG_CT_CREATE, msg_create_dec, &a,
	    CREATE_TIMEOUT_S, err, errlen)) != 0)
		return r;
	result_common(text, len, a.backend, a.rootfs, q.start);
	return 0;
}

/* Roll back what the job made; JOB_OUT_FAILED, or JOB_OUT_CANCELLED
 * (cancelled) when that went well. */
static int
roll_back(struct job_ctx *c, const char *why, bool cancelled)
{
	const struct job *j = c->job;
	char err[512];

	if (job_undo_made(c, j->dst, j->container, err, sizeof(err)) != 0)
		return job_fail(c, "%s; THE ROLL BACK FAILED: %s: remove %s "
		    "from %s by hand (corral remove %s --host %s --force)",
		    why, err, j->container, j->dst, j->container, j->dst);
	if (!cancelled)
		return job_fail(c, "%s; rolled back: nothing of %s left on %s",
		    why, j->container, j->dst);
	job_note(c, "cancelled: rolled back, nothing of %s left on %s",
	    j->container, j->dst);
	return JOB_OUT_CANCELLED;
}

int
create_run(struct job_ctx *c)
{
	const struct job *j = c->job;
	char form[8], err[1024], text[JOB_RESULT_MAX], why[1200];
	int r;

	msg_kv_get(j->args, "form", form, sizeof(form));
	if (job_step(c, "create") != 0)
		return job_fail(c, "%s on %s: create: the inventory refused "
		    "the step", j->container, j->dst);
	if (job_cancelled(c))
		return JOB_OUT_CANCELLED;    /* nothing asked yet */
	r = strcmp(form, "ip") == 0 ? make_new(c, text, sizeof(text), err,
	    sizeof(err)) : make_host(c, text, sizeof(text), err, sizeof(err));
	/* the slave's own refusal: it undid its half itself (and a
	 * container made that did not start is whole, and said so) */
	if (master_not_done(r))
		return job_fail(c, "%s", err);
	if (r != 0) {
		snprintf(why, sizeof(why), "%s", err);
		return roll_back(c, why, false);
	}
	if (job_cancelled(c))
		return roll_back(c, "cancelled", true);
	if (job_set_result(c->inv, j->id, text) != 0)
		job_note(c, "cannot record its result '%s'", text);
	pollers_refresh(c->m, j->dst);    /* the inventory learns of it */
	(void)job_step(c, "done");
	return JOB_OUT_DONE;
}

int
create_recover(struct job_ctx *c)
{
	const struct job *j = c->job;
	char why[256];

	if (strcmp(j->step, "done") == 0) {
		job_note(c, "master restarted after its create: %s is made "
		    "on %s", j->container, j->dst);
		pollers_refresh(c->m, j->dst);
		return JOB_OUT_DONE;
	}
	if (strcmp(j->step, "create") != 0)
		return job_fail(c, "master restarted before it began: nothing "
		    "made; run the create again");
	job_note(c, "master restarted during create: rolling back %s on %s "
	    "once its slave has stopped the old session's work (%d s)",
	    j->container, j->dst, CREATE_SETTLE_S);
	sleep(CREATE_SETTLE_S);
	snprintf(why, sizeof(why), "master restarted during create");
	return roll_back(c, why, false);
}
