/* Unit tests: inventory and CLI message codecs (proto/msg_inv.c). */
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

static void
fill_ct(struct msg_ct_info *c, int i)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "ct%d", i);
	strcpy(c->state, i % 2 ? "running" : "stopped");
	strcpy(c->ipv4, i % 2 ? "10.0.0.5,10.0.1.5" : "");
	c->autostart = (uint8_t)(i % 2);
	c->mem_used = 1000u * (unsigned)i;
	c->mem_limit = 64u << 20;
	c->cpu_usec = 123456789ULL;
	strcpy(c->backend, "dir");
	c->rootfs_bytes = 1ULL << 33;
	/* a stopped one's too */
	strcpy(c->ipv4_config, i % 2 ? "10.0.0.5" : "10.0.2.7,10.0.3.7");
}

static void
fill_host(struct msg_host_info *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->hostname, "h1");
	h->cores = 2;
	h->load1 = 1500; h->load5 = 1000; h->load15 = 500;
	h->mem_total = 24ULL << 30;
	h->mem_available = 20ULL << 30;
	strcpy(h->storage_backend, "btrfs");
	h->storage_total = 100ULL << 30;
	h->storage_free = 50ULL << 30;
	h->containers = 3;
	h->uptime = 86400;
	strcpy(h->version, "corral-slave 0.1.0");
	h->cpu_busy = 123456;
	h->cpu_total = 9876543;
}

static void
check_prefixes(uint16_t type, struct cbuf *b)
{
	size_t i, n = cbuf_len(b);

	for (i = 0; i < n; i++)
		assert_int_not_equal(msg_validate(type, cbuf_ptr(b), i), 0);
	assert_int_equal(msg_validate(type, cbuf_ptr(b), n), 0);
}

static void
test_host_info(void **state)
{
	struct msg_host_info in, out;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	fill_host(&in);
	assert_int_equal(msg_host_info_encode(b, &in), 0);
	check_prefixes(MSG_HOST_INFO, b);
	assert_int_equal(msg_host_info_decode(b, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	cbuf_free(b);
}

/* busy over total is no report of a real host */
static void
test_host_info_cpu(void **state)
{
	struct msg_host_info in, out;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	fill_host(&in);
	in.cpu_busy = in.cpu_total + 1;
	assert_int_equal(msg_host_info_encode(b, &in), 0);
	assert_int_equal(msg_host_info_decode(b, &out), CERR_PROTOCOL);
	cbuf_free(b);
}

static void
test_ct_list(void **state)
{
	struct msg_ct_info in[5];
	struct msg_ct_list out = { 0 };
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		fill_ct(&in[i], i);
	assert_int_equal(msg_ct_list_encode(b, in, 5), 0);
	check_prefixes(MSG_CT_LIST, b);
	assert_int_equal(msg_ct_list_decode(b, &out), 0);
	assert_int_equal(out.n, 5);
	assert_memory_equal(in, out.v, sizeof(in));
	msg_ct_list_free(&out);
	assert_null(out.v);
	/* empty list */
	cbuf_reset(b);
	assert_int_equal(msg_ct_list_encode(b, NULL, 0), 0);
	assert_int_equal(msg_ct_list_decode(b, &out), 0);
	assert_int_equal(out.n, 0);
	cbuf_free(b);
}

/* ipv4_config: the last field of a ct_info, bounded as ipv4 is; a
 * CT_LIST without it (an earlier build of protocol 9) is refused. */
static void
test_ct_ipv4_config_bounds(void **state)
{
	char s[MSG_IPV4_MAX + 1];
	struct msg_ct_info c;
	struct msg_ct_list out = { 0 };
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	fill_ct(&c, 0);
	c.ipv4_config[0] = '\0';
	assert_int_equal(msg_ct_list_encode(b, &c, 1), 0);
	/* without the field: its empty string's length dropped */
	assert_int_equal(cbuf_unreserve(b, 4), 0);
	assert_int_not_equal(msg_validate(MSG_CT_LIST, cbuf_ptr(b),
	    cbuf_len(b)), 0);
	assert_int_not_equal(msg_ct_list_decode(b, &out), 0);
	assert_null(out.v);
	/* one byte longer than it may be */
	memset(s, 'x', MSG_IPV4_MAX);
	s[MSG_IPV4_MAX] = '\0';
	cbuf_reset(b);
	assert_int_equal(msg_ct_list_encode(b, &c, 1), 0);
	assert_int_equal(cbuf_unreserve(b, 4), 0);
	assert_int_equal(cbuf_put_cstring(b, s), 0);
	assert_int_equal(msg_validate(MSG_CT_LIST, cbuf_ptr(b), cbuf_len(b)),
	    CERR_BAD_STRING);
	assert_int_equal(msg_ct_list_decode(b, &out), CERR_BAD_STRING);
	assert_null(out.v);
	/* the longest it may be */
	s[MSG_IPV4_MAX - 1] = '\0';
	memcpy(c.ipv4_config, s, MSG_IPV4_MAX);
	cbuf_reset(b);
	assert_int_equal(msg_ct_list_encode(b, &c, 1), 0);
	assert_int_equal(msg_ct_list_decode(b, &out), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].ipv4_config, s);
	msg_ct_list_free(&out);
	cbuf_free(b);
}

static void
test_hostile_counts(void **state)
{
	struct cbuf *b = cbuf_new(64);
	struct msg_ct_list out = { 0 };

	(void)state;
	/* a count that the payload cannot hold must not allocate */
	assert_int_equal(cbuf_put_u32(b, PROTO_LIST_MAX), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	assert_int_equal(msg_ct_list_decode(b, &out), CERR_BAD_COUNT);
	assert_null(out.v);
	cbuf_reset(b);
	assert_int_equal(cbuf_put_u32(b, PROTO_LIST_MAX + 1), 0);
	assert_int_equal(msg_validate(MSG_CLI_SCAN, cbuf_ptr(b), cbuf_len(b)),
	    CERR_BAD_COUNT);
	assert_int_equal(msg_ct_list_encode(b, NULL, PROTO_LIST_MAX + 1),
	    CERR_BAD_COUNT);
	cbuf_free(b);
}

static void
test_bad_flag_values(void **state)
{
	struct msg_ct_info c;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	struct msg_scan_req s = { .name = "web", .cached = 1 };
	uint8_t *p;

	(void)state;
	fill_ct(&c, 1);
	c.autostart = 2;
	assert_int_equal(msg_ct_list_encode(b, &c, 1), 0);
	assert_int_equal(msg_validate(MSG_CT_LIST, cbuf_ptr(b), cbuf_len(b)),
	    CERR_PROTOCOL);
	cbuf_reset(b);
	assert_int_equal(msg_scan_req_encode(b, &s), 0);
	assert_int_equal(msg_validate(MSG_CLI_SCAN_REQ, cbuf_ptr(b),
	    cbuf_len(b)), 0);
	p = (uint8_t *)cbuf_ptr(b) + cbuf_len(b) - 1;
	*p = 7;
	assert_int_equal(msg_validate(MSG_CLI_SCAN_REQ, cbuf_ptr(b),
	    cbuf_len(b)), CERR_PROTOCOL);
	cbuf_free(b);
}

static void
test_host_and_ct_records(void **state)
{
	struct msg_host_rec h[2];
	struct msg_ct_rec c[3];
	struct msg_host_list hl = { 0 };
	struct msg_ct_rec_list cl = { 0 };
	struct msg_trust t = { .host = "h2", .fingerprint = "SHA256:abc",
	    .accept = 1 }, t2;
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	int i;

	(void)state;
	memset(h, 0, sizeof(h));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 2; i++) {
		snprintf(h[i].name, sizeof(h[i].name), "h%d", i + 1);
		strcpy(h[i].address, "192.0.2.1");
		h[i].port = 7022;
		strcpy(h[i].state, i ? "down" : "up");
		strcpy(h[i].reason, i ? "connection refused" : "");
		fill_host(&h[i].info);
		h[i].last_seen = 1700000000 + i;
		h[i].cpu_use = 1500 + (uint32_t)i;
		h[i].drained = (uint8_t)i;
	}
	for (i = 0; i < 3; i++) {
		strcpy(c[i].host, "h1");
		fill_ct(&c[i].ct, i);
		c[i].last_seen = -1;
	}
	assert_int_equal(msg_host_list_encode(b, h, 2), 0);
	check_prefixes(MSG_CLI_HOSTS, b);
	assert_int_equal(msg_host_list_decode(b, &hl), 0);
	assert_int_equal(hl.n, 2);
	assert_memory_equal(hl.v, h, sizeof(h));
	msg_host_list_free(&hl);
	/* drained is 0 or 1: the last byte of the last record */
	cbuf_reset(b);
	assert_int_equal(msg_host_list_encode(b, h, 2), 0);
	*((uint8_t *)cbuf_ptr(b) + cbuf_len(b) - 1) = 2;
	assert_int_equal(msg_validate(MSG_CLI_HOSTS, cbuf_ptr(b), cbuf_len(b)),
	    CERR_PROTOCOL);
	cbuf_reset(b);
	assert_int_equal(msg_ct_rec_list_encode(b, c, 3), 0);
	check_prefixes(MSG_CLI_SCAN, b);
	assert_int_equal(msg_ct_rec_list_decode(b, &cl), 0);
	assert_int_equal(cl.n, 3);
	assert_memory_equal(cl.v, c, sizeof(c));
	msg_ct_rec_list_free(&cl);
	cbuf_reset(b);
	assert_int_equal(msg_trust_encode(b, &t), 0);
	check_prefixes(MSG_CLI_TRUST, b);
	assert_int_equal(msg_trust_decode(b, &t2), 0);
	assert_memory_equal(&t, &t2, sizeof(t));
	cbuf_reset(b);
	assert_int_equal(msg_name_encode(b, "web1"), 0);
	check_prefixes(MSG_CT_LIST_REQ, b);
	cbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_info),
		cmocka_unit_test(test_host_info_cpu),
		cmocka_unit_test(test_ct_list),
		cmocka_unit_test(test_ct_ipv4_config_bounds),
		cmocka_unit_test(test_hostile_counts),
		cmocka_unit_test(test_bad_flag_values),
		cmocka_unit_test(test_host_and_ct_records),
	};

	return cmocka_run_group_tests_name("msg_inv", tests, NULL, NULL);
}
