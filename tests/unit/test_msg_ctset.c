/* Unit tests: codecs of CT_NEW, CT_LIMIT, CT_CONTROL and their CLI lists:
 * round trips, and values out of range refused (a cpu share over one CPU
 * or half unlimited, an unknown limit bit, autostart or run op, a VLAN id
 * over 4094). */
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

static const struct msg_limits lim = { .memory_mb = 512, .disk_mb = 2048,
	.proc = 100, .cpu_num = 9, .cpu_den = 10 };

static void
test_new_round_trip(void **state)
{
	struct msg_new_req q = { .ct = "www", .tmpl = "busybox", .start = 1,
	    .addr = "10.215.1.20/16", .gateway = "10.215.0.1",
	    .link = "ctbr0", .vlan = 4094, .mtu = 9000, .domain = "pool.test",
	    .ns = "10.215.0.53 2001:db8::53", .lim = lim }, q2;
	struct msg_new a = { .host = "h2", .ct = "www", .backend = "lvm",
	    .rootfs = "lvm:/dev/vg0/www", .addr = "10.215.1.20/16",
	    .link = "br0", .vlan = 10, .lim = lim, .started = 1 }, a2, az;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_new_req_encode(b, &q), 0);
	assert_int_equal(msg_new_req_decode(b, &q2), 0);
	assert_string_equal(q2.addr, q.addr);
	assert_string_equal(q2.ns, q.ns);
	assert_int_equal(q2.vlan, 4094);
	assert_int_equal(q2.mtu, 9000);
	assert_memory_equal(&q2.lim, &lim, sizeof(lim));
	cbuf_reset(b);
	assert_int_equal(msg_new_encode(b, &a), 0);
	assert_int_equal(msg_new_decode(b, &a2), 0);
	/* members copied one by one keep the padding zero */
	memset(&az, 0, sizeof(az));
	memcpy(az.host, a.host, sizeof(a.host));
	memcpy(az.ct, a.ct, sizeof(a.ct));
	memcpy(az.backend, a.backend, sizeof(a.backend));
	memcpy(az.rootfs, a.rootfs, sizeof(a.rootfs));
	memcpy(az.addr, a.addr, sizeof(a.addr));
	memcpy(az.link, a.link, sizeof(a.link));
	az.vlan = a.vlan;
	az.lim = a.lim;
	az.started = a.started;
	assert_memory_equal(&az, &a2, sizeof(a2));
	cbuf_free(b);
}

static int
limit_req_code(uint32_t set, uint32_t num, uint32_t den)
{
	struct msg_limit_req q = { .ct = "www", .set = set,
	    .lim = { .cpu_num = num, .cpu_den = den } }, q2;
	struct cbuf *b = cbuf_new(1024);
	int r;

	assert_int_equal(msg_limit_req_encode(b, &q), 0);
	r = msg_limit_req_decode(b, &q2);
	cbuf_free(b);
	return r;
}

static void
test_limit_refusals(void **state)
{
	(void)state;
	assert_int_equal(limit_req_code(MSG_LIM_KNOWN, 1, 2), 0);
	assert_int_equal(limit_req_code(0, 0, 0), 0);
	assert_int_equal(limit_req_code(MSG_LIM_CPU, 10, 10), 0);
	assert_int_equal(limit_req_code(MSG_LIM_CPU, 11, 10), CERR_PROTOCOL);
	assert_int_equal(limit_req_code(MSG_LIM_CPU, 0, 10), CERR_PROTOCOL);
	assert_int_equal(limit_req_code(MSG_LIM_CPU, 1, 0), CERR_PROTOCOL);
	assert_int_equal(limit_req_code(16, 0, 0), CERR_PROTOCOL);
}

static void
test_lists(void **state)
{
	struct msg_limit lv[2] = {
		{ .host = "h1", .ct = "a", .lim = lim },
		{ .host = "h2", .ct = "b", .error = "h2: down" },
	};
	struct msg_control cv[1] = {
		{ .host = "h1", .ct = "a", .enabled = 1, .running = 0,
		  .message = "stopped cleanly in 0.4 s" },
	};
	struct msg_limit_list ll = { 0 };
	struct msg_control_list cl = { 0 };
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(msg_limit_list_encode(b, lv, 2), 0);
	assert_int_equal(msg_limit_list_decode(b, &ll), 0);
	assert_int_equal(ll.n, 2);
	assert_memory_equal(ll.v, lv, sizeof(lv));
	msg_limit_list_free(&ll);
	cbuf_reset(b);
	assert_int_equal(msg_control_list_encode(b, cv, 1), 0);
	assert_int_equal(msg_control_list_decode(b, &cl), 0);
	assert_int_equal(cl.n, 1);
	assert_memory_equal(cl.v, cv, sizeof(cv));
	msg_control_list_free(&cl);
	cbuf_free(b);
}

static int
control_req_code(uint8_t autostart, uint8_t run)
{
	struct msg_control_req q = { .ct = "www", .autostart = autostart,
	    .run = run }, q2;
	struct cbuf *b = cbuf_new(1024);
	int r;

	assert_int_equal(msg_control_req_encode(b, &q), 0);
	r = msg_control_req_decode(b, &q2);
	cbuf_free(b);
	return r;
}

static void
test_control_refusals(void **state)
{
	struct msg_new_req q = { .ct = "www", .vlan = 4095 }, q2;
	struct cbuf *b = cbuf_new(1024);

	(void)state;
	assert_int_equal(control_req_code(MSG_AUTO_DISABLE, MSG_RUN_STOP), 0);
	assert_int_equal(control_req_code(3, MSG_RUN_KEEP), CERR_PROTOCOL);
	assert_int_equal(control_req_code(MSG_AUTO_KEEP, 3), CERR_PROTOCOL);
	assert_int_equal(msg_new_req_encode(b, &q), 0);
	assert_int_equal(msg_new_req_decode(b, &q2), CERR_PROTOCOL);
	cbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_round_trip),
		cmocka_unit_test(test_limit_refusals),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_control_refusals),
	};

	return cmocka_run_group_tests_name("msg_ctset", tests, NULL, NULL);
}
