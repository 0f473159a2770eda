/* corral-master: `corral sync` — a tree transfer from one slave to
 * another, direct between the slaves or relayed (corral.conf `transfer`),
 * and the pieces both ways share. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "sync.h"

int
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
	struct cbuf *b = cbuf_new(64);
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	if ((r = msg_progress_encode(b, p)) == 0)
		r = frame_write(cli, MSG_CLI_PROGRESS, id, b);
	cbuf_free(b);
	return r;
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
	if (j->cli != NULL && now - c->last_prog >= 250) {
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

int
master_sync(struct master_ctx *m, const struct msg_sync_req *q,
    struct transport *cli, uint32_t id, struct msg_sync_result *res,
    char *err, size_t errlen)
{
	struct tree_req tq = { .opts = q->opts,
	    .zlevel = (uint8_t)m->conf.compress_level };
	struct sync_job j = { .q = q, .tq = &tq, .cli = cli, .id = id };
	const struct slave_entry *se, *re;
	bool direct = m->conf.transfer == CONF_TRANSFER_DIRECT;
	int rc;

	pthread_rwlock_rdlock(&m->pollers_lock);
	se = slaves_conf_find(&m->slaves, q->src_host);
	re = slaves_conf_find(&m->slaves, q->dst_host);
	/* per-host settings of slaves.conf: the stricter one wins */
	if (se && re) {
		j.s = *se;
		j.r = *re;
		if (se->compress || re->compress)
			tq.opts |= TREE_OPT_COMPRESS;
		tq.bwlimit = se->bwlimit;
		if (re->bwlimit && (!tq.bwlimit || re->bwlimit < tq.bwlimit))
			tq.bwlimit = re->bwlimit;
	}
	pthread_rwlock_unlock(&m->pollers_lock);
	if (se == NULL || re == NULL) {
		snprintf(err, errlen, "%s: not in %s", se ? q->dst_host :
		    q->src_host, m->conf.slaves);
		return -1;
	}
	log_info("sync %s:%s -> %s:%s started (%s)", q->src_host, q->src_path,
	    q->dst_host, q->dst_path, direct ? "direct" : "relayed");
	rc = 1;
	if (direct) {
		if (getrandom(tq.key, sizeof(tq.key), 0) != sizeof(tq.key)) {
			snprintf(err, errlen, "no random key for the transfer");
			return -1;
		}
		tq.opts |= TREE_OPT_DIRECT;
		rc = master_sync_direct(m, &j, res, err, errlen);
		memset(tq.key, 0, sizeof(tq.key));
		if (rc == 1)
			log_warn("sync %s -> %s: %s; relaying it instead",
			    q->src_host, q->dst_host, err);
	}
	if (rc == 1) {
		err[0] = '\0';
		tq.opts &= ~(uint32_t)TREE_OPT_DIRECT;
		rc = master_sync_relay(m, &j, res, err, errlen);
	}
	if (rc == 0)
		log_info("sync %s:%s -> %s:%s done", q->src_host, q->src_path,
		    q->dst_host, q->dst_path);
	else
		log_warn("sync %s:%s -> %s:%s failed: %s", q->src_host,
		    q->src_path, q->dst_host, q->dst_path, err);
	return rc == 0 ? 0 : -1;
}
