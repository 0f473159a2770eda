/* corral xfer: the receiver sends the signatures of its old files, in
 * order, a chunk at a time as the output has room: librsync signatures
 * for a delta, block hashes for aligned blocks. */
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "proto.h"
#include "xfer_recv.h"

#define SIG_BLOCK_MAX 8192          /* finer than sqrt(size): fewer literals */
#define SIG_BLOCKS_MAX 1000000      /* keeps a signature under 16 MiB */

static int
sig_out(void *arg, const void *p, size_t n)
{
	return cbuf_put(arg, p, n) == 0 ? 0 : -1;
}

/* The hashes of the next chunk of the basis's aligned blocks. */
static int
send_block_hashes(struct receiver *r, struct item *it)
{
	uint8_t hashes[(READ_CHUNK / TREE_BLOCK_LEN) * TREE_BLOCK_HASH];
	uint8_t *h;
	struct tree_sig g = { .index = it->index, .blob = hashes };
	struct cbuf *b;
	size_t n, i, blen, nh = 0;
	ssize_t got;
	int rc;

	n = it->basis_size - it->sig_pos < READ_CHUNK ?
	    (size_t)(it->basis_size - it->sig_pos) : READ_CHUNK;
	got = n ? pread(it->basis_fd, r->rbuf, n, (off_t)it->sig_pos) : 0;
	if (got < 0)
		return xrecv_fail(r, CERR_IO, "cannot read", it->name);
	if ((size_t)got < n)
		it->basis_size = it->sig_pos + (uint64_t)got;
	for (i = 0; i < (size_t)got; i += blen) {
		blen = (size_t)got - i < TREE_BLOCK_LEN ? (size_t)got - i :
		    TREE_BLOCK_LEN;
		h = it->bhash + ((it->sig_pos + i) / TREE_BLOCK_LEN) *
		    TREE_BLOCK_FULL;
		block_hash(r->rbuf + i, blen, it->seed, h);
		memcpy(hashes + nh * TREE_BLOCK_HASH, h, TREE_BLOCK_HASH);
		nh++;
	}
	it->sig_pos += (uint64_t)got;
	g.blob_len = (uint32_t)(nh * TREE_BLOCK_HASH);
	it->sig_bytes += g.blob_len;
	r->sig_held += g.blob_len;
	g.last = it->sig_pos >= it->basis_size;
	if ((b = cbuf_new(sizeof(hashes) + 64)) == NULL)
		return CERR_NOMEM;
	if ((rc = tree_sig_encode(b, &g)) == 0)
		rc = xio_put(&r->io, MSG_TREE_SIG, b);
	cbuf_free(b);
	if (g.last)
		it->sig_sent = true;
	return rc;
}

int
xrecv_send_sigs(struct receiver *r, bool *progress)
{
	struct tree_sig g;
	struct cbuf *out, *b;
	rs_magic_number magic = RS_RK_BLAKE2_SIG_MAGIC;
	size_t block = 0, strong = (size_t)-1, n;
	struct item *it;
	ssize_t got;
	int done, rc = 0;

	for (it = r->head; it != NULL && xio_room(&r->io); it = it->next) {
		if (it->kind != IT_FILE || it->sig_sent ||
		    (it->how != TREE_NEED_DELTA && it->how != TREE_NEED_BLOCKS))
			continue;
		/* the sender holds what we sent until the file is done: a
		 * new one only while one more fits (XFER_SIGS_HELD_MAX) */
		if (it->sig_pos == 0 && r->sig_held + XFER_SIG_FILE_MAX >
		    XFER_SIGS_HELD_MAX)
			break;
		if ((rc = xrecv_flush_needs(r)) != 0)
			return rc;
		if (it->how == TREE_NEED_BLOCKS) {
			if ((rc = send_block_hashes(r, it)) != 0)
				return rc;
			*progress = true;
			break;   /* one chunk per turn */
		}
		if (it->sigjob == NULL) {
			if (rs_sig_args((rs_long_t)it->basis_size, &magic, &block,
			    &strong) != RS_DONE)
				return CERR_INVALID;
			if (block > SIG_BLOCK_MAX)
				block = SIG_BLOCK_MAX;
			/* at most SIG_BLOCKS_MAX blocks: the sender holds the
			 * signature in memory (12 bytes a block) */
			if (block < it->basis_size / SIG_BLOCKS_MAX + 1)
				block = (size_t)(it->basis_size / SIG_BLOCKS_MAX + 1);
			if ((it->sigjob = rs_sig_begin(block, strong, magic)) ==
			    NULL)
				return CERR_NOMEM;
		}
		if ((out = cbuf_new(TREE_CHUNK_MAX + 128 * 1024)) == NULL)
			return CERR_NOMEM;
		/* a chunk of basis per turn keeps both directions moving */
		n = it->basis_size - it->sig_pos < READ_CHUNK ?
		    (size_t)(it->basis_size - it->sig_pos) : READ_CHUNK;
		got = n ? pread(it->basis_fd, r->rbuf, n, (off_t)it->sig_pos) : 0;
		if (got < 0) {
			cbuf_free(out);
			return xrecv_fail(r, CERR_IO, "cannot read", it->name);
		}
		if ((size_t)got < n)
			it->basis_size = it->sig_pos + (uint64_t)got;
		it->sig_pos += (uint64_t)got;
		done = rsjob_feed(it->sigjob, r->rbuf, (size_t)got,
		    it->sig_pos >= it->basis_size, sig_out, out);
		if (done < 0) {
			cbuf_free(out);
			return xrecv_fail(r, CERR_IO, "signature of", it->name);
		}
		while (cbuf_len(out) > 0 || done == 1) {
			n = cbuf_len(out) < TREE_CHUNK_MAX ? cbuf_len(out) :
			    TREE_CHUNK_MAX;
			g.index = it->index;
			g.last = done == 1 && n == cbuf_len(out);
			g.blob = cbuf_ptr(out);
			g.blob_len = (uint32_t)n;
			it->sig_bytes += n;
			r->sig_held += n;
			if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
				cbuf_free(out);
				return CERR_NOMEM;
			}
			if ((rc = tree_sig_encode(b, &g)) == 0)
				rc = xio_put(&r->io, MSG_TREE_SIG, b);
			cbuf_free(b);
			cbuf_consume(out, n);
			if (rc != 0 || g.last)
				break;
		}
		cbuf_free(out);
		if (rc != 0)
			return rc;
		*progress = true;
		if (done == 1) {
			it->sig_sent = true;
			rs_job_free(it->sigjob);
			it->sigjob = NULL;
		}
		break;   /* one chunk per turn */
	}
	return rc;
}
