/* Unit tests: codecs of CT_CREATE and SNAP messages (and their CLI_
 * twins): round trips, and out-of-range values refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"

static void
test_create_round_trip(void **state)
{
	struct msg_create_req q = { .host = "h1", .ct = "web", .bytes = 1 << 30,
	    .tmpl = "busybox", .start = 1 }, q2;
	struct msg_create a = { .host = "h1", .ct = "web", .backend = "lvm",
	    .rootfs = "lvm:/dev/vg0/web" }, a2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_create_req_encode(b, &q), 0);
	assert_int_equal(msg_validate(MSG_CT_CREATE_REQ, cbuf_ptr(b),
	    cbuf_len(b)), 0);
	assert_int_equal(msg_create_req_decode(b, &q2), 0);
	assert_memory_equal(&q, &q2, sizeof(q));
	cbuf_reset(b);
	assert_int_equal(msg_create_encode(b, &a), 0);
	assert_int_equal(msg_create_decode(b, &a2), 0);
	assert_string_equal(a2.rootfs, "lvm:/dev/vg0/web");
	assert_string_equal(a2.backend, "lvm");
	cbuf_free(b);
}

static void
test_create_bad_start(void **state)
{
	struct msg_create_req q = { .ct = "web", .start = 4 }, q2;
	struct cbuf *b = cbuf_new(1024);

	(void)state;
	assert_int_equal(msg_create_req_encode(b, &q), 0);
	assert_int_equal(msg_create_req_decode(b, &q2), CERR_PROTOCOL);
	/* start and detach are the bits it has */
	cbuf_reset(b);
	q.start = MSG_NEW_START | MSG_NEW_DETACH;
	assert_int_equal(msg_create_req_encode(b, &q), 0);
	assert_int_equal(msg_create_req_decode(b, &q2), 0);
	assert_int_equal(q2.start, MSG_NEW_START | MSG_NEW_DETACH);
	cbuf_free(b);
}

static void
test_snap_round_trip(void **state)
{
	struct msg_snap_req q = { .host = "h2", .ct = "db",
	    .op = MSG_SNAP_DROP_STALE, .bytes = 64 << 20, .job = 1ull << 40 },
	    q2;
	struct msg_snap a = { .host = "h2", .ct = "db", .backend = "lvm",
	    .kind = MSG_SNAPK_SNAPSHOT, .valid = 1, .fill_permille = 812,
	    .warn_permille = 800, .size = 64 << 20,
	    .path = ".corral-snap/db", .owner = MSG_SNAPO_STALE,
	    .job = 1ull << 40, .pid = 4000000, .leftover = 1 }, a2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_snap_req_encode(b, &q), 0);
	assert_int_equal(msg_validate(MSG_CLI_SNAP_REQ, cbuf_ptr(b),
	    cbuf_len(b)), 0);
	assert_int_equal(msg_snap_req_decode(b, &q2), 0);
	/* field by field: the struct's padding is not the codec's */
	assert_string_equal(q2.host, q.host);
	assert_string_equal(q2.ct, q.ct);
	assert_int_equal(q2.op, q.op);
	assert_true(q2.bytes == q.bytes && q2.job == q.job);
	cbuf_reset(b);
	assert_int_equal(msg_snap_encode(b, &a), 0);
	assert_int_equal(msg_validate(MSG_SNAP, cbuf_ptr(b), cbuf_len(b)), 0);
	assert_int_equal(msg_snap_decode(b, &a2), 0);
	assert_int_equal(a2.fill_permille, 812);
	assert_int_equal(a2.kind, MSG_SNAPK_SNAPSHOT);
	assert_string_equal(a2.path, ".corral-snap/db");
	/* which send took it */
	assert_int_equal(a2.owner, MSG_SNAPO_STALE);
	assert_true(a2.job == 1ull << 40);
	assert_int_equal(a2.pid, 4000000);
	assert_int_equal(a2.leftover, 1);
	cbuf_free(b);
}

static void
test_snap_out_of_range(void **state)
{
	struct msg_snap_req q = { .ct = "db", .op = 5 }, q2;
	struct msg_snap a = { .ct = "db", .kind = 9 }, a2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_snap_req_encode(b, &q), 0);
	assert_int_equal(msg_snap_req_decode(b, &q2), CERR_PROTOCOL);
	cbuf_reset(b);
	q.op = 0;
	assert_int_equal(msg_snap_req_encode(b, &q), 0);
	assert_int_equal(msg_snap_req_decode(b, &q2), CERR_PROTOCOL);
	cbuf_reset(b);
	assert_int_equal(msg_snap_encode(b, &a), 0);
	assert_int_equal(msg_snap_decode(b, &a2), CERR_PROTOCOL);
	cbuf_reset(b);
	a.kind = MSG_SNAPK_FROZEN;
	a.fill_permille = 1001;
	assert_int_equal(msg_snap_encode(b, &a), 0);
	assert_int_equal(msg_snap_decode(b, &a2), CERR_PROTOCOL);
	/* an owner or a leftover flag out of range */
	cbuf_reset(b);
	a.fill_permille = 0;
	a.owner = MSG_SNAPO_STALE + 1;
	assert_int_equal(msg_snap_encode(b, &a), 0);
	assert_int_equal(msg_snap_decode(b, &a2), CERR_PROTOCOL);
	cbuf_reset(b);
	a.owner = MSG_SNAPO_SEND;
	a.leftover = 2;
	assert_int_equal(msg_snap_encode(b, &a), 0);
	assert_int_equal(msg_snap_decode(b, &a2), CERR_PROTOCOL);
	cbuf_free(b);
}

static void
test_snap_truncated(void **state)
{
	struct msg_snap a = { .ct = "db", .kind = 1, .path = "x" };
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	size_t n, cut;

	(void)state;
	assert_int_equal(msg_snap_encode(b, &a), 0);
	n = cbuf_len(b);
	for (cut = 0; cut < n; cut++)
		assert_int_not_equal(msg_validate(MSG_SNAP, cbuf_ptr(b), cut),
		    0);
	cbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_round_trip),
		cmocka_unit_test(test_create_bad_start),
		cmocka_unit_test(test_snap_round_trip),
		cmocka_unit_test(test_snap_out_of_range),
		cmocka_unit_test(test_snap_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
