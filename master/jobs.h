/* corral-master: jobs, the record of every mutating operation (get, put,
 * remove, move, backup, restore, balance) in the inventory's database, so
 * that a job outlives the master that ran it.
 *
 * A job is queued, then running, then done, failed or cancelled; while
 * queued or running it holds its container: a second job of the same
 * container is refused with the first one's id.  A running job passes
 * through named steps, each with its start and end time; a cancel request
 * is a flag the runner reads at its next safe point.  Times are
 * milliseconds since the epoch.  Every function returns 0 or -1 (message
 * in inventory_errmsg()); job_add also returns JOB_BUSY.
 */
#ifndef CORRAL_JOBS_H
#define CORRAL_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct inventory;

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
	JOB_CANCELLED,
};

#define JOB_KIND_MAX   16
#define JOB_STEP_MAX   32
#define JOB_ARGS_MAX   1024    /* the options a runner needs to resume */
#define JOB_ERROR_MAX  512
#define JOB_RESULT_MAX 512     /* what it found: "key=value ..." */
#define JOB_BUSY       1       /* job_add: the container has an active job */

struct job {
	int64_t id;
	char kind[JOB_KIND_MAX];
	char container[PROTO_NAME_MAX];   /* "" for a job of no container */
	char src[PROTO_NAME_MAX];         /* hosts, "" when none */
	char dst[PROTO_NAME_MAX];
	char args[JOB_ARGS_MAX];
	enum job_state state;
	char step[JOB_STEP_MAX];          /* the step it is at or ended in */
	uint64_t bytes_done, bytes_total;
	char error[JOB_ERROR_MAX];
	char result[JOB_RESULT_MAX];      /* set by its kind, "" if none */
	bool cancel;                      /* a cancel was asked for */
	int64_t created, started, ended;  /* 0: not yet */
};

struct job_step {
	char step[JOB_STEP_MAX];
	int64_t started, ended;           /* ended 0: still in it */
};

/* "queued", "running", ...; job_state_parse: 0 or -1. */
const char *job_state_name(enum job_state s);
int job_state_parse(const char *s, enum job_state *out);
/* queued or running */
bool job_active(enum job_state s);
/* Whether name (a kind, a step) is one of the n in v. */
bool job_name_in(const char *name, const char *const *v, size_t n);

/* Queue j (kind, container, src, dst, args); on success j->id, state and
 * created are set.  JOB_BUSY with *busy_id when j->container already has
 * a queued or running job. */
int job_add(struct inventory *inv, struct job *j, int64_t now,
    int64_t *busy_id);
/* queued -> running */
int job_start(struct inventory *inv, int64_t id, int64_t now);
/* End the step in progress (if any) and begin step. */
int job_set_step(struct inventory *inv, int64_t id, const char *step,
    int64_t now);
int job_set_bytes(struct inventory *inv, int64_t id, uint64_t done,
    uint64_t total);
/* A running job's args, as its runner learnt them (what a recover
 * needs: a move records whether its container ran). */
int job_set_args(struct inventory *inv, int64_t id, const char *args);
/* What a running job found, for those who asked for it ("key=value"
 * pairs separated by spaces: get's "version=V files=N ..."). */
int job_set_result(struct inventory *inv, int64_t id, const char *result);
/* An active job ends as done, failed or cancelled (error "" for done);
 * the step in progress ends with it. */
int job_finish(struct inventory *inv, int64_t id, enum job_state state,
    const char *error, int64_t now);
/* running -> queued, as if it had never started (its steps stay on
 * record): a job its runner stopped at a safe point because the master
 * is stopping runs again at the next start. */
int job_requeue(struct inventory *inv, int64_t id, int64_t now);
/* Ask job id to stop: a queued job is cancelled at once, a running one is
 * flagged for its runner.  *state is the job's state after the call; a
 * job that has ended is left as it is. */
int job_cancel(struct inventory *inv, int64_t id, int64_t now,
    enum job_state *state);
/* Whether a cancel was asked for id. */
int job_cancel_asked(struct inventory *inv, int64_t id, bool *asked);

/* Job id and its steps (free *steps); -1 "no job ID" when unknown. */
int job_get(struct inventory *inv, int64_t id, struct job *j,
    struct job_step **steps, size_t *n_steps);
/* Active jobs, and those that ended at or after ended_after (0: every
 * job; INT64_MAX: active only), oldest first; free *v. */
int job_list(struct inventory *inv, int64_t ended_after, struct job **v,
    size_t *n);
/* Forget jobs that ended before t, keeping active ones. */
int job_prune(struct inventory *inv, int64_t before);

#endif
