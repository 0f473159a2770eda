/* Unit tests: slaves.conf. */
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
parse(const char *text, struct slaves_conf *s, struct conf_err *err)
{
	memset(err, 0, sizeof(*err));
	return slaves_conf_parse_mem("t.conf", text, strlen(text), s, err);
}

/* text must fail with a message holding where and what, and leave the
 * list empty. */
static void
expect_error(const char *text, const char *where, const char *what)
{
	struct slaves_conf s = { 0 };
	struct conf_err err;

	if (parse(text, &s, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	slaves_conf_free(&s);
}

static void
test_example_file(void **state)
{
	static const char *const names[] = {
		"vsh-00", "vsh-01", "vsh-02", "vsh-04", "vsh-05", "vsh-06",
		"vsh-07",
	};
	struct slaves_conf s = { 0 };
	const struct slave_entry *e;
	struct conf_err err;
	size_t i;

	(void)state;
	if (slaves_conf_load("conf/slaves.conf", &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s.n, 7);
	for (i = 0; i < s.n; i++)       /* file order */
		assert_string_equal(s.v[i].name, names[i]);
	assert_null(slaves_conf_find(&s, "vsh-03"));   /* commented out */

	e = slaves_conf_find(&s, "vsh-00");
	assert_non_null(e);
	assert_true(e->noselect);
	assert_false(e->compress);
	assert_true(e->bwlimit == 0);
	assert_string_equal(e->address, "vsh-00");
	assert_int_equal(e->port, 0);

	e = slaves_conf_find(&s, "vsh-01");
	assert_non_null(e);
	assert_false(e->noselect);
	assert_false(e->compress);

	e = slaves_conf_find(&s, "vsh-04");
	assert_non_null(e);
	assert_true(e->bwlimit == 10u * 1024 * 1024);
	assert_false(e->compress);

	e = slaves_conf_find(&s, "vsh-05");
	assert_non_null(e);
	assert_true(e->compress);
	assert_true(e->bwlimit == 512u * 1024);

	e = slaves_conf_find(&s, "vsh-06");
	assert_non_null(e);
	assert_string_equal(e->address, "192.0.2.6");
	assert_int_equal(e->port, 2222);

	e = slaves_conf_find(&s, "vsh-07");
	assert_non_null(e);
	assert_string_equal(e->address, "2001:db8::7");
	slaves_conf_free(&s);
	slaves_conf_free(&s);
	assert_null(s.v);
}

static void
test_valid(void **state)
{
	struct slaves_conf s = { 0 };
	struct conf_err err;

	(void)state;
	assert_int_equal(parse(
	    "# pool\n"
	    "h1\n"
	    "h2:noselect,compress,bwlimit=1g,address=h2.example.org,port=1\n"
	    "  h3 : address = 2001:db8::3 , port = 65535   # spaced out\n"
	    "h4:address=::ffff:192.0.2.4\n"
	    "H5:bwlimit=100\n", &s, &err), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.v[0].name, "h1");
	assert_string_equal(s.v[0].address, "h1");
	assert_int_equal(s.v[0].line, 2);
	assert_true(s.v[1].noselect);
	assert_true(s.v[1].compress);
	assert_true(s.v[1].bwlimit == 1024u * 1024 * 1024);
	assert_string_equal(s.v[1].address, "h2.example.org");
	assert_int_equal(s.v[1].port, 1);
	assert_int_equal(s.v[1].line, 3);
	assert_string_equal(s.v[2].name, "h3");
	assert_string_equal(s.v[2].address, "2001:db8::3");
	assert_int_equal(s.v[2].port, 65535);
	assert_string_equal(s.v[3].address, "::ffff:192.0.2.4");
	assert_true(s.v[4].bwlimit == 100u * 1024);
	/* Host names are case-insensitive. */
	assert_ptr_equal(slaves_conf_find(&s, "h5"), &s.v[4]);
	assert_ptr_equal(slaves_conf_find(&s, "H1"), &s.v[0]);
	assert_null(slaves_conf_find(&s, "h6"));
	assert_null(slaves_conf_find(&s, NULL));
	assert_null(slaves_conf_find(NULL, "h1"));
	slaves_conf_free(&s);
}

static void
test_lines(void **state)
{
	struct slaves_conf s = { 0 };
	struct conf_err err;
	char line[1100];

	(void)state;
	/* CRLF and no final newline. */
	assert_int_equal(parse("h1:noselect\r\n\r\n#h2\r\nh3", &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.v[0].noselect);
	assert_string_equal(s.v[1].name, "h3");
	assert_int_equal(s.v[1].line, 4);
	slaves_conf_free(&s);

	/* Empty, and comments only. */
	assert_int_equal(parse("", &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	assert_int_equal(parse("# nothing\n   # here\n\n", &s, &err), 0);
	assert_int_equal(s.n, 0);
	slaves_conf_free(&s);

	/* '#' inside a word is not a comment. */
	expect_error("h1\nh2#x\n", "t.conf:2: ", "bad host name 'h2#x'");
	assert_int_equal(parse("h1 #x\nh2:noselect #,compress\n", &s, &err),
	    0);
	assert_false(s.v[1].compress);
	slaves_conf_free(&s);

	/* NUL byte and oversize line on line 3. */
	assert_int_equal(slaves_conf_parse_mem("t.conf", "h1\nh2\nh\0\n", 8,
	    &s, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:3: line contains a NUL byte"));
	assert_null(s.v);
	memset(line, 'a', sizeof(line));
	memcpy(line, "h1\nh2\n", 6);
	line[6 + 1025] = '\n';
	line[6 + 1026] = '\0';
	expect_error(line, "t.conf:3: ", "line is longer than 1024 bytes");
}

static void
test_errors(void **state)
{
	char text[200];

	(void)state;
	expect_error("h1\n-h2\n", "t.conf:2: ", "bad host name '-h2'");
	expect_error("h1 h2\n", "t.conf:1: ", "bad host name 'h1 h2'");
	expect_error(":noselect\n", "t.conf:1: ", "bad host name ''");
	expect_error("h/1\n", "t.conf:1: ", "bad host name");
	memset(text, 'a', 64);
	memcpy(text + 64, "\n", 2);
	expect_error(text, "t.conf:1: ", "bad host name");

	expect_error("h1\nh2\nh1:noselect\n", "t.conf:3: ",
	    "duplicate host 'h1' (already on line 1)");
	expect_error("vsh-01\n\nVSH-01\n", "t.conf:3: ",
	    "duplicate host 'VSH-01' (already on line 1)");

	expect_error("h1:fast\n", "t.conf:1: ", "unknown option 'fast'");
	expect_error("h1:Noselect\n", "t.conf:1: ", "unknown option 'Noselect'");
	expect_error("h1:noselect,noselect\n", "t.conf:1: ",
	    "option 'noselect' is given twice");
	expect_error("h1:bwlimit=1m,compress,bwlimit=2m\n", "t.conf:1: ",
	    "option 'bwlimit' is given twice");
	expect_error("h1:bwlimit\n", "t.conf:1: ", "bwlimit: missing value");
	expect_error("h1:bwlimit=\n", "t.conf:1: ", "bwlimit: missing value");
	expect_error("h1:address\n", "t.conf:1: ", "address: missing value");
	expect_error("h1:port= \n", "t.conf:1: ", "port: missing value");
	expect_error("h1:noselect=yes\n", "t.conf:1: ",
	    "noselect: option takes no value");
	expect_error("h1:compress=\n", "t.conf:1: ", "compress: option takes no value");

	expect_error("h1:bwlimit=1.5m\n", "t.conf:1: ",
	    "bwlimit: '1.5m' is not a rate (use 512k, 10m)");
	expect_error("h1:address=bad_host\n", "t.conf:1: ",
	    "address: 'bad_host' is not an IP address or host name");
	expect_error("h1:address=192.0.2.256\n", "t.conf:1: ", "address:");
	expect_error("h1:address=2001:db8::1::2\n", "t.conf:1: ", "address:");
	expect_error("h1:port=0\n", "t.conf:1: ", "port: '0' is not a port (1..65535)");
	expect_error("h1:port=65536\n", "t.conf:1: ", "port: '65536'");
	expect_error("h1:port=22x\n", "t.conf:1: ", "port: '22x'");
	expect_error("h1:port=-1\n", "t.conf:1: ", "port: '-1'");

	expect_error("h1:\n", "t.conf:1: ", "empty option");
	expect_error("h1:noselect,,compress\n", "t.conf:1: ", "empty option");
	expect_error("h1:noselect,\n", "t.conf:1: ", "empty option");
	expect_error("h1:,noselect\n", "t.conf:1: ", "empty option");
	expect_error("h1:=5\n", "t.conf:1: ", "empty option");
}

/* The message format promised in the documentation, to the byte. */
static void
test_rate_message(void **state)
{
	struct slaves_conf s = { 0 };
	struct conf_err err;
	static const char text[] =
	    "vsh-00:noselect\nvsh-01\nvsh-02\n#vsh-03\n"
	    "vsh-04:bwlimit=10m\nvsh-05:compress,bwlimit=512k\n"
	    "vsh-06:bwlimit=10q\n";

	(void)state;
	assert_int_equal(slaves_conf_parse_mem("slaves.conf", text,
	    strlen(text), &s, &err), -1);
	assert_string_equal(err.msg,
	    "slaves.conf:7: bwlimit: '10q' is not a rate (use 512k, 10m)");
	assert_null(s.v);
}

/* Many hosts: the duplicate check stays right as its table grows. */
static void
test_many(void **state)
{
	struct slaves_conf s = { 0 };
	struct conf_err err;
	size_t cap = 5000 * 16, off = 0, i;
	char *text = malloc(cap);
	int n;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 5000; i++) {
		n = snprintf(text + off, cap - off, "host-%zu\n", i);
		assert_true(n > 0 && (size_t)n < cap - off);
		off += (size_t)n;
	}
	assert_int_equal(parse(text, &s, &err), 0);
	assert_int_equal(s.n, 5000);
	assert_string_equal(s.v[4321].name, "host-4321");
	assert_ptr_equal(slaves_conf_find(&s, "HOST-4999"), &s.v[4999]);
	slaves_conf_free(&s);
	snprintf(text + off, cap - off, "Host-1234\n");
	expect_error(text, "t.conf:5001: ",
	    "duplicate host 'Host-1234' (already on line 1235)");
	free(text);
}

static void
test_load(void **state)
{
	static const char text[] = "h1\nh2:compress\n";
	char path[] = "/tmp/corral-test-XXXXXX";
	struct slaves_conf s = { 0 };
	struct conf_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	if (slaves_conf_load(path, &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(s.n, 2);
	assert_true(s.v[1].compress);
	slaves_conf_free(&s);
	unlink(path);

	s.v = (struct slave_entry *)1;   /* out-struct is overwritten */
	s.n = 3;
	assert_int_equal(slaves_conf_load(path, &s, &err), -1);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "cannot read: No such file or directory"));
	slaves_conf_free(&s);
	slaves_conf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_rate_message),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("conf_slaves", tests, NULL, NULL);
}
