/* corral-slave: one protocol session: the handshake, then the request
 * loop (common/reqloop.c) over the slave's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "reqloop.h"
#include "slave.h"
#include "tree.h"

MSG_ENC(msg_host_info)
MSG_ENC(msg_create)
MSG_ENC(msg_snap)
MSG_ENC(tree_stats)

/* CT_LIST's encoder takes the array and its length. */
static int
ct_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_ct_list *l = m;

	return msg_ct_list_encode(b, l->v, l->n);
}

static int
handle_host_info(struct reqloop *l, const struct frame *f)
{
	struct msg_host_info hi;

	slave_host_info(l->ctx, &hi);
	return reply_msg(l->t, MSG_HOST_INFO, f->h.id, msg_host_info_enc, &hi);
}

static int
handle_ct_list(struct reqloop *l, const struct frame *f)
{
	char name[PROTO_NAME_MAX], err[256];
	struct msg_ct_list cts = { 0 };
	int r;

	if ((r = msg_name_decode(f->payload, name, sizeof(name))) != 0)
		return r;
	if (slave_containers(l->ctx, name, &cts.v, &cts.n, err,
	    sizeof(err)) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	r = reply_msg(l->t, MSG_CT_LIST, f->h.id, ct_list_enc, &cts);
	free(cts.v);
	if (r != 0 && r != CERR_IO && r != CERR_TIMEOUT)
		return reply_error(l->t, f->h.id, r, "CT_LIST: %zu containers "
		    "do not fit in one reply", cts.n);
	return r;
}

static int
handle_create(struct reqloop *l, const struct frame *f)
{
	struct slave_ctx *ctx = l->ctx;
	struct msg_create_req q;
	struct msg_create a;
	char err[512];
	int r;

	if ((r = msg_create_req_decode(f->payload, &q)) != 0)
		return r;
	if (q.start & ~MSG_NEW_START)   /* detach is the CLI's, not ours */
		return CERR_PROTOCOL;
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.backend, sizeof(a.backend), "%s", ctx->storage.ops->name);
	if (slave_ct_create(ctx, q.ct, q.bytes, q.tmpl[0] ? q.tmpl :
	    "busybox", q.start, NULL, a.rootfs, sizeof(a.rootfs), err,
	    sizeof(err)) != 0) {
		log_warn("%s: create %s: %s", l->t->peer, q.ct, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "create %s: %s",
		    q.ct, err);
	}
	return reply_msg(l->t, MSG_CT_CREATE, f->h.id, msg_create_enc, &a);
}

static int
handle_snap(struct reqloop *l, const struct frame *f)
{
	static const char *const ops[] = { "", "snapshot", "status", "drop",
	    "drop-stale" };
	struct slave_ctx *ctx = l->ctx;
	struct msg_snap_req q;
	struct slave_snap sn;
	struct msg_snap a;
	char err[512];
	bool had = false;
	int fd = -1, r;

	if ((r = msg_snap_req_decode(f->payload, &q)) != 0)
		return r;
	/* a take or a drop freezes, holds or thaws C: one operation on C
	 * at a time (ctlock.c); its status takes no lock */
	if (q.op != MSG_SNAP_STATUS && (fd = slave_ct_lock(ctx, q.ct, true,
	    err, sizeof(err))) < 0)
		r = -1;
	else switch (q.op) {
	case MSG_SNAP_TAKE:
		r = slave_snap_take(ctx, q.ct, q.bytes, &sn, err, sizeof(err));
		break;
	case MSG_SNAP_DROP:
		/* report what was dropped */
		if ((r = slave_snap_status(ctx, q.ct, &sn, err,
		    sizeof(err))) == 0)
			r = slave_snap_drop(ctx, q.ct, &had, err, sizeof(err));
		break;
	case MSG_SNAP_DROP_STALE:
		r = slave_snap_drop_stale(ctx, q.ct, q.job, &sn, err,
		    sizeof(err));
		break;
	default:
		r = slave_snap_status(ctx, q.ct, &sn, err, sizeof(err));
		break;
	}
	slave_ct_unlock(ctx, q.ct, fd);
	if (r != 0) {
		log_warn("%s: %s %s: %s", l->t->peer, ops[q.op], q.ct, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s %s: %s",
		    ops[q.op], q.ct, err);
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.backend, sizeof(a.backend), "%s", ctx->storage.ops->name);
	a.kind = (uint8_t)sn.kind;
	a.valid = sn.valid;
	a.fill_permille = sn.fill_permille;
	a.warn_permille = ctx->conf.snapshot_fill_warn * 10;
	a.size = sn.size;
	snprintf(a.path, sizeof(a.path), "%s", sn.rel[0] ? sn.rel : sn.path);
	a.owner = (uint8_t)sn.owner;
	a.job = sn.job;
	a.pid = sn.pid;
	a.leftover = sn.leftover;
	if (sn.kind != SNAP_KIND_NONE && sn.fill_permille >= a.warn_permille)
		log_warn("%s: snapshot %u.%u%% full", q.ct,
		    sn.fill_permille / 10, sn.fill_permille % 10);
	return reply_msg(l->t, MSG_SNAP, f->h.id, msg_snap_enc, &a);
}

/* A transfer takes over the channel (REQ_TAKEOVER): the session ends
 * with it. */
static int
handle_transfer(struct reqloop *l, const struct frame *f)
{
	struct tree_req req;
	struct tree_stats st;
	char err[512];
	bool sending = f->h.type == MSG_TREE_SEND_REQ;
	int r;

	if ((r = tree_req_decode(f->payload, &req)) != 0)
		return r;
	r = slave_transfer(l->ctx, l->t, f->h.id, sending, &req, &st, err,
	    sizeof(err));
	if (r != 0) {
		log_warn("%s: %s %s: %s", l->t->peer, sending ? "send" :
		    "receive", req.path, err);
		return reply_error(l->t, f->h.id, r, "%s %s: %s", sending ?
		    "send" : "receive", req.path, err);
	}
	/* relayed: the receiver reports for both; direct: each end reports
	 * to the master, the sender its connection's bytes in TREE_END */
	if (sending && !(req.opts & TREE_OPT_DIRECT))
		return 0;
	return reply_msg(l->t, sending ? MSG_TREE_END : MSG_TREE_DONE,
	    f->h.id, tree_stats_enc, &st);
}

static const struct req_handler handlers[] = {
	{ MSG_TREE_SEND_REQ, REQ_TAKEOVER, handle_transfer },
	{ MSG_TREE_RECV_REQ, REQ_TAKEOVER, handle_transfer },
	{ MSG_HOST_INFO_REQ, 0, handle_host_info },
	{ MSG_CT_LIST_REQ,   0, handle_ct_list },
	{ MSG_CT_CREATE_REQ, 0, handle_create },
	{ MSG_SNAP_REQ,      0, handle_snap },
	{ MSG_CT_CTL_REQ,    0, slave_handle_ctl },
	{ MSG_CT_CONF_REQ,   0, slave_handle_conf },
	{ MSG_CT_CONF_SET_REQ, 0, slave_handle_conf_set },
	{ MSG_CT_NEW_REQ,    0, slave_handle_new },
	{ MSG_CT_LIMIT_REQ,  0, slave_handle_limit },
	{ MSG_CT_CONTROL_REQ, 0, slave_handle_control },
	{ MSG_CT_RENAME_REQ, 0, slave_handle_rename },
	{ MSG_PING,  0, reqloop_ping },
	{ MSG_BYE,   0, reqloop_bye },
	{ MSG_ERROR, 0, reqloop_peer_error },
};

int
slave_session_run(struct slave_ctx *ctx, struct transport *t)
{
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = ctx->software };
	struct reqloop l = { .t = t, .ctx = ctx, .table = handlers,
	    .n = sizeof(handlers) / sizeof(handlers[0]),
	    .log_refusals = true };
	struct hello_result peer;
	char err[512];
	int r;

	if ((r = hello_server(t, &hp, &peer, err, sizeof(err))) != 0) {
		log_warn("%s", err);
		return r;
	}
	log_info("%s: session open (%s, %s, protocol %u)", t->peer,
	    peer.peer_software, peer.peer_role, (unsigned)peer.version);
	r = reqloop_run(&l);
	log_info("%s: session closed", t->peer);
	return r;
}
