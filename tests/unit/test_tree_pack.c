/* Unit tests: tree_entries_pack() (proto/tree.c), the sender's side of
 * ENTRIES and ENTRIES_Z: every batch it packs opens again, through the
 * plain decoder or tree_entries_z_open(), to the same entries, and passes
 * msg_validate(); it compresses where that pays and only there, appends
 * to what its buffer holds, and keeps the largest batch the sender makes
 * within a frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "msg.h"
#include "proto.h"
#include "tree.h"

/* xattr values live here for the whole test: entries point into it */
static uint8_t vals[2 * TREE_XATTRS_BYTES_MAX];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static void
random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		p[i] = (uint8_t)rng;
	}
}

static struct tree_entry *
entry(uint8_t kind, const char *name)
{
	struct tree_entry *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (kind == TREE_LEAVE)
		return e;
	e->mode = (kind == TREE_DIR ? S_IFDIR | 0755 : kind == TREE_SYMLINK ?
	    S_IFLNK | 0777 : S_IFREG | 0644);
	e->uid = 100000;
	e->gid = 100000;
	e->mtime_sec = 1700000000;
	e->mtime_nsec = 5;
	if (kind == TREE_FILE)
		e->size = 1234;
	if (kind == TREE_SYMLINK)
		snprintf(e->target, sizeof(e->target), "../lib/%s", name);
	return e;
}

static void
xattr(struct tree_entry *e, const char *name, const uint8_t *v, uint32_t len)
{
	struct tree_xattr *x = &e->xattrs[e->n_xattrs++];

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->value = v;
	x->len = len;
}

/* A decoded entry is the original when it encodes to the same record
 * (every field the record holds, in order); x and y are scratch. */
static void
assert_same_record(const struct tree_entry *a, const struct tree_entry *b,
    struct cbuf *x, struct cbuf *y)
{
	cbuf_reset(x);
	cbuf_reset(y);
	assert_int_equal(tree_entry_encode(x, a), 0);
	assert_int_equal(tree_entry_encode(y, b), 0);
	assert_int_equal(cbuf_len(x), cbuf_len(y));
	assert_memory_equal(cbuf_ptr(x), cbuf_ptr(y), cbuf_len(x));
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->n_xattrs, b->n_xattrs);
}

struct batch {
	struct tree_entry **e;
	uint32_t n, cap;
	struct cbuf *raw;        /* the records, as the sender batches them */
};

static void
batch_add(struct batch *b, struct tree_entry *e)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		assert_non_null(b->e = realloc(b->e, b->cap * sizeof(*b->e)));
	}
	if (b->raw == NULL)
		assert_non_null(b->raw = cbuf_new(PROTO_PAYLOAD_MAX));
	assert_int_equal(tree_entry_encode(b->raw, e), 0);
	b->e[b->n++] = e;
}

static void
batch_free(struct batch *b)
{
	for (uint32_t i = 0; i < b->n; i++)
		free(b->e[i]);
	free(b->e);
	cbuf_free(b->raw);
	memset(b, 0, sizeof(*b));
}

/* A directory of a rootfs: files, links to them, symlinks, xattrs. */
static void
batch_tree(struct batch *b, uint32_t files)
{
	struct tree_entry *e;
	char name[64];

	batch_add(b, entry(TREE_DIR, "usr"));
	for (uint32_t i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "libexample-%u.so.1", i);
		e = entry(TREE_FILE, name);
		e->flags = TREE_F_HASH | (i % 7 == 0 ? TREE_F_LINKED : 0);
		memset(e->hash, (int)(i & 0xff), TREE_HASH_LEN);
		if (i % 5 == 0)
			xattr(e, "security.selinux",
			    (const uint8_t *)"system_u:object_r:lib_t:s0", 27);
		batch_add(b, e);
		if (i % 7 == 0) {
			snprintf(name, sizeof(name), "liblink-%u.so", i);
			e = entry(TREE_HARDLINK, name);
			e->link_index = i;
			batch_add(b, e);
		}
		if (i % 3 == 0) {
			snprintf(name, sizeof(name), "libexample-%u.so", i);
			batch_add(b, entry(TREE_SYMLINK, name));
		}
	}
	batch_add(b, entry(TREE_LEAVE, ""));
}

/* Pack b, check the frame's type, open it the receiver's way, compare. */
static void
pack_and_open(const struct batch *b, uint16_t want_type, struct cbuf *out,
    size_t prefix)
{
	struct tree_entry *back = malloc(sizeof(*back));
	struct cbuf *x = cbuf_new(PROTO_PAYLOAD_MAX);
	struct cbuf *y = cbuf_new(PROTO_PAYLOAD_MAX);
	const uint8_t *pl;
	struct cbuf *in = NULL;
	uint16_t type = 0;
	uint32_t n, raw;
	size_t len;

	assert_non_null(back);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(tree_entries_pack(out, b->n, cbuf_ptr(b->raw),
	    cbuf_len(b->raw), &type), 0);
	assert_int_equal(type, want_type);
	pl = cbuf_ptr(out) + prefix;
	len = cbuf_len(out) - prefix;
	assert_true(len <= PROTO_PAYLOAD_MAX);
	assert_int_equal(msg_validate(type, pl, len), 0);
	if (type == MSG_TREE_ENTRIES_Z) {
		/* count, raw length, then fewer bytes than the records */
		raw = (uint32_t)pl[4] << 24 | (uint32_t)pl[5] << 16 |
		    (uint32_t)pl[6] << 8 | pl[7];
		assert_int_equal(raw, cbuf_len(b->raw));
		assert_true(len < cbuf_len(b->raw));
		assert_int_equal(tree_entries_z_open(pl, len, &n, &in), 0);
		assert_int_equal(cbuf_len(in), cbuf_len(b->raw));
		assert_memory_equal(cbuf_ptr(in), cbuf_ptr(b->raw),
		    cbuf_len(b->raw));
	} else {
		/* count, then the records as they are */
		assert_int_equal(len, 4 + cbuf_len(b->raw));
		assert_memory_equal(pl + 4, cbuf_ptr(b->raw), cbuf_len(b->raw));
		assert_non_null(in = cbuf_from(pl, len));
		assert_int_equal(tree_entries_begin(in, &n), 0);
	}
	assert_int_equal(n, b->n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(tree_entry_decode(in, back), 0);
		assert_same_record(b->e[i], back, x, y);
	}
	assert_int_equal(cbuf_expect_end(in), 0);
	cbuf_free(in);
	cbuf_free(x);
	cbuf_free(y);
	free(back);
}

/* A few entries: not worth a zlib pass. */
static void
test_pack_small_plain(void **state)
{
	struct batch b = { 0 };
	struct cbuf *out = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	batch_add(&b, entry(TREE_DIR, ""));
	batch_add(&b, entry(TREE_FILE, "f"));
	assert_true(cbuf_len(b.raw) <= 256);
	pack_and_open(&b, MSG_TREE_ENTRIES, out, 0);
	batch_free(&b);
	cbuf_free(out);
}

/* A directory's worth of metadata: compressed, and opens to the same. */
static void
test_pack_compressed(void **state)
{
	struct batch b = { 0 };
	struct cbuf *out = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	batch_tree(&b, 600);
	pack_and_open(&b, MSG_TREE_ENTRIES_Z, out, 0);
	/* metadata shrinks several times */
	assert_true(cbuf_len(out) * 3 < cbuf_len(b.raw));
	batch_free(&b);
	cbuf_free(out);
}

/* Random xattr values: zlib would save too little, the records go plain. */
static void
test_pack_incompressible(void **state)
{
	struct batch b = { 0 };
	struct cbuf *out = cbuf_new(PROTO_PAYLOAD_MAX);
	struct tree_entry *e;
	char name[32];

	(void)state;
	random_bytes(vals, 16 * 4000);
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		e = entry(TREE_FILE, name);
		xattr(e, "user.random", vals + i * 4000, 4000);
		batch_add(&b, e);
	}
	pack_and_open(&b, MSG_TREE_ENTRIES, out, 0);
	batch_free(&b);
	cbuf_free(out);
}

/* The payload is appended: what the buffer held stays. */
static void
test_pack_appends(void **state)
{
	struct batch b = { 0 }, c = { 0 };
	struct cbuf *out = cbuf_new(PROTO_PAYLOAD_MAX);

	(void)state;
	assert_int_equal(cbuf_put(out, "head", 4), 0);
	batch_tree(&b, 100);
	pack_and_open(&b, MSG_TREE_ENTRIES_Z, out, 4);
	assert_memory_equal(cbuf_ptr(out), "head", 4);
	cbuf_reset(out);
	assert_int_equal(cbuf_put(out, "x", 1), 0);
	batch_add(&c, entry(TREE_LEAVE, ""));
	pack_and_open(&c, MSG_TREE_ENTRIES, out, 1);
	assert_memory_equal(cbuf_ptr(out), "x", 1);
	batch_free(&b);
	batch_free(&c);
	cbuf_free(out);
}

/* The sender flushes once its records pass half a frame: the largest
 * batch is that plus one entry of the most xattr bytes allowed.  Packed,
 * compressible or not, it still fits a frame. */
static void
test_pack_largest_batch(void **state)
{
	struct batch b = { 0 };
	struct cbuf *out;
	struct tree_entry *e;
	const uint32_t each = TREE_XATTRS_BYTES_MAX / 8;
	char name[32];
	uint16_t want;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: metadata; pass 1: random xattrs, incompressible */
		random_bytes(vals, sizeof(vals));
		for (int i = 0; b.raw == NULL ||
		    cbuf_len(b.raw) <= PROTO_PAYLOAD_MAX / 2; i++) {
			if (pass == 0) {
				batch_tree(&b, 50);
				continue;
			}
			snprintf(name, sizeof(name), "big%d", i);
			e = entry(TREE_FILE, name);
			xattr(e, "user.v", vals + (size_t)(i % 8) * each, each);
			batch_add(&b, e);
		}
		e = entry(TREE_FILE, "last");
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "user.x%d", i);
			xattr(e, name, vals + TREE_XATTRS_BYTES_MAX +
			    (size_t)i * each, each);
		}
		batch_add(&b, e);
		want = pass == 0 ? MSG_TREE_ENTRIES_Z : MSG_TREE_ENTRIES;
		assert_non_null(out = cbuf_new(PROTO_PAYLOAD_MAX));
		pack_and_open(&b, want, out, 0);
		cbuf_free(out);
		batch_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_small_plain),
		cmocka_unit_test(test_pack_compressed),
		cmocka_unit_test(test_pack_incompressible),
		cmocka_unit_test(test_pack_appends),
		cmocka_unit_test(test_pack_largest_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
