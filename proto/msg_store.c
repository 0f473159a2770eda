/* corral: the codec of `corral get` and `corral put`'s request (CLI ->
 * master). */
#include <string.h>

#include "cerr.h"
#include "msg.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

int
msg_store_req_encode(struct cbuf *b, const struct msg_store_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_cstring(b, m->as)) != 0 ||
	    (r = cbuf_put_u64(b, m->size)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_store_req_decode(struct cbuf *b, struct msg_store_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = GETS(b, m->as)) != 0 ||
	    (r = cbuf_get_u64(b, &m->size)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0)
		return r;
	if (m->flags & ~MSG_STORE_FLAGS_KNOWN)
		return CERR_PROTOCOL;
	return cbuf_expect_end(b);
}
