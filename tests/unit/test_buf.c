/* Unit tests: bounded buffer API (proto/buf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"

static void
test_ints_round_trip(void **state)
{
	struct cbuf *b = cbuf_new(64);
	uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; int64_t i64;

	(void)state;
	assert_non_null(b);
	assert_int_equal(cbuf_put_u8(b, 0xab), 0);
	assert_int_equal(cbuf_put_u16(b, 0xbeef), 0);
	assert_int_equal(cbuf_put_u32(b, 0xdeadbeef), 0);
	assert_int_equal(cbuf_put_u64(b, 0x0123456789abcdefULL), 0);
	assert_int_equal(cbuf_put_i64(b, -42), 0);
	assert_int_equal(cbuf_len(b), 1 + 2 + 4 + 8 + 8);
	/* big-endian on the wire */
	assert_memory_equal(cbuf_ptr(b), "\xab\xbe\xef\xde\xad\xbe\xef", 7);
	assert_int_equal(cbuf_get_u8(b, &u8), 0);
	assert_int_equal(cbuf_get_u16(b, &u16), 0);
	assert_int_equal(cbuf_get_u32(b, &u32), 0);
	assert_int_equal(cbuf_get_u64(b, &u64), 0);
	assert_int_equal(cbuf_get_i64(b, &i64), 0);
	assert_int_equal(u8, 0xab);
	assert_int_equal(u16, 0xbeef);
	assert_int_equal(u32, 0xdeadbeef);
	assert_true(u64 == 0x0123456789abcdefULL);
	assert_true(i64 == -42);
	assert_int_equal(cbuf_expect_end(b), 0);
	cbuf_free(b);
}

static void
test_truncated_ints(void **state)
{
	static const uint8_t three[] = { 1, 2, 3 };
	struct cbuf *b = cbuf_from(three, sizeof(three));
	uint32_t u32 = 99; uint64_t u64 = 99; uint16_t u16;

	(void)state;
	assert_int_equal(cbuf_get_u32(b, &u32), CERR_TRUNCATED);
	assert_int_equal(u32, 0);            /* output cleared */
	assert_int_equal(cbuf_len(b), 3);    /* nothing consumed */
	assert_int_equal(cbuf_get_u64(b, &u64), CERR_TRUNCATED);
	assert_int_equal(cbuf_get_u16(b, &u16), 0);
	assert_int_equal(u16, 0x0102);
	assert_int_equal(cbuf_expect_end(b), CERR_TRAILING);
	cbuf_free(b);
}

static void
test_max_size_enforced(void **state)
{
	struct cbuf *b = cbuf_new(10);
	uint8_t *p;

	(void)state;
	assert_int_equal(cbuf_put(b, "0123456789", 10), 0);
	assert_int_equal(cbuf_put_u8(b, 1), CERR_BUF_FULL);
	assert_int_equal(cbuf_reserve(b, 1, &p), CERR_BUF_FULL);
	assert_null(p);
	assert_int_equal(cbuf_len(b), 10);
	cbuf_reset(b);
	assert_int_equal(cbuf_len(b), 0);
	/* a blob whose header fits but whose body does not leaves b unchanged */
	assert_int_equal(cbuf_put_blob(b, "abcdefg", 7), CERR_BUF_FULL);
	assert_int_equal(cbuf_len(b), 0);
	assert_int_equal(cbuf_put_blob(b, "abcdef", 6), 0);
	cbuf_free(b);
	assert_null(cbuf_new(CBUF_SIZE_MAX + 1));
}

static void
test_readonly_view(void **state)
{
	static const uint8_t data[] = { 0, 0, 0, 1, 'x' };
	struct cbuf *b = cbuf_from(data, sizeof(data));

	(void)state;
	assert_int_equal(cbuf_put_u8(b, 1), CERR_INVALID);
	assert_int_equal(cbuf_consume(b, 6), CERR_TRUNCATED);
	assert_int_equal(cbuf_consume(b, 5), 0);
	assert_int_equal(cbuf_len(b), 0);
	cbuf_free(b);
}

static void
test_strings(void **state)
{
	struct cbuf *b = cbuf_new(1024);
	char *s = NULL;
	char small[4];

	(void)state;
	assert_int_equal(cbuf_put_cstring(b, "hello"), 0);
	assert_int_equal(cbuf_put_cstring(b, NULL), 0);
	assert_int_equal(cbuf_put_cstring(b, "toolong"), 0);
	assert_int_equal(cbuf_get_cstring(b, 64, &s), 0);
	assert_string_equal(s, "hello");
	free(s);
	assert_int_equal(cbuf_get_cstring(b, 64, &s), 0);
	assert_string_equal(s, "");
	free(s);
	/* over the caller's bound: refused, nothing consumed */
	assert_int_equal(cbuf_get_cstring_into(b, small, sizeof(small)),
	    CERR_BAD_STRING);
	assert_string_equal(small, "");
	assert_int_equal(cbuf_get_cstring(b, 6, &s), CERR_BAD_STRING);
	assert_null(s);
	assert_int_equal(cbuf_get_cstring(b, 7, &s), 0);
	assert_string_equal(s, "toolong");
	free(s);
	cbuf_free(b);
}

static void
test_string_with_nul_refused(void **state)
{
	static const uint8_t data[] = { 0, 0, 0, 3, 'a', 0, 'b' };
	struct cbuf *b = cbuf_from(data, sizeof(data));
	char *s = NULL;
	char out[16];

	(void)state;
	assert_int_equal(cbuf_get_cstring(b, 64, &s), CERR_BAD_STRING);
	assert_null(s);
	assert_int_equal(cbuf_get_cstring_into(b, out, sizeof(out)),
	    CERR_BAD_STRING);
	assert_int_equal(cbuf_len(b), sizeof(data));
	cbuf_free(b);
}

static void
test_blob_past_end(void **state)
{
	/* claims 100 bytes, has 2 */
	static const uint8_t data[] = { 0, 0, 0, 100, 'a', 'b' };
	/* claims 4 GiB - 1 */
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	struct cbuf *b = cbuf_from(data, sizeof(data));
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(cbuf_get_blob_view(b, 1000, &p, &n), CERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(cbuf_get_blob_view(b, 10, &p, &n), CERR_TOO_BIG);
	cbuf_free(b);
	b = cbuf_from(huge, sizeof(huge));
	assert_int_equal(cbuf_get_blob_view(b, SIZE_MAX, &p, &n), CERR_TRUNCATED);
	cbuf_free(b);
}

static void
test_blob_round_trip(void **state)
{
	uint8_t bin[300];
	struct cbuf *b = cbuf_new(4096);
	const uint8_t *p;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)i;
	assert_int_equal(cbuf_put_blob(b, bin, sizeof(bin)), 0);
	assert_int_equal(cbuf_put_blob(b, NULL, 0), 0);
	assert_int_equal(cbuf_get_blob_view(b, sizeof(bin), &p, &n), 0);
	assert_int_equal(n, sizeof(bin));
	assert_memory_equal(p, bin, sizeof(bin));
	assert_int_equal(cbuf_get_blob_view(b, 0, &p, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cbuf_expect_end(b), 0);
	cbuf_free(b);
}

static void
test_list_counts(void **state)
{
	struct cbuf *b = cbuf_new(1024);
	uint32_t n, i, v;

	(void)state;
	assert_int_equal(cbuf_put_u32(b, 3), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(cbuf_put_u32(b, i * 10), 0);
	assert_int_equal(cbuf_get_count(b, 16, 4, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(cbuf_get_u32(b, &v), 0);
		assert_int_equal(v, i * 10);
	}
	cbuf_reset(b);
	/* count over the maximum */
	assert_int_equal(cbuf_put_u32(b, 17), 0);
	assert_int_equal(cbuf_get_count(b, 16, 0, &n), CERR_BAD_COUNT);
	assert_int_equal(n, 0);
	cbuf_reset(b);
	/* count larger than the bytes that follow could hold */
	assert_int_equal(cbuf_put_u32(b, 1000000), 0);
	assert_int_equal(cbuf_put_u32(b, 1), 0);
	assert_int_equal(cbuf_get_count(b, UINT32_MAX, 4, &n), CERR_BAD_COUNT);
	assert_int_equal(cbuf_len(b), 8);
	cbuf_free(b);
}

static void
test_growth_and_compaction(void **state)
{
	struct cbuf *b = cbuf_new(1 << 20);
	uint32_t v, i;

	(void)state;
	/* interleave writes and reads: the buffer must keep FIFO order */
	for (i = 0; i < 100000; i++) {
		assert_int_equal(cbuf_put_u32(b, i), 0);
		if (i % 2 == 1) {
			assert_int_equal(cbuf_get_u32(b, &v), 0);
			assert_int_equal(v, i / 2);
		}
	}
	assert_int_equal(cbuf_len(b), 50000 * 4);
	cbuf_free(b);
}

static void
test_cerr_strings(void **state)
{
	int c;

	(void)state;
	for (c = 0; c >= CERR_UNREACHABLE; c--)
		assert_string_not_equal(cerr_str(c), "unknown error");
	assert_string_equal(cerr_str(-999), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints_round_trip),
		cmocka_unit_test(test_truncated_ints),
		cmocka_unit_test(test_max_size_enforced),
		cmocka_unit_test(test_readonly_view),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_string_with_nul_refused),
		cmocka_unit_test(test_blob_past_end),
		cmocka_unit_test(test_blob_round_trip),
		cmocka_unit_test(test_list_counts),
		cmocka_unit_test(test_growth_and_compaction),
		cmocka_unit_test(test_cerr_strings),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
