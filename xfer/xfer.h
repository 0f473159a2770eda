/* corral: the tree-transfer engine (libcorralxfer.a), its public side.
 *
 * A sender streams the tree under a directory fd to a receiver, which
 * makes the tree under its own directory fd identical, over one
 * non-blocking stream (a socketpair, the session's pipes, or a sealed TCP
 * connection between two hosts).  Every file system access goes through
 * directory fds, one path component at a time, never following a symlink
 * (see shared/reference/security.md).  The engine's parts have private
 * headers of their own (xfer_io.h, xfer_meta.h, ...), for xfer/ only.
 */
#ifndef CORRAL_XFER_H
#define CORRAL_XFER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tree.h"

/* Set (from a signal handler: nothing else is safe there) to make every
 * transfer in the process fail at its next wait, within a second, down
 * its ordinary error path: temp files removed, descriptors closed. */
extern volatile sig_atomic_t xfer_stop;

/* The sealed records of a direct connection: opaque here (xfer_seal.h). */
struct xseal;

/* What a receiver did to one entry (xfer_opts.on_change). */
enum xfer_change {
	XFER_CREATED = 1,  /* a new name, or one whose type changed */
	XFER_CONTENT,      /* a file rewritten (a new inode; in_place: maybe
	                    * its own inode, new data), a symlink's
	                    * target or a device's number changed, a name
	                    * made a hard link of another file */
	XFER_META,         /* owner, mode, mtime, xattrs or ACLs only */
	XFER_DELETED,      /* removed (a directory: its entries first) */
};

/* Where a sender is, for a progress display. */
struct xfer_progress {
	uint64_t files_done, files_total;   /* totals 0 while counting */
	uint64_t bytes_done, bytes_total;
};

struct xfer_opts {
	uint32_t opts;        /* TREE_OPT_* */
	int zlevel;           /* zlib level when TREE_OPT_COMPRESS */
	/* receiver with rootfd -1: the destination does not exist yet; it is
	 * made (create_path under storefd) when the sender's root arrives, so
	 * a transfer that fails before that leaves nothing behind */
	int storefd;
	const char *create_path;
	/* sender: called before the last frame; nonzero (err set) fails the
	 * transfer instead */
	int (*before_end)(void *arg, char *err, size_t errlen);
	void *arg;
	/* sender: where progress goes, at most every 250 ms; NULL: in the
	 * stream, for whoever relays it.  Nonzero fails the transfer. */
	int (*progress)(void *arg, const struct xfer_progress *p);
	void *progress_arg;
	/* a direct connection: its records' seal and, sender, the bandwidth
	 * limit (bytes per second) */
	struct xseal *seal;
	uint64_t bwlimit;
	uint64_t *conn_bytes;     /* out: bytes on the stream, both ways */
	/* sender, out (if not NULL): regular files that vanished or became
	 * something else between the listing and their open: not sent */
	uint64_t *vanished;
	/* sender: a directory on another device than the root's (a file
	 * system mounted in the tree) fails the send, naming it, where it
	 * would go as an empty directory, its content left out (rsync -x).
	 * For a container's tree: a copy without that content loses it
	 * without a word, and a move then removes the source. */
	bool refuse_mounts;
	/* receiver: the destination's files may be hard links to files
	 * outside it (an earlier version's, in a store).  No existing inode
	 * is then changed: a file, symlink or special whose metadata differs
	 * and that has more than one name gets an inode of its own first (a
	 * copy beside it renamed over it; a special made again), and files
	 * the source does not link together are not left linked.  The tree's
	 * own links are not counted ahead: any entry with more than one
	 * name is copied, never changed in place. */
	bool shared_inodes;
	/* receiver (ignored with shared_inodes): a rewritten regular file
	 * with one name keeps its inode: the new data goes to an unnamed
	 * file (O_TMPFILE), then is copied over the old data (up to 1 MiB)
	 * or reflinked there (FICLONE);
	 * elsewhere (no reflinks, other names) the unnamed file gets a name
	 * and is renamed over the old one as usual.  For a destination no
	 * one reads while it is written: a store's btrfs or xfs .incoming,
	 * where a new inode and the directory entries of a rename copy
	 * metadata blocks (a snapshot's) that the old inode alone does not. */
	bool in_place;
	/* receiver: called for each entry it creates, rewrites, changes the
	 * metadata of or deletes, with its path under the root ("" is the
	 * root itself), once, from the thread that called xfer_recv; never
	 * in a dry run.  A file is reported when the receiver decides to
	 * write it: it is in place when xfer_recv returns 0. */
	void (*on_change)(void *arg, const char *relpath, enum xfer_change what);
	void *change_arg;
};

/* Stream the tree under rootfd (a directory) to the peer on rfd/wfd.
 * 0, or a negative CERR_* with err set; st gets the totals. */
int xfer_send(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen);
/* Make the tree under rootfd identical to the one the peer streams. */
int xfer_recv(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen);

/* Open path (relative, no ".." component, no symlink anywhere) under the
 * storage root fd as a directory; with create, make missing components
 * (0755). */
int xfer_open_beneath(int storefd, const char *path, bool create,
    char *err, size_t errlen);

/* What a receiver says when its sender stopped before the end: the
 * sender's own error, if it gave one, says why (the master prefers it). */
#define XFER_SENDER_GONE "the sender went away"

/* ---- a direct connection between two hosts (xfer_seal.c, xfer_direct.c) */

#define SEAL_KEY_LEN  32

/* sender: this end sends the tree.  NULL if out of memory. */
struct xseal *xseal_new(const uint8_t key[SEAL_KEY_LEN], bool sender);
void xseal_delete(struct xseal *s);

/* Each returns a descriptor, or -1 with err set. */
/* Listen on the first free port lo..hi of addr ("" or 0.0.0.0: every
 * address); lo = hi = 0: an ephemeral port. */
int direct_listen(const char *addr, uint16_t lo, uint16_t hi, uint16_t *port,
    char *err, size_t errlen);
/* The first connection that proves it holds s's key, over the challenge
 * sent to it, within timeout_ms; up to 16 are served at once, each for 2 s
 * at most; others are dropped (logged once per 10 s, with a count). */
int direct_accept(int lfd, struct xseal *s, int timeout_ms, char *err,
    size_t errlen);
/* The same, asking idle(arg) every 100 ms meanwhile (the caller's other
 * duty: the session with the sender's host); nonzero ends the wait: -1,
 * err left alone.  A connection still proving the key is kept across
 * those asks (one accept per wait, never a loop of short ones). */
int direct_accept_idle(int lfd, struct xseal *s, int timeout_ms,
    int (*idle)(void *), void *arg, char *err, size_t errlen);
int direct_connect(const char *peer, uint16_t port, struct xseal *s,
    int timeout_ms, char *err, size_t errlen);
/* Sender, after its last frame: shut down writing, wait for the receiver
 * to close (0, or a negative CERR_*). */
int direct_finish(int fd, int timeout_ms);

#endif
