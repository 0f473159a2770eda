/* corral-master: one request to one slave on a session of its own (CLI
 * commands that act on a host: create, snapshot), with its codecs.  A
 * fresh session keeps a slow request (mkfs, a template) off the poller's. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "master.h"
#include "msg.h"
#include "proto.h"
#include "sshc.h"

/* host's entry of slaves.conf (as SIGHUP last read it) into cfg, if
 * any. */
static bool
slave_cfg(struct master_ctx *m, const char *host, struct slave_entry *cfg)
{
	const struct slave_entry *se;

	pthread_rwlock_rdlock(&m->pollers_lock);
	if ((se = slaves_conf_find(&m->slaves, host)) != NULL && cfg != NULL)
		*cfg = *se;
	pthread_rwlock_unlock(&m->pollers_lock);
	return se != NULL;
}

int
master_request(struct master_ctx *m, const char *host, uint16_t type,
    msg_enc_fn enc, const void *req, uint16_t reply_type, msg_dec_fn dec,
    void *rep, int timeout_s, char *err, size_t errlen)
{
	struct corral_conf *cf = &m->conf;
	struct slave_entry cfg;
	struct sshc c;
	struct sshc_params sp;
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = m->software, .role = "master" };
	struct hello_result res;
	struct msg_error e;
	struct frame reply = { 0 };
	struct cbuf *b;
	int r, ret = CERR_UNREACHABLE;      /* until it is asked */

	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = enc(b, req)) != 0) {
		msg_errfmt(err, errlen, host, type, r);
		cbuf_free(b);
		return r;
	}
	if (!slave_cfg(m, host, &cfg)) {
		snprintf(err, errlen, "%s: not in %s", host, cf->slaves);
		cbuf_free(b);
		return CERR_UNREACHABLE;
	}
	sp = (struct sshc_params){ .name = cfg.name, .address = cfg.address,
	    .port = cfg.port ? cfg.port : cf->port, .key_path = cf->key,
	    .known_hosts = cf->known_hosts, .timeout_s = (int)cf->timeout,
	    .trust = SSHC_TRUST_REQUIRED };
	if (sshc_connect(&c, &sp, err, errlen) != 0) {
		cbuf_free(b);
		return CERR_UNREACHABLE;
	}
	if (hello_client(&c.t, &hp, &res, err, errlen) != 0)
		goto out;
	c.t.timeout_ms = timeout_s * 1000;
	if ((r = frame_write(&c.t, type, 1, b)) != 0) {
		msg_errfmt(err, errlen, cfg.name, type, r);
		goto out;
	}
	if ((r = frame_read(&c.t, &reply)) != 0) {
		msg_errfmt(err, errlen, cfg.name, type, r);
		ret = r == CERR_REMOTE ? CERR_IO : r;    /* asked, no answer */
		goto out;
	}
	ret = CERR_REMOTE;
	if (reply.h.type == MSG_ERROR) {
		if (msg_error_decode(reply.payload, &e) == 0)
			snprintf(err, errlen, "%s: %s", cfg.name, e.message);
		else
			msg_errfmt(err, errlen, cfg.name, MSG_ERROR,
			    CERR_PROTOCOL);
		goto out;
	}
	if (reply.h.type != reply_type) {
		msg_errfmt(err, errlen, cfg.name, reply.h.type, CERR_PROTOCOL);
		ret = CERR_PROTOCOL;    /* no refusal: it may have done it */
		goto out;
	}
	(void)frame_write(&c.t, MSG_BYE, 2, NULL);
	if ((r = dec(reply.payload, rep)) != 0) {
		msg_errfmt(err, errlen, host, reply_type, r);
		ret = CERR_PROTOCOL;
		goto out;
	}
	ret = 0;
out:
	frame_clear(&reply);
	cbuf_free(b);
	sshc_close(&c);
	return ret;
}

bool
master_host_known(struct master_ctx *m, const char *host)
{
	return slave_cfg(m, host, NULL);
}
