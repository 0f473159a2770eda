/* corral: codecs of the tree-transfer records.  Every length and count
 * from the peer is bounded before use; names are single components. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "cerr.h"
#include "proto.h"
#include "tree.h"

/* Smallest encoded entry: kind, flags, name length, and the fixed fields. */
#define ENTRY_MIN (1 + 1 + 4)
/* Encoded need: index and how, and a seed with BLOCKS. */
#define NEED_MIN (4 + 1)
#define NEED_MAX (NEED_MIN + 8)

int
tree_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TREE_NAME_MAX || strchr(name, '/') != NULL)
		return 0;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int
tree_req_encode(struct cbuf *b, const struct tree_req *r)
{
	int e;

	if ((e = cbuf_put_cstring(b, r->path)) != 0 ||
	    (e = cbuf_put_u32(b, r->opts)) != 0 ||
	    (e = cbuf_put_u8(b, r->zlevel)) != 0)
		return e;
	if ((r->opts & TREE_OPT_OWN_SNAP) &&
	    (e = cbuf_put_u64(b, r->job)) != 0)
		return e;
	if (!(r->opts & TREE_OPT_DIRECT))
		return 0;
	if ((e = cbuf_put(b, r->key, TREE_KEY_LEN)) != 0 ||
	    (e = cbuf_put_cstring(b, r->peer)) != 0 ||
	    (e = cbuf_put_u16(b, r->port)) != 0 ||
	    (e = cbuf_put_u64(b, r->bwlimit)) != 0)
		return e;
	return 0;
}

int
tree_req_decode(struct cbuf *b, struct tree_req *r)
{
	int e;

	memset(r, 0, sizeof(*r));
	if ((e = cbuf_get_cstring_into(b, r->path, sizeof(r->path))) != 0 ||
	    (e = cbuf_get_u32(b, &r->opts)) != 0 ||
	    (e = cbuf_get_u8(b, &r->zlevel)) != 0)
		return e;
	if ((r->opts & ~TREE_OPTS_KNOWN) != 0 || r->zlevel > 9)
		return CERR_PROTOCOL;
	if ((r->opts & TREE_OPT_OWN_SNAP) &&
	    (e = cbuf_get_u64(b, &r->job)) != 0)
		return e;
	if ((r->opts & TREE_OPT_DIRECT) &&
	    ((e = cbuf_get(b, r->key, TREE_KEY_LEN)) != 0 ||
	    (e = cbuf_get_cstring_into(b, r->peer, sizeof(r->peer))) != 0 ||
	    (e = cbuf_get_u16(b, &r->port)) != 0 ||
	    (e = cbuf_get_u64(b, &r->bwlimit)) != 0))
		return e;
	return cbuf_expect_end(b);
}

int
tree_entry_encode(struct cbuf *b, const struct tree_entry *t)
{
	size_t i;
	int e;

	if ((e = cbuf_put_u8(b, t->kind)) != 0 ||
	    (e = cbuf_put_u8(b, t->flags)) != 0 ||
	    (e = cbuf_put_cstring(b, t->name)) != 0)
		return e;
	if (t->kind == TREE_LEAVE)
		return 0;
	if ((e = cbuf_put_u32(b, t->mode)) != 0 ||
	    (e = cbuf_put_u32(b, t->uid)) != 0 ||
	    (e = cbuf_put_u32(b, t->gid)) != 0 ||
	    (e = cbuf_put_i64(b, t->mtime_sec)) != 0 ||
	    (e = cbuf_put_u32(b, t->mtime_nsec)) != 0)
		return e;
	switch (t->kind) {
	case TREE_FILE:
		if ((e = cbuf_put_u64(b, t->size)) != 0)
			return e;
		if ((t->flags & TREE_F_HASH) &&
		    (e = cbuf_put(b, t->hash, TREE_HASH_LEN)) != 0)
			return e;
		break;
	case TREE_DEVICE:
		if ((e = cbuf_put_u64(b, t->rdev)) != 0)
			return e;
		break;
	case TREE_HARDLINK:
		if ((e = cbuf_put_u32(b, t->link_index)) != 0)
			return e;
		break;
	case TREE_SYMLINK:
		if ((e = cbuf_put_cstring(b, t->target)) != 0)
			return e;
		break;
	}
	if (t->n_xattrs > TREE_XATTRS_MAX)
		return CERR_BAD_COUNT;
	if ((e = cbuf_put_u32(b, (uint32_t)t->n_xattrs)) != 0)
		return e;
	for (i = 0; i < t->n_xattrs; i++)
		if ((e = cbuf_put_cstring(b, t->xattrs[i].name)) != 0 ||
		    (e = cbuf_put_blob(b, t->xattrs[i].value,
		    t->xattrs[i].len)) != 0)
			return e;
	return 0;
}

/* The file type bits a kind must carry. */
static int
kind_mode_ok(uint8_t kind, uint32_t mode)
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

int
tree_entry_decode(struct cbuf *b, struct tree_entry *t)
{
	uint32_t n, i, total = 0;
	const uint8_t *v;
	size_t vlen;
	int e;

	memset(t, 0, sizeof(*t));
	if ((e = cbuf_get_u8(b, &t->kind)) != 0 ||
	    (e = cbuf_get_u8(b, &t->flags)) != 0 ||
	    (e = cbuf_get_cstring_into(b, t->name, sizeof(t->name))) != 0)
		return e;
	if (t->kind < TREE_FILE || t->kind > TREE_SOCKET ||
	    (t->flags & ~(TREE_F_LINKED | TREE_F_HASH)) != 0)
		return CERR_PROTOCOL;
	if (t->kind == TREE_LEAVE)
		return t->name[0] == '\0' && t->flags == 0 ? 0 : CERR_PROTOCOL;
	/* only the root DIR (the first record) has an empty name; the
	 * receiver checks that it comes first */
	if (t->name[0] != '\0' && !tree_name_valid(t->name))
		return CERR_BAD_STRING;
	if (t->name[0] == '\0' && t->kind != TREE_DIR)
		return CERR_BAD_STRING;
	if ((e = cbuf_get_u32(b, &t->mode)) != 0 ||
	    (e = cbuf_get_u32(b, &t->uid)) != 0 ||
	    (e = cbuf_get_u32(b, &t->gid)) != 0 ||
	    (e = cbuf_get_i64(b, &t->mtime_sec)) != 0 ||
	    (e = cbuf_get_u32(b, &t->mtime_nsec)) != 0)
		return e;
	if (t->mtime_nsec >= 1000000000u || !kind_mode_ok(t->kind, t->mode) ||
	    (t->mode & ~(uint32_t)(S_IFMT | 07777)) != 0)
		return CERR_PROTOCOL;
	if ((t->flags & TREE_F_HASH) && t->kind != TREE_FILE)
		return CERR_PROTOCOL;
	if ((t->flags & TREE_F_LINKED) && t->kind != TREE_FILE)
		return CERR_PROTOCOL;
	switch (t->kind) {
	case TREE_FILE:
		if ((e = cbuf_get_u64(b, &t->size)) != 0)
			return e;
		if ((t->flags & TREE_F_HASH) &&
		    (e = cbuf_get(b, t->hash, TREE_HASH_LEN)) != 0)
			return e;
		break;
	case TREE_DEVICE:
		if ((e = cbuf_get_u64(b, &t->rdev)) != 0)
			return e;
		break;
	case TREE_HARDLINK:
		if ((e = cbuf_get_u32(b, &t->link_index)) != 0)
			return e;
		break;
	case TREE_SYMLINK:
		if ((e = cbuf_get_cstring_into(b, t->target,
		    sizeof(t->target))) != 0)
			return e;
		if (t->target[0] == '\0')
			return CERR_BAD_STRING;
		break;
	}
	if ((e = cbuf_get_count(b, TREE_XATTRS_MAX, 8, &n)) != 0)
		return e;
	for (i = 0; i < n; i++) {
		struct tree_xattr *x = &t->xattrs[i];

		if ((e = cbuf_get_cstring_into(b, x->name,
		    sizeof(x->name))) != 0 ||
		    (e = cbuf_get_blob_view(b, TREE_XATTR_VALUE_MAX, &v,
		    &vlen)) != 0)
			return e;
		if (x->name[0] == '\0')
			return CERR_BAD_STRING;
		total += (uint32_t)vlen;
		if (total > TREE_XATTRS_BYTES_MAX)
			return CERR_TOO_BIG;
		x->value = v;
		x->len = (uint32_t)vlen;
	}
	t->n_xattrs = n;
	return 0;
}

int
tree_entries_begin(struct cbuf *b, uint32_t *count)
{
	return cbuf_get_count(b, PROTO_PAYLOAD_MAX / ENTRY_MIN, ENTRY_MIN,
	    count);
}

int
tree_entries_z_open(const uint8_t *payload, size_t len, uint32_t *count,
    struct cbuf **out)
{
	struct cbuf *b = cbuf_from(payload, len), *o = NULL;
	uint32_t raw;
	uLongf n;
	uLong zlen;
	uint8_t *p;
	int r;

	*out = NULL;
	*count = 0;
	if (b == NULL)
		return CERR_NOMEM;
	if ((r = cbuf_get_u32(b, count)) != 0 || (r = cbuf_get_u32(b, &raw)) != 0)
		goto out;
	/* bounded before anything is allocated or inflated */
	if (raw > PROTO_PAYLOAD_MAX || *count > raw / ENTRY_MIN) {
		r = CERR_TOO_BIG;
		goto out;
	}
	if ((o = cbuf_new(raw)) == NULL || cbuf_reserve(o, raw, &p) != 0) {
		r = CERR_NOMEM;
		goto out;
	}
	n = raw;
	zlen = cbuf_len(b);
	if (uncompress2(p, &n, cbuf_ptr(b), &zlen) != Z_OK || n != raw) {
		r = CERR_PROTOCOL;
		goto out;
	}
	/* the stream must end the payload: a payload has one length */
	if (zlen != cbuf_len(b)) {
		r = CERR_TRAILING;
		goto out;
	}
	*out = o;
	o = NULL;
	r = 0;
out:
	cbuf_free(o);
	cbuf_free(b);
	if (r != 0)
		*count = 0;
	return r;
}

int
tree_entries_pack(struct cbuf *out, uint32_t count, const uint8_t *raw,
    size_t len, uint16_t *type)
{
	uint8_t *zbuf = NULL;
	uLongf zlen = compressBound(len);
	int r;

	/* metadata compresses 3-5x: always worth a fast zlib pass */
	if (zlen <= TREE_CHUNK_MAX * 2 && len > 256 &&
	    (zbuf = malloc(zlen)) != NULL &&
	    compress2(zbuf, &zlen, raw, len, 1) == Z_OK &&
	    zlen < len - len / 10) {
		*type = MSG_TREE_ENTRIES_Z;
		if ((r = cbuf_put_u32(out, count)) == 0 &&
		    (r = cbuf_put_u32(out, (uint32_t)len)) == 0)
			r = cbuf_put(out, zbuf, zlen);
	} else {
		*type = MSG_TREE_ENTRIES;
		if ((r = cbuf_put_u32(out, count)) == 0)
			r = cbuf_put(out, raw, len);
	}
	free(zbuf);
	return r;
}

int
tree_need_encode(struct cbuf *b, const struct tree_need *n)
{
	int e;

	if ((e = cbuf_put_u32(b, n->index)) != 0 ||
	    (e = cbuf_put_u8(b, n->how)) != 0)
		return e;
	if (n->how == TREE_NEED_BLOCKS)
		return cbuf_put_u64(b, n->seed);
	return 0;
}

int
tree_need_decode(struct cbuf *b, struct tree_need *n)
{
	int e;

	memset(n, 0, sizeof(*n));
	if ((e = cbuf_get_u32(b, &n->index)) != 0 ||
	    (e = cbuf_get_u8(b, &n->how)) != 0)
		return e;
	if (n->how < TREE_NEED_LITERAL || n->how > TREE_NEED_BLOCKS)
		return CERR_PROTOCOL;
	if (n->how == TREE_NEED_BLOCKS)
		return cbuf_get_u64(b, &n->seed);
	return 0;
}

int
tree_needs_pack(struct cbuf *out, uint32_t count, const uint8_t *raw,
    size_t len)
{
	int r;

	/* the records must be count needs: what tree_needs_begin accepts */
	if (len < (size_t)count * NEED_MIN || len > (size_t)count * NEED_MAX)
		return CERR_INVALID;
	if ((r = cbuf_put_u32(out, count)) != 0)
		return r;
	return cbuf_put(out, raw, len);
}

int
tree_needs_begin(struct cbuf *b, uint32_t *count)
{
	return cbuf_get_count(b, PROTO_PAYLOAD_MAX / NEED_MIN, NEED_MIN,
	    count);
}

int
tree_data_encode(struct cbuf *b, const struct tree_data *d)
{
	int e;

	if ((e = cbuf_put_u32(b, d->index)) != 0 ||
	    (e = cbuf_put_u8(b, d->kind)) != 0 ||
	    (e = cbuf_put_u8(b, d->flags)) != 0 ||
	    (e = cbuf_put_u64(b, d->offset)) != 0 ||
	    (e = cbuf_put_u32(b, d->raw_len)) != 0 ||
	    (e = cbuf_put_blob(b, d->blob, d->blob_len)) != 0)
		return e;
	return 0;
}

int
tree_data_decode(struct cbuf *b, struct tree_data *d)
{
	size_t n;
	int e;

	memset(d, 0, sizeof(*d));
	if ((e = cbuf_get_u32(b, &d->index)) != 0 ||
	    (e = cbuf_get_u8(b, &d->kind)) != 0 ||
	    (e = cbuf_get_u8(b, &d->flags)) != 0 ||
	    (e = cbuf_get_u64(b, &d->offset)) != 0 ||
	    (e = cbuf_get_u32(b, &d->raw_len)) != 0 ||
	    (e = cbuf_get_blob_view(b, TREE_CHUNK_MAX + 1024, &d->blob,
	    &n)) != 0 ||
	    (e = cbuf_expect_end(b)) != 0)
		return e;
	d->blob_len = (uint32_t)n;
	if (d->kind < TREE_DATA_LITERAL || d->kind > TREE_DATA_COPY ||
	    (d->flags & ~TREE_DATA_ZLIB) != 0 || d->raw_len > TREE_CHUNK_MAX)
		return CERR_PROTOCOL;
	if (d->offset > INT64_MAX - TREE_CHUNK_MAX)
		return CERR_PROTOCOL;
	if (d->kind == TREE_DATA_COPY)
		return d->blob_len == 0 && d->flags == 0 && d->raw_len > 0 &&
		    d->offset % TREE_BLOCK_LEN == 0 ? 0 : CERR_PROTOCOL;
	if (!(d->flags & TREE_DATA_ZLIB) && d->raw_len != d->blob_len)
		return CERR_PROTOCOL;
	if (d->kind == TREE_DATA_END &&
	    (d->blob_len != TREE_HASH_LEN || (d->flags & TREE_DATA_ZLIB)))
		return CERR_PROTOCOL;
	if (d->offset > INT64_MAX - TREE_CHUNK_MAX)
		return CERR_PROTOCOL;
	return 0;
}

int
tree_sig_encode(struct cbuf *b, const struct tree_sig *s)
{
	int e;

	if ((e = cbuf_put_u32(b, s->index)) != 0 ||
	    (e = cbuf_put_u8(b, s->last)) != 0 ||
	    (e = cbuf_put_blob(b, s->blob, s->blob_len)) != 0)
		return e;
	return 0;
}

int
tree_sig_decode(struct cbuf *b, struct tree_sig *s)
{
	size_t n;
	int e;

	memset(s, 0, sizeof(*s));
	if ((e = cbuf_get_u32(b, &s->index)) != 0 ||
	    (e = cbuf_get_u8(b, &s->last)) != 0 ||
	    (e = cbuf_get_blob_view(b, TREE_CHUNK_MAX, &s->blob, &n)) != 0 ||
	    (e = cbuf_expect_end(b)) != 0)
		return e;
	s->blob_len = (uint32_t)n;
	return s->last > 1 ? CERR_PROTOCOL : 0;
}

int
tree_stats_encode(struct cbuf *b, const struct tree_stats *s)
{
	int e;

	if ((e = cbuf_put_u64(b, s->files)) != 0 ||
	    (e = cbuf_put_u64(b, s->files_changed)) != 0 ||
	    (e = cbuf_put_u64(b, s->deleted)) != 0 ||
	    (e = cbuf_put_u64(b, s->bytes_total)) != 0 ||
	    (e = cbuf_put_u64(b, s->literal_bytes)) != 0 ||
	    (e = cbuf_put_u64(b, s->matched_bytes)) != 0 ||
	    (e = cbuf_put_u64(b, s->wire_bytes)) != 0)
		return e;
	return 0;
}

int
tree_stats_decode(struct cbuf *b, struct tree_stats *s)
{
	int e;

	memset(s, 0, sizeof(*s));
	if ((e = cbuf_get_u64(b, &s->files)) != 0 ||
	    (e = cbuf_get_u64(b, &s->files_changed)) != 0 ||
	    (e = cbuf_get_u64(b, &s->deleted)) != 0 ||
	    (e = cbuf_get_u64(b, &s->bytes_total)) != 0 ||
	    (e = cbuf_get_u64(b, &s->literal_bytes)) != 0 ||
	    (e = cbuf_get_u64(b, &s->matched_bytes)) != 0 ||
	    (e = cbuf_get_u64(b, &s->wire_bytes)) != 0 ||
	    (e = cbuf_expect_end(b)) != 0)
		return e;
	return 0;
}
