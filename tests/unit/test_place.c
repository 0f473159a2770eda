/* Unit tests: placement, balance and drain plans (master/place.c,
 * master/balance.c) on synthetic pools of dozens of hosts and hundreds of
 * containers, from a seeded generator so a failure replays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "place.h"

#define GiB (1024.0 * 1024 * 1024)
#define MiB (1024ull * 1024)

/* xorshift: the tests' own generator, the same on every libc */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double
rnd01(uint64_t *s)
{
	return (double)(rnd(s) % 1000000) / 1e6;
}

static void
pool_free(struct place_pool *p)
{
	free(p->h);
	free(p->c);
	memset(p, 0, sizeof(*p));
}

static void
pool_init(struct place_pool *p, size_t nh, size_t nc)
{
	memset(p, 0, sizeof(*p));
	p->h = calloc(nh, sizeof(*p->h));
	p->c = calloc(nc ? nc : 1, sizeof(*p->c));
	assert_non_null(p->h);
	assert_non_null(p->c);
	p->nh = nh;
	p->w = (struct place_weights){ 40, 30, 20, 10 };
	p->mem_ratio = 1.0;
	p->disk_ratio = 0.9;
	for (size_t i = 0; i < nh; i++) {
		snprintf(p->h[i].name, sizeof(p->h[i].name), "h%03zu", i);
		p->h[i].cores = 8;
		p->h[i].mem_total = (uint64_t)(32 * GiB);
		p->h[i].disk_total = (uint64_t)(500 * GiB);
	}
}

/* A container on host h: the host's figures follow. */
static void
add_ct(struct place_pool *p, size_t h, uint64_t mem, uint64_t disk,
    double cpu)
{
	struct place_ct *c = &p->c[p->nc];
	struct place_host *x = &p->h[h];

	snprintf(c->name, sizeof(c->name), "ct%04zu", p->nc);
	c->host = h;
	c->mem_used = mem;
	c->mem_commit = mem;
	c->disk = disk;
	c->cpu = cpu;
	x->mem_used += mem;
	x->mem_committed += mem;
	x->disk_used += disk;
	x->cpu += cpu;
	x->n_ct++;
	p->nc++;
}

/* nh hosts of mixed sizes, nc containers of uneven sizes on a skewed
 * spread (a few hosts take most of them), some hosts excluded, every
 * host within its limits. */
static void
pool_random(struct place_pool *p, size_t nh, size_t nc, uint64_t seed)
{
	uint64_t s = seed * 2654435761u + 1;
	size_t i, h, tries;

	pool_init(p, nh, nc);
	for (i = 0; i < nh; i++) {
		p->h[i].cores = 4u << (rnd(&s) % 3);
		p->h[i].mem_total = (uint64_t)((16 << (rnd(&s) % 3)) * GiB);
		p->h[i].disk_total = (uint64_t)((200 << (rnd(&s) % 3)) * GiB);
		switch (rnd(&s) % 10) {
		case 0: p->h[i].state = PLACE_NOSELECT; break;
		case 1: p->h[i].state = PLACE_DRAINED; break;
		case 2: p->h[i].state = PLACE_DOWN; break;
		default: break;
		}
	}
	for (i = 0; i < nc; i++) {
		uint64_t mem = (64 + rnd(&s) % 4096) * MiB;
		uint64_t disk = (256 + rnd(&s) % 20480) * MiB;
		double cpu = rnd01(&s) * 1.5;

		for (tries = 0; tries < 100; tries++) {
			/* squared: low-numbered hosts get most */
			double u = rnd01(&s);

			h = (size_t)(u * u * (double)nh);
			if (p->h[h].mem_committed + mem <= p->h[h].mem_total &&
			    p->h[h].disk_used + disk <= 0.9 * p->h[h].disk_total)
				break;
		}
		if (tries < 100)
			add_ct(p, h, mem, disk, cpu);
	}
	for (i = 0; i < p->nc; i++)
		p->c[i].pinned = rnd(&s) % 20 == 0;
	place_pool_ready(p);
}

static void
assert_within_limits(const struct place_pool *p)
{
	for (size_t i = 0; i < p->nh; i++) {
		assert_true((double)p->h[i].mem_committed <=
		    p->mem_ratio * (double)p->h[i].mem_total);
		assert_true((double)p->h[i].disk_used <=
		    p->disk_ratio * (double)p->h[i].disk_total + 1);
	}
}

/* Never an excluded host, never over a limit; the ranking's reasons are
 * place_check's and the chosen one is the first candidate. */
static void
test_choose(void **state)
{
	struct place_pool p;
	struct place_cand cand[60];
	uint64_t s = 7, mem, disk;
	int seed, k;
	long got;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		pool_random(&p, 60, 600, (uint64_t)seed);
		for (k = 0; k < 50; k++) {
			mem = (rnd(&s) % 40000) * MiB;
			disk = (rnd(&s) % 1000000) * MiB;
			got = place_choose(&p, mem, disk, cand);
			if (got >= 0) {
				assert_int_equal(cand[0].host, (size_t)got);
				assert_int_equal(p.h[got].state, PLACE_OK);
				assert_true(p.h[got].mem_committed + mem <=
				    p.h[got].mem_total);
				assert_true((double)(p.h[got].disk_used +
				    disk) <= 0.9 * (double)p.h[got].disk_total);
			}
			for (size_t i = 0; i < p.nh; i++) {
				assert_int_equal(cand[i].why, place_check(&p,
				    cand[i].host, mem, disk));
				if (got < 0)
					assert_int_not_equal(cand[i].why,
					    PLACE_OK);
				if (i > 0 && cand[i].why == PLACE_OK)
					assert_true(cand[i - 1].score <=
					    cand[i].score);
			}
		}
		pool_free(&p);
	}
}

/* The reasons, and their names as corral place prints them. */
static void
test_reasons(void **state)
{
	struct place_pool p;
	struct place_cand cand[5];

	(void)state;
	pool_init(&p, 5, 0);
	p.h[0].state = PLACE_NOSELECT;
	p.h[1].state = PLACE_DRAINED;
	p.h[2].state = PLACE_DOWN;
	p.h[3].mem_committed = p.h[3].mem_total;      /* full memory */
	p.h[4].disk_used = p.h[4].disk_total;         /* full disk */
	place_pool_ready(&p);
	assert_int_equal(place_choose(&p, MiB, MiB, cand), -1);
	assert_string_equal(place_why_name(place_check(&p, 0, 1, 1)),
	    "noselect");
	assert_string_equal(place_why_name(place_check(&p, 1, 1, 1)),
	    "drained");
	assert_string_equal(place_why_name(place_check(&p, 2, 1, 1)), "down");
	assert_string_equal(place_why_name(place_check(&p, 3, 1, 1)),
	    "memory");
	assert_string_equal(place_why_name(place_check(&p, 4, 1, 1)), "disk");
	/* the memory limit is a ratio of the host's memory */
	p.h[3].mem_committed = 0;
	p.mem_ratio = 0.5;
	assert_int_equal(place_check(&p, 3, (uint64_t)(16 * GiB), 0), PLACE_OK);
	assert_int_equal(place_check(&p, 3, (uint64_t)(16 * GiB) + 1, 0),
	    PLACE_MEMORY);
	assert_null(place_why_name(PLACE_OK));
	pool_free(&p);
}

/* The least loaded eligible host wins, by the weights. */
static void
test_least_loaded(void **state)
{
	struct place_pool p;
	struct place_cand cand[3];

	(void)state;
	pool_init(&p, 3, 4);
	add_ct(&p, 0, 8 * MiB * 1024, 10 * MiB, 2);
	add_ct(&p, 1, 1 * MiB * 1024, 10 * MiB, 0.1);
	add_ct(&p, 2, 1 * MiB * 1024, 10 * MiB, 0.1);
	add_ct(&p, 2, 1 * MiB * 1024, 10 * MiB, 0.1);
	place_pool_ready(&p);
	assert_int_equal(place_choose(&p, MiB, MiB, cand), 1);
	assert_true(place_score(&p, 0) > place_score(&p, 2));
	assert_true(place_score(&p, 2) > place_score(&p, 1));
	/* only memory counts: 1 and 2 tie on memory, the name decides */
	p.w = (struct place_weights){ 1, 0, 0, 0 };
	assert_int_equal(place_choose(&p, MiB, MiB, cand), 1);
	pool_free(&p);
}

/* A pool whose hosts are alike gives no move. */
static void
test_balanced_empty(void **state)
{
	struct place_pool p;
	struct balance_move mv[10];
	struct balance_opts o = { .max_moves = 0, .min_gain = 1 };
	size_t i, n;

	(void)state;
	pool_init(&p, 40, 400);
	for (i = 0; i < 400; i++)
		add_ct(&p, i % 40, 512 * MiB, 4096 * MiB, 0.25);
	place_pool_ready(&p);
	assert_true(balance_imbalance(&p) < 1e-9);
	assert_int_equal(balance_plan(&p, &o, mv, 10, &n), 0);
	assert_int_equal(n, 0);
	pool_free(&p);
}

/* On skewed pools: no container twice, none pinned or on a drained or
 * down host, only to hosts that may receive, within the limits after,
 * each gain over the minimum, the imbalance lower after. */
static void
test_plan_properties(void **state)
{
	struct place_pool p;
	struct balance_move mv[200];
	struct balance_opts o = { .max_moves = 0, .min_gain = 1 };
	enum place_why from_state[1000];
	bool moved[1000];
	double before, after;
	size_t i, n, seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		pool_random(&p, 50, 800, seed);
		assert_true(p.nc <= 1000);
		for (i = 0; i < p.nc; i++)
			from_state[i] = p.h[p.c[i].host].state;
		memset(moved, 0, sizeof(moved));
		before = balance_imbalance(&p);
		assert_int_equal(balance_plan(&p, &o, mv, 200, &n), 0);
		assert_true(n > 0);
		after = balance_imbalance(&p);
		assert_true(after < before);
		for (i = 0; i < n; i++) {
			assert_false(moved[mv[i].ct]);
			moved[mv[i].ct] = true;
			assert_false(p.c[mv[i].ct].pinned);
			assert_true(from_state[mv[i].ct] == PLACE_OK ||
			    from_state[mv[i].ct] == PLACE_NOSELECT);
			assert_int_equal(p.h[mv[i].to].state, PLACE_OK);
			assert_int_equal(p.c[mv[i].ct].host, mv[i].to);
			assert_true(mv[i].gain > o.min_gain);
			assert_true(mv[i].from_after < mv[i].from_before);
			assert_true(mv[i].to_after > mv[i].to_before);
			if (i > 0)
				assert_true(mv[i].imbalance_after <
				    mv[i - 1].imbalance_after);
		}
		assert_true(mv[n - 1].imbalance_after - after < 1e-6 &&
		    after - mv[n - 1].imbalance_after < 1e-6);
		assert_within_limits(&p);
		pool_free(&p);
	}
}

/* --max-moves caps the plan; a huge minimum gain empties it. */
static void
test_plan_limits(void **state)
{
	struct place_pool p;
	struct balance_move mv[50];
	struct balance_opts o = { .max_moves = 3, .min_gain = 0 };
	size_t n;

	(void)state;
	pool_random(&p, 30, 300, 3);
	assert_int_equal(balance_plan(&p, &o, mv, 50, &n), 0);
	assert_int_equal(n, 3);
	pool_free(&p);
	pool_random(&p, 30, 300, 3);
	o = (struct balance_opts){ .max_moves = 0, .min_gain = 1e12 };
	assert_int_equal(balance_plan(&p, &o, mv, 50, &n), 0);
	assert_int_equal(n, 0);
	pool_free(&p);
}

/* A drain sends each container to a host that may take it (never the
 * drained one), within limits; one too big for any is -1 and stays. */
static void
test_drain(void **state)
{
	struct place_pool p;
	size_t cts[1000], i, seed, src;
	long to[1000], n;

	(void)state;
	for (seed = 1; seed <= 10; seed++) {
		pool_random(&p, 40, 500, seed);
		src = 0;                  /* the most loaded by construction */
		p.h[src].state = PLACE_DRAINED;
		n = drain_plan(&p, src, cts, to, 1000);
		assert_true(n > 0);
		for (i = 0; i < (size_t)n; i++) {
			if (to[i] < 0) {
				assert_int_equal(p.c[cts[i]].host, src);
				continue;
			}
			assert_int_not_equal((size_t)to[i], src);
			assert_int_equal(p.h[to[i]].state, PLACE_OK);
			assert_int_equal(p.c[cts[i]].host, (size_t)to[i]);
		}
		assert_within_limits(&p);
		pool_free(&p);
	}
	/* one that fits nowhere, the others go on */
	pool_init(&p, 3, 4);
	add_ct(&p, 0, (uint64_t)(30 * GiB), MiB, 0);
	add_ct(&p, 0, MiB, MiB, 0);
	add_ct(&p, 1, (uint64_t)(8 * GiB), MiB, 0);
	add_ct(&p, 2, (uint64_t)(8 * GiB), MiB, 0);
	p.h[0].state = PLACE_DRAINED;
	place_pool_ready(&p);
	n = drain_plan(&p, 0, cts, to, 10);
	assert_int_equal(n, 2);
	assert_int_equal(cts[0], 0);
	assert_int_equal(to[0], -1);
	assert_int_equal(cts[1], 1);
	assert_true(to[1] == 1 || to[1] == 2);
	pool_free(&p);
}

/* --apply's order: a pair's later move never overtakes a move that
 * leaves its destination (it was planned into the room that one made);
 * otherwise a pair's moves run together, pairs in plan order. */
static void
test_apply_order(void **state)
{
	/* h2 takes c1, gives c5 to h1, then takes c9 into the room c5 left */
	const char *f1[] = { "h0", "h2", "h0" }, *t1[] = { "h2", "h1", "h2" };
	/* nothing leaves h2: h0's two moves to it run together */
	const char *f2[] = { "h0", "h0", "h0" }, *t2[] = { "h2", "h1", "h2" };
	/* after a break, the rest of the pair joins its next group */
	const char *f3[] = { "a", "b", "a", "c", "a" };
	const char *t3[] = { "b", "c", "b", "d", "b" };
	size_t order[5];
	bool group[5];

	(void)state;
	balance_apply_order(f1, t1, 3, order, group);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_true(group[0] && group[1] && group[2]);
	balance_apply_order(f2, t2, 3, order, group);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	assert_true(group[0] && !group[1] && group[2]);
	balance_apply_order(f3, t3, 5, order, group);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 4);
	assert_int_equal(order[4], 3);
	assert_true(group[0] && group[1] && group[2] && !group[3] && group[4]);
}

/* Applied in --apply's order, a random pool's plans stay within the
 * limits after every group (the plan checked them in plan order). */
static void
test_apply_order_limits(void **state)
{
	struct balance_opts o = { .max_moves = 0, .min_gain = 0.0 };
	struct balance_move mv[400];
	struct place_pool p, q;
	const char *from[400], *to[400];
	size_t order[400], n, i, k, seed;
	bool group[400];

	(void)state;
	for (seed = 1; seed <= 3000; seed++) {
		pool_random(&p, 6, 40, seed);
		pool_random(&q, 6, 40, seed);   /* the same pool, to replay */
		assert_int_equal(balance_plan(&p, &o, mv, 400, &n), 0);
		for (i = 0; i < n; i++) {
			from[i] = q.h[mv[i].from].name;
			to[i] = q.h[mv[i].to].name;
		}
		balance_apply_order(from, to, n, order, group);
		for (i = 0; i < n; i = k) {
			/* a group's moves all land, then the limits hold */
			for (k = i; k < n && (k == i || !group[k]); k++)
				place_apply_move(&q, mv[order[k]].ct,
				    mv[order[k]].to);
			assert_within_limits(&q);
		}
		pool_free(&p);
		pool_free(&q);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_least_loaded),
		cmocka_unit_test(test_balanced_empty),
		cmocka_unit_test(test_plan_properties),
		cmocka_unit_test(test_plan_limits),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_apply_order),
		cmocka_unit_test(test_apply_order_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
