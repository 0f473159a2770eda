/* corral: frame codec and frame I/O over a transport. */
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "proto.h"

int
frame_hdr_parse(const uint8_t *p, struct frame_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	h->type = (uint16_t)(p[4] << 8 | p[5]);
	h->flags = (uint16_t)(p[6] << 8 | p[7]);
	h->id = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | p[11];
	if (h->len > PROTO_PAYLOAD_MAX)
		return CERR_TOO_BIG;
	if (!proto_msg_known(h->type))
		return CERR_BAD_TYPE;
	if ((h->flags & ~PROTO_FLAGS_KNOWN) != 0)
		return CERR_PROTOCOL;
	return 0;
}

int
frame_parse(const uint8_t *buf, size_t len, struct frame_hdr *h,
    const uint8_t **payload, size_t *consumed)
{
	int r;

	*payload = NULL;
	*consumed = 0;
	memset(h, 0, sizeof(*h));
	if (len < PROTO_HDR_LEN)
		return CERR_TRUNCATED;
	if ((r = frame_hdr_parse(buf, h)) != 0)
		return r;
	if (h->len > len - PROTO_HDR_LEN)
		return CERR_TRUNCATED;
	*payload = buf + PROTO_HDR_LEN;
	*consumed = PROTO_HDR_LEN + (size_t)h->len;
	return 0;
}

int
frame_encode(struct cbuf *out, uint16_t type, uint32_t id,
    const void *payload, size_t len)
{
	uint8_t *p;
	int r;

	if (len > PROTO_PAYLOAD_MAX)
		return CERR_TOO_BIG;
	if (!proto_msg_known(type))
		return CERR_BAD_TYPE;
	/* all or nothing: a frame is never left half in a stream buffer */
	if ((r = cbuf_reserve(out, PROTO_HDR_LEN + len, &p)) != 0)
		return r;
	p[0] = (uint8_t)(len >> 24); p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);  p[3] = (uint8_t)len;
	p[4] = (uint8_t)(type >> 8); p[5] = (uint8_t)type;
	p[6] = 0; p[7] = 0;
	p[8] = (uint8_t)(id >> 24);  p[9] = (uint8_t)(id >> 16);
	p[10] = (uint8_t)(id >> 8);  p[11] = (uint8_t)id;
	if (len)
		memcpy(p + PROTO_HDR_LEN, payload, len);
	return 0;
}

int
frame_read(struct transport *t, struct frame *f)
{
	uint8_t hdr[PROTO_HDR_LEN], *p;
	int r;

	memset(f, 0, sizeof(*f));
	if ((r = transport_read_full(t, hdr, sizeof(hdr))) != 0)
		return r;
	if ((r = frame_hdr_parse(hdr, &f->h)) != 0)
		return r;
	if ((f->payload = cbuf_new(f->h.len)) == NULL)
		return CERR_NOMEM;
	if ((r = cbuf_reserve(f->payload, f->h.len, &p)) != 0)
		goto fail;
	if (f->h.len > 0 && (r = transport_read_full(t, p, f->h.len)) != 0) {
		if (r == CERR_EOF)
			r = CERR_TRUNCATED;  /* header without its payload */
		goto fail;
	}
	return 0;
fail:
	frame_clear(f);
	return r;
}

int
frame_write(struct transport *t, uint16_t type, uint32_t id,
    const struct cbuf *payload)
{
	size_t len = payload ? cbuf_len(payload) : 0;
	uint8_t hdr[PROTO_HDR_LEN];
	int r;

	if (len > PROTO_PAYLOAD_MAX)
		return CERR_TOO_BIG;
	if (!proto_msg_known(type))
		return CERR_BAD_TYPE;
	hdr[0] = (uint8_t)(len >> 24); hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);  hdr[3] = (uint8_t)len;
	hdr[4] = (uint8_t)(type >> 8); hdr[5] = (uint8_t)type;
	hdr[6] = 0; hdr[7] = 0;
	hdr[8] = (uint8_t)(id >> 24);  hdr[9] = (uint8_t)(id >> 16);
	hdr[10] = (uint8_t)(id >> 8);  hdr[11] = (uint8_t)id;
	/* Two writes keep payloads uncopied; the fd and SSH transports both
	 * buffer below us, so this costs no extra packet in practice. */
	if ((r = transport_write(t, hdr, sizeof(hdr))) != 0)
		return r;
	if (len > 0 && (r = transport_write(t, cbuf_ptr(payload), len)) != 0)
		return r;
	return 0;
}

void
frame_clear(struct frame *f)
{
	cbuf_free(f->payload);
	f->payload = NULL;
}
