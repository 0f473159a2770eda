/* corral-master: remove's check step (see kind_remove.h): C on H, its
 * state, and whether C is safe elsewhere. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "inventory.h"
#include "jobs.h"
#include "kind_remove.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "store.h"

MSG_DEC(msg_ct_list)

static int
name_encode(struct cbuf *b, const void *m)
{
	return msg_name_encode(b, m);
}

int
remove_on_host(struct master_ctx *m, const char *ct, const char *host,
    bool *running, char *err, size_t errlen)
{
	struct msg_ct_list l = { 0 };
	size_t i;
	int found = 0;

	if (master_request(m, host, MSG_CT_LIST_REQ, name_encode, ct,
	    MSG_CT_LIST, msg_ct_list_dec, &l, (int)m->conf.timeout, err,
	    errlen) != 0)
		return -1;
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, ct) == 0) {
			found = 1;
			*running = strcmp(l.v[i].state, "stopped") != 0;
		}
	msg_ct_list_free(&l);
	return found;
}

/* A verified, good version of ct in the store: 1 (its name in out), 0. */
static int
in_store(struct master_ctx *m, const char *ct, char *out, size_t len)
{
	struct store_version *v = NULL;
	struct store *s;
	struct stat st;
	char note[256], err[512];
	size_t i, n = 0;
	int found = 0;

	if (stat(m->conf.store, &st) != 0 && errno == ENOENT)
		return 0;
	if ((s = store_open(m->conf.store, note, sizeof(note), err,
	    sizeof(err))) == NULL)
		return 0;
	if (store_versions(s, ct, &v, &n, err, sizeof(err)) == 0)
		for (i = n; i-- > 0 && !found;)
			if (v[i].verified != 0 && !v[i].bad) {
				snprintf(out, len, "%s", v[i].name);
				found = 1;
			}
	free(v);
	store_close(s);
	return found;
}

/* Job kinds that make their container on their dst, and the steps
 * before which they made nothing there. */
static const char *const makers[] = { "move", "put", "restore" };
static const char *const made_nothing[] = { "", "check", "config" };

/* Whether ct on host may be a partial copy: the newest job that made ct
 * there (move, put, restore) failed or was cancelled after it began to
 * make it (a move rolled back with its destination out of reach leaves
 * its copy there).  1 (why in why), 0, -1 (the inventory failed). */
static int
partial_on(struct inventory *inv, const char *ct, const char *host,
    char *why, size_t len)
{
	struct job *v = NULL;
	size_t i, n = 0;
	int r = 0;

	if (job_list(inv, 0, &v, &n) != 0)
		return -1;
	for (i = n; i-- > 0;) {
		if (strcmp(v[i].container, ct) != 0 ||
		    strcmp(v[i].dst, host) != 0 ||
		    !job_name_in(v[i].kind, makers, sizeof(makers) /
		    sizeof(makers[0])))
			continue;
		if ((v[i].state == JOB_FAILED || v[i].state == JOB_CANCELLED) &&
		    !job_name_in(v[i].step, made_nothing, sizeof(made_nothing) /
		    sizeof(made_nothing[0]))) {
			snprintf(why, len, "%s's copy on %s is stopped and may be "
			    "partial (job %lld, %s, %s at %s)", ct, host,
			    (long long)v[i].id, v[i].kind,
			    job_state_name(v[i].state), v[i].step);
			r = 1;
		}
		break;
	}
	free(v);
	return r;
}

/* Another host that has ct per a poll from since on, running or not
 * made by a job that failed: 1 (its name in out), 0 (a host left out
 * for a partial copy in skipped), -1 (the inventory failed, err). */
static int
elsewhere(struct master_ctx *m, struct inventory *inv, const char *ct,
    const char *host, char *out, size_t len, char *skipped, size_t slen,
    char *err, size_t errlen)
{
	struct msg_ct_rec_list l = { 0 };
	int64_t since = (int64_t)time(NULL);
	size_t i;
	int found = 0, p;

	pollers_refresh(m, NULL);
	if (inventory_containers(inv, ct, NULL, &l) != 0) {
		snprintf(err, errlen, "inventory: %s", inventory_errmsg(inv));
		return -1;
	}
	for (i = 0; i < l.n && found == 0; i++) {
		if (strcmp(l.v[i].host, host) == 0 ||
		    strcmp(l.v[i].ct.name, ct) != 0 ||
		    l.v[i].last_seen < since)
			continue;
		p = strcmp(l.v[i].ct.state, "stopped") != 0 ? 0 :
		    partial_on(inv, ct, l.v[i].host, skipped, slen);
		if (p < 0) {
			snprintf(err, errlen, "inventory: %s",
			    inventory_errmsg(inv));
			found = -1;
		} else if (p == 0) {
			snprintf(out, len, "%s", l.v[i].host);
			found = 1;
		}
	}
	msg_ct_rec_list_free(&l);
	return found;
}

int
remove_check(struct master_ctx *m, struct inventory *inv, const char *ct,
    const char *host, bool force, struct remove_check *rc)
{
	char err[512], where[256], skipped[300] = "";
	int r;

	memset(rc, 0, sizeof(*rc));
	if ((r = remove_on_host(m, ct, host, &rc->running, err, sizeof(err))) < 0) {
		snprintf(rc->why, sizeof(rc->why), "%s on %s: not checked: "
		    "%s", ct, host, err);
		return -1;
	}
	if (r == 0) {
		snprintf(rc->why, sizeof(rc->why), "no container %s on %s",
		    ct, host);
		return 1;
	}
	if (rc->running && !force) {
		snprintf(rc->why, sizeof(rc->why), "%s on %s is running: not "
		    "removed (--force stops it first)", ct, host);
		return 1;
	}
	if (force) {
		snprintf(rc->safe, sizeof(rc->safe), "--force: whether %s is "
		    "kept elsewhere is not asked", ct);
		return 0;
	}
	if (in_store(m, ct, where, sizeof(where))) {
		snprintf(rc->safe, sizeof(rc->safe), "the store holds the "
		    "verified version %s of %s", where, ct);
		return 0;
	}
	if ((r = elsewhere(m, inv, ct, host, where, sizeof(where), skipped,
	    sizeof(skipped), err, sizeof(err))) < 0) {
		snprintf(rc->why, sizeof(rc->why), "%s on %s: not checked: "
		    "%s", ct, host, err);
		return -1;
	}
	if (r > 0) {
		snprintf(rc->safe, sizeof(rc->safe), "%s is also on %s", ct,
		    where);
		return 0;
	}
	if (skipped[0] != '\0')
		snprintf(rc->why, sizeof(rc->why), "%s on %s: not removed: %s, "
		    "no other host has it and the store holds no verified "
		    "version of it (--force removes it anyway)", ct, host,
		    skipped);
	else
		snprintf(rc->why, sizeof(rc->why), "%s on %s: not removed: no "
		    "other host has %s and the store holds no verified version "
		    "of it (--force removes it anyway)", ct, host, ct);
	return 1;
}
