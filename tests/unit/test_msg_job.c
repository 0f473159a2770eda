/* Unit tests: the job message codecs (proto/msg_job.c): round trips, and
 * what a decoder refuses. */
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
fill(struct msg_job *j, int64_t id)
{
	memset(j, 0, sizeof(*j));
	j->id = id;
	strcpy(j->kind, "move");
	strcpy(j->container, "web");
	strcpy(j->src, "h1");
	strcpy(j->dst, "h2");
	strcpy(j->state, "failed");
	strcpy(j->step, "copy");
	j->bytes_done = 5ULL << 30;
	j->bytes_total = 9ULL << 30;
	strcpy(j->error, "h2: no space left on device");
	j->created = 1700000000000;
	j->started = 1700000000001;
	j->ended = 1700000000002;
	j->cancel = 1;
}

static struct cbuf *
fresh(void)
{
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	assert_non_null(b);
	return b;
}

static void
test_job_round_trip(void **state)
{
	struct msg_job a, b;
	struct cbuf *buf = fresh();

	(void)state;
	fill(&a, 7);
	assert_int_equal(msg_job_encode(buf, &a), 0);
	assert_int_equal(msg_job_decode(buf, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	cbuf_free(buf);
}

static void
test_list_and_detail(void **state)
{
	struct msg_job v[3];
	struct msg_job_list l;
	struct msg_job_step st[2] = { { "snapshot", 1, 2 }, { "copy", 2, 0 } };
	struct msg_job_detail d = { .steps = st, .n_steps = 2 }, e;
	struct cbuf *buf = fresh();
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		fill(&v[i], (int64_t)i + 1);
	assert_int_equal(msg_job_list_encode(buf, v, 3), 0);
	assert_int_equal(msg_job_list_decode(buf, &l), 0);
	assert_int_equal(l.n, 3);
	assert_memory_equal(l.v, v, sizeof(v));
	msg_job_list_free(&l);
	/* an empty list is an answer too */
	cbuf_reset(buf);
	assert_int_equal(msg_job_list_encode(buf, NULL, 0), 0);
	assert_int_equal(msg_job_list_decode(buf, &l), 0);
	assert_int_equal(l.n, 0);
	cbuf_reset(buf);
	fill(&d.job, 9);
	assert_int_equal(msg_job_detail_encode(buf, &d), 0);
	assert_int_equal(msg_job_detail_decode(buf, &e), 0);
	assert_memory_equal(&e.job, &d.job, sizeof(d.job));
	assert_int_equal(e.n_steps, 2);
	assert_string_equal(e.steps[1].step, "copy");
	assert_int_equal(e.steps[0].ended, 2);
	msg_job_detail_free(&e);
	cbuf_free(buf);
}

static void
test_small_ones(void **state)
{
	struct msg_job_req q = { .id = 42, .wait = 1 }, q2;
	struct msg_job_progress p = { .id = 42, .step = "copy",
	    .bytes_done = 1, .bytes_total = 2 }, p2;
	struct cbuf *buf = fresh();
	int64_t id;

	(void)state;
	assert_int_equal(msg_job_req_encode(buf, &q), 0);
	assert_int_equal(msg_job_req_decode(buf, &q2), 0);
	assert_int_equal(q2.id, 42);
	assert_int_equal(q2.wait, 1);
	cbuf_reset(buf);
	assert_int_equal(msg_job_progress_encode(buf, &p), 0);
	assert_int_equal(msg_job_progress_decode(buf, &p2), 0);
	assert_int_equal(p2.id, 42);
	assert_string_equal(p2.step, "copy");
	assert_int_equal(p2.bytes_done, 1);
	assert_int_equal(p2.bytes_total, 2);
	cbuf_reset(buf);
	assert_int_equal(msg_id_encode(buf, -3), 0);
	assert_int_equal(msg_id_decode(buf, &id), 0);
	assert_int_equal(id, -3);
	cbuf_free(buf);
}

/* A state the CLI cannot name, a flag that is not 0 or 1, an overlong
 * step: refused. */
static void
test_refused(void **state)
{
	struct msg_job j, out;
	struct msg_job_req q = { .id = 1, .wait = 2 }, q2;
	struct cbuf *buf = fresh();
	char step[MSG_JOB_STEP_MAX + 8];

	(void)state;
	fill(&j, 1);
	strcpy(j.state, "paused");
	assert_int_equal(msg_job_encode(buf, &j), 0);
	assert_int_equal(msg_job_decode(buf, &out), CERR_PROTOCOL);
	cbuf_reset(buf);
	fill(&j, 1);
	j.cancel = 2;
	assert_int_equal(msg_job_encode(buf, &j), 0);
	assert_int_equal(msg_job_decode(buf, &out), CERR_PROTOCOL);
	cbuf_reset(buf);
	assert_int_equal(msg_job_req_encode(buf, &q), 0);
	assert_int_equal(msg_job_req_decode(buf, &q2), CERR_PROTOCOL);
	cbuf_reset(buf);
	memset(step, 'x', sizeof(step) - 1);
	step[sizeof(step) - 1] = '\0';
	assert_int_equal(cbuf_put_i64(buf, 1), 0);
	assert_int_equal(cbuf_put_cstring(buf, step), 0);
	assert_int_equal(cbuf_put_u64(buf, 0), 0);
	assert_int_equal(cbuf_put_u64(buf, 0), 0);
	assert_int_not_equal(msg_validate(MSG_CLI_JOB_PROGRESS, cbuf_ptr(buf),
	    cbuf_len(buf)), 0);
	cbuf_free(buf);
}

/* "key=value" pairs: values with spaces, '%' and control bytes come
 * back as they went; a pair that does not fit leaves the text as it was;
 * a key is found only whole. */
static void
test_kv(void **state)
{
	char t[64] = "", v[64];

	(void)state;
	assert_int_equal(msg_kv_put(t, sizeof(t), "message", "stopped "
	    "cleanly in 1.2 s"), 0);
	assert_int_equal(msg_kv_put(t, sizeof(t), "pct", "100%\n"), 0);
	assert_string_equal(t, "message=stopped%20cleanly%20in%201.2%20s "
	    "pct=100%25%0A");
	assert_string_equal(msg_kv_get(t, "message", v, sizeof(v)),
	    "stopped cleanly in 1.2 s");
	assert_string_equal(msg_kv_get(t, "pct", v, sizeof(v)), "100%\n");
	assert_string_equal(msg_kv_get(t, "age", v, sizeof(v)), "");
	assert_int_equal(msg_kv_put(t, sizeof(t), "long", "0123456789"), -1);
	assert_string_equal(msg_kv_get(t, "long", v, sizeof(v)), "");
	assert_string_equal(msg_kv_get(t, "pct", v, sizeof(v)), "100%\n");
	/* a '%' not followed by two hex digits stays as it is */
	assert_string_equal(msg_kv_get("a=5%x b=%4", "a", v, sizeof(v)),
	    "5%x");
	assert_string_equal(msg_kv_get("a=5%x b=%4", "b", v, sizeof(v)), "%4");
	/* a value cut to the buffer */
	assert_string_equal(msg_kv_get("a=abcdef", "a", v, 4), "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_round_trip),
		cmocka_unit_test(test_list_and_detail),
		cmocka_unit_test(test_small_ones),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_kv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
