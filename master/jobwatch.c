/* corral-master: waiting on a job's progress (a CLI's `corral job
 * --wait`, a mutating command that is not detached); see jobrun.h. */
#include <string.h>

#include "jobrun_int.h"

int
jobrun_watch_open(struct jobrun *r, struct job_watch *w, int64_t id)
{
	int rc = -1;

	memset(w, 0, sizeof(*w));
	w->id = id;
	pthread_mutex_lock(&r->lock);
	if (!r->stopping) {
		r->waiters++;
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void
jobrun_watch_close(struct jobrun *r, struct job_watch *w)
{
	(void)w;
	pthread_mutex_lock(&r->lock);
	r->waiters--;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
}

/* The running slot of id; under the lock. */
static const struct job_slot *
running(const struct jobrun *r, int64_t id)
{
	const struct job_slot *s;

	for (s = r->slots; s != NULL; s = s->next)
		if (s->job.id == id && !s->finished)
			return s;
	return NULL;
}

enum job_watch_result
jobrun_watch(struct jobrun *r, struct job_watch *w, struct job_live *live,
    int64_t deadline_ms)
{
	struct timespec ts = { .tv_sec = deadline_ms / 1000,
	    .tv_nsec = (deadline_ms % 1000) * 1000000 };
	enum job_watch_result res;
	const struct job_slot *s;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (r->stopping) {
			res = JOBW_STOPPING;
			break;
		}
		if ((s = running(r, w->id)) != NULL) {
			/* a new gen: it may have just started */
			if (s->seq != w->seq || w->gen != r->gen) {
				w->seq = s->seq;
				w->gen = r->gen;
				*live = s->live;
				res = JOBW_PROGRESS;
				break;
			}
		} else if (w->gen != r->gen) {
			w->gen = r->gen;
			res = JOBW_CHANGED;
			break;
		}
		if (pthread_cond_timedwait(&r->changed, &r->lock, &ts) != 0) {
			res = JOBW_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return res;
}
