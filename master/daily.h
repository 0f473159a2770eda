/* corral-master: things the master does by itself once a day at a time of
 * corral.conf (backup_at; balance_at alike), even across restarts.
 *
 * The decision is a pure function of three times, so that it is
 * unit-tested on its own (tests/unit/test_daily.c): the schedule's slot
 * (the time of day at, in UTC), now, and the last run, which the
 * inventory keeps per task (table daily_runs).  A run is due when the
 * last one began before the latest slot at or before now: a master down
 * at the slot makes the run when it starts, once, however many slots it
 * missed.  A task never seen before is not run at once: its first start
 * is recorded as if it had run then, and the first run is at the next
 * slot (turning backup_at on at 14:00 does not start a backup at 14:00).
 *
 * Times of day are UTC's: no slot is skipped or doubled when the local
 * clock changes for daylight saving.
 */
#ifndef CORRAL_DAILY_H
#define CORRAL_DAILY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The latest time at or before now whose time of day (UTC) is at minutes
 * after midnight (0..1439). */
time_t daily_slot(time_t now, int at);
/* The first such time after now. */
time_t daily_next(time_t now, int at);
/* Whether a run is due at now: at is a time of day (-1: off, never due)
 * and last, the start of the last run (or when the task was first seen),
 * is before daily_slot(now, at). */
bool daily_due(time_t now, int at, time_t last);

/* ---- the timer (dailyrun.c) ---- */

struct master_ctx;
struct daily;

struct daily_task {
	const char *name;       /* its row in daily_runs: "backup" */
	int at;                 /* minutes after midnight UTC; -1: off */
	/* the run, in the timer's thread; its start is recorded before */
	void (*run)(struct master_ctx *m, void *arg);
	void *arg;
};

/* Start a thread that runs t->run whenever daily_due() says so (checked
 * at least every minute, so a changed clock is seen), recording each
 * run's start in the inventory first.  NULL with err if the inventory
 * cannot be opened or the thread not started; t is copied.  A task
 * that is off starts no thread: returns a stopped handle. */
struct daily *daily_start(struct master_ctx *m, const struct daily_task *t,
    char *err, size_t errlen);
/* Stop the thread (waiting for a run in progress) and free d. */
void daily_stop(struct daily *d);

#endif
