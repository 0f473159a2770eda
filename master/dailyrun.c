/* corral-master: the timer of a daily task (daily.h): a thread that
 * sleeps until the task is due, records the run's start in the inventory,
 * then runs it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daily.h"
#include "inventory.h"
#include "log.h"
#include "master.h"

/* the longest sleep: a clock set forward is seen within it */
#define DAILY_TICK_S 60

struct daily {
	struct master_ctx *m;
	struct daily_task t;             /* a copy */
	struct inventory *inv;
	pthread_t th;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static const char *
hhmm(int at, char *buf, size_t len)
{
	snprintf(buf, len, "%02d:%02d", at / 60, at % 60);
	return buf;
}

/* Sleep until until (CLOCK_REALTIME) or the stop: true when stopping. */
static bool
sleep_until(struct daily *d, time_t until)
{
	struct timespec ts = { .tv_sec = until, .tv_nsec = 0 };
	bool stop;

	pthread_mutex_lock(&d->lock);
	while (!d->stop && pthread_cond_timedwait(&d->cond, &d->lock,
	    &ts) != ETIMEDOUT)
		;
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static void *
daily_thread(void *arg)
{
	struct daily *d = arg;
	const struct daily_task *t = &d->t;
	int64_t last = 0;
	time_t now, wake;
	char at[16], key[64], when[32];
	bool said = false, ran;
	struct tm tm;
	int r;

	hhmm(t->at, at, sizeof(at));
	/* runs are kept per time of day: a task moved to another time is
	 * first seen again, not "missed" since its last run at the old one */
	snprintf(key, sizeof(key), "%s@%s", t->name, at);
	for (;;) {
		now = time(NULL);
		if ((r = inventory_daily_last(d->inv, key, &last)) < 0) {
			log_error("%s_at %s: %s", t->name, at,
			    inventory_errmsg(d->inv));
		} else if (r == 1) {
			/* first seen: the first run is at the next slot */
			if (inventory_daily_set(d->inv, key, now) != 0)
				log_error("%s_at %s: %s", t->name, at,
				    inventory_errmsg(d->inv));
			last = now;
		}
		ran = false;
		if (r >= 0 && daily_due(now, t->at, (time_t)last)) {
			/* recorded first: a master killed during the run does
			 * not start it again (its jobs are in the queue) */
			if (inventory_daily_set(d->inv, key, now) != 0) {
				log_error("%s_at %s: not run: %s", t->name, at,
				    inventory_errmsg(d->inv));
			} else {
				log_notice("%s_at %s: the daily %s starts%s",
				    t->name, at, t->name,
				    now - daily_slot(now, t->at) > DAILY_TICK_S
				    ? " (missed while the master was down)" :
				    "");
				t->run(d->m, t->arg);
				ran = true;
			}
		}
		now = time(NULL);
		if (!said || ran) {
			/* once decided at start, and after each run */
			const time_t next = daily_next(now, t->at);

			gmtime_r(&next, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
			log_info("%s_at %s: the next daily %s is at %s UTC",
			    t->name, at, t->name, when);
			said = true;
		}
		wake = daily_next(now, t->at);
		if (wake > now + DAILY_TICK_S)
			wake = now + DAILY_TICK_S;
		if (sleep_until(d, wake))
			break;
	}
	return NULL;
}

struct daily *
daily_start(struct master_ctx *m, const struct daily_task *t, char *err,
    size_t errlen)
{
	struct daily *d = calloc(1, sizeof(*d));
	char at[16];

	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->m = m;
	d->t = *t;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if ((d->inv = inventory_open(m->conf.inventory, err, errlen)) == NULL)
		goto fail;
	if (t->at < 0) {
		/* off: its runs are forgotten, so that switched on again it
		 * first runs at the next slot, not at once as if missed */
		if (inventory_daily_forget(d->inv, t->name) != 0)
			log_error("%s_at: %s", t->name,
			    inventory_errmsg(d->inv));
		inventory_close(d->inv);
		d->inv = NULL;
		return d;
	}
	if (pthread_create(&d->th, NULL, daily_thread, d) != 0) {
		snprintf(err, errlen, "%s_at: cannot start its thread",
		    t->name);
		goto fail;
	}
	d->started = true;
	log_info("%s_at %s UTC: the daily %s is on", t->name,
	    hhmm(t->at, at, sizeof(at)), t->name);
	return d;
fail:
	inventory_close(d->inv);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
	return NULL;
}

void
daily_stop(struct daily *d)
{
	if (d == NULL)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->th, NULL);
	}
	inventory_close(d->inv);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}
