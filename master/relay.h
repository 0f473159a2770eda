/* corral-master: a tree transfer relayed through the master (relay.c). */
#ifndef CORRAL_MASTER_RELAY_H
#define CORRAL_MASTER_RELAY_H

#include <stddef.h>

struct master_ctx;
struct msg_sync_result;
struct sync_job;

int master_sync_relay(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen);

#endif
