/* Unit tests: frames (proto/frame.c) over memory and a real socketpair. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "frame.h"
#include "proto.h"
#include "transport.h"

struct pair {
	struct transport a, b;
	int fd_a;
};

static int
pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	if (p == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	p->fd_a = sv[0];
	transport_fd_open(&p->a, sv[0], sv[0], "peer-a");
	transport_fd_open(&p->b, sv[1], sv[1], "peer-b");
	/* a test that blocks is a failure, not a hang */
	p->a.timeout_ms = p->b.timeout_ms = 5000;
	*state = p;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair *p = *state;

	transport_close(&p->a);
	transport_close(&p->b);
	free(p);
	return 0;
}

static void
put_hdr(uint8_t *h, uint32_t len, uint16_t type, uint16_t flags, uint32_t id)
{
	h[0] = len >> 24; h[1] = len >> 16; h[2] = len >> 8; h[3] = len;
	h[4] = type >> 8; h[5] = type; h[6] = flags >> 8; h[7] = flags;
	h[8] = id >> 24; h[9] = id >> 16; h[10] = id >> 8; h[11] = id;
}

static void
test_encode_parse_round_trip(void **state)
{
	struct cbuf *out = cbuf_new(PROTO_HDR_LEN * 2 + 16);
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;

	(void)state;
	assert_int_equal(frame_encode(out, MSG_PING, 7, "12345678", 8), 0);
	assert_int_equal(frame_encode(out, MSG_BYE, 8, NULL, 0), 0);
	assert_int_equal(frame_parse(cbuf_ptr(out), cbuf_len(out), &h, &pl,
	    &used), 0);
	assert_int_equal(h.type, MSG_PING);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.len, 8);
	assert_memory_equal(pl, "12345678", 8);
	assert_int_equal(used, PROTO_HDR_LEN + 8);
	assert_int_equal(cbuf_consume(out, used), 0);
	assert_int_equal(frame_parse(cbuf_ptr(out), cbuf_len(out), &h, &pl,
	    &used), 0);
	assert_int_equal(h.type, MSG_BYE);
	assert_int_equal(used, PROTO_HDR_LEN);
	cbuf_free(out);
}

static void
test_parse_rejects(void **state)
{
	uint8_t buf[PROTO_HDR_LEN + 4] = { 0 };
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;

	(void)state;
	/* short header */
	assert_int_equal(frame_parse(buf, PROTO_HDR_LEN - 1, &h, &pl, &used),
	    CERR_TRUNCATED);
	/* payload shorter than announced */
	put_hdr(buf, 8, MSG_PING, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_TRUNCATED);
	assert_null(pl);
	assert_int_equal(used, 0);
	/* over the maximum, even with the bytes "there" */
	put_hdr(buf, PROTO_PAYLOAD_MAX + 1, MSG_PING, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_TOO_BIG);
	put_hdr(buf, 0xffffffffu, MSG_PING, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_TOO_BIG);
	/* unknown types, including 0 and the gap between ranges */
	put_hdr(buf, 0, 0, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_BAD_TYPE);
	put_hdr(buf, 0, 199, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_BAD_TYPE);
	/* unknown flags */
	put_hdr(buf, 0, MSG_BYE, 0x8000, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_PROTOCOL);
	/* exactly the maximum is fine from the header's point of view */
	put_hdr(buf, PROTO_PAYLOAD_MAX, MSG_PING, 0, 1);
	assert_int_equal(frame_parse(buf, sizeof(buf), &h, &pl, &used),
	    CERR_TRUNCATED);
}

static void
test_encode_rejects(void **state)
{
	struct cbuf *out = cbuf_new(64);

	(void)state;
	assert_int_equal(frame_encode(out, 9999, 0, NULL, 0), CERR_BAD_TYPE);
	assert_int_equal(frame_encode(out, MSG_PING, 0, "x",
	    PROTO_PAYLOAD_MAX + 1), CERR_TOO_BIG);
	assert_int_equal(cbuf_len(out), 0);
	cbuf_free(out);
}

static void
test_stream_round_trip(void **state)
{
	struct pair *p = *state;
	struct cbuf *pl = cbuf_new(PROTO_PAYLOAD_MAX);
	struct frame f;
	uint8_t *area;
	size_t i;
	pid_t pid;
	int status;

	/* a maximum-size payload crosses a real socket intact */
	assert_int_equal(cbuf_reserve(pl, PROTO_PAYLOAD_MAX, &area), 0);
	for (i = 0; i < PROTO_PAYLOAD_MAX; i++)
		area[i] = (uint8_t)(i * 7);
	/* the writer runs in a child: a 1 MiB write blocks on the socket */
	if ((pid = fork()) == 0) {
		int r = frame_write(&p->a, MSG_PING, 42, pl);
		_exit(r == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(frame_read(&p->b, &f), 0);
	assert_int_equal(f.h.type, MSG_PING);
	assert_int_equal(f.h.id, 42);
	assert_int_equal(cbuf_len(f.payload), PROTO_PAYLOAD_MAX);
	assert_memory_equal(cbuf_ptr(f.payload), area, PROTO_PAYLOAD_MAX);
	frame_clear(&f);
	assert_null(f.payload);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cbuf_free(pl);
}

static void
test_stream_oversize_refused_before_payload(void **state)
{
	struct pair *p = *state;
	uint8_t hdr[PROTO_HDR_LEN];
	struct frame f;

	put_hdr(hdr, PROTO_PAYLOAD_MAX + 1, MSG_PING, 0, 1);
	assert_int_equal(transport_write(&p->a, hdr, sizeof(hdr)), 0);
	assert_int_equal(frame_read(&p->b, &f), CERR_TOO_BIG);
	assert_null(f.payload);
}

static void
test_stream_truncated_and_eof(void **state)
{
	struct pair *p = *state;
	uint8_t hdr[PROTO_HDR_LEN];
	struct frame f;

	put_hdr(hdr, 100, MSG_PING, 0, 1);
	assert_int_equal(transport_write(&p->a, hdr, sizeof(hdr)), 0);
	assert_int_equal(transport_write(&p->a, "abc", 3), 0);
	shutdown(p->fd_a, SHUT_WR);
	assert_int_equal(frame_read(&p->b, &f), CERR_TRUNCATED);
	assert_null(f.payload);
	/* nothing more: a clean EOF */
	assert_int_equal(frame_read(&p->b, &f), CERR_EOF);
}

static void
test_stream_header_cut(void **state)
{
	struct pair *p = *state;
	struct frame f;

	assert_int_equal(transport_write(&p->a, "\0\0\0", 3), 0);
	shutdown(p->fd_a, SHUT_WR);
	assert_int_equal(frame_read(&p->b, &f), CERR_TRUNCATED);
}

static void
test_stream_unknown_type(void **state)
{
	struct pair *p = *state;
	uint8_t hdr[PROTO_HDR_LEN];
	struct frame f;

	put_hdr(hdr, 0, 4242, 0, 1);
	assert_int_equal(transport_write(&p->a, hdr, sizeof(hdr)), 0);
	assert_int_equal(frame_read(&p->b, &f), CERR_BAD_TYPE);
	assert_int_equal(f.h.type, 4242);  /* reported to the caller */
}

static void
test_stream_timeout(void **state)
{
	struct pair *p = *state;
	struct frame f;

	p->b.timeout_ms = 50;
	assert_int_equal(frame_read(&p->b, &f), CERR_TIMEOUT);
}

/* A peer trickling a byte every 30 ms never lets a 100 ms wait expire;
 * whole_ms bounds the whole frame: refused within about 300 ms, not the
 * 12 x 30 ms x ... the header alone would take.  Writes likewise, to a
 * peer that reads nothing. */
static void
test_stream_whole_deadline(void **state)
{
	struct pair *p = *state;
	struct timespec ts = { 0, 30 * 1000 * 1000 }, t0, t1;
	uint8_t hdr[PROTO_HDR_LEN], big[64 * 1024] = { 0 };
	struct frame f;
	pid_t pid;
	int i, r;

	put_hdr(hdr, 4, MSG_PING, 0, 1);
	if ((pid = fork()) == 0) {
		for (i = 0; i < PROTO_HDR_LEN; i++) {
			if (write(p->fd_a, hdr + i, 1) != 1)
				_exit(1);
			nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	p->b.timeout_ms = 100;
	p->b.whole_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = frame_read(&p->b, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r, CERR_TIMEOUT);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 < 300);
	assert_int_equal(p->b.deadline, 0);   /* none left behind */
	waitpid(pid, NULL, 0);
	/* cut mid-frame, the stream is done: no second wait */
	assert_int_equal(p->b.expired, 1);
	assert_int_equal(transport_write(&p->b, hdr, 1), CERR_TIMEOUT);
	p->b.expired = 0;
	/* the peer reads nothing: the socket buffer fills, then 200 ms */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000 && (r = transport_write(&p->b, big,
	    sizeof(big))) == 0; i++)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r, CERR_TIMEOUT);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 < 300);
}

static void
test_msg_table(void **state)
{
	const struct proto_msg_desc *d;
	const struct proto_msg_desc *e;

	(void)state;
	for (d = proto_msg_table(); d->name != NULL; d++) {
		assert_true(proto_msg_known(d->type));
		assert_string_equal(proto_msg_name(d->type), d->name);
		for (e = d + 1; e->name != NULL; e++)
			assert_int_not_equal(d->type, e->type);
	}
	assert_null(proto_msg_name(0));
	assert_false(proto_msg_known(65535));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_parse_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test_setup_teardown(test_stream_round_trip,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(
		    test_stream_oversize_refused_before_payload,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_stream_truncated_and_eof,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_stream_header_cut,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_stream_unknown_type,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_stream_timeout,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_stream_whole_deadline,
		    pair_setup, pair_teardown),
		cmocka_unit_test(test_msg_table),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
