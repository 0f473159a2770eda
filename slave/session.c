/* corral-slave: one protocol session — handshake, then a dispatch table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "slave.h"
#include "tree.h"

struct session {
	struct slave_ctx *ctx;
	struct transport *t;
	struct hello_result peer;
	bool done;
};

typedef int (*handler_fn)(struct session *s, const struct frame *f);

struct handler {
	uint16_t type;
	handler_fn fn;
};

/* Answer request id with ERROR; the text names our side of the problem. */
static int
reply_error(struct session *s, uint32_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
reply_error(struct session *s, uint32_t id, int code, const char *fmt, ...)
{
	struct msg_error e = { .code = code };
	struct cbuf *b;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_error_encode(b, &e)) == 0)
		r = frame_write(s->t, MSG_ERROR, id, b);
	cbuf_free(b);
	return r;
}

static int
handle_ping(struct session *s, const struct frame *f)
{
	struct msg_ping p;
	struct cbuf *b;
	int r;

	if ((r = msg_ping_decode(f->payload, &p)) != 0)
		return r;
	if ((b = cbuf_new(16)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_ping_encode(b, &p)) == 0)
		r = frame_write(s->t, MSG_PONG, f->h.id, b);
	cbuf_free(b);
	return r;
}

static int
handle_bye(struct session *s, const struct frame *f)
{
	int r;

	if ((r = msg_empty_decode(f->payload)) != 0)
		return r;
	s->done = true;
	return frame_write(s->t, MSG_BYE, f->h.id, NULL);
}

static int
handle_error(struct session *s, const struct frame *f)
{
	struct msg_error e;
	int r;

	if ((r = msg_error_decode(f->payload, &e)) != 0)
		return r;
	log_warn("%s: peer reported: %s", s->t->peer, e.message);
	return 0;
}

/* Send a reply frame built by an encoder into a fresh buffer. */
static int
reply(struct session *s, uint16_t type, uint32_t id, struct cbuf *b)
{
	int r = frame_write(s->t, type, id, b);

	cbuf_free(b);
	return r;
}

static int
handle_host_info(struct session *s, const struct frame *f)
{
	struct msg_host_info hi;
	struct cbuf *b;
	int r;

	if ((r = msg_empty_decode(f->payload)) != 0)
		return r;
	slave_host_info(s->ctx, &hi);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_host_info_encode(b, &hi)) != 0) {
		cbuf_free(b);
		return r;
	}
	return reply(s, MSG_HOST_INFO, f->h.id, b);
}

static int
handle_ct_list(struct session *s, const struct frame *f)
{
	char name[PROTO_NAME_MAX], err[256];
	struct msg_ct_info *v = NULL;
	struct cbuf *b;
	size_t n = 0;
	int r;

	if ((r = msg_name_decode(f->payload, name, sizeof(name))) != 0)
		return r;
	if (slave_containers(s->ctx, name, &v, &n, err, sizeof(err)) != 0)
		return reply_error(s, f->h.id, CERR_REMOTE, "%s", err);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
		free(v);
		return CERR_NOMEM;
	}
	r = msg_ct_list_encode(b, v, n);
	free(v);
	if (r != 0) {
		cbuf_free(b);
		return reply_error(s, f->h.id, r, "CT_LIST: %zu containers do "
		    "not fit in one reply", n);
	}
	return reply(s, MSG_CT_LIST, f->h.id, b);
}

static int
handle_create(struct session *s, const struct frame *f)
{
	struct msg_create_req q;
	struct msg_create a;
	struct cbuf *b;
	char err[512];
	int r;

	if ((r = msg_create_req_decode(f->payload, &q)) != 0)
		return r;
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.backend, sizeof(a.backend), "%s",
	    s->ctx->storage.ops->name);
	if (slave_ct_create(s->ctx, q.ct, q.bytes, q.tmpl[0] ? q.tmpl :
	    "busybox", q.start, a.rootfs, sizeof(a.rootfs), err,
	    sizeof(err)) != 0) {
		log_warn("%s: create %s: %s", s->t->peer, q.ct, err);
		return reply_error(s, f->h.id, CERR_REMOTE, "create %s: %s",
		    q.ct, err);
	}
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_create_encode(b, &a)) != 0) {
		cbuf_free(b);
		return r;
	}
	return reply(s, MSG_CT_CREATE, f->h.id, b);
}

static int
handle_snap(struct session *s, const struct frame *f)
{
	static const char *const ops[] = { "", "snapshot", "status", "drop" };
	struct msg_snap_req q;
	struct slave_snap sn;
	struct msg_snap a;
	struct cbuf *b;
	char err[512];
	bool had = false;
	int r;

	if ((r = msg_snap_req_decode(f->payload, &q)) != 0)
		return r;
	switch (q.op) {
	case MSG_SNAP_TAKE:
		r = slave_snap_take(s->ctx, q.ct, q.bytes, &sn, err,
		    sizeof(err));
		break;
	case MSG_SNAP_DROP:
		/* report what was dropped */
		if ((r = slave_snap_status(s->ctx, q.ct, &sn, err,
		    sizeof(err))) == 0)
			r = slave_snap_drop(s->ctx, q.ct, &had, err,
			    sizeof(err));
		break;
	default:
		r = slave_snap_status(s->ctx, q.ct, &sn, err, sizeof(err));
		break;
	}
	if (r != 0) {
		log_warn("%s: %s %s: %s", s->t->peer, ops[q.op], q.ct, err);
		return reply_error(s, f->h.id, CERR_REMOTE, "%s %s: %s",
		    ops[q.op], q.ct, err);
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.backend, sizeof(a.backend), "%s",
	    s->ctx->storage.ops->name);
	a.kind = (uint8_t)sn.kind;
	a.valid = sn.valid;
	a.fill_permille = sn.fill_permille;
	a.warn_permille = s->ctx->conf.snapshot_fill_warn * 10;
	a.size = sn.size;
	snprintf(a.path, sizeof(a.path), "%s", sn.rel[0] ? sn.rel : sn.path);
	if (sn.kind != SNAP_KIND_NONE && sn.fill_permille >= a.warn_permille)
		log_warn("%s: snapshot %u.%u%% full", q.ct,
		    sn.fill_permille / 10, sn.fill_permille % 10);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_snap_encode(b, &a)) != 0) {
		cbuf_free(b);
		return r;
	}
	return reply(s, MSG_SNAP, f->h.id, b);
}

/* A transfer takes over the channel; the session ends with it. */
static int
handle_transfer(struct session *s, const struct frame *f)
{
	struct tree_req req;
	struct tree_stats st;
	struct cbuf *b;
	char err[512];
	bool sending = f->h.type == MSG_TREE_SEND_REQ;
	int r;

	if ((r = tree_req_decode(f->payload, &req)) != 0)
		return r;
	s->done = true;
	r = slave_transfer(s->ctx, s->t, f->h.id, sending, &req, &st, err,
	    sizeof(err));
	if (r != 0) {
		log_warn("%s: %s %s: %s", s->t->peer, sending ? "send" :
		    "receive", req.path, err);
		return reply_error(s, f->h.id, r, "%s %s: %s", sending ? "send" :
		    "receive", req.path, err);
	}
	/* relayed: the receiver reports for both; direct: each end reports
	 * to the master, the sender its connection's bytes in TREE_END */
	if (sending && !(req.opts & TREE_OPT_DIRECT))
		return 0;
	if ((b = cbuf_new(256)) == NULL)
		return CERR_NOMEM;
	if ((r = tree_stats_encode(b, &st)) != 0) {
		cbuf_free(b);
		return r;
	}
	return reply(s, sending ? MSG_TREE_END : MSG_TREE_DONE, f->h.id, b);
}

static const struct handler handlers[] = {
	{ MSG_TREE_SEND_REQ, handle_transfer },
	{ MSG_TREE_RECV_REQ, handle_transfer },
	{ MSG_HOST_INFO_REQ, handle_host_info },
	{ MSG_CT_LIST_REQ,   handle_ct_list },
	{ MSG_CT_CREATE_REQ, handle_create },
	{ MSG_SNAP_REQ,      handle_snap },
	{ MSG_PING,  handle_ping },
	{ MSG_BYE,   handle_bye },
	{ MSG_ERROR, handle_error },
};

static const struct handler *
find_handler(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == type)
			return &handlers[i];
	return NULL;
}

int
slave_session_run(struct slave_ctx *ctx, struct transport *t)
{
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = ctx->software };
	struct session s = { .ctx = ctx, .t = t };
	const struct handler *h;
	struct frame f;
	char err[512];
	int r;

	if ((r = hello_server(t, &hp, &s.peer, err, sizeof(err))) != 0) {
		log_warn("%s", err);
		return r;
	}
	log_info("%s: session open (%s, %s, protocol %u)", t->peer,
	    s.peer.peer_software, s.peer.peer_role, (unsigned)s.peer.version);
	while (!s.done) {
		if ((r = frame_read(t, &f)) != 0) {
			if (r == CERR_EOF) {
				r = 0;  /* peer went away between requests */
				break;
			}
			msg_errfmt(err, sizeof(err), t->peer, f.h.type, r);
			log_warn("%s", err);
			if (r != CERR_IO && r != CERR_TIMEOUT)
				(void)reply_error(&s, f.h.id, r, "%s", err);
			break;
		}
		if ((h = find_handler(f.h.type)) == NULL) {
			/* known type, but not one a slave serves (e.g. HELLO) */
			r = CERR_PROTOCOL;
			msg_errfmt(err, sizeof(err), t->peer, f.h.type, r);
			log_warn("%s", err);
			r = reply_error(&s, f.h.id, r, "%s", err);
		} else if ((r = h->fn(&s, &f)) != 0 && r != CERR_IO &&
		    r != CERR_EOF) {
			/* a malformed request is answered, the session goes on */
			msg_errfmt(err, sizeof(err), t->peer, f.h.type, r);
			log_warn("%s", err);
			r = reply_error(&s, f.h.id, r, "%s", err);
		}
		frame_clear(&f);
		if (r != 0)
			break;
	}
	log_info("%s: session closed", t->peer);
	return r;
}
