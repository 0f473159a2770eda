/* Unit tests: container names from the wire (proto/names.c), the one rule
 * the slave's paths and volumes and the master's refusals share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "names.h"

static void
test_ct_names(void **state)
{
	static const char *const good[] = {
		"web1", "a.b_c-d", "A", "x..y", "9", "a-", "a.",
	};
	static const char *const bad[] = {
		"", "-x", ".hold.x", "..", ".", "a/b", "a+snap", "a b",
		"a\nb", "a\x1b[0m", "\xc3\xa9t\xc3\xa9", "a:b", "a\\b",
	};
	char name[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!ct_name_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ct_name_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	/* 63 characters at most: an LV name with "+snap" still fits */
	memset(name, 'x', 63);
	name[63] = '\0';
	assert_true(ct_name_valid(name));
	name[63] = 'x';
	name[64] = '\0';
	assert_false(ct_name_valid(name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
