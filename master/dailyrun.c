/* corral-master: the thread of the daily tasks (daily.h) and their
 * table. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "conf.h"
#include "daily.h"
#include "inventory.h"
#include "log.h"
#include "master.h"
#include "placecli.h"
#include "placedb.h"

#define LOOK_S 30

static int
balance_at(const struct master_ctx *m)
{
	return conf_time_of_day(m->conf.balance_at);
}

const struct daily_task daily_tasks[] = {
	{ "balance", balance_at, balance_nightly },
	{ NULL, NULL, NULL },
};

struct daily {
	struct master_ctx *m;
	const struct daily_task *tasks;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

/* Run the tasks due now, each recorded as run before it starts: a task
 * that crashes the master is not run again at every start. */
static void
look(struct daily *d)
{
	const struct daily_task *t;
	struct inventory *inv;
	char err[512];
	int64_t last;
	time_t now = time(NULL);

	if ((inv = inventory_open(d->m->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("daily tasks: %s", err);
		return;
	}
	for (t = d->tasks; t->name != NULL; t++) {
		if (placedb_daily_last(inv, t->name, &last) != 0) {
			log_error("daily %s: %s", t->name,
			    inventory_errmsg(inv));
			continue;
		}
		if (!daily_due(t->at(d->m), last, now))
			continue;
		if (placedb_daily_ran(inv, t->name, (int64_t)now) != 0) {
			log_error("daily %s: %s", t->name,
			    inventory_errmsg(inv));
			continue;
		}
		log_notice("daily %s: starting", t->name);
		t->run(d->m);
	}
	inventory_close(inv);
}

static void *
daily_main(void *arg)
{
	struct daily *d = arg;
	struct timespec ts;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		pthread_mutex_unlock(&d->lock);
		look(d);
		pthread_mutex_lock(&d->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += LOOK_S;
		while (!d->stop && pthread_cond_timedwait(&d->cond, &d->lock,
		    &ts) == 0)
			;
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

struct daily *
daily_start(struct master_ctx *m, const struct daily_task *tasks)
{
	struct daily *d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_error("daily tasks: out of memory");
		return NULL;
	}
	d->m = m;
	d->tasks = tasks;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (pthread_create(&d->thread, NULL, daily_main, d) != 0) {
		log_error("daily tasks: cannot start their thread");
		free(d);
		return NULL;
	}
	return d;
}

void
daily_stop(struct daily *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}
