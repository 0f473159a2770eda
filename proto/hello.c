/* corral: HELLO / HELLO_OK version and capability negotiation. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "msg.h"
#include "proto.h"

int
hello_negotiate(uint16_t amin, uint16_t amax, uint16_t bmin, uint16_t bmax,
    uint16_t *out)
{
	uint16_t lo = amin > bmin ? amin : bmin;
	uint16_t hi = amax < bmax ? amax : bmax;

	*out = 0;
	if (amin > amax || bmin > bmax || lo > hi)
		return CERR_VERSION;
	*out = hi;
	return 0;
}

static void
defaults(const struct hello_params *p, uint16_t *vmin, uint16_t *vmax)
{
	*vmin = p->vmin ? p->vmin : PROTO_VERSION_MIN;
	*vmax = p->vmax ? p->vmax : PROTO_VERSION;
}

/* Send an ERROR frame; best effort, since we are failing anyway. */
static void
send_error(struct transport *t, int code, const char *text)
{
	struct msg_error e = { .code = code };
	struct cbuf *b;

	snprintf(e.message, sizeof(e.message), "%s", text);
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return;
	if (msg_error_encode(b, &e) == 0)
		(void)frame_write(t, MSG_ERROR, 0, b);
	cbuf_free(b);
}

int
hello_client(struct transport *t, const struct hello_params *p,
    struct hello_result *res, char *err, size_t errlen)
{
	struct msg_hello h = { .caps = p->caps };
	struct msg_hello_ok ok;
	struct msg_error e;
	struct frame f = { 0 };
	struct cbuf *b;
	uint16_t vmin, vmax;
	int r;

	memset(res, 0, sizeof(*res));
	defaults(p, &vmin, &vmax);
	h.vmin = vmin;
	h.vmax = vmax;
	snprintf(h.software, sizeof(h.software), "%s", p->software ? p->software : "corral");
	snprintf(h.role, sizeof(h.role), "%s", p->role ? p->role : "");
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	r = msg_hello_encode(b, &h);
	if (r == 0)
		r = frame_write(t, MSG_HELLO, 0, b);
	cbuf_free(b);
	if (r != 0) {
		msg_errfmt(err, errlen, t->peer, MSG_HELLO, r);
		return r;
	}
	if ((r = frame_read(t, &f)) != 0) {
		snprintf(err, errlen, "%s: waiting for HELLO_OK: %s", t->peer,
		    cerr_str(r));
		return r;
	}
	switch (f.h.type) {
	case MSG_HELLO_OK:
		if ((r = msg_hello_ok_decode(f.payload, &ok)) != 0) {
			msg_errfmt(err, errlen, t->peer, f.h.type, r);
			break;
		}
		if (ok.version < vmin || ok.version > vmax) {
			r = CERR_VERSION;
			snprintf(err, errlen, "%s: HELLO_OK: peer chose protocol "
			    "version %u, we speak %u..%u", t->peer,
			    (unsigned)ok.version, (unsigned)vmin, (unsigned)vmax);
			break;
		}
		res->version = ok.version;
		res->caps = ok.caps & p->caps;
		snprintf(res->peer_software, sizeof(res->peer_software), "%s",
		    ok.software);
		break;
	case MSG_ERROR:
		if ((r = msg_error_decode(f.payload, &e)) != 0) {
			msg_errfmt(err, errlen, t->peer, f.h.type, r);
			break;
		}
		r = e.code == CERR_VERSION ? CERR_VERSION : CERR_REMOTE;
		snprintf(err, errlen, "%s: HELLO refused: %s", t->peer,
		    e.message);
		break;
	default:
		r = CERR_PROTOCOL;
		snprintf(err, errlen, "%s: %s before HELLO_OK: %s", t->peer,
		    proto_msg_name(f.h.type), cerr_str(r));
		break;
	}
	frame_clear(&f);
	return r;
}

int
hello_server(struct transport *t, const struct hello_params *p,
    struct hello_result *res, char *err, size_t errlen)
{
	struct msg_hello h;
	struct msg_hello_ok ok = { 0 };
	struct frame f = { 0 };
	struct cbuf *b = NULL;
	char text[MSG_ERRTEXT_MAX];
	uint16_t vmin, vmax;
	int r;

	memset(res, 0, sizeof(*res));
	defaults(p, &vmin, &vmax);
	if ((r = frame_read(t, &f)) != 0) {
		snprintf(err, errlen, "%s: waiting for HELLO: %s", t->peer,
		    cerr_str(r));
		if (r != CERR_EOF && r != CERR_IO && r != CERR_TIMEOUT)
			send_error(t, r, err);
		return r;
	}
	if (f.h.type != MSG_HELLO) {
		r = CERR_PROTOCOL;
		snprintf(err, errlen, "%s: %s before HELLO: %s", t->peer,
		    proto_msg_name(f.h.type), cerr_str(r));
		send_error(t, r, err);
		goto out;
	}
	if ((r = msg_hello_decode(f.payload, &h)) != 0) {
		msg_errfmt(err, errlen, t->peer, f.h.type, r);
		send_error(t, r, err);
		goto out;
	}
	if ((r = hello_negotiate(vmin, vmax, h.vmin, h.vmax, &ok.version)) != 0) {
		snprintf(text, sizeof(text), "protocol version mismatch: "
		    "%s speaks %u..%u, %s speaks %u..%u",
		    h.software[0] ? h.software : "client", (unsigned)h.vmin,
		    (unsigned)h.vmax, p->software ? p->software : "server",
		    (unsigned)vmin, (unsigned)vmax);
		snprintf(err, errlen, "%s: HELLO: %s", t->peer, text);
		send_error(t, r, text);
		goto out;
	}
	ok.caps = h.caps & p->caps;
	snprintf(ok.software, sizeof(ok.software), "%s",
	    p->software ? p->software : "corral");
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
		r = CERR_NOMEM;
		goto out;
	}
	if ((r = msg_hello_ok_encode(b, &ok)) != 0 ||
	    (r = frame_write(t, MSG_HELLO_OK, f.h.id, b)) != 0) {
		msg_errfmt(err, errlen, t->peer, MSG_HELLO_OK, r);
		goto out;
	}
	res->version = ok.version;
	res->caps = ok.caps;
	snprintf(res->peer_software, sizeof(res->peer_software), "%s",
	    h.software);
	snprintf(res->peer_role, sizeof(res->peer_role), "%s", h.role);
out:
	cbuf_free(b);
	frame_clear(&f);
	return r;
}
