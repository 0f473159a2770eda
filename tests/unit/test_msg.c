/* Unit tests: message codecs (proto/msg.c): round trips and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "msg.h"
#include "proto.h"

static void
test_hello_round_trip(void **state)
{
	struct msg_hello in = { .vmin = 1, .vmax = 3, .caps = PROTO_CAPS_ALL,
	    .software = "corral-master 9.9", .role = "master" }, out;
	struct cbuf *b = cbuf_new(1024);

	(void)state;
	assert_int_equal(msg_hello_encode(b, &in), 0);
	assert_int_equal(msg_validate(MSG_HELLO, cbuf_ptr(b), cbuf_len(b)), 0);
	assert_int_equal(msg_hello_decode(b, &out), 0);
	assert_int_equal(out.vmin, 1);
	assert_int_equal(out.vmax, 3);
	assert_int_equal(out.caps, PROTO_CAPS_ALL);
	assert_string_equal(out.software, "corral-master 9.9");
	assert_string_equal(out.role, "master");
	cbuf_free(b);
}

static void
test_hello_ok_error_ping_round_trip(void **state)
{
	struct msg_hello_ok ok = { .version = 1, .caps = PROTO_CAP_ZLIB,
	    .software = "corral-slave" }, ok2;
	struct msg_error e = { .code = CERR_VERSION, .message = "nope" }, e2;
	struct msg_ping p = { .token = 0xfeedfacecafebeefULL }, p2;
	struct cbuf *b = cbuf_new(1024);

	(void)state;
	assert_int_equal(msg_hello_ok_encode(b, &ok), 0);
	assert_int_equal(msg_hello_ok_decode(b, &ok2), 0);
	assert_int_equal(ok2.version, 1);
	assert_int_equal(ok2.caps, PROTO_CAP_ZLIB);
	assert_string_equal(ok2.software, "corral-slave");
	cbuf_reset(b);
	assert_int_equal(msg_error_encode(b, &e), 0);
	assert_int_equal(msg_error_decode(b, &e2), 0);
	assert_int_equal(e2.code, CERR_VERSION);   /* sign survives the wire */
	assert_string_equal(e2.message, "nope");
	cbuf_reset(b);
	assert_int_equal(msg_ping_encode(b, &p), 0);
	assert_int_equal(msg_validate(MSG_PONG, cbuf_ptr(b), cbuf_len(b)), 0);
	assert_int_equal(msg_ping_decode(b, &p2), 0);
	assert_true(p2.token == p.token);
	assert_int_equal(msg_validate(MSG_BYE, NULL, 0), 0);
	cbuf_free(b);
}

/* Every strict prefix of a valid payload is refused as truncated, and one
 * extra byte is refused as trailing garbage. */
static void
check_prefixes(uint16_t type, const uint8_t *p, size_t n)
{
	uint8_t *longer = malloc(n + 1);
	size_t i;

	assert_non_null(longer);
	for (i = 0; i < n; i++)
		assert_int_equal(msg_validate(type, p, i), CERR_TRUNCATED);
	memcpy(longer, p, n);
	longer[n] = 0;
	assert_int_equal(msg_validate(type, longer, n + 1), CERR_TRAILING);
	free(longer);
}

static void
test_truncation_and_trailing(void **state)
{
	struct msg_hello h = { .vmin = 1, .vmax = 1, .software = "s",
	    .role = "r" };
	struct msg_hello_ok ok = { .version = 1, .software = "x" };
	struct msg_error e = { .code = 1, .message = "m" };
	struct msg_ping p = { .token = 1 };
	struct cbuf *b = cbuf_new(1024);

	(void)state;
	assert_int_equal(msg_hello_encode(b, &h), 0);
	check_prefixes(MSG_HELLO, cbuf_ptr(b), cbuf_len(b));
	cbuf_reset(b);
	assert_int_equal(msg_hello_ok_encode(b, &ok), 0);
	check_prefixes(MSG_HELLO_OK, cbuf_ptr(b), cbuf_len(b));
	cbuf_reset(b);
	assert_int_equal(msg_error_encode(b, &e), 0);
	check_prefixes(MSG_ERROR, cbuf_ptr(b), cbuf_len(b));
	cbuf_reset(b);
	assert_int_equal(msg_ping_encode(b, &p), 0);
	check_prefixes(MSG_PING, cbuf_ptr(b), cbuf_len(b));
	assert_int_equal(msg_validate(MSG_BYE, (const uint8_t *)"x", 1),
	    CERR_TRAILING);
	cbuf_free(b);
}

static void
test_hello_bad_fields(void **state)
{
	struct cbuf *b = cbuf_new(4096);
	char longsw[MSG_SOFTWARE_MAX + 1];

	(void)state;
	/* software string over its bound */
	memset(longsw, 'a', sizeof(longsw) - 1);
	longsw[sizeof(longsw) - 1] = '\0';
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	assert_int_equal(cbuf_put_cstring(b, longsw), 0);
	assert_int_equal(cbuf_put_cstring(b, "master"), 0);
	assert_int_equal(msg_validate(MSG_HELLO, cbuf_ptr(b), cbuf_len(b)),
	    CERR_BAD_STRING);
	/* NUL inside the role */
	cbuf_reset(b);
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	assert_int_equal(cbuf_put_cstring(b, "sw"), 0);
	assert_int_equal(cbuf_put_blob(b, "ma\0ster", 7), 0);
	assert_int_equal(msg_validate(MSG_HELLO, cbuf_ptr(b), cbuf_len(b)),
	    CERR_BAD_STRING);
	/* vmin > vmax */
	cbuf_reset(b);
	assert_int_equal(cbuf_put_u16(b, 3), 0);
	assert_int_equal(cbuf_put_u16(b, 2), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	assert_int_equal(cbuf_put_cstring(b, "sw"), 0);
	assert_int_equal(cbuf_put_cstring(b, "cli"), 0);
	assert_int_equal(msg_validate(MSG_HELLO, cbuf_ptr(b), cbuf_len(b)),
	    CERR_PROTOCOL);
	/* a string length that points far past the payload */
	cbuf_reset(b);
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u16(b, 1), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	assert_int_equal(cbuf_put_u32(b, 0x7fffffff), 0);
	assert_int_equal(msg_validate(MSG_HELLO, cbuf_ptr(b), cbuf_len(b)),
	    CERR_BAD_STRING);
	cbuf_free(b);
}

static void
test_validate_unknown_type(void **state)
{
	(void)state;
	assert_int_equal(msg_validate(12345, NULL, 0), CERR_BAD_TYPE);
}

static void
test_errfmt_names_peer_and_type(void **state)
{
	char buf[256];

	(void)state;
	msg_errfmt(buf, sizeof(buf), "h3", MSG_HELLO, CERR_TRUNCATED);
	assert_string_equal(buf,
	    "h3: HELLO: field runs past the end of the message");
	msg_errfmt(buf, sizeof(buf), "h3", 777, CERR_BAD_TYPE);
	assert_string_equal(buf, "h3: message type 777: unknown message type");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_hello_ok_error_ping_round_trip),
		cmocka_unit_test(test_truncation_and_trailing),
		cmocka_unit_test(test_hello_bad_fields),
		cmocka_unit_test(test_validate_unknown_type),
		cmocka_unit_test(test_errfmt_names_peer_and_type),
	};

	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
