/* Unit tests: the codecs of place, balance and host drain
 * (proto/msg_place.c): a plan's round trip with a drain's arrivals, a
 * balance's without, and what the decoder refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "msg.h"
#include "proto.h"

static struct cbuf *
fresh(void)
{
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	assert_non_null(b);
	return b;
}

static void
fill(struct msg_plan_move *v, struct msg_plan_arrival *a)
{
	memset(v, 0, 2 * sizeof(*v));
	strcpy(v[0].ct, "d1");
	strcpy(v[0].from, "h1");
	strcpy(v[0].to, "h2");
	v[0].to_after = 41000;
	v[0].job = 12;
	strcpy(v[0].note, "done");
	strcpy(v[1].ct, "big");
	strcpy(v[1].from, "h1");
	strcpy(v[1].note, "fits nowhere (memory 9 MiB, disk 9 MiB): stays");
	memset(a, 0, 2 * sizeof(*a));
	a[0].job = 9;
	strcpy(a[0].kind, "move");
	strcpy(a[0].ct, "a1");
	strcpy(a[0].state, "running");
	strcpy(a[0].note, "arriving on h1: drain again once it ends");
	a[1].job = 10;
	strcpy(a[1].kind, "create");
	strcpy(a[1].ct, "n1");
	strcpy(a[1].state, "queued");
	strcpy(a[1].note, "queued toward h1: will be refused");
}

/* A drain's answer comes back whole, its arrivals after its moves. */
static void
test_plan_round_trip(void **state)
{
	struct msg_plan_move v[2];
	struct msg_plan_arrival a[2];
	struct msg_plan m = { .imbalance_before = 30000,
	    .imbalance_after = 20000, .v = v, .n = 2, .a = a, .n_a = 2 }, out;
	struct cbuf *b = fresh();

	(void)state;
	fill(v, a);
	assert_int_equal(msg_plan_encode(b, &m), 0);
	assert_int_equal(msg_validate(MSG_CLI_PLAN, cbuf_ptr(b), cbuf_len(b)),
	    0);
	assert_int_equal(msg_plan_decode(b, &out), 0);
	assert_int_equal(out.imbalance_before, 30000);
	assert_int_equal(out.imbalance_after, 20000);
	assert_int_equal(out.n, 2);
	assert_memory_equal(out.v, v, sizeof(v));
	assert_int_equal(out.n_a, 2);
	assert_memory_equal(out.a, a, sizeof(a));
	msg_plan_free(&out);
	assert_null(out.v);
	assert_null(out.a);
	cbuf_free(b);
}

/* A balance's plan has no arrivals; an empty plan is an answer too. */
static void
test_plan_without_arrivals(void **state)
{
	struct msg_plan_move v[2];
	struct msg_plan_arrival a[2];
	struct msg_plan m = { .v = v, .n = 2 }, none = { 0 }, out;
	struct cbuf *b = fresh();

	(void)state;
	fill(v, a);
	assert_int_equal(msg_plan_encode(b, &m), 0);
	assert_int_equal(msg_plan_decode(b, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.n_a, 0);
	assert_null(out.a);
	msg_plan_free(&out);
	cbuf_reset(b);
	assert_int_equal(msg_plan_encode(b, &none), 0);
	assert_int_equal(msg_plan_decode(b, &out), 0);
	assert_int_equal(out.n + out.n_a, 0);
	cbuf_free(b);
}

/* Encode m, cut or extended as asked, and decode it: its result. */
static int
decode_of(const struct msg_plan *m, size_t cut, bool extra)
{
	struct cbuf *b = fresh(), *c;
	struct msg_plan out;
	int r;

	assert_int_equal(msg_plan_encode(b, m), 0);
	if (extra)
		assert_int_equal(cbuf_put_u8(b, 0), 0);
	assert_non_null(c = cbuf_from(cbuf_ptr(b), cbuf_len(b) - cut));
	if ((r = msg_plan_decode(c, &out)) == 0)
		msg_plan_free(&out);
	cbuf_free(c);
	cbuf_free(b);
	return r;
}

/* An answer cut anywhere, or with bytes after its arrivals, or an arrival
 * without a job or a kind: refused (and nothing leaks: ASan). */
static void
test_plan_refused(void **state)
{
	struct msg_plan_move v[2];
	struct msg_plan_arrival a[2];
	struct msg_plan m = { .v = v, .n = 2, .a = a, .n_a = 2 };
	struct cbuf *b = fresh();
	size_t len, cut;

	(void)state;
	fill(v, a);
	assert_int_equal(msg_plan_encode(b, &m), 0);
	len = cbuf_len(b);
	cbuf_free(b);
	for (cut = 1; cut <= len; cut++)
		assert_int_not_equal(decode_of(&m, cut, false), 0);
	assert_int_not_equal(decode_of(&m, 0, true), 0);
	/* the old form, the moves' list ending the payload: the arrivals'
	 * count is missing */
	m.n_a = 0;
	assert_int_equal(decode_of(&m, 4, false), CERR_TRUNCATED);
	m.n_a = 2;
	a[1].job = 0;
	assert_int_equal(decode_of(&m, 0, false), CERR_PROTOCOL);
	a[1].job = 10;
	a[0].kind[0] = '\0';
	assert_int_equal(decode_of(&m, 0, false), CERR_PROTOCOL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_round_trip),
		cmocka_unit_test(test_plan_without_arrivals),
		cmocka_unit_test(test_plan_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
