/* corral-master: where containers go.  Pure algorithms over a pool described
 * in memory (no I/O, no inventory, no clock): the score of a host, the
 * choice of a host for a new container (place.c), the plan that empties a
 * drained host and the plan of moves that lowers the pool's imbalance
 * (balance.c).  placedb.c fills a struct place_pool from the inventory;
 * tests/unit/test_place.c runs these on synthetic pools.
 *
 * The score of a host (0 = idle, 100 = every resource at its capacity):
 *
 *   mem   = memory in use / memory total
 *   cpu   = CPU in use (cores, 15-minute average: the largest of the
 *           load average, the sum of its containers' CPU from their
 *           cgroup counters, and the host's own CPU time from
 *           /proc/stat) / cores
 *   disk  = storage used / storage total
 *   count = containers / (2 x the mean containers of the active hosts)
 *   score = 100 x (Wm mem + Wc cpu + Wd disk + Wn count) / (Wm+Wc+Wd+Wn)
 *
 * with the weights of corral.conf (score_weight_*).  The terms are not
 * clipped: a host over its capacity scores over 100.
 *
 * Hard limits, never overcommitted by a choice or a move: the memory
 * committed on a host (the sum of its containers' memory limits, or their
 * use when they have none) stays within mem_ratio x memory total, its
 * storage used within disk_ratio x storage total.
 *
 * The imbalance of the pool is the standard deviation of the scores of its
 * active hosts (up or noselect: a drained or down host is outside it).  A
 * move's gain is how much it lowers the sum over the active hosts of the
 * squared distance between a host's score and the mean score (points
 * squared): unlike the standard deviation it does not shrink as the pool
 * grows, so one balance_min_gain suits pools of any size.
 */
#ifndef CORRAL_PLACE_H
#define CORRAL_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLACE_NAME_MAX 64

/* A host's state for placement, and why a host is not a candidate. */
enum place_why {
	PLACE_OK = 0,
	PLACE_NOSELECT,   /* slaves.conf says so: never chosen, may be a source */
	PLACE_DRAINED,    /* corral host drain */
	PLACE_DOWN,       /* the last poll failed */
	PLACE_MEMORY,     /* would exceed mem_ratio */
	PLACE_DISK,       /* would exceed disk_ratio */
};

/* "noselect", "drained", "down", "memory", "disk"; NULL for PLACE_OK. */
const char *place_why_name(enum place_why w);

struct place_host {
	char name[PLACE_NAME_MAX];
	enum place_why state;        /* PLACE_OK, _NOSELECT, _DRAINED, _DOWN */
	uint32_t cores;
	double cpu;                  /* cores in use */
	uint64_t mem_total, mem_used;        /* bytes */
	uint64_t mem_committed;              /* bytes, see above */
	uint64_t disk_total, disk_used;      /* bytes of the container store */
	uint32_t n_ct;
};

struct place_ct {
	char name[PLACE_NAME_MAX];
	size_t host;                 /* index into the pool's hosts */
	uint64_t mem_used;           /* bytes in use */
	uint64_t mem_commit;         /* limit, or use without a limit */
	uint64_t disk;               /* bytes of its rootfs */
	double cpu;                  /* cores in use */
	bool pinned;                 /* never moved: cooldown, a job on it */
};

struct place_weights {
	unsigned mem, cpu, disk, count;
};

struct place_pool {
	struct place_host *h;
	size_t nh;
	struct place_ct *c;
	size_t nc;
	struct place_weights w;
	double mem_ratio, disk_ratio;  /* limits: 1.0 = the whole host */
	double count_norm;             /* set by place_pool_ready() */
};

/* Compute what the scores need from the pool as it is (count_norm); call
 * once the hosts and containers are filled in, before anything below. */
void place_pool_ready(struct place_pool *p);

/* The score of host i as it is. */
double place_score(const struct place_pool *p, size_t i);
/* The score of host i with dmem bytes of use, dcpu cores, ddisk bytes and
 * dn containers more (negative: fewer). */
double place_score_delta(const struct place_pool *p, size_t i, double dmem,
    double dcpu, double ddisk, int dn);

/* Whether host i may receive a container committing mem bytes of memory
 * and disk bytes of storage: PLACE_OK or why not. */
enum place_why place_check(const struct place_pool *p, size_t i,
    uint64_t mem, uint64_t disk);

/* One host as `corral place` shows it. */
struct place_cand {
	size_t host;
	double score;                /* with the new container on it */
	enum place_why why;
};

/* Rank every host for a new container (mem and disk bytes): out gets
 * p->nh entries, the candidates first by score then name, then the
 * excluded ones by name.  Returns the index of the chosen host, or -1 when
 * none may take it. */
long place_choose(const struct place_pool *p, uint64_t mem, uint64_t disk,
    struct place_cand *out);

/* ---- balance.c ---- */

struct balance_opts {
	size_t max_moves;            /* 0 = no limit but the gain */
	double min_gain;             /* a move gains more than this */
};

struct balance_move {
	size_t ct;                   /* index into the pool's containers */
	size_t from, to;             /* host indexes */
	double from_before, from_after;  /* the hosts' scores */
	double to_before, to_after;
	double gain;                 /* see above */
	double imbalance_after;      /* the pool's, after this move */
};

/* The pool's imbalance (standard deviation of the active hosts' scores). */
double balance_imbalance(const struct place_pool *p);

/* A plan of at most max moves (and o->max_moves), greedy: each move is
 * the one of the largest gain among the containers of the most loaded
 * hosts toward the least loaded ones that may take them, and only if it
 * gains more than o->min_gain.  No container moves twice; pinned ones and
 * those on drained or down hosts never move.  The pool is changed as the
 * moves would change it (restore it from a copy to plan again).  *n gets
 * the number of moves; 0, or -1 if out of memory. */
int balance_plan(struct place_pool *p, const struct balance_opts *o,
    struct balance_move *out, size_t max, size_t *n);

/* Where to send each container of host src (a drain): out[k] for the k-th
 * container of src in the pool's order gets its destination host index, or
 * -1 when none may take it (reported, it stays).  Larger containers are
 * placed first; each placement counts for the next ones, and src is never
 * a destination.  The pool is changed as the moves would change it.
 * Returns the number of containers of src (entries of out, at most max),
 * or -1 if out of memory. */
long drain_plan(struct place_pool *p, size_t src, size_t *cts, long *out,
    size_t max);

/* The order in which --apply runs a plan of n moves (from[k] -> to[k],
 * host names, in plan order): one pair of hosts at a time, a pair's moves
 * together, the pairs in the order the plan first names them.  A later
 * move joins its pair's group only if no move it would overtake leaves
 * the group's destination: that move made the room it was planned into,
 * and overtaking it could overcommit the host.  order gets the n plan
 * indexes; group[k] is true where a group begins. */
void balance_apply_order(const char *const *from, const char *const *to,
    size_t n, size_t *order, bool *group);

/* Move container ct to host to in the pool's figures. */
void place_apply_move(struct place_pool *p, size_t ct, size_t to);

#endif
