/* corral-master: placement and balance requests (placecli.c) and what the
 * nightly balance (balanceat.c) shares with them. */
#ifndef CORRAL_PLACECLI_H
#define CORRAL_PLACECLI_H

#include <stdint.h>

#include "frame.h"
#include "place.h"
#include "reqloop.h"

struct cli;
struct corral_conf;
struct msg_plan;

/* Moves in one plan at most: well within a frame. */
#define MSG_PLAN_MOVES_MAX 1000

int cli_do_place(struct reqloop *l, const struct frame *f);
int cli_do_balance(struct reqloop *l, const struct frame *f);
int cli_do_drain(struct reqloop *l, const struct frame *f);

/* The balance plan of pool p (changed as the moves would change it) with
 * conf's minimum gain, at most max_moves (0: no limit but the gain) into
 * m (msg_plan_free); -1 if out of memory. */
int balance_run(struct place_pool *p, const struct corral_conf *conf,
    uint32_t max_moves, struct msg_plan *m);
/* Run m's moves as move jobs, one pair of hosts at a time, each move's
 * note saying how it ended and each job told to news (clisession.h;
 * NULL: no one); at the first failure the rest are not run and m->error
 * says which failed: -1. */
struct job_news;
int balance_apply(struct cli *c, struct msg_plan *m,
    const struct job_news *news);

/* The nightly run (a daily task, dailyrun.c): plan and apply, logged. */
struct master_ctx;
void balance_nightly(struct master_ctx *m, void *arg);

#endif
