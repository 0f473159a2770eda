/* corral: codecs of the job messages (CLI <-> master, 600s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "msg_list.h"

/* Smallest encodings, for cbuf_get_count(): strings cost their length */
#define JOB_MIN  (8 + 4 * 7 + 8 * 2 + 4 + 8 * 3 + 1 + 4)
#define STEP_MIN (4 + 8 * 2)

#define GETS(b, field) cbuf_get_cstring_into((b), (field), sizeof(field))

static const char *const states[] = {
	"queued", "running", "done", "failed", "cancelled",
};

/* A state the CLI can name: one of the five. */
static bool
known_state(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i]) == 0)
			return true;
	return false;
}

static int
put_job(struct cbuf *b, const struct msg_job *m)
{
	int r;

	if ((r = cbuf_put_i64(b, m->id)) != 0 ||
	    (r = cbuf_put_cstring(b, m->kind)) != 0 ||
	    (r = cbuf_put_cstring(b, m->container)) != 0 ||
	    (r = cbuf_put_cstring(b, m->src)) != 0 ||
	    (r = cbuf_put_cstring(b, m->dst)) != 0 ||
	    (r = cbuf_put_cstring(b, m->state)) != 0 ||
	    (r = cbuf_put_cstring(b, m->step)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_done)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_total)) != 0 ||
	    (r = cbuf_put_cstring(b, m->error)) != 0 ||
	    (r = cbuf_put_i64(b, m->created)) != 0 ||
	    (r = cbuf_put_i64(b, m->started)) != 0 ||
	    (r = cbuf_put_i64(b, m->ended)) != 0 ||
	    (r = cbuf_put_u8(b, m->cancel)) != 0 ||
	    (r = cbuf_put_cstring(b, m->result)) != 0)
		return r;
	return 0;
}

static int
get_job(struct cbuf *b, struct msg_job *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_i64(b, &m->id)) != 0 ||
	    (r = GETS(b, m->kind)) != 0 ||
	    (r = GETS(b, m->container)) != 0 ||
	    (r = GETS(b, m->src)) != 0 ||
	    (r = GETS(b, m->dst)) != 0 ||
	    (r = GETS(b, m->state)) != 0 ||
	    (r = GETS(b, m->step)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_done)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_total)) != 0 ||
	    (r = GETS(b, m->error)) != 0 ||
	    (r = cbuf_get_i64(b, &m->created)) != 0 ||
	    (r = cbuf_get_i64(b, &m->started)) != 0 ||
	    (r = cbuf_get_i64(b, &m->ended)) != 0 ||
	    (r = cbuf_get_u8(b, &m->cancel)) != 0 ||
	    (r = GETS(b, m->result)) != 0)
		return r;
	if (m->cancel > 1 || !known_state(m->state))
		return CERR_PROTOCOL;
	return 0;
}

static int
put_step(struct cbuf *b, const struct msg_job_step *m)
{
	int r;

	if ((r = cbuf_put_cstring(b, m->step)) != 0 ||
	    (r = cbuf_put_i64(b, m->started)) != 0 ||
	    (r = cbuf_put_i64(b, m->ended)) != 0)
		return r;
	return 0;
}

static int
get_step(struct cbuf *b, struct msg_job_step *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = GETS(b, m->step)) != 0 ||
	    (r = cbuf_get_i64(b, &m->started)) != 0 ||
	    (r = cbuf_get_i64(b, &m->ended)) != 0)
		return r;
	return 0;
}

static int put_job_v(struct cbuf *b, const void *p) { return put_job(b, p); }
static int get_job_v(struct cbuf *b, void *p) { return get_job(b, p); }
static int put_step_v(struct cbuf *b, const void *p) { return put_step(b, p); }
static int get_step_v(struct cbuf *b, void *p) { return get_step(b, p); }

int
msg_job_encode(struct cbuf *b, const struct msg_job *m)
{
	return put_job(b, m);
}

int
msg_job_decode(struct cbuf *b, struct msg_job *m)
{
	int r;

	if ((r = get_job(b, m)) != 0)
		return r;
	return cbuf_expect_end(b);
}

int
msg_job_list_encode(struct cbuf *b, const struct msg_job *v, size_t n)
{
	return msg_put_list(b, v, n, sizeof(*v), put_job_v);
}

int
msg_job_list_decode(struct cbuf *b, struct msg_job_list *l)
{
	return msg_get_list(b, (void **)&l->v, &l->n, sizeof(*l->v), JOB_MIN,
	    get_job_v);
}

void
msg_job_list_free(struct msg_job_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
msg_job_detail_encode(struct cbuf *b, const struct msg_job_detail *m)
{
	int r;

	if ((r = put_job(b, &m->job)) != 0)
		return r;
	return msg_put_list(b, m->steps, m->n_steps, sizeof(*m->steps),
	    put_step_v);
}

int
msg_job_detail_decode(struct cbuf *b, struct msg_job_detail *m)
{
	int r;

	m->steps = NULL;
	m->n_steps = 0;
	if ((r = get_job(b, &m->job)) != 0)
		return r;
	return msg_get_list(b, (void **)&m->steps, &m->n_steps,
	    sizeof(*m->steps), STEP_MIN, get_step_v);
}

void
msg_job_detail_free(struct msg_job_detail *m)
{
	free(m->steps);
	m->steps = NULL;
	m->n_steps = 0;
}

int
msg_job_req_encode(struct cbuf *b, const struct msg_job_req *m)
{
	int r;

	if ((r = cbuf_put_i64(b, m->id)) != 0 ||
	    (r = cbuf_put_u8(b, m->wait)) != 0)
		return r;
	return 0;
}

int
msg_job_req_decode(struct cbuf *b, struct msg_job_req *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_i64(b, &m->id)) != 0 ||
	    (r = cbuf_get_u8(b, &m->wait)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return m->wait > 1 ? CERR_PROTOCOL : 0;
}

int
msg_job_progress_encode(struct cbuf *b, const struct msg_job_progress *m)
{
	int r;

	if ((r = cbuf_put_i64(b, m->id)) != 0 ||
	    (r = cbuf_put_cstring(b, m->step)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_done)) != 0 ||
	    (r = cbuf_put_u64(b, m->bytes_total)) != 0)
		return r;
	return 0;
}

int
msg_job_progress_decode(struct cbuf *b, struct msg_job_progress *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_i64(b, &m->id)) != 0 ||
	    (r = GETS(b, m->step)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_done)) != 0 ||
	    (r = cbuf_get_u64(b, &m->bytes_total)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_id_encode(struct cbuf *b, int64_t id)
{
	return cbuf_put_i64(b, id);
}

int
msg_id_decode(struct cbuf *b, int64_t *id)
{
	int r;

	if ((r = cbuf_get_i64(b, id)) != 0)
		return r;
	return cbuf_expect_end(b);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The n bytes of v into out (len bytes), %XX decoded. */
static void
kv_decode(const char *v, size_t n, char *out, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n && o + 1 < len; i++) {
		if (v[i] == '%' && i + 2 < n &&
		    (hi = hexval(v[i + 1])) >= 0 &&
		    (lo = hexval(v[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = v[i];
	}
	out[o] = '\0';
}

const char *
msg_kv_get(const char *text, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = text;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ') && p[kl] == '=') {
			p += kl + 1;
			kv_decode(p, strcspn(p, " "), out, len);
			break;
		}
		p += kl;
	}
	return out;
}

uint64_t
msg_kv_u64(const char *text, const char *key)
{
	char v[32];

	return strtoull(msg_kv_get(text, key, v, sizeof(v)), NULL, 10);
}

int
msg_kv_put(char *text, size_t cap, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(text), o;
	const unsigned char *v = (const unsigned char *)value;

	o = n + (n > 0) + strlen(key) + 1;
	if (o >= cap)
		return -1;
	snprintf(text + n, cap - n, "%s%s=", n > 0 ? " " : "", key);
	for (; *v != '\0'; v++) {
		if (*v > ' ' && *v != '%' && *v != 0x7f) {
			if (o + 1 >= cap)
				goto full;
			text[o++] = (char)*v;
		} else {
			if (o + 3 >= cap)
				goto full;
			text[o++] = '%';
			text[o++] = hex[*v >> 4];
			text[o++] = hex[*v & 15];
		}
	}
	text[o] = '\0';
	return 0;
full:
	text[n] = '\0';
	return -1;
}
