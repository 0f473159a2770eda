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

/* The steps of the job kinds that make their container on their dst at
 * which a failure may leave a partial copy there: before, nothing was
 * made; after, the copy is whole (a move's from its start on, a put's
 * once its config is set).  A restore --force makes its copy under
 * another name: the container of that name is whole all along. */
static const char *const move_partial[] = {
	"volume", "config-set", "precopy", "stop", "copy", "verify",
};
static const char *const put_partial[] = { "volume", "copy", "config-set" };

static bool
partial_step(const struct job *j)
{
	char force[8] = "";

	if (strcmp(j->kind, "move") == 0)
		return job_name_in(j->step, move_partial,
		    sizeof(move_partial) / sizeof(move_partial[0]));
	if (strcmp(j->kind, "restore") == 0 &&
	    msg_kv_get(j->args, "force", force, sizeof(force)) != NULL &&
	    strcmp(force, "1") == 0)
		return false;
	if (strcmp(j->kind, "put") == 0 || strcmp(j->kind, "restore") == 0)
		return job_name_in(j->step, put_partial,
		    sizeof(put_partial) / sizeof(put_partial[0]));
	return false;
}

static bool
maker(const char *kind)
{
	return strcmp(kind, "move") == 0 || strcmp(kind, "put") == 0 ||
	    strcmp(kind, "restore") == 0;
}

/* Whether ct on host may be a partial copy: the newest of the jobs v
 * (n, oldest first) that made ct there (move, put, restore) failed or
 * was cancelled at a step that may leave one (a move rolled back with
 * its destination out of reach leaves its copy there).  Why in why. */
static bool
partial_on(const struct job *v, size_t n, const char *ct,
    const char *host, char *why, size_t len)
{
	size_t i;

	for (i = n; i-- > 0;) {
		if (strcmp(v[i].container, ct) != 0 ||
		    strcmp(v[i].dst, host) != 0 || !maker(v[i].kind))
			continue;
		if ((v[i].state != JOB_FAILED &&
		    v[i].state != JOB_CANCELLED) || !partial_step(&v[i]))
			return false;
		snprintf(why, len, "%s's copy on %s may be partial (job %lld, "
		    "%s, %s at %s)", ct, host, (long long)v[i].id, v[i].kind,
		    job_state_name(v[i].state), v[i].step);
		return true;
	}
	return false;
}

/* Another host that has ct per a poll from since on, not a partial copy
 * a failed job left there (running or not: started by hand, it is no
 * whole copy either): 1 (its name in out), 0 (a host left out for a
 * partial copy in skipped), -1 (the inventory failed, err). */
static int
elsewhere(struct master_ctx *m, struct inventory *inv, const char *ct,
    const char *host, char *out, size_t len, char *skipped, size_t slen,
    char *err, size_t errlen)
{
	struct msg_ct_rec_list l = { 0 };
	int64_t since = (int64_t)time(NULL);
	struct job *v = NULL;
	size_t i, n = 0;
	int found = 0;

	pollers_refresh(m, NULL);
	if (inventory_containers(inv, ct, NULL, &l) != 0 ||
	    job_list(inv, 0, &v, &n) != 0) {
		snprintf(err, errlen, "inventory: %s", inventory_errmsg(inv));
		msg_ct_rec_list_free(&l);
		return -1;
	}
	for (i = 0; i < l.n && !found; i++)
		if (strcmp(l.v[i].host, host) != 0 &&
		    strcmp(l.v[i].ct.name, ct) == 0 &&
		    l.v[i].last_seen >= since &&
		    !partial_on(v, n, ct, l.v[i].host, skipped, slen)) {
			snprintf(out, len, "%s", l.v[i].host);
			found = 1;
		}
	free(v);
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
