/* corral-master: what get (storexfer_get.c) and put (storexfer_put.c)
 * share (storexfer.c): the slave's session, the master's end of the
 * engine in a thread, and the loop that watches both. */
#ifndef CORRAL_MASTER_STOREXFER_INT_H
#define CORRAL_MASTER_STOREXFER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "storexfer.h"
#include "syncjob.h"
#include "xfer.h"

#define SX_GRACE_MS 1000   /* after our end fails: the slave's reason */

struct sx {
	struct master_ctx *m;
	const struct storexfer_opts *o;
	const char *path;            /* on the slave, for messages */
	struct sync_end e;           /* the slave's session */
	struct sync_heard h;         /* what it said */
	struct tree_req tq;          /* to the slave: opts, key, peer, port */
	void *ev;
	/* the master's end of the engine, in its own thread */
	bool sending;                /* the master sends (put) */
	int rootfd;                  /* not ours */
	int fd;                      /* the direct connection, or -1 */
	struct xseal *seal;
	struct xfer_opts xo;
	struct tree_stats st;
	uint64_t conn;               /* the connection's bytes */
	int rc;
	char xerr[MSG_ERRTEXT_MAX];
	pthread_t th;
	bool started, joined;
	bool stopped;                /* by sx_stop(), before its end */
	atomic_bool done;
	/* the sender's progress, from its thread */
	pthread_mutex_t lock;
	struct xfer_progress prog;
	/* get: where the receiver's changes go */
	struct store_changes *changes;
	bool changes_lost;           /* one could not be kept (memory) */
};

/* Set x up for host (in slaves.conf): the request's options from o and
 * the host's compress and bwlimit, a fresh key, the seal of the master's
 * end, the session (HELLO done).  sx_close() undoes all, whatever failed. */
int sx_open(struct sx *x, struct master_ctx *m, const char *host,
    const char *path, bool sending, int rootfd,
    const struct storexfer_opts *o, char *err, size_t errlen);
/* Run the master's end on x->fd in a thread. */
int sx_start(struct sx *x, char *err, size_t errlen);
/* Watch the session and the engine until both ends are done (0), or one
 * fails, stalls, or the progress callback says stop (-1, err). */
int sx_run(struct sx *x, char *err, size_t errlen);
/* Stop the engine if it runs, close everything, forget the key; then
 * res's time since t0 and the log line of a get or a put (what) of
 * host:path, done (rc 0) or failed with err. */
void sx_close(struct sx *x, const char *what, const char *host,
    const char *path, int rc, int64_t t0, struct storexfer_result *res,
    const char *err);

#endif
