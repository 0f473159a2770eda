/* corral-master: what a get and a put share (storexfer_int.h): the slave's
 * session, the master's end of the engine in a thread of its own, and the
 * loop that watches both.  The engine blocks on its connection for as long
 * as the transfer lasts; the thread that called keeps the session, the
 * clock, progress and cancels, and stops the engine by shutting its
 * connection down. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "storexfer_int.h"

/* the slave says little on its session: progress, counters, an error */
#define SX_IN_MAX (2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))

/* The sender's progress, from the engine's thread. */
static int
sx_progress(void *arg, const struct xfer_progress *p)
{
	struct sx *x = arg;

	pthread_mutex_lock(&x->lock);
	x->prog = *p;
	pthread_mutex_unlock(&x->lock);
	return 0;
}

int
sx_open(struct sx *x, struct master_ctx *m, const char *host,
    const char *path, bool sending, int rootfd,
    const struct storexfer_opts *o, char *err, size_t errlen)
{
	const struct slave_entry *se;
	struct slave_entry cfg;

	memset(x, 0, sizeof(*x));
	x->m = m;
	x->o = o;
	x->path = path;
	x->sending = sending;
	x->rootfd = rootfd;
	x->fd = -1;
	x->h.sender = !sending;      /* the slave is the other end */
	pthread_mutex_init(&x->lock, NULL);
	atomic_init(&x->done, false);
	pthread_rwlock_rdlock(&m->pollers_lock);
	if ((se = slaves_conf_find(&m->slaves, host)) != NULL)
		cfg = *se;
	pthread_rwlock_unlock(&m->pollers_lock);
	if (se == NULL) {
		snprintf(err, errlen, "%s: not in %s", host, m->conf.slaves);
		return -1;
	}
	x->tq.opts = (o->opts & (TREE_OPT_CHECKSUM | TREE_OPT_DRY_RUN)) |
	    TREE_OPT_DIRECT | (cfg.compress ? TREE_OPT_COMPRESS : 0);
	x->tq.zlevel = (uint8_t)m->conf.compress_level;
	x->tq.bwlimit = cfg.bwlimit;
	if (getrandom(x->tq.key, sizeof(x->tq.key), 0) != sizeof(x->tq.key)) {
		snprintf(err, errlen, "no random key for the transfer");
		return -1;
	}
	if ((x->seal = xseal_new(x->tq.key, sending)) == NULL) {
		snprintf(err, errlen, "%s", cerr_str(CERR_NOMEM));
		return -1;
	}
	/* both ends run with the same options: the engine reads each one
	 * on the side it concerns */
	x->xo = (struct xfer_opts){ .opts = x->tq.opts,
	    .zlevel = x->tq.zlevel, .storefd = -1, .seal = x->seal,
	    .bwlimit = x->tq.bwlimit, .conn_bytes = &x->conn };
	if (sending) {
		x->xo.progress = sx_progress;
		x->xo.progress_arg = x;
	}
	if (sync_end_open(m, &x->e, sending ? "receiver" : "sender", &cfg,
	    SX_IN_MAX, 64, err, errlen) != 0)
		return -1;
	return sync_watch(&x->ev, &x->e, NULL) == 0 ? 0 : -1;
}

static void *
engine(void *arg)
{
	struct sx *x = arg;

	if (x->sending) {
		x->rc = xfer_send(x->rootfd, x->fd, x->fd, &x->xo, &x->st,
		    x->xerr, sizeof(x->xerr));
		/* the last bytes out, then the receiver's close, so that
		 * closing ours cannot reset what is in flight */
		if (x->rc == 0 && (x->rc = direct_finish(x->fd, 60000)) != 0)
			snprintf(x->xerr, sizeof(x->xerr), "the receiver did "
			    "not finish: %s", cerr_str(x->rc));
	} else {
		x->rc = xfer_recv(x->rootfd, x->fd, x->fd, &x->xo, &x->st,
		    x->xerr, sizeof(x->xerr));
	}
	atomic_store(&x->done, true);
	return NULL;
}

int
sx_start(struct sx *x, char *err, size_t errlen)
{
	int r;

	if ((r = pthread_create(&x->th, NULL, engine, x)) != 0) {
		snprintf(err, errlen, "cannot start the transfer: %s",
		    strerror(r));
		return -1;
	}
	x->started = true;
	return 0;
}

/* Wait for the engine's thread; its end of the connection is closed then
 * (a receiver's close is what its sender waits for). */
static void
sx_join(struct sx *x)
{
	if (x->started && !x->joined) {
		pthread_join(x->th, NULL);
		x->joined = true;
	}
	if (x->joined && x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
}

/* Make the engine stop now: its reads and writes fail at once. */
static void
sx_stop(struct sx *x)
{
	if (x->started && !x->joined && x->fd >= 0 &&
	    !atomic_load(&x->done)) {
		(void)shutdown(x->fd, SHUT_RDWR);
		x->stopped = true;
	}
	sx_join(x);
}

/* Where the transfer is: the slave's word when it sends, ours else. */
static bool
sx_where(struct sx *x, struct msg_progress *p)
{
	struct xfer_progress q;
	bool moved;

	if (!x->sending) {
		*p = x->h.prog;
		return false;
	}
	pthread_mutex_lock(&x->lock);
	q = x->prog;
	pthread_mutex_unlock(&x->lock);
	moved = q.files_done != p->files_done || q.bytes_done != p->bytes_done;
	*p = (struct msg_progress){ .files_done = q.files_done,
	    .files_total = q.files_total, .bytes_done = q.bytes_done,
	    .bytes_total = q.bytes_total };
	return moved;
}

/* One line for a failure: ours (unless we stopped our end: then it only
 * says so) and the slave's, whichever there are. */
static void
sx_failed(struct sx *x, char *err, size_t errlen)
{
	const char *name = x->e.cfg.name, *what = x->sending ? "send" :
	    "receive";
	bool ours = x->joined && x->rc != 0 && !x->stopped;

	if (ours && x->h.code)
		snprintf(err, errlen, "master: %s %s:%s: %s (%s: %s)", what,
		    name, x->path, x->xerr, name, x->h.msg);
	else if (ours)
		snprintf(err, errlen, "master: %s %s:%s: %s", what, name,
		    x->path, x->xerr);
	else if (x->h.code)
		snprintf(err, errlen, "%s: %s", name, x->h.msg);
	else
		snprintf(err, errlen, "%s closed the transfer of %s before its "
		    "end", name, x->path);
}

int
sx_run(struct sx *x, char *err, size_t errlen)
{
	struct sync_clock clk = { .idle_ms = x->m->conf.stall_timeout * 1000LL };
	struct msg_progress p = { 0 };
	int64_t failed_at = 0, now;
	bool moved;
	int tick;

	for (;;) {
		moved = false;
		if (sync_hear(&x->e, &x->h, &moved, err, errlen) != 0) {
			sx_stop(x);
			return -1;
		}
		if (atomic_load(&x->done))
			sx_join(x);
		if (x->joined && x->rc == 0 && x->h.ended)
			return 0;
		now = monotonic_ms();
		/* one end failed: give the other a moment to say why */
		if ((x->h.code || (x->joined && x->rc != 0) ||
		    (x->e.eof && !x->h.ended)) && !failed_at) {
			failed_at = now;
			if (x->h.code || x->e.eof)
				sx_stop(x);
		}
		if (failed_at && ((x->h.code && x->joined) || x->e.eof ||
		    now - failed_at > SX_GRACE_MS)) {
			sx_stop(x);
			sx_failed(x, err, errlen);
			return -1;
		}
		if (sx_where(x, &p))
			moved = true;
		if ((tick = sync_clock_tick(&clk, moved, err, errlen)) < 0) {
			sx_stop(x);
			return -1;
		}
		if (tick == 1 && x->o->progress != NULL &&
		    x->o->progress(x->o->arg, &p) != 0) {
			sx_stop(x);
			snprintf(err, errlen, "%s:%s: cancelled", x->e.cfg.name,
			    x->path);
			return -1;
		}
		if (!moved)
			ssh_event_dopoll(x->ev, 100);
	}
}

void
sx_close(struct sx *x, const char *what, const char *host, const char *path,
    int rc, int64_t t0, struct storexfer_result *res, const char *err)
{
	sx_stop(x);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	xseal_delete(x->seal);
	x->seal = NULL;
	sync_finish(x->ev, &x->e, NULL);
	x->ev = NULL;
	memset(x->tq.key, 0, sizeof(x->tq.key));
	pthread_mutex_destroy(&x->lock);
	res->usec = (uint64_t)(monotonic_ms() - t0) * 1000;
	if (rc == 0)
		log_info("store: %s %s:%s done", what, host, path);
	else
		log_warn("store: %s %s:%s failed: %s", what, host, path, err);
}
