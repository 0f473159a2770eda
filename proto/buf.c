/* corral: bounded byte buffers (see buf.h for the contract). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cerr.h"

struct cbuf {
	uint8_t *d;
	size_t off;      /* read offset */
	size_t size;     /* write offset */
	size_t alloc;
	size_t max;
	int readonly;    /* a view over caller memory: never written or freed */
};

static const uint8_t empty_area[1];

struct cbuf *
cbuf_new(size_t max)
{
	struct cbuf *b;

	if (max > CBUF_SIZE_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->d = (uint8_t *)empty_area;
	b->max = max;
	return b;
}

struct cbuf *
cbuf_from(const void *data, size_t len)
{
	struct cbuf *b;

	if (len > CBUF_SIZE_MAX || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->d = len ? (uint8_t *)data : (uint8_t *)empty_area;
	b->size = b->alloc = b->max = len;
	b->readonly = 1;
	return b;
}

void
cbuf_free(struct cbuf *b)
{
	if (b == NULL)
		return;
	if (!b->readonly && b->d != empty_area)
		free(b->d);
	free(b);
}

size_t cbuf_len(const struct cbuf *b) { return b->size - b->off; }
const uint8_t *cbuf_ptr(const struct cbuf *b) { return b->d + b->off; }
size_t cbuf_max(const struct cbuf *b) { return b->max; }

void
cbuf_reset(struct cbuf *b)
{
	if (b->readonly)
		return;
	b->off = b->size = 0;
}

int
cbuf_consume(struct cbuf *b, size_t n)
{
	if (n > cbuf_len(b))
		return CERR_TRUNCATED;
	b->off += n;
	return 0;
}

int
cbuf_reserve(struct cbuf *b, size_t n, uint8_t **out)
{
	size_t need, na;
	uint8_t *nd;

	*out = NULL;
	if (b->readonly)
		return CERR_INVALID;
	/* the maximum bounds the unread bytes, not the offsets */
	if (n > b->max - (b->size - b->off))
		return CERR_BUF_FULL;
	need = b->size + n;
	if (need > b->alloc || need > b->max) {
		/* Slide unread data down before growing: decoders consume from the
		 * front and encoders append, so this keeps reused buffers small. */
		if (b->off > 0) {
			memmove(b->d, b->d + b->off, b->size - b->off);
			b->size -= b->off;
			b->off = 0;
			need = b->size + n;
		}
	}
	if (need > b->alloc) {
		na = b->alloc ? b->alloc : 256;
		while (na < need)
			na = na > b->max / 2 ? b->max : na * 2;
		nd = realloc(b->d == empty_area ? NULL : b->d, na);
		if (nd == NULL)
			return CERR_NOMEM;
		b->d = nd;
		b->alloc = na;
	}
	*out = b->d + b->size;
	b->size += n;
	return 0;
}

int
cbuf_unreserve(struct cbuf *b, size_t n)
{
	if (b->readonly || n > b->size - b->off)
		return CERR_INVALID;
	b->size -= n;
	return 0;
}

int
cbuf_put(struct cbuf *b, const void *data, size_t len)
{
	uint8_t *p;
	int r;

	if ((r = cbuf_reserve(b, len, &p)) != 0)
		return r;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int
cbuf_put_u8(struct cbuf *b, uint8_t v)
{
	return cbuf_put(b, &v, 1);
}

int
cbuf_put_u16(struct cbuf *b, uint16_t v)
{
	uint8_t p[2] = { v >> 8, v };

	return cbuf_put(b, p, sizeof(p));
}

int
cbuf_put_u32(struct cbuf *b, uint32_t v)
{
	uint8_t p[4] = { v >> 24, v >> 16, v >> 8, v };

	return cbuf_put(b, p, sizeof(p));
}

int
cbuf_put_u64(struct cbuf *b, uint64_t v)
{
	int r;

	if ((r = cbuf_put_u32(b, (uint32_t)(v >> 32))) != 0 ||
	    (r = cbuf_put_u32(b, (uint32_t)v)) != 0)
		return r;
	return 0;
}

int
cbuf_put_i64(struct cbuf *b, int64_t v)
{
	return cbuf_put_u64(b, (uint64_t)v);
}

int
cbuf_put_blob(struct cbuf *b, const void *data, size_t len)
{
	int r;

	if (len > UINT32_MAX)
		return CERR_TOO_BIG;
	/* Check the whole field fits first so a failure leaves b unchanged. */
	if (len > b->max - cbuf_len(b) || 4 > b->max - cbuf_len(b) - len)
		return CERR_BUF_FULL;
	if ((r = cbuf_put_u32(b, (uint32_t)len)) != 0 ||
	    (r = cbuf_put(b, data, len)) != 0)
		return r;
	return 0;
}

int
cbuf_put_cstring(struct cbuf *b, const char *s)
{
	return cbuf_put_blob(b, s ? s : "", s ? strlen(s) : 0);
}

int
cbuf_get(struct cbuf *b, void *out, size_t len)
{
	if (len > cbuf_len(b))
		return CERR_TRUNCATED;
	if (len)
		memcpy(out, b->d + b->off, len);
	b->off += len;
	return 0;
}

int
cbuf_get_u8(struct cbuf *b, uint8_t *v)
{
	*v = 0;
	return cbuf_get(b, v, 1);
}

int
cbuf_get_u16(struct cbuf *b, uint16_t *v)
{
	uint8_t p[2];
	int r;

	*v = 0;
	if ((r = cbuf_get(b, p, sizeof(p))) != 0)
		return r;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
cbuf_get_u32(struct cbuf *b, uint32_t *v)
{
	uint8_t p[4];
	int r;

	*v = 0;
	if ((r = cbuf_get(b, p, sizeof(p))) != 0)
		return r;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
cbuf_get_u64(struct cbuf *b, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	*v = 0;
	if (cbuf_len(b) < 8)
		return CERR_TRUNCATED;
	if ((r = cbuf_get_u32(b, &hi)) != 0 || (r = cbuf_get_u32(b, &lo)) != 0)
		return r;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
cbuf_get_i64(struct cbuf *b, int64_t *v)
{
	uint64_t u;
	int r;

	*v = 0;
	if ((r = cbuf_get_u64(b, &u)) != 0)
		return r;
	*v = (int64_t)u;
	return 0;
}

int
cbuf_get_blob_view(struct cbuf *b, size_t max, const uint8_t **data,
    size_t *len)
{
	uint32_t n;
	size_t save = b->off;
	int r;

	*data = NULL;
	*len = 0;
	if ((r = cbuf_get_u32(b, &n)) != 0)
		return r;
	if (n > max)
		r = CERR_TOO_BIG;
	else if (n > cbuf_len(b))
		r = CERR_TRUNCATED;
	if (r != 0) {
		b->off = save;  /* a failed get consumes nothing */
		return r;
	}
	*data = b->d + b->off;
	*len = n;
	b->off += n;
	return 0;
}

int
cbuf_get_cstring_into(struct cbuf *b, char *out, size_t cap)
{
	const uint8_t *p;
	size_t n, save = b->off;
	int r;

	if (cap == 0)
		return CERR_INVALID;
	out[0] = '\0';
	if ((r = cbuf_get_blob_view(b, cap - 1, &p, &n)) != 0)
		return r == CERR_TOO_BIG ? CERR_BAD_STRING : r;
	if (memchr(p, '\0', n) != NULL) {
		b->off = save;
		return CERR_BAD_STRING;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
cbuf_get_cstring(struct cbuf *b, size_t max, char **out)
{
	const uint8_t *p;
	size_t n, save = b->off;
	char *s;
	int r;

	*out = NULL;
	if ((r = cbuf_get_blob_view(b, max, &p, &n)) != 0)
		return r == CERR_TOO_BIG ? CERR_BAD_STRING : r;
	if (memchr(p, '\0', n) != NULL) {
		b->off = save;
		return CERR_BAD_STRING;
	}
	if ((s = malloc(n + 1)) == NULL) {
		b->off = save;
		return CERR_NOMEM;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	*out = s;
	return 0;
}

int
cbuf_get_count(struct cbuf *b, uint32_t max, size_t min_elem,
    uint32_t *count)
{
	uint32_t n;
	size_t save = b->off;
	int r;

	*count = 0;
	if ((r = cbuf_get_u32(b, &n)) != 0)
		return r;
	if (n > max || (min_elem > 0 && n > cbuf_len(b) / min_elem)) {
		b->off = save;
		return CERR_BAD_COUNT;
	}
	*count = n;
	return 0;
}

int
cbuf_expect_end(const struct cbuf *b)
{
	return cbuf_len(b) == 0 ? 0 : CERR_TRAILING;
}
