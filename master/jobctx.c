/* corral-master: what a job kind's run and recover call (see jobrun.h):
 * steps, bytes, whether to stop, the error, the log. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"
#include "jobrun_int.h"
#include "log.h"
#include "pace.h"

/* The inventory gets a job's bytes at most this often. */
#define BYTES_WRITE_MS 500

void
job_log(int prio, const struct job *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(prio, __func__, "job %lld %s%s%s: %s", (long long)j->id,
	    j->kind, j->container[0] ? " " : "", j->container, msg);
}

/* Tests kill a slave or cut a link at a given step of a job
 * (tests/integration/move_fault.sh, getput_steps.sh): with
 * CORRAL_TEST_JOB_PAUSE=STEP:N in the master's environment, a job waits
 * N s once it has recorded STEP, before doing it.  A value that starts
 * with '/' names a file holding STEP:N, read at each step: one master
 * serves a test's every step, and a test that empties the file once its
 * fault is placed has the recovery and the rerun go on without a pause.
 * The runner waits so at "admit" too, a job's start before its check of a
 * drained destination (tests/integration/place.sh).  Nothing else reads
 * it. */
void
job_test_pause(const struct job *j, const char *step)
{
	const char *v = getenv("CORRAL_TEST_JOB_PAUSE"), *colon;
	char buf[64];
	FILE *f;
	int n;

	if (v != NULL && v[0] == '/') {
		if ((f = fopen(v, "re")) == NULL)
			return;
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		v = buf;
	}
	if (v == NULL || (colon = strrchr(v, ':')) == NULL ||
	    (size_t)(colon - v) != strlen(step) ||
	    strncmp(v, step, strlen(step)) != 0 || (n = atoi(colon + 1)) <= 0)
		return;
	job_log(LOG_NOTICE, j, "step %s: pausing %d s (CORRAL_TEST_JOB_PAUSE)",
	    step, n);
	sleep((unsigned)n);
}

int
job_step(struct job_ctx *c, const char *step)
{
	struct job_slot *s = c->slot;

	if (job_set_step(c->inv, c->job->id, step, realtime_ms()) != 0) {
		log_error("job %lld: %s", (long long)c->job->id,
		    inventory_errmsg(c->inv));
		return -1;
	}
	job_log(LOG_NOTICE, c->job, "step %s", step);
	pthread_mutex_lock(&c->r->lock);
	snprintf(s->live.step, sizeof(s->live.step), "%s", step);
	s->seq++;
	pthread_cond_broadcast(&c->r->changed);
	pthread_mutex_unlock(&c->r->lock);
	job_test_pause(c->job, step);
	return 0;
}

void
job_bytes(struct job_ctx *c, uint64_t done, uint64_t total)
{
	struct job_slot *s = c->slot;
	int64_t now = monotonic_ms();

	pthread_mutex_lock(&c->r->lock);
	s->live.bytes_done = done;
	s->live.bytes_total = total;
	s->seq++;
	pthread_cond_broadcast(&c->r->changed);
	pthread_mutex_unlock(&c->r->lock);
	c->bytes_dirty = true;
	if (now - c->bytes_at < BYTES_WRITE_MS && done != total)
		return;
	/* a lost update is only a stale figure: the next one repairs it */
	if (job_set_bytes(c->inv, c->job->id, done, total) != 0)
		log_warn("job %lld: %s", (long long)c->job->id,
		    inventory_errmsg(c->inv));
	else
		c->bytes_dirty = false;
	c->bytes_at = now;
}

bool
job_stopping(struct job_ctx *c)
{
	return jobrun_stopping(c->r);
}

bool
job_cancelled(struct job_ctx *c)
{
	bool asked = false;

	if (job_stopping(c))
		return true;
	/* the flag is in the inventory: a cancel from any session */
	if (job_cancel_asked(c->inv, c->job->id, &asked) != 0)
		log_warn("job %lld: %s", (long long)c->job->id,
		    inventory_errmsg(c->inv));
	return asked;
}

int
job_fail(struct job_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return JOB_OUT_FAILED;
}

void
job_note(struct job_ctx *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	job_log(LOG_NOTICE, c->job, "%s", msg);
}
