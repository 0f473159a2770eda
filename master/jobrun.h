/* corral-master: the job runner.  Jobs are queued in the inventory
 * (jobs.h); the runner starts them and each kind's code runs them.
 *
 * A kind is one row of a table (struct job_kind): its name (jobs.kind), the
 * function that runs a job of it, and the one that recovers a job a killed
 * master left running.  A scheduler thread starts queued jobs in id order
 * while corral.conf's limits allow (jobs_max running in all, jobs_per_host
 * with a given host as source or destination; a job waiting for its host
 * does not hold back the jobs of other hosts).  Each job runs in a thread
 * of its own with an inventory connection of its own (a JOBK_QUICK kind
 * starts at once, whatever the limits), and reports through
 * its struct job_ctx: steps, bytes, whether to stop.  Every start, step
 * and outcome is logged as "job ID KIND CONTAINER: ...".
 *
 * At start the runner finds what a previous master left: queued jobs stay
 * queued; a running one goes to its kind's recover (which resumes it or
 * rolls it back, and says which) or, for a kind without one, is marked
 * failed "master restarted during STEP".  No job is forgotten.
 */
#ifndef CORRAL_JOBRUN_H
#define CORRAL_JOBRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "jobs.h"

struct inventory;
struct jobrun;
struct job_slot;
struct master_ctx;

/* What run and recover return. */
enum job_outcome {
	JOB_OUT_DONE,       /* finished */
	JOB_OUT_FAILED,     /* stopped by an error, given by job_fail() */
	/* stopped at a safe point after job_cancelled(), the source as it
	 * was before the job */
	JOB_OUT_CANCELLED,
	/* the master is stopping in a step that must be finished (a swap
	 * back; whether a moved container runs on its destination): the job
	 * stays running on record, for its kind's recover at the next
	 * start */
	JOB_OUT_LEFT,
};

struct job_ctx {
	struct master_ctx *m;
	const struct job *job;      /* as it was when it started */
	struct inventory *inv;      /* this job's own connection */
	bool recovering;            /* in recover: the master restarted */
	/* the runner's own */
	struct jobrun *r;
	struct job_slot *slot;
	char error[JOB_ERROR_MAX];
	int64_t bytes_at;           /* monotonic ms of the last bytes write */
	bool bytes_dirty;           /* bytes not written yet */
};

/* One kind of job: a row of the runner's table, which ends with a row of
 * name NULL. */
struct job_kind {
	const char *name;                       /* jobs.kind */
	/* run a job: an enum job_outcome */
	int (*run)(struct job_ctx *c);
	/* a job found running at start (c->job->step: where it was): resume
	 * it to its end, or roll it back to a safe state and end it failed
	 * or cancelled, saying which with job_note(); NULL: the job is
	 * marked failed */
	int (*recover)(struct job_ctx *c);
	unsigned flags;                         /* JOBK_* */
};

/* A kind that changes a setting and moves no data (limit, control): its
 * jobs start whatever jobs_max and jobs_per_host say (they count among
 * the running ones), so that a container's stop never waits behind a
 * pool's transfers. */
#define JOBK_QUICK 1u
/* A kind that brings a container to its dst host (move, put, restore,
 * create): a job of it is refused at its start, before its kind does
 * anything, when dst is drained; a recovery is never refused (it
 * finishes or rolls back what its job began).  A drain names those
 * queued or running toward its host (job_brings_to). */
#define JOBK_TO_DST 2u

/* The production kinds (jobkinds.c). */
extern const struct job_kind job_kinds[];

/* The row of kinds named name, or NULL. */
const struct job_kind *job_kind_find(const struct job_kind *kinds,
    const char *name);
/* Whether j, queued or running, brings a container to host: its kind in
 * kinds is JOBK_TO_DST and its dst is host, and it is no restore --force
 * over its container there now (inv's containers; it replaces that one),
 * as the runner's check of a drained destination decides. */
bool job_brings_to(struct inventory *inv, const struct job_kind *kinds,
    const struct job *j, const char *host);

/* A drain's mark of its host and its look at the jobs toward it, as one
 * step against the jobs' starts: between hold and release no job starts
 * or passes its check of a drained destination, so that a job running
 * but not yet past it (jobrun_unchecked) is refused when it gets there if
 * the host was marked drained meanwhile.  A job that has passed it may
 * arrive.  Never held across a wait on a job. */
void jobrun_checks_hold(struct jobrun *r);
void jobrun_checks_release(struct jobrun *r);
/* Whether job id runs in r and has yet to pass that check (a recovery
 * never has one); false for one r does not run.  Meant under the hold. */
bool jobrun_unchecked(struct jobrun *r, int64_t id);
/* Once the hold is released, wait until job id (seen unchecked) is past
 * that check: 1 refused there (it ends failed, nothing brought), 0 passed
 * it (the host was undrained meanwhile: it runs and may arrive), -1 the
 * runner stops or runs it no more (it ended unseen: ask the inventory). */
int jobrun_check_wait(struct jobrun *r, int64_t id);

/* ---- for a kind's run and recover (jobctx.c) ---- */

/* Record that c's job is now at step (ending the one before), log it and
 * tell those waiting on the job.  0, or -1 (logged) if the inventory
 * refused it. */
int job_step(struct job_ctx *c, const char *step);
/* Bytes done of total in this step: those waiting see every call; the
 * inventory gets them at most every 500 ms, and at the end. */
void job_bytes(struct job_ctx *c, uint64_t done, uint64_t total);
/* Whether the job should stop at this safe point: a cancel was asked for,
 * or the master is stopping (then the job goes back in the queue and runs
 * again at the next start).  Either way, stop as for a cancel. */
bool job_cancelled(struct job_ctx *c);
/* Whether the master is stopping (a cancel aside): a roll back that
 * waits for a host gives up then. */
bool job_stopping(struct job_ctx *c);
/* The job's error (one line, naming what and where); returns
 * JOB_OUT_FAILED. */
int job_fail(struct job_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Log "job ID KIND CONTAINER: ..." at notice (a recover says here whether
 * it resumed or rolled back). */
void job_note(struct job_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Log "job ID KIND CONTAINER: ..." at prio (LOG_NOTICE ...). */
void job_log(int prio, const struct job *j, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the scheduler (jobrun.c) ---- */

/* Recover what a previous master left in m->conf.inventory, then start the
 * scheduler thread over kinds (a table ending with a NULL name).  NULL,
 * with err, if the inventory cannot be opened or read. */
struct jobrun *jobrun_start(struct master_ctx *m, const struct job_kind *kinds,
    char *err, size_t errlen);
/* Stop starting jobs, ask the running ones to stop at their next safe
 * point (back in the queue), and wait for them and (5 s at most) for
 * those waiting on them. */
void jobrun_stop(struct jobrun *r);
/* Free a stopped r: when no CLI session can reach it any longer (at the
 * end of the process). */
void jobrun_free(struct jobrun *r);
/* A job was queued or cancelled: look at the queue now; those waiting on
 * jobs look at theirs (a queued job cancelled has ended). */
void jobrun_kick(struct jobrun *r);
/* New limits (corral.conf's jobs_max and jobs_per_host, re-read on
 * SIGHUP): running jobs go on, the queue is looked at with them now. */
void jobrun_set_limits(struct jobrun *r, unsigned max, unsigned per_host);

/* ---- waiting on a job (jobwatch.c) ---- */

struct job_live {
	char step[JOB_STEP_MAX];
	uint64_t bytes_done, bytes_total;
};

/* One waiter's view of job id (jobrun_watch_open). */
struct job_watch {
	int64_t id;
	uint64_t gen, seq;      /* what it has seen */
};

/* Begin waiting on job id: 0, or -1 when the master is stopping.  Every
 * open is closed: jobrun_stop() waits for the waiters. */
int jobrun_watch_open(struct jobrun *r, struct job_watch *w, int64_t id);
void jobrun_watch_close(struct jobrun *r, struct job_watch *w);

enum job_watch_result {
	JOBW_PROGRESS,          /* running, *live changed since the last call */
	JOBW_CHANGED,           /* not running (queued, or ended): ask the
	                         * inventory; returned again only once
	                         * something changed */
	JOBW_TIMEOUT,           /* nothing by deadline_ms (monotonic) */
	JOBW_STOPPING,          /* the master is stopping */
};

enum job_watch_result jobrun_watch(struct jobrun *r, struct job_watch *w,
    struct job_live *live, int64_t deadline_ms);

#endif
