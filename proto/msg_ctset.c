/* corral: codecs of a container's settings: creation with a network and
 * limits (CT_NEW, CLI_NEW), limits (CT_LIMIT, CLI_LIMIT) and state and
 * autostart (CT_CONTROL, CLI_CONTROL). */
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "msg_list.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

/* smallest encodings: a cstring is a u32 length at least */
#define LIMITS_SIZE   (5 * 4)
#define LIMIT_MIN     (3 * 4 + LIMITS_SIZE)
#define CONTROL_MIN   (2 * 4 + 2 + 2 * 4)

static int
put_limits(struct cbuf *b, const struct msg_limits *l)
{
	int r;

	if ((r = cbuf_put_u32(b, l->memory_mb)) != 0 ||
	    (r = cbuf_put_u32(b, l->disk_mb)) != 0 ||
	    (r = cbuf_put_u32(b, l->proc)) != 0 ||
	    (r = cbuf_put_u32(b, l->cpu_num)) != 0 ||
	    (r = cbuf_put_u32(b, l->cpu_den)) != 0)
		return r;
	return 0;
}

/* cpu is unlimited (0/0) or a share of one CPU */
static int
get_limits(struct cbuf *b, struct msg_limits *l)
{
	int r;

	if ((r = cbuf_get_u32(b, &l->memory_mb)) != 0 ||
	    (r = cbuf_get_u32(b, &l->disk_mb)) != 0 ||
	    (r = cbuf_get_u32(b, &l->proc)) != 0 ||
	    (r = cbuf_get_u32(b, &l->cpu_num)) != 0 ||
	    (r = cbuf_get_u32(b, &l->cpu_den)) != 0)
		return r;
	if ((l->cpu_num == 0) != (l->cpu_den == 0) || l->cpu_num > l->cpu_den)
		return CERR_PROTOCOL;
	return 0;
}

int
msg_new_req_encode(struct cbuf *b, const struct msg_new_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->tmpl)) != 0 ||
	    (r = cbuf_put_u8(b, m->start)) != 0 ||
	    (r = cbuf_put_cstring(b, m->addr)) != 0 ||
	    (r = cbuf_put_cstring(b, m->gateway)) != 0 ||
	    (r = cbuf_put_cstring(b, m->link)) != 0 ||
	    (r = cbuf_put_u16(b, m->vlan)) != 0 ||
	    (r = cbuf_put_u32(b, m->mtu)) != 0 ||
	    (r = cbuf_put_cstring(b, m->domain)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ns)) != 0 ||
	    (r = put_limits(b, &m->lim)) != 0)
		return r;
	return 0;
}

int
msg_new_req_decode(struct cbuf *b, struct msg_new_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->tmpl)) != 0 ||
	    (r = cbuf_get_u8(b, &m->start)) != 0 ||
	    (r = GETS(b, m->addr)) != 0 || (r = GETS(b, m->gateway)) != 0 ||
	    (r = GETS(b, m->link)) != 0 ||
	    (r = cbuf_get_u16(b, &m->vlan)) != 0 ||
	    (r = cbuf_get_u32(b, &m->mtu)) != 0 ||
	    (r = GETS(b, m->domain)) != 0 || (r = GETS(b, m->ns)) != 0 ||
	    (r = get_limits(b, &m->lim)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->start & ~MSG_NEW_KNOWN) != 0 || m->vlan > 4094 ?
	    CERR_PROTOCOL : 0;
}

int
msg_new_encode(struct cbuf *b, const struct msg_new *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->backend)) != 0 ||
	    (r = cbuf_put_cstring(b, m->rootfs)) != 0 ||
	    (r = cbuf_put_cstring(b, m->addr)) != 0 ||
	    (r = cbuf_put_cstring(b, m->link)) != 0 ||
	    (r = cbuf_put_u16(b, m->vlan)) != 0 ||
	    (r = put_limits(b, &m->lim)) != 0 ||
	    (r = cbuf_put_u8(b, m->started)) != 0)
		return r;
	return 0;
}

int
msg_new_decode(struct cbuf *b, struct msg_new *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->backend)) != 0 || (r = GETS(b, m->rootfs)) != 0 ||
	    (r = GETS(b, m->addr)) != 0 || (r = GETS(b, m->link)) != 0 ||
	    (r = cbuf_get_u16(b, &m->vlan)) != 0 ||
	    (r = get_limits(b, &m->lim)) != 0 ||
	    (r = cbuf_get_u8(b, &m->started)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->started > 1 ? CERR_PROTOCOL : 0;
}

int
msg_limit_req_encode(struct cbuf *b, const struct msg_limit_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u8(b, m->all)) != 0 ||
	    (r = cbuf_put_u32(b, m->set)) != 0 ||
	    (r = put_limits(b, &m->lim)) != 0)
		return r;
	return 0;
}

int
msg_limit_req_decode(struct cbuf *b, struct msg_limit_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = cbuf_get_u8(b, &m->all)) != 0 ||
	    (r = cbuf_get_u32(b, &m->set)) != 0 ||
	    (r = get_limits(b, &m->lim)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->all & ~MSG_EACH_KNOWN) != 0 ||
	    (m->set & ~MSG_LIM_KNOWN) != 0 ? CERR_PROTOCOL : 0;
}

static int
put_limit(struct cbuf *b, const void *p)
{
	const struct msg_limit *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = put_limits(b, &m->lim)) != 0 ||
	    (r = cbuf_put_cstring(b, m->error)) != 0)
		return r;
	return 0;
}

static int
get_limit(struct cbuf *b, void *p)
{
	struct msg_limit *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = get_limits(b, &m->lim)) != 0 || (r = GETS(b, m->error)) != 0)
		return r;
	return 0;
}

int
msg_limit_encode(struct cbuf *b, const struct msg_limit *m)
{
	return put_limit(b, m);
}

int
msg_limit_decode(struct cbuf *b, struct msg_limit *m)
{
	int r;

	if ((r = get_limit(b, m)) != 0)
		return r;
	return cbuf_expect_end(b);
}

int
msg_limit_list_encode(struct cbuf *b, const struct msg_limit *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_limit);
}

int
msg_limit_list_decode(struct cbuf *b, struct msg_limit_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v),
	    LIMIT_MIN, get_limit);
}

void
msg_limit_list_free(struct msg_limit_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_control_req_encode(struct cbuf *b, const struct msg_control_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u8(b, m->all)) != 0 ||
	    (r = cbuf_put_u8(b, m->autostart)) != 0 ||
	    (r = cbuf_put_u8(b, m->run)) != 0 ||
	    (r = cbuf_put_u32(b, m->timeout_s)) != 0)
		return r;
	return 0;
}

int
msg_control_req_decode(struct cbuf *b, struct msg_control_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 || (r = cbuf_get_u8(b, &m->all)) != 0 ||
	    (r = cbuf_get_u8(b, &m->autostart)) != 0 ||
	    (r = cbuf_get_u8(b, &m->run)) != 0 ||
	    (r = cbuf_get_u32(b, &m->timeout_s)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return (m->all & ~MSG_EACH_KNOWN) != 0 || m->autostart > MSG_AUTO_DISABLE ||
	    m->run > MSG_RUN_STOP ? CERR_PROTOCOL : 0;
}

static int
put_control(struct cbuf *b, const void *p)
{
	const struct msg_control *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u8(b, m->enabled)) != 0 ||
	    (r = cbuf_put_u8(b, m->running)) != 0 ||
	    (r = cbuf_put_cstring(b, m->message)) != 0 ||
	    (r = cbuf_put_cstring(b, m->error)) != 0)
		return r;
	return 0;
}

static int
get_control(struct cbuf *b, void *p)
{
	struct msg_control *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 || (r = GETS(b, m->ct)) != 0 ||
	    (r = cbuf_get_u8(b, &m->enabled)) != 0 ||
	    (r = cbuf_get_u8(b, &m->running)) != 0 ||
	    (r = GETS(b, m->message)) != 0 || (r = GETS(b, m->error)) != 0)
		return r;
	return m->enabled > 1 || m->running > 1 ? CERR_PROTOCOL : 0;
}

int
msg_control_encode(struct cbuf *b, const struct msg_control *m)
{
	return put_control(b, m);
}

int
msg_control_decode(struct cbuf *b, struct msg_control *m)
{
	int r;

	if ((r = get_control(b, m)) != 0)
		return r;
	return cbuf_expect_end(b);
}

int
msg_control_list_encode(struct cbuf *b, const struct msg_control *v,
    size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_control);
}

int
msg_control_list_decode(struct cbuf *b, struct msg_control_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v),
	    CONTROL_MIN, get_control);
}

void
msg_control_list_free(struct msg_control_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
