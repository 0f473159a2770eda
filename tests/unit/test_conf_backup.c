/* Unit tests: backup.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static int
parse(const char *text, struct backup_conf *b, struct conf_err *err)
{
	memset(err, 0, sizeof(*err));
	return backup_conf_parse_mem("t.conf", text, strlen(text), b, err);
}

static void
expect_error(const char *text, const char *where, const char *what)
{
	struct backup_conf b = { 0 };
	struct conf_err err;

	if (parse(text, &b, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
	assert_null(b.v);
	assert_int_equal(b.n, 0);
	backup_conf_free(&b);
}

static void
test_example_file(void **state)
{
	struct backup_conf b = { 0 };
	struct conf_err err;

	(void)state;
	if (backup_conf_load("conf/backup.conf", &b, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.v[0].name, "www");
	assert_int_equal(b.v[0].mode, BACKUP_HOT);
	assert_string_equal(b.v[2].name, "db");
	assert_int_equal(b.v[2].mode, BACKUP_COLD);
	assert_string_equal(b.v[3].name, "template-bookworm");
	assert_int_equal(b.v[3].mode, BACKUP_COLD);
	backup_conf_free(&b);
	backup_conf_free(&b);
}

static void
test_valid(void **state)
{
	struct backup_conf b = { 0 };
	struct conf_err err;

	(void)state;
	/* CRLF, comments, spaces around ':', no final newline; container
	 * names are case-sensitive, so Web and web are two. */
	assert_int_equal(parse("# backups\r\nweb:hot\r\n\r\n  Web : cold  # x\r\n"
	    "#old:hot\r\nmail_1.x:cold", &b, &err), 0);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.v[0].name, "web");
	assert_int_equal(b.v[0].mode, BACKUP_HOT);
	assert_int_equal(b.v[0].line, 2);
	assert_string_equal(b.v[1].name, "Web");
	assert_int_equal(b.v[1].mode, BACKUP_COLD);
	assert_int_equal(b.v[1].line, 4);
	assert_string_equal(b.v[2].name, "mail_1.x");
	assert_int_equal(b.v[2].line, 6);
	backup_conf_free(&b);

	assert_int_equal(parse("", &b, &err), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(parse("\n# only comments\n", &b, &err), 0);
	assert_int_equal(b.n, 0);
	backup_conf_free(&b);
}

static void
test_errors(void **state)
{
	char text[1100];

	(void)state;
	expect_error("a:hot\n-b:hot\n", "t.conf:2: ", "bad container name '-b'");
	expect_error(":hot\n", "t.conf:1: ", "bad container name ''");
	expect_error("a b:hot\n", "t.conf:1: ", "bad container name 'a b'");
	expect_error("a\n", "t.conf:1: ", "missing mode for 'a'");
	expect_error("a:\n", "t.conf:1: ", "missing mode for 'a'");
	expect_error("a: \n", "t.conf:1: ", "missing mode");
	expect_error("a::hot\n", "t.conf:1: ", "missing mode");
	expect_error("a:warm\n", "t.conf:1: ",
	    "unknown mode 'warm' for 'a' (use hot or cold)");
	expect_error("a:HOT\n", "t.conf:1: ", "unknown mode 'HOT'");
	expect_error("a:hot,cold\n", "t.conf:1: ", "unknown mode 'hot,cold'");
	expect_error("a:hot cold\n", "t.conf:1: ", "unknown mode");
	expect_error("a:hot:vsh-01\n", "t.conf:1: ",
	    "extra field ':vsh-01' after 'a:hot'");
	expect_error("a:hot:\n", "t.conf:1: ", "extra field");
	expect_error("a:hot\nb:cold\n\na:cold\n", "t.conf:4: ",
	    "duplicate container 'a' (already on line 1)");

	memset(text, 'a', sizeof(text));
	memcpy(text, "a:hot\n", 6);
	text[6 + 1025] = '\n';
	text[6 + 1026] = '\0';
	expect_error(text, "t.conf:2: ", "line is longer than 1024 bytes");
}

static void
test_nul(void **state)
{
	struct backup_conf b = { 0 };
	struct conf_err err;

	(void)state;
	assert_int_equal(backup_conf_parse_mem("t.conf", "a:hot\nb\0:cold\n",
	    14, &b, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:2: line contains a NUL byte"));
	assert_null(b.v);
}

static void
test_load(void **state)
{
	static const char text[] = "a:hot\nb:cold\n";
	char path[] = "/tmp/corral-test-XXXXXX";
	struct backup_conf b = { 0 };
	struct conf_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	if (backup_conf_load(path, &b, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.v[1].mode, BACKUP_COLD);
	backup_conf_free(&b);
	unlink(path);
	assert_int_equal(backup_conf_load(path, &b, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read: No such file or directory"));
	assert_null(b.v);
	backup_conf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("conf_backup", tests, NULL, NULL);
}
