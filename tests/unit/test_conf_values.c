/* Unit tests: the single-value parsers of conf.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "conf.h"

static void
test_u32_valid(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(conf_parse_u32("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(conf_parse_u32("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(conf_parse_u32("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(conf_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_true(v == UINT32_MAX);
}

static void
test_u32_junk(void **state)
{
	static const char *const junk[] = {
		"", "+1", "-1", " 1", "1 ", "1x", "0x10", "1.0", "1e3", "١",
		"99999999999x", "\t1",
	};
	uint32_t v = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		if (conf_parse_u32(junk[i], 0, UINT32_MAX, &v) != -1)
			fail_msg("'%s' was taken for a number", junk[i]);
		assert_int_equal(v, 42);   /* untouched on failure */
	}
	assert_int_equal(conf_parse_u32(NULL, 0, 1, &v), -1);
}

static void
test_u32_range(void **state)
{
	uint32_t v = 42;

	(void)state;
	assert_int_equal(conf_parse_u32("0", 1, 10, &v), -2);
	assert_int_equal(conf_parse_u32("11", 1, 10, &v), -2);
	assert_int_equal(conf_parse_u32("4294967296", 0, UINT32_MAX, &v), -2);
	assert_int_equal(conf_parse_u32("99999999999999999999999", 0,
	    UINT32_MAX, &v), -2);
	assert_int_equal(v, 42);
}

static void
test_rate(void **state)
{
	uint64_t r = 1;

	(void)state;
	assert_int_equal(conf_parse_rate("512k", &r), 0);
	assert_true(r == 512u * 1024);
	assert_int_equal(conf_parse_rate("512K", &r), 0);
	assert_true(r == 512u * 1024);
	assert_int_equal(conf_parse_rate("10m", &r), 0);
	assert_true(r == 10u * 1024 * 1024);
	assert_int_equal(conf_parse_rate("1g", &r), 0);
	assert_true(r == 1024u * 1024 * 1024);
	assert_int_equal(conf_parse_rate("100", &r), 0);   /* KiB */
	assert_true(r == 100u * 1024);
	assert_int_equal(conf_parse_rate("0", &r), 0);
	assert_true(r == 0);
	assert_int_equal(conf_parse_rate("17179869183g", &r), 0);
	assert_true(r == 17179869183ULL * 1024 * 1024 * 1024);
}

static void
test_rate_junk(void **state)
{
	static const char *const junk[] = {
		"", "k", "10q", "1.5m", "10mb", "-1k", "+1k", " 1k", "1k ",
		"10 m", "0x10", "17179869184g", "18446744073709551615",
		"99999999999999999999999k",
	};
	uint64_t r = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		if (conf_parse_rate(junk[i], &r) == 0)
			fail_msg("'%s' was taken for a rate", junk[i]);
		assert_true(r == 42);
	}
	assert_int_equal(conf_parse_rate(NULL, &r), -1);
}

/* A memory limit of an LXC config, as the kernel reads memory.max:
 * bytes, K to E (either case), "max" and "-1" none, hex and octal as
 * strtoull(, 0) guesses them; the whole value or nothing. */
static void
test_memsize(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} ok[] = {
		{ "1048576", 1048576 }, { "0", 0 }, { "4096", 4096 },
		{ "512k", 512ULL << 10 }, { "512K", 512ULL << 10 },
		{ "512M", 512ULL << 20 }, { "2g", 2ULL << 30 },
		{ "1T", 1ULL << 40 }, { "3p", 3ULL << 50 }, { "15E", 15ULL << 60 },
		{ "max", 0 }, { "-1", 0 },
		{ "0x100000", 1048576 }, { "0X1f", 31 }, { "0x1E", 30 },
		{ "0x1k", 1024 }, { "0x1ek", 30ULL << 10 }, { "010", 8 },
		{ "0777m", 511ULL << 20 }, { "00", 0 },
		{ "18446744073709551615", UINT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "17179869183g", 17179869183ULL << 30 },
	};
	static const char *const junk[] = {
		"", "k", "12x", "1 2", " 1", "1 ", "1.5G", "+1", "-2", "MAX",
		"max ", "1kb", "1KiB", "0x", "0xg", "08", "019", "0x1q",
		"18446744073709551616", "16E", "17179869184g",
		"0x10000000000000000", "99999999999999999999999k",
	};
	uint64_t b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		b = 42;
		if (conf_parse_memsize(ok[i].s, strlen(ok[i].s), &b) != 0 ||
		    b != ok[i].bytes)
			fail_msg("'%s': %llu", ok[i].s, (unsigned long long)b);
	}
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (conf_parse_memsize(junk[i], strlen(junk[i]), &b) == 0)
			fail_msg("'%s' was taken for a size", junk[i]);
	/* the length bounds it: no terminating NUL needed */
	assert_int_equal(conf_parse_memsize("64kxyz", 3, &b), 0);
	assert_true(b == 64ULL << 10);
}

static void
test_name(void **state)
{
	char s[80];

	(void)state;
	assert_true(conf_valid_name("vsh-00"));
	assert_true(conf_valid_name("a"));
	assert_true(conf_valid_name("Web_1.example"));
	assert_true(conf_valid_name("0day"));
	assert_false(conf_valid_name(""));
	assert_false(conf_valid_name(NULL));
	assert_false(conf_valid_name("-a"));
	assert_false(conf_valid_name(".a"));
	assert_false(conf_valid_name(".."));
	assert_false(conf_valid_name("a b"));
	assert_false(conf_valid_name("a/b"));
	assert_false(conf_valid_name("a:b"));
	assert_false(conf_valid_name("caf\xc3\xa9"));
	memset(s, 'a', sizeof(s));
	s[63] = '\0';
	assert_true(conf_valid_name(s));
	s[63] = 'a';
	s[64] = '\0';
	assert_false(conf_valid_name(s));
}

static void
test_address(void **state)
{
	char s[300];

	(void)state;
	assert_true(conf_valid_address("192.0.2.1"));
	assert_true(conf_valid_address("2001:db8::1"));
	assert_true(conf_valid_address("::"));
	assert_true(conf_valid_address("vsh-01"));
	assert_true(conf_valid_address("vsh-01.example.org"));
	assert_true(conf_valid_address("3com.example"));
	assert_false(conf_valid_address(""));
	assert_false(conf_valid_address(NULL));
	assert_false(conf_valid_address("192.0.2.256"));    /* not a name */
	assert_false(conf_valid_address("192.0.2"));
	assert_false(conf_valid_address("a..b"));
	assert_false(conf_valid_address(".a"));
	assert_false(conf_valid_address("a."));
	assert_false(conf_valid_address("-a.b"));
	assert_false(conf_valid_address("a-.b"));
	assert_false(conf_valid_address("a_b.example"));
	assert_false(conf_valid_address("a b"));
	assert_false(conf_valid_address("[::1]"));
	assert_false(conf_valid_address("2001:db8::1%eth0"));
	/* Labels of at most 63, names of at most 253. */
	memset(s, 'a', 64);
	s[64] = '\0';
	assert_false(conf_valid_address(s));
	s[63] = '\0';
	assert_true(conf_valid_address(s));
	memset(s, 'a', 253);
	s[50] = s[100] = s[150] = s[200] = '.';
	s[253] = '\0';
	assert_true(conf_valid_address(s));
	s[253] = 'a';
	s[254] = '\0';
	assert_false(conf_valid_address(s));
}

static void
test_ip(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x01 };
	struct net_addr a;

	(void)state;
	assert_int_equal(conf_parse_ip("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.a[0], 192);
	assert_int_equal(a.a[3], 1);
	assert_int_equal(a.a[4], 0);
	assert_int_equal(conf_parse_ip("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.a, v6, 16);
	assert_int_equal(conf_parse_ip("::ffff:192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET6);

	assert_int_equal(conf_parse_ip("192.0.2", &a), -1);
	assert_int_equal(a.family, 0);
	assert_int_equal(conf_parse_ip("192.0.2.01", &a), -1);
	assert_int_equal(conf_parse_ip(" 192.0.2.1", &a), -1);
	assert_int_equal(conf_parse_ip("192.0.2.1/24", &a), -1);
	assert_int_equal(conf_parse_ip("::1%lo", &a), -1);
	assert_int_equal(conf_parse_ip("example.org", &a), -1);
	assert_int_equal(conf_parse_ip("", &a), -1);
	assert_int_equal(conf_parse_ip(NULL, &a), -1);
}

static void
test_ratio(void **state)
{
	static const char *const bad[] = {
		"11/10", "0/1", "1/0", "1", "/1", "1/", "9/10/1", " 9/10",
		"9 /10", "-1/2", "1/4294967296", "0x1/2", "", "1.5/2",
		"12345678901234567/1",
	};
	uint32_t n = 7, d = 7;
	size_t i;

	(void)state;
	assert_int_equal(conf_parse_ratio("9/10", &n, &d), 0);
	assert_int_equal(n, 9);
	assert_int_equal(d, 10);
	assert_int_equal(conf_parse_ratio("1/1", &n, &d), 0);
	assert_int_equal(n, 1);
	assert_int_equal(conf_parse_ratio("4294967295/4294967295", &n, &d), 0);
	assert_int_equal(d, 4294967295u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = d = 7;
		if (conf_parse_ratio(bad[i], &n, &d) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(n, 7);
		assert_int_equal(d, 7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32_valid),
		cmocka_unit_test(test_u32_junk),
		cmocka_unit_test(test_u32_range),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_rate_junk),
		cmocka_unit_test(test_memsize),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_ratio),
	};

	return cmocka_run_group_tests_name("conf_values", tests, NULL, NULL);
}
