/* Unit tests: the HELLO exchange (proto/hello.c) over a real socketpair,
 * client and server in two processes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "msg.h"
#include "proto.h"
#include "transport.h"

/* Run the server side in a child; it exits with the code's absolute value. */
static pid_t
spawn_server(int fd, uint16_t vmin, uint16_t vmax, uint32_t caps)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct hello_params sp = { .vmin = vmin, .vmax = vmax,
		    .caps = caps, .software = "corral-slave test" };
		struct hello_result res;
		struct transport t;
		char err[512];
		int r;

		transport_fd_open(&t, fd, fd, "client");
		t.timeout_ms = 5000;
		r = hello_server(&t, &sp, &res, err, sizeof(err));
		/* report what the server saw through the exit code */
		if (r == 0 && strcmp(res.peer_role, "master") != 0)
			r = -100;
		transport_close(&t);
		_exit(-r);
	}
	return pid;
}

static int
wait_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1000;
	return -WEXITSTATUS(status);
}

static void
test_negotiate(void **state)
{
	uint16_t v;

	(void)state;
	assert_int_equal(hello_negotiate(1, 1, 1, 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(hello_negotiate(1, 3, 2, 5, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(hello_negotiate(1, 1, 2, 3, &v), CERR_VERSION);
	assert_int_equal(v, 0);
	assert_int_equal(hello_negotiate(4, 2, 1, 9, &v), CERR_VERSION);
}

static void
test_handshake_ok(void **state)
{
	struct hello_params cp = { .caps = PROTO_CAPS_ALL,
	    .software = "corral-master test", .role = "master" };
	struct hello_result res;
	struct transport t;
	char err[512] = "";
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = spawn_server(sv[1], 0, 0, PROTO_CAP_ZLIB);
	close(sv[1]);
	transport_fd_open(&t, sv[0], sv[0], "h1");
	t.timeout_ms = 5000;
	assert_int_equal(hello_client(&t, &cp, &res, err, sizeof(err)), 0);
	assert_int_equal(res.version, PROTO_VERSION);
	assert_int_equal(res.caps, PROTO_CAP_ZLIB);   /* the intersection */
	assert_string_equal(res.peer_software, "corral-slave test");
	transport_close(&t);
	assert_int_equal(wait_code(pid), 0);
}

static void
test_version_mismatch_names_both(void **state)
{
	struct hello_params cp = { .vmin = 7, .vmax = 9,
	    .software = "corral-master future", .role = "master" };
	struct hello_result res;
	struct transport t;
	char err[512] = "";
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = spawn_server(sv[1], 1, 2, 0);
	close(sv[1]);
	transport_fd_open(&t, sv[0], sv[0], "h2");
	t.timeout_ms = 5000;
	assert_int_equal(hello_client(&t, &cp, &res, err, sizeof(err)),
	    CERR_VERSION);
	assert_string_equal(err, "h2: HELLO refused: protocol version "
	    "mismatch: corral-master future speaks 7..9, corral-slave test "
	    "speaks 1..2");
	transport_close(&t);
	assert_int_equal(wait_code(pid), CERR_VERSION);
}

static void
test_nothing_before_hello(void **state)
{
	struct transport t;
	struct frame f;
	struct msg_error e;
	struct cbuf *b = cbuf_new(64);
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = spawn_server(sv[1], 0, 0, 0);
	close(sv[1]);
	transport_fd_open(&t, sv[0], sv[0], "h3");
	t.timeout_ms = 5000;
	assert_int_equal(cbuf_put_u64(b, 1), 0);
	assert_int_equal(frame_write(&t, MSG_PING, 1, b), 0);
	/* the server answers ERROR, then drops us */
	assert_int_equal(frame_read(&t, &f), 0);
	assert_int_equal(f.h.type, MSG_ERROR);
	assert_int_equal(msg_error_decode(f.payload, &e), 0);
	assert_int_equal(e.code, CERR_PROTOCOL);
	assert_non_null(strstr(e.message, "PING before HELLO"));
	frame_clear(&f);
	assert_int_equal(frame_read(&t, &f), CERR_EOF);
	transport_close(&t);
	cbuf_free(b);
	assert_int_equal(wait_code(pid), CERR_PROTOCOL);
}

static void
test_garbage_hello(void **state)
{
	struct transport t;
	struct frame f;
	struct msg_error e;
	int sv[2];
	pid_t pid;
	/* HELLO frame whose software string claims 1000 bytes */
	static const uint8_t bad[] = {
		0, 0, 0, 12, 0, 100, 0, 0, 0, 0, 0, 1,
		0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 3, 232 };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = spawn_server(sv[1], 0, 0, 0);
	close(sv[1]);
	transport_fd_open(&t, sv[0], sv[0], "h4");
	t.timeout_ms = 5000;
	assert_int_equal(transport_write(&t, bad, sizeof(bad)), 0);
	assert_int_equal(frame_read(&t, &f), 0);
	assert_int_equal(f.h.type, MSG_ERROR);
	assert_int_equal(msg_error_decode(f.payload, &e), 0);
	assert_non_null(strstr(e.message, "client: HELLO: "));
	frame_clear(&f);
	transport_close(&t);
	assert_int_equal(wait_code(pid), CERR_BAD_STRING);
}

static void
test_server_closes_early(void **state)
{
	struct hello_params cp = { .role = "master" };
	struct hello_result res;
	struct transport t;
	char err[512] = "";
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	transport_fd_open(&t, sv[0], sv[0], "h5");
	t.timeout_ms = 5000;
	assert_true(hello_client(&t, &cp, &res, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "h5: "));
	transport_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_handshake_ok),
		cmocka_unit_test(test_version_mismatch_names_both),
		cmocka_unit_test(test_nothing_before_hello),
		cmocka_unit_test(test_garbage_hello),
		cmocka_unit_test(test_server_closes_early),
	};

	/* a peer that closed must not kill the test with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("hello", tests, NULL, NULL);
}
