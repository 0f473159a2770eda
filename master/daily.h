/* corral-master: tasks run once a day at a time of day corral.conf gives
 * (balance_at; backup_at may join), once even across restarts: the last
 * run of each is kept in the inventory (daily_runs).  A master that was
 * down at the time runs the task when it starts, the same day. */
#ifndef CORRAL_DAILY_H
#define CORRAL_DAILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct master_ctx;
struct daily;

struct daily_task {
	const char *name;                           /* daily_runs.name */
	/* the time of day in minutes after local midnight, -1 = off */
	int (*at)(const struct master_ctx *m);
	void (*run)(struct master_ctx *m);
};

/* The production tasks, ending with a row of name NULL (dailyrun.c). */
extern const struct daily_task daily_tasks[];

/* Whether a task at minute at (0..1439) of the local day, last run at
 * last (unix seconds, 0 = never), is due at now: once now has passed
 * today's time and the last run is older than it.  (daily.c: no I/O.) */
bool daily_due(int at, int64_t last, time_t now);

/* Start the thread that looks every 30 s at tasks (dailyrun.c); NULL,
 * logged, if it cannot start.  daily_stop waits for a task running. */
struct daily *daily_start(struct master_ctx *m,
    const struct daily_task *tasks);
void daily_stop(struct daily *d);

#endif
