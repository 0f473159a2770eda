/* corral-master: the score of a host and the choice of a host for a new
 * container (place.h says what they are). */
#include <stdlib.h>
#include <string.h>

#include "place.h"

static const char *const why_names[] = {
	[PLACE_OK] = NULL,
	[PLACE_NOSELECT] = "noselect",
	[PLACE_DRAINED] = "drained",
	[PLACE_DOWN] = "down",
	[PLACE_MEMORY] = "memory",
	[PLACE_DISK] = "disk",
};

const char *
place_why_name(enum place_why w)
{
	if ((unsigned)w >= sizeof(why_names) / sizeof(why_names[0]))
		return "?";
	return why_names[w];
}

void
place_pool_ready(struct place_pool *p)
{
	size_t i, active = 0, cts = 0;

	for (i = 0; i < p->nh; i++) {
		if (p->h[i].state != PLACE_OK &&
		    p->h[i].state != PLACE_NOSELECT)
			continue;
		active++;
		cts += p->h[i].n_ct;
	}
	/* twice the mean: a host with the mean count is at half pressure,
	 * and moves do not change the norm (they keep the total) */
	p->count_norm = active > 0 && cts > 0 ? 2.0 * (double)cts /
	    (double)active : 1.0;
}

/* used / total, 1 when there is no capacity to speak of */
static double
ratio(double used, double total)
{
	if (total <= 0)
		return used > 0 ? 1.0 : 0.0;
	return used / total;
}

double
place_score_delta(const struct place_pool *p, size_t i, double dmem,
    double dcpu, double ddisk, int dn)
{
	const struct place_host *h = &p->h[i];
	const struct place_weights *w = &p->w;
	double sum = (double)w->mem + w->cpu + w->disk + w->count, s;

	if (sum <= 0)
		return 0;
	s = w->mem * ratio((double)h->mem_used + dmem, (double)h->mem_total) +
	    w->cpu * ratio(h->cpu + dcpu, (double)h->cores) +
	    w->disk * ratio((double)h->disk_used + ddisk,
	    (double)h->disk_total) +
	    w->count * (((double)h->n_ct + dn) / p->count_norm);
	return 100.0 * s / sum;
}

double
place_score(const struct place_pool *p, size_t i)
{
	return place_score_delta(p, i, 0, 0, 0, 0);
}

enum place_why
place_check(const struct place_pool *p, size_t i, uint64_t mem,
    uint64_t disk)
{
	const struct place_host *h = &p->h[i];

	if (h->state != PLACE_OK)
		return h->state;
	if ((double)h->mem_committed + (double)mem >
	    p->mem_ratio * (double)h->mem_total || h->mem_total == 0)
		return PLACE_MEMORY;
	if ((double)h->disk_used + (double)disk >
	    p->disk_ratio * (double)h->disk_total || h->disk_total == 0)
		return PLACE_DISK;
	return PLACE_OK;
}

static int
cand_cmp(const void *a, const void *b, void *arg)
{
	const struct place_cand *x = a, *y = b;
	const struct place_pool *p = arg;

	if ((x->why == PLACE_OK) != (y->why == PLACE_OK))
		return x->why == PLACE_OK ? -1 : 1;
	if (x->why == PLACE_OK && x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return strcmp(p->h[x->host].name, p->h[y->host].name);
}

long
place_choose(const struct place_pool *p, uint64_t mem, uint64_t disk,
    struct place_cand *out)
{
	size_t i;

	for (i = 0; i < p->nh; i++) {
		out[i].host = i;
		out[i].why = place_check(p, i, mem, disk);
		out[i].score = place_score_delta(p, i, (double)mem, 0,
		    (double)disk, 1);
	}
	qsort_r(out, p->nh, sizeof(*out), cand_cmp, (void *)p);
	return p->nh > 0 && out[0].why == PLACE_OK ? (long)out[0].host : -1;
}

void
place_apply_move(struct place_pool *p, size_t ct, size_t to)
{
	struct place_ct *c = &p->c[ct];
	struct place_host *a = &p->h[c->host], *b = &p->h[to];

	a->mem_used -= c->mem_used < a->mem_used ? c->mem_used : a->mem_used;
	a->mem_committed -= c->mem_commit < a->mem_committed ?
	    c->mem_commit : a->mem_committed;
	a->disk_used -= c->disk < a->disk_used ? c->disk : a->disk_used;
	a->cpu = a->cpu > c->cpu ? a->cpu - c->cpu : 0;
	if (a->n_ct > 0)
		a->n_ct--;
	b->mem_used += c->mem_used;
	b->mem_committed += c->mem_commit;
	b->disk_used += c->disk;
	b->cpu += c->cpu;
	b->n_ct++;
	c->host = to;
}
