/* corral-master: the job kind backup: one container of a backup run
 * (corral backup, or the nightly run at backup_at) into the store as a
 * new version, then retention applied to its versions.
 *
 * The job's container is C, its src the host, its args "mode=hot" or
 * "mode=cold".  Steps: check, config, copy, commit (get_into_store() of
 * kind_get.h, shared with get), prune, done.  A cold container found
 * running is not read and never stopped: the job ends done with the
 * result "skipped=running".  An interrupted copy leaves the store's
 * .incoming, which the next backup or get of C resumes; earlier versions
 * never change.  Retention runs only after a version was made, and a
 * removal it cannot make is noted, not a failure of the backup.
 *
 * Recover (a master killed during the job): from prune on, or at commit
 * when the newest version is this job's, the version exists: retention
 * runs and the job ends done; before, the backup runs again and resumes
 * what reached the store. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "jobrun.h"
#include "jobs.h"
#include "kind_get.h"
#include "master.h"
#include "msg.h"
#include "prune.h"
#include "store.h"

static void
on_prune(void *arg, const struct msg_prune_rec *rec)
{
	struct job_ctx *c = arg;

	if (rec->removed)
		job_note(c, "retention removed version %s", rec->version);
	else if (!rec->keep)
		job_note(c, "retention: version %s: %s", rec->version,
		    rec->reason);
}

/* Retention on the job's container, after a version was made. */
static void
prune_after(struct job_ctx *c)
{
	struct keep_policy p;
	struct store *s;
	char err[1024];

	(void)job_step(c, "prune");
	master_keep_policy(c->m, &p);
	if (!retention_on(&p))
		return;
	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL) {
		job_note(c, "retention not applied: %s", err);
		return;
	}
	if (prune_container(s, c->job->container, &p, false, on_prune, c, err,
	    sizeof(err)) < 0)
		job_note(c, "retention not applied: %s", err);
	store_close(s);
}

int
backup_run(struct job_ctx *c)
{
	const struct job *j = c->job;
	bool cold = strstr(j->args, "mode=cold") != NULL;
	struct get_result res;
	char text[JOB_RESULT_MAX];
	int r;

	(void)job_step(c, "check");
	r = get_into_store(c, j->container, j->src, 0,
	    cold ? GET_COLD_ONLY : 0, &res);
	if (r == GET_SKIPPED) {
		(void)job_set_result(c->inv, j->id, "skipped=running");
		(void)job_step(c, "done");
		return JOB_OUT_DONE;
	}
	if (r != JOB_OUT_DONE)
		return r;
	get_result_text(&res, text, sizeof(text));
	if (job_set_result(c->inv, j->id, text) != 0)
		job_note(c, "cannot record its result: %s", text);
	job_note(c, "version %s (%s): %" PRIu64 " files, %" PRIu64 " bytes "
	    "sent, %" PRIu64 " stored", res.version,
	    store_kind_name(res.kind), res.files, res.wire, res.stored);
	prune_after(c);
	(void)job_step(c, "done");
	return JOB_OUT_DONE;
}

/* A master killed at the commit: the version this job made, as text. */
static bool
made_by_job(struct job_ctx *c, char *text, size_t len)
{
	struct get_result res;

	if (!get_made_by_job(c, false, &res))
		return false;
	get_result_text(&res, text, len);
	return true;
}

int
backup_recover(struct job_ctx *c)
{
	const struct job *j = c->job;
	char text[JOB_RESULT_MAX];

	if (strcmp(j->step, "prune") == 0 || strcmp(j->step, "done") == 0 ||
	    (strcmp(j->step, "commit") == 0 &&
	    made_by_job(c, text, sizeof(text)))) {
		if (strcmp(j->step, "commit") == 0)
			(void)job_set_result(c->inv, j->id, text);
		job_note(c, "master restarted during %s: the version was "
		    "made; retention, then done", j->step);
		prune_after(c);
		(void)job_step(c, "done");
		return JOB_OUT_DONE;
	}
	job_note(c, "master restarted during %s: backing up %s from %s "
	    "again (what reached the store is kept)", j->step[0] ? j->step :
	    "its start", j->container, j->src);
	return backup_run(c);
}
