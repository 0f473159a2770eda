/* Unit tests: when a daily task is due (master/daily.c), in UTC and
 * across a restart (the last run is what the inventory kept). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "conf.h"
#include "daily.h"

/* 2026-12-06 00:00:00 UTC */
#define DAY0 ((time_t)1796515200)
#define AT(h, m) (DAY0 + (h) * 3600 + (m) * 60)

static void
test_due(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 02:30: not before, yes after, once */
	assert_false(daily_due(150, 0, AT(2, 29)));
	assert_true(daily_due(150, 0, AT(2, 30)));
	assert_true(daily_due(150, 0, AT(23, 59)));  /* the master was down */
	assert_false(daily_due(150, AT(2, 30), AT(2, 31)));
	assert_false(daily_due(150, AT(5, 0), AT(23, 0)));  /* restarted */
	/* the next day again */
	assert_true(daily_due(150, AT(2, 30), AT(24 + 2, 30)));
	assert_false(daily_due(150, AT(2, 30), AT(24 + 2, 29)));
	/* off, and nonsense */
	assert_false(daily_due(-1, 0, AT(12, 0)));
	assert_false(daily_due(1440, 0, AT(12, 0)));
}

static void
test_time_of_day(void **state)
{
	(void)state;
	assert_int_equal(conf_time_of_day("off"), -1);
	assert_int_equal(conf_time_of_day("00:00"), 0);
	assert_int_equal(conf_time_of_day("02:30"), 150);
	assert_int_equal(conf_time_of_day("23:59"), 1439);
	assert_int_equal(conf_time_of_day("24:00"), -2);
	assert_int_equal(conf_time_of_day("2:30"), -2);
	assert_int_equal(conf_time_of_day("02:60"), -2);
	assert_int_equal(conf_time_of_day("02:30x"), -2);
	assert_int_equal(conf_time_of_day(""), -2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_time_of_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
