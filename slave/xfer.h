/* corral-slave: the tree-transfer engine (sender and receiver) and the
 * pieces they share.
 *
 * Both ends are single-threaded event loops over one non-blocking stream
 * (the worker's socketpair): each always reads its input, and produces
 * output only while its output buffer has room, so a slow side slows the
 * other without deadlock.  Every file system access goes through directory
 * fds held along a depth-first walk, one path component at a time, never
 * following a symlink (see shared/reference/security.md).
 */
#ifndef CORRAL_XFER_H
#define CORRAL_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <librsync.h>
#include <openssl/evp.h>

#include <pthread.h>
#include <stdatomic.h>

#include "buf.h"
#include "tree.h"

/* ---- the engine's entry points ---- */

struct transport;

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
	/* a direct connection: its records' seal and, sender, the bandwidth
	 * limit (bytes per second) and where progress goes (the master) */
	struct xseal *seal;
	uint64_t bwlimit;
	struct transport *progress;
	uint64_t *conn_bytes;     /* out: bytes on the stream, both ways */
};

/* The sender's totals, counted by a thread of their own (xfer_count.c). */
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

/* Stream the tree under rootfd (a directory) to the peer on rfd/wfd. */
int xfer_send(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen);
/* Make the tree under rootfd identical to the one the peer streams. */
int xfer_recv(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen);

/* Open path (relative, no "..", no symlink anywhere) under the storage
 * root fd as a directory; with create, make missing components (0755). */
int xfer_open_beneath(int storefd, const char *path, bool create,
    char *err, size_t errlen);

/* ---- sealed records of a direct connection (xfer_seal.c) ---- */

#define SEAL_KEY_LEN  32
#define SEAL_REC_MAX  (256u * 1024)   /* plaintext bytes in one record */

struct xseal {
	EVP_CIPHER_CTX *enc, *dec;
	uint32_t dir_out, dir_in;      /* nonce prefix: 0 to the receiver */
	uint64_t n_out, n_in;          /* records sealed, opened */
};

/* sender: this end sends the tree (direction 0 out) */
int xseal_init(struct xseal *s, const uint8_t key[SEAL_KEY_LEN], bool sender);
void xseal_free(struct xseal *s);
/* Append len (<= SEAL_REC_MAX) bytes to out as one sealed record. */
int xseal_seal(struct xseal *s, const uint8_t *p, size_t len,
    struct cbuf *out);
/* Open the record at the head of in into out: 1 opened (consumed from
 * in), 0 not whole yet or no room in out, CERR_TOO_BIG or CERR_AUTH. */
int xseal_open(struct xseal *s, struct cbuf *in, struct cbuf *out);
/* The length field of the record at the head of in (0 if not there). */
size_t xseal_next_len(const struct cbuf *in);
/* The first record each way: proves the peer holds the key. */
int xseal_hello_send(struct xseal *s, int fd, int timeout_ms);
int xseal_hello_recv(struct xseal *s, int fd, int timeout_ms);

/* ---- the receiver's copier thread (xfer_copier.c) ---- */

/* Installing a rebuilt large file: what the copier needs, all owned. */
struct xfinish {
	int dfd, tmp_fd, basis_fd;     /* the directory, new file, old file */
	char tmpname[64];
	struct tree_entry *e;          /* name and metadata (xattrs in xvals) */
	uint8_t *xvals;
	uint64_t size;
	uint32_t index;                /* the file's index in the stream */
	char *dir;                     /* its directory, as a path */
};
struct xcopier;
int xcopier_start(struct xcopier **c);
/* Queue a copy of [off, off+len) from basis_fd to tmp_fd (both stay open
 * until the file's finish has run). */
int xcopier_copy(struct xcopier *c, int basis_fd, int tmp_fd, uint64_t off,
    uint64_t len);
/* Queue the install of a file; takes f (freed, and on failure its
 * temporary removed). */
int xcopier_finish(struct xcopier *c, struct xfinish *f);
/* Wait until no finish is pending in directory dir (by_index: of file
 * index; dir NULL and !by_index: until everything ran).  0, or CERR_IO
 * with the copier's error. */
int xcopier_wait(struct xcopier *c, const char *dir, bool by_index,
    uint32_t index, char *err, size_t errlen);
int xcopier_failed(struct xcopier *c, char *err, size_t errlen);
/* Stop the thread; jobs not run are dropped, their temporaries removed. */
void xcopier_stop(struct xcopier *c);
void xfinish_free(struct xfinish *f, bool unlink_tmp);

/* ---- the TCP connection of a direct transfer (xfer_direct.c) ---- */
/* Each returns a descriptor, or -1 with err set. */

/* Listen on the first free port lo..hi of addr ("" or 0.0.0.0: every
 * address); lo = hi = 0: an ephemeral port. */
int direct_listen(const char *addr, uint16_t lo, uint16_t hi, uint16_t *port,
    char *err, size_t errlen);
/* The first connection that proves it holds s's key, within timeout_ms;
 * others are dropped (and logged). */
int direct_accept(int lfd, struct xseal *s, int timeout_ms, char *err,
    size_t errlen);
int direct_connect(const char *peer, uint16_t port, struct xseal *s,
    int timeout_ms, char *err, size_t errlen);
/* Sender, after its last frame: shut down writing, wait for the receiver
 * to close (0, or a negative CERR_*). */
int direct_finish(int fd, int timeout_ms);

/* ---- buffered non-blocking frame I/O ---- */

#define XIO_OUT_SOFT (4u << 20)   /* producers wait above this */

struct xio {
	int rfd, wfd;
	struct cbuf *in;
	struct cbuf *out;
	bool eof;                 /* the peer closed its side */
	uint64_t in_bytes, out_bytes;   /* on the descriptors */
	/* a direct connection: frames travel in sealed records */
	struct xseal *seal;
	struct cbuf *raw_in, *raw_out;
	/* bandwidth limit on what is written, bytes per second (0: none) */
	uint64_t bw, bw_sent;
	int64_t bw_t0;
};

int xio_init(struct xio *x, int rfd, int wfd);
void xio_free(struct xio *x);
/* Seal everything from now on (the hellos are done) and cap the rate. */
int xio_set_seal(struct xio *x, struct xseal *s);
void xio_set_bwlimit(struct xio *x, uint64_t bytes_per_s);
/* Queue one frame. */
int xio_put(struct xio *x, uint16_t type, const struct cbuf *payload);
/* Wait up to timeout_ms for the stream, read what is there, write what
 * is queued.  0, or a negative CERR_*. */
int xio_pump(struct xio *x, int timeout_ms);
/* The next complete frame in the input, as a view (valid until
 * xio_consume); 1 if one is there, 0 if not yet, negative on a bad frame. */
int xio_peek(struct xio *x, uint16_t *type, const uint8_t **payload,
    size_t *len);
void xio_consume(struct xio *x, size_t len);
/* Write everything queued, waiting at most timeout_ms (-1: no limit): at
 * the end, and before an error is reported on the same stream, so that no
 * frame is left half-written. */
int xio_flush(struct xio *x, int timeout_ms);
/* Anything queued, sealed or not, still to be written? */
bool xio_pending(const struct xio *x);
bool xio_room(const struct xio *x);

/* ---- directory listings, sorted bytewise ---- */

struct dirlist {
	char **names;
	size_t n, pos;
};

/* Names of directory fd (without . and ..), sorted with strcmp. */
int dirlist_read(int dfd, struct dirlist *l);
void dirlist_free(struct dirlist *l);

/* ---- metadata ---- */

/* Fill e's mode, uid, gid, mtime, size/rdev/target and xattrs from the
 * entry name under dfd (never followed; "" is dfd itself).  Xattr values
 * are copied into store, which must outlive e's use. */
int meta_read(int dfd, const char *name, const struct stat *st,
    struct tree_entry *e, uint8_t *store, size_t store_len);
/* Apply owner, mode, xattrs (adding, changing and removing) and mtime to
 * the object fd (O_PATH|O_NOFOLLOW is enough) named name under dfd; for
 * a symlink fd is unused and only owner and mtime apply, by name.  name ""
 * means fd itself.  skip_mtime: directories get theirs at the end. */
int meta_apply(int dfd, const char *name, int fd, const struct tree_entry *e,
    bool skip_mtime);
/* True if the object's xattrs equal e's (a symlink: by its name). */
bool meta_xattrs_equal(int fd, const struct tree_entry *e);
bool meta_link_xattrs_equal(int dfd, const char *name,
    const struct tree_entry *e);

/* Seeded XXH3-128 of one aligned block (TREE_NEED_BLOCKS). */
void block_hash(const void *p, size_t n, uint64_t seed,
    uint8_t out[TREE_BLOCK_FULL]);

/* Install a finished temporary file tmpname (fd tmpfd) under dfd as
 * e->name: cut it to size, apply e's metadata, rename it over the old one.
 * 0, or -1 with errno and *what naming the step that failed. */
int meta_install(int dfd, const char *tmpname, int tmpfd,
    struct tree_entry *e, uint64_t size, const char **what);

/* SHA-256 of a whole file (for --checksum). */
int hash_fd(int fd, uint8_t out[TREE_HASH_LEN]);

/* ---- librsync jobs driven over memory ---- */

typedef int (*rsjob_out_fn)(void *arg, const void *p, size_t n);
/* Feed len bytes (eof: no more input) to job; output goes to out.
 * 0 while running, 1 when the job is done, -1 on error. */
int rsjob_feed(rs_job_t *job, const void *in, size_t len, bool eof,
    rsjob_out_fn out, void *arg);

#endif
