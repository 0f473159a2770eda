/* corral-master: `corral sync` — a tree transfer from one slave to
 * another, relayed through the master.
 *
 * Why relayed: only the master holds credentials for every slave (the
 * security model of the pool), so slaves never log in to each other.  The
 * master opens one session to each end, starts the sender and the receiver,
 * and forwards whole frames between them, reading only their headers (for
 * progress, the outcome and the bandwidth limit). */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "proto.h"
#include "sshc.h"
#include "tree.h"

/* reads of megabytes make libssh open the channel window as wide */
#define RELAY_IN_MAX  (8u << 20)
#define RELAY_OUT_MAX (8u << 20)
#define IDLE_MS       (120 * 1000)

struct end {
	const char *role;
	struct slave_entry cfg;
	struct sshc c;
	bool connected;
	struct cbuf *in;      /* bytes read, not yet a whole frame */
	struct cbuf *out;     /* whole frames to write to this end */
	bool eof;
};

struct relay {
	struct master_ctx *m;
	struct end s, r;      /* sender, receiver */
	uint64_t bw;          /* bytes per second, 0 = none */
	int64_t t0_ms;
	uint64_t sent_to_r;   /* for the bandwidth limit */
	uint64_t wire;        /* frame bytes relayed, both ways */
	struct msg_progress prog;
	struct tree_stats done;
	bool end_seen;        /* the sender sent its last frame */
	bool finished, failed;
	char *err;
	size_t errlen;
};

static int
connect_end(struct relay *x, struct end *e)
{
	struct corral_conf *cf = &x->m->conf;
	struct sshc_params sp = {
		.name = e->cfg.name, .address = e->cfg.address,
		.port = e->cfg.port ? e->cfg.port : cf->port,
		.key_path = cf->key, .known_hosts = cf->known_hosts,
		.timeout_s = (int)cf->timeout, .trust = SSHC_TRUST_REQUIRED,
	};
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = x->m->software, .role = "master" };
	struct hello_result res;

	if (sshc_connect(&e->c, &sp, x->err, x->errlen) != 0)
		return -1;
	e->connected = true;
	if (hello_client(&e->c.t, &hp, &res, x->err, x->errlen) != 0)
		return -1;
	e->in = cbuf_new(RELAY_IN_MAX);
	e->out = cbuf_new(RELAY_OUT_MAX + RELAY_IN_MAX);
	return e->in && e->out ? 0 : -1;
}

static void
close_end(struct end *e)
{
	if (e->connected)
		sshc_close(&e->c);
	cbuf_free(e->in);
	cbuf_free(e->out);
	e->in = e->out = NULL;
}

/* Look at one whole frame from `from` and pass it on, or keep it. */
static int
on_frame(struct relay *x, struct end *from, const struct frame_hdr *h,
    const uint8_t *frame, size_t len)
{
	struct end *to = from == &x->s ? &x->r : &x->s;
	struct cbuf *b;
	struct msg_error e;
	const uint8_t *pl = frame + PROTO_HDR_LEN;

	switch (h->type) {
	case MSG_TREE_ENTRIES:
	case MSG_TREE_ENTRIES_Z:
	case MSG_TREE_DATA:
	case MSG_TREE_END:
	case MSG_TREE_PROGRESS:
		if (from != &x->s)
			goto bad;
		/* the sender counts what is done and what there is */
		if (h->type == MSG_TREE_PROGRESS &&
		    (b = cbuf_from(pl, h->len)) != NULL) {
			struct msg_progress p;

			if (msg_progress_decode(b, &p) == 0)
				x->prog = p;
			cbuf_free(b);
		}
		if (h->type == MSG_TREE_END &&
		    (b = cbuf_from(pl, h->len)) != NULL) {
			struct tree_stats st;

			if (tree_stats_decode(b, &st) == 0) {
				x->prog.files_done = x->prog.files_total =
				    st.files;
				x->prog.bytes_done = x->prog.bytes_total =
				    st.bytes_total;
			}
			cbuf_free(b);
			x->end_seen = true;
		}
		break;
	case MSG_TREE_NEED:
	case MSG_TREE_SIG:
		if (from != &x->r)
			goto bad;
		break;
	case MSG_TREE_DONE:
		if (from != &x->r || (b = cbuf_from(pl, h->len)) == NULL)
			goto bad;
		if (tree_stats_decode(b, &x->done) != 0) {
			cbuf_free(b);
			goto bad;
		}
		cbuf_free(b);
		x->finished = true;
		return 0;
	case MSG_ERROR:
		if ((b = cbuf_from(pl, h->len)) != NULL &&
		    msg_error_decode(b, &e) == 0)
			snprintf(x->err, x->errlen, "%s: %s", from->cfg.name,
			    e.message);
		else
			snprintf(x->err, x->errlen, "%s: failed", from->cfg.name);
		cbuf_free(b);
		x->failed = true;
		break;   /* passed on, so the other end stops too */
	default:
		goto bad;
	}
	return cbuf_put(to->out, frame, len);
bad:
	snprintf(x->err, x->errlen, "%s: unexpected %s during a transfer",
	    from->cfg.name, proto_msg_name(h->type));
	x->failed = true;
	return CERR_PROTOCOL;
}

/* Read what `from` has, pass on whole frames; true if anything moved. */
static int
pump_in(struct relay *x, struct end *from, bool *moved)
{
	struct end *to = from == &x->s ? &x->r : &x->s;
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used, room;
	uint8_t *p;
	int n, r;

	while (!from->eof && cbuf_len(to->out) < RELAY_OUT_MAX) {
		room = cbuf_max(from->in) - cbuf_len(from->in);
		if (room > (4u << 20))
			room = 4u << 20;
		if (room == 0 || cbuf_reserve(from->in, room, &p) != 0)
			break;
		n = ssh_channel_read_nonblocking(from->c.channel, p,
		    (uint32_t)room, 0);
		cbuf_unreserve(from->in, n > 0 ? room - (size_t)n : room);
		if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(from->c.channel))) {
			from->eof = true;
			break;
		}
		if (n == SSH_ERROR) {
			snprintf(x->err, x->errlen, "%s: connection lost: %s",
			    from->cfg.name, ssh_get_error(from->c.session));
			return CERR_IO;
		}
		if (n == 0)
			break;
		*moved = true;
		while ((r = frame_parse(cbuf_ptr(from->in), cbuf_len(from->in),
		    &h, &pl, &used)) == 0) {
			if ((r = on_frame(x, from, &h, cbuf_ptr(from->in),
			    used)) != 0)
				return r;
			cbuf_consume(from->in, used);
			if (x->finished)
				return 0;
		}
		if (r != CERR_TRUNCATED) {
			msg_errfmt(x->err, x->errlen, from->cfg.name, h.type, r);
			return r;
		}
	}
	return 0;
}

/* Write to an end what its SSH window takes (and the bandwidth limit
 * allows, towards the receiver). */
static int
pump_out(struct relay *x, struct end *to, bool *moved)
{
	size_t n = cbuf_len(to->out);
	uint32_t win;
	int64_t allowed;
	int w;

	if (n == 0)
		return 0;
	/* one end failed and said why: the rest is not worth sending, and a
	 * write to an end that closed must not bury the reason */
	if (x->failed) {
		cbuf_consume(to->out, n);
		return 0;
	}
	win = ssh_channel_window_size(to->c.channel);
	if (n > win)
		n = win;
	if (to == &x->r && x->bw > 0) {
		allowed = (int64_t)(x->bw * (uint64_t)(monotonic_ms() -
		    x->t0_ms) / 1000) + 64 * 1024 - (int64_t)x->sent_to_r;
		if (allowed <= 0)
			return 0;
		if ((int64_t)n > allowed)
			n = (size_t)allowed;
	}
	if (n == 0)
		return 0;
	w = ssh_channel_write(to->c.channel, cbuf_ptr(to->out), (uint32_t)n);
	if (w == SSH_ERROR) {
		bool ignored;

		/* an end that fails says why before it closes: read that */
		(void)pump_in(x, to, &ignored);
		if (x->failed)
			return CERR_REMOTE;
		snprintf(x->err, x->errlen, "%s: connection lost: %s",
		    to->cfg.name, ssh_get_error(to->c.session));
		return CERR_IO;
	}
	if (to == &x->r)
		x->sent_to_r += (uint64_t)w;
	x->wire += (uint64_t)w;
	cbuf_consume(to->out, (size_t)w);
	*moved = w > 0;
	return 0;
}

static int
send_progress(struct transport *cli, uint32_t id, const struct msg_progress *p)
{
	struct cbuf *b = cbuf_new(64);
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	if ((r = msg_progress_encode(b, p)) == 0)
		r = frame_write(cli, MSG_CLI_PROGRESS, id, b);
	cbuf_free(b);
	return r;
}

static int
start(struct relay *x, struct end *e, uint16_t type, const char *path,
    uint32_t opts)
{
	struct tree_req q = { .opts = opts,
	    .zlevel = (uint8_t)x->m->conf.compress_level };
	struct cbuf *b = cbuf_new(8192);
	int r;

	snprintf(q.path, sizeof(q.path), "%s", path);
	if (b == NULL)
		return CERR_NOMEM;
	if ((r = tree_req_encode(b, &q)) == 0)
		r = frame_write(&e->c.t, type, 1, b);
	cbuf_free(b);
	if (r != 0)
		msg_errfmt(x->err, x->errlen, e->cfg.name, type, r);
	return r;
}

int
master_sync(struct master_ctx *m, const struct msg_sync_req *q,
    struct transport *cli, uint32_t id, struct msg_sync_result *res,
    char *err, size_t errlen)
{
	struct relay x = { .m = m, .err = err, .errlen = errlen };
	const struct slave_entry *se, *re;
	ssh_event ev = NULL;
	uint32_t opts = q->opts;
	int64_t last_move, last_prog = 0, now;
	bool moved;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	x.s.role = "sender";
	x.r.role = "receiver";
	pthread_rwlock_rdlock(&m->pollers_lock);
	se = slaves_conf_find(&m->slaves, q->src_host);
	re = slaves_conf_find(&m->slaves, q->dst_host);
	if (se)
		x.s.cfg = *se;
	if (re)
		x.r.cfg = *re;
	pthread_rwlock_unlock(&m->pollers_lock);
	if (se == NULL || re == NULL) {
		snprintf(err, errlen, "%s: not in %s", se ? q->dst_host :
		    q->src_host, m->conf.slaves);
		return -1;
	}
	/* per-host settings of slaves.conf: the stricter one wins */
	if (x.s.cfg.compress || x.r.cfg.compress)
		opts |= TREE_OPT_COMPRESS;
	x.bw = x.s.cfg.bwlimit;
	if (x.r.cfg.bwlimit && (!x.bw || x.r.cfg.bwlimit < x.bw))
		x.bw = x.r.cfg.bwlimit;
	x.t0_ms = monotonic_ms();
	if (connect_end(&x, &x.s) != 0 || connect_end(&x, &x.r) != 0)
		goto out;
	if (start(&x, &x.r, MSG_TREE_RECV_REQ, q->dst_path, opts) != 0 ||
	    start(&x, &x.s, MSG_TREE_SEND_REQ, q->src_path, opts) != 0)
		goto out;
	if ((ev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(ev, x.s.c.session) != SSH_OK ||
	    ssh_event_add_session(ev, x.r.c.session) != SSH_OK)
		goto out;
	log_info("sync %s:%s -> %s:%s started", q->src_host, q->src_path,
	    q->dst_host, q->dst_path);
	last_move = monotonic_ms();
	while (!x.finished) {
		moved = false;
		if (pump_in(&x, &x.s, &moved) != 0 ||
		    pump_in(&x, &x.r, &moved) != 0 ||
		    pump_out(&x, &x.r, &moved) != 0 ||
		    pump_out(&x, &x.s, &moved) != 0)
			goto out;
		if (x.failed && cbuf_len(x.s.out) == 0 && cbuf_len(x.r.out) == 0)
			goto out;
		now = monotonic_ms();
		if (moved)
			last_move = now;
		else if (now - last_move > IDLE_MS) {
			snprintf(err, errlen, "transfer stalled for %d s",
			    IDLE_MS / 1000);
			goto out;
		}
		/* the sender closes once it has sent everything; the
		 * receiver must not close before it reports */
		if (!moved && (x.r.eof || (x.s.eof && !x.end_seen))) {
			snprintf(err, errlen, "%s closed the transfer before "
			    "its end", x.r.eof ? q->dst_host : q->src_host);
			goto out;
		}
		if (cli != NULL && now - last_prog >= 250) {
			last_prog = now;
			if (send_progress(cli, id, &x.prog) != 0) {
				snprintf(err, errlen, "the CLI went away");
				goto out;
			}
		}
		if (!moved)
			ssh_event_dopoll(ev, x.bw ? 20 : 100);
	}
	res->files = x.done.files;
	res->files_changed = x.done.files_changed;
	res->deleted = x.done.deleted;
	res->literal_bytes = x.done.literal_bytes;
	res->matched_bytes = x.done.matched_bytes;
	rc = 0;
out:
	res->bytes_on_wire = x.wire;
	res->usec = (uint64_t)(monotonic_ms() - x.t0_ms) * 1000;
	if (ev != NULL) {
		if (x.s.connected)
			ssh_event_remove_session(ev, x.s.c.session);
		if (x.r.connected)
			ssh_event_remove_session(ev, x.r.c.session);
		ssh_event_free(ev);
	}
	close_end(&x.s);
	close_end(&x.r);
	if (rc == 0)
		log_info("sync %s:%s -> %s:%s done", q->src_host, q->src_path,
		    q->dst_host, q->dst_path);
	else
		log_warn("sync %s:%s -> %s:%s failed: %s", q->src_host,
		    q->src_path, q->dst_host, q->dst_path, err);
	return rc;
}
