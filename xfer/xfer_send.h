/* The sender's parts (xfer_send*.c): its state, and what each part
 * offers the others.  Private to the sender. */
#ifndef CORRAL_XFER_SEND_H
#define CORRAL_XFER_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librsync.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "buf.h"
#include "tree.h"
#include "xfer.h"
#include "xfer_count.h"
#include "xfer_io.h"
#include "xfer_meta.h"

#define WINDOW       TREE_WINDOW      /* files announced, not yet sent */
#define SIG_MAX      XFER_SIG_FILE_MAX   /* bytes of one file's signature */
#define READ_CHUNK   (256 * 1024)

struct pend {
	uint32_t index;
	int fd;
	uint64_t size;
	uint8_t how;              /* 0 until the receiver answers */
	struct cbuf *sig;         /* DELTA: the signature as it arrives */
	bool sig_done;
	bool started;
	uint64_t seed;            /* BLOCKS: the receiver's block-hash seed */
	uint64_t pos;             /* next byte to read */
	rs_job_t *job;
	rs_signature_t *sums;
	EVP_MD_CTX *md;
};

struct sdir {
	int fd;
	struct dirlist l;
	bool foreign;             /* another file system: not descended */
};

struct link_slot {
	dev_t dev;
	ino_t ino;
	uint32_t index;
	bool used;
};

struct sender {
	struct xio io;
	const struct xfer_opts *o;
	struct tree_stats *st;
	int rootfd;
	dev_t rootdev;
	struct sdir stack[TREE_DEPTH_MAX + 1];
	int depth;
	bool root_sent, walk_done, end_sent;
	uint32_t next_index, next_answer;
	uint64_t sig_bytes;       /* of the window's signatures, together */
	struct pend ring[WINDOW];
	size_t head, count;
	/* files sent as a delta, kept open until the receiver says its
	 * rebuild matched (NEED skip) or asks for it whole (NEED literal):
	 * they count in the window; those before held_next have their
	 * answer (resent, or done: how SKIP, closed) */
	struct pend held[WINDOW];
	size_t held_head, held_n, held_next;
	struct link_slot *links;
	size_t links_cap, links_n;
	struct cbuf *ents;        /* ENTRIES frame being built */
	uint32_t n_ents;
	struct cbuf *delta;       /* delta bytes not yet in a DATA frame */
	z_stream z;
	bool z_ok;
	uint8_t *zbuf;
	uint8_t *rbuf;
	uint8_t xstore[TREE_XATTRS_BYTES_MAX];
	char *err;
	size_t errlen;
	/* progress: totals from a counting thread, done as files retire */
	struct xcount cnt;
	uint64_t done_bytes;
	int64_t prog_ms;
};

/* xfer_send.c: the loop */
/* The i-th file of the window, from its head. */
struct pend *xsend_ring_at(struct sender *s, size_t i);
/* Drop p's signature (its bytes leave s->sig_bytes). */
void xsend_sig_drop(struct sender *s, struct pend *p);
/* err: fmt with what and strerror(errno); returns code. */
int xsend_fail(struct sender *s, int code, const char *fmt, const char *what);

/* xfer_send_walk.c: the walk, entries out, hard links */
/* Announce one more entry; 0 with nothing done when the window is full. */
int xsend_walk_step(struct sender *s, bool *blocked);
/* Send the entries batched so far as one frame. */
int xsend_flush_entries(struct sender *s);
/* Tests only: called between a regular file's stat and its open, to swap
 * something else in (NULL: never). */
extern void (*xsend_test_before_open)(int dfd, const char *name);

/* xfer_send_data.c: the receiver's answers, and file data */
int xsend_on_need(struct sender *s, const uint8_t *pl, size_t len);
/* xfer_send.c: a held file is done (closed): out of the window once
 * those before it are. */
void xsend_held_done(struct sender *s, struct pend *p);
/* The receiver's answer on a file sent as a delta, in file order. */
int xsend_on_verdict(struct sender *s, const struct tree_need *n);
int xsend_on_sig(struct sender *s, const uint8_t *pl, size_t len);
/* One step of the head file (literal or delta); *finished at its end. */
int xsend_file_step(struct sender *s, struct pend *p, bool *finished);
/* One step of an aligned-blocks file; *waiting for the receiver's
 * hashes. */
int xsend_blocks_step(struct sender *s, struct pend *p, bool *finished,
    bool *waiting);
/* One chunk of a file sent again whole, every byte, with its SHA-256. */
int xsend_resend_step(struct sender *s, struct pend *p, bool *finished);

#endif
