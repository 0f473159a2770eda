/* corral-master: the two ways sync.c runs a transfer, each a file. */
#ifndef CORRAL_MASTER_SYNCWAY_H
#define CORRAL_MASTER_SYNCWAY_H

#include <stddef.h>

struct master_ctx;
struct msg_sync_result;
struct sync_job;

/* Straight from one slave to the other (direct.c): 1 (and err) when the
 * sender could not reach the receiver, to be relayed then. */
int master_sync_direct(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen);
/* Relayed through the master (relay.c). */
int master_sync_relay(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen);

#endif
