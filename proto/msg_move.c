/* corral: the codec of `corral move`'s request (CLI -> master). */
#include <string.h>

#include "cerr.h"
#include "msg.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

int
msg_move_req_encode(struct cbuf *b, const struct msg_move_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->to)) != 0 ||
	    (r = cbuf_put_cstring(b, m->from)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_move_req_decode(struct cbuf *b, struct msg_move_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->to)) != 0 ||
	    (r = GETS(b, m->from)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0)
		return r;
	if (m->flags & ~MSG_MOVE_FLAGS_KNOWN)
		return CERR_PROTOCOL;
	return cbuf_expect_end(b);
}
