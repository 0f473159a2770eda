/* corral xfer: the receiver builds each changed file from DATA in a
 * temporary beside the old one: literal bytes, a librsync delta against
 * the old file, or aligned blocks copied from it; checks the sender's
 * hash and installs the file (large ones through the copier thread). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "cerr.h"
#include "xfer_copier.h"
#include "xfer_recv.h"

int
xrecv_open_tmp(int dfd, uint32_t index, char *name, size_t len)
{
	int i, fd;

	for (i = 0; i < 100; i++) {
		snprintf(name, len, ".corral-%u-%d-%d.tmp", index, (int)getpid(),
		    i);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

static int
open_tmp(struct receiver *r, struct item *it)
{
	/* in_place: an unnamed file, no directory entry (meta_install) */
	if (r->o->in_place && !r->o->shared_inodes) {
		it->tmpname[0] = '\0';
		it->tmpfd = openat(it->dfd, ".", O_TMPFILE | O_RDWR |
		    O_CLOEXEC, 0600);
		if (it->tmpfd >= 0)
			return 0;
	}
	it->tmpfd = xrecv_open_tmp(it->dfd, it->index, it->tmpname,
	    sizeof(it->tmpname));
	if (it->tmpfd >= 0)
		return 0;
	return xrecv_fail(r, CERR_IO, "cannot create a file beside", it->name);
}

/* Write at off, leaving all-zero 4 KiB blocks as holes. */
static int
write_sparse(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	static const uint8_t zero[4096];
	size_t i, run;

	for (i = 0; i < n; i += run) {
		run = n - i < sizeof(zero) ? n - i : sizeof(zero);
		if (run == sizeof(zero) && (off + i) % sizeof(zero) == 0 &&
		    memcmp(p + i, zero, run) == 0)
			continue;
		if (pwrite(fd, p + i, run, (off_t)(off + i)) != (ssize_t)run)
			return -1;
	}
	return 0;
}

static rs_result
basis_copy(void *arg, rs_long_t pos, size_t *len, void **buf)
{
	struct item *it = arg;
	ssize_t n;

	/* librsync does not bound a COPY by the basis: we do */
	if (pos < 0 || (uint64_t)pos >= it->basis_size)
		return RS_CORRUPT;
	if (*len > it->basis_size - (uint64_t)pos)
		*len = (size_t)(it->basis_size - (uint64_t)pos);
	n = pread(it->basis_fd, *buf, *len, pos);
	if (n <= 0)
		return RS_IO_ERROR;
	*len = (size_t)n;
	return RS_DONE;
}

static int
patch_out(void *arg, const void *p, size_t n)
{
	struct item *it = arg;

	if (it->out_pos + n > it->e->size)
		return -1;   /* more than announced */
	EVP_DigestUpdate(it->md, p, n);
	if (write_sparse(it->tmpfd, p, n, it->out_pos) != 0)
		return -1;
	it->out_pos += n;
	return 0;
}

static int defer_finish(struct receiver *r, struct item *it, uint64_t size);

static int
put_verdict(struct receiver *r, uint32_t index, uint8_t how)
{
	struct tree_need n = { .index = index, .how = how };

	r->n_needs++;
	return tree_need_encode(r->needs, &n);
}

/* A delta whose rebuild fails its hash: the strong sums are short and
 * unkeyed, so whoever controls a file's old and new contents can make
 * them collide: ask for it once more, whole, as rsync does.  1: asked. */
static int
ask_whole(struct receiver *r, struct item *it)
{
	rs_job_free(it->patch);
	it->patch = NULL;
	if (it->basis_fd >= 0)
		close(it->basis_fd);
	it->basis_fd = -1;
	if (ftruncate(it->tmpfd, 0) != 0)
		return xrecv_fail(r, CERR_IO, "cannot write", it->name);
	if (EVP_DigestInit_ex(it->md, EVP_sha256(), NULL) != 1)
		return CERR_NOMEM;
	it->out_pos = 0;
	it->how = TREE_NEED_LITERAL;
	it->redo = true;
	return put_verdict(r, it->index, TREE_NEED_LITERAL) == 0 ? 1 :
	    CERR_NOMEM;
}

static int
finish_file(struct receiver *r, struct item *it, const struct tree_data *d)
{
	uint8_t h[TREE_HASH_LEN];
	unsigned int hlen;
	const rs_stats_t *st;
	const char *what;

	if (d->offset > it->e->size)
		return xrecv_bad(r, "file longer than announced");
	if (it->how == TREE_NEED_DELTA) {
		if (it->patch == NULL || rsjob_feed(it->patch, NULL, 0, true,
		    patch_out, it) != 1)
			return xrecv_bad(r, "delta ends early");
		EVP_DigestFinal_ex(it->md, h, &hlen);
		if (it->out_pos != d->offset)
			return xrecv_bad(r, "a delta that rebuilds another size "
			    "than the end says");
		if (memcmp(h, d->blob, TREE_HASH_LEN) != 0)
			return ask_whole(r, it);
		st = rs_job_statistics(it->patch);
		r->st->literal_bytes += (uint64_t)st->lit_bytes;
		r->st->matched_bytes += (uint64_t)st->copy_bytes;
		/* the sender keeps the file open until told */
		if (put_verdict(r, it->index, TREE_NEED_SKIP) != 0)
			return CERR_NOMEM;
	}
	if (it->redo) {
		EVP_DigestFinal_ex(it->md, h, &hlen);
		if (it->out_pos != d->offset ||
		    memcmp(h, d->blob, TREE_HASH_LEN) != 0) {
			snprintf(r->err, r->errlen, "'%s': rebuilt file does not "
			    "match the sender's (hash differs), sent whole "
			    "after its delta did not either: not installed",
			    it->name);
			return CERR_PROTOCOL;
		}
	}
	if (it->how == TREE_NEED_BLOCKS) {
		/* the hash of the blocks' hashes: each block arrived or was
		 * copied exactly once, and all of them did */
		uint64_t nb = (d->offset + TREE_BLOCK_LEN - 1) / TREE_BLOCK_LEN;

		if (it->nblocks_set != nb)
			return xrecv_bad(r, "blocks missing or repeated");
		EVP_Digest(it->nhash, nb * TREE_BLOCK_FULL, h, &hlen,
		    EVP_sha256(), NULL);
		if (memcmp(h, d->blob, TREE_HASH_LEN) != 0) {
			snprintf(r->err, r->errlen, "'%s': rebuilt file does not "
			    "match the sender's (hash differs): not installed",
			    it->name);
			return CERR_PROTOCOL;
		}
		return defer_finish(r, it, d->offset);
	}
	if (meta_install(it->dfd, it->tmpname, it->tmpfd, it->e, d->offset,
	    &what) != 0)
		return xrecv_fail(r, CERR_IO, what, it->name);
	close(it->tmpfd);
	it->tmpfd = -1;
	return 0;
}

/* Hashes of literal blocks of a rebuilt large file (whole blocks from a
 * block boundary, as the sender sends them). */
static void
hash_blocks(struct item *it, const uint8_t *p, size_t n, uint64_t off)
{
	size_t i, blen;

	for (i = 0; i < n; i += blen) {
		blen = n - i < TREE_BLOCK_LEN ? n - i : TREE_BLOCK_LEN;
		block_hash(p + i, blen, it->seed, it->nhash + ((off + i) /
		    TREE_BLOCK_LEN) * TREE_BLOCK_FULL);
		it->nblocks_set++;
	}
}

/* COPY: the same bytes at the same offset in the basis; the copier
 * thread copies them. */
static int
copy_blocks(struct receiver *r, struct item *it, uint64_t off, uint32_t len)
{
	uint64_t i;

	if (off + len > it->e->size || off + len > it->basis_size)
		return xrecv_bad(r, "a copy past the end of the file or its "
		    "basis");
	/* the copied blocks are the basis's: so are their hashes (the sender
	 * matched them on content and length) */
	for (i = off / TREE_BLOCK_LEN; i * TREE_BLOCK_LEN < off + len; i++) {
		memcpy(it->nhash + i * TREE_BLOCK_FULL, it->bhash +
		    i * TREE_BLOCK_FULL, TREE_BLOCK_FULL);
		it->nblocks_set++;
	}
	r->st->matched_bytes += len;
	if (len == 0)
		return 0;
	return xcopier_copy(r->cp, it->basis_fd, it->tmpfd, off, len) == 0 ? 0 :
	    xcopier_failed(r->cp, r->err, r->errlen) ? CERR_IO : CERR_NOMEM;
}

/* A verified large file: the copier installs it once its copies ran.
 * What it needs moves to it; the item is done here. */
static int
defer_finish(struct receiver *r, struct item *it, uint64_t size)
{
	struct xfinish *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return CERR_NOMEM;
	f->dfd = it->dfd;
	f->tmp_fd = it->tmpfd;
	f->basis_fd = it->basis_fd;
	memcpy(f->tmpname, it->tmpname, sizeof(f->tmpname));
	f->e = it->e;
	f->xvals = it->xvals;
	f->size = size;
	f->index = it->index;
	f->dir = it->fdir;
	it->dfd = it->tmpfd = it->basis_fd = -1;
	it->e = NULL;
	it->xvals = NULL;
	it->fdir = NULL;
	if (xcopier_finish(r->cp, f) != 0)
		return xcopier_failed(r->cp, r->err, r->errlen) ? CERR_IO :
		    CERR_NOMEM;
	return 0;
}

/* The next file after r->cur, the data of which comes next. */
static void
next_cur(struct receiver *r)
{
	struct item *it = r->cur->next;

	while (it != NULL && it->kind != IT_FILE)
		it = it->next;
	r->cur = it;
}

int
xrecv_data(struct receiver *r, const uint8_t *pl, size_t len)
{
	struct cbuf *b = cbuf_from(pl, len);
	struct tree_data d;
	struct item *it, **pp;
	const uint8_t *p;
	uLongf n;
	int rc;

	if (b == NULL)
		return CERR_NOMEM;
	rc = tree_data_decode(b, &d);
	cbuf_free(b);
	if (rc != 0)
		return rc;
	/* the file in turn, or one asked again whole */
	it = r->cur != NULL && r->cur->index == d.index ? r->cur : NULL;
	for (pp = &r->redo; it == NULL && *pp != NULL; pp = &(*pp)->redo_next)
		if ((*pp)->index == d.index)
			it = *pp;
	if (it == NULL)
		return xrecv_bad(r, "data for a file not asked for, or out of "
		    "order");
	if (d.kind != TREE_DATA_END && !(d.kind == TREE_DATA_LITERAL &&
	    it->how != TREE_NEED_DELTA) && !(d.kind == TREE_DATA_DELTA &&
	    it->how == TREE_NEED_DELTA) && !(d.kind == TREE_DATA_COPY &&
	    it->how == TREE_NEED_BLOCKS))
		return xrecv_bad(r, "data of the wrong kind");
	if (it->tmpfd < 0 && (rc = open_tmp(r, it)) != 0)
		return rc;
	if (d.kind == TREE_DATA_END) {
		if ((rc = finish_file(r, it, &d)) < 0)
			return rc;
		if (it == r->cur)
			next_cur(r);
		if (rc == 1) {
			/* asked again whole: it waits in the queue */
			for (pp = &r->redo; *pp != NULL; pp = &(*pp)->redo_next)
				;
			*pp = it;
			return 0;
		}
		if (it->redo) {
			for (pp = &r->redo; *pp != it; pp = &(*pp)->redo_next)
				;
			*pp = it->redo_next;
		}
		r->sig_held -= it->sig_bytes;
		r->pending_files--;
		xrecv_dequeue(r, it);
		return xrecv_run_ready(r);
	}
	if (d.kind == TREE_DATA_COPY)
		return copy_blocks(r, it, d.offset, d.raw_len);
	r->st->wire_bytes += d.blob_len;
	p = d.blob;
	if (d.flags & TREE_DATA_ZLIB) {
		n = d.raw_len;
		if (uncompress(r->zbuf, &n, d.blob, d.blob_len) != Z_OK ||
		    n != d.raw_len)
			return xrecv_bad(r, "data that does not inflate");
		p = r->zbuf;
	}
	if (d.kind == TREE_DATA_LITERAL) {
		if (d.offset + d.raw_len > it->e->size)
			return xrecv_bad(r, "data past the announced size");
		if (it->redo) {
			/* all of it, in order, for the hash */
			if (d.offset != it->out_pos)
				return xrecv_bad(r, "a file sent again with gaps");
			EVP_DigestUpdate(it->md, p, d.raw_len);
			it->out_pos += d.raw_len;
		}
		if (it->how == TREE_NEED_BLOCKS)
			hash_blocks(it, p, d.raw_len, d.offset);
		/* literal data of a rebuilt large file: zero blocks stay
		 * holes, as in the basis it replaces */
		if (it->how == TREE_NEED_BLOCKS ?
		    write_sparse(it->tmpfd, p, d.raw_len, d.offset) != 0 :
		    pwrite(it->tmpfd, p, d.raw_len, (off_t)d.offset) !=
		    (ssize_t)d.raw_len)
			return xrecv_fail(r, CERR_IO, "cannot write", it->name);
		r->st->literal_bytes += d.raw_len;
		return 0;
	}
	if (it->patch == NULL) {
		if ((it->patch = rs_patch_begin(basis_copy, it)) == NULL ||
		    (it->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(it->md, EVP_sha256(), NULL) != 1)
			return CERR_NOMEM;
	}
	if (rsjob_feed(it->patch, p, d.raw_len, false, patch_out, it) < 0)
		return xrecv_bad(r, "a delta that does not apply");
	return 0;
}
