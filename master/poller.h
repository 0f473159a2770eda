/* corral-master: one thread per slave that keeps an SSH session to it and
 * polls HOST_INFO and CT_LIST into the inventory, on an interval and on
 * demand.  A slave that does not answer is marked down with the reason;
 * each poller has its own timeouts, so one slow slave stalls nobody. */
#ifndef CORRAL_POLLER_H
#define CORRAL_POLLER_H

#include <stdint.h>

#include "conf.h"

struct master_ctx;
struct poller;

struct poller *poller_start(struct master_ctx *m, const struct slave_entry *e);
/* Stop the thread, close its session, free p. */
void poller_stop(struct poller *p);
const char *poller_name(const struct poller *p);

/* Ask for a fresh round now; returns a ticket for poller_wait(). */
uint64_t poller_request(struct poller *p);
/* Wait until the round of ticket is done or the absolute deadline
 * (CLOCK_MONOTONIC, ms) passes; 0 if done, -1 on time-out. */
int poller_wait(struct poller *p, uint64_t ticket, int64_t deadline_ms);

/* Refresh every poller (or only host's) and wait for them all together
 * (refresh.c): each is bounded by its own time-out, so one dead slave
 * costs at most that much, never the sum. */
void pollers_refresh(struct master_ctx *m, const char *host);

#include "pace.h"   /* monotonic_ms() */

#endif
