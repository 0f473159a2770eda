/* corral-master: the job kind "move": container C from host FROM to host
 * TO, its volume and its config, so that C runs on exactly one host at
 * every moment and on none only between "stop" and "start".
 *
 * Steps: check, config (CT_CONF on FROM: whether C runs, recorded in the
 * job's args as ran=0/1), volume (VOL_CREATE on TO), config-set
 * (CT_CONF_SET on TO: C defined there, never started before the switch),
 * precopy (hot only: rounds from C's snapshot while it runs), stop (if it
 * ran: the downtime starts), copy, verify (--cold only: any other copy
 * is proved by its own end checks, see verify()), start (on TO if it ran:
 * the switch; the downtime ends; C must still be stopped on FROM, see
 * still_stopped_on_from()), remove-source (REMOVE on FROM), done.
 *
 * Before the switch every failure and every cancel rolls back: TO's
 * config and volume go, C starts again on FROM if it ran.  After it, the
 * source copy stays until C runs on TO; a failure to remove it says where
 * C runs and how to finish.  A master killed mid-move: move_recover()
 * rolls back from a step before "start", and at "start" or later finishes
 * once C runs on TO (else rolls back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "codec.h"
#include "jobrun.h"
#include "kind_get.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "tree.h"

MSG_ENC(msg_control_req)
MSG_DEC(msg_control)

#define MIB (1024ull * 1024ull)
#define PRECOPY_ROUNDS 4          /* at most, while C runs */
#define PRECOPY_BYTES (16 * MIB)  /* a round that sent more: another */
#define PRECOPY_FILES 500         /* a round that changed more: another */
#define SETTLE_S 60               /* a host out of reach: asked this long */
#define RUNS_REFUSALS 15          /* TO answering errors: asked this often */

struct move {
	struct job_ctx *c;
	const char *ct, *from, *to;
	bool cold, ran;
	bool autostart;               /* lxc.start.auto on FROM: set on TO
	                                 only at the switch */
	bool auto_off;                /* turned off on FROM by this job at
	                                 its stop: a roll back turns it on */
	bool stopped;                 /* C stopped on FROM by this job */
	/* what of C this job may have made on TO: a roll back removes that
	 * much, never a container of that name that was there before */
	enum { TO_NOTHING, TO_VOLUME, TO_CONFIG } made;
	uint64_t wire;                /* bytes on the wire, every pass */
	char err[1024];
};

static void
on_progress(void *arg, const struct msg_progress *p)
{
	job_bytes(arg, p->bytes_done, p->bytes_total);
}

/* One pass FROM:@C -> TO:@C with opts (TREE_OPT_*); res counted. */
static int
pass(struct move *mv, uint32_t opts, bool progress,
    struct msg_sync_result *res)
{
	struct msg_sync_req q;

	memset(&q, 0, sizeof(q));
	snprintf(q.src_host, sizeof(q.src_host), "%s", mv->from);
	snprintf(q.dst_host, sizeof(q.dst_host), "%s", mv->to);
	snprintf(q.src_path, sizeof(q.src_path), "@%s", mv->ct);
	snprintf(q.dst_path, sizeof(q.dst_path), "@%s", mv->ct);
	/* every pass reads C as it is now: the final one after the stop
	 * must not read an admin's earlier snapshot, or C would move without
	 * what it wrote since */
	q.opts = opts | TREE_OPT_OWN_SNAP;
	if (master_sync_fn(mv->c->m, &q, (uint64_t)mv->c->job->id,
	    progress ? on_progress : NULL,
	    mv->c, res, mv->err, sizeof(mv->err)) != 0)
		return -1;
	mv->wire += res->bytes_on_wire;
	return 0;
}

static int
ctl(struct move *mv, const char *host, enum msg_ctl_op op, uint32_t flags,
    uint64_t bytes, char *err, size_t errlen)
{
	struct msg_ctl rep;

	return master_ctl(mv->c->m, host, mv->ct, op, 0, flags, bytes, &rep,
	    err, errlen);
}

/* ctl(), asked again every 2 s for up to SETTLE_S while it fails: a
 * host whose slave restarts or whose link comes back.  The first failure
 * is noted: the job says what it waits for.  0, or the last try's code
 * (master_request's). */
static int
ctl_settle(struct move *mv, const char *host, enum msg_ctl_op op,
    uint32_t flags, char *err, size_t errlen)
{
	/* by the clock: each try at a host out of reach takes its own
	 * time-out (corral.conf timeout) besides the 2 s between */
	int64_t until = monotonic_ms() + SETTLE_S * 1000LL;
	bool first = true;
	int r;

	for (;;) {
		if ((r = ctl(mv, host, op, flags, 0, err, errlen)) == 0)
			return 0;
		if (monotonic_ms() >= until || job_stopping(mv->c))
			return r;
		if (first)
			job_note(mv->c, "%s on %s: %s; trying again every 2 s "
			    "for up to %d s", msg_ctl_op_name(op), host, err,
			    SETTLE_S);
		first = false;
		sleep(2);
	}
}

/* Ask both slaves' pollers for a round: the inventory learns the move. */
static void
refresh(struct move *mv)
{
	struct master_ctx *m = mv->c->m;
	size_t i;

	pthread_rwlock_rdlock(&m->pollers_lock);
	for (i = 0; i < m->n_pollers; i++)
		if (strcmp(poller_name(m->pollers[i]), mv->from) == 0 ||
		    strcmp(poller_name(m->pollers[i]), mv->to) == 0)
			(void)poller_request(m->pollers[i]);
	pthread_rwlock_unlock(&m->pollers_lock);
}

/* Remove what the job made on TO (mv->made): REMOVE, a config set there
 * and its volume; VOL_DESTROY, a volume alone (it refuses a defined
 * container).  Either finds nothing to do when it is gone.  With settle,
 * a TO out of reach is asked again.  0, or -1 with err. */
static int
clean_to(struct move *mv, bool settle, char *err, size_t errlen)
{
	if (mv->made == TO_CONFIG && (settle ? ctl_settle(mv, mv->to,
	    MSG_CTL_REMOVE, MSG_CTL_FORCE, err, errlen) : ctl(mv, mv->to,
	    MSG_CTL_REMOVE, MSG_CTL_FORCE, 0, err, errlen)) != 0)
		return -1;
	if (mv->made != TO_NOTHING && (settle ? ctl_settle(mv, mv->to,
	    MSG_CTL_VOL_DESTROY, 0, err, errlen) : ctl(mv, mv->to,
	    MSG_CTL_VOL_DESTROY, 0, 0, err, errlen)) != 0)
		return -1;
	return 0;
}

/* LXC's autostart of C on host on or off: 0, or -1 with err. */
static int
set_autostart(struct move *mv, const char *host, bool on, char *err,
    size_t errlen)
{
	struct msg_control_req q;
	struct msg_control rep;

	memset(&q, 0, sizeof(q));
	snprintf(q.ct, sizeof(q.ct), "%s", mv->ct);
	q.autostart = on ? MSG_AUTO_ENABLE : MSG_AUTO_DISABLE;
	q.run = MSG_RUN_KEEP;
	return master_request(mv->c->m, host, MSG_CT_CONTROL_REQ,
	    msg_control_req_enc, &q, MSG_CT_CONTROL, msg_control_dec, &rep,
	    60, err, errlen) == 0 ? 0 : -1;
}

/* C's autostart on host on again (a failure costs no data and is
 * said). */
static void
autostart_on(struct move *mv, const char *host)
{
	char e[512];

	if (set_autostart(mv, host, true, e, sizeof(e)) != 0)
		job_note(mv->c, "autostart not set on %s (%s): corral control "
		    "%s --enable", host, e, mv->ct);
}

/* C back on FROM: its autostart on again if this job turned it off. */
static void
back_autostart(struct move *mv)
{
	if (mv->auto_off)
		autostart_on(mv, mv->from);
}

/* Undo on TO what the job may have made there (its config, its volume)
 * and start C again on FROM if the job stopped it.  A host out of reach
 * (its slave dead, its link cut) is asked again for up to SETTLE_S, and
 * TO must not keep C down on FROM: C never ran on TO before "start", so
 * FROM starts it first and TO is cleaned after; a TO still out of reach
 * keeps its partial copy, named in err with the way to remove it (1).
 * From "start" on (to_may_run) C may run on TO: then FROM never starts
 * it, C must not run twice (-1).  0: all undone; -1: C is not back on
 * FROM, why in err. */
static int
undo(struct move *mv, bool to_may_run, char *err, size_t errlen)
{
	char eto[512];
	bool to_left;

	/* C may run on TO (and have been written to there): nothing of it
	 * is removed, and FROM never starts it */
	if (to_may_run) {
		snprintf(err, errlen, "%s did not say whether %s runs there",
		    mv->to, mv->ct);
		return -1;
	}
	to_left = clean_to(mv, false, eto, sizeof(eto)) != 0;
	back_autostart(mv);
	/* no snapshot is dropped here: a send drops the one it took when it
	 * ends, a slave drops its leftovers at its start, and one there now
	 * may be an admin's, taken between two passes (the pass after it
	 * refused to read it) */
	if (mv->stopped && ctl_settle(mv, mv->from, MSG_CTL_START, 0, err,
	    errlen) != 0)
		return -1;
	if (!to_left || clean_to(mv, true, eto, sizeof(eto)) == 0)
		return 0;
	if (mv->made == TO_VOLUME)
		snprintf(err, errlen, "its volume stays on %s (%s), no container "
		    "defined there: remove it with the storage's own tool "
		    "(lvremove, btrfs subvolume delete, rm -r in the storage "
		    "root) before %s moves there again", mv->to, eto, mv->ct);
	else
		snprintf(err, errlen, "its partial copy stays on %s (%s): "
		    "corral remove %s --host %s --force", mv->to, eto, mv->ct,
		    mv->to);
	return 1;
}

/* The end of a roll back that left TO's partial copy (undo() gave 1). */
static int
left_on_to(struct move *mv, const char *what, const char *why)
{
	return job_fail(mv->c, "%s; rolled back: %s is on %s as before, but "
	    "%s", what, mv->ct, mv->from, why);
}

/* A failure before the switch: roll back and say so (what failed is in
 * mv->err). */
static int
fail_back_as(struct move *mv, const char *step, bool to_may_run)
{
	char why[700], what[1024];
	int r = undo(mv, to_may_run, why, sizeof(why));

	if (r > 0) {
		snprintf(what, sizeof(what), "%s: %.900s", step, mv->err);
		return left_on_to(mv, what, why);
	}
	if (r != 0 && to_may_run)
		return job_fail(mv->c, "%s on %s: %s; THE ROLL BACK FAILED: %s:"
		    " %s MAY RUN ON %s, whose copy is whole and may have been "
		    "written to: start it there if it does not run, then remove "
		    "the stopped copy on %s (corral remove %s --host %s)",
		    step, mv->to, mv->err, why, mv->ct, mv->to, mv->from,
		    mv->ct, mv->from);
	if (r != 0)
		return job_fail(mv->c, "%s: %s; THE ROLL BACK FAILED: %s:"
		    " %s is on %s%s, not on %s: start it there by hand", step,
		    mv->err, why, mv->ct, mv->from, mv->stopped ?
		    " (stopped)" : "", mv->to);
	return job_fail(mv->c, "%s: %s; rolled back: %s is on %s as before",
	    step, mv->err, mv->ct, mv->from);
}

static int
fail_back(struct move *mv, const char *step)
{
	return fail_back_as(mv, step, false);
}

/* The inventory did not record the step: roll back before doing it. */
static int
fail_step(struct move *mv, const char *step)
{
	snprintf(mv->err, sizeof(mv->err), "the inventory did not record "
	    "the step");
	return fail_back(mv, step);
}

/* Whether C runs on TO: 1 yes, 0 no.  TO out of reach (its slave
 * restarting, its link cut) is asked until it answers, whatever the
 * time: C may run there, and nothing else may be done until that is
 * known; a cancel cannot cut it short.  -2: the master stops meanwhile,
 * the job is left at its step for the recovery at the next start, which
 * asks again.  -1, not known: TO is no longer in slaves.conf (how an
 * admin gives up on a host that never comes back), or it answers with
 * an error (C's config unreadable, C gone) for RUNS_REFUSALS tries, or
 * no memory. */
static int
runs_on_to(struct move *mv)
{
	struct msg_conf *conf;
	char why[512];
	unsigned refused = 0;
	bool noted = false;
	int r, rc;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return -1;
	for (;;) {
		if ((rc = master_conf_get(mv->c->m, mv->to, mv->ct, conf, why,
		    sizeof(why))) == 0) {
			r = conf->running != 0;
			break;
		}
		refused = rc == CERR_REMOTE ? refused + 1 : 0;
		if (!master_host_known(mv->c->m, mv->to) ||
		    refused >= RUNS_REFUSALS) {
			job_note(mv->c, "whether %s runs on %s: %s", mv->ct,
			    mv->to, why);
			r = -1;
			break;
		}
		if (job_stopping(mv->c)) {
			job_note(mv->c, "whether %s runs on %s is not known (%s):"
			    " the master's next start asks again", mv->ct,
			    mv->to, why);
			r = -2;
			break;
		}
		if (!noted)
			job_note(mv->c, "whether %s runs on %s: %s; asking again "
			    "every 2 s until it answers", mv->ct, mv->to, why);
		noted = true;
		sleep(2);
	}
	free(conf);
	return r;
}

static int finish(struct move *mv);

/* "start" on TO failed, or its answer was lost: C may run there all
 * the same.  TO is asked until it answers: C runs there, the move goes
 * on (the switch happened); it does not, a roll back is safe.  Until
 * then C is started nowhere; a master stopping meanwhile leaves the job
 * at "start" for its recovery. */
static int
start_failed(struct move *mv, const char *why)
{
	int r = runs_on_to(mv);

	if (r == -2)
		return JOB_OUT_LEFT;
	if (r > 0) {
		job_note(mv->c, "%s (%s), but %s runs on %s: going on", why,
		    mv->err, mv->ct, mv->to);
		return finish(mv);
	}
	return fail_back_as(mv, "start", r < 0);
}

/* A master killed at "start": TO's copy is whole (copied, verified), and
 * C may have run there since, been written to, and stopped; it is never
 * removed.  C runs there: the move goes on; it does not: it is started
 * there, and the move goes on; TO refuses: FROM starts its copy from
 * before the move and TO keeps its own, both named.  A TO that does not
 * answer (to the question, or to the start: it may have started C) is
 * asked until it does; FROM never starts C before. */
static int
recover_start(struct move *mv)
{
	char e[512];
	int r = runs_on_to(mv), rc, tries;

	if (r == -2)
		return JOB_OUT_LEFT;
	if (r < 0) {
		snprintf(mv->err, sizeof(mv->err), "the master restarted");
		return fail_back_as(mv, "start", true);
	}
	if (r > 0) {
		job_note(mv->c, "master restarted during start: %s runs on %s: "
		    "going on", mv->ct, mv->to);
		return finish(mv);
	}
	/* started there, or refused there: an answer.  No answer is not a
	 * refusal: the start may have happened, its answer lost, and FROM
	 * must not start C too: TO is asked again, then started again */
	for (tries = 0; (rc = ctl_settle(mv, mv->to, MSG_CTL_START, 0,
	    mv->err, sizeof(mv->err))) != 0; tries++) {
		/* a refusal leaves it stopped (the slave kills a start that
		 * failed): TO is asked once more, as after any failure */
		if ((r = runs_on_to(mv)) == -2 ||
		    (r == 0 && rc != CERR_REMOTE && job_stopping(mv->c)))
			return JOB_OUT_LEFT;
		if (r < 0 || (r == 0 && rc != CERR_REMOTE &&
		    tries + 1 >= RUNS_REFUSALS))
			return fail_back_as(mv, "start", true);
		if (r > 0) {
			job_note(mv->c, "master restarted during start: %s runs "
			    "on %s (%s): going on", mv->ct, mv->to, mv->err);
			return finish(mv);
		}
		if (rc == CERR_REMOTE)
			break;
		sleep(2);
	}
	if (rc == 0) {
		job_note(mv->c, "master restarted during start: %s started on "
		    "%s: going on", mv->ct, mv->to);
		return finish(mv);
	}
	back_autostart(mv);
	if (ctl_settle(mv, mv->from, MSG_CTL_START, 0, e, sizeof(e)) != 0)
		return job_fail(mv->c, "master restarted during start: %s "
		    "refused to start %s (%s), and so did %s (%s): %s IS "
		    "STOPPED ON BOTH: start one of them by hand, then remove "
		    "the other", mv->to, mv->ct, mv->err, mv->from, e, mv->ct);
	return job_fail(mv->c, "master restarted during start: %s refused to "
	    "start %s (%s); %s runs on %s again, its copy from before the "
	    "move; %s keeps the moved copy, stopped, which may hold what %s "
	    "wrote there: compare them, then corral remove %s --host %s "
	    "--force", mv->to, mv->ct, mv->err, mv->ct, mv->from, mv->to,
	    mv->ct, mv->ct, mv->to);
}

/* A cancel (or the master stopping) at a safe point before the switch. */
static int
cancel_back(struct move *mv)
{
	char why[700];
	int r = undo(mv, false, why, sizeof(why));

	if (r > 0)
		return left_on_to(mv, "cancelled", why);
	if (r != 0)
		return job_fail(mv->c, "cancelled, THE ROLL BACK FAILED: %s: "
		    "%s is on %s%s: start it there by hand", why, mv->ct,
		    mv->from, mv->stopped ? " (stopped)" : "");
	job_note(mv->c, "cancelled: rolled back, %s is on %s as before",
	    mv->ct, mv->from);
	return JOB_OUT_CANCELLED;
}

/* What a killed master's recovery needs (whether C ran: it starts it
 * again on FROM): 0, or -1 noted. */
static int
record_args(struct move *mv)
{
	char args[64];

	snprintf(args, sizeof(args), "cold=%d ran=%d auto=%d", mv->cold,
	    mv->ran, mv->autostart);
	if (job_set_args(mv->c->inv, mv->c->job->id, args) == 0)
		return 0;
	job_note(mv->c, "cannot record args '%s'", args);
	return -1;
}

static bool
arg_set(const char *args, const char *key)
{
	const char *p = strstr(args, key);

	return p != NULL && (p == args || p[-1] == ' ') &&
	    p[strlen(key)] == '1';
}

/* Rounds from C's snapshot while it runs, until one changes little. */
static int
precopy(struct move *mv)
{
	struct msg_sync_result res;
	int round;

	for (round = 1; round <= PRECOPY_ROUNDS; round++) {
		if (pass(mv, 0, true, &res) != 0)
			return -1;
		job_note(mv->c, "precopy round %d: %llu files changed, %llu "
		    "bytes sent", round, (unsigned long long)res.files_changed,
		    (unsigned long long)res.literal_bytes);
		if (res.literal_bytes <= PRECOPY_BYTES &&
		    res.files_changed <= PRECOPY_FILES)
			break;
		if (job_cancelled(mv->c))
			return 1;
	}
	return 0;
}

/* The copy must be whole: a dry run over it by checksum finds nothing to
 * change.  A cold move only: another's dry run would compare by size and
 * time alone (a read of every file would lengthen a hot move's downtime),
 * and that is what its copy pass did already, with more: the receiver
 * installs each file it was sent only if the SHA-256 of what it wrote
 * equals the sender's, and makes the tree's entries exactly the sender's
 * list (what the source lacks deleted).  A pass that returned 0 has done
 * both; one that did not fails the copy and rolls back. */
static int
verify(struct move *mv)
{
	struct msg_sync_result res;
	uint32_t opts = TREE_OPT_DRY_RUN | TREE_OPT_CHECKSUM;

	if (pass(mv, opts, false, &res) != 0)
		return -1;
	if (res.files_changed != 0 || res.deleted != 0) {
		snprintf(mv->err, sizeof(mv->err), "the copy on %s differs "
		    "from %s: %llu files to change, %llu to delete", mv->to,
		    mv->from, (unsigned long long)res.files_changed,
		    (unsigned long long)res.deleted);
		return -1;
	}
	return 0;
}

/* Whether text has lxc.start.auto set (to anything but 0); unless out is
 * NULL, text without that key's lines into out (len bytes; LXC's default
 * is off): a copy on TO is never started by LXC's autostart before the
 * switch (a TO that reboots during the copy would start a partial one).
 * -1 if it does not fit. */
static int
no_autostart(const char *text, char *out, size_t len, bool *on)
{
	const char *line = text, *nl, *p;
	size_t n, used = 0;

	*on = false;
	while (*line != '\0') {
		nl = strchr(line, '\n');
		n = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, "lxc.start.auto", 14) == 0 &&
		    (p[14] == ' ' || p[14] == '\t' || p[14] == '=')) {
			p = strchr(p, '=');
			if (p != NULL) {
				for (p++; *p == ' ' || *p == '\t'; p++)
					;
				*on = *p != '0' && *p != '\n' && *p != '\0';
			}
		} else if (out != NULL) {
			if (used + n >= len)
				return -1;
			memcpy(out + used, line, n);
			used += n;
		}
		line += n;
	}
	if (out != NULL)
		out[used] = '\0';
	return 0;
}

static int
config_set(struct move *mv, const struct msg_conf *conf)
{
	struct msg_conf_set_req *q;
	struct msg_conf_set rep;
	bool on;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(mv->err, sizeof(mv->err), "out of memory");
		return -1;
	}
	snprintf(q->ct, sizeof(q->ct), "%s", mv->ct);
	/* as it is, but for an autostart, off until the switch */
	if (!mv->autostart)
		memcpy(q->config, conf->config, sizeof(q->config));
	else if (no_autostart(conf->config, q->config, sizeof(q->config),
	    &on) != 0) {
		snprintf(mv->err, sizeof(mv->err), "its config is too long "
		    "to carry");
		free(q);
		return -1;
	}
	r = master_conf_set(mv->c->m, mv->to, q, &rep, mv->err,
	    sizeof(mv->err));
	free(q);
	return r == 0 ? 0 : -1;
}

/* From the switch on: the source copy goes once C runs on TO. */
static int
finish(struct move *mv)
{
	char e[512];

	/* the switch made, LXC's autostart of C is TO's now */
	if (mv->autostart)
		autostart_on(mv, mv->to);
	if (job_step(mv->c, "remove-source") != 0)
		return job_fail(mv->c, "remove-source: the inventory refused "
		    "the step; %s is on %s, its stopped copy on %s: corral "
		    "remove %s --host %s", mv->ct, mv->to, mv->from, mv->ct,
		    mv->from);
	if (ctl_settle(mv, mv->from, MSG_CTL_REMOVE, 0, e, sizeof(e)) != 0)
		return job_fail(mv->c, "remove-source on %s: %s; %s IS ON %s "
		    "%s, ITS STOPPED COPY STAYS ON %s: corral remove %s --host "
		    "%s", mv->from, e, mv->ct, mv->to, mv->ran ? "AND RUNS" :
		    "(stopped)", mv->from, mv->ct, mv->from);
	(void)job_step(mv->c, "done");
	job_bytes(mv->c, mv->wire, mv->wire);
	refresh(mv);
	return JOB_OUT_DONE;
}

/* Before the switch: C must still be stopped on FROM.  Started there
 * since (an admin, LXC's autostart on a FROM that rebooted), TO's copy
 * is behind it and a start on TO would run C twice: the move rolls back,
 * leaving C running on FROM (it then starts nothing there).  FROM out of
 * reach: the move goes on, as it would have (its source copy then stays
 * until FROM answers the removal).  0: go on; -1: roll back (mv->err). */
static int
still_stopped_on_from(struct move *mv, struct msg_conf *conf)
{
	char why[512];

	if (master_conf_get(mv->c->m, mv->from, mv->ct, conf, why,
	    sizeof(why)) != 0) {
		job_note(mv->c, "%s did not say whether %s is still stopped "
		    "there (%s): going on", mv->from, mv->ct, why);
		return 0;
	}
	if (conf->running == 0)
		return 0;
	mv->stopped = false;    /* it runs: the roll back starts nothing */
	snprintf(mv->err, sizeof(mv->err), "%s runs on %s again: started "
	    "there since %s, not by this job; the copy on %s is behind it "
	    "and is not started", mv->ct, mv->from, mv->ran ? "the stop" :
	    "the copy began", mv->to);
	return -1;
}

static int
run(struct move *mv, struct msg_conf *conf)
{
	struct job_ctx *c = mv->c;
	struct msg_sync_result res;
	struct msg_ctl rep;
	uint64_t bytes;
	int r;

	job_step(c, "check");
	if (strcmp(mv->from, mv->to) == 0)
		return job_fail(c, "check: %s is on %s already", mv->ct, mv->to);
	job_step(c, "config");
	if (master_conf_get(c->m, mv->from, mv->ct, conf, mv->err,
	    sizeof(mv->err)) != 0)
		return job_fail(c, "config: %s", mv->err);
	job_snap_drop_stale(c, mv->from, mv->ct);
	if (master_snap_held(c->m, mv->from, mv->ct, true, mv->err,
	    sizeof(mv->err)) == 1)
		return job_fail(c, "config: %s; nothing changed", mv->err);
	mv->ran = conf->running != 0;
	(void)no_autostart(conf->config, NULL, 0, &mv->autostart);
	if (record_args(mv) != 0)
		return job_fail(c, "config: the inventory did not record the "
		    "job's arguments; nothing changed");
	if (job_cancelled(c))
		return JOB_OUT_CANCELLED;   /* nothing done yet */
	job_step(c, "volume");
	/* a sized source's (lvm) volume at its size: what it may hold, and
	 * no bigger at each move there and back (a size the slave could not
	 * read: the headroom rule's) */
	bytes = conf->sized && conf->rootfs_bytes > 0 ? conf->rootfs_bytes :
	    master_volume_bytes(conf->rootfs_bytes);
	r = master_ctl(c->m, mv->to, mv->ct, MSG_CTL_VOL_CREATE, 0, 0, bytes,
	    &rep, mv->err, sizeof(mv->err));
	if (master_not_done(r))
		/* refused or never asked: nothing of ours on TO, which may
		 * hold C or its volume */
		return job_fail(c, "volume on %s: %s; nothing changed",
		    mv->to, mv->err);
	mv->made = TO_VOLUME;
	if (r != 0)
		/* asked, and no answer came: the slave may have made it (as
		 * a put's, kind_put.c): the roll back removes it */
		return fail_back(mv, "volume");
	if (job_cancelled(c))
		return cancel_back(mv);
	/* before the stop, out of the downtime: the roll back removes it
	 * with the volume, and it starts there only at the switch */
	job_step(c, "config-set");
	mv->made = TO_CONFIG;
	if (config_set(mv, conf) != 0)
		return fail_back(mv, "config-set");
	if (mv->ran && !mv->cold) {
		job_step(c, "precopy");
		if ((r = precopy(mv)) < 0)
			return fail_back(mv, "precopy");
		if (r > 0 || job_cancelled(c))
			return cancel_back(mv);
	}
	if (mv->ran) {
		/* unrecorded, a killed master's recovery would not know C was
		 * stopped (nor start it again) */
		if (job_step(c, "stop") != 0)
			return fail_step(mv, "stop");
		mv->stopped = true;   /* from here a roll back starts it */
		/* FROM rebooting from here on must not start C there: after
		 * the switch it runs on TO (a roll back turns it on again) */
		mv->auto_off = mv->autostart;
		if ((mv->auto_off && set_autostart(mv, mv->from, false, mv->err,
		    sizeof(mv->err)) != 0) || ctl(mv, mv->from, MSG_CTL_STOP,
		    0, 0, mv->err, sizeof(mv->err)) != 0)
			return fail_back(mv, "stop");
	}
	if (job_cancelled(c))
		return cancel_back(mv);
	job_step(c, "copy");
	if (pass(mv, 0, true, &res) != 0)
		return fail_back(mv, "copy");
	if (mv->cold) {
		job_step(c, "verify");
		if (verify(mv) != 0)
			return fail_back(mv, "verify");
	}
	if (job_cancelled(c))
		return cancel_back(mv);
	if (still_stopped_on_from(mv, conf) != 0)
		return fail_back(mv, mv->cold ? "verify" : "copy");
	if (mv->ran) {
		/* unrecorded, a killed master's recovery would take C on TO
		 * for a copy never started, and remove it */
		if (job_step(c, "start") != 0)
			return fail_step(mv, "start");
		if (ctl(mv, mv->to, MSG_CTL_START, 0, 0, mv->err,
		    sizeof(mv->err)) != 0)
			return start_failed(mv, "start failed");
	}
	return finish(mv);
}

static void
init(struct move *mv, struct job_ctx *c)
{
	memset(mv, 0, sizeof(*mv));
	mv->c = c;
	mv->ct = c->job->container;
	mv->from = c->job->src;
	mv->to = c->job->dst;
	mv->cold = arg_set(c->job->args, "cold=");
	mv->ran = arg_set(c->job->args, "ran=");
	mv->autostart = arg_set(c->job->args, "auto=");
}

int
move_run(struct job_ctx *c)
{
	struct move mv;
	struct msg_conf *conf;
	int r;

	init(&mv, c);
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return job_fail(c, "check: out of memory");
	r = run(&mv, conf);
	free(conf);
	return r;
}

/* Steps after which a killed master's move rolls back. */
static const char *const before_switch[] = {
	"", "check", "config", "volume", "config-set", "precopy", "stop",
	"copy", "verify",
};

/* Steps before which the job made nothing on TO. */
static const char *const made_nothing[] = { "", "check", "config" };

/* Steps at which the job may have stopped C on FROM. */
static const char *const stopped_in[] = {
	"stop", "copy", "verify", "start",
};

static bool
stopped_at(const char *step)
{
	return job_name_in(step, stopped_in, sizeof(stopped_in) /
	    sizeof(stopped_in[0]));
}

static bool
rolls_back(const char *step)
{
	return job_name_in(step, before_switch,
	    sizeof(before_switch) / sizeof(before_switch[0]));
}

int
move_recover(struct job_ctx *c)
{
	struct move mv;
	const char *step = c->job->step;
	char why[700], what[600];
	int r;

	init(&mv, c);
	mv.stopped = mv.ran && stopped_at(step);
	mv.auto_off = mv.stopped && mv.autostart;
	/* before its volume step the job made nothing on TO, which may hold
	 * a container of that name (a move from balance or drain is queued
	 * without the CLI's look there); at it, a volume at most */
	mv.made = job_name_in(step, made_nothing, sizeof(made_nothing) /
	    sizeof(made_nothing[0])) ? TO_NOTHING : strcmp(step, "volume") ==
	    0 ? TO_VOLUME : TO_CONFIG;
	if (strcmp(step, "start") == 0)
		return recover_start(&mv);
	else if (!rolls_back(step)) {
		job_note(c, "master restarted during %s: %s is on %s; "
		    "resuming: removing its source copy", step, mv.ct, mv.to);
		return finish(&mv);
	}
	r = undo(&mv, false, why, sizeof(why));
	if (r > 0) {
		snprintf(what, sizeof(what), "master restarted during %s", step);
		return left_on_to(&mv, what, why);
	}
	if (r != 0)
		return job_fail(c, "master restarted during %s; THE ROLL BACK "
		    "FAILED: %s: %s is on %s%s: start it there by hand", step,
		    why, mv.ct, mv.from, mv.stopped ? " (stopped)" : "");
	job_note(c, "master restarted during %s: rolled back, %s is on %s "
	    "as before%s", step, mv.ct, mv.from, mv.stopped ? " (started "
	    "again)" : "");
	return job_fail(c, "master restarted during %s: rolled back, %s is "
	    "on %s as before", step, mv.ct, mv.from);
}
