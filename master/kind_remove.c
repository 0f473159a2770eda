/* corral-master: the job kind remove, its run and its recover (the steps
 * and the recovery rule in kind_remove.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobrun.h"
#include "jobs.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"

static bool
forced(const struct job_ctx *c)
{
	return strcmp(c->job->args, "force") == 0;
}

/* C runs again on H, as before the job stopped it: step "start" first,
 * so that a master killed meanwhile starts it at its next start too.  0,
 * or -1 with err. */
static int
start_again(struct job_ctx *c, char *err, size_t errlen)
{
	(void)job_step(c, "start");
	return job_start_again(c, c->job->src, c->job->container, err, errlen);
}

/* Whether the job passed its step "stop": it stopped C (a recovery
 * reads it from the job's steps). */
static bool
stopped_by_job(struct job_ctx *c)
{
	struct job_step *steps = NULL;
	struct job j;
	size_t n = 0, i;
	bool found = false;

	if (job_get(c->inv, c->job->id, &j, &steps, &n) != 0)
		return false;
	for (i = 0; i < n && !found; i++)
		found = strcmp(steps[i].step, "stop") == 0;
	free(steps);
	return found;
}

/* The point of no return: C's REMOVE on H, which a slave finishes
 * whatever it was left at and answers with success when C is absent.
 * One it refused (what it found only now: a btrfs subvolume, a mount in
 * C's volume) or never got removed nothing: C, if the job stopped it,
 * runs again; one whose answer was lost may have removed C. */
static int
do_remove(struct job_ctx *c, bool stopped)
{
	const struct job *j = c->job;
	struct msg_ctl a;
	char err[512], e[512];
	int r, s;

	/* a recovery found it there already */
	if (strcmp(j->step, "remove") != 0 && job_step(c, "remove") != 0)
		return job_fail(c, "%s on %s: remove: the inventory refused "
		    "the step", j->container, j->src);
	if ((r = master_ctl(c->m, j->src, j->container, MSG_CTL_REMOVE, 0,
	    forced(c) ? MSG_CTL_FORCE : 0, 0, &a, err, sizeof(err))) != 0) {
		if (!stopped || !master_not_done(r))
			return job_fail(c, "%s on %s: remove: %s", j->container,
			    j->src, err);
		/* a START refused says why (a removal the slave left
		 * unfinished: no config to start) */
		if ((s = start_again(c, e, sizeof(e))) == JOB_START_LEFT)
			return JOB_OUT_LEFT;
		if (s != 0)
			return job_fail(c, "%s on %s: remove: %s; stopped by "
			    "this job, it did not start again (%s): corral "
			    "control %s --start", j->container, j->src, err, e,
			    j->container);
		return job_fail(c, "%s on %s: remove: %s; nothing removed, "
		    "running again", j->container, j->src, err);
	}
	job_note(c, "removed from %s: %s", j->src, a.message);
	(void)job_step(c, "done");
	return JOB_OUT_DONE;
}

/* Cancelled after the stop: C runs again, as it did. */
static int
restart(struct job_ctx *c)
{
	char err[512];

	int s;

	if ((s = start_again(c, err, sizeof(err))) == JOB_START_LEFT)
		return JOB_OUT_LEFT;
	if (s != 0)
		job_note(c, "cancelled after the stop; starting it again "
		    "failed: %s", err);
	return JOB_OUT_CANCELLED;
}

int
remove_run(struct job_ctx *c)
{
	const struct job *j = c->job;
	struct remove_check rc;
	struct msg_ctl a;
	char err[512];

	if (job_step(c, "check") != 0)
		return job_fail(c, "%s on %s: check: the inventory refused "
		    "the step", j->container, j->src);
	if (remove_check(c->m, c->inv, j->container, j->src, forced(c),
	    &rc) != 0)
		return job_fail(c, "%s", rc.why);
	job_note(c, "%s", rc.safe);
	if (job_cancelled(c))
		return JOB_OUT_CANCELLED;
	if (rc.running) {
		if (job_step(c, "stop") != 0)
			return job_fail(c, "%s on %s: stop: the inventory "
			    "refused the step", j->container, j->src);
		if (master_ctl(c->m, j->src, j->container, MSG_CTL_STOP, 0, 0,
		    0, &a, err, sizeof(err)) != 0)
			return job_fail(c, "%s on %s: stop: %s", j->container,
			    j->src, err);
		if (job_cancelled(c))
			return restart(c);
	}
	return do_remove(c, rc.running);
}

int
remove_recover(struct job_ctx *c)
{
	const struct job *j = c->job;
	char err[512];
	int s;

	if (strcmp(j->step, "remove") == 0 || strcmp(j->step, "done") == 0) {
		job_note(c, "resumed: the REMOVE on %s is issued again", j->src);
		/* refused again, C runs again if this job stopped it */
		return do_remove(c, strcmp(j->step, "remove") == 0 &&
		    stopped_by_job(c));
	}
	if (strcmp(j->step, "stop") == 0 || strcmp(j->step, "start") == 0) {
		/* it ran, and the job may have stopped it: as after a
		 * cancel there, it runs again */
		if ((s = start_again(c, err, sizeof(err))) == JOB_START_LEFT)
			return JOB_OUT_LEFT;
		if (s != 0)
			return job_fail(c, "%s on %s: master restarted during "
			    "%s: nothing removed, but it did not start again "
			    "(%s): corral control %s --start", j->container,
			    j->src, j->step, err, j->container);
		return job_fail(c, "%s on %s: master restarted during %s: "
		    "nothing removed, running again", j->container, j->src,
		    j->step);
	}
	job_note(c, "rolled back: stopped before the remove step, %s on %s "
	    "left as it is", j->container, j->src);
	return job_fail(c, "%s on %s: master restarted during %s: nothing "
	    "removed", j->container, j->src, j->step[0] ? j->step : "its start");
}
