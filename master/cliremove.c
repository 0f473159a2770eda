/* corral-master: `corral remove C --host H [--force] [--dry-run]
 * [--detach]`: the input checked, then the job (kind_remove.h) queued and
 * waited on, or for --dry-run its check run now and what the job would
 * do said. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "clisession.h"
#include "jobs.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "names.h"

MSG_ENC(msg_remove_plan)

/* slaves.conf is replaced on SIGHUP under the pollers' write lock */
static bool
host_known(struct master_ctx *m, const char *host)
{
	bool known = false;
	size_t i;

	pthread_rwlock_rdlock(&m->pollers_lock);
	for (i = 0; i < m->slaves.n && !known; i++)
		known = strcmp(m->slaves.v[i].name, host) == 0;
	pthread_rwlock_unlock(&m->pollers_lock);
	return known;
}

static int
dry_run(struct reqloop *l, uint32_t rid, const struct msg_remove_req *q)
{
	struct cli *c = l->ctx;
	bool force = q->flags & MSG_REMOVE_FORCE;
	struct msg_remove_plan p;
	struct remove_check rc;
	size_t n;

	if (remove_check(c->m, c->inv, q->ct, q->host, force, &rc) != 0)
		return reply_error(l->t, rid, CERR_REMOTE, "%s", rc.why);
	memset(&p, 0, sizeof(p));
	snprintf(p.ct, sizeof(p.ct), "%s", q->ct);
	snprintf(p.host, sizeof(p.host), "%s", q->host);
	n = (size_t)snprintf(p.text, sizeof(p.text), "check: %s on %s is %s; "
	    "%s\n", q->ct, q->host, rc.running ? "running" : "stopped",
	    rc.safe);
	if (rc.running && n < sizeof(p.text))
		n += (size_t)snprintf(p.text + n, sizeof(p.text) - n, "stop: "
		    "%s on %s would be stopped cleanly\n", q->ct, q->host);
	if (n < sizeof(p.text))
		snprintf(p.text + n, sizeof(p.text) - n, "remove: %s's config, "
		    "volume and LXC directory on %s would be removed", q->ct,
		    q->host);
	return reply_msg(l->t, MSG_CLI_REMOVE_PLAN, rid, msg_remove_plan_enc,
	    &p);
}

int
cli_do_remove(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_remove_req q;
	struct job j;
	char err[512];
	bool running;
	int r;

	if ((r = msg_remove_req_decode(f->payload, &q)) != 0)
		return r;
	if (!ct_name_valid(q.ct))
		return reply_error(l->t, f->h.id, CERR_INVALID, "'%s' is not a "
		    "valid container name (letters, digits, '.', '_', '-'; "
		    "1..63, not starting with '.' or '-')", q.ct);
	if (!host_known(c->m, q.host))
		return reply_error(l->t, f->h.id, CERR_INVALID, "no host '%s' "
		    "in slaves.conf", q.host);
	/* an unknown container is bad input, not a job that fails (the
	 * job checks again) */
	if ((r = remove_on_host(c->m, q.ct, q.host, &running, err,
	    sizeof(err))) <= 0)
		return reply_error(l->t, f->h.id, CERR_REMOTE, r < 0 ? "%s" :
		    "no container %s on %s", r < 0 ? err : q.ct, q.host);
	if (q.flags & MSG_REMOVE_DRY_RUN)
		return dry_run(l, f->h.id, &q);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "remove");
	snprintf(j.container, sizeof(j.container), "%s", q.ct);
	snprintf(j.src, sizeof(j.src), "%s", q.host);
	snprintf(j.args, sizeof(j.args), "%s",
	    q.flags & MSG_REMOVE_FORCE ? "force" : "");
	return job_submit_and_wait(l, f->h.id, &j,
	    q.flags & MSG_REMOVE_DETACH);
}
