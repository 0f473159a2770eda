/* Unit tests: when a daily task is due (master/daily.c): at its time of
 * day in UTC, once a day, a missed run made at the next start, nothing
 * when off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "daily.h"

static time_t
T(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

#define AT(h, m) ((h) * 60 + (m))

static void
test_slot(void **state)
{
	(void)state;
	/* before the time of day: yesterday's */
	assert_int_equal(daily_slot(T(2026, 12, 6, 2, 29, 59), AT(2, 30)),
	    T(2026, 12, 5, 2, 30, 0));
	/* at it, to the second: today's */
	assert_int_equal(daily_slot(T(2026, 12, 6, 2, 30, 0), AT(2, 30)),
	    T(2026, 12, 6, 2, 30, 0));
	assert_int_equal(daily_slot(T(2026, 12, 6, 23, 0, 0), AT(2, 30)),
	    T(2026, 12, 6, 2, 30, 0));
	assert_int_equal(daily_next(T(2026, 12, 6, 23, 0, 0), AT(2, 30)),
	    T(2026, 12, 7, 2, 30, 0));
	/* midnight and the last minute; across a year */
	assert_int_equal(daily_slot(T(2027, 1, 1, 0, 0, 0), AT(0, 0)),
	    T(2027, 1, 1, 0, 0, 0));
	assert_int_equal(daily_slot(T(2027, 1, 1, 0, 0, 0), AT(23, 59)),
	    T(2026, 12, 31, 23, 59, 0));
}

/* once a day at its time */
static void
test_due_once_a_day(void **state)
{
	time_t last = T(2026, 12, 5, 2, 30, 4);   /* yesterday's run */

	(void)state;
	assert_false(daily_due(T(2026, 12, 6, 2, 29, 59), AT(2, 30), last));
	assert_true(daily_due(T(2026, 12, 6, 2, 30, 0), AT(2, 30), last));
	/* it ran: not again today */
	last = T(2026, 12, 6, 2, 30, 1);
	assert_false(daily_due(T(2026, 12, 6, 2, 30, 1), AT(2, 30), last));
	assert_false(daily_due(T(2026, 12, 7, 2, 29, 59), AT(2, 30), last));
	assert_true(daily_due(T(2026, 12, 7, 2, 30, 0), AT(2, 30), last));
}

/* the master was down at the slot: the run is made at its start, once
 * however many slots it missed */
static void
test_missed_run(void **state)
{
	time_t last = T(2026, 12, 1, 2, 30, 0);

	(void)state;
	assert_true(daily_due(T(2026, 12, 6, 9, 15, 0), AT(2, 30), last));
	last = T(2026, 12, 6, 9, 15, 0);
	assert_false(daily_due(T(2026, 12, 6, 23, 59, 59), AT(2, 30), last));
	assert_true(daily_due(T(2026, 12, 7, 2, 30, 0), AT(2, 30), last));
	/* down from before the slot to just after: made at the start */
	last = T(2026, 12, 5, 2, 30, 0);
	assert_true(daily_due(T(2026, 12, 6, 2, 31, 0), AT(2, 30), last));
}

/* off, or a bad time: never; a clock set back: not again */
static void
test_off_and_clock(void **state)
{
	(void)state;
	assert_false(daily_due(T(2026, 12, 6, 2, 30, 0), -1, 0));
	assert_false(daily_due(T(2026, 12, 6, 2, 30, 0), 24 * 60, 0));
	/* the last run is in the future (the clock went back): not due
	 * until the slot after it */
	assert_false(daily_due(T(2026, 12, 6, 3, 0, 0), AT(2, 30),
	    T(2026, 12, 7, 2, 30, 0)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot),
		cmocka_unit_test(test_due_once_a_day),
		cmocka_unit_test(test_missed_run),
		cmocka_unit_test(test_off_and_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
