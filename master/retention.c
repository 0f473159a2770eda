/* corral-master: retention's verdict on a version list (retention.h). */
#include <stdio.h>
#include <string.h>

#include "retention.h"

/* floor division: versions before 1970 stay in the right period */
static int64_t
fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
retention_day(time_t t)
{
	return fdiv((int64_t)t, 86400);
}

/* 1970-01-01 was a Thursday: Monday 1969-12-29 is day -3 */
int64_t
retention_week(time_t t)
{
	return fdiv(retention_day(t) + 3, 7);
}

int64_t
retention_month(time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	return ((int64_t)tm.tm_year - 70) * 12 + tm.tm_mon;
}

bool
retention_on(const struct keep_policy *p)
{
	return p->last || p->daily || p->weekly || p->monthly;
}

static void
add_reason(struct retain_verdict *o, const char *fmt, unsigned k)
{
	size_t len = strlen(o->reason);

	if (len > 0 && len < sizeof(o->reason))
		len += (size_t)snprintf(o->reason + len,
		    sizeof(o->reason) - len, ", ");
	if (len < sizeof(o->reason))
		snprintf(o->reason + len, sizeof(o->reason) - len, fmt, k);
	o->keep = true;
}

/* One period rule: the newest sound version of each of the max newest
 * periods that have one (the list walked newest first). */
struct rule {
	const char *name;
	uint32_t max;
	int64_t (*period)(time_t t);
	uint32_t kept;
	int64_t last;           /* the period kept last */
	bool any;
};

void
retention_plan(const struct keep_policy *p, const struct retain_item *v,
    size_t n, struct retain_verdict *out)
{
	struct rule rules[] = {
		{ "daily %u", p->daily, retention_day, 0, 0, false },
		{ "weekly %u", p->weekly, retention_week, 0, 0, false },
		{ "monthly %u", p->monthly, retention_month, 0, 0, false },
	};
	uint32_t last = 0;
	bool newest_verified = false, sound_kept = false;
	size_t i, k, j;
	int64_t per;

	memset(out, 0, n * sizeof(*out));
	if (!retention_on(p)) {
		for (i = 0; i < n; i++) {
			out[i].keep = true;
			snprintf(out[i].reason, sizeof(out[i].reason),
			    "retention off");
		}
		return;
	}
	for (j = n; j-- > 0; ) {
		if (v[j].bad) {
			/* the newest copy there is, if nothing sound newer
			 * is kept */
			if (sound_kept)
				snprintf(out[j].reason, sizeof(out[j].reason),
				    "bad");
			else
				snprintf(out[j].reason, sizeof(out[j].reason),
				    "bad, but no newer sound version");
			out[j].keep = !sound_kept;
			continue;
		}
		if (last < p->last)
			add_reason(&out[j], "last %u", ++last);
		for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
			if (rules[k].kept >= rules[k].max)
				continue;
			per = rules[k].period(v[j].created);
			if (rules[k].any && per == rules[k].last)
				continue;
			rules[k].any = true;
			rules[k].last = per;
			add_reason(&out[j], rules[k].name, ++rules[k].kept);
		}
		if (v[j].verified && !newest_verified) {
			newest_verified = true;
			if (!out[j].keep)
				add_reason(&out[j], "newest verified", 0);
		}
		sound_kept = sound_kept || out[j].keep;
	}
}
