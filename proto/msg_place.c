/* corral: codecs of corral place, balance and host drain (CLI <-> master). */
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "msg_list.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))
/* an element's smallest encoding: empty strings are one byte */
#define CAND_MIN (1 + 8 + 1)
#define MOVE_MIN (3 + 6 * 8 + 1)
#define ARRIVAL_MIN (8 + 4)

int
msg_place_req_encode(struct cbuf *b, const struct msg_place_req *m)
{
	int r;

	if ((r = cbuf_put_u64(b, m->memory)) != 0 ||
	    (r = cbuf_put_u64(b, m->disk)) != 0)
		return r;
	return 0;
}

int
msg_place_req_decode(struct cbuf *b, struct msg_place_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u64(b, &m->memory)) != 0 ||
	    (r = cbuf_get_u64(b, &m->disk)) != 0)
		return r;
	return cbuf_expect_end(b);
}

static int
put_cand(struct cbuf *b, const void *p)
{
	const struct msg_place_cand *c = p;
	int r;

	if ((r = cbuf_put_cstring(b, c->name)) != 0 ||
	    (r = cbuf_put_i64(b, c->score)) != 0 ||
	    (r = cbuf_put_cstring(b, c->excluded)) != 0)
		return r;
	return 0;
}

static int
get_cand(struct cbuf *b, void *p)
{
	struct msg_place_cand *c = p;
	int r;

	if ((r = GETS(b, c->name)) != 0 ||
	    (r = cbuf_get_i64(b, &c->score)) != 0 ||
	    (r = GETS(b, c->excluded)) != 0)
		return r;
	return c->name[0] ? 0 : CERR_PROTOCOL;
}

int
msg_place_encode(struct cbuf *b, const struct msg_place *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0)
		return r;
	return msg_put_list(b, m->v, m->n, sizeof(*m->v), put_cand);
}

int
msg_place_decode(struct cbuf *b, struct msg_place *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0)
		return r;
	return msg_get_list(b, (void **)&m->v, &m->n, sizeof(*m->v), CAND_MIN,
	    get_cand);
}

void
msg_place_free(struct msg_place *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

int
msg_balance_req_encode(struct cbuf *b, const struct msg_balance_req *m)
{
	int r;

	if ((r = cbuf_put_u32(b, m->flags)) != 0 ||
	    (r = cbuf_put_u32(b, m->max_moves)) != 0)
		return r;
	return 0;
}

int
msg_balance_req_decode(struct cbuf *b, struct msg_balance_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_get_u32(b, &m->max_moves)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->flags & ~MSG_BALANCE_FLAGS_KNOWN ? CERR_PROTOCOL : 0;
}

int
msg_drain_req_encode(struct cbuf *b, const struct msg_drain_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_drain_req_decode(struct cbuf *b, struct msg_drain_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->flags & ~MSG_DRAIN_FLAGS_KNOWN ? CERR_PROTOCOL : 0;
}

static int
put_move(struct cbuf *b, const void *p)
{
	const struct msg_plan_move *v = p;
	int r;

	if ((r = cbuf_put_cstring(b, v->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, v->from)) != 0 ||
	    (r = cbuf_put_cstring(b, v->to)) != 0 ||
	    (r = cbuf_put_i64(b, v->from_before)) != 0 ||
	    (r = cbuf_put_i64(b, v->from_after)) != 0 ||
	    (r = cbuf_put_i64(b, v->to_before)) != 0 ||
	    (r = cbuf_put_i64(b, v->to_after)) != 0 ||
	    (r = cbuf_put_i64(b, v->gain)) != 0 ||
	    (r = cbuf_put_i64(b, v->job)) != 0 ||
	    (r = cbuf_put_cstring(b, v->note)) != 0)
		return r;
	return 0;
}

static int
get_move(struct cbuf *b, void *p)
{
	struct msg_plan_move *v = p;
	int r;

	if ((r = GETS(b, v->ct)) != 0 ||
	    (r = GETS(b, v->from)) != 0 ||
	    (r = GETS(b, v->to)) != 0 ||
	    (r = cbuf_get_i64(b, &v->from_before)) != 0 ||
	    (r = cbuf_get_i64(b, &v->from_after)) != 0 ||
	    (r = cbuf_get_i64(b, &v->to_before)) != 0 ||
	    (r = cbuf_get_i64(b, &v->to_after)) != 0 ||
	    (r = cbuf_get_i64(b, &v->gain)) != 0 ||
	    (r = cbuf_get_i64(b, &v->job)) != 0 ||
	    (r = GETS(b, v->note)) != 0)
		return r;
	return v->ct[0] && v->from[0] ? 0 : CERR_PROTOCOL;
}

static int
put_arrival(struct cbuf *b, const void *p)
{
	const struct msg_plan_arrival *a = p;
	int r;

	if ((r = cbuf_put_i64(b, a->job)) != 0 ||
	    (r = cbuf_put_cstring(b, a->kind)) != 0 ||
	    (r = cbuf_put_cstring(b, a->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, a->state)) != 0 ||
	    (r = cbuf_put_cstring(b, a->note)) != 0)
		return r;
	return 0;
}

static int
get_arrival(struct cbuf *b, void *p)
{
	struct msg_plan_arrival *a = p;
	int r;

	if ((r = cbuf_get_i64(b, &a->job)) != 0 ||
	    (r = GETS(b, a->kind)) != 0 ||
	    (r = GETS(b, a->ct)) != 0 ||
	    (r = GETS(b, a->state)) != 0 ||
	    (r = GETS(b, a->note)) != 0)
		return r;
	return a->job > 0 && a->kind[0] ? 0 : CERR_PROTOCOL;
}

int
msg_plan_encode(struct cbuf *b, const struct msg_plan *m)
{
	int r;

	if ((r = cbuf_put_i64(b, m->imbalance_before)) != 0 ||
	    (r = cbuf_put_i64(b, m->imbalance_after)) != 0 ||
	    (r = cbuf_put_cstring(b, m->error)) != 0 ||
	    (r = msg_put_list(b, m->v, m->n, sizeof(*m->v), put_move)) != 0)
		return r;
	return msg_put_list(b, m->a, m->n_a, sizeof(*m->a), put_arrival);
}

int
msg_plan_decode(struct cbuf *b, struct msg_plan *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_i64(b, &m->imbalance_before)) != 0 ||
	    (r = cbuf_get_i64(b, &m->imbalance_after)) != 0 ||
	    (r = GETS(b, m->error)) != 0 ||
	    (r = msg_get_list_more(b, (void **)&m->v, &m->n, sizeof(*m->v),
	    MOVE_MIN, get_move)) != 0)
		return r;
	if ((r = msg_get_list(b, (void **)&m->a, &m->n_a, sizeof(*m->a),
	    ARRIVAL_MIN, get_arrival)) != 0)
		msg_plan_free(m);
	return r;
}

void
msg_plan_free(struct msg_plan *m)
{
	free(m->v);
	free(m->a);
	m->v = NULL;
	m->a = NULL;
	m->n = m->n_a = 0;
}
