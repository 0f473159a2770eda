/* Unit tests: storage-root-relative paths (proto/path.c): only whole ".."
 * components are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "path.h"

static void
test_dotdot_components(void **state)
{
	static const char *const up[] = {
		"..", "../x", "x/..", "x/../y", "a//..//b", "/..", "./..",
		"../", "x/y/z/..",
	};
	/* names a container user may make: ordinary components */
	static const char *const not_up[] = {
		"", ".", "...", "....", "a..b", "..a", "b..", ".../x", "x/...",
		"a/..b/c", "a/b../c", ".../a..b/..a/b..", ".hidden", "./x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++)
		if (!path_has_dotdot(up[i]))
			fail_msg("'%s': the '..' was not seen", up[i]);
	for (i = 0; i < sizeof(not_up) / sizeof(not_up[0]); i++)
		if (path_has_dotdot(not_up[i]))
			fail_msg("'%s' taken for '..'", not_up[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotdot_components),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
