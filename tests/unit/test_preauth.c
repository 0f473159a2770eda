/* Unit tests: limits on unauthenticated connections (slave/preauth.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <cmocka.h>

#include "preauth.h"

static struct peer_addr
v4(const char *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 7 };
	struct peer_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &sin.sin_addr), 1);
	peer_addr_set(&a, (struct sockaddr *)&sin, sizeof(sin));
	return a;
}

static struct peer_addr
v6(const char *s, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
	    .sin6_port = port };
	struct peer_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &sin6.sin6_addr), 1);
	peer_addr_set(&a, (struct sockaddr *)&sin6, sizeof(sin6));
	return a;
}

/* One source is the address, whatever the port or the socket family. */
static void
test_addresses(void **state)
{
	struct peer_addr a = v4("10.213.0.12"), b = v6("::ffff:10.213.0.12", 9);
	struct peer_addr c = v6("fd00::1", 1), d = v6("fd00::1", 2);
	char s[64];

	(void)state;
	assert_true(peer_addr_eq(&a, &b));
	assert_true(peer_addr_eq(&c, &d));
	assert_false(peer_addr_eq(&a, &c));
	assert_false(peer_addr_eq(&a, &(struct peer_addr){ 0 }));
	peer_addr_str(&b, s, sizeof(s));
	assert_string_equal(s, "10.213.0.12");
	peer_addr_str(&c, s, sizeof(s));
	assert_string_equal(s, "fd00::1");
	peer_addr_str(&(struct peer_addr){ 0 }, s, sizeof(s));
	assert_string_equal(s, "unknown address");
}

/* Authenticated connections and free slots do not count. */
static void
test_count(void **state)
{
	struct conn_slot v[6] = { 0 };
	struct peer_addr a = v4("10.0.0.1"), b = v4("10.0.0.2");
	unsigned total, same;

	(void)state;
	v[0] = (struct conn_slot){ .pid = 10, .auth_fd = 3, .addr = a };
	v[1] = (struct conn_slot){ .pid = 11, .auth_fd = 4, .addr = a };
	v[2] = (struct conn_slot){ .pid = 12, .auth_fd = -1, .addr = a };
	v[3] = (struct conn_slot){ .pid = 13, .auth_fd = 5, .addr = b };
	v[4] = (struct conn_slot){ .pid = 0, .auth_fd = 6, .addr = a };
	v[5] = (struct conn_slot){ .pid = 0, .auth_fd = -1 };
	preauth_count(v, 6, &a, &total, &same);
	assert_int_equal(total, 3);
	assert_int_equal(same, 2);
	preauth_count(v, 6, &b, &total, &same);
	assert_int_equal(same, 1);
}

/* The per-source limit holds whatever the random draw. */
static void
test_per_source(void **state)
{
	uint32_t r;

	(void)state;
	for (r = 0; r < 100; r++) {
		assert_int_equal(preauth_admit(0, PREAUTH_PER_SOURCE - 1, r),
		    PREAUTH_ACCEPT);
		assert_int_equal(preauth_admit(PREAUTH_PER_SOURCE,
		    PREAUTH_PER_SOURCE, r), PREAUTH_SOURCE);
	}
	/* one source alone cannot reach the early-drop zone */
	assert_true(PREAUTH_PER_SOURCE <= PREAUTH_START);
}

/* start:rate:full: none dropped below start, rate% at start, growing to
 * all at full. */
static void
test_early_drop(void **state)
{
	unsigned total, dropped;
	uint32_t r;

	(void)state;
	for (total = 0; total <= PREAUTH_FULL + 5; total++) {
		dropped = 0;
		for (r = 0; r < 100; r++)
			if (preauth_admit(total, 0, r) != PREAUTH_ACCEPT)
				dropped++;
		if (total < PREAUTH_START)
			assert_int_equal(dropped, 0);
		else if (total == PREAUTH_START)
			assert_int_equal(dropped, PREAUTH_RATE);
		else if (total >= PREAUTH_FULL)
			assert_int_equal(dropped, 100);
		else
			assert_in_range(dropped, PREAUTH_RATE, 99);
	}
	/* halfway between start and full: halfway between rate and 100 */
	dropped = 0;
	for (r = 0; r < 100; r++)
		if (preauth_admit((PREAUTH_START + PREAUTH_FULL) / 2, 0, r) ==
		    PREAUTH_EARLY)
			dropped++;
	assert_int_equal(dropped, (PREAUTH_RATE + 100) / 2);
	assert_int_equal(preauth_admit(PREAUTH_FULL, 0, 99),
	    PREAUTH_FULL_DROP);
	assert_string_equal(preauth_reason(PREAUTH_SOURCE),
	    "too many unauthenticated connections from it");
}

/* A flood makes one line per interval, with the count of the others. */
static void
test_drop_log(void **state)
{
	struct drop_log d = { 0 };
	unsigned held = 99, lines = 0, i;
	int64_t t = 1000;

	(void)state;
	assert_int_equal(drop_log_timeout(&d, t), -1);
	assert_true(drop_log_due(&d, t, &held));
	assert_int_equal(held, 0);
	for (i = 0; i < 1000; i++)
		if (drop_log_due(&d, t + i, &held))
			lines++;
	assert_int_equal(lines, 0);
	assert_false(drop_log_flush(&d, t + 5000, &held));
	assert_int_equal(drop_log_timeout(&d, t + 4000),
	    PREAUTH_LOG_MS - 4000);
	/* the interval over: the rest in one line, once */
	assert_true(drop_log_flush(&d, t + PREAUTH_LOG_MS, &held));
	assert_int_equal(held, 1000);
	assert_false(drop_log_flush(&d, t + 3 * PREAUTH_LOG_MS, &held));
	assert_int_equal(drop_log_timeout(&d, t + PREAUTH_LOG_MS), -1);
	/* or with the next refusal once the interval is over */
	assert_false(drop_log_due(&d, t + PREAUTH_LOG_MS + 1, &held));
	assert_true(drop_log_due(&d, t + 2 * PREAUTH_LOG_MS, &held));
	assert_int_equal(held, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_per_source),
		cmocka_unit_test(test_early_drop),
		cmocka_unit_test(test_drop_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
