/* corral: codecs of the container operations (CT_CTL, CT_RENAME) and of a
 * container's config as it travels between hosts (CT_CONF, CT_CONF_SET). */
#include <string.h>

#include "cerr.h"
#include "msg.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

/* indexed by enum msg_ctl_op */
static const char *const op_names[] = {
	"?", "START", "STOP", "REMOVE", "VOL_CREATE", "VOL_DESTROY",
};
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

const char *
msg_ctl_op_name(uint8_t op)
{
	return op < N_OPS ? op_names[op] : "?";
}

int
msg_ctl_req_encode(struct cbuf *b, const struct msg_ctl_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u8(b, m->op)) != 0 ||
	    (r = cbuf_put_u32(b, m->timeout_s)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes)) != 0)
		return r;
	return 0;
}

int
msg_ctl_req_decode(struct cbuf *b, struct msg_ctl_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = cbuf_get_u8(b, &m->op)) != 0 ||
	    (r = cbuf_get_u32(b, &m->timeout_s)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	if (m->op < MSG_CTL_START || m->op > MSG_CTL_VOL_DESTROY ||
	    (m->flags & ~MSG_CTL_FLAGS_KNOWN) != 0)
		return CERR_PROTOCOL;
	return 0;
}

int
msg_ctl_encode(struct cbuf *b, const struct msg_ctl *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->state)) != 0 ||
	    (r = cbuf_put_cstring(b, m->message)) != 0)
		return r;
	return 0;
}

int
msg_ctl_decode(struct cbuf *b, struct msg_ctl *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = GETS(b, m->state)) != 0 ||
	    (r = GETS(b, m->message)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	if (strcmp(m->state, "running") != 0 &&
	    strcmp(m->state, "stopped") != 0 &&
	    strcmp(m->state, "absent") != 0)
		return CERR_PROTOCOL;
	return 0;
}

int
msg_conf_encode(struct cbuf *b, const struct msg_conf *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->config)) != 0 ||
	    (r = cbuf_put_u64(b, m->rootfs_bytes)) != 0 ||
	    (r = cbuf_put_u8(b, m->running)) != 0 ||
	    (r = cbuf_put_u8(b, m->sized)) != 0)
		return r;
	return 0;
}

int
msg_conf_decode(struct cbuf *b, struct msg_conf *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = GETS(b, m->config)) != 0 ||
	    (r = cbuf_get_u64(b, &m->rootfs_bytes)) != 0 ||
	    (r = cbuf_get_u8(b, &m->running)) != 0 ||
	    (r = cbuf_get_u8(b, &m->sized)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->running > 1 || m->sized > 1 ? CERR_PROTOCOL : 0;
}

int
msg_conf_set_req_encode(struct cbuf *b, const struct msg_conf_set_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->config)) != 0 ||
	    (r = cbuf_put_cstring(b, m->old)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_conf_set_req_decode(struct cbuf *b, struct msg_conf_set_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = GETS(b, m->config)) != 0 ||
	    (r = GETS(b, m->old)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->flags & ~MSG_CONF_FLAGS_KNOWN) != 0 ? CERR_PROTOCOL : 0;
}

int
msg_conf_set_encode(struct cbuf *b, const struct msg_conf_set *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->message)) != 0)
		return r;
	return 0;
}

int
msg_conf_set_decode(struct cbuf *b, struct msg_conf_set *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = GETS(b, m->message)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_rename_req_encode(struct cbuf *b, const struct msg_rename_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->to)) != 0)
		return r;
	return 0;
}

int
msg_rename_req_decode(struct cbuf *b, struct msg_rename_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = GETS(b, m->to)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}
