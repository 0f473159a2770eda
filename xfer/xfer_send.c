/* corral xfer: the sending side of a tree transfer.
 *
 * Walks the tree depth-first (sorted names), streams ENTRIES, keeps the
 * regular files it announced open in a bounded window until the receiver
 * answers each (in order) with a NEED: skip, literal, or delta against the
 * signature that follows.  Data goes out in the same order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "cerr.h"
#include "msg.h"
#include "pace.h"
#include "proto.h"
#include "xfer.h"
#include "xfer_count.h"
#include "xfer_io.h"
#include "xfer_meta.h"

#define WINDOW       TREE_WINDOW      /* files announced, not yet sent */
#define SIG_MAX      CBUF_SIZE_MAX    /* bytes of one file's signature */
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
	struct pend ring[WINDOW];
	size_t head, count;
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

static struct pend *
ring_at(struct sender *s, size_t i)
{
	return &s->ring[(s->head + i) % WINDOW];
}

static void
pend_clear(struct pend *p)
{
	if (p->fd >= 0)
		close(p->fd);
	cbuf_free(p->sig);
	if (p->job)
		rs_job_free(p->job);
	if (p->sums)
		rs_free_sumset(p->sums);
	EVP_MD_CTX_free(p->md);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

static int
fail(struct sender *s, int code, const char *fmt, const char *what)
{
	snprintf(s->err, s->errlen, fmt, what, strerror(errno));
	return code;
}

/* ---- hard links: (dev, ino) -> index of the first name ---- */

static struct link_slot *
link_find(struct sender *s, dev_t dev, ino_t ino, bool insert)
{
	size_t i, h;

	if (insert && (s->links_n + 1) * 2 > s->links_cap) {
		size_t ncap = s->links_cap ? s->links_cap * 2 : 256;
		struct link_slot *nv = calloc(ncap, sizeof(*nv));

		if (nv == NULL)
			return NULL;
		for (i = 0; i < s->links_cap; i++) {
			struct link_slot *o = &s->links[i];

			if (!o->used)
				continue;
			h = ((size_t)o->ino * 31 + (size_t)o->dev) % ncap;
			while (nv[h].used)
				h = (h + 1) % ncap;
			nv[h] = *o;
		}
		free(s->links);
		s->links = nv;
		s->links_cap = ncap;
	}
	if (s->links_cap == 0)
		return NULL;
	h = ((size_t)ino * 31 + (size_t)dev) % s->links_cap;
	while (s->links[h].used) {
		if (s->links[h].dev == dev && s->links[h].ino == ino)
			return &s->links[h];
		h = (h + 1) % s->links_cap;
	}
	if (!insert)
		return NULL;
	s->links[h].used = true;
	s->links[h].dev = dev;
	s->links[h].ino = ino;
	s->links_n++;
	return &s->links[h];
}

/* ---- output ---- */

static int
flush_entries(struct sender *s)
{
	struct cbuf *b;
	uint16_t type;
	int r;

	if (s->n_ents == 0)
		return 0;
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = tree_entries_pack(b, s->n_ents, cbuf_ptr(s->ents),
	    cbuf_len(s->ents), &type)) == 0)
		r = xio_put(&s->io, type, b);
	cbuf_free(b);
	cbuf_reset(s->ents);
	s->n_ents = 0;
	return r;
}

static int
add_entry(struct sender *s, const struct tree_entry *e)
{
	int r;

	/* keep every ENTRIES frame well under the frame maximum */
	if (cbuf_len(s->ents) > PROTO_PAYLOAD_MAX / 2 &&
	    (r = flush_entries(s)) != 0)
		return r;
	if ((r = tree_entry_encode(s->ents, e)) != 0)
		return r;
	s->n_ents++;
	if (e->kind != TREE_LEAVE)
		s->st->files++;
	return 0;
}

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

/* ---- the walk ---- */

static int
push_dir(struct sender *s, int fd, bool foreign)
{
	struct sdir *d = &s->stack[s->depth];

	if (s->depth >= TREE_DEPTH_MAX) {
		close(fd);
		snprintf(s->err, s->errlen, "tree deeper than %d directories",
		    TREE_DEPTH_MAX);
		return CERR_INVALID;
	}
	d->fd = fd;
	d->foreign = foreign;
	memset(&d->l, 0, sizeof(d->l));
	if (!foreign && dirlist_read(fd, &d->l) != 0) {
		close(fd);
		return fail(s, CERR_IO, "cannot list a directory: %s%s", "");
	}
	s->depth++;
	return 0;
}

/* Announce one more entry; 0 with nothing done when the window is full. */
static int
walk_step(struct sender *s, bool *blocked)
{
	struct tree_entry *e;
	struct sdir *top;
	struct stat st, st2;
	const char *name;
	struct link_slot *ls;
	struct pend *p;
	int fd = -1, r = 0;

	*blocked = false;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CERR_NOMEM;
	if (!s->root_sent) {
		if (fstat(s->rootfd, &st) != 0 ||
		    meta_read(s->rootfd, "", &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = fail(s, CERR_IO, "cannot read the root: %s%s", "");
			goto out;
		}
		s->rootdev = st.st_dev;
		e->kind = TREE_DIR;
		if ((fd = dup(s->rootfd)) < 0)
			goto out;
		r = push_dir(s, fd, false);
		fd = -1;   /* the stack owns it, or push_dir closed it */
		if (r != 0 || (r = add_entry(s, e)) != 0)
			goto out;
		s->root_sent = true;
		goto out;
	}
	top = &s->stack[s->depth - 1];
	if (top->l.pos == top->l.n) {
		e->kind = TREE_LEAVE;
		if ((r = add_entry(s, e)) != 0)
			goto out;
		close(top->fd);
		dirlist_free(&top->l);
		if (--s->depth == 0)
			s->walk_done = true;
		goto out;
	}
	name = top->l.names[top->l.pos];
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		top->l.pos++;   /* vanished since the listing: not there */
		goto out;
	}
	if (S_ISREG(st.st_mode) && s->count == WINDOW) {
		*blocked = true;
		goto out;
	}
	top->l.pos++;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (strlen(name) > TREE_NAME_MAX) {
		snprintf(s->err, s->errlen, "name longer than %d bytes",
		    TREE_NAME_MAX);
		r = CERR_INVALID;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = openat(top->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			goto out;   /* replaced meanwhile: skip it */
		if (meta_read(top->fd, name, &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->kind = TREE_DIR;
		/* like rsync -x: a mount point is copied, not its content */
		if ((r = push_dir(s, fd, st.st_dev != s->rootdev)) != 0) {
			fd = -1;
			goto out;
		}
		fd = -1;
		r = add_entry(s, e);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 &&
	    (ls = link_find(s, st.st_dev, st.st_ino, false)) != NULL) {
		if (meta_read(top->fd, name, &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->kind = TREE_HARDLINK;
		e->link_index = ls->index;
		r = add_entry(s, e);
		goto out;
	}
	if (meta_read(top->fd, name, &st, e, s->xstore, sizeof(s->xstore)) != 0) {
		if (errno == ENOENT)
			goto out;
		r = fail(s, CERR_IO, "%s: %s", name);
		goto out;
	}
	if (S_ISLNK(st.st_mode))
		e->kind = TREE_SYMLINK;
	else if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
		e->kind = TREE_DEVICE;
	else if (S_ISFIFO(st.st_mode))
		e->kind = TREE_FIFO;
	else if (S_ISSOCK(st.st_mode))
		e->kind = TREE_SOCKET;
	if (!S_ISREG(st.st_mode)) {
		r = add_entry(s, e);
		goto out;
	}
	/* a regular file: open it now and keep it until it is answered */
	fd = openat(top->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOATIME | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st2) != 0 || st2.st_ino != st.st_ino ||
	    !S_ISREG(st2.st_mode))
		goto out;   /* replaced meanwhile: skip it */
	e->kind = TREE_FILE;
	if (st.st_nlink > 1) {
		if ((ls = link_find(s, st.st_dev, st.st_ino, true)) == NULL) {
			r = CERR_NOMEM;
			goto out;
		}
		ls->index = s->next_index;
		e->flags |= TREE_F_LINKED;
	}
	if (s->o->opts & TREE_OPT_CHECKSUM) {
		if (hash_fd(fd, e->hash) != 0) {
			r = fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->flags |= TREE_F_HASH;
	}
	if ((r = add_entry(s, e)) != 0)
		goto out;
	p = ring_at(s, s->count++);
	memset(p, 0, sizeof(*p));
	p->index = s->next_index++;
	p->fd = fd;
	p->size = e->size;
	fd = -1;
	s->st->bytes_total += e->size;
out:
	if (fd >= 0)
		close(fd);
	free(e);
	return r;
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

/* ---- answering the receiver ---- */

static int
on_need(struct sender *s, const uint8_t *pl, size_t len)
{
	struct cbuf *b = cbuf_from(pl, len);
	struct tree_need n;
	struct pend *p;
	uint32_t i, count;
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	if ((r = cbuf_get_count(b, PROTO_PAYLOAD_MAX / 5, 5, &count)) != 0)
		goto out;
	for (i = 0; i < count; i++) {
		if ((r = tree_need_decode(b, &n)) != 0)
			goto out;
		/* answers come once each, in file order, for announced files */
		if (n.index != s->next_answer ||
		    n.index - s->ring[s->head].index >= s->count) {
			r = CERR_PROTOCOL;
			goto out;
		}
		p = ring_at(s, n.index - s->ring[s->head].index);
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

static int
on_sig(struct sender *s, const uint8_t *pl, size_t len)
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
	p = ring_at(s, g.index - s->ring[s->head].index);
	if ((p->how != TREE_NEED_DELTA && p->how != TREE_NEED_BLOCKS) ||
	    p->sig_done)
		return CERR_PROTOCOL;
	if ((r = cbuf_put(p->sig, g.blob, g.blob_len)) != 0)
		return r == CERR_BUF_FULL ? CERR_TOO_BIG : r;
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
static int
send_step(struct sender *s, struct pend *p, bool *finished)
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
		cbuf_free(p->sig);
		p->sig = NULL;
		p->started = true;
	}
	n = p->size - p->pos < READ_CHUNK ? (size_t)(p->size - p->pos) :
	    READ_CHUNK;
	got = n ? pread(p->fd, s->rbuf, n, (off_t)p->pos) : 0;
	if (got < 0)
		return fail(s, CERR_IO, "read: %s%s", "");
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
static int
blocks_step(struct sender *s, struct pend *p, bool *finished, bool *waiting)
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
		return fail(s, CERR_IO, "read: %s%s", "");
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

static int
handle_input(struct sender *s)
{
	const uint8_t *pl;
	uint16_t type;
	size_t len;
	int r;

	while ((r = xio_peek(&s->io, &type, &pl, &len)) == 1) {
		switch (type) {
		case MSG_TREE_NEED: r = on_need(s, pl, len); break;
		case MSG_TREE_SIG:  r = on_sig(s, pl, len); break;
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
	/* the head file first: the receiver waits for it */
	while (xio_room(&s->io) && s->count > 0) {
		p = ring_at(s, 0);
		if (p->how == 0 || (p->how == TREE_NEED_DELTA && !p->sig_done))
			break;
		if (p->how == TREE_NEED_BLOCKS) {
			bool waiting;

			if ((r = blocks_step(s, p, &finished, &waiting)) != 0)
				return r;
			if (waiting)
				break;   /* for more of the receiver's hashes */
			*progress = true;
			if (!finished)
				continue;
		} else if (p->how == TREE_NEED_LITERAL ||
		    p->how == TREE_NEED_DELTA) {
			if ((r = send_step(s, p, &finished)) != 0)
				return r;
			*progress = true;
			if (!finished)
				continue;
		}
		s->done_bytes += p->size;
		pend_clear(p);
		s->head = (s->head + 1) % WINDOW;
		s->count--;
		*progress = true;
	}
	if ((r = put_progress(s)) != 0)
		return r;
	/* then more entries, in batches */
	for (i = 0; i < 512 && !s->walk_done && xio_room(&s->io); i++) {
		if ((r = walk_step(s, &blocked)) != 0)
			return r;
		if (blocked)
			break;
		*progress = true;
	}
	if ((r = flush_entries(s)) != 0)
		return r;
	if (s->walk_done && s->count == 0 && !s->end_sent) {
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
		s->ring[i].fd = -1;
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
		pend_clear(ring_at(s, i));
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
