/* corral xfer: the sender answers the receiver: its NEEDs and
 * signatures in, the data of each file out in DATA frames: literal (holes
 * skipped), a librsync delta, or aligned blocks (COPY for the blocks the
 * receiver has), then the file's hash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "proto.h"
#include "xfer_send.h"

/* One DATA frame, compressed when asked and when it pays. */
static int
put_data(struct sender *s, uint32_t index, uint8_t kind, uint64_t off,
    const uint8_t *p, size_t n)
{
	struct tree_data d = { .index = index, .kind = kind, .offset = off,
	    .raw_len = (uint32_t)n, .blob = p, .blob_len = (uint32_t)n };
	struct cbuf *b;
	int r;

	if (s->z_ok && n > 512) {
		deflateReset(&s->z);
		s->z.next_in = (Bytef *)p;
		s->z.avail_in = (uInt)n;
		s->z.next_out = s->zbuf;
		s->z.avail_out = (uInt)n;
		/* incompressible data stops the deflate early: sent as is */
		if (deflate(&s->z, Z_FINISH) == Z_STREAM_END &&
		    s->z.total_out < n - n / 10) {
			d.flags = TREE_DATA_ZLIB;
			d.blob = s->zbuf;
			d.blob_len = (uint32_t)s->z.total_out;
		}
	}
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = tree_data_encode(b, &d)) == 0)
		r = xio_put(&s->io, MSG_TREE_DATA, b);
	cbuf_free(b);
	s->st->wire_bytes += d.blob_len;
	return r;
}

static int
put_end(struct sender *s, struct pend *p, const uint8_t *hash)
{
	static const uint8_t zero[TREE_HASH_LEN];
	struct tree_data d = { .index = p->index, .kind = TREE_DATA_END,
	    .offset = p->size, .raw_len = TREE_HASH_LEN,
	    .blob = hash ? hash : zero, .blob_len = TREE_HASH_LEN };
	struct cbuf *b;
	int r;

	if ((b = cbuf_new(256)) == NULL)
		return CERR_NOMEM;
	if ((r = tree_data_encode(b, &d)) == 0)
		r = xio_put(&s->io, MSG_TREE_DATA, b);
	cbuf_free(b);
	return r;
}

/* ---- answering the receiver ---- */

int
xsend_on_need(struct sender *s, const uint8_t *pl, size_t len)
{
	struct cbuf *b = cbuf_from(pl, len);
	struct tree_need n;
	struct pend *p;
	uint32_t i, count;
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	if ((r = tree_needs_begin(b, &count)) != 0)
		goto out;
	for (i = 0; i < count; i++) {
		if ((r = tree_need_decode(b, &n)) != 0)
			goto out;
		/* a file sent as a delta: the receiver's verdict on it */
		if (n.index != s->next_answer && s->held_next < s->held_n) {
			if ((r = xsend_on_verdict(s, &n)) != 0)
				goto out;
			continue;
		}
		/* answers come once each, in file order, for announced files */
		if (n.index != s->next_answer ||
		    n.index - s->ring[s->head].index >= s->count) {
			r = CERR_PROTOCOL;
			goto out;
		}
		p = xsend_ring_at(s, n.index - s->ring[s->head].index);
		p->how = n.how;
		p->seed = n.seed;
		if ((n.how == TREE_NEED_DELTA || n.how == TREE_NEED_BLOCKS) &&
		    (p->sig = cbuf_new(SIG_MAX)) == NULL) {
			r = CERR_NOMEM;
			goto out;
		}
		s->next_answer++;
	}
	r = cbuf_expect_end(b);
out:
	cbuf_free(b);
	return r;
}

int
xsend_on_verdict(struct sender *s, const struct tree_need *n)
{
	struct pend *p = &s->held[(s->held_head + s->held_next) % WINDOW];

	if (n->index != p->index || (n->how != TREE_NEED_SKIP &&
	    n->how != TREE_NEED_LITERAL))
		return CERR_PROTOCOL;
	s->held_next++;
	if (n->how == TREE_NEED_LITERAL) {
		/* its rebuild did not match (a strong-sum collision, which
		 * whoever controls the file's contents can make): whole */
		p->how = TREE_NEED_LITERAL;
		p->pos = 0;
		if ((p->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(p->md, EVP_sha256(), NULL) != 1)
			return CERR_NOMEM;
		return 0;
	}
	xsend_held_done(s, p);
	return 0;
}

int
xsend_on_sig(struct sender *s, const uint8_t *pl, size_t len)
{
	struct cbuf *b = cbuf_from(pl, len);
	struct tree_sig g;
	struct pend *p;
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	r = tree_sig_decode(b, &g);
	cbuf_free(b);
	if (r != 0)
		return r;
	if (s->count == 0 || g.index - s->ring[s->head].index >= s->count)
		return CERR_PROTOCOL;
	p = xsend_ring_at(s, g.index - s->ring[s->head].index);
	if ((p->how != TREE_NEED_DELTA && p->how != TREE_NEED_BLOCKS) ||
	    p->sig_done)
		return CERR_PROTOCOL;
	if (s->sig_bytes + g.blob_len > XFER_SIGS_HELD_MAX) {
		snprintf(s->err, s->errlen, "the receiver's signatures for the "
		    "files in flight exceed %u MiB: refused",
		    XFER_SIGS_HELD_MAX >> 20);
		return CERR_TOO_BIG;
	}
	if ((r = cbuf_put(p->sig, g.blob, g.blob_len)) != 0)
		return r == CERR_BUF_FULL ? CERR_TOO_BIG : r;
	s->sig_bytes += g.blob_len;
	p->sig_done = g.last;
	return 0;
}

static int
delta_out(void *arg, const void *data, size_t n)
{
	struct sender *s = arg;

	return cbuf_put(s->delta, data, n) == 0 ? 0 : -1;
}

static int
discard_out(void *arg, const void *data, size_t n)
{
	(void)arg;
	(void)data;
	(void)n;
	return 0;
}

/* Send full chunks of delta bytes (all of them when final). */
static int
flush_delta(struct sender *s, struct pend *p, bool final)
{
	size_t n;
	int r;

	while (cbuf_len(s->delta) >= TREE_CHUNK_MAX ||
	    (final && cbuf_len(s->delta) > 0)) {
		n = cbuf_len(s->delta);
		if (n > TREE_CHUNK_MAX)
			n = TREE_CHUNK_MAX;
		if ((r = put_data(s, p->index, TREE_DATA_DELTA, 0,
		    cbuf_ptr(s->delta), n)) != 0)
			return r;
		cbuf_consume(s->delta, n);
	}
	return 0;
}

/* One step of the head file: a chunk of literal data or of delta. */
int
xsend_file_step(struct sender *s, struct pend *p, bool *finished)
{
	uint8_t hash[TREE_HASH_LEN];
	unsigned int hlen;
	const rs_stats_t *rst;
	off_t data, hole;
	size_t n;
	ssize_t got;
	int r, done;

	*finished = false;
	if (p->how == TREE_NEED_LITERAL) {
		if (p->pos >= p->size)
			goto literal_end;
		/* holes are not sent: the receiver leaves them sparse */
		data = lseek(p->fd, (off_t)p->pos, SEEK_DATA);
		if (data < 0 || (uint64_t)data >= p->size)
			goto literal_end;
		hole = lseek(p->fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > p->size)
			hole = (off_t)p->size;
		n = (size_t)(hole - data) < TREE_CHUNK_MAX ?
		    (size_t)(hole - data) : TREE_CHUNK_MAX;
		got = pread(p->fd, s->rbuf, n, data);
		if (got <= 0) {
			/* shrank while we read: send what was there */
			p->size = (uint64_t)data;
			goto literal_end;
		}
		if ((r = put_data(s, p->index, TREE_DATA_LITERAL,
		    (uint64_t)data, s->rbuf, (size_t)got)) != 0)
			return r;
		s->st->literal_bytes += (uint64_t)got;
		p->pos = (uint64_t)data + (uint64_t)got;
		return 0;
literal_end:
		*finished = true;
		return put_end(s, p, NULL);
	}
	/* DELTA */
	if (!p->sig_done)
		return 0;
	if (!p->started) {
		rs_job_t *load = rs_loadsig_begin(&p->sums);

		done = load ? rsjob_feed(load, cbuf_ptr(p->sig),
		    cbuf_len(p->sig), true, discard_out, NULL) : -1;
		if (load)
			rs_job_free(load);
		if (done != 1 || rs_build_hash_table(p->sums) != RS_DONE ||
		    (p->job = rs_delta_begin(p->sums)) == NULL ||
		    (p->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(p->md, EVP_sha256(), NULL) != 1) {
			snprintf(s->err, s->errlen, "file %u: bad signature "
			    "from the receiver", p->index);
			return CERR_PROTOCOL;
		}
		xsend_sig_drop(s, p);
		p->started = true;
	}
	n = p->size - p->pos < READ_CHUNK ? (size_t)(p->size - p->pos) :
	    READ_CHUNK;
	got = n ? pread(p->fd, s->rbuf, n, (off_t)p->pos) : 0;
	if (got < 0)
		return xsend_fail(s, CERR_IO, "read: %s%s", "");
	if ((size_t)got < n)
		p->size = p->pos + (uint64_t)got;   /* shrank meanwhile */
	p->pos += (uint64_t)got;
	EVP_DigestUpdate(p->md, s->rbuf, (size_t)got);
	done = rsjob_feed(p->job, s->rbuf, (size_t)got, p->pos >= p->size,
	    delta_out, s);
	if (done < 0) {
		snprintf(s->err, s->errlen, "file %u: delta failed", p->index);
		return CERR_IO;
	}
	if ((r = flush_delta(s, p, done == 1)) != 0)
		return r;
	if (done != 1)
		return 0;
	rst = rs_job_statistics(p->job);
	s->st->literal_bytes += (uint64_t)rst->lit_bytes;
	s->st->matched_bytes += (uint64_t)rst->copy_bytes;
	EVP_DigestFinal_ex(p->md, hash, &hlen);
	*finished = true;
	return put_end(s, p, hash);
}

int
xsend_resend_step(struct sender *s, struct pend *p, bool *finished)
{
	uint8_t hash[TREE_HASH_LEN];
	unsigned int hlen;
	size_t n;
	ssize_t got;
	int r;

	*finished = false;
	n = p->size - p->pos < TREE_CHUNK_MAX ? (size_t)(p->size - p->pos) :
	    TREE_CHUNK_MAX;
	got = n ? pread(p->fd, s->rbuf, n, (off_t)p->pos) : 0;
	if (got < 0)
		return xsend_fail(s, CERR_IO, "read: %s%s", "");
	if (got > 0) {
		/* holes too: the receiver hashes what it gets, in order */
		EVP_DigestUpdate(p->md, s->rbuf, (size_t)got);
		if ((r = put_data(s, p->index, TREE_DATA_LITERAL, p->pos,
		    s->rbuf, (size_t)got)) != 0)
			return r;
		s->st->literal_bytes += (uint64_t)got;
		p->pos += (uint64_t)got;
		if ((size_t)got == n && p->pos < p->size)
			return 0;
	}
	p->size = p->pos;   /* shrank meanwhile: what was there */
	EVP_DigestFinal_ex(p->md, hash, &hlen);
	EVP_MD_CTX_free(p->md);
	p->md = NULL;
	*finished = true;
	return put_end(s, p, hash);
}

/* A run of blocks the receiver has the same: one COPY record each
 * TREE_CHUNK_MAX bytes. */
static int
put_copy(struct sender *s, struct pend *p, uint64_t off, uint64_t len)
{
	struct tree_data d = { .index = p->index, .kind = TREE_DATA_COPY };
	struct cbuf *b;
	int r = 0;

	while (len > 0 && r == 0) {
		d.offset = off;
		d.raw_len = len > TREE_CHUNK_MAX ? TREE_CHUNK_MAX : (uint32_t)len;
		if ((b = cbuf_new(128)) == NULL)
			return CERR_NOMEM;
		if ((r = tree_data_encode(b, &d)) == 0)
			r = xio_put(&s->io, MSG_TREE_DATA, b);
		cbuf_free(b);
		s->st->matched_bytes += d.raw_len;
		off += d.raw_len;
		len -= d.raw_len;
	}
	return r;
}

/* One step of an aligned-blocks file: read up to a chunk of our file,
 * compare each block with the receiver's hash, send COPY for runs that
 * match and the bytes of the others.  Waits while the hashes of the
 * blocks it reached have not arrived. */
int
xsend_blocks_step(struct sender *s, struct pend *p, bool *finished, bool *waiting)
{
	uint8_t hash[TREE_HASH_LEN], bh[TREE_BLOCK_FULL];
	uint64_t have, nblocks, b, run_off = 0, run_len = 0, lit_off = 0;
	size_t n, i, lit_len = 0, blen;
	unsigned int hlen;
	ssize_t got;
	int r;

	*finished = *waiting = false;
	if (!p->started) {
		if ((p->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(p->md, EVP_sha256(), NULL) != 1)
			return CERR_NOMEM;
		p->started = true;
	}
	have = cbuf_len(p->sig) / TREE_BLOCK_HASH;   /* hashes received */
	b = p->pos / TREE_BLOCK_LEN;
	if (p->pos < p->size && b >= have && !p->sig_done) {
		*waiting = true;
		return 0;
	}
	n = p->size - p->pos < TREE_CHUNK_MAX ? (size_t)(p->size - p->pos) :
	    TREE_CHUNK_MAX;
	/* only as far as the hashes that arrived reach (p->pos is always on
	 * a block boundary here, chunks being whole blocks) */
	if (!p->sig_done && n > (have - b) * TREE_BLOCK_LEN)
		n = (size_t)((have - b) * TREE_BLOCK_LEN);
	got = n ? pread(p->fd, s->rbuf, n, (off_t)p->pos) : 0;
	if (got < 0)
		return xsend_fail(s, CERR_IO, "read: %s%s", "");
	if ((size_t)got < n)
		p->size = p->pos + (uint64_t)got;   /* shrank meanwhile */
	nblocks = have;
	for (i = 0; i < (size_t)got; i += blen) {
		b = (p->pos + i) / TREE_BLOCK_LEN;
		blen = (size_t)got - i < TREE_BLOCK_LEN ? (size_t)got - i :
		    TREE_BLOCK_LEN;
		/* the file's hash is the hash of its blocks' hashes: the
		 * receiver checks it without reading back what it copied */
		block_hash(s->rbuf + i, blen, p->seed, bh);
		EVP_DigestUpdate(p->md, bh, TREE_BLOCK_FULL);
		if (b < nblocks) {
			/* the basis's last block may be short: its hash then
			 * differs, and it goes literally, which is right */
			if (memcmp(bh, cbuf_ptr(p->sig) + b * TREE_BLOCK_HASH,
			    TREE_BLOCK_HASH) == 0) {
				if (lit_len > 0) {
					if ((r = put_data(s, p->index,
					    TREE_DATA_LITERAL, lit_off,
					    s->rbuf + (lit_off - p->pos),
					    lit_len)) != 0)
						return r;
					s->st->literal_bytes += lit_len;
					lit_len = 0;
				}
				if (run_len == 0)
					run_off = p->pos + i;
				run_len += blen;
				continue;
			}
		}
		if (run_len > 0) {
			if ((r = put_copy(s, p, run_off, run_len)) != 0)
				return r;
			run_len = 0;
		}
		if (lit_len == 0)
			lit_off = p->pos + i;
		lit_len += blen;
	}
	if (run_len > 0 && (r = put_copy(s, p, run_off, run_len)) != 0)
		return r;
	if (lit_len > 0) {
		if ((r = put_data(s, p->index, TREE_DATA_LITERAL, lit_off,
		    s->rbuf + (lit_off - p->pos), lit_len)) != 0)
			return r;
		s->st->literal_bytes += lit_len;
	}
	p->pos += (uint64_t)got;
	if (p->pos < p->size)
		return 0;
	EVP_DigestFinal_ex(p->md, hash, &hlen);
	*finished = true;
	return put_end(s, p, hash);
}
