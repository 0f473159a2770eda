/* libFuzzer target: the tree-transfer records (proto/tree.c).
 *
 * The first byte picks a decoder (modulo 6): 0 an ENTRIES payload (u32
 * count, then entries, read with tree_entries_begin and tree_entry_decode
 * the way the receiver does), 1 a NEED payload, 2 DATA, 3 SIG, 4 a
 * SEND/RECV request, 5 stats; the rest is the payload.  Besides never
 * reading past the input, whatever a decoder accepts must obey the bounds
 * of tree.h, must encode back to exactly the bytes it was read from, and
 * msg_validate() must agree with the decoder.  A broken property aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cerr.h"
#include "msg.h"
#include "proto.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SEL_ENTRIES, SEL_NEED, SEL_DATA, SEL_SIG, SEL_REQ, SEL_STATS,
	SEL_N };

static struct cbuf *enc;           /* re-encoding, kept across inputs */
static struct tree_entry entry;    /* tens of KiB: not on the stack */
static struct tree_req req;
static volatile uint8_t sink;

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* Reads every byte of a view, so ASan sees a view past the input. */
static void
touch(const uint8_t *v, size_t len, const uint8_t *p, size_t n)
{
	uint8_t x = 0;
	size_t i;

	if (len == 0)
		return;
	CHECK(v != NULL && v >= p && len <= n && v - p <= (ptrdiff_t)(n - len));
	for (i = 0; i < len; i++)
		x ^= v[i];
	sink = x;
}

/* The bytes a decoder consumed encode back exactly. */
static void
same_bytes(const uint8_t *from, size_t len)
{
	CHECK(cbuf_len(enc) == len);
	CHECK(len == 0 || memcmp(cbuf_ptr(enc), from, len) == 0);
	cbuf_reset(enc);
}

static int
mode_ok(uint8_t kind, uint32_t mode)
{
	switch (kind) {
	case TREE_FILE:
	case TREE_HARDLINK: return S_ISREG(mode);
	case TREE_DIR:      return S_ISDIR(mode);
	case TREE_SYMLINK:  return S_ISLNK(mode);
	case TREE_DEVICE:   return S_ISBLK(mode) || S_ISCHR(mode);
	case TREE_FIFO:     return S_ISFIFO(mode);
	case TREE_SOCKET:   return S_ISSOCK(mode);
	}
	return 0;
}

/* What an accepted entry promises the receiver. */
static void
check_entry(const struct tree_entry *e, const uint8_t *p, size_t n)
{
	size_t i, total = 0, nl;

	CHECK(e->kind >= TREE_FILE && e->kind <= TREE_SOCKET);
	CHECK((e->flags & ~(TREE_F_LINKED | TREE_F_HASH)) == 0);
	nl = strnlen(e->name, sizeof(e->name));
	CHECK(nl <= TREE_NAME_MAX);
	if (e->kind == TREE_LEAVE) {
		/* (a LEAVE's flags are not checked here: tree.c accepts
		 * HASH/LINKED on a LEAVE, see tests/unit/test_tree.c) */
		CHECK(nl == 0 && e->n_xattrs == 0);
		return;
	}
	CHECK(nl == 0 ? e->kind == TREE_DIR : tree_name_valid(e->name));
	CHECK(e->flags == 0 || e->kind == TREE_FILE);
	CHECK(e->mtime_nsec < 1000000000u);
	CHECK(mode_ok(e->kind, e->mode));
	if (e->kind == TREE_SYMLINK) {
		nl = strnlen(e->target, sizeof(e->target));
		CHECK(nl >= 1 && nl <= TREE_LINK_MAX);
	}
	CHECK(e->n_xattrs <= TREE_XATTRS_MAX);
	for (i = 0; i < e->n_xattrs; i++) {
		nl = strnlen(e->xattrs[i].name, sizeof(e->xattrs[i].name));
		CHECK(nl >= 1 && nl <= TREE_XATTR_NAME_MAX);
		CHECK(e->xattrs[i].len <= TREE_XATTR_VALUE_MAX);
		touch(e->xattrs[i].value, e->xattrs[i].len, p, n);
		total += e->xattrs[i].len;
	}
	CHECK(total <= TREE_XATTRS_BYTES_MAX);
}

static int
fuzz_entries(struct cbuf *b, const uint8_t *p, size_t n)
{
	const uint8_t *start;
	uint32_t count, i;
	size_t before;
	int r;

	if ((r = tree_entries_begin(b, &count)) != 0)
		return r;
	CHECK((uint64_t)count * 6 <= cbuf_len(b));
	for (i = 0; i < count; i++) {
		start = cbuf_ptr(b);
		before = cbuf_len(b);
		if ((r = tree_entry_decode(b, &entry)) != 0)
			return r;
		check_entry(&entry, p, n);
		CHECK(tree_entry_encode(enc, &entry) == 0);
		same_bytes(start, before - cbuf_len(b));
	}
	return cbuf_expect_end(b);
}

static int
fuzz_need(struct cbuf *b)
{
	struct tree_need nd;
	const uint8_t *start;
	uint32_t count, i;
	int r;

	if ((r = tree_needs_begin(b, &count)) != 0)
		return r;
	for (i = 0; i < count; i++) {
		start = cbuf_ptr(b);
		if ((r = tree_need_decode(b, &nd)) != 0)
			return r;
		CHECK(nd.how >= TREE_NEED_LITERAL && nd.how <= TREE_NEED_BLOCKS);
		CHECK(tree_need_encode(enc, &nd) == 0);
		same_bytes(start, nd.how == TREE_NEED_BLOCKS ? 13 : 5);
	}
	return cbuf_expect_end(b);
}

static int
fuzz_data(struct cbuf *b, const uint8_t *p, size_t n)
{
	struct tree_data d;
	int r;

	if ((r = tree_data_decode(b, &d)) != 0)
		return r;
	CHECK(d.kind >= TREE_DATA_LITERAL && d.kind <= TREE_DATA_COPY);
	CHECK(d.kind != TREE_DATA_COPY || (d.blob_len == 0 && d.flags == 0 &&
	    d.raw_len > 0 && d.offset % TREE_BLOCK_LEN == 0));
	CHECK((d.flags & ~TREE_DATA_ZLIB) == 0);
	CHECK(d.raw_len <= TREE_CHUNK_MAX);
	CHECK(d.blob_len <= TREE_CHUNK_MAX + 1024);
	CHECK((d.flags & TREE_DATA_ZLIB) || d.kind == TREE_DATA_COPY ||
	    d.raw_len == d.blob_len);
	CHECK(d.kind != TREE_DATA_END ||
	    (d.blob_len == TREE_HASH_LEN && d.flags == 0));
	CHECK(d.offset <= (uint64_t)INT64_MAX - TREE_CHUNK_MAX);
	CHECK(d.offset + d.raw_len <= (uint64_t)INT64_MAX);
	touch(d.blob, d.blob_len, p, n);
	CHECK(tree_data_encode(enc, &d) == 0);
	same_bytes(p, n);
	return 0;
}

static int
fuzz_sig(struct cbuf *b, const uint8_t *p, size_t n)
{
	struct tree_sig s;
	int r;

	if ((r = tree_sig_decode(b, &s)) != 0)
		return r;
	CHECK(s.last <= 1 && s.blob_len <= TREE_CHUNK_MAX);
	touch(s.blob, s.blob_len, p, n);
	CHECK(tree_sig_encode(enc, &s) == 0);
	same_bytes(p, n);
	return 0;
}

static int
fuzz_req(struct cbuf *b, const uint8_t *p, size_t n)
{
	int r;

	if ((r = tree_req_decode(b, &req)) != 0)
		return r;
	CHECK(strnlen(req.path, sizeof(req.path)) < sizeof(req.path));
	CHECK((req.opts & ~TREE_OPTS_KNOWN) == 0 && req.zlevel <= 9);
	CHECK(tree_req_encode(enc, &req) == 0);
	same_bytes(p, n);
	return 0;
}

static int
fuzz_stats(struct cbuf *b, const uint8_t *p, size_t n)
{
	struct tree_stats s;
	int r;

	if ((r = tree_stats_decode(b, &s)) != 0)
		return r;
	CHECK(tree_stats_encode(enc, &s) == 0);
	same_bytes(p, n);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[SEL_N] = { MSG_TREE_ENTRIES, MSG_TREE_NEED,
	    MSG_TREE_DATA, MSG_TREE_SIG, MSG_TREE_SEND_REQ, MSG_TREE_DONE };
	const uint8_t *p;
	struct cbuf *b;
	size_t n;
	int sel, r;

	if (size < 1)
		return 0;
	if (enc == NULL && (enc = cbuf_new(CBUF_SIZE_MAX)) == NULL)
		return 0;
	cbuf_reset(enc);
	sel = data[0] % SEL_N;
	p = data + 1;
	n = size - 1;
	if ((b = cbuf_from(p, n)) == NULL)
		return 0;
	switch (sel) {
	case SEL_ENTRIES: r = fuzz_entries(b, p, n); break;
	case SEL_NEED:    r = fuzz_need(b); break;
	case SEL_DATA:    r = fuzz_data(b, p, n); break;
	case SEL_SIG:     r = fuzz_sig(b, p, n); break;
	case SEL_REQ:     r = fuzz_req(b, p, n); break;
	default:          r = fuzz_stats(b, p, n); break;
	}
	cbuf_free(b);
	/* every result is 0 or a CERR_* code, and the frame-level check of
	 * the same payload reaches the same verdict */
	CHECK(r <= 0 && r >= CERR_REMOTE);
	CHECK(msg_validate(types[sel], p, n) == r);
	return 0;
}
