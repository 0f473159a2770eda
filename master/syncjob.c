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

/* A session to e->cfg (host key checked, HELLO done) and its buffers:
 * in_max and out_max bytes. */
static int
sync_connect(struct master_ctx *m, struct sync_end *e, size_t in_max,
    size_t out_max, char *err, size_t errlen)
{
	struct corral_conf *cf = &m->conf;
	struct sshc_params sp = {
		.name = e->cfg.name, .address = e->cfg.address,
		.port = e->cfg.port ? e->cfg.port : cf->port,
		.key_path = cf->key, .known_hosts = cf->known_hosts,
		.timeout_s = (int)cf->timeout, .trust = SSHC_TRUST_REQUIRED,
	};
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = m->software, .role = "master" };
	struct hello_result res;

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
	s->role = "sender";
	r->role = "receiver";
	s->cfg = j->s;
	r->cfg = j->r;
	/* the receiver first: it is the one started first */
	if (sync_connect(m, r, in_max, out_max, err, errlen) != 0 ||
	    sync_connect(m, s, in_max, out_max, err, errlen) != 0)
		return -1;
	return 0;
}

int
sync_watch(void **event, struct sync_end *s, struct sync_end *r)
{
	ssh_event ev;

	if ((*event = ev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(ev, s->c.session) != SSH_OK ||
	    ssh_event_add_session(ev, r->c.session) != SSH_OK)
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
sync_progress(struct transport *cli, uint32_t id, const struct msg_progress *p)
{
	return reply_msg(cli, MSG_CLI_PROGRESS, id, msg_progress_enc, p);
}

int
sync_tick(const struct sync_job *j, struct sync_clock *c, bool moved,
    const struct msg_progress *p, char *err, size_t errlen)
{
	int64_t now = monotonic_ms();

	if (moved || c->last_move == 0)
		c->last_move = now;
	else if (now - c->last_move > SYNC_IDLE_MS) {
		snprintf(err, errlen, "transfer stalled for %d s",
		    SYNC_IDLE_MS / 1000);
		return -1;
	}
	if (j->progress != NULL && now - c->last_prog >= 250) {
		c->last_prog = now;
		j->progress(j->progress_arg, p);
	} else if (j->cli != NULL && now - c->last_prog >= 250) {
		c->last_prog = now;
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
		if (r->connected)
			ssh_event_remove_session(ev, r->c.session);
		ssh_event_free(ev);
	}
	sync_close(s);
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
