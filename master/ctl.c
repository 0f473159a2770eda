/* corral-master: the container operations of a slave (CT_CTL) and its
 * containers' configs as they travel (CT_CONF, CT_CONF_SET), one request
 * each on a session of its own (request.c), for the jobs that move
 * containers between hosts. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "master.h"
#include "msg.h"

MSG_CODECS(msg_ctl_req)
MSG_CODECS(msg_ctl)
MSG_CODECS(msg_conf)
MSG_CODECS(msg_conf_set_req)
MSG_CODECS(msg_conf_set)

/* beyond the slave's own wait: the session, liblxc, a volume's mkfs */
#define CTL_MARGIN_S  120
#define CTL_DEFAULT_S 60     /* the slave's longest default wait (STOP) */
#define CTL_MAX_S     3600   /* the slave caps a request's wait there */

/* How long an answer to op is waited for: the slave's own wait and the
 * margin.  Tests make a slave that does not answer a START
 * (tests/integration/move_fault.sh): with CORRAL_TEST_START_LIMIT=N in
 * the master's environment a START's answer is waited for N s instead.
 * Nothing else reads it. */
static int
answer_limit_s(enum msg_ctl_op op, uint32_t wait_s)
{
	const char *v = getenv("CORRAL_TEST_START_LIMIT");
	int n;

	if (op == MSG_CTL_START && v != NULL && (n = atoi(v)) > 0)
		return n;
	return (int)wait_s + CTL_MARGIN_S;
}

static int
name_encode(struct cbuf *b, const void *m)
{
	return msg_name_encode(b, m);
}

int
master_ctl(struct master_ctx *m, const char *host, const char *ct,
    enum msg_ctl_op op, uint32_t timeout_s, uint32_t flags, uint64_t bytes,
    struct msg_ctl *reply, char *err, size_t errlen)
{
	struct msg_ctl_req q;
	uint32_t wait_s = timeout_s == 0 ? CTL_DEFAULT_S :
	    timeout_s > CTL_MAX_S ? CTL_MAX_S : timeout_s;

	memset(&q, 0, sizeof(q));
	if (snprintf(q.ct, sizeof(q.ct), "%s", ct) >= (int)sizeof(q.ct)) {
		snprintf(err, errlen, "%s: container name too long", host);
		return CERR_INVALID;
	}
	q.op = (uint8_t)op;
	q.timeout_s = timeout_s;
	q.flags = flags;
	q.bytes = bytes;
	return master_request(m, host, MSG_CT_CTL_REQ, msg_ctl_req_enc, &q,
	    MSG_CT_CTL, msg_ctl_dec, reply, answer_limit_s(op, wait_s), err,
	    errlen);
}

int
master_conf_get(struct master_ctx *m, const char *host, const char *ct,
    struct msg_conf *reply, char *err, size_t errlen)
{
	if (strlen(ct) >= PROTO_NAME_MAX) {
		snprintf(err, errlen, "%s: container name too long", host);
		return CERR_INVALID;
	}
	/* the slave measures the rootfs it reports */
	return master_request(m, host, MSG_CT_CONF_REQ, name_encode, ct,
	    MSG_CT_CONF, msg_conf_dec, reply, CTL_MARGIN_S, err, errlen);
}

int
master_conf_set(struct master_ctx *m, const char *host,
    const struct msg_conf_set_req *q, struct msg_conf_set *reply, char *err,
    size_t errlen)
{
	return master_request(m, host, MSG_CT_CONF_SET_REQ,
	    msg_conf_set_req_enc, q, MSG_CT_CONF_SET, msg_conf_set_dec, reply,
	    CTL_MARGIN_S, err, errlen);
}

MSG_ENC(msg_rename_req)

int
master_rename(struct master_ctx *m, const char *host, const char *ct,
    const char *to, struct msg_ctl *reply, char *err, size_t errlen)
{
	struct msg_rename_req q;

	memset(&q, 0, sizeof(q));
	if (snprintf(q.ct, sizeof(q.ct), "%s", ct) >= (int)sizeof(q.ct) ||
	    snprintf(q.to, sizeof(q.to), "%s", to) >= (int)sizeof(q.to)) {
		snprintf(err, errlen, "%s: container name too long", host);
		return CERR_INVALID;
	}
	/* lvm: an unmount and an lvrename */
	return master_request(m, host, MSG_CT_RENAME_REQ, msg_rename_req_enc,
	    &q, MSG_CT_RENAME, msg_ctl_dec, reply, CTL_MARGIN_S, err, errlen);
}

MSG_ENC(msg_snap_req)
MSG_DEC(msg_snap)

/* SNAP_REQ op about ct on host, its SNAP in rep. */
static int
snap_request(struct master_ctx *m, const char *host, const char *ct,
    enum msg_snap_op op, uint64_t job, struct msg_snap *rep, char *err,
    size_t errlen)
{
	struct msg_snap_req q;

	memset(&q, 0, sizeof(q));
	if (snprintf(q.ct, sizeof(q.ct), "%s", ct) >= (int)sizeof(q.ct)) {
		snprintf(err, errlen, "%s: container name too long", host);
		return CERR_INVALID;
	}
	q.op = (uint8_t)op;
	q.job = job;
	return master_request(m, host, MSG_SNAP_REQ, msg_snap_req_enc, &q,
	    MSG_SNAP, msg_snap_dec, rep, CTL_MARGIN_S, err, errlen);
}

int
master_snap_held(struct master_ctx *m, const char *host, const char *ct,
    bool stopping, char *err, size_t errlen)
{
	struct msg_snap rep;
	int r;

	if ((r = snap_request(m, host, ct, MSG_SNAP_STATUS, 0, &rep, err,
	    errlen)) != 0)
		return r;
	if (rep.kind == MSG_SNAPK_SNAPSHOT)
		snprintf(err, errlen, "%s has a snapshot on %s (%s): it is "
		    "copied as it is now, not as of that snapshot; drop it "
		    "first: corral snapshot %s %s --drop", ct, host,
		    rep.owner == MSG_SNAPO_ADMIN ? "corral snapshot" :
		    "another transfer's, still at work", host, ct);
	else if (rep.kind == MSG_SNAPK_FROZEN && stopping)
		/* its init never sees the halt signal: a kill after the
		 * time limit, the unclean stop a move must not make */
		snprintf(err, errlen, "%s is frozen on %s (corral snapshot): "
		    "it cannot stop cleanly; thaw it first: corral snapshot "
		    "%s %s --drop", ct, host, host, ct);
	else
		return 0;
	return 1;
}

int
master_snap_drop_stale(struct master_ctx *m, const char *host,
    const char *ct, int64_t job, char *err, size_t errlen)
{
	struct msg_snap rep;
	int r;

	if ((r = snap_request(m, host, ct, MSG_SNAP_DROP_STALE,
	    job > 0 ? (uint64_t)job : 0, &rep, err, errlen)) != 0)
		return r;
	return rep.kind != MSG_SNAPK_NONE;
}
