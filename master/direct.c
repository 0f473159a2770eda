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
#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "syncjob.h"
#include "syncway.h"
#include "xfer.h"

#define WATCH_IN_MAX (2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))
#define GRACE_MS     1000    /* after one end fails: the other's reason */

struct watch {
	struct sync_end s, r;
	struct sync_heard hs, hr;  /* what each said */
};

int
master_sync_direct(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen)
{
	struct watch w = { .hs.sender = true };
	struct tree_req sq = *j->tq;
	void *ev = NULL;
	struct sync_clock clk = { .idle_ms = m->conf.stall_timeout * 1000LL };
	int64_t t0 = monotonic_ms(), failed_at = 0, now;
	bool moved, blames;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (sync_open(m, j, &w.s, &w.r, WATCH_IN_MAX, 64, err, errlen) != 0)
		goto out;
	if (sync_start(&w.r, MSG_TREE_RECV_REQ, j->tq, j->q->dst_path, err,
	    errlen) != 0 ||
	    sync_await_port(&w.r, &sq.port, err, errlen) != 0)
		goto out;
	/* the sender reaches the receiver where the master does */
	snprintf(sq.peer, sizeof(sq.peer), "%s", j->r.address);
	if (sync_start(&w.s, MSG_TREE_SEND_REQ, &sq, j->q->src_path, err,
	    errlen) != 0)
		goto out;
	memset(sq.key, 0, sizeof(sq.key));
	if (sync_watch(&ev, &w.s, &w.r) != 0)
		goto out;
	while (!(w.hr.ended && w.hs.ended)) {
		moved = false;
		if (sync_hear(&w.s, &w.hs, &moved, err, errlen) != 0 ||
		    sync_hear(&w.r, &w.hr, &moved, err, errlen) != 0)
			goto out;
		now = monotonic_ms();
		if (w.hs.code == CERR_UNREACHABLE) {
			snprintf(err, errlen, "%s: %s", j->s.name, w.hs.msg);
			rc = 1;
			goto out;
		}
		/* one end failed: give the other a moment to say why, the
		 * receiver's reason being the one that matters, unless it is
		 * that the sender went away: then the sender's */
		if ((w.hs.code || w.hr.code) && !failed_at)
			failed_at = now;
		blames = w.hr.code && strstr(w.hr.msg, XFER_SENDER_GONE) != NULL;
		if ((w.hr.code && (!blames || w.hs.code)) || (failed_at &&
		    (now - failed_at > GRACE_MS || (w.r.eof && !blames)))) {
			if (w.hr.code && !(blames && w.hs.code))
				snprintf(err, errlen, "%s: %s", j->r.name,
				    w.hr.msg);
			else
				snprintf(err, errlen, "%s: %s", j->s.name,
				    w.hs.msg);
			goto out;
		}
		if (sync_tick(j, &clk, moved, &w.hs.prog, err, errlen) != 0)
			goto out;
		if (!moved && !failed_at && ((w.r.eof && !w.hr.ended) ||
		    (w.s.eof && !w.hs.ended))) {
			snprintf(err, errlen, "%s closed the transfer before "
			    "its end", w.r.eof && !w.hr.ended ? j->r.name :
			    j->s.name);
			goto out;
		}
		if (!moved)
			ssh_event_dopoll(ev, 100);
	}
	sync_result(res, &w.hr.st);
	res->bytes_on_wire = w.hs.st.wire_bytes;   /* the direct connection's */
	rc = 0;
out:
	res->usec = (uint64_t)(monotonic_ms() - t0) * 1000;
	sync_finish(ev, &w.s, &w.r);
	return rc;
}
