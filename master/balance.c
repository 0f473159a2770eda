/* corral-master: the balance plan and the drain plan (place.h says what
 * they compute).
 *
 * The balance plan is greedy, as Ganeti's hbal is: one move at a time,
 * each the best of those it looks at.  It looks at the containers of the
 * BAL_SOURCES most loaded active hosts toward the BAL_TARGETS least loaded
 * hosts that may receive: a move's gain depends on the two hosts' scores
 * only, and the best gains are between the extremes.  Each candidate is
 * O(1): the sums of the scores and of their squares are kept, and only the
 * two hosts of a move change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

#define BAL_SOURCES 16
#define BAL_TARGETS 16

static bool
active(const struct place_host *h)
{
	return h->state == PLACE_OK || h->state == PLACE_NOSELECT;
}

double
balance_imbalance(const struct place_pool *p)
{
	double s, sum = 0, sq = 0, mean;
	size_t i, n = 0;

	for (i = 0; i < p->nh; i++) {
		if (!active(&p->h[i]))
			continue;
		s = place_score(p, i);
		sum += s;
		sq += s * s;
		n++;
	}
	if (n == 0)
		return 0;
	mean = sum / (double)n;
	s = sq / (double)n - mean * mean;
	return s > 0 ? sqrt(s) : 0;
}

/* The planner's working state. */
struct bal {
	struct place_pool *p;
	double *score;       /* per host */
	size_t n_active;
	double sum, sq;      /* of the active hosts' scores */
	size_t *first;       /* CSR: the containers of host i are */
	size_t *cts;         /* cts[first[i] .. first[i + 1]) */
	bool *moved;
	size_t *order;       /* hosts, sorted as a step needs */
};

static void
bal_free(struct bal *b)
{
	free(b->score);
	free(b->first);
	free(b->cts);
	free(b->moved);
	free(b->order);
}

static int
bal_init(struct bal *b, struct place_pool *p)
{
	size_t i, *fill = NULL;

	memset(b, 0, sizeof(*b));
	b->p = p;
	b->score = calloc(p->nh + 1, sizeof(*b->score));
	b->first = calloc(p->nh + 1, sizeof(*b->first));
	b->cts = calloc(p->nc + 1, sizeof(*b->cts));
	b->moved = calloc(p->nc + 1, sizeof(*b->moved));
	b->order = calloc(p->nh + 1, sizeof(*b->order));
	fill = calloc(p->nh + 1, sizeof(*fill));
	if (b->score == NULL || b->first == NULL || b->cts == NULL ||
	    b->moved == NULL || b->order == NULL || fill == NULL) {
		free(fill);
		bal_free(b);
		return -1;
	}
	for (i = 0; i < p->nc; i++)
		b->first[p->c[i].host + 1]++;
	for (i = 0; i < p->nh; i++)
		b->first[i + 1] += b->first[i];
	for (i = 0; i < p->nc; i++) {
		size_t h = p->c[i].host;

		b->cts[b->first[h] + fill[h]++] = i;
	}
	free(fill);
	for (i = 0; i < p->nh; i++) {
		b->score[i] = place_score(p, i);
		if (!active(&p->h[i]))
			continue;
		b->n_active++;
		b->sum += b->score[i];
		b->sq += b->score[i] * b->score[i];
	}
	return 0;
}

/* The sum of squared deviations from the mean, given the sums. */
static double
spread(double sum, double sq, size_t n)
{
	return n > 0 ? sq - sum * sum / (double)n : 0;
}

static int
by_score_desc(const void *x, const void *y, void *arg)
{
	const double *s = arg;
	double a = s[*(const size_t *)x], c = s[*(const size_t *)y];

	return a < c ? 1 : a > c ? -1 : 0;
}

/* The best move of this step into *m; false if none gains more than
 * min_gain. */
static bool
best_move(struct bal *b, double min_gain, struct balance_move *m)
{
	struct place_pool *p = b->p;
	size_t i, k, t, n = 0, ns, nt = 0, src, dst, ci;
	size_t targets[BAL_TARGETS];
	double d0 = spread(b->sum, b->sq, b->n_active), best = min_gain;
	bool found = false;

	for (i = 0; i < p->nh; i++)
		if (active(&p->h[i]))
			b->order[n++] = i;
	qsort_r(b->order, n, sizeof(*b->order), by_score_desc, b->score);
	/* the least loaded hosts that may receive at all */
	for (k = n; k-- > 0 && nt < BAL_TARGETS;)
		if (p->h[b->order[k]].state == PLACE_OK)
			targets[nt++] = b->order[k];
	ns = n < BAL_SOURCES ? n : BAL_SOURCES;
	for (k = 0; k < ns; k++) {
		src = b->order[k];
		for (i = b->first[src]; i < b->first[src + 1]; i++) {
			const struct place_ct *c = &p->c[ci = b->cts[i]];
			double sa;

			if (b->moved[ci] || c->pinned || c->host != src)
				continue;
			sa = place_score_delta(p, src, -(double)c->mem_used,
			    -c->cpu, -(double)c->disk, -1);
			for (t = 0; t < nt; t++) {
				double sb, sum, sq, g;

				if ((dst = targets[t]) == src ||
				    b->score[dst] >= b->score[src])
					continue;
				if (place_check(p, dst, c->mem_commit,
				    c->disk) != PLACE_OK)
					continue;
				sb = place_score_delta(p, dst,
				    (double)c->mem_used, c->cpu,
				    (double)c->disk, 1);
				sum = b->sum - b->score[src] - b->score[dst] +
				    sa + sb;
				sq = b->sq - b->score[src] * b->score[src] -
				    b->score[dst] * b->score[dst] + sa * sa +
				    sb * sb;
				g = d0 - spread(sum, sq, b->n_active);
				if (g <= best)
					continue;
				best = g;
				found = true;
				*m = (struct balance_move){ .ct = ci,
				    .from = src, .to = dst,
				    .from_before = b->score[src], .from_after = sa,
				    .to_before = b->score[dst], .to_after = sb,
				    .gain = g };
			}
		}
	}
	return found;
}

int
balance_plan(struct place_pool *p, const struct balance_opts *o,
    struct balance_move *out, size_t max, size_t *n)
{
	struct bal b;
	struct balance_move m;

	*n = 0;
	if (o->max_moves > 0 && o->max_moves < max)
		max = o->max_moves;
	if (max == 0 || p->nh < 2)
		return 0;
	if (bal_init(&b, p) != 0)
		return -1;
	while (*n < max && best_move(&b, o->min_gain, &m)) {
		place_apply_move(p, m.ct, m.to);
		b.moved[m.ct] = true;
		b.sum += m.from_after + m.to_after - m.from_before -
		    m.to_before;
		b.sq += m.from_after * m.from_after + m.to_after * m.to_after -
		    m.from_before * m.from_before - m.to_before * m.to_before;
		b.score[m.from] = m.from_after;
		b.score[m.to] = m.to_after;
		m.imbalance_after = b.n_active > 0 ? sqrt(fmax(0,
		    spread(b.sum, b.sq, b.n_active) / (double)b.n_active)) : 0;
		out[(*n)++] = m;
	}
	bal_free(&b);
	return 0;
}

static int
by_size_desc(const void *x, const void *y, void *arg)
{
	const struct place_pool *p = arg;
	const struct place_ct *a = &p->c[*(const size_t *)x];
	const struct place_ct *c = &p->c[*(const size_t *)y];

	if (a->mem_commit != c->mem_commit)
		return a->mem_commit < c->mem_commit ? 1 : -1;
	if (a->disk != c->disk)
		return a->disk < c->disk ? 1 : -1;
	return strcmp(a->name, c->name);
}

long
drain_plan(struct place_pool *p, size_t src, size_t *cts, long *out,
    size_t max)
{
	size_t i, k, n = 0;

	for (i = 0; i < p->nc && n < max; i++)
		if (p->c[i].host == src)
			cts[n++] = i;
	qsort_r(cts, n, sizeof(*cts), by_size_desc, p);
	for (k = 0; k < n; k++) {
		const struct place_ct *c = &p->c[cts[k]];
		double best = 0, s;

		out[k] = -1;
		for (i = 0; i < p->nh; i++) {
			if (i == src || place_check(p, i, c->mem_commit,
			    c->disk) != PLACE_OK)
				continue;
			s = place_score_delta(p, i, (double)c->mem_used, c->cpu,
			    (double)c->disk, 1);
			if (out[k] < 0 || s < best) {
				best = s;
				out[k] = (long)i;
			}
		}
		if (out[k] >= 0)
			place_apply_move(p, cts[k], (size_t)out[k]);
	}
	return (long)n;
}

void
balance_apply_order(const char *const *from, const char *const *to,
    size_t n, size_t *order, bool *group)
{
	bool *done, leaves_to;
	size_t i, k, pos = 0;

	if ((done = calloc(n + 1, sizeof(*done))) == NULL) {
		/* plan order: every prefix of it is within the limits */
		for (i = 0; i < n; i++) {
			order[i] = i;
			group[i] = true;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		done[i] = true;
		order[pos] = i;
		group[pos++] = true;
		leaves_to = false;
		for (k = i + 1; k < n; k++) {
			if (done[k])
				continue;
			if (strcmp(from[k], from[i]) != 0 ||
			    strcmp(to[k], to[i]) != 0) {
				/* overtaken from here on */
				leaves_to = leaves_to || strcmp(from[k], to[i]) == 0;
				continue;
			}
			if (leaves_to)
				break;
			done[k] = true;
			order[pos] = k;
			group[pos++] = false;
		}
	}
	free(done);
}
