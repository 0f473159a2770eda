/* corral-master: per-slave poller threads. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cerr.h"
#include "frame.h"
#include "hello.h"
#include "inventory.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "poller.h"
#include "proto.h"
#include "sshc.h"

struct poller {
	struct master_ctx *m;
	struct slave_entry cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t wanted;        /* highest round asked for */
	uint64_t done;          /* highest round finished */
	int stop;
	/* owned by the thread */
	struct sshc conn;
	int connected;
	uint32_t next_id;
	struct inventory *inv;
};

const char *
poller_name(const struct poller *p)
{
	return p->cfg.name;
}

/* Send a request and read its reply; a reply of another type is an
 * error, an ERROR reply carries the slave's message. */
static int
call(struct poller *p, uint16_t type, struct cbuf *req, uint16_t want,
    struct frame *f, char *err, size_t errlen)
{
	struct msg_error e;
	uint32_t id = ++p->next_id;
	int r;

	if ((r = frame_write(&p->conn.t, type, id, req)) != 0 ||
	    (r = frame_read(&p->conn.t, f)) != 0) {
		msg_errfmt(err, errlen, p->cfg.name, type, r);
		return r;
	}
	if (f->h.type == MSG_ERROR) {
		if (msg_error_decode(f->payload, &e) == 0)
			snprintf(err, errlen, "%s: %s: %.400s", p->cfg.name,
			    proto_msg_name(type), e.message);
		else
			msg_errfmt(err, errlen, p->cfg.name, type, CERR_REMOTE);
		frame_clear(f);
		return CERR_REMOTE;
	}
	if (f->h.type != want || f->h.id != id) {
		msg_errfmt(err, errlen, p->cfg.name, f->h.type, CERR_PROTOCOL);
		frame_clear(f);
		return CERR_PROTOCOL;
	}
	return 0;
}

static int
connect_slave(struct poller *p, char *err, size_t errlen)
{
	struct corral_conf *cf = &p->m->conf;
	struct sshc_params sp = {
		.name = p->cfg.name,
		.address = p->cfg.address,
		.port = p->cfg.port ? p->cfg.port : cf->port,
		.key_path = cf->key,
		.known_hosts = cf->known_hosts,
		.timeout_s = (int)cf->timeout,
		.trust = SSHC_TRUST_REQUIRED,
	};
	struct hello_params hp = { .caps = PROTO_CAPS_ALL,
	    .software = p->m->software, .role = "master" };
	struct hello_result res;

	if (sshc_connect(&p->conn, &sp, err, errlen) != 0)
		return -1;
	if (hello_client(&p->conn.t, &hp, &res, err, errlen) != 0) {
		sshc_close(&p->conn);
		return -1;
	}
	p->connected = 1;
	log_info("%s: connected (%s, protocol %u)", p->cfg.name,
	    res.peer_software, (unsigned)res.version);
	return 0;
}

static int
poll_round(struct poller *p, char *err, size_t errlen)
{
	struct msg_host_info hi;
	struct msg_ct_list cts = { 0 };
	struct frame f = { 0 };
	struct cbuf *req;
	int r;

	if (!p->connected && connect_slave(p, err, errlen) != 0)
		return -1;
	if ((req = cbuf_new(PROTO_NAME_MAX + 8)) == NULL ||
	    msg_name_encode(req, "") != 0) {
		cbuf_free(req);
		snprintf(err, errlen, "%s: out of memory", p->cfg.name);
		return -1;
	}
	r = call(p, MSG_HOST_INFO_REQ, NULL, MSG_HOST_INFO, &f, err, errlen);
	if (r == 0) {
		r = msg_host_info_decode(f.payload, &hi);
		if (r != 0)
			msg_errfmt(err, errlen, p->cfg.name, MSG_HOST_INFO, r);
		frame_clear(&f);
	}
	if (r == 0) {
		r = call(p, MSG_CT_LIST_REQ, req, MSG_CT_LIST, &f, err, errlen);
		if (r == 0) {
			r = msg_ct_list_decode(f.payload, &cts);
			if (r != 0)
				msg_errfmt(err, errlen, p->cfg.name,
				    MSG_CT_LIST, r);
			frame_clear(&f);
		}
	}
	cbuf_free(req);
	if (r != 0) {
		/* the session may be out of step: start afresh next round */
		sshc_close(&p->conn);
		p->connected = 0;
		return -1;
	}
	if (inventory_host_up(p->inv, p->cfg.name, &hi, cts.v, cts.n,
	    (int64_t)time(NULL)) != 0)
		log_error("%s: inventory: %s", p->cfg.name,
		    inventory_errmsg(p->inv));
	msg_ct_list_free(&cts);
	return 0;
}

/* A session kept between rounds may have died meanwhile (the slave
 * restarted): then reconnect at once rather than report it down. */
static int
poll_once(struct poller *p, char *err, size_t errlen)
{
	int was_connected = p->connected;

	if (poll_round(p, err, errlen) == 0)
		return 0;
	if (!was_connected)
		return -1;
	log_info("%s: session lost (%s), reconnecting", p->cfg.name, err);
	return poll_round(p, err, errlen);
}

static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	char err[512];
	struct timespec ts;
	uint64_t round;
	int64_t interval_ms = (int64_t)p->m->conf.poll_interval * 1000;
	int64_t next = 0;

	p->inv = inventory_open(p->m->conf.inventory, err, sizeof(err));
	if (p->inv == NULL)
		log_error("%s: %s", p->cfg.name, err);
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		if (p->wanted <= p->done && monotonic_ms() < next) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;  /* re-check the interval each second */
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
			continue;
		}
		round = p->wanted;
		pthread_mutex_unlock(&p->lock);
		if (p->inv != NULL && poll_once(p, err, sizeof(err)) != 0) {
			log_warn("%s: down: %s", p->cfg.name, err);
			if (inventory_host_down(p->inv, p->cfg.name, err,
			    (int64_t)time(NULL)) != 0)
				log_error("%s: inventory: %s", p->cfg.name,
				    inventory_errmsg(p->inv));
		}
		next = monotonic_ms() + interval_ms;
		pthread_mutex_lock(&p->lock);
		if (round > p->done)
			p->done = round;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	if (p->connected)
		sshc_close(&p->conn);
	inventory_close(p->inv);
	return NULL;
}

struct poller *
poller_start(struct master_ctx *m, const struct slave_entry *e)
{
	struct poller *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (p == NULL)
		return NULL;
	p->m = m;
	p->cfg = *e;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		free(p);
		return NULL;
	}
	return p;
}

void
poller_stop(struct poller *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

uint64_t
poller_request(struct poller *p)
{
	uint64_t t;

	pthread_mutex_lock(&p->lock);
	t = ++p->wanted;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return t;
}

int
poller_wait(struct poller *p, uint64_t ticket, int64_t deadline_ms)
{
	struct timespec ts;
	int64_t left;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	while (p->done < ticket) {
		left = deadline_ms - monotonic_ms();
		if (left <= 0) {
			rc = -1;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}
