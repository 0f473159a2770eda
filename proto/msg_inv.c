/* corral: codecs of the inventory (200s) and CLI (500s) messages. */
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "msg_list.h"
#include "proto.h"

/* Smallest encoded size of a list element, for cbuf_get_count(): every
 * string costs at least its 4-byte length. */
#define CT_INFO_MIN   (4 * 4 + 1 + 8 * 4)
#define HOST_INFO_MIN (4 * 3 + 4 * 4 + 8 * 6 + 4)
#define HOST_REC_MIN  (4 * 4 + 2 + HOST_INFO_MIN + 8)
#define CT_REC_MIN    (4 + CT_INFO_MIN + 8)

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

static int
put_host_info(struct cbuf *b, const struct msg_host_info *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->hostname)) != 0 ||
	    (r = cbuf_put_u32(b, m->cores)) != 0 ||
	    (r = cbuf_put_u32(b, m->load1)) != 0 ||
	    (r = cbuf_put_u32(b, m->load5)) != 0 ||
	    (r = cbuf_put_u32(b, m->load15)) != 0 ||
	    (r = cbuf_put_u64(b, m->mem_total)) != 0 ||
	    (r = cbuf_put_u64(b, m->mem_available)) != 0 ||
	    (r = cbuf_put_cstring(b, m->storage_backend)) != 0 ||
	    (r = cbuf_put_u64(b, m->storage_total)) != 0 ||
	    (r = cbuf_put_u64(b, m->storage_free)) != 0 ||
	    (r = cbuf_put_u32(b, m->containers)) != 0 ||
	    (r = cbuf_put_u64(b, m->uptime)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_u64(b, m->cpu_busy)) != 0 ||
	    (r = cbuf_put_u64(b, m->cpu_total)) != 0)
		return r;
	return 0;
}

static int
get_host_info(struct cbuf *b, struct msg_host_info *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->hostname)) != 0 ||
	    (r = cbuf_get_u32(b, &m->cores)) != 0 ||
	    (r = cbuf_get_u32(b, &m->load1)) != 0 ||
	    (r = cbuf_get_u32(b, &m->load5)) != 0 ||
	    (r = cbuf_get_u32(b, &m->load15)) != 0 ||
	    (r = cbuf_get_u64(b, &m->mem_total)) != 0 ||
	    (r = cbuf_get_u64(b, &m->mem_available)) != 0 ||
	    (r = GETS(b, m->storage_backend)) != 0 ||
	    (r = cbuf_get_u64(b, &m->storage_total)) != 0 ||
	    (r = cbuf_get_u64(b, &m->storage_free)) != 0 ||
	    (r = cbuf_get_u32(b, &m->containers)) != 0 ||
	    (r = cbuf_get_u64(b, &m->uptime)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = cbuf_get_u64(b, &m->cpu_busy)) != 0 ||
	    (r = cbuf_get_u64(b, &m->cpu_total)) != 0)
		return r;
	if (m->cpu_busy > m->cpu_total)
		return CERR_PROTOCOL;
	return 0;
}

static int
put_ct_info(struct cbuf *b, const struct msg_ct_info *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->name)) != 0 ||
	    (r = cbuf_put_cstring(b, m->state)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ipv4)) != 0 ||
	    (r = cbuf_put_u8(b, m->autostart)) != 0 ||
	    (r = cbuf_put_u64(b, m->mem_used)) != 0 ||
	    (r = cbuf_put_u64(b, m->mem_limit)) != 0 ||
	    (r = cbuf_put_u64(b, m->cpu_usec)) != 0 ||
	    (r = cbuf_put_cstring(b, m->backend)) != 0 ||
	    (r = cbuf_put_u64(b, m->rootfs_bytes)) != 0 ||
	    (r = cbuf_put_cstring(b, m->ipv4_config)) != 0)
		return r;
	return 0;
}

static int
get_ct_info(struct cbuf *b, struct msg_ct_info *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->name)) != 0 ||
	    (r = GETS(b, m->state)) != 0 ||
	    (r = GETS(b, m->ipv4)) != 0 ||
	    (r = cbuf_get_u8(b, &m->autostart)) != 0 ||
	    (r = cbuf_get_u64(b, &m->mem_used)) != 0 ||
	    (r = cbuf_get_u64(b, &m->mem_limit)) != 0 ||
	    (r = cbuf_get_u64(b, &m->cpu_usec)) != 0 ||
	    (r = GETS(b, m->backend)) != 0 ||
	    (r = cbuf_get_u64(b, &m->rootfs_bytes)) != 0 ||
	    (r = GETS(b, m->ipv4_config)) != 0)
		return r;
	if (m->autostart > 1)
		return CERR_PROTOCOL;
	return 0;
}

static int
put_host_rec(struct cbuf *b, const struct msg_host_rec *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->name)) != 0 ||
	    (r = cbuf_put_cstring(b, m->address)) != 0 ||
	    (r = cbuf_put_u16(b, m->port)) != 0 ||
	    (r = cbuf_put_cstring(b, m->state)) != 0 ||
	    (r = cbuf_put_cstring(b, m->reason)) != 0 ||
	    (r = put_host_info(b, &m->info)) != 0 ||
	    (r = cbuf_put_i64(b, m->last_seen)) != 0 ||
	    (r = cbuf_put_u32(b, m->cpu_use)) != 0 ||
	    (r = cbuf_put_u8(b, m->drained)) != 0)
		return r;
	return 0;
}

static int
get_host_rec(struct cbuf *b, struct msg_host_rec *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->name)) != 0 ||
	    (r = GETS(b, m->address)) != 0 ||
	    (r = cbuf_get_u16(b, &m->port)) != 0 ||
	    (r = GETS(b, m->state)) != 0 ||
	    (r = GETS(b, m->reason)) != 0 ||
	    (r = get_host_info(b, &m->info)) != 0 ||
	    (r = cbuf_get_i64(b, &m->last_seen)) != 0 ||
	    (r = cbuf_get_u32(b, &m->cpu_use)) != 0 ||
	    (r = cbuf_get_u8(b, &m->drained)) != 0)
		return r;
	if (m->drained > 1)
		return CERR_PROTOCOL;
	return 0;
}

static int
put_ct_rec(struct cbuf *b, const struct msg_ct_rec *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = put_ct_info(b, &m->ct)) != 0 ||
	    (r = cbuf_put_i64(b, m->last_seen)) != 0)
		return r;
	return 0;
}

static int
get_ct_rec(struct cbuf *b, struct msg_ct_rec *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 ||
	    (r = get_ct_info(b, &m->ct)) != 0 ||
	    (r = cbuf_get_i64(b, &m->last_seen)) != 0)
		return r;
	return 0;
}

int
msg_host_info_encode(struct cbuf *b, const struct msg_host_info *m)
{
	return put_host_info(b, m);
}

int
msg_host_info_decode(struct cbuf *b, struct msg_host_info *m)
{
	int r;

	if ((r = get_host_info(b, m)) != 0)
		return r;
	return cbuf_expect_end(b);
}

static int put_ct_info_v(struct cbuf *b, const void *p) { return put_ct_info(b, p); }
static int get_ct_info_v(struct cbuf *b, void *p) { return get_ct_info(b, p); }
static int put_host_rec_v(struct cbuf *b, const void *p) { return put_host_rec(b, p); }
static int get_host_rec_v(struct cbuf *b, void *p) { return get_host_rec(b, p); }
static int put_ct_rec_v(struct cbuf *b, const void *p) { return put_ct_rec(b, p); }
static int get_ct_rec_v(struct cbuf *b, void *p) { return get_ct_rec(b, p); }

int
msg_ct_list_encode(struct cbuf *b, const struct msg_ct_info *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_ct_info_v);
}

int
msg_ct_list_decode(struct cbuf *b, struct msg_ct_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v), CT_INFO_MIN,
	    get_ct_info_v);
}

void
msg_ct_list_free(struct msg_ct_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_host_list_encode(struct cbuf *b, const struct msg_host_rec *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_host_rec_v);
}

int
msg_host_list_decode(struct cbuf *b, struct msg_host_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v), HOST_REC_MIN,
	    get_host_rec_v);
}

void
msg_host_list_free(struct msg_host_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_ct_rec_list_encode(struct cbuf *b, const struct msg_ct_rec *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_ct_rec_v);
}

int
msg_ct_rec_list_decode(struct cbuf *b, struct msg_ct_rec_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v), CT_REC_MIN,
	    get_ct_rec_v);
}

void
msg_ct_rec_list_free(struct msg_ct_rec_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_scan_req_encode(struct cbuf *b, const struct msg_scan_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->name)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_u8(b, m->cached)) != 0)
		return r;
	return 0;
}

int
msg_scan_req_decode(struct cbuf *b, struct msg_scan_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->name)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = cbuf_get_u8(b, &m->cached)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->cached > 1 ? CERR_PROTOCOL : 0;
}

int
msg_trust_encode(struct cbuf *b, const struct msg_trust *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->fingerprint)) != 0 ||
	    (r = cbuf_put_u8(b, m->accept)) != 0)
		return r;
	return 0;
}

int
msg_trust_decode(struct cbuf *b, struct msg_trust *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 ||
	    (r = GETS(b, m->fingerprint)) != 0 ||
	    (r = cbuf_get_u8(b, &m->accept)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->accept > 1 ? CERR_PROTOCOL : 0;
}

int
msg_flag_encode(struct cbuf *b, uint8_t flag)
{
	return cbuf_put_u8(b, flag);
}

int
msg_flag_decode(struct cbuf *b, uint8_t *flag)
{
	int r;

	if ((r = cbuf_get_u8(b, flag)) != 0 || (r = cbuf_expect_end(b)) != 0)
		return r;
	return *flag > 1 ? CERR_PROTOCOL : 0;
}

int
msg_name_encode(struct cbuf *b, const char *name)
{
	return cbuf_put_cstring(b, name);
}

int
msg_name_decode(struct cbuf *b, char *name, size_t cap)
{
	int r;

	if ((r = cbuf_get_cstring_into(b, name, cap)) != 0)
		return r;
	return cbuf_expect_end(b);
}
