/* corral-master: the inventory's side of placement and balance: the pool
 * as place.h's algorithms see it, read from the last polls; the drained
 * flag; the moves balance queued (its cooldown).  Errors: 0 or -1 with inventory_errmsg() saying why. */
#ifndef CORRAL_PLACEDB_H
#define CORRAL_PLACEDB_H

#include <stdbool.h>
#include <stdint.h>

#include "place.h"

struct inventory;
struct corral_conf;

/* The pool as the inventory has it at time now (unix seconds): every host
 * (ordered by name) with its state (down, noselect, drained: drained wins
 * over noselect, down over both), its figures, the CPU in use as the
 * larger of its 15-minute load average and the 15-minute mean of its
 * containers' CPU in the load history; every container with its CPU rate
 * over the last polls, pinned if balance moved it less than
 * balance_cooldown seconds ago or a job is queued or running on it.
 * A job queued or running that brings a container to a host (move,
 * create, put, restore) counts there already, until a poll shows it
 * there: a put's or restore's version as the store at conf->store says.
 * Weights and limits from conf.  Free with placedb_free(). */
int placedb_load(struct inventory *inv, const struct corral_conf *conf,
    int64_t now, struct place_pool *out);
void placedb_free(struct place_pool *p);

/* Mark host drained (on) or not; -1 if there is no such host. */
int placedb_set_drained(struct inventory *inv, const char *host, bool on);
/* Whether host is drained into *on (false for a host the inventory does
 * not know). */
int placedb_drained(struct inventory *inv, const char *host, bool *on);

/* Balance queued a move of container at now: it stays pinned for the
 * cooldown.  Rows older than a year go. */
int placedb_balance_moved(struct inventory *inv, const char *container,
    int64_t now);


#endif
