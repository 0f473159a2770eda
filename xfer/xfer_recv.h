/* The receiver's parts (xfer_recv*.c): its state, and what each part
 * offers the others.  Private to the receiver. */
#ifndef CORRAL_XFER_RECV_H
#define CORRAL_XFER_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <librsync.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "buf.h"
#include "tree.h"
#include "xfer.h"
#include "xfer_io.h"
#include "xfer_meta.h"

#define READ_CHUNK   (256 * 1024)
#define PATH_BUF     (TREE_DEPTH_MAX * (TREE_NAME_MAX + 1) + 1)
/* The paths of the hard-linked files' first names, kept to the end: each
 * costs its path, its NUL and its record.  A store's version is a farm
 * of hard links whose every file is linked: this is ~3M files of 64-byte
 * paths, where an unbounded peer could send deep 64 KiB paths at will. */
#define LEADER_BYTES_MAX (256u << 20)

enum item_kind { IT_FILE, IT_LINK, IT_DIRFIN };

struct item {
	enum item_kind kind;
	struct item *next, *prev;
	struct item *redo_next;    /* receiver's redo list */
	bool redo;                 /* its delta did not rebuild it: asked
	                            * again whole (a literal with a hash) */
	int dfd;                   /* IT_FILE: the directory the name lives in */
	char *dirpath;             /* IT_LINK, IT_DIRFIN: that directory, as a
	                            * path under the root (no fd held, so any
	                            * number of them can wait) */
	char name[TREE_NAME_MAX + 1];
	struct tree_entry *e;      /* IT_FILE, IT_LINK: with its own xattrs */
	uint8_t *xvals;
	uint32_t index;
	uint8_t how;
	/* delta: the basis and its signature */
	int basis_fd;
	uint64_t basis_size;
	rs_job_t *sigjob;
	uint64_t sig_pos;
	uint64_t sig_bytes;        /* of its signature, sent */
	bool sig_sent;
	/* the file being built */
	int tmpfd;
	char tmpname[64];
	rs_job_t *patch;
	EVP_MD_CTX *md;
	uint64_t out_pos;
	/* aligned blocks: the seed, the basis's block hashes, the new file's */
	uint64_t seed;
	uint8_t *bhash, *nhash;
	char *fdir;                /* its directory's path: the copier's */
	uint64_t nblocks_set;
	/* IT_DIRFIN: the directory's mtime */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct rdir {
	int fd;                    /* -1 in a dry run for a missing directory */
	struct dirlist l;
	char last[TREE_NAME_MAX + 1];
	size_t path_len;           /* of this directory's path in r->path */
	int64_t mtime_sec;         /* set when leaving it */
	uint32_t mtime_nsec;
};

struct leader {
	uint32_t index;
	char *path;                /* relative to the root */
	bool meta;                 /* its metadata changed in place: so did
	                            * that of its names already linked */
};

/* shared_inodes: the inodes kept with more than one name, by (dev, ino) */
struct inoslot {
	uint64_t dev, ino;
	bool used;
};

struct receiver {
	struct xio io;
	const struct xfer_opts *o;
	struct tree_stats *st;
	int rootfd;
	bool dry;
	struct rdir stack[TREE_DEPTH_MAX + 1];
	int depth;
	bool root_seen, walk_done, end_seen;
	uint32_t next_index;
	struct item *head, *tail;  /* work waiting for earlier files */
	struct item *cur;          /* the first file not asked again: DATA
	                            * is for it, or for one of redo */
	struct item *redo;         /* files asked again whole, in order */
	size_t pending_files;      /* IT_FILE items queued */
	struct cbuf *needs;        /* NEED records being batched */
	uint32_t n_needs;
	uint64_t sig_held;         /* signature bytes of unfinished files */
	struct leader *leaders;
	size_t n_leaders, cap_leaders;
	size_t leader_bytes;       /* what the leaders hold, together */
	struct xcopier *cp;        /* started with the first large file */
	struct inoslot *kept;      /* shared_inodes: open addressing */
	size_t n_kept, cap_kept;
	char *rpath;               /* on_change: the path being reported */
	char path[PATH_BUF];
	z_stream z;
	uint8_t *zbuf;
	uint8_t *rbuf;
	char *err;
	size_t errlen;
};

/* xfer_recv.c: the loop.  An error: err set, the code returned. */
int xrecv_fail(struct receiver *r, int code, const char *what,
    const char *name);
int xrecv_bad(struct receiver *r, const char *why);
/* Tell on_change about dir (a path under the root, "" or ending in '/')
 * followed by name; nothing in a dry run. */
void xrecv_report(struct receiver *r, const char *dir, const char *name,
    enum xfer_change what);

/* xfer_recv_walk.c: one entry of the stream, in order */
int xrecv_entry(struct receiver *r, const struct tree_entry *e);

/* xfer_recv_entry.c: a file (NEED) or a special entry, under dfd; lst is
 * what is there when exists */
int xrecv_file(struct receiver *r, int dfd, const struct tree_entry *e,
    bool exists, const struct stat *lst);
int xrecv_special(struct receiver *r, int dfd, const struct tree_entry *e,
    bool exists, const struct stat *lst);
/* Owner, mode, mtime (check_mtime) or xattrs (fd >= 0) differ? */
bool xrecv_meta_differs(const struct stat *st, const struct tree_entry *e,
    int fd, bool check_mtime);
/* The same for dfd/name, a symlink's xattrs included (mtime unless a
 * directory).  0, or -1 if it cannot be opened. */
int xrecv_meta_differs_at(int dfd, const char *name, const struct stat *st,
    const struct tree_entry *e, bool is_dir, bool *differs);
/* Set what differs in place (dfd is the directory of r->path) and report
 * it; *changed (if not NULL): something did. */
int xrecv_fix_meta(struct receiver *r, int dfd, const char *name,
    const struct stat *st, const struct tree_entry *e, bool is_dir,
    bool *changed);
/* Send the NEEDs batched so far. */
int xrecv_flush_needs(struct receiver *r);

/* xfer_recv_link.c: hard links */
/* Remember name (under r->path) as the first name of file index: 0,
 * CERR_NOMEM, or CERR_TOO_BIG (err set) past LEADER_BYTES_MAX. */
int xrecv_leader_add(struct receiver *r, uint32_t index, const char *name);
int xrecv_link(struct receiver *r, int dfd, const char *dir, const char *name,
    uint32_t index);
void xrecv_leaders_free(struct receiver *r);

/* xfer_recv_delete.c: what the source lacks */
/* Remove dfd/name, a directory with everything in it, and report it (dir:
 * dfd's path).  replace: the name is made again at once: only what was
 * inside it is reported deleted. */
int xrecv_rm_tree(struct receiver *r, int dfd, const char *dir,
    const char *name, bool replace);
int xrecv_delete_before(struct receiver *r, struct rdir *d, const char *name,
    bool *exists);
int xrecv_delete_rest(struct receiver *r, struct rdir *d);

/* xfer_recv_queue.c: work waiting for earlier files */
struct item *xrecv_item_new(enum item_kind kind, int dfd, const char *name);
void xrecv_item_free(struct item *it);
int xrecv_item_keep_entry(struct item *it, const struct tree_entry *e);
void xrecv_enqueue(struct receiver *r, struct item *it);
/* Take it out of the queue (wherever it is) and free it. */
void xrecv_dequeue(struct receiver *r, struct item *it);
int xrecv_run_ready(struct receiver *r);

/* xfer_recv_data.c: a DATA frame */
int xrecv_data(struct receiver *r, const uint8_t *pl, size_t len);
/* A new empty file beside the one of index under dfd: its fd, its name in
 * name (64 bytes), or -1. */
int xrecv_open_tmp(int dfd, uint32_t index, char *name, size_t len);

/* xfer_recv_shared.c: shared_inodes */
/* An existing entry whose content is already e's: *own when it must get
 * an inode of its own first (other names, and metadata to change or a
 * name kept before that the source does not link to it); *differs (one
 * of several names): its metadata does.  Kept, its inode is remembered. */
int xrecv_shared_check(struct receiver *r, int dfd, const struct tree_entry *e,
    const struct stat *st, bool *own, bool *differs);
/* A regular file whose content is already e's (file index): kept, its
 * metadata fixed, or copied to an inode of its own. */
int xrecv_shared_keep(struct receiver *r, int dfd, const struct tree_entry *e,
    const struct stat *st, uint32_t index);
void xrecv_shared_free(struct receiver *r);

/* xfer_recv_sig.c: a chunk of the next signature, if there is room */
int xrecv_send_sigs(struct receiver *r, bool *progress);

#endif
