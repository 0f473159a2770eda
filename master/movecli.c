/* corral-master: `corral move C --to H [--from H]`: the request checked
 * against a fresh inventory (valid names, C known on exactly one host or
 * on --from, TO known, up and not FROM), then queued as a job of kind
 * move (kind_move.c).  A refusal changes nothing. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "jobs.h"
#include "log.h"
#include "msg.h"
#include "pace.h"

MSG_ENC(msg_job)

/* Find FROM (q->from, or where the inventory has C) into from; err. */
static int
check(struct cli *c, const struct msg_move_req *q, char *from,
    char *err, size_t errlen)
{
	struct msg_ct_rec_list cl = { 0 };
	int rc;

	if (!conf_valid_name(q->ct) || !conf_valid_name(q->to) ||
	    (q->from[0] && !conf_valid_name(q->from))) {
		snprintf(err, errlen, "'%s' is not a valid name",
		    !conf_valid_name(q->ct) ? q->ct : !conf_valid_name(q->to) ?
		    q->to : q->from);
		return -1;
	}
	if (cli_host_takes(c, q->to, err, errlen) != 0)
		return -1;
	if (inventory_containers(c->inv, q->ct, q->to, &cl) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		return -1;
	}
	rc = cl.n > 0 ? -1 : 0;
	msg_ct_rec_list_free(&cl);
	if (rc != 0) {
		snprintf(err, errlen, "%s is on %s already", q->ct, q->to);
		return -1;
	}
	return cli_locate(c, q->ct, q->from, "--from", from, err, errlen);
}

int
cli_do_move(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_move_req q;
	struct msg_job m;
	struct job j;
	char err[512], from[PROTO_NAME_MAX];
	int r;

	if ((r = msg_move_req_decode(f->payload, &q)) != 0)
		return r;
	cli_refresh(c, NULL);
	if (check(c, &q, from, err, sizeof(err)) != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "move %s: %s",
		    q.ct, err);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "move");
	snprintf(j.container, sizeof(j.container), "%s", q.ct);
	snprintf(j.src, sizeof(j.src), "%s", from);
	snprintf(j.dst, sizeof(j.dst), "%s", q.to);
	snprintf(j.args, sizeof(j.args), "cold=%d",
	    (q.flags & MSG_MOVE_COLD) != 0);
	if (q.flags & MSG_MOVE_DRY_RUN) {
		job_msg(&j, &m);   /* id 0, queued: nothing queued */
		return reply_msg(l->t, MSG_CLI_JOB_QUEUED, f->h.id,
		    msg_job_enc, &m);
	}
	return job_submit_and_wait(l, f->h.id, &j,
	    (q.flags & MSG_MOVE_DETACH) != 0);
}
