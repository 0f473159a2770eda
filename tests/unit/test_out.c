/* Unit tests: what the CLI and the daemons print of untrusted text:
 * out_line() (master/cli/out.c) and log_msg() (common/log.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "log.h"

/* What f printed through out_line(fmt, arg). */
static char *
line_of(const char *fmt, const char *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	out_line(f, fmt, arg);
	fclose(f);
	return buf;
}

static void
test_out_line_escapes_controls(void **state)
{
	char *s;

	(void)state;
	s = line_of("corral: scan: no container named %s", "x\ny\x1b[2Jz\x7f");
	assert_string_equal(s, "corral: scan: no container named "
	    "x\\x0ay\\x1b[2Jz\\x7f\n");
	free(s);
	/* printable text, UTF-8 and backslashes are kept as they are */
	s = line_of("%s", "h1:web:running:10.0.0.2 caf\xc3\xa9 a\\b");
	assert_string_equal(s, "h1:web:running:10.0.0.2 caf\xc3\xa9 a\\b\n");
	free(s);
	/* one call is one line, whatever the argument holds */
	s = line_of("%s", "\n\n\r\t");
	assert_string_equal(s, "\\x0a\\x0a\\x0d\\x09\n");
	free(s);
}

static void
test_json_str_escapes_controls(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	json_str(f, "a\"b\\c\nd\x1b\x7f");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\u001b\\u007f\"");
	free(buf);
}

static void
test_log_one_line(void **state)
{
	char buf[512] = "";
	int p[2], saved;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	saved = dup(2);
	assert_int_equal(dup2(p[1], 2), 2);
	log_open("corral-test", false, LOG_INFO);
	log_notice("user '%s' from %s", "x\nforged: line\x1b[2J", "10.0.0.1");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "corral-test: user 'x\\x0aforged: "
	    "line\\x1b[2J' from 10.0.0.1\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_line_escapes_controls),
		cmocka_unit_test(test_json_str_escapes_controls),
		cmocka_unit_test(test_log_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
