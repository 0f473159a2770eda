/* Unit tests: retention's verdict on synthetic version lists
 * (master/retention.c): each rule, the boundaries of days, ISO weeks and
 * months in UTC whatever TZ says, bad versions and the newest verified
 * one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "retention.h"

#define MAXV 128

/* A UTC time. */
static time_t
T(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

struct list {
	struct retain_item v[MAXV];
	struct retain_verdict out[MAXV];
	size_t n;
};

static void
add(struct list *l, time_t t, bool verified, bool bad)
{
	assert_true(l->n < MAXV);
	l->v[l->n].created = t;
	l->v[l->n].verified = verified;
	l->v[l->n].bad = bad;
	l->n++;
}

/* "1" for a kept version, "0" for one that goes, oldest first */
static const char *
pattern(struct list *l, const struct keep_policy *p)
{
	static char s[MAXV + 1];
	size_t i;

	retention_plan(p, l->v, l->n, l->out);
	for (i = 0; i < l->n; i++)
		s[i] = l->out[i].keep ? '1' : '0';
	s[l->n] = '\0';
	return s;
}

static void
test_off_keeps_all(void **state)
{
	struct keep_policy p = { 0 };
	struct list l = { .n = 0 };
	int i;

	(void)state;
	assert_false(retention_on(&p));
	for (i = 0; i < 5; i++)
		add(&l, T(2026, 1, 1 + i, 2, 30, 0), false, i == 2);
	assert_string_equal(pattern(&l, &p), "11111");
	assert_string_equal(l.out[0].reason, "retention off");
	/* nothing at all: no crash, nothing written */
	l.n = 0;
	assert_string_equal(pattern(&l, &p), "");
}

static void
test_keep_last(void **state)
{
	struct keep_policy p = { .last = 3 };
	struct list l = { .n = 0 };
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		add(&l, T(2026, 3, 1, i, 0, 0), false, false);
	assert_string_equal(pattern(&l, &p), "000111");
	assert_string_equal(l.out[5].reason, "last 1");
	assert_string_equal(l.out[3].reason, "last 3");
	/* fewer versions than N: all stay */
	p.last = 10;
	assert_string_equal(pattern(&l, &p), "111111");
}

/* the newest of each of the N newest days that have a version; a day
 * without a version does not count */
static void
test_keep_daily(void **state)
{
	struct keep_policy p = { .daily = 3 };
	struct list l = { .n = 0 };

	(void)state;
	add(&l, T(2026, 3, 1, 2, 0, 0), false, false);   /* 0 */
	add(&l, T(2026, 3, 2, 2, 0, 0), false, false);   /* 1 */
	add(&l, T(2026, 3, 2, 14, 0, 0), false, false);  /* 2 newest of 3-02 */
	/* no version on 3-03 */
	add(&l, T(2026, 3, 4, 1, 0, 0), false, false);   /* 3 */
	add(&l, T(2026, 3, 4, 23, 0, 0), false, false);  /* 4 newest of 3-04 */
	add(&l, T(2026, 3, 5, 0, 30, 0), false, false);  /* 5 newest of 3-05 */
	assert_string_equal(pattern(&l, &p), "001011");
	assert_string_equal(l.out[5].reason, "daily 1");
	assert_string_equal(l.out[2].reason, "daily 3");
	/* a longer window reaches 3-01 too */
	p.daily = 4;
	assert_string_equal(pattern(&l, &p), "101011");
}

/* 23:59:59 and 00:00:00 are two days in UTC, whatever TZ says */
static void
test_day_boundary_utc(void **state)
{
	struct keep_policy p = { .daily = 1 };
	static const char *const zones[] = { "UTC", "America/New_York",
	    "Asia/Kolkata", "Pacific/Kiritimati" };
	struct list l = { .n = 0 };
	size_t z;

	(void)state;
	add(&l, T(2026, 6, 1, 23, 59, 59), false, false);
	add(&l, T(2026, 6, 2, 0, 0, 0), false, false);
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		p.daily = 1;
		assert_string_equal(pattern(&l, &p), "01");
		p.daily = 2;
		assert_string_equal(pattern(&l, &p), "11");
	}
	unsetenv("TZ");
	tzset();
	assert_int_equal(retention_day(T(1970, 1, 1, 0, 0, 0)), 0);
	assert_int_equal(retention_day(T(1969, 12, 31, 23, 59, 59)), -1);
}

/* ISO weeks: Monday 00:00 starts one, across a year's end too */
static void
test_week_boundary(void **state)
{
	struct keep_policy p = { .weekly = 1 };
	struct list l = { .n = 0 };

	(void)state;
	/* 2026-12-06 is a Sunday, 12-07 a Monday */
	assert_int_equal(retention_week(T(2026, 12, 6, 23, 59, 59)) + 1,
	    retention_week(T(2026, 12, 7, 0, 0, 0)));
	assert_int_equal(retention_week(T(2026, 12, 7, 0, 0, 0)),
	    retention_week(T(2026, 12, 13, 23, 59, 59)));
	/* Thursday 2026-12-31 and Friday 2027-01-01: one ISO week */
	assert_int_equal(retention_week(T(2026, 12, 31, 12, 0, 0)),
	    retention_week(T(2027, 1, 1, 12, 0, 0)));
	/* 1970-01-01 (Thursday) is in the week of Monday 1969-12-29 */
	assert_int_equal(retention_week(T(1969, 12, 29, 0, 0, 0)),
	    retention_week(T(1970, 1, 4, 23, 59, 59)));
	assert_int_equal(retention_week(T(1969, 12, 28, 23, 59, 59)) + 1,
	    retention_week(T(1969, 12, 29, 0, 0, 0)));

	add(&l, T(2026, 11, 30, 2, 0, 0), false, false);  /* Monday */
	add(&l, T(2026, 12, 6, 23, 59, 59), false, false); /* Sunday */
	add(&l, T(2026, 12, 7, 0, 0, 0), false, false);  /* Monday */
	add(&l, T(2026, 12, 9, 2, 0, 0), false, false);  /* Wednesday */
	assert_string_equal(pattern(&l, &p), "0001");
	p.weekly = 2;
	assert_string_equal(pattern(&l, &p), "0101");
}

static void
test_month_boundary(void **state)
{
	struct keep_policy p = { .monthly = 2 };
	struct list l = { .n = 0 };

	(void)state;
	add(&l, T(2026, 1, 15, 2, 0, 0), false, false);
	add(&l, T(2026, 1, 31, 23, 59, 59), false, false);
	add(&l, T(2026, 2, 1, 0, 0, 0), false, false);
	add(&l, T(2026, 2, 28, 2, 0, 0), false, false);
	assert_string_equal(pattern(&l, &p), "0101");
	assert_int_equal(retention_month(T(2026, 12, 31, 23, 59, 59)) + 1,
	    retention_month(T(2027, 1, 1, 0, 0, 0)));
}

/* the rules together: a version kept by several says so */
static void
test_rules_together(void **state)
{
	struct keep_policy p = { .last = 2, .daily = 2, .weekly = 2,
	    .monthly = 2 };
	struct list l = { .n = 0 };
	int d;

	(void)state;
	/* one a day from 2026-01-01 to 2026-03-31 */
	for (d = 0; d < 31 + 28 + 31; d++)
		add(&l, T(2026, 1, 1, 2, 30, 0) + (time_t)d * 86400, false,
		    false);
	pattern(&l, &p);
	/* 03-31 (Tuesday): last 1, daily 1, weekly 1, monthly 1 */
	assert_string_equal(l.out[l.n - 1].reason,
	    "last 1, daily 1, weekly 1, monthly 1");
	assert_string_equal(l.out[l.n - 2].reason, "last 2, daily 2");
	/* 03-29, the Sunday before: weekly 2 */
	assert_string_equal(l.out[l.n - 3].reason, "weekly 2");
	assert_false(l.out[l.n - 4].keep);
	/* 02-28: monthly 2 */
	assert_string_equal(l.out[31 + 27].reason, "monthly 2");
	assert_false(l.out[0].keep);
}

/* a bad version fills no period: the sound one before it takes it; it
 * goes once a newer sound version is kept, not before */
static void
test_bad_versions(void **state)
{
	struct keep_policy p = { .daily = 1 };
	struct list l = { .n = 0 };

	(void)state;
	add(&l, T(2026, 4, 1, 2, 0, 0), false, false);  /* 0 */
	add(&l, T(2026, 4, 1, 9, 0, 0), false, true);   /* 1 bad, newest 04-01 */
	add(&l, T(2026, 4, 2, 2, 0, 0), false, false);  /* 2 */
	add(&l, T(2026, 4, 3, 2, 0, 0), false, true);   /* 3 bad, newest */
	assert_string_equal(pattern(&l, &p), "0011");
	assert_string_equal(l.out[3].reason, "bad, but no newer sound version");
	assert_string_equal(l.out[2].reason, "daily 1");
	assert_string_equal(l.out[1].reason, "bad");
	p.daily = 2;
	/* 04-01's slot goes to its sound version, not the bad one */
	assert_string_equal(pattern(&l, &p), "1011");
	/* every version bad: all stay, nothing sound to replace them */
	l.v[0].bad = l.v[2].bad = true;
	assert_string_equal(pattern(&l, &p), "1111");
}

/* the newest verified version stays whatever the rules say */
static void
test_newest_verified_kept(void **state)
{
	struct keep_policy p = { .last = 1 };
	struct list l = { .n = 0 };

	(void)state;
	add(&l, T(2026, 5, 1, 2, 0, 0), true, false);   /* older verified */
	add(&l, T(2026, 5, 2, 2, 0, 0), true, false);   /* newest verified */
	add(&l, T(2026, 5, 3, 2, 0, 0), false, false);
	add(&l, T(2026, 5, 4, 2, 0, 0), false, false);
	assert_string_equal(pattern(&l, &p), "0101");
	assert_string_equal(l.out[1].reason, "newest verified");
	/* a verified one that turned bad is no longer "verified" */
	l.v[1].bad = true;
	assert_string_equal(pattern(&l, &p), "1001");
	/* the newest verified is also the one the rule keeps: one reason */
	l.v[1].bad = false;
	l.v[3].verified = true;
	assert_string_equal(pattern(&l, &p), "0001");
	assert_string_equal(l.out[3].reason, "last 1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_keeps_all),
		cmocka_unit_test(test_keep_last),
		cmocka_unit_test(test_keep_daily),
		cmocka_unit_test(test_day_boundary_utc),
		cmocka_unit_test(test_week_boundary),
		cmocka_unit_test(test_month_boundary),
		cmocka_unit_test(test_rules_together),
		cmocka_unit_test(test_bad_versions),
		cmocka_unit_test(test_newest_verified_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
