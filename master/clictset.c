/* corral-master: corral limit and corral control (CLI_LIMIT_REQ,
 * CLI_CONTROL_REQ).  The container named, or with all every container of
 * the inventory, is asked on the host the inventory has it on (CT_LIMIT,
 * CT_CONTROL), one after the other; the answer lists each, with the error
 * of those whose host failed, so that one down host does not hide the
 * others. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "inventory.h"
#include "master.h"
#include "msg.h"

MSG_CODECS(msg_limit_req)
MSG_CODECS(msg_limit)
MSG_CODECS(msg_control_req)
MSG_CODECS(msg_control)

#define SET_MARGIN_S 120     /* a session and liblxc, beyond a stop's wait */
#define STOP_WAIT_S  60      /* the slave's default halt-to-kill time */

/* One kind of request to every container it names. */
struct each {
	uint16_t to_slave, from_slave, to_cli;
	size_t req_size, rep_size;
	size_t error_off;            /* of the reply's error field */
	msg_enc_fn req_encode;
	msg_dec_fn rep_decode;
	int (*list_encode)(struct cbuf *b, const void *v, size_t n);
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

static int
each_ct(struct reqloop *l, const struct frame *f, const struct each *w,
    void *req, const char *ct, uint8_t all, int timeout_s)
{
	struct cli *c = l->ctx;
	struct msg_ct_rec_list cl = { 0 };
	struct list_out o = { .w = w };
	int r;

	if (!all && ct[0] == '\0')
		return reply_error(l->t, f->h.id, CERR_INVALID, "name a "
		    "container or ask for all");
	cli_refresh(c, NULL);
	if (inventory_containers(c->inv, all ? NULL : ct, NULL, &cl) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "inventory: %s",
		    inventory_errmsg(c->inv));
	if (!all && cl.n == 0) {
		msg_ct_rec_list_free(&cl);
		return reply_error(l->t, f->h.id, CERR_INVALID, "no container "
		    "%s in the inventory", ct);
	}
	((char *)req)[0] = '\0';
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

int
cli_do_limit(struct reqloop *l, const struct frame *f)
{
	static const struct each w = {
		MSG_CT_LIMIT_REQ, MSG_CT_LIMIT, MSG_CLI_LIMIT,
		sizeof(struct msg_limit_req), sizeof(struct msg_limit),
		offsetof(struct msg_limit, error),
		msg_limit_req_enc, msg_limit_dec, limit_list_enc,
	};
	struct msg_limit_req q;
	char ct[PROTO_NAME_MAX];
	uint8_t all;
	int r;

	if ((r = msg_limit_req_decode(f->payload, &q)) != 0)
		return r;
	snprintf(ct, sizeof(ct), "%s", q.ct);
	all = q.all;
	q.all = 0;
	return each_ct(l, f, &w, &q, ct, all, SET_MARGIN_S);
}

int
cli_do_control(struct reqloop *l, const struct frame *f)
{
	static const struct each w = {
		MSG_CT_CONTROL_REQ, MSG_CT_CONTROL, MSG_CLI_CONTROL,
		sizeof(struct msg_control_req), sizeof(struct msg_control),
		offsetof(struct msg_control, error),
		msg_control_req_enc, msg_control_dec, control_list_enc,
	};
	struct msg_control_req q;
	char ct[PROTO_NAME_MAX];
	uint8_t all;
	int r;

	if ((r = msg_control_req_decode(f->payload, &q)) != 0)
		return r;
	snprintf(ct, sizeof(ct), "%s", q.ct);
	all = q.all;
	q.all = 0;
	return each_ct(l, f, &w, &q, ct, all, (int)(q.timeout_s ?
	    q.timeout_s : STOP_WAIT_S) + SET_MARGIN_S);
}
