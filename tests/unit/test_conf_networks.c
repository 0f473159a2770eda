/* Unit tests: networks.conf. */
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
parse(const char *text, struct networks_conf *n, struct conf_err *err)
{
	memset(err, 0, sizeof(*err));
	return networks_conf_parse_mem("t.conf", text, strlen(text), n, err);
}

static void
expect_error(const char *text, const char *where, const char *what)
{
	struct networks_conf n = { 0 };
	struct conf_err err;

	if (parse(text, &n, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
	assert_null(n.v);
	assert_int_equal(n.n, 0);
	networks_conf_free(&n);
}

static void
assert_addr(const struct net_addr *a, const char *want)
{
	struct net_addr w;

	assert_int_equal(conf_parse_ip(want, &w), 0);
	assert_int_equal(a->family, w.family);
	assert_memory_equal(a->a, w.a, sizeof(w.a));
}

static void
test_example_file(void **state)
{
	struct networks_conf n = { 0 };
	struct conf_err err;
	const struct network_entry *e;

	(void)state;
	if (networks_conf_load("conf/networks.conf", &n, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n.n, 4);

	e = &n.v[0];
	assert_int_equal(e->vlan, 0);
	assert_addr(&e->net, "192.0.2.0");
	assert_int_equal(e->prefix, 24);
	assert_addr(&e->gateway, "192.0.2.1");
	assert_string_equal(e->domain, "example.org");
	assert_int_equal(e->n_ns, 2);
	assert_addr(&e->ns[0], "192.0.2.53");
	assert_addr(&e->ns[1], "2001:db8::53");

	e = &n.v[1];
	assert_int_equal(e->vlan, 10);
	assert_int_equal(e->prefix, 25);
	assert_string_equal(e->domain, "dmz.example.org");
	assert_int_equal(e->n_ns, 0);

	e = &n.v[2];
	assert_int_equal(e->vlan, 10);
	assert_int_equal(e->net.family, AF_INET6);
	assert_addr(&e->net, "2001:db8:10::");
	assert_int_equal(e->prefix, 64);
	assert_addr(&e->gateway, "2001:db8:10::1");
	assert_string_equal(e->domain, "");
	assert_int_equal(e->n_ns, 1);

	e = &n.v[3];
	assert_int_equal(e->vlan, 20);
	assert_addr(&e->gateway, "203.0.113.65");
	assert_string_equal(e->domain, "");
	networks_conf_free(&n);
	networks_conf_free(&n);
}

static void
test_valid(void **state)
{
	struct networks_conf n = { 0 };
	struct conf_err err;

	(void)state;
	assert_int_equal(parse(
	    "# networks\r\n"
	    "4094 , 10.0.0.0/8 , 10.255.255.254 , lan , 10.0.0.53  10.0.0.54 ::1 ::2\r\n"
	    "\r\n"
	    "0,0.0.0.0/0,192.0.2.1\r\n"
	    "0,::/0,fe80::1\r\n"
	    "1,192.0.2.0/31,192.0.2.1\r\n"
	    "2,192.0.2.4/30,192.0.2.6\r\n"
	    "3,2001:db8::/127,2001:db8::1", &n, &err), 0);
	assert_int_equal(n.n, 6);
	assert_int_equal(n.v[0].vlan, 4094);
	assert_int_equal(n.v[0].prefix, 8);
	assert_int_equal(n.v[0].line, 2);
	assert_string_equal(n.v[0].domain, "lan");
	assert_int_equal(n.v[0].n_ns, 4);
	assert_addr(&n.v[0].ns[3], "::2");
	assert_int_equal(n.v[1].prefix, 0);
	assert_int_equal(n.v[1].line, 4);
	assert_int_equal(n.v[2].net.family, AF_INET6);
	assert_int_equal(n.v[5].prefix, 127);
	assert_int_equal(n.v[5].line, 8);
	networks_conf_free(&n);

	assert_int_equal(parse("", &n, &err), 0);
	assert_int_equal(n.n, 0);
	assert_int_equal(parse("#1,10.0.0.0/8,10.0.0.1\n", &n, &err), 0);
	assert_int_equal(n.n, 0);
	networks_conf_free(&n);
}

static void
test_errors(void **state)
{
	(void)state;
	/* Shape. */
	expect_error("1,10.0.0.0/8\n", "t.conf:1: ",
	    "network 10.0.0.0/8 has no gateway");
	expect_error("1\n", "t.conf:1: ", "missing fields");
	expect_error("1,10.0.0.0/8,10.0.0.1,lan,10.0.0.53,x\n", "t.conf:1: ",
	    "too many fields");
	expect_error("1,,10.0.0.1\n", "t.conf:1: ", "field 2 is empty");
	expect_error("1,10.0.0.0/8,10.0.0.1,\n", "t.conf:1: ",
	    "field 4 is empty");
	expect_error("1,10.0.0.0/8,10.0.0.1,lan,\n", "t.conf:1: ",
	    "field 5 is empty");
	/* vlan */
	expect_error("4095,10.0.0.0/8,10.0.0.1\n", "t.conf:1: ",
	    "vlan: '4095' is not a VLAN id (0..4094)");
	expect_error("-1,10.0.0.0/8,10.0.0.1\n", "t.conf:1: ", "vlan: '-1'");
	expect_error("+1,10.0.0.0/8,10.0.0.1\n", "t.conf:1: ", "vlan: '+1'");
	/* bridge */
	expect_error("br0123456789abcd,10.0.0.0/8,10.0.0.1\n", "t.conf:1: ",
	    "bridge: 'br0123456789abcd' is not an interface name");
	expect_error("br/0,10.0.0.0/8,10.0.0.1\n", "t.conf:1: ",
	    "bridge: 'br/0'");
	/* network */
	expect_error("1,10.0.0.0,10.0.0.1\n", "t.conf:1: ",
	    "network: '10.0.0.0' has no /prefix");
	expect_error("1,10.0.0/8,10.0.0.1\n", "t.conf:1: ",
	    "network: '10.0.0' is not an IP address");
	expect_error("1,net/8,10.0.0.1\n", "t.conf:1: ", "network: 'net'");
	expect_error("1,10.0.0.0/33,10.0.0.1\n", "t.conf:1: ",
	    "network: prefix '33' is not 0..32 for IPv4");
	expect_error("1,2001:db8::/129,2001:db8::1\n", "t.conf:1: ",
	    "network: prefix '129' is not 0..128 for IPv6");
	expect_error("1,10.0.0.0/,10.0.0.1\n", "t.conf:1: ", "prefix ''");
	expect_error("1,10.0.0.0/+8,10.0.0.1\n", "t.conf:1: ", "prefix '+8'");
	expect_error("1,10.0.0.1/24,10.0.0.2\n", "t.conf:1: ",
	    "network: 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)");
	expect_error("1,192.0.2.130/25,192.0.2.129\n", "t.conf:1: ",
	    "did you mean 192.0.2.128/25?");
	expect_error("1,2001:db8::1/64,2001:db8::2\n", "t.conf:1: ",
	    "did you mean 2001:db8::/64?");
	/* gateway */
	expect_error("1,10.0.0.0/8,gw\n", "t.conf:1: ",
	    "gateway: 'gw' is not an IP address");
	expect_error("1,10.0.0.0/8,2001:db8::1\n", "t.conf:1: ",
	    "gateway: 2001:db8::1 is not an IPv4 address like 10.0.0.0/8");
	expect_error("1,2001:db8::/64,10.0.0.1\n", "t.conf:1: ",
	    "is not an IPv6 address like 2001:db8::/64");
	expect_error("1,10.0.0.0/8,11.0.0.1\n", "t.conf:1: ",
	    "gateway: 11.0.0.1 is outside 10.0.0.0/8");
	expect_error("1,2001:db8::/64,2001:db8:0:1::1\n", "t.conf:1: ",
	    "is outside 2001:db8::/64");
	expect_error("1,10.0.0.0/8,10.0.0.0\n", "t.conf:1: ",
	    "gateway: 10.0.0.0 is the network address of 10.0.0.0/8");
	expect_error("1,192.0.2.1/32,192.0.2.1\n", "t.conf:1: ",
	    "is the network address");
	expect_error("1,2001:db8::/64,2001:db8::\n", "t.conf:1: ",
	    "is the network address");
	expect_error("1,192.0.2.0/24,192.0.2.255\n", "t.conf:1: ",
	    "gateway: 192.0.2.255 is the broadcast address of 192.0.2.0/24");
	/* domain and name servers */
	expect_error("1,10.0.0.0/8,10.0.0.1,bad_domain\n", "t.conf:1: ",
	    "domain: 'bad_domain' is not a domain name");
	expect_error("1,10.0.0.0/8,10.0.0.1,lan.\n", "t.conf:1: ", "domain:");
	expect_error("1,10.0.0.0/8,10.0.0.1,lan,10.0.0.53 ns1\n", "t.conf:1: ",
	    "name servers: 'ns1' is not an IP address");
	expect_error("1,10.0.0.0/8,10.0.0.1,lan,::1 ::2 ::3 ::4 ::5\n",
	    "t.conf:1: ", "name servers: more than 4 name servers");
	/* duplicates: one network per (vlan, family) */
	expect_error("1,10.0.0.0/8,10.0.0.1\n2,10.0.0.0/8,10.0.0.1\n"
	    "1,2001:db8::/64,2001:db8::1\n1,192.0.2.0/24,192.0.2.1\n",
	    "t.conf:4: ", "vlan 1 already has an IPv4 network on line 1");
	expect_error("1,2001:db8::/64,2001:db8::1\n\n1,2001:db8:1::/64,2001:db8:1::1\n",
	    "t.conf:3: ", "vlan 1 already has an IPv6 network on line 1");
}

static void
test_lines(void **state)
{
	static const char nul[] =
	    "1,10.0.0.0/8,10.0.0.1\n2,10.0\0.0.0/8,10.0.0.1\n";
	struct networks_conf n = { 0 };
	struct conf_err err;
	char text[1200];

	(void)state;
	assert_int_equal(networks_conf_parse_mem("t.conf", nul,
	    sizeof(nul) - 1, &n, &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:2: line contains a NUL byte"));
	assert_null(n.v);

	memset(text, ' ', sizeof(text));
	memcpy(text, "1,10.0.0.0/8,10.0.0.1\n2,10.0.0.0/8,10.0.0.1", 43);
	text[22 + 1025] = '\n';
	text[22 + 1026] = '\0';
	expect_error(text, "t.conf:2: ", "line is longer than 1024 bytes");
	text[22 + 1024] = '\n';
	assert_int_equal(parse(text, &n, &err), 0);
	assert_int_equal(n.n, 2);
	networks_conf_free(&n);
}

/* Bridges instead of VLAN ids: per host, so any number of networks. */
static void
test_bridges(void **state)
{
	struct networks_conf n = { 0 };
	struct conf_err err;

	(void)state;
	if (parse("br0,10.1.0.0/24,10.1.0.1\nbr0,10.2.0.0/24,10.2.0.1\n"
	    "ctbr0,10.215.0.0/16,10.215.0.1,pool.test\n", &n, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n.n, 3);
	assert_string_equal(n.v[0].bridge, "br0");
	assert_string_equal(n.v[2].bridge, "ctbr0");
	assert_int_equal(n.v[2].vlan, 0);
	assert_string_equal(n.v[2].domain, "pool.test");
	networks_conf_free(&n);
}

static const struct network_entry *
find(const struct networks_conf *n, const char *ip)
{
	struct net_addr a;

	assert_int_equal(conf_parse_ip(ip, &a), 0);
	return networks_find(n, &a);
}

static const char *
host_check(const struct network_entry *e, const char *ip)
{
	struct net_addr a;

	assert_int_equal(conf_parse_ip(ip, &a), 0);
	return network_host_check(e, &a);
}

static void
test_find(void **state)
{
	struct networks_conf n = { 0 };
	struct conf_err err;
	const struct network_entry *e;

	(void)state;
	if (parse("1,10.1.0.0/24,10.1.0.1\nbr0,10.0.0.0/8,10.0.0.1\n"
	    "2,2001:db8::/64,2001:db8::1\n9,192.0.2.0/31,192.0.2.1\n", &n,
	    &err) != 0)
		fail_msg("%s", err.msg);
	/* the first network that holds it, in file order */
	assert_ptr_equal(find(&n, "10.1.0.20"), &n.v[0]);
	assert_ptr_equal(find(&n, "10.1.1.20"), &n.v[1]);
	assert_ptr_equal(find(&n, "10.255.255.254"), &n.v[1]);
	assert_ptr_equal(find(&n, "2001:db8::20"), &n.v[2]);
	assert_null(find(&n, "11.0.0.1"));
	assert_null(find(&n, "2001:db9::1"));
	assert_null(find(&n, "::ffff:10.1.0.20"));
	/* addresses a container cannot have */
	e = &n.v[0];
	assert_null(host_check(e, "10.1.0.2"));
	assert_string_equal(host_check(e, "10.1.0.0"), "is the network address");
	assert_string_equal(host_check(e, "10.1.0.1"), "is the gateway");
	assert_string_equal(host_check(e, "10.1.0.255"),
	    "is the broadcast address");
	assert_string_equal(host_check(&n.v[2], "2001:db8::"),
	    "is the network address");
	assert_null(host_check(&n.v[2], "2001:db8::ffff:ffff:ffff:ffff"));
	/* /31: both addresses are hosts */
	assert_null(host_check(&n.v[3], "192.0.2.0"));
	networks_conf_free(&n);
}

static void
test_load(void **state)
{
	static const char text[] = "7,10.7.0.0/16,10.7.0.1\n";
	char path[] = "/tmp/corral-test-XXXXXX";
	struct networks_conf n = { 0 };
	struct conf_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	if (networks_conf_load(path, &n, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n.n, 1);
	assert_int_equal(n.v[0].vlan, 7);
	networks_conf_free(&n);
	unlink(path);
	assert_int_equal(networks_conf_load(path, &n, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read: No such file or directory"));
	networks_conf_free(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bridges),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("conf_networks", tests, NULL, NULL);
}
