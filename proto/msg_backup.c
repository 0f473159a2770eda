/* corral: codecs of the backup messages (CLI <-> master, 650s): the
 * store's versions, verify and prune. */
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "msg_list.h"

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

/* Smallest encodings, for cbuf_get_count(): a string costs its u32 length */
#define VERSION_MIN (4 * 5 + 8 * 5 + 1)
#define PROBLEM_MIN (4 * 2)
#define PRUNE_MIN   (4 * 3 + 8 + 2)

static int
put_version(struct cbuf *b, const void *p)
{
	const struct msg_version *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_cstring(b, m->kind)) != 0 ||
	    (r = cbuf_put_cstring(b, m->method)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_i64(b, m->created)) != 0 ||
	    (r = cbuf_put_u64(b, m->files)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes)) != 0 ||
	    (r = cbuf_put_u64(b, m->stored)) != 0 ||
	    (r = cbuf_put_i64(b, m->verified)) != 0 ||
	    (r = cbuf_put_u8(b, m->bad)) != 0)
		return r;
	return 0;
}

static int
get_version(struct cbuf *b, void *p)
{
	struct msg_version *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = GETS(b, m->kind)) != 0 ||
	    (r = GETS(b, m->method)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = cbuf_get_i64(b, &m->created)) != 0 ||
	    (r = cbuf_get_u64(b, &m->files)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes)) != 0 ||
	    (r = cbuf_get_u64(b, &m->stored)) != 0 ||
	    (r = cbuf_get_i64(b, &m->verified)) != 0 ||
	    (r = cbuf_get_u8(b, &m->bad)) != 0)
		return r;
	return m->bad > 1 ? CERR_PROTOCOL : 0;
}

int
msg_version_list_encode(struct cbuf *b, const struct msg_version *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_version);
}

int
msg_version_list_decode(struct cbuf *b, struct msg_version_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v),
	    VERSION_MIN, get_version);
}

void
msg_version_list_free(struct msg_version_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_verify_req_encode(struct cbuf *b, const struct msg_verify_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0)
		return r;
	return 0;
}

int
msg_verify_req_decode(struct cbuf *b, struct msg_verify_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

static int
put_problem(struct cbuf *b, const void *p)
{
	const struct msg_problem *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->what)) != 0 ||
	    (r = cbuf_put_cstring(b, m->path)) != 0)
		return r;
	return 0;
}

static int
get_problem(struct cbuf *b, void *p)
{
	struct msg_problem *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->what)) != 0 ||
	    (r = GETS(b, m->path)) != 0)
		return r;
	return 0;
}

int
msg_verify_encode(struct cbuf *b, const struct msg_verify *m)
{
	int r;

	if (m->n > MSG_VERIFY_SHOWN)
		return CERR_BAD_COUNT;
	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_u8(b, m->good)) != 0 ||
	    (r = cbuf_put_u32(b, m->problems)) != 0 ||
	    (r = cbuf_put_cstring(b, m->error)) != 0)
		return r;
	return msg_put_list(b, m->v, m->n, sizeof(*m->v), put_problem);
}

int
msg_verify_decode(struct cbuf *b, struct msg_verify *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = cbuf_get_u8(b, &m->good)) != 0 ||
	    (r = cbuf_get_u32(b, &m->problems)) != 0 ||
	    (r = GETS(b, m->error)) != 0)
		return r;
	if (m->good > 1)
		return CERR_PROTOCOL;
	if ((r = msg_get_list(b, (void **)&m->v, &m->n, sizeof(*m->v),
	    PROBLEM_MIN, get_problem)) != 0)
		return r;
	/* the listed ones are among the counted, and at most so many */
	if (m->n > MSG_VERIFY_SHOWN || m->n > m->problems) {
		msg_verify_free(m);
		return CERR_PROTOCOL;
	}
	return 0;
}

void
msg_verify_free(struct msg_verify *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

int
msg_prune_req_encode(struct cbuf *b, const struct msg_prune_req *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0)
		return r;
	return 0;
}

int
msg_prune_req_decode(struct cbuf *b, struct msg_prune_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->flags & ~MSG_PRUNE_FLAGS_KNOWN ? CERR_PROTOCOL : 0;
}

static int
put_prune(struct cbuf *b, const void *p)
{
	const struct msg_prune_rec *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_i64(b, m->created)) != 0 ||
	    (r = cbuf_put_u8(b, m->keep)) != 0 ||
	    (r = cbuf_put_u8(b, m->removed)) != 0 ||
	    (r = cbuf_put_cstring(b, m->reason)) != 0)
		return r;
	return 0;
}

static int
get_prune(struct cbuf *b, void *p)
{
	struct msg_prune_rec *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = cbuf_get_i64(b, &m->created)) != 0 ||
	    (r = cbuf_get_u8(b, &m->keep)) != 0 ||
	    (r = cbuf_get_u8(b, &m->removed)) != 0 ||
	    (r = GETS(b, m->reason)) != 0)
		return r;
	/* a kept version is not removed */
	return m->keep > 1 || m->removed > 1 || (m->keep && m->removed) ?
	    CERR_PROTOCOL : 0;
}

int
msg_prune_list_encode(struct cbuf *b, const struct msg_prune_rec *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_prune);
}

int
msg_prune_list_decode(struct cbuf *b, struct msg_prune_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v),
	    PRUNE_MIN, get_prune);
}

void
msg_prune_list_free(struct msg_prune_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_backup_req_encode(struct cbuf *b, const struct msg_backup_req *m)
{
	size_t i;
	int r;

	if (m->n > MSG_BACKUP_NAMES_MAX)
		return CERR_BAD_COUNT;
	if ((r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_u32(b, m->flags)) != 0 ||
	    (r = cbuf_put_u32(b, (uint32_t)m->n)) != 0)
		return r;
	for (i = 0; i < m->n; i++)
		if ((r = cbuf_put_cstring(b, m->names[i])) != 0)
			return r;
	return 0;
}

int
msg_backup_req_decode(struct cbuf *b, struct msg_backup_req *m)
{
	uint32_t n, i;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->host)) != 0 ||
	    (r = cbuf_get_u32(b, &m->flags)) != 0 ||
	    (r = cbuf_get_count(b, MSG_BACKUP_NAMES_MAX, 4, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = GETS(b, m->names[i])) != 0)
			return r;
	m->n = n;
	if ((r = cbuf_expect_end(b)) != 0)
		return r;
	return m->flags & ~MSG_BACKUP_FLAGS_KNOWN ? CERR_PROTOCOL : 0;
}

#define ITEM_MIN (4 * 6 + 8 * 6 + 4)

static int
put_item(struct cbuf *b, const void *p)
{
	const struct msg_backup_item *m = p;
	int r;

	if ((r = cbuf_put_cstring(b, m->ct)) != 0 ||
	    (r = cbuf_put_cstring(b, m->host)) != 0 ||
	    (r = cbuf_put_cstring(b, m->mode)) != 0 ||
	    (r = cbuf_put_cstring(b, m->outcome)) != 0 ||
	    (r = cbuf_put_i64(b, m->job)) != 0 ||
	    (r = cbuf_put_cstring(b, m->version)) != 0 ||
	    (r = cbuf_put_u64(b, m->files)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes)) != 0 ||
	    (r = cbuf_put_u64(b, m->wire)) != 0 ||
	    (r = cbuf_put_u64(b, m->stored)) != 0 ||
	    (r = cbuf_put_u64(b, m->ms)) != 0 ||
	    (r = cbuf_put_cstring(b, m->reason)) != 0)
		return r;
	return 0;
}

static int
get_item(struct cbuf *b, void *p)
{
	struct msg_backup_item *m = p;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->ct)) != 0 ||
	    (r = GETS(b, m->host)) != 0 ||
	    (r = GETS(b, m->mode)) != 0 ||
	    (r = GETS(b, m->outcome)) != 0 ||
	    (r = cbuf_get_i64(b, &m->job)) != 0 ||
	    (r = GETS(b, m->version)) != 0 ||
	    (r = cbuf_get_u64(b, &m->files)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes)) != 0 ||
	    (r = cbuf_get_u64(b, &m->wire)) != 0 ||
	    (r = cbuf_get_u64(b, &m->stored)) != 0 ||
	    (r = cbuf_get_u64(b, &m->ms)) != 0 ||
	    (r = GETS(b, m->reason)) != 0)
		return r;
	return 0;
}

int
msg_backup_list_encode(struct cbuf *b, const struct msg_backup_item *v,
    size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_item);
}

int
msg_backup_list_decode(struct cbuf *b, struct msg_backup_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v), ITEM_MIN,
	    get_item);
}

void
msg_backup_list_free(struct msg_backup_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
