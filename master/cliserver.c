/* corral-master: serving one `corral` CLI connection. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "inventory.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "proto.h"
#include "transport.h"

struct cli {
	struct master_ctx *m;
	struct transport t;
	struct inventory *inv;
};

static int
send_error(struct cli *c, uint32_t id, int code, const char *text)
{
	struct msg_error e = { .code = code };
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	snprintf(e.message, sizeof(e.message), "%s", text);
	if ((r = msg_error_encode(b, &e)) == 0)
		r = frame_write(&c->t, MSG_ERROR, id, b);
	cbuf_free(b);
	return r;
}

/* Refresh every poller (or only host) and wait for them all together:
 * each is bounded by its own time-out, so one dead slave costs at most
 * that much, never the sum. */
static void
refresh(struct cli *c, const char *host)
{
	struct master_ctx *m = c->m;
	uint64_t *tickets;
	int64_t deadline;
	size_t i;

	pthread_rwlock_rdlock(&m->pollers_lock);
	if ((tickets = calloc(m->n_pollers + 1, sizeof(*tickets))) == NULL)
		goto out;
	for (i = 0; i < m->n_pollers; i++)
		if (!host || !*host || strcmp(host,
		    poller_name(m->pollers[i])) == 0)
			tickets[i] = poller_request(m->pollers[i]);
	/* connect + two requests, each bounded by the time-out */
	deadline = monotonic_ms() + 3 * (int64_t)m->conf.timeout * 1000 + 500;
	for (i = 0; i < m->n_pollers; i++)
		if (tickets[i] != 0)
			(void)poller_wait(m->pollers[i], tickets[i], deadline);
	free(tickets);
out:
	pthread_rwlock_unlock(&m->pollers_lock);
}

static int
do_hosts(struct cli *c, const struct frame *f)
{
	struct msg_host_list hl = { 0 };
	struct cbuf *b;
	uint8_t cached;
	int r;

	if ((r = msg_flag_decode(f->payload, &cached)) != 0)
		return r;
	if (!cached)
		refresh(c, NULL);
	if (inventory_hosts(c->inv, &hl) != 0)
		return send_error(c, f->h.id, CERR_REMOTE,
		    inventory_errmsg(c->inv));
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
		msg_host_list_free(&hl);
		return CERR_NOMEM;
	}
	r = msg_host_list_encode(b, hl.v, hl.n);
	msg_host_list_free(&hl);
	if (r == 0)
		r = frame_write(&c->t, MSG_CLI_HOSTS, f->h.id, b);
	cbuf_free(b);
	return r;
}

static int
do_scan(struct cli *c, const struct frame *f)
{
	struct msg_scan_req q;
	struct msg_ct_rec_list l = { 0 };
	struct cbuf *b;
	int r;

	if ((r = msg_scan_req_decode(f->payload, &q)) != 0)
		return r;
	if (!q.cached)
		refresh(c, q.host);
	if (inventory_containers(c->inv, q.name, q.host, &l) != 0)
		return send_error(c, f->h.id, CERR_REMOTE,
		    inventory_errmsg(c->inv));
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
		msg_ct_rec_list_free(&l);
		return CERR_NOMEM;
	}
	r = msg_ct_rec_list_encode(b, l.v, l.n);
	msg_ct_rec_list_free(&l);
	if (r == 0)
		r = frame_write(&c->t, MSG_CLI_SCAN, f->h.id, b);
	cbuf_free(b);
	return r;
}

static int
do_trust(struct cli *c, const struct frame *f)
{
	struct msg_trust q, a = { 0 };
	struct cbuf *b;
	char err[512];
	bool recorded;
	int r;

	if ((r = msg_trust_decode(f->payload, &q)) != 0)
		return r;
	pthread_rwlock_rdlock(&c->m->pollers_lock);
	r = master_trust_host(c->m, q.host, q.fingerprint, a.fingerprint,
	    sizeof(a.fingerprint), &recorded, err, sizeof(err));
	pthread_rwlock_unlock(&c->m->pollers_lock);
	if (r != 0)
		return send_error(c, f->h.id, CERR_REMOTE, err);
	if (recorded)
		log_notice("%s: host key %s recorded by corral host trust",
		    q.host, a.fingerprint);
	snprintf(a.host, sizeof(a.host), "%s", q.host);
	a.accept = recorded;
	/* answer once the host is polled with its key, so a `corral hosts`
	 * right after shows it up */
	refresh(c, q.host);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_trust_encode(b, &a)) == 0)
		r = frame_write(&c->t, MSG_CLI_TRUST, f->h.id, b);
	cbuf_free(b);
	return r;
}

static int
do_sync(struct cli *c, const struct frame *f)
{
	struct msg_sync_req q;
	struct msg_sync_result res;
	struct cbuf *b;
	char err[512];
	int r;

	if ((r = msg_sync_req_decode(f->payload, &q)) != 0)
		return r;
	if (master_sync(c->m, &q, &c->t, f->h.id, &res, err, sizeof(err)) != 0)
		return send_error(c, f->h.id, CERR_REMOTE, err);
	if ((b = cbuf_new(256)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_sync_result_encode(b, &res)) == 0)
		r = frame_write(&c->t, MSG_CLI_SYNC, f->h.id, b);
	cbuf_free(b);
	return r;
}

/* A CLI request that names a slave, passed on to it: every such message
 * (msg_create_req/msg_create, msg_snap_req/msg_snap) starts with the
 * host name, which the slave gets empty and the CLI gets filled in. */
struct forward {
	uint16_t to_slave, from_slave, to_cli;
	int timeout_s;
	bool refresh;             /* the inventory should learn of it now */
	size_t req_size, rep_size;
	int (*req_decode)(struct cbuf *, void *);
	int (*req_encode)(struct cbuf *, const void *);
	int (*rep_decode)(struct cbuf *, void *);
	int (*rep_encode)(struct cbuf *, const void *);
};

static int
do_forward(struct cli *c, const struct frame *f, const struct forward *w)
{
	char err[1024], host[PROTO_NAME_MAX], *req, *rep = NULL;
	struct frame reply;
	struct cbuf *b = NULL;
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
	if ((b = cbuf_new(4096)) == NULL) {
		r = CERR_NOMEM;
		goto out;
	}
	if ((r = w->req_encode(b, req)) != 0)
		goto out;
	if (master_request(c->m, host, w->to_slave, b, w->from_slave,
	    w->timeout_s, &reply, err, sizeof(err)) != 0) {
		r = send_error(c, f->h.id, CERR_REMOTE, err);
		goto out;
	}
	r = w->rep_decode(reply.payload, rep);
	frame_clear(&reply);
	if (r != 0) {
		msg_errfmt(err, sizeof(err), host, w->from_slave, r);
		r = send_error(c, f->h.id, CERR_PROTOCOL, err);
		goto out;
	}
	snprintf(rep, PROTO_NAME_MAX, "%s", host);
	if (w->refresh)
		refresh(c, host);
	cbuf_free(b);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
		r = CERR_NOMEM;
		goto out;
	}
	if ((r = w->rep_encode(b, rep)) == 0)
		r = frame_write(&c->t, w->to_cli, f->h.id, b);
out:
	cbuf_free(b);
	free(req);
	free(rep);
	return r;
}

/* typed codecs behind the untyped pointers of struct forward */
#define FWD_CODECS(msg) \
static int msg##_dec(struct cbuf *b, void *m) { return msg##_decode(b, m); } \
static int msg##_enc(struct cbuf *b, const void *m) { return msg##_encode(b, m); }
FWD_CODECS(msg_create_req)
FWD_CODECS(msg_create)
FWD_CODECS(msg_snap_req)
FWD_CODECS(msg_snap)

static int
do_create(struct cli *c, const struct frame *f)
{
	/* a template or mkfs takes its time */
	static const struct forward w = {
		MSG_CT_CREATE_REQ, MSG_CT_CREATE, MSG_CLI_CREATE, 1800, true,
		sizeof(struct msg_create_req), sizeof(struct msg_create),
		msg_create_req_dec, msg_create_req_enc,
		msg_create_dec, msg_create_enc,
	};

	return do_forward(c, f, &w);
}

static int
do_snap(struct cli *c, const struct frame *f)
{
	static const struct forward w = {
		MSG_SNAP_REQ, MSG_SNAP, MSG_CLI_SNAP, 600, false,
		sizeof(struct msg_snap_req), sizeof(struct msg_snap),
		msg_snap_req_dec, msg_snap_req_enc,
		msg_snap_dec, msg_snap_enc,
	};

	return do_forward(c, f, &w);
}

_Static_assert(offsetof(struct msg_create_req, host) == 0 &&
    offsetof(struct msg_create, host) == 0 &&
    offsetof(struct msg_snap_req, host) == 0 &&
    offsetof(struct msg_snap, host) == 0,
    "forwarded messages start with the host name");

static const struct {
	uint16_t type;
	int (*fn)(struct cli *, const struct frame *);
} handlers[] = {
	{ MSG_CLI_HOSTS_REQ, do_hosts },
	{ MSG_CLI_SCAN_REQ,  do_scan },
	{ MSG_CLI_TRUST_REQ, do_trust },
	{ MSG_CLI_SYNC_REQ,  do_sync },
	{ MSG_CLI_CREATE_REQ, do_create },
	{ MSG_CLI_SNAP_REQ,  do_snap },
};

void
master_cli_client(struct master_ctx *m, int fd)
{
	struct cli c = { .m = m };
	struct hello_params hp = { .caps = 0, .software = m->software };
	struct hello_result res;
	struct frame f;
	char err[512];
	size_t i;
	int r;

	if (transport_fd_open(&c.t, fd, fd, "cli") != 0) {
		close(fd);
		return;
	}
	/* a CLI that connects and says nothing does not hold a thread */
	c.t.timeout_ms = 10000;
	if (hello_server(&c.t, &hp, &res, err, sizeof(err)) != 0) {
		log_warn("%s", err);
		goto out;
	}
	c.t.timeout_ms = -1;
	if ((c.inv = inventory_open(m->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("%s", err);
		(void)send_error(&c, 0, CERR_REMOTE, err);
		goto out;
	}
	for (;;) {
		if ((r = frame_read(&c.t, &f)) != 0) {
			if (r != CERR_EOF) {
				msg_errfmt(err, sizeof(err), "cli", f.h.type, r);
				log_warn("%s", err);
				(void)send_error(&c, f.h.id, r, err);
			}
			break;
		}
		if (f.h.type == MSG_BYE) {
			(void)frame_write(&c.t, MSG_BYE, f.h.id, NULL);
			frame_clear(&f);
			break;
		}
		for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
			if (handlers[i].type == f.h.type)
				break;
		if (i == sizeof(handlers) / sizeof(handlers[0]))
			r = CERR_PROTOCOL;
		else
			r = handlers[i].fn(&c, &f);
		if (r != 0 && r != CERR_IO && r != CERR_EOF) {
			msg_errfmt(err, sizeof(err), "cli", f.h.type, r);
			r = send_error(&c, f.h.id, r, err);
		}
		frame_clear(&f);
		if (r != 0)
			break;
	}
out:
	inventory_close(c.inv);
	transport_close(&c.t);
}
