/* slave/procstat.c: the host's CPU time from /proc/stat's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "procstat.h"

/* The aggregate line, whatever comes before it; guest time not counted
 * twice; iowait idle. */
static void
test_cpu_line(void **state)
{
	uint64_t busy, total;

	(void)state;
	assert_int_equal(procstat_cpu("cpu  10 2 30 400 5 6 7 8 9 1\n"
	    "cpu0 5 1 15 200 2 3 3 4 4 0\nintr 123\n", &busy, &total), 0);
	assert_int_equal(busy, 10 + 2 + 30 + 6 + 7 + 8);
	assert_int_equal(total, busy + 400 + 5);
	/* not first, and without guest fields */
	assert_int_equal(procstat_cpu("intr 1\ncpu 1 0 1 8 0 0 0 0\n", &busy,
	    &total), 0);
	assert_int_equal(busy, 2);
	assert_int_equal(total, 10);
	/* the real file of this machine reads, and busy <= total */
	{
		char text[4096];
		size_t n;
		FILE *f = fopen("/proc/stat", "r");

		assert_non_null(f);
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		assert_int_equal(procstat_cpu(text, &busy, &total), 0);
		assert_true(busy <= total && total > 0);
	}
}

/* No aggregate line, a short one, junk: -1 and zeros. */
static void
test_bad(void **state)
{
	uint64_t busy = 1, total = 1;

	(void)state;
	assert_int_equal(procstat_cpu("", &busy, &total), -1);
	assert_int_equal(busy + total, 0);
	assert_int_equal(procstat_cpu("cpu0 1 2 3 4 5 6 7 8\n", &busy, &total),
	    -1);
	assert_int_equal(procstat_cpu("cpu 1 2 3 4 5 6 7\n", &busy, &total),
	    -1);
	assert_int_equal(procstat_cpu("cpu 1 2 x 4 5 6 7 8\n", &busy, &total),
	    -1);
	assert_int_equal(procstat_cpu("cpu 1 2 3 4 5 6 7 "
	    "99999999999999999999999\n", &busy, &total), -1);
	assert_int_equal(busy + total, 0);
	assert_int_equal(procstat_cpu("xcpu 1 2 3 4 5 6 7 8\n", &busy, &total),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_line),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
