/* corral: length-prefixed typed frames.
 *
 * Header (12 bytes, big-endian): u32 payload length, u16 type, u16 flags,
 * u32 request id; then the payload.  A length over PROTO_PAYLOAD_MAX, an
 * unknown type or unknown flags are refused from the header alone, before
 * any payload is allocated or read.
 */
#ifndef CORRAL_FRAME_H
#define CORRAL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "transport.h"

struct frame_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t id;
};

struct frame {
	struct frame_hdr h;
	struct cbuf *payload;   /* owned; NULL after frame_clear() */
};

/* Check and decode a header from PROTO_HDR_LEN bytes. */
int frame_hdr_parse(const uint8_t *p, struct frame_hdr *h);

/* Pure parser over a byte buffer, for streams already in memory and for the
 * fuzzer: one frame at buf.  On success *payload points into buf and
 * *consumed is header + payload; CERR_TRUNCATED means "need more bytes". */
int frame_parse(const uint8_t *buf, size_t len, struct frame_hdr *h,
    const uint8_t **payload, size_t *consumed);

/* Append a whole frame (header and payload) to out. */
int frame_encode(struct cbuf *out, uint16_t type, uint32_t id,
    const void *payload, size_t len);

/* Read one frame from t into f (f->payload is a new buffer). */
int frame_read(struct transport *t, struct frame *f);
/* Write one frame; payload may be NULL for an empty one. */
int frame_write(struct transport *t, uint16_t type, uint32_t id,
    const struct cbuf *payload);
void frame_clear(struct frame *f);

#endif
