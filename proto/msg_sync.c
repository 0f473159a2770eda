/* corral: codecs of the `corral sync` messages (CLI <-> master) and of
 * TREE_LISTEN, the port of a direct transfer. */
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "tree.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

int
msg_sync_req_encode(struct cbuf *b, const struct msg_sync_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->src_host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->src_path)) != 0 ||
	    (r = cbuf_put_cstring(b, m->dst_host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->dst_path)) != 0 ||
	    (r = cbuf_put_u32(b, m->opts)) != 0)
		return r;
	return 0;
}

int
msg_sync_req_decode(struct cbuf *b, struct msg_sync_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->src_host)) != 0 ||
	    (r = GETS(b, m->src_path)) != 0 ||
	    (r = GETS(b, m->dst_host)) != 0 ||
	    (r = GETS(b, m->dst_path)) != 0 ||
	    (r = cbuf_get_u32(b, &m->opts)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->opts & ~TREE_OPTS_KNOWN) ? CERR_PROTOCOL : 0;
}

int
msg_progress_encode(struct cbuf *b, const struct msg_progress *m)
{
	int r;

	if ((r = cbuf_put_u64(b, m->files_done)) != 0 ||
	    (r = cbuf_put_u64(b, m->files_total)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_done)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_total)) != 0)
		return r;
	return 0;
}

int
msg_progress_decode(struct cbuf *b, struct msg_progress *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u64(b, &m->files_done)) != 0 ||
	    (r = cbuf_get_u64(b, &m->files_total)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_done)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_total)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_sync_result_encode(struct cbuf *b, const struct msg_sync_result *m)
{
	int r;

	if ((r = cbuf_put_u64(b, m->files)) != 0 ||
	    (r = cbuf_put_u64(b, m->files_changed)) != 0 ||
	    (r = cbuf_put_u64(b, m->deleted)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_on_wire)) != 0 ||
	    (r = cbuf_put_u64(b, m->literal_bytes)) != 0 ||
	    (r = cbuf_put_u64(b, m->matched_bytes)) != 0 ||
	    (r = cbuf_put_u64(b, m->usec)) != 0)
		return r;
	return 0;
}

int
msg_sync_result_decode(struct cbuf *b, struct msg_sync_result *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u64(b, &m->files)) != 0 ||
	    (r = cbuf_get_u64(b, &m->files_changed)) != 0 ||
	    (r = cbuf_get_u64(b, &m->deleted)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_on_wire)) != 0 ||
	    (r = cbuf_get_u64(b, &m->literal_bytes)) != 0 ||
	    (r = cbuf_get_u64(b, &m->matched_bytes)) != 0 ||
	    (r = cbuf_get_u64(b, &m->usec)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_listen_encode(struct cbuf *b, uint16_t port)
{
	return cbuf_put_u16(b, port);
}

int
msg_listen_decode(struct cbuf *b, uint16_t *port)
{
	int r;

	*port = 0;
	if ((r = cbuf_get_u16(b, port)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}
