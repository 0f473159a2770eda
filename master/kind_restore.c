/* corral-master: the job kind restore.  Without --force, or when the host
 * has no container of that name, it is a put (kind_put.c).  With --force
 * over container C of host H, the old C stays whole until the restored
 * one is complete and verified; T is C-new-ID, A is C-old-ID (ID the
 * job's):
 *   check, volume, copy, config-set  the put, as T; C untouched
 *   verify   T read again against the version by checksum (a dry run of
 *            the same transfer): nothing may differ
 *   stop     C stopped cleanly if it runs (ran=1 in the job's args)
 *   aside    C renamed A (CT_RENAME)
 *   swap     T renamed C
 *   start    C started if the old one ran, or with --start
 *   cleanup  A removed
 *   done
 * Where the old one is, at each step: C up to aside, A from aside until
 * cleanup.  A failure up to verify removes T; at stop, T is removed and C
 * started again if it ran; at swap, or a restored C that does not start,
 * the job swaps back (step swap-back: C renamed T if there, A renamed C
 * and started if it ran, T removed).  A master killed during the job:
 * its recover rolls back up to stop (as above), finishes the swap from
 * aside or swap on (a rename asked again finishes what the slave began),
 * and goes on with swap-back from swap-back.  A failed cleanup leaves A
 * on H, said in the job's error: `corral remove A --host H --force`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobrun.h"
#include "kind_get.h"
#include "kind_put.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "pace.h"
#include "store.h"
#include "storexfer.h"

#define RETRY_WAIT_S 90     /* a host that went away: its restart */
#define RETRY_S 3

/* name on the host: 1 (running set), 0 absent, -1 no answer */
static int
on_host(struct put *pt, const char *name, bool *running)
{
	bool r = false;
	int n = remove_on_host(pt->c->m, name, pt->host, &r, pt->err,
	    sizeof(pt->err));

	if (running != NULL)
		*running = r;
	return n;
}

static int
ctl_on(struct put *pt, const char *name, enum msg_ctl_op op)
{
	struct msg_ctl rep;

	return master_ctl(pt->c->m, pt->host, name, op, 0,
	    op == MSG_CTL_REMOVE ? MSG_CTL_FORCE : 0, 0, &rep, pt->err,
	    sizeof(pt->err)) == 0 ? 0 : -1;
}

/* from renamed to on the host; asked again while the host does not
 * answer (the slave finishes a rename it began), and done already when
 * from is gone and to is there. */
static int
rename_on(struct put *pt, const char *from, const char *to)
{
	int64_t until = monotonic_ms() + RETRY_WAIT_S * 1000;
	struct msg_ctl rep;
	char why[sizeof(pt->err)];
	int a, b;

	for (;;) {
		if (master_rename(pt->c->m, pt->host, from, to, &rep, pt->err,
		    sizeof(pt->err)) == 0)
			return 0;
		snprintf(why, sizeof(why), "%s", pt->err);
		a = on_host(pt, from, NULL);
		b = on_host(pt, to, NULL);
		if (a == 0 && b == 1)
			return 0;
		snprintf(pt->err, sizeof(pt->err), "rename %s to %s: %.800s", from,
		    to, why);
		if ((a >= 0 && b >= 0) || monotonic_ms() >= until)
			return -1;      /* an answer: a refusal */
		job_note(pt->c, "%s on %s; trying again in %d s", pt->err,
		    pt->host, RETRY_S);
		sleep(RETRY_S);
	}
}

/* T removed: what the put made */
static int
drop_tmp(struct put *pt, char *why, size_t len)
{
	pt->name = pt->tmp;
	return put_undo(pt, why, len);
}

/* The old C as it was: T removed, C started again if it ran. */
static int
back_to_old(struct put *pt, const char *step, const char *what,
    bool restart)
{
	char why[512];
	bool running = false;

	if (drop_tmp(pt, why, sizeof(why)) != 0)
		return job_fail(pt->c, "%s on %s: %s; THE ROLL BACK FAILED: %s: "
		    "%s is the old one; remove %s by hand (corral remove %s "
		    "--host %s --force)", step, pt->host, what, why,
		    pt->final, pt->tmp, pt->tmp, pt->host);
	restart = restart && pt->ran;
	if (restart && on_host(pt, pt->final, &running) == 1 && !running &&
	    ctl_on(pt, pt->final, MSG_CTL_START) != 0)
		return job_fail(pt->c, "%s on %s: %s; rolled back: %s is the "
		    "old one, but it did not start again: %s", step, pt->host,
		    what, pt->final, pt->err);
	return job_fail(pt->c, "%s on %s: %s; rolled back: %s is the old one"
	    "%s, nothing of %s left", step, pt->host, what, pt->final,
	    restart ? ", running again" : "", pt->tmp);
}

/* From aside on: A back to C (the restored C, if there, back to T), then
 * as back_to_old.  Again after a kill: each part sees what is done.  The
 * host out of reach, it is asked again until it answers: the old one is
 * A or C then, the restored one C or T, which no admin should have to
 * sort out; a master stopping meanwhile leaves the job to its recovery
 * at the next start. */
static int
swap_back(struct put *pt, const char *what)
{
	char w[sizeof(pt->err)];
	bool running;
	int r;

	snprintf(w, sizeof(w), "%s", what);
	job_step(pt->c, "swap-back");
	for (;;) {
		/* no answer is no "nothing set aside": the old one may be
		 * there */
		if ((r = on_host(pt, pt->aside, NULL)) == 0)
			break;
		if (r == 1 && !(on_host(pt, pt->final, &running) == 1 &&
		    ((running && ctl_on(pt, pt->final, MSG_CTL_STOP) != 0) ||
		    rename_on(pt, pt->final, pt->tmp) != 0)) &&
		    rename_on(pt, pt->aside, pt->final) == 0)
			break;
		if (job_stopping(pt->c)) {
			job_note(pt->c, "swap-back on %s: %s; the old one is %s "
			    "or %s, the restored one %s or %s: the master's "
			    "next start goes on with it", pt->host, pt->err,
			    pt->aside, pt->final, pt->final, pt->tmp);
			return JOB_OUT_LEFT;
		}
		job_note(pt->c, "swap-back on %s: %s; trying again in %d s",
		    pt->host, pt->err, RETRY_S);
		sleep(RETRY_S);
	}
	return back_to_old(pt, "swap-back", w, true);
}

/* From start on: start, cleanup, done.  started: the restored C was
 * started already (a recovery at cleanup or done: it may run and have
 * been written to, and is never swapped back). */
static int
finish(struct put *pt, bool started)
{
	char w[sizeof(pt->err)];

	if ((pt->ran || pt->start) && !started) {
		job_step(pt->c, "start");
		if (put_addrs_free(pt) != JOB_OUT_DONE ||
		    ctl_on(pt, pt->final, MSG_CTL_START) != 0) {
			snprintf(w, sizeof(w), "start of the restored %s: %.800s",
			    pt->final, pt->err);
			return swap_back(pt, w);
		}
	}
	job_step(pt->c, "cleanup");
	if (ctl_on(pt, pt->aside, MSG_CTL_REMOVE) != 0)
		return job_fail(pt->c, "cleanup on %s: %s; %s is restored "
		    "from version %s, the old one is left as %s: corral remove "
		    "%s --host %s --force", pt->host, pt->err, pt->final,
		    pt->version, pt->aside, pt->aside, pt->host);
	put_result(pt, true);
	(void)job_step(pt->c, "done");
	return JOB_OUT_DONE;
}

/* From aside on (aside: C to A not yet known done; swap: only T to C). */
static int
swap(struct put *pt, bool from_aside)
{
	char w[sizeof(pt->err)];

	if (from_aside) {
		job_step(pt->c, "aside");
		job_note(pt->c, "the old %s is %s on %s until the end of the "
		    "job", pt->final, pt->aside, pt->host);
		if (rename_on(pt, pt->final, pt->aside) != 0) {
			snprintf(w, sizeof(w), "%s", pt->err);
			/* no answer: the rename may have been made */
			return on_host(pt, pt->aside, NULL) != 0 ?
			    swap_back(pt, w) : back_to_old(pt, "aside", w, true);
		}
	}
	job_step(pt->c, "swap");
	if (rename_on(pt, pt->tmp, pt->final) != 0) {
		snprintf(w, sizeof(w), "%s", pt->err);
		return swap_back(pt, w);
	}
	return finish(pt, false);
}

/* T against the version, by checksum, changing nothing */
static int
verify(struct put *pt, struct store *s)
{
	struct storexfer_opts o = { .opts = TREE_OPT_CHECKSUM |
	    TREE_OPT_DRY_RUN };
	struct store_reader rd = { .ct_fd = -1, .dir_fd = -1, .rootfs_fd = -1 };
	struct storexfer_result xr;
	char dst[PROTO_NAME_MAX + 1], w[sizeof(pt->err)];
	int r = 0;

	job_step(pt->c, "verify");
	snprintf(dst, sizeof(dst), "@%s", pt->tmp);
	if (store_read_open(s, pt->from, pt->version, &rd, pt->err,
	    sizeof(pt->err)) != 0 ||
	    store_put_tree(pt->c->m, pt->host, rd.rootfs_fd, dst, &o, &xr,
	    pt->err, sizeof(pt->err)) != 0)
		r = -1;
	else if (xr.st.files_changed != 0 || xr.st.deleted != 0) {
		snprintf(pt->err, sizeof(pt->err), "%s differs from version %s "
		    "in %llu of %llu entries (%llu extraneous)", pt->tmp,
		    pt->version, (unsigned long long)xr.st.files_changed,
		    (unsigned long long)xr.st.files,
		    (unsigned long long)xr.st.deleted);
		r = -1;
	}
	if (rd.ct_fd >= 0)
		store_read_close(&rd);
	if (r == 0)
		return 0;
	snprintf(w, sizeof(w), "%s", pt->err);
	return back_to_old(pt, "verify", w, false);
}

/* stop: the old C stopped cleanly if it runs, then the swap */
static int
stop_and_swap(struct put *pt)
{
	char w[sizeof(pt->err)];
	bool running = false;
	int r;

	job_step(pt->c, "stop");
	if ((r = on_host(pt, pt->final, &running)) != 1) {
		snprintf(w, sizeof(w), "%s", r == 0 ? "the old one is gone" :
		    pt->err);
		return back_to_old(pt, "stop", w, true);
	}
	pt->ran = running;
	put_record_args(pt);
	if (running && ctl_on(pt, pt->final, MSG_CTL_STOP) != 0) {
		snprintf(w, sizeof(w), "%s", pt->err);
		return back_to_old(pt, "stop", w, true);
	}
	return swap(pt, true);
}

int
restore_run(struct job_ctx *c)
{
	struct msg_conf_set_req *q;
	struct put pt;
	struct store *s;
	int r;

	put_init(&pt, c);
	if (!pt.force)
		return put_run(c);
	if ((s = job_store_open(c, "check")) == NULL)
		return JOB_OUT_FAILED;
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		store_close(s);
		return job_fail(c, "check: out of memory");
	}
	/* q lives to the start: pt.config is its config */
	r = put_make(&pt, s, q);
	if (r == JOB_OUT_DONE && !pt.force) {
		/* the check found nothing to replace: made as C, as put */
		r = put_finish(&pt);
	} else if (r == JOB_OUT_DONE) {
		if (verify(&pt, s) != 0)
			r = JOB_OUT_FAILED;
		else if (job_cancelled(c)) {
			char why[512];

			r = drop_tmp(&pt, why, sizeof(why)) == 0 ?
			    JOB_OUT_CANCELLED : job_fail(c, "cancelled, THE "
			    "ROLL BACK FAILED: %s: remove %s from %s by hand",
			    why, pt.tmp, pt.host);
		} else
			r = stop_and_swap(&pt);
	}
	free(q);
	store_close(s);
	return r;
}

int
restore_recover(struct job_ctx *c)
{
	const char *step = c->job->step;
	struct put pt;

	put_init(&pt, c);
	if (!pt.force)
		return put_recover(c);
	job_note(c, "master restarted during %s", step[0] ? step : "its start");
	if (step[0] == '\0' || strcmp(step, "check") == 0)
		return job_fail(c, "master restarted during %s: nothing "
		    "changed; run the restore again", step[0] ? step :
		    "its start");
	if (strcmp(step, "aside") == 0)
		return swap(&pt, true);
	if (strcmp(step, "swap") == 0)
		return swap(&pt, false);
	if (strcmp(step, "start") == 0)
		return finish(&pt, false);
	if (strcmp(step, "cleanup") == 0 || strcmp(step, "done") == 0)
		return finish(&pt, true);
	if (strcmp(step, "swap-back") == 0)
		return swap_back(&pt, "master restarted during swap-back");
	/* volume, copy, config-set, verify, stop: C is still the old one
	 * (stopped by the job at stop: started again if it ran) */
	return back_to_old(&pt, step, "master restarted",
	    strcmp(step, "stop") == 0);
}
