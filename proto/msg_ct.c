/* corral: codecs of container creation and snapshot messages. */
#include <string.h>

#include "cerr.h"
#include "msg.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

int
msg_create_req_encode(struct cbuf *b, const struct msg_create_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes)) != 0 ||
	    (r = cbuf_put_cstring(b, m->tmpl)) != 0 ||
	    (r = cbuf_put_u8(b, m->start)) != 0)
		return r;
	return 0;
}

int
msg_create_req_decode(struct cbuf *b, struct msg_create_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes)) != 0 ||
	    (r = GETS(b, m->tmpl)) != 0 ||
	    (r = cbuf_get_u8(b, &m->start)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->start & ~MSG_NEW_KNOWN) != 0 ? CERR_PROTOCOL : 0;
}

int
msg_create_encode(struct cbuf *b, const struct msg_create *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->backend)) != 0 ||
	    (r = cbuf_put_cstring(b, m->rootfs)) != 0)
		return r;
	return 0;
}

int
msg_create_decode(struct cbuf *b, struct msg_create *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->backend)) != 0 || (r = GETS(b, m->rootfs)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_snap_req_encode(struct cbuf *b, const struct msg_snap_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u8(b, m->op)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes)) != 0 ||
	    (r = cbuf_put_u64(b, m->job)) != 0)
		return r;
	return 0;
}

int
msg_snap_req_decode(struct cbuf *b, struct msg_snap_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = cbuf_get_u8(b, &m->op)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes)) != 0 ||
	    (r = cbuf_get_u64(b, &m->job)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->op < MSG_SNAP_TAKE || m->op > MSG_SNAP_DROP_STALE ?
	    CERR_PROTOCOL : 0;
}

int
msg_snap_encode(struct cbuf *b, const struct msg_snap *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->backend)) != 0 ||
	    (r = cbuf_put_u8(b, m->kind)) != 0 ||
	    (r = cbuf_put_u8(b, m->valid)) != 0 ||
	    (r = cbuf_put_u32(b, m->fill_permille)) != 0 ||
	    (r = cbuf_put_u32(b, m->warn_permille)) != 0 ||
	    (r = cbuf_put_u64(b, m->size)) != 0 ||
	    (r = cbuf_put_cstring(b, m->path)) != 0 ||
	    (r = cbuf_put_u8(b, m->owner)) != 0 ||
	    (r = cbuf_put_u64(b, m->job)) != 0 ||
	    (r = cbuf_put_u32(b, m->pid)) != 0 ||
	    (r = cbuf_put_u8(b, m->leftover)) != 0)
		return r;
	return 0;
}

int
msg_snap_decode(struct cbuf *b, struct msg_snap *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->backend)) != 0 ||
	    (r = cbuf_get_u8(b, &m->kind)) != 0 ||
	    (r = cbuf_get_u8(b, &m->valid)) != 0 ||
	    (r = cbuf_get_u32(b, &m->fill_permille)) != 0 ||
	    (r = cbuf_get_u32(b, &m->warn_permille)) != 0 ||
	    (r = cbuf_get_u64(b, &m->size)) != 0 ||
	    (r = GETS(b, m->path)) != 0 ||
	    (r = cbuf_get_u8(b, &m->owner)) != 0 ||
	    (r = cbuf_get_u64(b, &m->job)) != 0 ||
	    (r = cbuf_get_u32(b, &m->pid)) != 0 ||
	    (r = cbuf_get_u8(b, &m->leftover)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	if (m->kind > MSG_SNAPK_STOPPED || m->valid > 1 ||
	    m->owner > MSG_SNAPO_STALE || m->leftover > 1 ||
	    m->fill_permille > 1000 || m->warn_permille > 1000)
		return CERR_PROTOCOL;
	return 0;
}
