/* Unit tests: corral.conf, and the line reader and key = value machinery
 * it shares with the other files. */
#include <fcntl.h>
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

/* Parse text over the defaults. */
static int
parse(const char *text, struct corral_conf *c, struct conf_err *err)
{
	corral_conf_defaults(c);
	memset(err, 0, sizeof(*err));
	return corral_conf_parse_mem("t.conf", text, strlen(text), c, err);
}

/* text must fail with a message holding where and what, and leave the
 * configuration at its defaults. */
static void
expect_error(const char *text, const char *where, const char *what)
{
	struct corral_conf *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d));
	struct conf_err err;

	assert_non_null(c);
	assert_non_null(d);
	if (parse(text, c, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
	corral_conf_defaults(d);
	assert_memory_equal(c, d, sizeof(*c));
	free(c);
	free(d);
}

static void
test_defaults(void **state)
{
	struct corral_conf c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	corral_conf_defaults(&c);
	assert_string_equal(c.log_level, "info");
	assert_string_equal(c.socket, "/run/corral/master.sock");
	assert_string_equal(c.inventory, "/var/lib/corral/inventory.db");
	assert_string_equal(c.slaves, "/etc/corral/slaves.conf");
	assert_string_equal(c.backup, "/etc/corral/backup.conf");
	assert_string_equal(c.networks, "/etc/corral/networks.conf");
	assert_string_equal(c.create, "/etc/corral/create.conf");
	assert_string_equal(c.backup_store, "/var/lib/corral/backup");
	assert_string_equal(c.store, "/var/lib/corral/store");
	assert_string_equal(c.key, "/etc/corral/id_ed25519");
	assert_string_equal(c.known_hosts, "/etc/corral/known_hosts");
	assert_int_equal(c.poll_interval, 30);
	assert_int_equal(c.timeout, 10);
	assert_int_equal(c.compress_level, 1);
	assert_int_equal(c.stall_timeout, 120);
	assert_string_equal(c.listen, "0.0.0.0");
	assert_int_equal(c.port, 7022);
	assert_string_equal(c.host_key, "/etc/corral/ssh_host_ed25519_key");
	assert_string_equal(c.authorized_keys, "/etc/corral/authorized_keys");
	assert_string_equal(c.lxcpath, "/var/lib/lxc");
	assert_string_equal(c.storage, "dir:/var/lib/corral/storage");
	assert_int_equal(c.snapshot_share, 90);
	assert_int_equal(c.snapshot_fill_warn, 80);
	assert_int_equal(c.hot_dir, CONF_HOT_DIR_FREEZE);
	assert_int_equal(c.carry_hooks, CONF_NO);
}

/* The shipped example sets every key to its default. */
static void
test_example_file(void **state)
{
	struct corral_conf *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d));
	struct conf_key_info keys[64];
	struct conf_err err;
	char want[128];
	size_t n, i;
	FILE *f;
	char *buf;
	long len;

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	corral_conf_defaults(c);
	corral_conf_defaults(d);
	if (corral_conf_load("conf/corral.conf", c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_memory_equal(c, d, sizeof(*c));

	/* ... and documents every key. */
	f = fopen("conf/corral.conf", "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	n = corral_conf_keys(keys, 64);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "\n%s = %s\n", keys[i].name,
		    keys[i].def);
		if (strstr(buf, want) == NULL)
			fail_msg("conf/corral.conf lacks '%s'", want + 1);
	}
	free(buf);
	free(c);
	free(d);
}

/* Every key of the table parses its default, refuses junk, refuses to be
 * given twice and wants an '='. */
static void
test_walk_keys(void **state)
{
	struct corral_conf *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d));
	struct conf_key_info keys[64];
	struct conf_err err;
	char text[256], where[64];
	size_t n, i;

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	n = corral_conf_keys(keys, 64);
	assert_true(n >= 20 && n <= 64);
	assert_int_equal(corral_conf_keys(NULL, 0), n);
	corral_conf_defaults(d);
	for (i = 0; i < n; i++) {
		assert_non_null(keys[i].def);

		snprintf(text, sizeof(text), "# key %zu\n%s = %s\n", i,
		    keys[i].name, keys[i].def);
		if (parse(text, c, &err) != 0)
			fail_msg("default of %s: %s", keys[i].name, err.msg);
		assert_memory_equal(c, d, sizeof(*c));

		/* what storage and lvm_fs may be is the storage backends'
		 * check, walked in test_storage.c */
		if (strcmp(keys[i].name, "storage") != 0 &&
		    strcmp(keys[i].name, "lvm_fs") != 0) {
			snprintf(text, sizeof(text), "\n\n%s = @junk!\n",
			    keys[i].name);
			expect_error(text, "t.conf:3: ", keys[i].name);

			snprintf(text, sizeof(text), "%s=\n", keys[i].name);
			expect_error(text, "t.conf:1: ", keys[i].name);
		}

		snprintf(text, sizeof(text), "%s = %s\n%s = %s\n",
		    keys[i].name, keys[i].def, keys[i].name, keys[i].def);
		snprintf(where, sizeof(where), "'%s' is already set on line 1",
		    keys[i].name);
		expect_error(text, "t.conf:2: ", where);

		snprintf(text, sizeof(text), "%s %s\n", keys[i].name,
		    keys[i].def);
		expect_error(text, "t.conf:1: ", "missing '='");
	}
	free(c);
	free(d);
}

/* backup_at: off, or HH:MM from 00:00 to 23:59, nothing else */
static void
test_daytime(void **state)
{
	struct corral_conf c;
	struct conf_err err;
	int m = 7;

	(void)state;
	assert_int_equal(conf_daytime("off", &m), 0);
	assert_int_equal(m, -1);
	assert_int_equal(conf_daytime("00:00", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(conf_daytime("02:30", &m), 0);
	assert_int_equal(m, 150);
	assert_int_equal(conf_daytime("23:59", &m), 0);
	assert_int_equal(m, 23 * 60 + 59);
	assert_int_equal(conf_daytime("24:00", &m), -1);
	assert_int_equal(conf_daytime("12:60", &m), -1);
	assert_int_equal(conf_daytime("2:30", &m), -1);
	assert_int_equal(conf_daytime("02:30:00", &m), -1);
	assert_int_equal(conf_daytime("0a:30", &m), -1);
	assert_int_equal(conf_daytime("", &m), -1);
	assert_int_equal(parse("backup_at = 02:30\nkeep_daily = 7\n", &c,
	    &err), 0);
	assert_string_equal(c.backup_at, "02:30");
	assert_int_equal(c.keep_daily, 7);
	expect_error("\nbackup_at = 25:00\n", "t.conf:2: ",
	    "is not off or a time of day HH:MM");
}

static void
test_values(void **state)
{
	struct corral_conf c;
	struct conf_err err;

	(void)state;
	assert_int_equal(parse(
	    "log_level = debug\n"
	    "  socket=/tmp/s.sock  \n"
	    "poll_interval = 86400\n"
	    "timeout = 3600\n"
	    "compress_level = 9\n"
	    "listen = ::\n"
	    "port = 65535\n"
	    "storage = lvm:vg0\n"
	    "snapshot_share = 100\n"
	    "snapshot_fill_warn = 1\n"
	    "hot_dir = refuse\n"
	    "carry_hooks = yes\n"
	    "lxcpath = /srv/lxc # where LXC looks\n"
	    "key = /etc/corral/id#1\n", &c, &err), 0);
	assert_string_equal(c.log_level, "debug");
	assert_string_equal(c.socket, "/tmp/s.sock");
	assert_int_equal(c.poll_interval, 86400);
	assert_int_equal(c.timeout, 3600);
	assert_int_equal(c.compress_level, 9);
	assert_string_equal(c.listen, "::");
	assert_int_equal(c.port, 65535);
	assert_string_equal(c.storage, "lvm:vg0");
	assert_int_equal(c.snapshot_share, 100);
	assert_int_equal(c.snapshot_fill_warn, 1);
	assert_int_equal(c.hot_dir, CONF_HOT_DIR_REFUSE);
	assert_int_equal(c.carry_hooks, CONF_YES);
	assert_string_equal(c.lxcpath, "/srv/lxc");
	assert_string_equal(c.key, "/etc/corral/id#1");   /* not a comment */
	/* Untouched keys keep their defaults. */
	assert_string_equal(c.inventory, "/var/lib/corral/inventory.db");

	assert_int_equal(parse("storage = btrfs:/srv/corral\n", &c, &err), 0);
	assert_string_equal(c.storage, "btrfs:/srv/corral");
	assert_int_equal(parse("storage = dir:/\n", &c, &err), 0);
	assert_int_equal(parse("listen = slave1.example.org\n", &c, &err), 0);
	assert_int_equal(parse("port = 1\n", &c, &err), 0);
	assert_int_equal(c.port, 1);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("port = 22\n\nfoo = 1\n", "t.conf:3: ", "unknown key 'foo'");
	expect_error("Port = 22\n", "t.conf:1: ", "unknown key 'Port'");
	expect_error("port = 22\nlisten\n", "t.conf:2: ", "missing '='");
	expect_error("= 22\n", "t.conf:1: ", "missing key");
	expect_error("port = 0\n", "t.conf:1: ", "port: '0' is out of range 1..65535");
	expect_error("port = 65536\n", "t.conf:1: ", "out of range 1..65535");
	expect_error("port = 99999999999\n", "t.conf:1: ", "out of range");
	expect_error("port = 22x\n", "t.conf:1: ", "port: '22x' is not a number");
	expect_error("port = +22\n", "t.conf:1: ", "is not a number");
	expect_error("port = 2 2\n", "t.conf:1: ", "is not a number");
	expect_error("poll_interval = 0\n", "t.conf:1: ", "out of range 1..86400");
	expect_error("poll_interval = 86401\n", "t.conf:1: ", "out of range");
	expect_error("timeout = 3601\n", "t.conf:1: ", "out of range 1..3600");
	expect_error("compress_level = 10\n", "t.conf:1: ", "out of range 1..9");
	expect_error("compress_level = 0\n", "t.conf:1: ", "out of range 1..9");
	expect_error("snapshot_share = 101\n", "t.conf:1: ", "out of range 1..100");
	expect_error("snapshot_fill_warn = 0\n", "t.conf:1: ", "out of range");
	expect_error("socket = run/master.sock\n", "t.conf:1: ",
	    "socket: 'run/master.sock' is not an absolute path");
	expect_error("lxcpath = \n", "t.conf:1: ", "not an absolute path");
	expect_error("log_level = verbose\n", "t.conf:1: ",
	    "'verbose' is not error, warning, notice, info or debug");
	expect_error("log_level = INFO\n", "t.conf:1: ", "log_level");
	expect_error("hot_dir = thaw\n", "t.conf:1: ",
	    "hot_dir: 'thaw' is not freeze or refuse");
	expect_error("carry_hooks = true\n", "t.conf:1: ",
	    "carry_hooks: 'true' is not no or yes");
	expect_error("carry_hooks = Yes\n", "t.conf:1: ", "carry_hooks");
	expect_error("listen = bad_host\n", "t.conf:1: ",
	    "listen: 'bad_host' is not an IP address or host name");
	expect_error("listen = 10.0.0.256\n", "t.conf:1: ", "listen");
	/* storage's values are the backends' to refuse: test_storage.c */
}

/* An error on a later line leaves everything as it was. */
static void
test_atomic(void **state)
{
	(void)state;
	expect_error("port = 22\nlog_level = debug\ntimeout = 0\n",
	    "t.conf:3: ", "timeout");
}

static void
test_lines(void **state)
{
	struct corral_conf c;
	struct conf_err err;
	char *big;

	(void)state;
	/* CRLF, no final newline, comments, blank and indented lines. */
	assert_int_equal(parse("# comment\r\n\r\n   \t\r\n  # indented\r\n"
	    "port = 22\r\n\tlog_level = debug  # trailing\r\ntimeout = 5",
	    &c, &err), 0);
	assert_int_equal(c.port, 22);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.timeout, 5);

	/* Empty input, comments only. */
	assert_int_equal(parse("", &c, &err), 0);
	assert_int_equal(c.port, 7022);
	assert_int_equal(parse("#\n#port = 1\n\n", &c, &err), 0);
	assert_int_equal(c.port, 7022);
	corral_conf_defaults(&c);
	assert_int_equal(corral_conf_parse_mem("t.conf", NULL, 0, &c, &err), 0);
	assert_int_equal(corral_conf_parse_mem("t.conf", NULL, 1, &c, &err),
	    -1);

	/* A NUL byte on line 2. */
	assert_int_equal(corral_conf_parse_mem("t.conf", "port = 1\nport\0 = 2\n",
	    19, &c, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:2: line contains a NUL byte"));

	/* Lines of 1024 bytes are fine, 1025 not (CR not counted). */
	big = malloc(CONF_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', CONF_FILE_MAX + 1);
	big[CONF_FILE_MAX + 1] = '\0';
	memcpy(big, "port = 22", 9);
	big[1024] = '\r';
	big[1025] = '\n';
	big[1026] = '#';
	big[1026 + 1025] = '\n';
	big[1026 + 1026] = '\0';
	assert_int_equal(parse(big, &c, &err), -1);
	if (strstr(err.msg, "t.conf:2: line is longer than 1024 bytes") == NULL)
		fail_msg("%s", err.msg);
	big[1026 + 1024] = '\n';
	assert_int_equal(parse(big, &c, &err), 0);
	assert_int_equal(c.port, 22);

	/* A buffer over CONF_FILE_MAX is refused whole. */
	memset(big, '\n', CONF_FILE_MAX + 1);
	assert_int_equal(corral_conf_parse_mem("t.conf", big, CONF_FILE_MAX,
	    &c, &err), 0);
	assert_int_equal(corral_conf_parse_mem("t.conf", big,
	    CONF_FILE_MAX + 1, &c, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf: "));
	assert_non_null(strstr(err.msg, "larger than"));
	free(big);
}

/* Messages are bounded, say when they are cut, and carry no control
 * characters from the input. */
static void
test_message_hygiene(void **state)
{
	struct corral_conf c;
	struct conf_err err;
	char text[1100];

	(void)state;
	memcpy(text, "listen = ", 9);
	memset(text + 9, 'x', 1000);
	memcpy(text + 1009, "!\n", 3);
	assert_int_equal(parse(text, &c, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:1: listen: 'xxx"));
	assert_true(strlen(err.msg) == sizeof(err.msg) - 1);
	assert_string_equal(err.msg + strlen(err.msg) - 3, "...");

	assert_int_equal(parse("log_level = \x1b[31mred\x7f\n", &c, &err), -1);
	assert_null(strchr(err.msg, '\x1b'));
	assert_null(strchr(err.msg, '\x7f'));
	assert_non_null(strstr(err.msg, "'?[31mred?'"));

	/* err may be NULL. */
	corral_conf_defaults(&c);
	assert_int_equal(corral_conf_parse_mem("t.conf", "x\n", 2, &c, NULL),
	    -1);
}

static void
test_load(void **state)
{
	static const char text[] = "port = 2222\nhot_dir = refuse\n";
	char path[] = "/tmp/corral-test-XXXXXX";
	struct corral_conf c;
	struct conf_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	corral_conf_defaults(&c);
	if (corral_conf_load(path, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.port, 2222);
	assert_int_equal(c.hot_dir, CONF_HOT_DIR_REFUSE);

	/* An error names the path as given. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "bogus = 1\n", 10), 10);
	close(fd);
	assert_int_equal(corral_conf_load(path, &c, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, ":3: unknown key 'bogus'"));
	unlink(path);

	assert_int_equal(corral_conf_load(path, &c, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, ": cannot read: No such file or directory"));

	assert_int_equal(corral_conf_load("/tmp", &c, &err), -1);
	assert_string_equal(err.msg, "/tmp: cannot read: not a regular file");
	assert_int_equal(corral_conf_load(NULL, &c, &err), -1);
	assert_int_equal(c.port, 2222);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_walk_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_daytime),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_message_hygiene),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("conf_corral", tests, NULL, NULL);
}
