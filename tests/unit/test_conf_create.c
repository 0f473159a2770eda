/* Unit tests: create.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static int
parse(const char *text, struct create_conf *c, struct conf_err *err)
{
	create_conf_defaults(c);
	memset(err, 0, sizeof(*err));
	return create_conf_parse_mem("t.conf", text, strlen(text), c, err);
}

/* text must fail with where and what in the message, changing nothing. */
static void
expect_error(const char *text, const char *where, const char *what)
{
	struct create_conf c, d;
	struct conf_err err;

	if (parse(text, &c, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
	create_conf_defaults(&d);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_defaults(void **state)
{
	struct create_conf c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	create_conf_defaults(&c);
	assert_string_equal(c.device, "");
	assert_int_equal(c.mtu, 1500);
	assert_string_equal(c.domain, "");
	assert_int_equal(c.n_ns, 0);
	assert_int_equal(c.prefix, 24);
	assert_int_equal(c.disk_mb, 0);
	assert_int_equal(c.rss_mb, 0);
	assert_int_equal(c.tmpfs_mb, 0);
	assert_int_equal(c.proc, 0);
	assert_int_equal(c.cpu_num, 1);
	assert_int_equal(c.cpu_den, 1);
	assert_int_equal(c.method, CREATE_LXC_TEMPLATE);
	assert_string_equal(c.template, "busybox");
	assert_string_equal(c.distro, "bookworm");
}

static void
test_example_file(void **state)
{
	struct create_conf c, d;
	struct conf_err err;

	(void)state;
	create_conf_defaults(&c);
	create_conf_defaults(&d);
	if (create_conf_load("conf/create.conf", &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* A valid value for a key: its default, else one the test knows. */
static const char *
sample(const struct conf_key_info *k)
{
	if (k->def != NULL)
		return k->def;
	if (strcmp(k->name, "device") == 0)
		return "eth0";
	return "";     /* domain, nameserver: empty means none */
}

/* Every key parses its default (if it has one), refuses junk, refuses to
 * be given twice and wants an '='. */
static void
test_walk_keys(void **state)
{
	struct conf_key_info keys[32];
	struct create_conf c, d;
	struct conf_err err;
	char text[256], where[64];
	size_t n, i;

	(void)state;
	n = create_conf_keys(keys, 32);
	assert_true(n >= 13 && n <= 32);
	assert_int_equal(create_conf_keys(keys, 1), n);
	create_conf_defaults(&d);
	for (i = 0; i < n; i++) {
		if (keys[i].def != NULL) {
			snprintf(text, sizeof(text), "%s = %s\n", keys[i].name,
			    keys[i].def);
			if (parse(text, &c, &err) != 0)
				fail_msg("default of %s: %s", keys[i].name,
				    err.msg);
			assert_memory_equal(&c, &d, sizeof(c));
		}

		snprintf(text, sizeof(text), "\n%s = @junk!\n", keys[i].name);
		expect_error(text, "t.conf:2: ", keys[i].name);

		snprintf(text, sizeof(text), "%s = %s\n%s = %s\n",
		    keys[i].name, sample(&keys[i]), keys[i].name,
		    sample(&keys[i]));
		snprintf(where, sizeof(where), "'%s' is already set on line 1",
		    keys[i].name);
		expect_error(text, "t.conf:2: ", where);

		snprintf(text, sizeof(text), "%s\n", keys[i].name);
		expect_error(text, "t.conf:1: ", "missing '='");
	}
}

static void
test_values(void **state)
{
	struct create_conf c;
	struct conf_err err;

	(void)state;
	assert_int_equal(parse(
	    "device = br-vlan10\n"
	    "mtu = 9000\n"
	    "domain = example.org\n"
	    "nameserver = 192.0.2.53   2001:db8::53\t192.0.2.54 ::1\n"
	    "prefix = 64\n"
	    "disk = 4294967295\n"
	    "rss = 512\n"
	    "tmpfs = 64\n"
	    "proc = 200\n"
	    "cpu = 9/10\n"
	    "method = debootstrap\n"
	    "template = /srv/templates/base.tar.gz\n"
	    "distro = trixie\n", &c, &err), 0);
	assert_string_equal(c.device, "br-vlan10");
	assert_int_equal(c.mtu, 9000);
	assert_string_equal(c.domain, "example.org");
	assert_int_equal(c.n_ns, 4);
	assert_int_equal(c.ns[0].family, AF_INET);
	assert_int_equal(c.ns[1].family, AF_INET6);
	assert_int_equal(c.ns[2].a[3], 54);
	assert_int_equal(c.prefix, 64);
	assert_true(c.disk_mb == UINT32_MAX);
	assert_int_equal(c.rss_mb, 512);
	assert_int_equal(c.tmpfs_mb, 64);
	assert_int_equal(c.proc, 200);
	assert_int_equal(c.cpu_num, 9);
	assert_int_equal(c.cpu_den, 10);
	assert_int_equal(c.method, CREATE_DEBOOTSTRAP);
	assert_string_equal(c.template, "/srv/templates/base.tar.gz");
	assert_string_equal(c.distro, "trixie");

	assert_int_equal(parse("method = template\ncpu = 3/3\nprefix = 0\n"
	    "mtu = 576\ndevice = abcdefghijklmno\n", &c, &err), 0);
	assert_int_equal(c.method, CREATE_TEMPLATE);
	assert_int_equal(c.cpu_num, 3);
	assert_int_equal(c.prefix, 0);
	assert_string_equal(c.device, "abcdefghijklmno");
	/* Empty domain and name server list mean none. */
	assert_int_equal(parse("domain =\nnameserver =  \n", &c, &err), 0);
	assert_string_equal(c.domain, "");
	assert_int_equal(c.n_ns, 0);
	assert_int_equal(parse("method = lxc-template\ntemplate = debian\n",
	    &c, &err), 0);
	assert_string_equal(c.template, "debian");
}

static void
test_errors(void **state)
{
	char text[128];

	(void)state;
	expect_error("mtu = 1500\nsize = 5\n", "t.conf:2: ", "unknown key 'size'");
	expect_error("device = \n", "t.conf:1: ", "device: '' is not an interface name");
	expect_error("device = abcdefghijklmnop\n", "t.conf:1: ",
	    "'abcdefghijklmnop' is not an interface name");
	expect_error("device = br 0\n", "t.conf:1: ", "device:");
	expect_error("device = br/0\n", "t.conf:1: ", "device:");
	expect_error("device = ..\n", "t.conf:1: ", "device:");
	expect_error("mtu = 575\n", "t.conf:1: ", "mtu: '575' is out of range 576..65535");
	expect_error("mtu = 65536\n", "t.conf:1: ", "out of range 576..65535");
	expect_error("mtu = 1500 bytes\n", "t.conf:1: ", "mtu: '1500 bytes' is not a number");
	expect_error("domain = bad_domain\n", "t.conf:1: ",
	    "domain: 'bad_domain' is not a domain name");
	expect_error("nameserver = ns1.example.org\n", "t.conf:1: ",
	    "nameserver: 'ns1.example.org' is not an IP address");
	expect_error("nameserver = ::1 ::2 ::3 ::4 ::5\n", "t.conf:1: ",
	    "nameserver: more than 4 name servers");
	expect_error("nameserver = 192.0.2.1,192.0.2.2\n", "t.conf:1: ",
	    "nameserver:");
	expect_error("prefix = 129\n", "t.conf:1: ", "prefix: '129' is out of range 0..128");
	expect_error("disk = 4294967296\n", "t.conf:1: ", "disk: '4294967296' is out of range");
	expect_error("rss = -1\n", "t.conf:1: ", "rss: '-1' is not a number");
	expect_error("tmpfs = 1G\n", "t.conf:1: ", "tmpfs: '1G' is not a number");
	expect_error("proc = 1e3\n", "t.conf:1: ", "proc:");
	expect_error("cpu = 0/1\n", "t.conf:1: ", "cpu: '0/1' is not a ratio N/D");
	expect_error("cpu = 2/1\n", "t.conf:1: ", "cpu: '2/1'");
	expect_error("cpu = 1\n", "t.conf:1: ", "cpu: '1'");
	expect_error("cpu = 1/\n", "t.conf:1: ", "cpu:");
	expect_error("cpu = /2\n", "t.conf:1: ", "cpu:");
	expect_error("cpu = 1/0\n", "t.conf:1: ", "cpu:");
	expect_error("cpu = 1/2/3\n", "t.conf:1: ", "cpu:");
	expect_error("cpu = 1 / 2\n", "t.conf:1: ", "cpu:");
	expect_error("cpu = 0.9\n", "t.conf:1: ", "cpu:");
	expect_error("method = lxc\n", "t.conf:1: ",
	    "method: 'lxc' is not debootstrap, template or lxc-template");
	expect_error("template = rel/base.tgz\n", "t.conf:1: ",
	    "template: 'rel/base.tgz' is not an absolute path or a template name");
	expect_error("distro = -x\n", "t.conf:1: ", "distro: '-x' is not a distribution name");
	/* Longer than the field. */
	memcpy(text, "distro = ", 9);
	memset(text + 9, 'd', 40);
	memcpy(text + 49, "\n", 2);
	expect_error(text, "t.conf:1: ", "is longer than 31 bytes");
	/* An error after valid lines changes nothing. */
	expect_error("mtu = 9000\ncpu = 1/2\n\ncpu = 1/3\n", "t.conf:4: ",
	    "'cpu' is already set on line 2");
}

static void
test_lines(void **state)
{
	static const char nul[] = "mtu = 9000\nmt\0u = 1\n";
	struct create_conf c;
	struct conf_err err;

	(void)state;
	assert_int_equal(parse("# c\r\n\r\nmtu = 9000\r\n  # x\r\nproc = 5",
	    &c, &err), 0);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.proc, 5);
	assert_int_equal(parse("", &c, &err), 0);
	create_conf_defaults(&c);
	assert_int_equal(create_conf_parse_mem("t.conf", nul, sizeof(nul) - 1,
	    &c, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:2: line contains a NUL byte"));
	assert_int_equal(c.mtu, 1500);
}

static void
test_load(void **state)
{
	static const char text[] = "device = eth1\nmethod = template\n";
	char path[] = "/tmp/corral-test-XXXXXX";
	struct create_conf c;
	struct conf_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	create_conf_defaults(&c);
	if (create_conf_load(path, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.device, "eth1");
	assert_int_equal(c.method, CREATE_TEMPLATE);
	unlink(path);
	assert_int_equal(create_conf_load(path, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read: No such file or directory"));
	assert_string_equal(c.device, "eth1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_walk_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("conf_create", tests, NULL, NULL);
}
