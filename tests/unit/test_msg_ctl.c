/* Unit tests: codecs of CT_CTL, CT_CONF and CT_CONF_SET: round trips, and
 * out-of-range values refused (an op or flag no one knows, a state other
 * than running, stopped, absent, a config over 64 KiB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"

static void
test_ctl_round_trip(void **state)
{
	struct msg_ctl_req q = { .ct = "web", .op = MSG_CTL_STOP,
	    .timeout_s = 90, .flags = MSG_CTL_FORCE, .bytes = 5ULL << 30 }, q2;
	struct msg_ctl a = { .ct = "web", .state = "stopped",
	    .message = "killed after 90 s" }, a2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_ctl_req_encode(b, &q), 0);
	assert_int_equal(msg_ctl_req_decode(b, &q2), 0);
	assert_string_equal(q2.ct, "web");
	assert_int_equal(q2.op, MSG_CTL_STOP);
	assert_int_equal(q2.timeout_s, 90);
	assert_int_equal(q2.flags, MSG_CTL_FORCE);
	assert_true(q2.bytes == 5ULL << 30);
	cbuf_reset(b);
	assert_int_equal(msg_ctl_encode(b, &a), 0);
	assert_int_equal(msg_ctl_decode(b, &a2), 0);
	assert_memory_equal(&a, &a2, sizeof(a));
	assert_string_equal(msg_ctl_op_name(MSG_CTL_VOL_DESTROY),
	    "VOL_DESTROY");
	assert_string_equal(msg_ctl_op_name(0), "?");
	assert_string_equal(msg_ctl_op_name(200), "?");
	cbuf_free(b);
}

static int
ctl_req_code(uint8_t op, uint32_t flags)
{
	struct msg_ctl_req q = { .ct = "web", .op = op, .flags = flags }, q2;
	struct cbuf *b = cbuf_new(1024);
	int r;

	assert_int_equal(msg_ctl_req_encode(b, &q), 0);
	r = msg_ctl_req_decode(b, &q2);
	cbuf_free(b);
	return r;
}

static int
ctl_code(const char *st)
{
	struct msg_ctl a = { .ct = "web" }, a2;
	struct cbuf *b = cbuf_new(1024);
	int r;

	strcpy(a.state, st);
	assert_int_equal(msg_ctl_encode(b, &a), 0);
	r = msg_ctl_decode(b, &a2);
	cbuf_free(b);
	return r;
}

static void
test_ctl_refused(void **state)
{
	(void)state;
	assert_int_equal(ctl_req_code(MSG_CTL_START, 0), 0);
	assert_int_equal(ctl_req_code(MSG_CTL_VOL_DESTROY, 0), 0);
	assert_int_equal(ctl_req_code(0, 0), CERR_PROTOCOL);
	assert_int_equal(ctl_req_code(MSG_CTL_VOL_DESTROY + 1, 0),
	    CERR_PROTOCOL);
	assert_int_equal(ctl_req_code(MSG_CTL_REMOVE, 2), CERR_PROTOCOL);
	assert_int_equal(ctl_code("running"), 0);
	assert_int_equal(ctl_code("absent"), 0);
	assert_int_equal(ctl_code("frozen"), CERR_PROTOCOL);
	assert_int_equal(ctl_code(""), CERR_PROTOCOL);
}

static void
test_conf_round_trip(void **state)
{
	struct msg_conf *a = calloc(1, sizeof(*a)), *a2 = malloc(sizeof(*a2));
	struct msg_conf_set_req *q = calloc(1, sizeof(*q));
	struct msg_conf_set_req *q2 = malloc(sizeof(*q2));
	struct msg_conf_set s = { .ct = "web2", .message = "written" }, s2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_non_null(a);
	assert_non_null(a2);
	assert_non_null(q);
	assert_non_null(q2);
	strcpy(a->ct, "web");
	/* the largest config there is */
	memset(a->config, '#', MSG_CONFIG_MAX);
	a->config[MSG_CONFIG_MAX - 1] = '\n';
	a->rootfs_bytes = 123456789;
	a->sized = 1;
	a->running = 1;
	assert_int_equal(msg_conf_encode(b, a), 0);
	assert_int_equal(msg_validate(MSG_CT_CONF, cbuf_ptr(b), cbuf_len(b)),
	    0);
	assert_int_equal(msg_conf_decode(b, a2), 0);
	assert_memory_equal(a, a2, sizeof(*a));
	cbuf_reset(b);
	strcpy(q->ct, "web2");
	strcpy(q->config, "lxc.rootfs.path = @ROOTFS@\n");
	strcpy(q->old, "web");
	q->flags = MSG_CONF_REPLACE;
	assert_int_equal(msg_conf_set_req_encode(b, q), 0);
	assert_int_equal(msg_conf_set_req_decode(b, q2), 0);
	assert_memory_equal(q, q2, sizeof(*q));
	cbuf_reset(b);
	assert_int_equal(msg_conf_set_encode(b, &s), 0);
	assert_int_equal(msg_conf_set_decode(b, &s2), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	cbuf_free(b);
	free(a);
	free(a2);
	free(q);
	free(q2);
}

/* a CT_CONF payload by hand: what no encoder of ours would send */
static void
put_conf(struct cbuf *b, const char *config, uint8_t running, uint8_t sized)
{
	cbuf_reset(b);
	assert_int_equal(cbuf_put_cstring(b, "web"), 0);
	assert_int_equal(cbuf_put_cstring(b, config), 0);
	assert_int_equal(cbuf_put_u64(b, 0), 0);
	assert_int_equal(cbuf_put_u8(b, running), 0);
	assert_int_equal(cbuf_put_u8(b, sized), 0);
}

/* A config one byte over 64 KiB, running or sized 2 or an unknown flag:
 * refused. */
static void
test_conf_refused(void **state)
{
	struct msg_conf *a = malloc(sizeof(*a));
	struct msg_conf_set_req *q = malloc(sizeof(*q));
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	char *big = malloc(MSG_CONFIG_MAX + 2);

	(void)state;
	assert_non_null(a);
	assert_non_null(q);
	assert_non_null(big);
	memset(big, 'x', MSG_CONFIG_MAX + 1);
	big[MSG_CONFIG_MAX + 1] = '\0';
	put_conf(b, big, 0, 0);
	assert_int_equal(msg_conf_decode(b, a), CERR_BAD_STRING);
	big[MSG_CONFIG_MAX] = '\0';
	put_conf(b, big, 0, 1);
	assert_int_equal(msg_conf_decode(b, a), 0);
	assert_int_equal(a->sized, 1);
	put_conf(b, "x", 2, 0);
	assert_int_equal(msg_conf_decode(b, a), CERR_PROTOCOL);
	put_conf(b, "x", 0, 2);
	assert_int_equal(msg_conf_decode(b, a), CERR_PROTOCOL);
	cbuf_reset(b);
	assert_int_equal(cbuf_put_cstring(b, "web"), 0);
	assert_int_equal(cbuf_put_cstring(b, "x"), 0);
	assert_int_equal(cbuf_put_cstring(b, ""), 0);
	assert_int_equal(cbuf_put_u32(b, 2), 0);
	assert_int_equal(msg_conf_set_req_decode(b, q), CERR_PROTOCOL);
	cbuf_free(b);
	free(big);
	free(a);
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_round_trip),
		cmocka_unit_test(test_ctl_refused),
		cmocka_unit_test(test_conf_round_trip),
		cmocka_unit_test(test_conf_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
