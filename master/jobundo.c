/* corral-master: job_undo_made() (kind_remove.h), the roll back of a job
 * that made a container on a host: put's, create's; job_start_again(),
 * remove's of a container it stopped. */
#include <stdio.h>
#include <unistd.h>

#include "cerr.h"
#include "jobrun.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "pace.h"


static int
ctl(struct job_ctx *c, const char *host, const char *ct, enum msg_ctl_op op,
    uint32_t flags, char *err, size_t errlen)
{
	struct msg_ctl rep;

	return master_ctl(c->m, host, ct, op, 0, flags, 0, &rep, err,
	    errlen) == 0 ? 0 : -1;
}

int
job_undo_made(struct job_ctx *c, const char *host, const char *ct,
    char *err, size_t errlen)
{
	int64_t until = monotonic_ms() + JOB_UNDO_WAIT_S * 1000;

	for (;;) {
		if (ctl(c, host, ct, MSG_CTL_REMOVE, MSG_CTL_FORCE, err,
		    errlen) == 0 &&
		    ctl(c, host, ct, MSG_CTL_VOL_DESTROY, 0, err, errlen) == 0)
			return 0;
		if (monotonic_ms() >= until)
			return -1;
		job_note(c, "roll back on %s: %s; trying again in %d s", host,
		    err, JOB_UNDO_RETRY_S);
		sleep(JOB_UNDO_RETRY_S);
	}
}

int
job_start_again(struct job_ctx *c, const char *host, const char *ct,
    char *err, size_t errlen)
{
	int64_t until = monotonic_ms() + JOB_UNDO_WAIT_S * 1000;
	struct msg_ctl rep;
	int r;

	for (;;) {
		/* a refusal is an answer: asked again, it would say the same */
		if ((r = master_ctl(c->m, host, ct, MSG_CTL_START, 0, 0, 0,
		    &rep, err, errlen)) == 0 || r == CERR_REMOTE)
			return r == 0 ? 0 : -1;
		if (job_stopping(c))
			return JOB_START_LEFT;
		if (monotonic_ms() >= until)
			return -1;
		job_note(c, "start on %s: %s; trying again in %d s", host, err,
		    JOB_UNDO_RETRY_S);
		sleep(JOB_UNDO_RETRY_S);
	}
}
