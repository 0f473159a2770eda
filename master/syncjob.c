/* corral-master: what the two ways of running `corral sync` share: the
 * sessions to both slaves, starting an end, reading it, the clock and
 * progress to the CLI. */
#include <stdio.h>
#include <string.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "reqloop.h"
#include "syncjob.h"

MSG_ENC(msg_progress)

int
sync_end_open(struct master_ctx *m, struct sync_end *e, const char *role,
    const struct slave_entry *cfg, size_t in_max, size_t out_max, char *err,
    size_t errlen)
{
	struct corral_conf *cf = &m->conf;
	struct sshc_params sp;
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = m->software, .role = "master" };
	struct hello_result res;

	e->role = role;
	e->cfg = *cfg;
	sp = (struct sshc_params){
		.name = e->cfg.name, .address = e->cfg.address,
		.port = e->cfg.port ? e->cfg.port : cf->port,
		.key_path = cf->key, .known_hosts = cf->known_hosts,
		.timeout_s = (int)cf->timeout, .trust = SSHC_TRUST_REQUIRED,
	};
	if (sshc_connect(&e->c, &sp, err, errlen) != 0)
		return -1;
	e->connected = true;
	if (hello_client(&e->c.t, &hp, &res, err, errlen) != 0)
		return -1;
	e->in = cbuf_new(in_max);
	e->out = cbuf_new(out_max);
	return e->in && e->out ? 0 : -1;
}

int
sync_open(struct master_ctx *m, const struct sync_job *j, struct sync_end *s,
    struct sync_end *r, size_t in_max, size_t out_max, char *err,
    size_t errlen)
{
	/* the receiver first: it is the one started first */
	if (sync_end_open(m, r, "receiver", &j->r, in_max, out_max, err,
	    errlen) != 0 ||
	    sync_end_open(m, s, "sender", &j->s, in_max, out_max, err,
	    errlen) != 0)
		return -1;
	return 0;
}

int
sync_watch(void **event, struct sync_end *s, struct sync_end *r)
{
	ssh_event ev;

	if ((*event = ev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(ev, s->c.session) != SSH_OK ||
	    (r != NULL && ssh_event_add_session(ev, r->c.session) != SSH_OK))
		return -1;
	return 0;
}

void
sync_close(struct sync_end *e)
{
	if (e->connected)
		sshc_close(&e->c);
	e->connected = false;
	cbuf_free(e->in);
	cbuf_free(e->out);
	e->in = e->out = NULL;
	e->eof = false;
}

int
sync_start(struct sync_end *e, uint16_t type, const struct tree_req *q,
    const char *path, char *err, size_t errlen)
{
	struct cbuf *b = cbuf_new(8192);
	struct tree_req t = *q;
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	snprintf(t.path, sizeof(t.path), "%s", path);
	r = tree_req_encode(b, &t);
	memset(t.key, 0, sizeof(t.key));
	if (r == 0)
		r = frame_write(&e->c.t, type, 1, b);
	cbuf_free(b);
	if (r != 0)
		msg_errfmt(err, errlen, e->cfg.name, type, r);
	return r;
}

int
sync_read(struct sync_end *e, bool *moved, char *err, size_t errlen)
{
	size_t room = cbuf_max(e->in) - cbuf_len(e->in);
	uint8_t *p;
	int n;

	if (e->eof || room == 0)
		return 0;
	/* reads of megabytes make libssh open the channel window as wide */
	if (room > (4u << 20))
		room = 4u << 20;
	if (cbuf_reserve(e->in, room, &p) != 0)
		return 0;
	n = ssh_channel_read_nonblocking(e->c.channel, p, (uint32_t)room, 0);
	cbuf_unreserve(e->in, n > 0 ? room - (size_t)n : room);
	if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(e->c.channel))) {
		e->eof = true;
		return 0;
	}
	if (n == SSH_ERROR) {
		snprintf(err, errlen, "%s: connection lost: %s", e->cfg.name,
		    ssh_get_error(e->c.session));
		return CERR_IO;
	}
	if (n > 0)
		*moved = true;
	return 0;
}

int
sync_await_port(struct sync_end *r, uint16_t *port, char *err, size_t errlen)
{
	struct frame f = { 0 };
	struct msg_error e;
	int rc;

	if ((rc = frame_read(&r->c.t, &f)) != 0) {
		msg_errfmt(err, errlen, r->cfg.name, f.h.type, rc);
		return -1;
	}
	rc = -1;
	if (f.h.type == MSG_TREE_LISTEN &&
	    msg_listen_decode(f.payload, port) == 0)
		rc = 0;
	else if (f.h.type == MSG_ERROR && msg_error_decode(f.payload, &e) == 0)
		snprintf(err, errlen, "%s: %s", r->cfg.name, e.message);
	else
		snprintf(err, errlen, "%s: unexpected %s instead of TREE_LISTEN",
		    r->cfg.name, proto_msg_name(f.h.type));
	frame_clear(&f);
	return rc;
}

/* One whole frame from an end of a direct transfer. */
static int
heard_frame(struct sync_end *from, struct sync_heard *w,
    const struct frame_hdr *h, const uint8_t *pl, char *err, size_t errlen)
{
	struct cbuf *b = cbuf_from(pl, h->len);
	struct msg_error e;
	int r = CERR_PROTOCOL;

	if (b == NULL)
		return CERR_NOMEM;
	if (h->type == MSG_ERROR && msg_error_decode(b, &e) == 0) {
		w->code = e.code ? e.code : CERR_REMOTE;
		snprintf(w->msg, sizeof(w->msg), "%s", e.message);
		r = 0;
	} else if (w->sender && h->type == MSG_TREE_PROGRESS)
		r = msg_progress_decode(b, &w->prog);
	else if (h->type == (w->sender ? MSG_TREE_END : MSG_TREE_DONE) &&
	    (r = tree_stats_decode(b, &w->st)) == 0)
		w->ended = true;
	cbuf_free(b);
	if (r != 0)
		snprintf(err, errlen, "%s: unexpected %s during a direct "
		    "transfer", from->cfg.name, proto_msg_name(h->type));
	return r;
}

int
sync_hear(struct sync_end *e, struct sync_heard *w, bool *moved, char *err,
    size_t errlen)
{
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;
	int r;

	if ((r = sync_read(e, moved, err, errlen)) != 0)
		return r;
	while ((r = frame_parse(cbuf_ptr(e->in), cbuf_len(e->in), &h, &pl,
	    &used)) == 0) {
		if ((r = heard_frame(e, w, &h, pl, err, errlen)) != 0)
			return r;
		cbuf_consume(e->in, used);
	}
	if (r != CERR_TRUNCATED) {
		msg_errfmt(err, errlen, e->cfg.name, h.type, r);
		return r;
	}
	return 0;
}

int
sync_progress(struct transport *cli, uint32_t id, const struct msg_progress *p)
{
	return reply_msg(cli, MSG_CLI_PROGRESS, id, msg_progress_enc, p);
}

int
sync_clock_tick(struct sync_clock *c, bool moved, char *err, size_t errlen)
{
	int64_t now = monotonic_ms();
	int64_t idle = c->idle_ms > 0 ? c->idle_ms : SYNC_IDLE_MS;

	if (moved || c->last_move == 0)
		c->last_move = now;
	else if (now - c->last_move > idle) {
		snprintf(err, errlen, "transfer stalled for %lld s",
		    (long long)(idle / 1000));
		return -1;
	}
	if (now - c->last_prog < 250)
		return 0;
	c->last_prog = now;
	return 1;
}

int
sync_tick(const struct sync_job *j, struct sync_clock *c, bool moved,
    const struct msg_progress *p, char *err, size_t errlen)
{
	int r = sync_clock_tick(c, moved, err, errlen);

	if (r < 0)
		return -1;
	if (r == 1 && j->progress != NULL)
		j->progress(j->progress_arg, p);
	else if (r == 1 && j->cli != NULL) {
		if (sync_progress(j->cli, j->id, p) != 0) {
			snprintf(err, errlen, "the CLI went away");
			return -1;
		}
	}
	return 0;
}

void
sync_finish(void *event, struct sync_end *s, struct sync_end *r)
{
	ssh_event ev = event;

	if (ev != NULL) {
		if (s->connected)
			ssh_event_remove_session(ev, s->c.session);
		if (r != NULL && r->connected)
			ssh_event_remove_session(ev, r->c.session);
		ssh_event_free(ev);
	}
	sync_close(s);
	if (r != NULL)
		sync_close(r);
}

void
sync_result(struct msg_sync_result *res, const struct tree_stats *st)
{
	res->files = st->files;
	res->files_changed = st->files_changed;
	res->deleted = st->deleted;
	res->literal_bytes = st->literal_bytes;
	res->matched_bytes = st->matched_bytes;
}
