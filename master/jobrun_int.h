/* corral-master: the job runner's state, shared by its parts (jobrun.c the
 * scheduler, jobctx.c what a kind calls, jobwatch.c the waiters).  Private
 * to them. */
#ifndef CORRAL_JOBRUN_INT_H
#define CORRAL_JOBRUN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "jobrun.h"

/* A job the runner started, until the scheduler joins its thread. */
struct job_slot {
	struct job job;
	const struct job_kind *kind;
	struct inventory *inv;          /* the job thread's */
	pthread_t th;
	bool recovering;
	bool checked;                   /* past its check of a drained dst
					 * (a recovery: none), under the lock */
	bool refused;                   /* by that check, under the lock */
	bool finished;                  /* ended in the inventory */
	struct job_live live;           /* under the lock */
	uint64_t seq;                   /* bumped with live */
	struct jobrun *r;
	struct job_slot *next;
};

struct jobrun {
	struct master_ctx *m;
	const struct job_kind *kinds;
	unsigned max, per_host;
	struct inventory *inv;          /* the scheduler's */
	pthread_t th;
	pthread_mutex_t lock;
	/* a job's start up to its check of a drained dst, and a drain's
	 * mark and look at the jobs: one at a time (taken before lock) */
	pthread_mutex_t admit;
	pthread_cond_t wake;            /* the scheduler: kick, end, stop */
	pthread_cond_t changed;         /* waiters: progress, a start, an end */
	struct job_slot *slots;
	uint64_t gen;                   /* bumped when a job starts or ends */
	bool kicked;
	bool stopping;
	int64_t pruned_at;              /* realtime ms of the last job_prune */
	int64_t recover_at;             /* monotonic ms: recoveries that could
					 * not start are tried again; 0 none */
	unsigned waiters;               /* in jobrun_watch() */
};

/* Tell the waiters (and the scheduler) that something changed; under the
 * lock. */
void jobrun_changed(struct jobrun *r);
/* CORRAL_TEST_JOB_PAUSE's wait of job j before step (jobctx.c). */
void job_test_pause(const struct job *j, const char *step);
/* Whether the runner is stopping (takes the lock). */
bool jobrun_stopping(struct jobrun *r);

#endif
