/* corral: codecs of corral remove's messages (CLI <-> master). */
#include <string.h>

#include "cerr.h"
#include "msg.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

int
msg_remove_req_encode(struct cbuf *b, const struct msg_remove_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_remove_req_decode(struct cbuf *b, struct msg_remove_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->flags & ~MSG_REMOVE_FLAGS_KNOWN ? CERR_PROTOCOL : 0;
}

int
msg_remove_plan_encode(struct cbuf *b, const struct msg_remove_plan *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->text)) != 0)
		return r;
	return 0;
}

int
msg_remove_plan_decode(struct cbuf *b, struct msg_remove_plan *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = GETS(b, m->text)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}
