/* corral xfer: the sending side of a tree transfer.
 *
 * Walks the tree depth-first (sorted names), streams ENTRIES, keeps the
 * regular files it announced open in a bounded window until the receiver
 * answers each (in order) with a NEED: skip, literal, or delta against the
 * signature that follows.  Data goes out in the same order.
 *
 * This file is the loop, the window and progress; the parts, sharing
 * xfer_send.h: xfer_send_walk.c (the walk, its entries, hard links),
 * xfer_send_data.c (the receiver's answers, and file data: literal,
 * delta, aligned blocks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "msg.h"
#include "pace.h"
#include "proto.h"
#include "xfer_send.h"

struct pend *
xsend_ring_at(struct sender *s, size_t i)
{
	return &s->ring[(s->head + i) % WINDOW];
}

void
xsend_sig_drop(struct sender *s, struct pend *p)
{
	if (p->sig == NULL)
		return;
	s->sig_bytes -= cbuf_len(p->sig);
	cbuf_free(p->sig);
	p->sig = NULL;
}

static void
pend_clear(struct sender *s, struct pend *p)
{
	if (p->fd >= 0)
		close(p->fd);
	xsend_sig_drop(s, p);
	if (p->job)
		rs_job_free(p->job);
	if (p->sums)
		rs_free_sumset(p->sums);
	EVP_MD_CTX_free(p->md);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

void
xsend_held_done(struct sender *s, struct pend *p)
{
	p->how = TREE_NEED_SKIP;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	while (s->held_n > 0 && s->held[s->held_head].how == TREE_NEED_SKIP) {
		s->held_head = (s->held_head + 1) % WINDOW;
		s->held_n--;
		s->held_next--;
	}
}

int
xsend_fail(struct sender *s, int code, const char *fmt, const char *what)
{
	snprintf(s->err, s->errlen, fmt, what, strerror(errno));
	return code;
}

/* ---- progress: a TREE_PROGRESS frame at most every PROGRESS_MS ---- */

#define PROGRESS_MS 250

static int
put_progress(struct sender *s)
{
	struct xfer_progress p = { 0 };
	struct msg_progress m;
	struct cbuf *b;
	int64_t now = monotonic_ms();
	int r;

	if (now - s->prog_ms < PROGRESS_MS)
		return 0;
	s->prog_ms = now;
	/* entries announced, less the files still in the window */
	p.files_done = s->st->files - s->count;
	p.bytes_done = s->done_bytes;
	(void)xcount_done(&s->cnt, &p.files_total, &p.bytes_total);
	/* direct: whoever watches is not on the stream, the caller tells it */
	if (s->o->progress != NULL)
		return s->o->progress(s->o->progress_arg, &p);
	m = (struct msg_progress){ .files_done = p.files_done,
	    .files_total = p.files_total, .bytes_done = p.bytes_done,
	    .bytes_total = p.bytes_total };
	if ((b = cbuf_new(64)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_progress_encode(b, &m)) == 0)
		r = xio_put(&s->io, MSG_TREE_PROGRESS, b);
	cbuf_free(b);
	return r;
}

static int
handle_input(struct sender *s)
{
	const uint8_t *pl;
	uint16_t type;
	size_t len;
	int r;

	while ((r = xio_peek(&s->io, &type, &pl, &len)) == 1) {
		switch (type) {
		case MSG_TREE_NEED: r = xsend_on_need(s, pl, len); break;
		case MSG_TREE_SIG:  r = xsend_on_sig(s, pl, len); break;
		case MSG_ERROR:
			snprintf(s->err, s->errlen, "the receiver failed");
			r = CERR_REMOTE;
			break;
		default:            r = CERR_PROTOCOL; break;
		}
		xio_consume(&s->io, len);
		if (r != 0) {
			if (r != CERR_REMOTE && !s->err[0])
				snprintf(s->err, s->errlen, "%s from the "
				    "receiver: %s", proto_msg_name(type),
				    cerr_str(r));
			return r;
		}
	}
	if (r == CERR_EOF && !s->end_sent) {
		snprintf(s->err, s->errlen, "the receiver went away");
		return r;
	}
	return r < 0 && r != CERR_EOF ? r : 0;
}

/* Produce what the output has room for; true if anything was made. */
static int
produce(struct sender *s, bool *progress)
{
	struct pend *p;
	bool blocked = false, finished;
	int r, i;

	*progress = false;
	/* files the receiver asks for again, whole: a chunk each turn, in
	 * between the head file's (the receiver tells them by index) */
	for (i = 0; (size_t)i < s->held_next && xio_room(&s->io); i++) {
		p = &s->held[(s->held_head + (size_t)i) % WINDOW];
		if (p->how != TREE_NEED_LITERAL)
			continue;
		if ((r = xsend_resend_step(s, p, &finished)) != 0)
			return r;
		*progress = true;
		if (finished) {
			xsend_held_done(s, p);
			break;   /* the ring may have moved: next turn */
		}
	}
	/* the head file first: the receiver waits for it */
	while (xio_room(&s->io) && s->count > 0) {
		p = xsend_ring_at(s, 0);
		if (p->how == 0 || (p->how == TREE_NEED_DELTA && !p->sig_done))
			break;
		if (p->how == TREE_NEED_BLOCKS) {
			bool waiting;

			if ((r = xsend_blocks_step(s, p, &finished, &waiting)) != 0)
				return r;
			if (waiting)
				break;   /* for more of the receiver's hashes */
			*progress = true;
			if (!finished)
				continue;
		} else if (p->how == TREE_NEED_LITERAL ||
		    p->how == TREE_NEED_DELTA) {
			if ((r = xsend_file_step(s, p, &finished)) != 0)
				return r;
			*progress = true;
			if (!finished)
				continue;
		}
		s->done_bytes += p->size;
		/* a delta: its file stays open for the receiver's verdict */
		if (p->how == TREE_NEED_DELTA) {
			struct pend *h = &s->held[(s->held_head + s->held_n) %
			    WINDOW];

			memset(h, 0, sizeof(*h));
			h->index = p->index;
			h->fd = p->fd;
			h->size = p->size;
			h->how = TREE_NEED_DELTA;
			s->held_n++;
			p->fd = -1;
		}
		pend_clear(s, p);
		s->head = (s->head + 1) % WINDOW;
		s->count--;
		*progress = true;
	}
	if ((r = put_progress(s)) != 0)
		return r;
	/* then more entries, in batches */
	for (i = 0; i < 512 && !s->walk_done && xio_room(&s->io); i++) {
		if ((r = xsend_walk_step(s, &blocked)) != 0)
			return r;
		if (blocked)
			break;
		*progress = true;
	}
	if ((r = xsend_flush_entries(s)) != 0)
		return r;
	if (s->walk_done && s->count == 0 && s->held_n == 0 && !s->end_sent) {
		struct cbuf *b;

		/* e.g. a snapshot that overflowed while we read it */
		if (s->o->before_end != NULL &&
		    s->o->before_end(s->o->arg, s->err, s->errlen) != 0)
			return CERR_REMOTE;
		if ((b = cbuf_new(128)) == NULL)
			return CERR_NOMEM;
		if ((r = tree_stats_encode(b, s->st)) == 0)
			r = xio_put(&s->io, MSG_TREE_END, b);
		cbuf_free(b);
		s->end_sent = true;
		*progress = true;
		return r;
	}
	return 0;
}

int
xfer_send(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen)
{
	struct sender *s;
	bool progress;
	size_t i;
	int r;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CERR_NOMEM;
	s->o = o;
	s->st = st;
	s->rootfd = rootfd;
	s->err = err;
	s->errlen = errlen;
	for (i = 0; i < WINDOW; i++)
		s->ring[i].fd = s->held[i].fd = -1;
	if ((r = xio_init(&s->io, rfd, wfd)) != 0 ||
	    (o->seal && (r = xio_set_seal(&s->io, o->seal)) != 0))
		goto out;
	if (o->bwlimit)
		xio_set_bwlimit(&s->io, o->bwlimit);
	s->ents = cbuf_new(PROTO_PAYLOAD_MAX);
	s->delta = cbuf_new(4 * TREE_CHUNK_MAX + 128 * 1024);
	/* a literal chunk is up to TREE_CHUNK_MAX; deflate output as much */
	s->rbuf = malloc(TREE_CHUNK_MAX);
	s->zbuf = malloc(TREE_CHUNK_MAX);
	if (s->ents == NULL || s->delta == NULL || !s->rbuf || !s->zbuf) {
		r = CERR_NOMEM;
		goto out;
	}
	if ((o->opts & TREE_OPT_COMPRESS) &&
	    deflateInit(&s->z, o->zlevel ? o->zlevel : 1) == Z_OK)
		s->z_ok = true;
	/* without totals, progress just has none */
	(void)xcount_start(&s->cnt, rootfd);
	s->prog_ms = monotonic_ms();
	while (!s->end_sent || xio_pending(&s->io)) {
		if ((r = handle_input(s)) != 0)
			goto out;
		if ((r = produce(s, &progress)) != 0)
			goto out;
		if ((r = xio_pump(&s->io, progress ? 0 : 1000)) != 0) {
			if (!err[0])
				snprintf(err, errlen, "stream: %s", cerr_str(r));
			goto out;
		}
	}
	r = 0;
out:
	if (r != 0 && !err[0])
		snprintf(err, errlen, "%s", cerr_str(r));
	if (r != 0 && s->io.out != NULL)
		(void)xio_flush(&s->io, 5000);
	xcount_stop(&s->cnt);
	if (o->conn_bytes)
		*o->conn_bytes = s->io.in_bytes + s->io.out_bytes;
	for (i = 0; i < s->count; i++)
		pend_clear(s, xsend_ring_at(s, i));
	for (i = 0; i < s->held_n; i++)
		pend_clear(s, &s->held[(s->held_head + i) % WINDOW]);
	while (s->depth > 0) {
		s->depth--;
		close(s->stack[s->depth].fd);
		dirlist_free(&s->stack[s->depth].l);
	}
	if (s->z_ok)
		deflateEnd(&s->z);
	free(s->links);
	free(s->rbuf);
	free(s->zbuf);
	cbuf_free(s->ents);
	cbuf_free(s->delta);
	xio_free(&s->io);
	free(s);
	return r;
}
