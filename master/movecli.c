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

/* The host of the inventory named name, or NULL. */
static const struct msg_host_rec *
host_of(const struct msg_host_list *hl, const char *name)
{
	size_t i;

	for (i = 0; i < hl->n; i++)
		if (strcmp(hl->v[i].name, name) == 0)
			return &hl->v[i];
	return NULL;
}

/* Find FROM (q->from, or where the inventory has C) into from; err. */
static int
check(struct cli *c, const struct msg_move_req *q, char *from,
    char *err, size_t errlen)
{
	struct msg_host_list hl = { 0 };
	struct msg_ct_rec_list cl = { 0 };
	const struct msg_host_rec *h;
	size_t i, on = 0;
	int rc = -1;

	if (!conf_valid_name(q->ct) || !conf_valid_name(q->to) ||
	    (q->from[0] && !conf_valid_name(q->from))) {
		snprintf(err, errlen, "'%s' is not a valid name",
		    !conf_valid_name(q->ct) ? q->ct : !conf_valid_name(q->to) ?
		    q->to : q->from);
		return -1;
	}
	if (inventory_hosts(c->inv, &hl) != 0 ||
	    inventory_containers(c->inv, q->ct, NULL, &cl) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		goto out;
	}
	if ((h = host_of(&hl, q->to)) == NULL) {
		snprintf(err, errlen, "no host %s", q->to);
		goto out;
	}
	/* a noselect host may be named: it is only never chosen */
	if (strcmp(h->state, "down") == 0) {
		snprintf(err, errlen, "%s is down: %s", q->to, h->reason);
		goto out;
	}
	if (q->from[0] && host_of(&hl, q->from) == NULL) {
		snprintf(err, errlen, "no host %s", q->from);
		goto out;
	}
	from[0] = '\0';
	for (i = 0; i < cl.n; i++) {
		if (strcmp(cl.v[i].host, q->to) == 0) {
			snprintf(err, errlen, "%s is on %s already", q->ct,
			    q->to);
			goto out;
		}
		if (q->from[0] && strcmp(cl.v[i].host, q->from) != 0)
			continue;
		if (on++ > 0) {
			snprintf(err, errlen, "%s is on both %s and %s: name "
			    "one with --from", q->ct, from, cl.v[i].host);
			goto out;
		}
		snprintf(from, PROTO_NAME_MAX, "%s", cl.v[i].host);
	}
	if (on == 0) {
		if (q->from[0])
			snprintf(err, errlen, "no container %s on %s", q->ct,
			    q->from);
		else
			snprintf(err, errlen, "no container %s", q->ct);
		goto out;
	}
	if ((h = host_of(&hl, from)) != NULL &&
	    strcmp(h->state, "down") == 0) {
		snprintf(err, errlen, "%s is on %s, which is down: %s", q->ct,
		    from, h->reason);
		goto out;
	}
	rc = 0;
out:
	msg_host_list_free(&hl);
	msg_ct_rec_list_free(&cl);
	return rc;
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
