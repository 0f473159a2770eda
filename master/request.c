/* corral-master: one request to one slave on a session of its own (CLI
 * commands that act on a host: create, snapshot).  A fresh session keeps a
 * slow request (mkfs, a template) off the poller's. */
#include <stdio.h>
#include <string.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "master.h"
#include "msg.h"
#include "proto.h"
#include "sshc.h"

int
master_request(struct master_ctx *m, const char *host, uint16_t type,
    const struct cbuf *payload, uint16_t reply_type, int timeout_s,
    struct frame *reply, char *err, size_t errlen)
{
	struct corral_conf *cf = &m->conf;
	const struct slave_entry *se;
	struct slave_entry cfg;
	struct sshc c;
	struct sshc_params sp;
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = m->software, .role = "master" };
	struct hello_result res;
	struct msg_error e;
	int r, ret = -1;

	memset(reply, 0, sizeof(*reply));
	pthread_rwlock_rdlock(&m->pollers_lock);
	if ((se = slaves_conf_find(&m->slaves, host)) != NULL)
		cfg = *se;
	pthread_rwlock_unlock(&m->pollers_lock);
	if (se == NULL) {
		snprintf(err, errlen, "%s: not in %s", host, cf->slaves);
		return -1;
	}
	sp = (struct sshc_params){ .name = cfg.name, .address = cfg.address,
	    .port = cfg.port ? cfg.port : cf->port, .key_path = cf->key,
	    .known_hosts = cf->known_hosts, .timeout_s = (int)cf->timeout,
	    .trust = SSHC_TRUST_REQUIRED };
	if (sshc_connect(&c, &sp, err, errlen) != 0)
		return -1;
	if (hello_client(&c.t, &hp, &res, err, errlen) != 0)
		goto out;
	c.t.timeout_ms = timeout_s * 1000;
	if ((r = frame_write(&c.t, type, 1, payload)) != 0 ||
	    (r = frame_read(&c.t, reply)) != 0) {
		msg_errfmt(err, errlen, cfg.name, type, r);
		goto out;
	}
	if (reply->h.type == MSG_ERROR) {
		if (msg_error_decode(reply->payload, &e) == 0)
			snprintf(err, errlen, "%s: %s", cfg.name, e.message);
		else
			msg_errfmt(err, errlen, cfg.name, MSG_ERROR,
			    CERR_PROTOCOL);
		frame_clear(reply);
		goto out;
	}
	if (reply->h.type != reply_type) {
		msg_errfmt(err, errlen, cfg.name, reply->h.type, CERR_PROTOCOL);
		frame_clear(reply);
		goto out;
	}
	(void)frame_write(&c.t, MSG_BYE, 2, NULL);
	ret = 0;
out:
	sshc_close(&c);
	return ret;
}
