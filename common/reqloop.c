/* corral: the request loop of a daemon's session and its replies. */
#include <stdarg.h>
#include <stdio.h>

#include "cerr.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "reqloop.h"

MSG_ENC(msg_error)
MSG_CODECS(msg_ping)

int
reply_error(struct transport *t, uint32_t id, int code, const char *fmt, ...)
{
	struct msg_error e = { .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	return reply_msg(t, MSG_ERROR, id, msg_error_enc, &e);
}

int
reply_msg(struct transport *t, uint16_t type, uint32_t id, msg_enc_fn enc,
    const void *m)
{
	struct cbuf *b;
	int r;

	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = enc(b, m)) == 0)
		r = frame_write(t, type, id, b);
	cbuf_free(b);
	return r;
}

int
reqloop_ping(struct reqloop *l, const struct frame *f)
{
	struct msg_ping p;
	int r;

	if ((r = msg_ping_decode(f->payload, &p)) != 0)
		return r;
	return reply_msg(l->t, MSG_PONG, f->h.id, msg_ping_enc, &p);
}

int
reqloop_bye(struct reqloop *l, const struct frame *f)
{
	int r;

	if ((r = msg_empty_decode(f->payload)) != 0)
		return r;
	l->done = true;
	return frame_write(l->t, MSG_BYE, f->h.id, NULL);
}

int
reqloop_peer_error(struct reqloop *l, const struct frame *f)
{
	struct msg_error e;
	int r;

	if ((r = msg_error_decode(f->payload, &e)) != 0)
		return r;
	log_warn("%s: peer reported: %s", l->t->peer, e.message);
	return 0;
}

/* The row of f's type, checked and flagged, then its handler. */
static int
serve(struct reqloop *l, const struct frame *f)
{
	const struct req_handler *h;
	uint32_t bit;
	int saved, r;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->table[i].type == f->h.type)
			break;
	/* a known type, but not one this daemon serves (e.g. HELLO) */
	if (i == l->n)
		return CERR_PROTOCOL;
	h = &l->table[i];
	bit = 1u << i;
	/* malformed is refused here, so a takeover starts only on a
	 * request its handler can read */
	if ((r = msg_validate(f->h.type, cbuf_ptr(f->payload),
	    cbuf_len(f->payload))) != 0)
		return r;
	if (h->flags & REQ_ONCE) {
		if (l->used & bit)
			return CERR_PROTOCOL;
		l->used |= bit;
	}
	if (h->flags & REQ_TAKEOVER)
		l->done = true;
	if (!(h->flags & REQ_STREAMS))
		return h->fn(l, f);
	saved = l->t->timeout_ms;
	l->t->timeout_ms = -1;
	r = h->fn(l, f);
	l->t->timeout_ms = saved;
	return r;
}

int
reqloop_run(struct reqloop *l)
{
	struct transport *t = l->t;
	struct frame f;
	char err[512];
	int r = 0;

	if (l->n > REQLOOP_ROWS_MAX)
		return CERR_INVALID;
	while (!l->done) {
		if ((r = frame_read(t, &f)) != 0) {
			if (r == CERR_EOF) {
				r = 0;  /* peer went away between requests */
				break;
			}
			msg_errfmt(err, sizeof(err), t->peer, f.h.type, r);
			log_warn("%s", err);
			/* a stream that broke takes no answer */
			if (r != CERR_IO && r != CERR_TIMEOUT)
				(void)reply_error(t, f.h.id, r, "%s", err);
			break;
		}
		/* a malformed or misplaced request is answered, the session
		 * goes on; a lost stream ends it */
		if ((r = serve(l, &f)) != 0 && r != CERR_IO && r != CERR_EOF) {
			msg_errfmt(err, sizeof(err), t->peer, f.h.type, r);
			if (l->log_refusals)
				log_warn("%s", err);
			r = reply_error(t, f.h.id, r, "%s", err);
		}
		frame_clear(&f);
		if (r != 0)
			break;
	}
	return r;
}
