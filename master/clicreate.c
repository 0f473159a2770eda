/* corral-master: corral create HOST NAME (CLI_CREATE_REQ), the older form:
 * checked against a fresh inventory (HOST known and up, without a
 * container NAME), then queued as a job of kind create (kind_create.h:
 * CT_CREATE, the template's own network).  A refusal changes nothing. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "inventory.h"
#include "jobs.h"
#include "kind_create.h"
#include "msg.h"
#include "names.h"

MSG_DEC(msg_create_req)

static int
check(struct cli *c, const struct msg_create_req *q, char *err,
    size_t errlen)
{
	struct msg_ct_rec_list cl = { 0 };
	int rc;

	if (!ct_name_valid(q->ct)) {
		snprintf(err, errlen, "'%s' is not a valid container name "
		    "(letters, digits, '.', '_', '-'; 1..63)", q->ct);
		return -1;
	}
	cli_refresh(c, q->host);
	if (cli_host_takes(c, q->host, err, errlen) != 0)
		return -1;
	if (inventory_containers(c->inv, q->ct, q->host, &cl) != 0) {
		snprintf(err, errlen, "inventory: %s",
		    inventory_errmsg(c->inv));
		return -1;
	}
	rc = cl.n > 0 ? -1 : 0;
	msg_ct_rec_list_free(&cl);
	if (rc != 0)
		snprintf(err, errlen, "container %s exists on %s", q->ct,
		    q->host);
	return rc;
}

int
cli_do_create(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_create_req q;
	struct job j;
	char err[512];
	int r;

	if ((r = msg_create_req_decode(f->payload, &q)) != 0)
		return r;
	if (check(c, &q, err, sizeof(err)) != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s", err);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "create");
	snprintf(j.container, sizeof(j.container), "%s", q.ct);
	snprintf(j.dst, sizeof(j.dst), "%s", q.host);
	if (create_args_host(&q, j.args, sizeof(j.args)) != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s: its "
		    "template name does not fit a job's args", q.ct);
	return job_submit_and_wait(l, f->h.id, &j,
	    (q.start & MSG_NEW_DETACH) != 0);
}
