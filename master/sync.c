/* corral-master: `corral sync`, a tree transfer from one slave to
 * another: direct between the slaves (direct.c) or relayed (relay.c), as
 * corral.conf `transfer` says, relayed when the slaves cannot reach each
 * other. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "master.h"
#include "syncjob.h"
#include "syncway.h"

/* j: its progress's way filled in */
static int
run_sync(struct master_ctx *m, const struct msg_sync_req *q, uint64_t job,
    struct sync_job j, struct msg_sync_result *res, char *err, size_t errlen)
{
	/* the job's: a snapshot its send takes (own snapshot) is marked
	 * with it, which its recovery's drop-stale finds */
	struct tree_req tq = { .opts = q->opts, .job = job,
	    .zlevel = (uint8_t)m->conf.compress_level };
	const struct slave_entry *se, *re;
	bool direct = m->conf.transfer == CONF_TRANSFER_DIRECT;
	int rc;

	j.q = q;
	j.tq = &tq;

	pthread_rwlock_rdlock(&m->pollers_lock);
	se = slaves_conf_find(&m->slaves, q->src_host);
	re = slaves_conf_find(&m->slaves, q->dst_host);
	/* per-host settings of slaves.conf: the stricter one wins */
	if (se && re) {
		j.s = *se;
		j.r = *re;
		if (se->compress || re->compress)
			tq.opts |= TREE_OPT_COMPRESS;
		tq.bwlimit = se->bwlimit;
		if (re->bwlimit && (!tq.bwlimit || re->bwlimit < tq.bwlimit))
			tq.bwlimit = re->bwlimit;
	}
	pthread_rwlock_unlock(&m->pollers_lock);
	if (se == NULL || re == NULL) {
		snprintf(err, errlen, "%s: not in %s", se ? q->dst_host :
		    q->src_host, m->conf.slaves);
		return -1;
	}
	log_info("sync %s:%s -> %s:%s started (%s)", q->src_host, q->src_path,
	    q->dst_host, q->dst_path, direct ? "direct" : "relayed");
	rc = 1;
	if (direct) {
		if (getrandom(tq.key, sizeof(tq.key), 0) != sizeof(tq.key)) {
			snprintf(err, errlen, "no random key for the transfer");
			return -1;
		}
		tq.opts |= TREE_OPT_DIRECT;
		rc = master_sync_direct(m, &j, res, err, errlen);
		memset(tq.key, 0, sizeof(tq.key));
		if (rc == 1)
			log_warn("sync %s -> %s: %s; relaying it instead",
			    q->src_host, q->dst_host, err);
	}
	if (rc == 1) {
		err[0] = '\0';
		tq.opts &= ~(uint32_t)TREE_OPT_DIRECT;
		rc = master_sync_relay(m, &j, res, err, errlen);
	}
	if (rc == 0)
		log_info("sync %s:%s -> %s:%s done", q->src_host, q->src_path,
		    q->dst_host, q->dst_path);
	else
		log_warn("sync %s:%s -> %s:%s failed: %s", q->src_host,
		    q->src_path, q->dst_host, q->dst_path, err);
	return rc == 0 ? 0 : -1;
}

int
master_sync(struct master_ctx *m, const struct msg_sync_req *q,
    struct transport *cli, uint32_t id, struct msg_sync_result *res,
    char *err, size_t errlen)
{
	struct sync_job j = { .cli = cli, .id = id };

	return run_sync(m, q, 0, j, res, err, errlen);
}

int
master_sync_fn(struct master_ctx *m, const struct msg_sync_req *q,
    uint64_t job, void (*progress)(void *arg, const struct msg_progress *p), void *arg,
    struct msg_sync_result *res, char *err, size_t errlen)
{
	struct sync_job j = { .progress = progress, .progress_arg = arg };

	return run_sync(m, q, job, j, res, err, errlen);
}
