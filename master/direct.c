/* corral-master: a tree transfer straight from one slave to the other
 * (corral.conf `transfer = direct`, the default).
 *
 * Only the master holds credentials for every slave, and that stays so:
 * for each transfer it makes a random key and hands it to both ends over
 * their SSH sessions.  The receiver listens on an ephemeral port and says
 * which (TREE_LISTEN); the sender connects there and both prove they hold
 * the key before anything else (slave/xfer_seal.c).  The master then only
 * watches its two sessions: progress and the sender's counters from one,
 * the outcome from the other.  This takes the master's decryption,
 * encryption and two socket copies per byte out of the path. */
#include <stdio.h>
#include <string.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "frame.h"
#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "syncjob.h"
#include "syncway.h"

#define WATCH_IN_MAX (2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))
#define GRACE_MS     1000    /* after one end fails: the other's reason */

struct watch {
	struct sync_end s, r;
	struct msg_progress prog;
	struct tree_stats sst, rst;
	bool s_end, r_done;
	int s_code, r_code;        /* an end's ERROR: its code, else 0 */
	char s_err[MSG_ERRTEXT_MAX], r_err[MSG_ERRTEXT_MAX];
};

/* The receiver's first answer: the port it listens on. */
static int
await_port(struct sync_end *r, uint16_t *port, char *err, size_t errlen)
{
	struct frame f = { 0 };
	struct msg_error e;
	int rc;

	if ((rc = frame_read(&r->c.t, &f)) != 0) {
		msg_errfmt(err, errlen, r->cfg.name, f.h.type, rc);
		return -1;
	}
	rc = -1;
	if (f.h.type == MSG_TREE_LISTEN &&
	    msg_listen_decode(f.payload, port) == 0)
		rc = 0;
	else if (f.h.type == MSG_ERROR && msg_error_decode(f.payload, &e) == 0)
		snprintf(err, errlen, "%s: %s", r->cfg.name, e.message);
	else
		snprintf(err, errlen, "%s: unexpected %s instead of TREE_LISTEN",
		    r->cfg.name, proto_msg_name(f.h.type));
	frame_clear(&f);
	return rc;
}

/* One whole frame from an end of a direct transfer. */
static int
on_frame(struct watch *w, struct sync_end *from, const struct frame_hdr *h,
    const uint8_t *pl, char *err, size_t errlen)
{
	struct cbuf *b = cbuf_from(pl, h->len);
	struct msg_error e;
	int r = CERR_PROTOCOL;

	if (b == NULL)
		return CERR_NOMEM;
	if (h->type == MSG_ERROR && msg_error_decode(b, &e) == 0) {
		if (from == &w->s) {
			w->s_code = e.code ? e.code : CERR_REMOTE;
			snprintf(w->s_err, sizeof(w->s_err), "%s", e.message);
		} else {
			w->r_code = e.code ? e.code : CERR_REMOTE;
			snprintf(w->r_err, sizeof(w->r_err), "%s", e.message);
		}
		r = 0;
	} else if (from == &w->s && h->type == MSG_TREE_PROGRESS)
		r = msg_progress_decode(b, &w->prog);
	else if (from == &w->s && h->type == MSG_TREE_END &&
	    (r = tree_stats_decode(b, &w->sst)) == 0)
		w->s_end = true;
	else if (from == &w->r && h->type == MSG_TREE_DONE &&
	    (r = tree_stats_decode(b, &w->rst)) == 0)
		w->r_done = true;
	cbuf_free(b);
	if (r != 0)
		snprintf(err, errlen, "%s: unexpected %s during a direct "
		    "transfer", from->cfg.name, proto_msg_name(h->type));
	return r;
}

static int
pump(struct watch *w, struct sync_end *e, bool *moved, char *err,
    size_t errlen)
{
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;
	int r;

	if ((r = sync_read(e, moved, err, errlen)) != 0)
		return r;
	while ((r = frame_parse(cbuf_ptr(e->in), cbuf_len(e->in), &h, &pl,
	    &used)) == 0) {
		if ((r = on_frame(w, e, &h, pl, err, errlen)) != 0)
			return r;
		cbuf_consume(e->in, used);
	}
	if (r != CERR_TRUNCATED) {
		msg_errfmt(err, errlen, e->cfg.name, h.type, r);
		return r;
	}
	return 0;
}

int
master_sync_direct(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen)
{
	struct watch w = { 0 };
	struct tree_req sq = *j->tq;
	void *ev = NULL;
	struct sync_clock clk = { 0 };
	int64_t t0 = monotonic_ms(), failed_at = 0, now;
	bool moved;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (sync_open(m, j, &w.s, &w.r, WATCH_IN_MAX, 64, err, errlen) != 0)
		goto out;
	if (sync_start(&w.r, MSG_TREE_RECV_REQ, j->tq, j->q->dst_path, err,
	    errlen) != 0 ||
	    await_port(&w.r, &sq.port, err, errlen) != 0)
		goto out;
	/* the sender reaches the receiver where the master does */
	snprintf(sq.peer, sizeof(sq.peer), "%s", j->r.address);
	if (sync_start(&w.s, MSG_TREE_SEND_REQ, &sq, j->q->src_path, err,
	    errlen) != 0)
		goto out;
	memset(sq.key, 0, sizeof(sq.key));
	if (sync_watch(&ev, &w.s, &w.r) != 0)
		goto out;
	while (!(w.r_done && w.s_end)) {
		moved = false;
		if (pump(&w, &w.s, &moved, err, errlen) != 0 ||
		    pump(&w, &w.r, &moved, err, errlen) != 0)
			goto out;
		now = monotonic_ms();
		if (w.s_code == CERR_UNREACHABLE) {
			snprintf(err, errlen, "%s: %s", j->s.name, w.s_err);
			rc = 1;
			goto out;
		}
		/* one end failed: give the other a moment to say why, the
		 * receiver's reason being the one that matters */
		if ((w.s_code || w.r_code) && !failed_at)
			failed_at = now;
		if (w.r_code || (failed_at && (now - failed_at > GRACE_MS ||
		    w.r.eof))) {
			if (w.r_code)
				snprintf(err, errlen, "%s: %s", j->r.name, w.r_err);
			else
				snprintf(err, errlen, "%s: %s", j->s.name, w.s_err);
			goto out;
		}
		if (sync_tick(j, &clk, moved, &w.prog, err, errlen) != 0)
			goto out;
		if (!moved && !failed_at && ((w.r.eof && !w.r_done) ||
		    (w.s.eof && !w.s_end))) {
			snprintf(err, errlen, "%s closed the transfer before "
			    "its end", w.r.eof && !w.r_done ? j->r.name :
			    j->s.name);
			goto out;
		}
		if (!moved)
			ssh_event_dopoll(ev, 100);
	}
	sync_result(res, &w.rst);
	res->bytes_on_wire = w.sst.wire_bytes;   /* the direct connection's */
	rc = 0;
out:
	res->usec = (uint64_t)(monotonic_ms() - t0) * 1000;
	sync_finish(ev, &w.s, &w.r);
	return rc;
}
