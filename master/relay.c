/* corral-master: a tree transfer relayed through the master
 * (corral.conf `transfer = relay`, or when the slaves cannot reach each
 * other).  The master opens one session to each end, starts the sender and
 * the receiver, and forwards whole frames between them, reading only their
 * headers (for progress, the outcome and the bandwidth limit).  The slaves
 * need no route to each other; the master pays a decryption, an encryption
 * and two socket copies per byte. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "frame.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "proto.h"
#include "sshc.h"
#include "syncjob.h"
#include "syncway.h"
#include "tree.h"

#define RELAY_IN_MAX  (8u << 20)
#define RELAY_OUT_MAX (8u << 20)
/* How long the sender's session may take to end after the transfer (it
 * drops its snapshot, an LVM one too, then ends). */
#define SENDER_END_MS 30000

struct relay {
	struct master_ctx *m;
	struct sync_end s, r; /* sender, receiver */
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

/* Look at one whole frame from `from` and pass it on, or keep it. */
static int
on_frame(struct relay *x, struct sync_end *from, const struct frame_hdr *h,
    const uint8_t *frame, size_t len)
{
	struct sync_end *to = from == &x->s ? &x->r : &x->s;
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
pump_in(struct relay *x, struct sync_end *from, bool *moved)
{
	struct sync_end *to = from == &x->s ? &x->r : &x->s;
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;
	bool got;
	int r;

	while (!from->eof && cbuf_len(to->out) < RELAY_OUT_MAX) {
		got = false;
		if ((r = sync_read(from, &got, x->err, x->errlen)) != 0)
			return r;
		if (!got)
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
pump_out(struct relay *x, struct sync_end *to, bool *moved)
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
		allowed = pace_room(x->bw, x->t0_ms, x->sent_to_r);
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

/* The receiver's DONE can overtake what the sender does after its last
 * frame: dropping the snapshot it read from.  Its session ends after that
 * (a transfer takes the session over), so the sync ends when it does: a
 * transfer of the same container right after never finds that snapshot
 * and has it dropped under it.  The data is complete: a sender that does
 * not end in time is only logged. */
static void
await_sender(struct relay *x, void *ev, const char *host)
{
	int64_t end = monotonic_ms() + SENDER_END_MS;
	char err[256];
	bool moved;

	while (!x->s.eof && monotonic_ms() < end) {
		moved = false;
		if (sync_read(&x->s, &moved, err, sizeof(err)) != 0)
			return;         /* gone: ended as well */
		cbuf_consume(x->s.in, cbuf_len(x->s.in));
		if (!moved && !x->s.eof)
			ssh_event_dopoll(ev, 50);
	}
	if (!x->s.eof)
		log_warn("%s: the sender's session did not end within %d s "
		    "of its transfer", host, SENDER_END_MS / 1000);
}

int
master_sync_relay(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen)
{
	struct relay x = { .m = m, .err = err, .errlen = errlen };
	const struct msg_sync_req *q = j->q;
	void *ev = NULL;
	struct sync_clock clk = { .idle_ms = m->conf.stall_timeout * 1000LL };
	bool moved;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	x.bw = j->tq->bwlimit;
	x.t0_ms = monotonic_ms();
	if (sync_open(m, j, &x.s, &x.r, RELAY_IN_MAX, RELAY_OUT_MAX +
	    RELAY_IN_MAX, err, errlen) != 0)
		goto out;
	if (sync_start(&x.r, MSG_TREE_RECV_REQ, j->tq, q->dst_path, err,
	    errlen) != 0 || sync_start(&x.s, MSG_TREE_SEND_REQ, j->tq,
	    q->src_path, err, errlen) != 0)
		goto out;
	if (sync_watch(&ev, &x.s, &x.r) != 0)
		goto out;
	while (!x.finished) {
		moved = false;
		if (pump_in(&x, &x.s, &moved) != 0 ||
		    pump_in(&x, &x.r, &moved) != 0 ||
		    pump_out(&x, &x.r, &moved) != 0 ||
		    pump_out(&x, &x.s, &moved) != 0)
			goto out;
		if (x.failed && cbuf_len(x.s.out) == 0 && cbuf_len(x.r.out) == 0)
			goto out;
		if (sync_tick(j, &clk, moved, &x.prog, err, errlen) != 0)
			goto out;
		/* the sender closes once it has sent everything; the
		 * receiver must not close before it reports */
		if (!moved && (x.r.eof || (x.s.eof && !x.end_seen))) {
			snprintf(err, errlen, "%s closed the transfer before "
			    "its end", x.r.eof ? q->dst_host : q->src_host);
			goto out;
		}
		if (!moved)
			ssh_event_dopoll(ev, x.bw ? 20 : 100);
	}
	await_sender(&x, ev, q->src_host);
	sync_result(res, &x.done);
	rc = 0;
out:
	res->bytes_on_wire = x.wire;
	res->usec = (uint64_t)(monotonic_ms() - x.t0_ms) * 1000;
	sync_finish(ev, &x.s, &x.r);
	return rc;
}
