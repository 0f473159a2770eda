/* corral-master: a tree transfer straight from one slave to the other
 * (direct.c). */
#ifndef CORRAL_MASTER_DIRECT_H
#define CORRAL_MASTER_DIRECT_H

#include <stddef.h>

struct master_ctx;
struct msg_sync_result;
struct sync_job;

/* 1 (and err) when the sender could not reach the receiver: relay then */
int master_sync_direct(struct master_ctx *m, const struct sync_job *j,
    struct msg_sync_result *res, char *err, size_t errlen);

#endif
