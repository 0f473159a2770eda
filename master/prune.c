/* corral-master: retention applied to the store (prune.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "msg.h"
#include "prune.h"
#include "store.h"

void
prune_policy(const struct corral_conf *c, struct keep_policy *p)
{
	p->last = c->keep_last;
	p->daily = c->keep_daily;
	p->weekly = c->keep_weekly;
	p->monthly = c->keep_monthly;
}

/* ct's versions into *v (*n) and the plan for them into *out: 0, or -1
 * with err. */
static int
plan(struct store *s, const char *ct, const struct keep_policy *p,
    struct store_version **v, size_t *n, struct retain_verdict **out,
    char *err, size_t errlen)
{
	struct retain_item *in = NULL;
	size_t i;

	*out = NULL;
	if (store_versions(s, ct, v, n, err, errlen) != 0)
		return -1;
	if (*n > 0 && ((in = calloc(*n, sizeof(*in))) == NULL ||
	    (*out = calloc(*n, sizeof(**out))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		free(in);
		free(*v);
		*v = NULL;
		return -1;
	}
	for (i = 0; i < *n; i++) {
		in[i].created = (*v)[i].created;
		in[i].verified = (*v)[i].verified != 0;
		in[i].bad = (*v)[i].bad;
	}
	retention_plan(p, in, *n, *out);
	free(in);
	return 0;
}

/* Whether version still goes by a plan of the store as it is now: a
 * verify that ended since the first plan may have made a kept version
 * bad, and one that goes the newest verified.  1 (goes), 0 (kept: why
 * in reason), -1 (err). */
static int
still_goes(struct store *s, const char *ct, const struct keep_policy *p,
    const char *version, char *reason, size_t len, char *err, size_t errlen)
{
	struct store_version *v = NULL;
	struct retain_verdict *out = NULL;
	size_t i, n = 0;
	int r = 0;

	if (plan(s, ct, p, &v, &n, &out, err, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, version) == 0) {
			r = out[i].keep ? 0 : 1;
			snprintf(reason, len, "%s", out[i].reason);
		}
	free(v);
	free(out);
	return r;
}

int
prune_container(struct store *s, const char *ct, const struct keep_policy *p,
    bool dry_run, prune_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_version *v = NULL;
	struct retain_verdict *out = NULL;
	struct msg_prune_rec rec;
	char why[512];
	size_t i, n = 0;
	int rc = 0, g;

	if (plan(s, ct, p, &v, &n, &out, err, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.ct, sizeof(rec.ct), "%s", ct);
		snprintf(rec.version, sizeof(rec.version), "%s", v[i].name);
		rec.created = (int64_t)v[i].created;
		rec.keep = out[i].keep;
		snprintf(rec.reason, sizeof(rec.reason), "%s", out[i].reason);
		if (!rec.keep && !dry_run &&
		    (g = still_goes(s, ct, p, v[i].name, rec.reason,
		    sizeof(rec.reason), why, sizeof(why))) <= 0) {
			/* kept after all, or not known: it stays */
			rec.keep = g == 0;
			if (g < 0) {
				snprintf(rec.reason, sizeof(rec.reason),
				    "remove failed: %.*s",
				    (int)sizeof(rec.reason) - 16, why);
				rc = 1;
			}
		} else if (!rec.keep && !dry_run) {
			if (store_remove(s, ct, v[i].name, why,
			    sizeof(why)) == 0) {
				rec.removed = 1;
			} else {
				snprintf(rec.reason, sizeof(rec.reason),
				    "remove failed: %.*s",
				    (int)sizeof(rec.reason) - 16, why);
				rc = 1;
			}
		}
		fn(arg, &rec);
	}
	free(v);
	free(out);
	return rc;
}
