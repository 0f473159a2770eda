/* Unit tests: the request loop (common/reqloop.c) over a socketpair, the
 * loop in a child with a small table, the test as its client. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "reqloop.h"
#include "transport.h"
#include "tree.h"

#define OWN_CODE 1234    /* an operation's own error code */

MSG_ENC(msg_ping)

/* HOST_INFO_REQ: a handler that fails with a CERR_* code */
static int
h_fail(struct reqloop *l, const struct frame *f)
{
	(void)l;
	(void)f;
	return CERR_INVALID;
}

/* CT_LIST_REQ: a handler that answers its own failure */
static int
h_own(struct reqloop *l, const struct frame *f)
{
	char name[PROTO_NAME_MAX];
	int r;

	if ((r = msg_name_decode(f->payload, name, sizeof(name))) != 0)
		return r;
	return reply_error(l->t, f->h.id, OWN_CODE, "no %s here", name);
}

/* CLI_HOSTS_REQ (once) and TREE_SEND_REQ (takeover): answer PONG */
static int
h_pong(struct reqloop *l, const struct frame *f)
{
	struct msg_ping p = { .token = f->h.id };

	return reply_msg(l->t, MSG_PONG, f->h.id, msg_ping_enc, &p);
}

static const struct req_handler table[] = {
	{ MSG_HOST_INFO_REQ, 0, h_fail },
	{ MSG_CT_LIST_REQ,   0, h_own },
	{ MSG_CLI_HOSTS_REQ, REQ_ONCE, h_pong },
	{ MSG_TREE_SEND_REQ, REQ_TAKEOVER, h_pong },
	{ MSG_PING,  0, reqloop_ping },
	{ MSG_BYE,   0, reqloop_bye },
	{ MSG_ERROR, 0, reqloop_peer_error },
};

/* The loop in a thread on one end of a socketpair, the test on the other. */
struct server {
	struct transport t;
	pthread_t tid;
	int result;
};

static void *
serve_thread(void *arg)
{
	struct server *sv = arg;
	struct reqloop l = { .t = &sv->t, .table = table,
	    .n = sizeof(table) / sizeof(table[0]) };

	sv->result = reqloop_run(&l);
	/* the test sees EOF once the loop is over */
	transport_close(&sv->t);
	return NULL;
}

static void
open_pair(struct server *sv, struct transport *t)
{
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	transport_fd_open(&sv->t, fds[1], fds[1], "client");
	sv->t.timeout_ms = 5000;
	transport_fd_open(t, fds[0], fds[0], "loop");
	t->timeout_ms = 5000;
	assert_int_equal(pthread_create(&sv->tid, NULL, serve_thread, sv), 0);
}

/* The loop's result, once it is over. */
static int
close_pair(struct server *sv)
{
	assert_int_equal(pthread_join(sv->tid, NULL), 0);
	return sv->result;
}

/* Read one frame: of type want with id; an ERROR's code into *code. */
static void
expect(struct transport *t, uint16_t want, uint32_t id, int *code)
{
	struct msg_error e;
	struct frame f;

	assert_int_equal(frame_read(t, &f), 0);
	assert_int_equal(f.h.type, want);
	assert_int_equal(f.h.id, id);
	if (want == MSG_ERROR) {
		assert_int_equal(msg_error_decode(f.payload, &e), 0);
		*code = e.code;
	}
	frame_clear(&f);
}

static void
send_ping(struct transport *t, uint16_t type, uint32_t id)
{
	struct cbuf *b = cbuf_new(16);

	assert_int_equal(cbuf_put_u64(b, 7), 0);
	assert_int_equal(frame_write(t, type, id, b), 0);
	cbuf_free(b);
}

static void
test_ping_bye(void **state)
{
	struct server sv;
	struct transport t;

	(void)state;
	open_pair(&sv, &t);
	send_ping(&t, MSG_PING, 3);
	expect(&t, MSG_PONG, 3, NULL);
	assert_int_equal(frame_write(&t, MSG_BYE, 4, NULL), 0);
	expect(&t, MSG_BYE, 4, NULL);
	assert_int_equal(close_pair(&sv), 0);
	transport_close(&t);
}

static void
test_refusals_keep_the_session(void **state)
{
	struct transport t;
	struct msg_error e = { .code = CERR_REMOTE, .message = "test" };
	struct cbuf *b = cbuf_new(1024);
	struct server sv;
	int code = 0;

	(void)state;
	open_pair(&sv, &t);
	/* known to the protocol, not served by this table */
	send_ping(&t, MSG_PONG, 1);
	expect(&t, MSG_ERROR, 1, &code);
	assert_int_equal(code, CERR_PROTOCOL);
	/* malformed: refused before the handler */
	assert_int_equal(frame_write(&t, MSG_PING, 2, NULL), 0);
	expect(&t, MSG_ERROR, 2, &code);
	assert_int_equal(code, CERR_TRUNCATED);
	/* the handler's CERR_* code */
	assert_int_equal(frame_write(&t, MSG_HOST_INFO_REQ, 3, NULL), 0);
	expect(&t, MSG_ERROR, 3, &code);
	assert_int_equal(code, CERR_INVALID);
	/* the handler's own answer */
	assert_int_equal(msg_name_encode(b, "c1"), 0);
	assert_int_equal(frame_write(&t, MSG_CT_LIST_REQ, 4, b), 0);
	expect(&t, MSG_ERROR, 4, &code);
	assert_int_equal(code, OWN_CODE);
	/* a peer's ERROR takes no answer: the next reply is the next
	 * request's */
	cbuf_reset(b);
	assert_int_equal(msg_error_encode(b, &e), 0);
	assert_int_equal(frame_write(&t, MSG_ERROR, 0, b), 0);
	cbuf_reset(b);
	assert_int_equal(msg_flag_encode(b, 1), 0);
	assert_int_equal(frame_write(&t, MSG_CLI_HOSTS_REQ, 5, b), 0);
	expect(&t, MSG_PONG, 5, NULL);
	/* once */
	assert_int_equal(frame_write(&t, MSG_CLI_HOSTS_REQ, 6, b), 0);
	expect(&t, MSG_ERROR, 6, &code);
	assert_int_equal(code, CERR_PROTOCOL);
	send_ping(&t, MSG_PING, 7);
	expect(&t, MSG_PONG, 7, NULL);
	/* the peer leaving between requests is no error */
	transport_close(&t);
	assert_int_equal(close_pair(&sv), 0);
	cbuf_free(b);
}

static void
test_unknown_type_ends(void **state)
{
	struct server sv;
	struct transport t;
	int code = 0;
	/* type 9999: no such message */
	static const uint8_t bad[] = { 0, 0, 0, 0, 0x27, 0x0f, 0, 0,
	    0, 0, 0, 9 };

	(void)state;
	open_pair(&sv, &t);
	assert_int_equal(transport_write(&t, bad, sizeof(bad)), 0);
	expect(&t, MSG_ERROR, 9, &code);
	assert_int_equal(code, CERR_BAD_TYPE);
	assert_int_equal(close_pair(&sv), CERR_BAD_TYPE);
	transport_close(&t);
}

static void
test_takeover_ends(void **state)
{
	struct tree_req q = { .path = "x", .zlevel = 1 };
	struct transport t;
	struct cbuf *b = cbuf_new(8192);
	struct server sv;
	struct frame f;

	(void)state;
	open_pair(&sv, &t);
	assert_int_equal(tree_req_encode(b, &q), 0);
	assert_int_equal(frame_write(&t, MSG_TREE_SEND_REQ, 1, b), 0);
	expect(&t, MSG_PONG, 1, NULL);
	/* the loop served nothing after it */
	assert_int_equal(frame_read(&t, &f), CERR_EOF);
	assert_int_equal(close_pair(&sv), 0);
	transport_close(&t);
	cbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_bye),
		cmocka_unit_test(test_refusals_keep_the_session),
		cmocka_unit_test(test_unknown_type_ends),
		cmocka_unit_test(test_takeover_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
