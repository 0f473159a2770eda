/* The sender's totals, counted by a thread of their own (xfer_count.c),
 * for progress: the walk itself only ever knows what it has seen. */
#ifndef CORRAL_XFER_COUNT_H
#define CORRAL_XFER_COUNT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct xcount {
	pthread_t th;
	bool running;
	int fd;
	atomic_bool stop, done;
	uint64_t files, bytes;    /* read only once done */
};
int xcount_start(struct xcount *c, int rootfd);
/* true (and the totals) once the count is complete */
bool xcount_done(struct xcount *c, uint64_t *files, uint64_t *bytes);
void xcount_stop(struct xcount *c);

#endif
