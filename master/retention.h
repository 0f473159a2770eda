/* corral-master: which versions of a container retention keeps
 * (corral.conf keep_last, keep_daily, keep_weekly, keep_monthly), as a
 * pure function of the version list: no clock, no store, no I/O, so that
 * `corral prune --dry-run`, the prune after each backup and the unit test
 * (tests/unit/test_retention.c) agree by construction.
 *
 * The usual meaning (restic's forget, borg's prune):
 *   keep_last N     the N newest versions;
 *   keep_daily N    the newest version of each of the N newest days that
 *                   have a version; keep_weekly (ISO weeks, from Monday)
 *                   and keep_monthly (calendar months) likewise.
 * Periods are counted among those that have a version, so a container
 * backed up every other day keeps N versions for keep_daily N, not N/2.
 * Days, weeks and months are UTC's, whatever the master's time zone: a
 * version's period does not change with the clock of whoever looks.
 *
 * On top of the rules:
 *   - every rule 0 (the default) is "retention off": nothing goes;
 *   - a bad version (its last check failed) fills no period: the rules
 *     skip it, so a sound one takes its place.  It goes only once a newer
 *     sound version is kept; until then it is kept, being the newest copy
 *     there is, damaged or not;
 *   - the newest verified version (checked good, not bad since) is always
 *     kept, whatever the rules say.
 */
#ifndef CORRAL_RETENTION_H
#define CORRAL_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct keep_policy {
	uint32_t last, daily, weekly, monthly;
};

/* What retention needs to know of a version. */
struct retain_item {
	time_t created;
	bool verified;          /* checked good at least once */
	bool bad;               /* its last check failed */
};

#define RETAIN_REASON_MAX 96

struct retain_verdict {
	bool keep;
	/* why kept ("last 1, daily 1", "newest verified"), or why it goes
	 * when that is not just "no rule keeps it" ("bad") */
	char reason[RETAIN_REASON_MAX];
};

/* Any rule set. */
bool retention_on(const struct keep_policy *p);

/* The verdict on each of v[0..n) into out[0..n).  v is in creation order,
 * oldest first (as store_versions() gives it); equal times keep that
 * order. */
void retention_plan(const struct keep_policy *p, const struct retain_item *v,
    size_t n, struct retain_verdict *out);

/* The period keys, exposed for the test: days since the epoch, ISO weeks
 * since the one of 1970-01-01 (Monday 1969-12-29), months since 1970-01;
 * all UTC. */
int64_t retention_day(time_t t);
int64_t retention_week(time_t t);
int64_t retention_month(time_t t);

#endif
