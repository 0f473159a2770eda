/* corral: bounded byte buffers for encoding and decoding wire messages.
 *
 * In the spirit of OpenSSH's sshbuf: an opaque buffer with a hard maximum
 * size; every call returns 0 or a negative CERR_* code; getters clear their
 * outputs first and check bounds before touching memory.  Integers are
 * big-endian on the wire.  A string or blob is a u32 length then the bytes.
 *
 * Invariants: a buffer always has a valid data pointer (possibly to an empty
 * area); the read offset never passes the write offset; the write offset never
 * passes the maximum.
 */
#ifndef CORRAL_BUF_H
#define CORRAL_BUF_H

#include <stddef.h>
#include <stdint.h>

struct cbuf;

/* Largest maximum a buffer may be given (a little over one frame). */
#define CBUF_SIZE_MAX (16u * 1024u * 1024u)

/* A new empty buffer that refuses to grow past max bytes; NULL on ENOMEM. */
struct cbuf *cbuf_new(size_t max);
/* A read-only buffer over caller memory (not copied; must outlive it). */
struct cbuf *cbuf_from(const void *data, size_t len);
void cbuf_free(struct cbuf *b);

size_t cbuf_len(const struct cbuf *b);        /* bytes left to read */
const uint8_t *cbuf_ptr(const struct cbuf *b); /* first unread byte */
size_t cbuf_max(const struct cbuf *b);
void cbuf_reset(struct cbuf *b);               /* empty it, keep memory */
/* Drop n unread bytes; CERR_TRUNCATED if fewer are there. */
int cbuf_consume(struct cbuf *b, size_t n);
/* Room for n more bytes, returned through *out for the caller to fill. */
int cbuf_reserve(struct cbuf *b, size_t n, uint8_t **out);
/* Give back the last n bytes of a reservation the caller did not fill. */
int cbuf_unreserve(struct cbuf *b, size_t n);

int cbuf_put(struct cbuf *b, const void *data, size_t len);
int cbuf_put_u8(struct cbuf *b, uint8_t v);
int cbuf_put_u16(struct cbuf *b, uint16_t v);
int cbuf_put_u32(struct cbuf *b, uint32_t v);
int cbuf_put_u64(struct cbuf *b, uint64_t v);
int cbuf_put_i64(struct cbuf *b, int64_t v);
/* u32 length then bytes. */
int cbuf_put_blob(struct cbuf *b, const void *data, size_t len);
/* NUL-terminated C string, sent without the NUL; NULL is sent as "". */
int cbuf_put_cstring(struct cbuf *b, const char *s);

int cbuf_get(struct cbuf *b, void *out, size_t len);
int cbuf_get_u8(struct cbuf *b, uint8_t *v);
int cbuf_get_u16(struct cbuf *b, uint16_t *v);
int cbuf_get_u32(struct cbuf *b, uint32_t *v);
int cbuf_get_u64(struct cbuf *b, uint64_t *v);
int cbuf_get_i64(struct cbuf *b, int64_t *v);
/* A blob of at most max bytes, as a pointer into the buffer (valid until
 * the buffer changes); CERR_TOO_BIG over max, CERR_TRUNCATED past the end. */
int cbuf_get_blob_view(struct cbuf *b, size_t max, const uint8_t **data,
    size_t *len);
/* A string of at most max bytes, copied into a new NUL-terminated
 * allocation; a NUL inside it is CERR_BAD_STRING. */
int cbuf_get_cstring(struct cbuf *b, size_t max, char **out);
/* The same into a caller array of size cap (the bound is cap - 1). */
int cbuf_get_cstring_into(struct cbuf *b, char *out, size_t cap);
/* A list count: u32, at most max, and no more than the bytes left divided
 * by min_elem (so a hostile count cannot force a large allocation). */
int cbuf_get_count(struct cbuf *b, uint32_t max, size_t min_elem,
    uint32_t *count);
/* CERR_TRAILING unless every byte was read. */
int cbuf_expect_end(const struct cbuf *b);

#endif
