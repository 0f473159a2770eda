/* Unit tests: storage-root-relative paths (proto/path.c): only whole ".."
 * components are refused, and every spelling of a path normalises to one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cerr.h"
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

static void
test_normalise(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "web", "web" }, { "./web", "web" }, { "web/", "web" },
		{ ".//web//./tmp/.", "web/tmp" }, { "web/./x", "web/x" },
		{ "./.corral-snap/x", ".corral-snap/x" },
		{ ".corral-snap//x/", ".corral-snap/x" },
		{ "", "" }, { ".", "" }, { "./", "" }, { "./././/", "" },
		{ "...", "..." }, { "a..b/./..a/b..", "a..b/..a/b.." },
		{ ".hidden/.x", ".hidden/.x" },
	};
	static const char *const bad[] = {
		"..", "../x", "a/../b", "a/..", "./..", "/etc", "/", "//web",
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (path_normalise(ok[i].in, out, sizeof(out)) != 0)
			fail_msg("'%s' refused", ok[i].in);
		if (strcmp(out, ok[i].out) != 0)
			fail_msg("'%s' gave '%s', not '%s'", ok[i].in, out,
			    ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (path_normalise(bad[i], out, sizeof(out)) != CERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
		assert_string_equal(out, "");
	}
}

/* The result and its NUL fit in cap, or nothing is made. */
static void
test_normalise_bounds(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(path_normalise("abc", out, 4), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(path_normalise("abc", out, 3), CERR_TOO_BIG);
	assert_string_equal(out, "");
	assert_int_equal(path_normalise("./a//b/.", out, 4), 0);
	assert_string_equal(out, "a/b");
	assert_int_equal(path_normalise("a/b", out, 3), CERR_TOO_BIG);
	assert_string_equal(out, "");
	assert_int_equal(path_normalise("", out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(path_normalise("x", out, 0), CERR_TOO_BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotdot_components),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_normalise_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
