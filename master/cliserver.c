/* corral-master: serving one `corral` CLI connection. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "frame.h"
#include "hello.h"
#include "inventory.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "placecli.h"
#include "poller.h"
#include "proto.h"
#include "reqloop.h"
#include "transport.h"
#include "tree.h"

/* the longest a CLI frame may take to come in or go out, once begun */
#define CLI_FRAME_MS 10000

MSG_ENC(msg_trust)
MSG_ENC(msg_sync_result)
MSG_CODECS(msg_snap_req)
MSG_CODECS(msg_snap)

/* The list encoders take the array and its length. */
static int
host_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_host_list *l = m;

	return msg_host_list_encode(b, l->v, l->n);
}

static int
ct_rec_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_ct_rec_list *l = m;

	return msg_ct_rec_list_encode(b, l->v, l->n);
}

/* Refresh every poller (or only host), waiting for them all together
 * (refresh.c). */
void
cli_refresh(struct cli *c, const char *host)
{
	pollers_refresh(c->m, host);
}

static int
do_hosts(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_host_list hl = { 0 };
	uint8_t cached;
	int r;

	if ((r = msg_flag_decode(f->payload, &cached)) != 0)
		return r;
	if (!cached)
		cli_refresh(c, NULL);
	if (inventory_hosts(c->inv, &hl) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	r = reply_msg(l->t, MSG_CLI_HOSTS, f->h.id, host_list_enc, &hl);
	msg_host_list_free(&hl);
	return r;
}

static int
do_scan(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_scan_req q;
	struct msg_ct_rec_list cts = { 0 };
	int r;

	if ((r = msg_scan_req_decode(f->payload, &q)) != 0)
		return r;
	if (!q.cached)
		cli_refresh(c, q.host);
	if (inventory_containers(c->inv, q.name, q.host, &cts) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s",
		    inventory_errmsg(c->inv));
	r = reply_msg(l->t, MSG_CLI_SCAN, f->h.id, ct_rec_list_enc, &cts);
	msg_ct_rec_list_free(&cts);
	return r;
}

static int
do_trust(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_trust q, a = { 0 };
	char err[512];
	bool recorded;
	int r;

	if ((r = msg_trust_decode(f->payload, &q)) != 0)
		return r;
	pthread_rwlock_rdlock(&c->m->pollers_lock);
	r = master_trust_host(c->m, q.host, q.fingerprint, q.accept != 0,
	    a.fingerprint, sizeof(a.fingerprint), &recorded, err, sizeof(err));
	pthread_rwlock_unlock(&c->m->pollers_lock);
	if (r != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	if (recorded)
		log_notice("%s: host key %s recorded by corral host trust",
		    q.host, a.fingerprint);
	snprintf(a.host, sizeof(a.host), "%s", q.host);
	a.accept = recorded;
	/* answer once the host is polled with its key, so a `corral hosts`
	 * right after shows it up */
	if (q.accept)
		cli_refresh(c, q.host);
	return reply_msg(l->t, MSG_CLI_TRUST, f->h.id, msg_trust_enc, &a);
}

/* The container a sync writes into (dst "@C", or a path whose first name
 * is C) into ct: true, or false for a path that names none. */
static bool
sync_dst_ct(const struct msg_sync_req *q, char *ct, size_t ctlen)
{
	const char *p = q->dst_path;
	size_t len;

	if (*p == '@')
		p++;
	while (*p == '/' || (p[0] == '.' && p[1] == '/'))
		p += *p == '/' ? 1 : 2;
	len = strcspn(p, "/");
	if (len == 0 || len >= ctlen)
		return false;
	memcpy(ct, p, len);
	ct[len] = '\0';
	return conf_valid_name(ct);
}

/* A sync that writes into container ct while a job of it is queued or at
 * work on that host would write under the job: into a move's source
 * after its final pass (lost with it), a destination before its start.
 * 1 (why in err), 0, -1.  The caller has marked ct written first
 * (writemark.c): a job queued after this look waits for the sync. */
static int
sync_job_busy(struct cli *c, const struct msg_sync_req *q, const char *ct,
    char *err, size_t errlen)
{
	struct job *v = NULL;
	size_t i, n = 0;
	int r = 0;

	if (job_list(c->inv, INT64_MAX, &v, &n) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		return -1;
	}
	for (i = 0; i < n && r == 0; i++)
		if (strcmp(v[i].container, ct) == 0 &&
		    (strcmp(v[i].src, q->dst_host) == 0 ||
		    strcmp(v[i].dst, q->dst_host) == 0)) {
			snprintf(err, errlen, "%s:%.200s: job %lld (%s) is at work "
			    "on %s there: not written until it ends",
			    q->dst_host, q->dst_path, (long long)v[i].id,
			    v[i].kind, ct);
			r = 1;
		}
	free(v);
	return r;
}

/* Progress frames go to the CLI while it runs (REQ_STREAMS). */
static int
do_sync(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_sync_req q;
	struct msg_sync_result res;
	char err[512], ct[PROTO_NAME_MAX];
	bool marked;
	int r;

	if ((r = msg_sync_req_decode(f->payload, &q)) != 0)
		return r;
	marked = !(q.opts & TREE_OPT_DRY_RUN) &&
	    sync_dst_ct(&q, ct, sizeof(ct));
	if (marked && master_writes_mark(c->m, q.dst_host, ct) != 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s:%s: %d "
		    "syncs write into containers already: try again once one "
		    "ends", q.dst_host, q.dst_path, MASTER_WRITES_MAX);
	if (marked && (r = sync_job_busy(c, &q, ct, err, sizeof(err))) != 0)
		r = reply_error(l->t, f->h.id, r > 0 ? CERR_INVALID :
		    CERR_REMOTE, "%s", err);
	else if (master_sync(c->m, &q, l->t, f->h.id, &res, err,
	    sizeof(err)) != 0)
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	else
		r = reply_msg(l->t, MSG_CLI_SYNC, f->h.id, msg_sync_result_enc,
		    &res);
	if (marked)
		master_writes_unmark(c->m, q.dst_host, ct);
	return r;
}

/* A CLI request that names a slave, passed on to it: every such message
 * (msg_snap_req/msg_snap) starts with the
 * host name, which the slave gets empty and the CLI gets filled in. */
struct forward {
	uint16_t to_slave, from_slave, to_cli;
	int timeout_s;
	bool refresh;             /* the inventory should learn of it now */
	size_t req_size, rep_size;
	msg_dec_fn req_decode;
	msg_enc_fn req_encode;
	msg_dec_fn rep_decode;
	msg_enc_fn rep_encode;
};

static int
do_forward(struct reqloop *l, const struct frame *f, const struct forward *w)
{
	struct cli *c = l->ctx;
	char err[1024], host[PROTO_NAME_MAX], *req, *rep = NULL;
	int r;

	if ((req = calloc(1, w->req_size)) == NULL ||
	    (rep = calloc(1, w->rep_size)) == NULL) {
		r = CERR_NOMEM;
		goto out;
	}
	if ((r = w->req_decode(f->payload, req)) != 0)
		goto out;
	snprintf(host, sizeof(host), "%s", req);
	req[0] = '\0';
	if ((r = master_request(c->m, host, w->to_slave, w->req_encode, req,
	    w->from_slave, w->rep_decode, rep, w->timeout_s, err,
	    sizeof(err))) != 0) {
		r = reply_error(l->t, f->h.id, r, "%s", err);
		goto out;
	}
	snprintf(rep, PROTO_NAME_MAX, "%s", host);
	if (w->refresh)
		cli_refresh(c, host);
	r = reply_msg(l->t, w->to_cli, f->h.id, w->rep_encode, rep);
out:
	free(req);
	free(rep);
	return r;
}

static int
do_snap(struct reqloop *l, const struct frame *f)
{
	static const struct forward w = {
		MSG_SNAP_REQ, MSG_SNAP, MSG_CLI_SNAP, 600, false,
		sizeof(struct msg_snap_req), sizeof(struct msg_snap),
		msg_snap_req_dec, msg_snap_req_enc,
		msg_snap_dec, msg_snap_enc,
	};

	return do_forward(l, f, &w);
}

_Static_assert(offsetof(struct msg_snap_req, host) == 0 &&
    offsetof(struct msg_snap, host) == 0,
    "forwarded messages start with the host name");

static const struct req_handler handlers[] = {
	{ MSG_CLI_HOSTS_REQ,  0, do_hosts },
	{ MSG_CLI_SCAN_REQ,   0, do_scan },
	{ MSG_CLI_TRUST_REQ,  0, do_trust },
	{ MSG_CLI_SYNC_REQ,   REQ_STREAMS, do_sync },
	{ MSG_CLI_CREATE_REQ, REQ_STREAMS, cli_do_create },
	{ MSG_CLI_SNAP_REQ,   0, do_snap },
	{ MSG_CLI_JOBS_REQ,   0, cli_do_jobs },
	{ MSG_CLI_JOB_REQ,    REQ_STREAMS, cli_do_job },
	{ MSG_CLI_CANCEL_REQ, 0, cli_do_cancel },
	{ MSG_CLI_MOVE_REQ,   REQ_STREAMS, cli_do_move },
	{ MSG_CLI_REMOVE_REQ, REQ_STREAMS, cli_do_remove },
	{ MSG_CLI_GET_REQ,    REQ_STREAMS, cli_do_get },
	{ MSG_CLI_PUT_REQ,    REQ_STREAMS, cli_do_put },
	{ MSG_CLI_BACKUPS_REQ, 0, cli_do_backups },
	{ MSG_CLI_VERIFY_REQ, 0, cli_do_verify },
	{ MSG_CLI_PRUNE_REQ,  0, cli_do_prune },
	{ MSG_CLI_BACKUP_REQ, REQ_STREAMS, cli_do_backup },
	{ MSG_CLI_RESTORE_REQ, REQ_STREAMS, cli_do_restore },
	{ MSG_CLI_NEW_REQ,    REQ_STREAMS, cli_do_new },
	{ MSG_CLI_LIMIT_REQ,  REQ_STREAMS, cli_do_limit },
	{ MSG_CLI_CONTROL_REQ, REQ_STREAMS, cli_do_control },
	{ MSG_CLI_PLACE_REQ,  0, cli_do_place },
	{ MSG_CLI_BALANCE_REQ, REQ_STREAMS, cli_do_balance },
	{ MSG_CLI_DRAIN_REQ,  REQ_STREAMS, cli_do_drain },
	{ MSG_BYE,            0, reqloop_bye },
};

void
master_cli_client(struct master_ctx *m, int fd)
{
	struct cli c = { .m = m };
	struct transport t;
	struct reqloop l = { .t = &t, .ctx = &c, .table = handlers,
	    .n = sizeof(handlers) / sizeof(handlers[0]) };
	struct hello_params hp = { .caps = 0, .software = m->software };
	struct hello_result res;
	char err[512];

	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char peer[64];
	int r;

	/* which process: the log names it when it misbehaves */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
		snprintf(peer, sizeof(peer), "cli pid %d uid %u", (int)cred.pid,
		    (unsigned)cred.uid);
	else
		snprintf(peer, sizeof(peer), "cli");
	if (transport_fd_open(&t, fd, fd, peer) != 0) {
		close(fd);
		return;
	}
	/* The corral CLI sends each request at once and reads every reply
	 * as it comes: a client that connects and says nothing, trickles a
	 * frame or stops reading does not hold a thread (one of
	 * CLI_CLIENTS_MAX) past CLI_FRAME_MS per frame, whatever its pace. */
	t.timeout_ms = CLI_FRAME_MS;
	t.whole_ms = CLI_FRAME_MS;
	if (hello_server(&t, &hp, &res, err, sizeof(err)) != 0) {
		log_warn("%s", err);
		goto out;
	}
	t.timeout_ms = -1;
	if ((c.inv = inventory_open(m->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("%s", err);
		(void)reply_error(&t, 0, CERR_REMOTE, "%s", err);
		goto out;
	}
	if ((r = reqloop_run(&l)) == CERR_TIMEOUT)
		log_warn("%s: session ended: a request or a reply not through "
		    "within %d s", peer, CLI_FRAME_MS / 1000);
out:
	inventory_close(c.inv);
	transport_close(&t);
}
