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

int
prune_container(struct store *s, const char *ct, const struct keep_policy *p,
    bool dry_run, prune_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_version *v = NULL;
	struct retain_item *in = NULL;
	struct retain_verdict *out = NULL;
	struct msg_prune_rec rec;
	char why[512];
	size_t i, n = 0;
	int rc = -1;

	if (store_versions(s, ct, &v, &n, err, errlen) != 0)
		return -1;
	if (n > 0 && ((in = calloc(n, sizeof(*in))) == NULL ||
	    (out = calloc(n, sizeof(*out))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		in[i].created = v[i].created;
		in[i].verified = v[i].verified != 0;
		in[i].bad = v[i].bad;
	}
	retention_plan(p, in, n, out);
	rc = 0;
	for (i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.ct, sizeof(rec.ct), "%s", ct);
		snprintf(rec.version, sizeof(rec.version), "%s", v[i].name);
		rec.created = (int64_t)v[i].created;
		rec.keep = out[i].keep;
		snprintf(rec.reason, sizeof(rec.reason), "%s", out[i].reason);
		if (!rec.keep && !dry_run) {
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
out:
	free(v);
	free(in);
	free(out);
	return rc;
}
