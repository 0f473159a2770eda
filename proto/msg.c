/* corral: the session messages' codecs. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"

int
msg_hello_encode(struct cbuf *b, const struct msg_hello *m)
{
	int r;

	if ((r = cbuf_put_u16(b, m->vmin)) != 0 ||
	    (r = cbuf_put_u16(b, m->vmax)) != 0 ||
	    (r = cbuf_put_u32(b, m->caps)) != 0 ||
	    (r = cbuf_put_cstring(b, m->software)) != 0 ||
	    (r = cbuf_put_cstring(b, m->role)) != 0)
		return r;
	return 0;
}

int
msg_hello_decode(struct cbuf *b, struct msg_hello *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u16(b, &m->vmin)) != 0 ||
	    (r = cbuf_get_u16(b, &m->vmax)) != 0 ||
	    (r = cbuf_get_u32(b, &m->caps)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->software, sizeof(m->software))) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->role, sizeof(m->role))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	if (m->vmin > m->vmax)
		return CERR_PROTOCOL;
	return 0;
}

int
msg_hello_ok_encode(struct cbuf *b, const struct msg_hello_ok *m)
{
	int r;

	if ((r = cbuf_put_u16(b, m->version)) != 0 ||
	    (r = cbuf_put_u32(b, m->caps)) != 0 ||
	    (r = cbuf_put_cstring(b, m->software)) != 0)
		return r;
	return 0;
}

int
msg_hello_ok_decode(struct cbuf *b, struct msg_hello_ok *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u16(b, &m->version)) != 0 ||
	    (r = cbuf_get_u32(b, &m->caps)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->software, sizeof(m->software))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_error_encode(struct cbuf *b, const struct msg_error *m)
{
	int r;

	if ((r = cbuf_put_u32(b, (uint32_t)m->code)) != 0 ||
	    (r = cbuf_put_cstring(b, m->message)) != 0)
		return r;
	return 0;
}

int
msg_error_decode(struct cbuf *b, struct msg_error *m)
{
	uint32_t code;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u32(b, &code)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->message, sizeof(m->message))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	m->code = (int32_t)code;
	return 0;
}

int
msg_ping_encode(struct cbuf *b, const struct msg_ping *m)
{
	return cbuf_put_u64(b, m->token);
}

int
msg_ping_decode(struct cbuf *b, struct msg_ping *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u64(b, &m->token)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_empty_decode(struct cbuf *b)
{
	return cbuf_expect_end(b);
}

void
msg_errfmt(char *buf, size_t len, const char *peer, uint16_t type, int code)
{
	const char *name = proto_msg_name(type);

	if (name != NULL)
		snprintf(buf, len, "%s: %s: %s", peer, name, cerr_str(code));
	else
		snprintf(buf, len, "%s: message type %u: %s", peer,
		    (unsigned)type, cerr_str(code));
}
