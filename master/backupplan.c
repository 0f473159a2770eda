/* corral-master: a backup run's plan, its jobs and its report
 * (backup.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "jobrun.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "pace.h"

#define WAIT_MS 1000

static void
outcome(struct msg_backup_item *it, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
outcome(struct msg_backup_item *it, const char *what, const char *fmt, ...)
{
	va_list ap;

	snprintf(it->outcome, sizeof(it->outcome), "%s", what);
	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
	va_end(ap);
}

/* Whether ct is on host per the inventory; its state into state. */
static int
on_host(struct cli *c, const char *ct, const char *host, char *state,
    size_t len)
{
	struct msg_ct_rec_list cl = { 0 };
	int on;

	if (inventory_containers(c->inv, ct, host, &cl) != 0)
		return -1;
	on = cl.n > 0;
	if (on)
		snprintf(state, len, "%s", cl.v[0].ct.state);
	msg_ct_rec_list_free(&cl);
	return on;
}

/* One container of the plan into it; 0 to keep it, 1 to leave it out
 * (not on the host asked for). */
static int
plan_one(struct cli *c, const char *ct, enum backup_mode mode,
    const char *want, struct msg_backup_item *it)
{
	char err[512], state[MSG_STATE_MAX] = "";
	int on;

	memset(it, 0, sizeof(*it));
	snprintf(it->ct, sizeof(it->ct), "%s", ct);
	snprintf(it->mode, sizeof(it->mode), "%s",
	    mode == BACKUP_COLD ? "cold" : "hot");
	if (want[0] && (on = on_host(c, ct, want, state, sizeof(state))) <= 0)
		return on == 0 ? 1 : (outcome(it, "refused", "%s",
		    inventory_errmsg(c->inv)), 0);
	/* a name on two hosts is refused even with a host named: their
	 * versions would mix under one name in the store */
	if (cli_locate(c, ct, "", "", it->host, err, sizeof(err)) != 0) {
		it->host[0] = '\0';
		err[strcspn(err, ":")] = '\0';   /* not "name one with" */
		if (strncmp(err, "no container", 12) == 0)
			outcome(it, "missing", "found on no host");
		else
			outcome(it, "refused", "%s", err);
		return 0;
	}
	if (on_host(c, ct, it->host, state, sizeof(state)) < 0) {
		outcome(it, "refused", "%s", inventory_errmsg(c->inv));
		return 0;
	}
	if (mode == BACKUP_COLD && strcmp(state, "stopped") != 0)
		outcome(it, "skipped", "%s on %s: a cold backup is made only "
		    "of a stopped container, and backup never stops one",
		    state, it->host);
	else
		outcome(it, "planned", "%s", "");
	return 0;
}

/* backup.conf as it is now (an edit needs no restart); a missing file is
 * an empty list. */
static int
read_backup_conf(struct master_ctx *m, struct backup_conf *b, char *err,
    size_t errlen)
{
	struct conf_err e;

	memset(b, 0, sizeof(*b));
	if (access(m->conf.backup, F_OK) != 0)
		return 0;
	if (backup_conf_load(m->conf.backup, b, &e) != 0) {
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	return 0;
}

int
backup_plan(struct cli *c, const char *host, char (*names)[PROTO_NAME_MAX],
    size_t n, struct msg_backup_list *out, char *err, size_t errlen)
{
	struct backup_conf b;
	enum backup_mode mode;
	const char *ct;
	size_t i, k, total;

	memset(out, 0, sizeof(*out));
	if (read_backup_conf(c->m, &b, err, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!conf_valid_name(names[i])) {
			snprintf(err, errlen, "'%s' is not a valid container "
			    "name", names[i]);
			backup_conf_free(&b);
			return -1;
		}
	if (host[0] && cli_host_usable(c, host, err, errlen) != 0) {
		backup_conf_free(&b);
		return -1;
	}
	total = n ? n : b.n;
	if (total > 0 && (out->v = calloc(total, sizeof(*out->v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		backup_conf_free(&b);
		return -1;
	}
	cli_refresh(c, host[0] ? host : NULL);
	for (i = 0; i < total; i++) {
		ct = n ? names[i] : b.v[i].name;
		mode = n ? BACKUP_HOT : b.v[i].mode;
		for (k = 0; n && k < b.n; k++)
			if (strcmp(b.v[k].name, ct) == 0)
				mode = b.v[k].mode;
		if (plan_one(c, ct, mode, host, &out->v[out->n]) == 0)
			out->n++;
	}
	backup_conf_free(&b);
	return 0;
}

static uint64_t
result_u64(const char *result, const char *key)
{
	char v[32];

	msg_kv_get(result, key, v, sizeof(v));
	return strtoull(v, NULL, 10);
}

/* What job j came to, into it. */
static void
job_outcome(const struct job *j, struct msg_backup_item *it)
{
	char skip[32];

	if (j->ended > j->started && j->started > 0)
		it->ms = (uint64_t)(j->ended - j->started);
	switch (j->state) {
	case JOB_DONE:
		msg_kv_get(j->result, "skipped", skip, sizeof(skip));
		if (skip[0]) {
			outcome(it, "skipped", "%s on %s: a cold backup is "
			    "made only of a stopped container, and backup "
			    "never stops one", skip, it->host);
			return;
		}
		outcome(it, "done", "%s", "");
		msg_kv_get(j->result, "version", it->version,
		    sizeof(it->version));
		it->files = result_u64(j->result, "files");
		it->bytes = result_u64(j->result, "bytes");
		it->wire = result_u64(j->result, "wire");
		it->stored = result_u64(j->result, "stored");
		return;
	case JOB_FAILED:
		outcome(it, "failed", "%s", j->error);
		return;
	case JOB_CANCELLED:
		outcome(it, "cancelled", "%s", j->error[0] ? j->error :
		    "cancelled");
		return;
	default:
		outcome(it, "failed", "job %" PRId64 " still %s", j->id,
		    job_state_name(j->state));
		return;
	}
}

/* Wait for job id to end, into it, told to news. -1: the master is
 * stopping. */
static int
wait_job(struct cli *c, int64_t id, struct msg_backup_item *it,
    const struct job_news *news)
{
	struct jobrun *jr = c->m->jobs;
	struct job_live live;
	struct job_watch w;
	struct job j;
	int rc = -1;

	if (jobrun_watch_open(jr, &w, id) != 0)
		goto stopping;
	for (;;) {
		switch (jobrun_watch(jr, &w, &live, monotonic_ms() + WAIT_MS)) {
		case JOBW_STOPPING:
			jobrun_watch_close(jr, &w);
			goto stopping;
		case JOBW_CHANGED:
			if (job_get(c->inv, id, &j, NULL, NULL) != 0) {
				outcome(it, "failed", "%s",
				    inventory_errmsg(c->inv));
				rc = 0;
				goto out;
			}
			if (!job_active(j.state)) {
				job_news(news, &j);
				job_outcome(&j, it);
				rc = 0;
				goto out;
			}
			break;
		default:
			break;
		}
	}
out:
	jobrun_watch_close(jr, &w);
	return rc;
stopping:
	outcome(it, "failed", "corral-master stopped; job %" PRId64 " goes "
	    "on at its next start", id);
	return -1;
}

void
backup_queue(struct cli *c, struct msg_backup_list *l,
    const struct job_news *news)
{
	struct msg_backup_item *it;
	int64_t busy;
	struct job j;
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (strcmp(it->outcome, "planned") != 0)
			continue;
		memset(&j, 0, sizeof(j));
		snprintf(j.kind, sizeof(j.kind), "backup");
		snprintf(j.container, sizeof(j.container), "%s", it->ct);
		snprintf(j.src, sizeof(j.src), "%s", it->host);
		snprintf(j.args, sizeof(j.args), "mode=%s", it->mode);
		if ((r = job_add(c->inv, &j, realtime_ms(), &busy)) ==
		    JOB_BUSY) {
			outcome(it, "refused", "job %" PRId64 " is at work on "
			    "it", busy);
			continue;
		}
		if (r != 0) {
			outcome(it, "failed", "%s", inventory_errmsg(c->inv));
			continue;
		}
		job_log(LOG_NOTICE, &j, "queued (%s backup from %s)", it->mode,
		    it->host);
		it->job = j.id;
		snprintf(it->outcome, sizeof(it->outcome), "queued");
		job_news(news, &j);
	}
	jobrun_kick(c->m->jobs);
}

int
backup_execute(struct cli *c, struct msg_backup_list *l,
    const struct job_news *news)
{
	struct msg_backup_item *it;
	size_t i;
	int rc = 0;

	backup_queue(c, l, news);
	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (it->job == 0 || strcmp(it->outcome, "queued") != 0)
			continue;
		if (rc == 0 && wait_job(c, it->job, it, news) != 0)
			rc = -1;
		else if (rc != 0)
			outcome(it, "failed", "corral-master stopped; job %"
			    PRId64 " goes on at its next start", it->job);
	}
	return rc;
}

void
backup_log_report(const struct msg_backup_list *l)
{
	const struct msg_backup_item *it;
	size_t i, done = 0, bad = 0, queued = 0;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (strcmp(it->outcome, "queued") == 0) {
			queued++;       /* detached: its job logs its end */
			continue;
		}
		if (strcmp(it->outcome, "done") == 0) {
			done++;
			log_notice("backup %s from %s (%s): version %s, %" PRIu64
			    " files, %" PRIu64 " bytes sent, %" PRIu64
			    " stored, %" PRIu64 ".%03" PRIu64 " s", it->ct,
			    it->host, it->mode, it->version, it->files,
			    it->wire, it->stored, it->ms / 1000, it->ms % 1000);
			continue;
		}
		if (strcmp(it->outcome, "skipped") != 0)
			bad++;
		log_msg(strcmp(it->outcome, "skipped") == 0 ? LOG_NOTICE :
		    LOG_WARNING, __func__, "backup %s%s%s (%s): %s: %s", it->ct,
		    it->host[0] ? " from " : "", it->host, it->mode,
		    it->outcome, it->reason);
	}
	if (queued)
		log_notice("backup run, detached: %zu containers, %zu queued, "
		    "%zu skipped, %zu failed or refused", l->n, queued,
		    l->n - queued - done - bad, bad);
	else
		log_notice("backup run: %zu containers, %zu backed up, %zu "
		    "skipped, %zu failed or refused", l->n, done,
		    l->n - done - bad, bad);
}

void
backup_nightly(struct master_ctx *m, void *arg)
{
	struct msg_backup_list l = { 0 };
	struct cli c = { .m = m };
	char err[1024];

	(void)arg;
	if ((c.inv = inventory_open(m->conf.inventory, err,
	    sizeof(err))) == NULL) {
		log_error("backup run: %s", err);
		return;
	}
	if (backup_plan(&c, "", NULL, 0, &l, err, sizeof(err)) != 0)
		log_error("backup run: %s", err);
	else {
		(void)backup_execute(&c, &l, NULL);
		backup_log_report(&l);
	}
	msg_backup_list_free(&l);
	inventory_close(c.inv);
}
