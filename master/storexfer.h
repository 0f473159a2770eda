/* corral-master: trees between a slave and the master's store, by the
 * transfer engine, with the master as one end of a direct transfer.
 *
 * The store is on the master's own disks, so the master runs the engine
 * against it itself: every byte still goes straight between the slave and
 * the store, over one TCP connection sealed with a key made for that one
 * transfer (as between two slaves, master/direct.c), and the engine's end
 * here runs in a thread of its own while this thread watches the slave's
 * SSH session (progress, its counters, its errors).
 *
 *   get: the slave sends (TREE_SEND_REQ); the master listens on the
 *        address its SSH connection to that slave comes from, a port of
 *        corral.conf data_ports, and receives into a store transaction's
 *        rootfs.
 *   put: the slave receives (TREE_RECV_REQ) and says its port; the master
 *        connects to it and sends a version's rootfs.
 *
 * There is no relay: a slave that cannot reach the master's port (or the
 * master the slave's) fails the transfer naming host, address and port.
 * slaves.conf's bwlimit and compress of the host apply, as for sync. */
#ifndef CORRAL_MASTER_STOREXFER_H
#define CORRAL_MASTER_STOREXFER_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "tree.h"

struct master_ctx;
struct store_changes;
struct store_tx;

/* Where a transfer is (at most every 250 ms, from the calling thread);
 * nonzero stops it at once (a cancel): it fails with "cancelled". */
typedef int (*storexfer_progress_fn)(void *arg, const struct msg_progress *p);

struct storexfer_opts {
	uint32_t opts;                 /* TREE_OPT_CHECKSUM, TREE_OPT_DRY_RUN */
	storexfer_progress_fn progress;  /* may be NULL */
	void *arg;
	uint64_t job;                  /* a get's: the job whose send it is */
};

struct storexfer_result {
	struct tree_stats st;          /* the receiver's counters */
	uint64_t wire_bytes;           /* on the direct connection, both ways */
	uint64_t usec;
};

/* Bring the tree src on slave host (a path under its storage root, or
 * "@C": container C, read through its snapshot while it runs, in its
 * volume when stopped, as `corral sync H:@C`) into tx's rootfs.  Each
 * path the receiver creates or changes is added to changes (may be NULL),
 * for store_commit(); deletions are not.  tx is neither committed nor
 * aborted here.  0, or -1 with err naming host, path and step. */
int store_get_tree(struct master_ctx *m, const char *host, const char *src,
    struct store_tx *tx, struct store_changes *changes,
    const struct storexfer_opts *o, struct storexfer_result *res, char *err,
    size_t errlen);

/* Make dst on slave host (a path under its storage root, or "@C": the
 * volume of stopped container C, which must exist) the tree under rootfd
 * (a version's rootfs, store_read_open()).  0, or -1 with err. */
int store_put_tree(struct master_ctx *m, const char *host, int rootfd,
    const char *dst, const struct storexfer_opts *o,
    struct storexfer_result *res, char *err, size_t errlen);

#endif
