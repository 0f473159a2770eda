/* Unit tests: printable, bounded copies of untrusted strings
 * (proto/escape.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

static void
test_printable_unchanged(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(str_escape(out, sizeof(out), "root"), 4);
	assert_string_equal(out, "root");
	assert_int_equal(str_escape(out, sizeof(out), "a b~!\"'"), 7);
	assert_string_equal(out, "a b~!\"'");
	assert_int_equal(str_escape(out, sizeof(out), ""), 0);
	assert_string_equal(out, "");
	str_escape(out, sizeof(out), NULL);
	assert_string_equal(out, "(null)");
	/* the inline form returns its buffer, or "" for none */
	assert_ptr_equal(str_escaped(out, sizeof(out), "a\tb"), out);
	assert_string_equal(out, "a\\x09b");
	assert_string_equal(str_escaped(NULL, 0, "abc"), "");
}

/* The case: a user name that would write a second log line. */
static void
test_forged_log_line(void **state)
{
	char out[128];

	(void)state;
	str_escape(out, sizeof(out),
	    "x\ncorral-slave: 10.0.0.1: authenticated\r");
	assert_string_equal(out,
	    "x\\x0acorral-slave: 10.0.0.1: authenticated\\x0d");
	assert_null(strchr(out, '\n'));
	str_escape(out, sizeof(out), "\x1b[2J\x7f\t");
	assert_string_equal(out, "\\x1b[2J\\x7f\\x09");
}

static void
test_backslash_and_high_bytes(void **state)
{
	char out[64];

	(void)state;
	/* a literal "\x41" must not read back as 'A' */
	str_escape(out, sizeof(out), "\\x41");
	assert_string_equal(out, "\\\\x41");
	str_escape(out, sizeof(out), "caf\xc3\xa9\xff");
	assert_string_equal(out, "caf\\xc3\\xa9\\xff");
}

static void
test_mem_with_nul(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(mem_escape(out, sizeof(out), "a\0b", 3), 6);
	assert_string_equal(out, "a\\x00b");
	assert_int_equal(mem_escape(out, sizeof(out), "", 0), 0);
	assert_string_equal(out, "");
}

/* Bounded: always terminated, never half an escape, "..." when cut,
 * and the return says how long the whole would be. */
static void
test_truncation(void **state)
{
	char out[8];
	size_t i;

	(void)state;
	assert_int_equal(str_escape(out, sizeof(out), "abcdefghij"), 10);
	assert_string_equal(out, "abcd...");
	/* fits exactly: no marker */
	assert_int_equal(str_escape(out, sizeof(out), "abcdefg"), 7);
	assert_string_equal(out, "abcdefg");
	/* an escape that does not fit whole is left out */
	assert_int_equal(str_escape(out, sizeof(out), "ab\n\n\n"), 14);
	assert_string_equal(out, "ab...");
	assert_int_equal(str_escape(out, sizeof(out), "\n\n\n"), 12);
	assert_string_equal(out, "\\x0a...");
	/* too small for the marker: empty but terminated */
	assert_int_equal(str_escape(out, 3, "abcdef"), 6);
	assert_string_equal(out, "");
	assert_int_equal(str_escape(out, 1, "a"), 1);
	assert_string_equal(out, "");
	assert_int_equal(str_escape(NULL, 0, "abc"), 3);
	/* every length of a long hostile input stays in bounds */
	for (i = 1; i <= sizeof(out); i++) {
		memset(out, 'Z', sizeof(out));
		str_escape(out, i, "\x01\\\xfe" "abc\n");
		assert_true(strlen(out) < i);
		assert_null(strchr(out, '\n'));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_unchanged),
		cmocka_unit_test(test_forged_log_line),
		cmocka_unit_test(test_backslash_and_high_bytes),
		cmocka_unit_test(test_mem_with_nul),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
