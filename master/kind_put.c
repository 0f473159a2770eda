/* corral-master: the job kind put (kind_get.h): a container made on a
 * slave from a version of the master's store; restore --force makes it
 * under a temporary name first (kind_restore.c, kind_put.h).
 *
 * The job's container is the name it gets on the host (--as, else its
 * own), dst the host, args "from=C version=V start=0|1 size=N [force=1
 * ran=0|1]" (version "" until the check has found the newest; then
 * recorded).  Until
 * config-set ends, the host has no container of that name (the check saw
 * none and the job holds the name), so the roll back removes what the job
 * made: the config if set, the volume.  From config-set on, the container
 * is whole on the host: its start waits for a host out of reach as the
 * roll back does, and a failure to start it says so and leaves it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addrown.h"
#include "cerr.h"
#include "jobrun.h"
#include "kind_get.h"
#include "kind_put.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "pace.h"
#include "store.h"
#include "storexfer.h"


/* base + suffix within a container name's 63 bytes */
static void
derived_name(char *buf, size_t len, const char *base, const char *what,
    int64_t id)
{
	char suffix[40];
	int keep;

	snprintf(suffix, sizeof(suffix), "-%s-%" PRId64, what, id);
	keep = PROTO_NAME_MAX - 1 - (int)strlen(suffix);
	snprintf(buf, len, "%.*s%s", keep < 1 ? 1 : keep, base, suffix);
}

void
put_init(struct put *pt, struct job_ctx *c)
{
	char v[32];

	memset(pt, 0, sizeof(*pt));
	pt->c = c;
	pt->name = pt->final = c->job->container;
	pt->host = c->job->dst;
	msg_kv_get(c->job->args, "from", pt->from, sizeof(pt->from));
	msg_kv_get(c->job->args, "version", pt->version, sizeof(pt->version));
	msg_kv_get(c->job->args, "start", v, sizeof(v));
	pt->start = strcmp(v, "1") == 0;
	msg_kv_get(c->job->args, "size", v, sizeof(v));
	pt->size = strtoull(v, NULL, 10);
	if (pt->from[0] == '\0')
		snprintf(pt->from, sizeof(pt->from), "%s", pt->name);
	msg_kv_get(c->job->args, "force", v, sizeof(v));
	pt->force = strcmp(v, "1") == 0;
	msg_kv_get(c->job->args, "ran", v, sizeof(v));
	pt->ran = strcmp(v, "1") == 0;
	if (pt->force) {
		derived_name(pt->tmp, sizeof(pt->tmp), pt->final, "new",
		    c->job->id);
		derived_name(pt->aside, sizeof(pt->aside), pt->final, "old",
		    c->job->id);
		pt->name = pt->tmp;
	}
}

void
put_record_args(struct put *pt)
{
	char args[JOB_ARGS_MAX];

	snprintf(args, sizeof(args), "from=%s version=%s start=%d size=%" PRIu64
	    "%s%s", pt->from, pt->version, pt->start, pt->size,
	    pt->force ? " force=1" : "", !pt->force ? "" : pt->ran ?
	    " ran=1" : " ran=0");
	if (job_set_args(pt->c->inv, pt->c->job->id, args) != 0)
		job_note(pt->c, "cannot record args '%s'", args);
}

int
put_ctl(struct put *pt, enum msg_ctl_op op, uint32_t flags, uint64_t bytes,
    char *err, size_t errlen)
{
	struct msg_ctl rep;

	return master_ctl(pt->c->m, pt->host, pt->name, op, 0, flags, bytes,
	    &rep, err, errlen);
}

/* Remove what the job made on the host (job_undo_made: a host that does
 * not answer is asked again). */
int
put_undo(struct put *pt, char *err, size_t errlen)
{
	return job_undo_made(pt->c, pt->host, pt->name, err, errlen);
}

static int
fail_back(struct put *pt, const char *step)
{
	char why[512];

	if (put_undo(pt, why, sizeof(why)) != 0)
		return job_fail(pt->c, "%s on %s: %s; THE ROLL BACK FAILED: %s: "
		    "remove %s from %s by hand (corral remove %s --host %s "
		    "--force)", step, pt->host, pt->err, why, pt->name,
		    pt->host, pt->name, pt->host);
	return job_fail(pt->c, "%s on %s: %s; rolled back: nothing of %s "
	    "left on %s%s%s%s", step, pt->host, pt->err, pt->name, pt->host,
	    pt->force ? ", " : "", pt->force ? pt->final : "",
	    pt->force ? " untouched" : "");
}

static int
cancel_back(struct put *pt)
{
	char why[512];

	if (put_undo(pt, why, sizeof(why)) != 0)
		return job_fail(pt->c, "cancelled, THE ROLL BACK FAILED: %s: "
		    "remove %s from %s by hand", why, pt->name, pt->host);
	job_note(pt->c, "cancelled: rolled back, nothing of %s left on %s",
	    pt->name, pt->host);
	return JOB_OUT_CANCELLED;
}

static int
on_progress(void *arg, const struct msg_progress *p)
{
	struct job_ctx *c = arg;

	job_bytes(c, p->bytes_done, p->bytes_total);
	return job_cancelled(c);
}

/* The volume's size into pt->size: --size, else the version's files (as
 * placement counts them, store_version_need) and the room a move's gets
 * (master_volume_bytes).  A size that cannot be read fails the check: a
 * guessed one could be too small for the copy.  JOB_OUT_DONE, or the job
 * failed. */
static int
volume_bytes(struct put *pt, struct store *s)
{
	uint64_t bytes;

	if (pt->size)
		return JOB_OUT_DONE;
	if (store_version_need(s, pt->from, pt->version, &bytes, NULL,
	    pt->err, sizeof(pt->err)) != 0)
		return job_fail(pt->c, "check: %s; nothing changed", pt->err);
	pt->size = master_volume_bytes(bytes);
	return JOB_OUT_DONE;
}

/* An address of the version's config that another container of the
 * inventory has, running, or configured on it stopped (but the one a
 * restore --force replaces, and its temporary and set-aside names on the
 * host): started, the copy would take it from that one, or have it once
 * both run, which an admin's test restore of a version must never do.  A
 * copy that starts (--start, or a restore --force over one that ran) is
 * refused; else it is said, the first in pt->clash (the job's result:
 * the CLI warns of it).  JOB_OUT_DONE, or the job failed. */
static int
check_addrs(struct put *pt, const char *step)
{
	const char *const skip[] = { pt->final, pt->tmp, pt->aside, NULL };
	struct addr_owner o;
	char who[PROTO_NAME_MAX * 2 + 64];
	size_t pos = 0;
	int r;

	if (pt->config == NULL)
		return JOB_OUT_DONE;
	while ((r = config_addr_owner(pt->c->inv, pt->config, &pos, pt->host,
	    skip, &o, pt->err, sizeof(pt->err))) == 1) {
		if (pt->start || pt->ran)
			return job_fail(pt->c, "%s: %s", step, addr_taken(&o,
			    pt->final, pt->err, sizeof(pt->err)));
		addr_owner_text(&o, who, sizeof(who));
		job_note(pt->c, "%s is the address of %s: change one of them "
		    "before %s starts", o.addr, who, pt->final);
		if (pt->clash.addr[0] == '\0')
			pt->clash = o;  /* the first: the CLI warns of it */
	}
	return r < 0 ? job_fail(pt->c, "%s: %s", step, pt->err) :
	    JOB_OUT_DONE;
}

int
put_addrs_free(struct put *pt)
{
	const char *const skip[] = { pt->final, pt->tmp, pt->aside, NULL };
	char why[sizeof(pt->err)];
	struct addr_owner o;
	size_t pos = 0;

	if (pt->config == NULL || (!pt->start && !pt->ran))
		return JOB_OUT_DONE;
	/* the inventory may have changed during the copy; it may list the
	 * restored one under its temporary name and the old one set aside
	 * (stopped, on the same configured address) */
	if (config_addr_owner(pt->c->inv, pt->config, &pos, pt->host,
	    skip, &o, why, sizeof(why)) != 1)
		return JOB_OUT_DONE;
	addr_taken(&o, pt->final, pt->err, sizeof(pt->err));
	return JOB_OUT_FAILED;
}

/* check: the version readable and not bad, the host without the name. */
static int
check(struct put *pt, struct store *s, struct store_reader *rd,
    struct msg_conf_set_req *q)
{
	bool running;
	int r;

	if (store_read_open(s, pt->from, pt->version[0] ? pt->version : NULL,
	    rd, pt->err, sizeof(pt->err)) != 0)
		return job_fail(pt->c, "check: %s", pt->err);
	snprintf(pt->version, sizeof(pt->version), "%s", rd->version);
	if (rd->bad)
		return job_fail(pt->c, "check: version %s of %s is marked bad "
		    "(its last verify failed, or it has no manifest): name "
		    "another with --version", rd->version, pt->from);
	if (store_read_config(rd, q->config, sizeof(q->config), pt->err,
	    sizeof(pt->err)) != 0)
		return job_fail(pt->c, "check: %s", pt->err);
	pt->config = q->config;
	if (pt->force) {
		r = remove_on_host(pt->c->m, pt->final, pt->host, &running,
		    pt->err, sizeof(pt->err));
		if (r < 0)
			return job_fail(pt->c, "check on %s: %s", pt->host,
			    pt->err);
		pt->ran = r > 0 && running;
		if (r == 0) {
			/* nothing to keep: a plain restore */
			job_note(pt->c, "no %s on %s: --force has nothing to "
			    "replace", pt->final, pt->host);
			pt->force = false;
			pt->name = pt->final;
		}
	}
	if ((r = check_addrs(pt, "check")) != JOB_OUT_DONE)
		return r;
	r = remove_on_host(pt->c->m, pt->name, pt->host, &running, pt->err,
	    sizeof(pt->err));
	if (r < 0)
		return job_fail(pt->c, "check on %s: %s; nothing changed",
		    pt->host, pt->err);
	if (r > 0)
		return job_fail(pt->c, "check: %s has a container %s already; "
		    "nothing changed", pt->host, pt->name);
	if ((r = volume_bytes(pt, s)) != JOB_OUT_DONE)
		return r;
	put_record_args(pt);
	return JOB_OUT_DONE;
}

/* Whether the container runs on the host: 1, 0, or -1 (no answer). */
static int
runs(struct put *pt)
{
	struct msg_conf *conf;
	char why[512];
	int r = -1;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return -1;
	if (master_conf_get(pt->c->m, pt->host, pt->name, conf, why,
	    sizeof(why)) == 0)
		r = conf->running != 0;
	free(conf);
	return r;
}

/* START on the host.  The container is whole there from config-set on:
 * a host out of reach (its slave killed and restarting, its link cut) is
 * asked again for JOB_UNDO_WAIT_S, as a roll back is, so that the put ends
 * with it running rather than stopped and failed (a rerun of the put
 * would then be refused: the name is taken).  A start whose answer was
 * lost but that ran is done; a host that answers and refuses it twice
 * fails it. */
static int
start_settle(struct put *pt)
{
	int64_t until = monotonic_ms() + JOB_UNDO_WAIT_S * 1000;
	bool refused = false;
	int r;

	for (;;) {
		if (put_ctl(pt, MSG_CTL_START, 0, 0, pt->err,
		    sizeof(pt->err)) == 0 || (r = runs(pt)) > 0)
			return 0;
		if (r == 0) {           /* it answers: again once, at once */
			if (refused)
				return -1;
			refused = true;
			continue;
		}
		refused = false;
		if (monotonic_ms() >= until || job_stopping(pt->c))
			return -1;
		job_note(pt->c, "start on %s: %s; trying again in %d s",
		    pt->host, pt->err, JOB_UNDO_RETRY_S);
		sleep(JOB_UNDO_RETRY_S);
	}
}

/* From config-set on: start it if asked, then done. */
int
put_finish(struct put *pt)
{
	if (pt->start) {
		job_step(pt->c, "start");
		if (put_addrs_free(pt) != JOB_OUT_DONE || start_settle(pt) != 0)
			return job_fail(pt->c, "start on %s: %s; %s is on %s, "
			    "made from version %s, stopped", pt->host,
			    pt->err, pt->name, pt->host, pt->version);
	}
	put_result(pt, false);
	(void)job_step(pt->c, "done");
	return JOB_OUT_DONE;
}

void
put_result(struct put *pt, bool replaced)
{
	char text[JOB_RESULT_MAX];

	snprintf(text, sizeof(text), "version=%s from=%s%s", pt->version,
	    pt->from, replaced ? " replaced=1" : "");
	if (pt->clash.addr[0] != '\0' && (msg_kv_put(text, sizeof(text),
	    "taken", pt->clash.addr) != 0 || msg_kv_put(text, sizeof(text),
	    "taken_by", pt->clash.name) != 0 || msg_kv_put(text, sizeof(text),
	    "taken_on", pt->clash.host) != 0))
		job_note(pt->c, "its result has no room for the address "
		    "taken (%s)", pt->clash.addr);
	(void)job_set_result(pt->c->inv, pt->c->job->id, text);
}

int
put_make(struct put *pt, struct store *s, struct msg_conf_set_req *q)
{
	struct storexfer_opts o = { .progress = on_progress, .arg = pt->c };
	struct storexfer_result xr;
	struct store_reader rd = { .ct_fd = -1, .dir_fd = -1, .rootfs_fd = -1 };
	struct msg_conf_set rep;
	char dst[PROTO_NAME_MAX + 1];
	int r;

	job_step(pt->c, "check");
	if ((r = check(pt, s, &rd, q)) != JOB_OUT_DONE)
		goto out;
	if (job_cancelled(pt->c)) {
		r = JOB_OUT_CANCELLED;          /* nothing done yet */
		goto out;
	}
	job_step(pt->c, "volume");
	r = put_ctl(pt, MSG_CTL_VOL_CREATE, 0, pt->size, pt->err,
	    sizeof(pt->err));
	if (master_not_done(r)) {
		/* refused or never asked: a volume of that name there is
		 * not ours */
		r = job_fail(pt->c, "volume on %s: %s; nothing changed",
		    pt->host, pt->err);
		goto out;
	} else if (r != 0) {
		/* asked, and no answer came: the slave may have made it,
		 * and the check saw none of that name, so one there now is
		 * this job's (the roll back waits for the host) */
		r = fail_back(pt, "volume");
		goto out;
	}
	job_step(pt->c, "copy");
	snprintf(dst, sizeof(dst), "@%s", pt->name);
	if (store_put_tree(pt->c->m, pt->host, rd.rootfs_fd, dst, &o, &xr,
	    pt->err, sizeof(pt->err)) != 0) {
		r = job_cancelled(pt->c) ? cancel_back(pt) :
		    fail_back(pt, "copy");
		goto out;
	}
	job_bytes(pt->c, xr.wire_bytes, xr.wire_bytes);
	if (job_cancelled(pt->c)) {
		r = cancel_back(pt);
		goto out;
	}
	job_step(pt->c, "config-set");
	snprintf(q->ct, sizeof(q->ct), "%s", pt->name);
	/* a temporary name is no new name: the one it gets at the swap is
	 * (the slave's rename takes lxc.uts.name along) */
	if (strcmp(pt->final, pt->from) != 0)
		snprintf(q->old, sizeof(q->old), "%s", pt->from);
	if (master_conf_set(pt->c->m, pt->host, q, &rep, pt->err,
	    sizeof(pt->err)) != 0) {
		r = fail_back(pt, "config-set");
		goto out;
	}
	r = JOB_OUT_DONE;
out:
	if (rd.ct_fd >= 0)
		store_read_close(&rd);
	return r;
}

int
put_run(struct job_ctx *c)
{
	struct msg_conf_set_req *q;
	struct put pt;
	struct store *s;
	int r;

	put_init(&pt, c);
	if ((s = job_store_open(c, "check")) == NULL)
		return JOB_OUT_FAILED;
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		store_close(s);
		return job_fail(c, "check: out of memory");
	}
	if ((r = put_make(&pt, s, q)) == JOB_OUT_DONE)
		r = put_finish(&pt);
	free(q);
	store_close(s);
	return r;
}

/* Whether the container is defined on the host (its config there); with
 * wait, a host out of reach is asked again for JOB_UNDO_WAIT_S.  1, or 0
 * with why. */
static int
defined_on_host(struct put *pt, bool wait, char *why, size_t whylen)
{
	int64_t until = monotonic_ms() + JOB_UNDO_WAIT_S * 1000;
	struct msg_conf *conf;
	int r;

	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	while ((r = master_conf_get(pt->c->m, pt->host, pt->name, conf, why,
	    whylen)) != 0 && wait && monotonic_ms() < until &&
	    !job_stopping(pt->c)) {
		job_note(pt->c, "recovery: %s; trying again in %d s", why,
		    JOB_UNDO_RETRY_S);
		sleep(JOB_UNDO_RETRY_S);
	}
	free(conf);
	return r == 0;
}

/* A master killed mid-put: before config-set ended the host has only what
 * this job made (rolled back); from there the container is whole (the
 * job finishes: starts it if asked).  From "start" on it may run and be
 * written to: it is never rolled back, only finished, or left as it is
 * when its host does not answer. */
int
put_recover(struct job_ctx *c)
{
	struct put pt;
	const char *step = c->job->step;
	char why[512];
	bool whole, defined = false;

	put_init(&pt, c);
	/* the host had nothing of the job yet, and may have a container of
	 * that name that the check would have refused */
	if (step[0] == '\0' || strcmp(step, "check") == 0)
		return job_fail(c, "master restarted during %s: nothing "
		    "changed; run the put again", step[0] ? step : "its start");
	whole = strcmp(step, "start") == 0 || strcmp(step, "done") == 0;
	if (whole || strcmp(step, "config-set") == 0)
		defined = defined_on_host(&pt, whole, why, sizeof(why));
	if (whole && !defined)
		return job_fail(c, "master restarted during %s: %s was made "
		    "on %s from version %s, which did not answer (%s): nothing "
		    "undone; see corral scan", step, pt.name, pt.host,
		    pt.version, why);
	if (defined) {
		job_note(c, "master restarted during %s: %s is made on %s; "
		    "resuming", step, pt.name, pt.host);
		return put_finish(&pt);
	}
	if (put_undo(&pt, why, sizeof(why)) != 0)
		return job_fail(c, "master restarted during %s; THE ROLL BACK "
		    "FAILED: %s: remove %s from %s by hand", step, why,
		    pt.name, pt.host);
	job_note(c, "master restarted during %s: rolled back, nothing of %s "
	    "left on %s", step, pt.name, pt.host);
	return job_fail(c, "master restarted during %s: rolled back, nothing "
	    "of %s left on %s", step, pt.name, pt.host);
}
