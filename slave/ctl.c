/* corral-slave: CT_CTL — a container started and seen RUNNING, stopped
 * cleanly (its halt signal, a time limit, only then kill: an unclean stop
 * corrupts databases), removed (remove.c), and the volume a transfer fills
 * before the container has a config, made or (a failed put's rollback)
 * destroyed.  One row per operation, each run under the container's
 * operation lock (ctlock.c), taken here where it is dispatched. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "names.h"
#include "reqloop.h"
#include "slave.h"

#define START_TIMEOUT_S 30
#define STOP_TIMEOUT_S  60
#define STOP_KILL_WAIT_S 10     /* a start that failed: its kill */
#define TIMEOUT_MAX_S   3600
#define LOG_TAIL_LINES  3

MSG_ENC(msg_ctl)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
timeout_of(uint32_t t, int def)
{
	return t == 0 ? def : t > TIMEOUT_MAX_S ? TIMEOUT_MAX_S : (int)t;
}

/* liblxc's container ct if it has a config; NULL with err */
static struct lxc_container *
open_defined(struct slave_ctx *ctx, const char *ct, char *err,
    size_t errlen)
{
	struct lxc_container *c = lxc_container_new(ct, ctx->conf.lxcpath);

	if (c == NULL) {
		snprintf(err, errlen, "liblxc cannot open it in %s",
		    ctx->conf.lxcpath);
		return NULL;
	}
	if (!c->is_defined(c)) {
		snprintf(err, errlen, "no container %s on this host", ct);
		lxc_container_put(c);
		return NULL;
	}
	return c;
}

const char *
slave_ct_state(struct slave_ctx *ctx, const char *ct)
{
	struct lxc_container *c = lxc_container_new(ct, ctx->conf.lxcpath);
	const char *st = "absent";

	if (c != NULL) {
		if (c->is_defined(c))
			st = c->is_running(c) ? "running" : "stopped";
		lxc_container_put(c);
	}
	return st;
}

int
slave_ct_stop_clean(struct lxc_container *c, uint32_t timeout, char *msg,
    size_t msglen, char *err, size_t errlen)
{
	int timeout_s = timeout_of(timeout, STOP_TIMEOUT_S);
	double t0 = now_s();

	if (!c->is_running(c)) {
		snprintf(msg, msglen, "not running");
		return 0;
	}
	/* lxc.signal.halt (SIGPWR by default) to its init, then wait */
	if (c->shutdown(c, timeout_s)) {
		(void)c->wait(c, "STOPPED", 10);
		snprintf(msg, msglen, "stopped cleanly in %.1f s", now_s() - t0);
		return 0;
	}
	log_warn("%s: still running %.0f s after its halt signal: killing it",
	    c->name, now_s() - t0);
	if (!c->stop(c) || !c->wait(c, "STOPPED", 30)) {
		snprintf(err, errlen, "still running %.0f s after its halt "
		    "signal, and after a kill", now_s() - t0);
		return -1;
	}
	snprintf(msg, msglen, "killed after %.0f s (its halt signal did not "
	    "stop it)", now_s() - t0);
	return 0;
}

/* The log a start writes to: the container's lxc.log.file, else
 * LXCPATH/ct/ct.log, emptied first so that its tail is this start's. */
static void
start_log(struct slave_ctx *ctx, struct lxc_container *c, const char *ct,
    char *path, size_t len)
{
	char dir[PATH_MAX] = "";
	int fd, n;

	path[0] = '\0';
	if (c->get_config_item(c, "lxc.log.file", dir, sizeof(dir)) > 0 &&
	    dir[0] != '\0') {
		snprintf(path, len, "%s", dir);
		return;
	}
	if (slave_ct_path(ctx, ct, NULL, dir, sizeof(dir)) != 0 ||
	    (n = snprintf(path, len, "%s/%s.log", dir, ct)) < 0 ||
	    (size_t)n >= len) {
		path[0] = '\0';
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd >= 0)
		close(fd);
	/* this start only: the config on disk is not changed */
	(void)c->set_config_item(c, "lxc.log.file", path);
}

/* The last lines of a log, on one line, escaped */
static void
log_tail(const char *path, char *buf, size_t len)
{
	char tail[768], *p;
	ssize_t n = 0;
	off_t end;
	int fd, lines = 0;

	buf[0] = '\0';
	if (path[0] == '\0' ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if ((end = lseek(fd, 0, SEEK_END)) >= 0 &&
	    lseek(fd, end > (off_t)sizeof(tail) - 1 ?
	    end - (off_t)sizeof(tail) + 1 : 0, SEEK_SET) >= 0)
		n = read(fd, tail, sizeof(tail) - 1);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	for (p = tail + n; p > tail; p--)
		if (p[-1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	for (n = 0; p[n] != '\0'; n++)
		if (p[n] == '\n')
			p[n] = '|';
	str_escape(buf, len, p);
}

static int
op_start(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	struct slave_snap sn;
	struct lxc_container *c;
	char logf[PATH_MAX], tail[320];
	const char *state;
	int t = timeout_of(q->timeout_s, START_TIMEOUT_S), ret = -1;
	double t0 = now_s();

	if ((c = open_defined(ctx, q->ct, err, errlen)) == NULL)
		return -1;
	if (c->is_running(c)) {
		snprintf(a->message, sizeof(a->message), "running already");
		ret = 0;
		goto out;
	}
	if (slave_snap_status(ctx, q->ct, &sn, err, errlen) != 0)
		goto out;
	if (sn.kind == SNAP_KIND_STOPPED) {
		snprintf(err, errlen, "held stopped for a copy: drop its "
		    "snapshot first");
		goto out;
	}
	start_log(ctx, c, q->ct, logf, sizeof(logf));
	c->want_daemonize(c, true);
	if (!c->start(c, 0, NULL) || !c->wait(c, "RUNNING", t)) {
		/* one question to the monitor: LXC's names are static */
		state = c->state(c);
		log_tail(logf, tail, sizeof(tail));
		snprintf(err, errlen, "did not start (state %s after %.0f s); "
		    "%s: %s", state, now_s() - t0, logf[0] ? logf :
		    "no log", tail[0] ? tail : "(empty)");
		/* started meanwhile by another (LXC's autostart, an
		 * admin): it runs */
		if (strcmp(state, "RUNNING") == 0) {
			snprintf(a->message, sizeof(a->message), "running "
			    "already");
			ret = 0;
			goto out;
		}
		/* a refused start leaves it stopped: one still starting
		 * would run after the master, told it did not, started it
		 * elsewhere */
		if (strcmp(state, "STARTING") == 0 && (!c->stop(c) ||
		    !c->wait(c, "STOPPED", STOP_KILL_WAIT_S)))
			log_warn("%s: did not start, and is %s after a kill",
			    q->ct, c->state(c));
		goto out;
	}
	snprintf(a->message, sizeof(a->message), "running after %.1f s",
	    now_s() - t0);
	ret = 0;
out:
	lxc_container_put(c);
	return ret;
}

static int
op_stop(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	struct slave_snap sn;
	struct lxc_container *c;
	int ret = -1;

	if ((c = open_defined(ctx, q->ct, err, errlen)) == NULL)
		return -1;
	if (slave_snap_status(ctx, q->ct, &sn, err, errlen) != 0)
		goto out;
	/* its init would get the halt signal only once thawed: killed */
	if (sn.kind == SNAP_KIND_FROZEN) {
		snprintf(err, errlen, "frozen for a copy: drop its snapshot "
		    "first");
		goto out;
	}
	ret = slave_ct_stop_clean(c, q->timeout_s, a->message,
	    sizeof(a->message), err, errlen);
out:
	lxc_container_put(c);
	return ret;
}

/* Refused unless ct is no container at all, nor a removal unfinished. */
static int
no_container(struct slave_ctx *ctx, const char *ct, const char *why,
    char *err, size_t errlen)
{
	if (strcmp(slave_ct_state(ctx, ct), "absent") != 0) {
		snprintf(err, errlen, "container %s exists%s", ct, why);
		return -1;
	}
	if (slave_ct_removing(ctx, ct)) {
		snprintf(err, errlen, "a removal of %s is unfinished (a "
		    "REMOVE finishes it)", ct);
		return -1;
	}
	return 0;
}

/* A volume of bytes must fit in what the store has free: a dir or btrfs
 * volume reserves nothing, and a copy that runs out of space half-way
 * has cost the time of the copy and a roll back.  0 bytes, or a backend
 * whose create reserves them (lvm): no check here. */
static int
room_for(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	struct storage_usage u;

	if (bytes == 0 || s->ops->sized)
		return 0;
	if (s->ops->usage(s, &u, err, errlen) != 0)
		return -1;
	if (u.free >= bytes)
		return 0;
	snprintf(err, errlen, "not enough space in %s: %llu MiB free, the "
	    "volume of %s needs %llu MiB", s->root,
	    (unsigned long long)(u.free >> 20), ct,
	    (unsigned long long)((bytes + (1 << 20) - 1) >> 20));
	return -1;
}

static int
op_vol_create(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	char rootfs[PATH_MAX] = "";

	if (no_container(ctx, q->ct, "", err, errlen) != 0)
		return -1;
	if (s->ops->exists(s, q->ct)) {
		snprintf(err, errlen, "a %s volume for %s exists already",
		    s->ops->name, q->ct);
		return -1;
	}
	if (room_for(s, q->ct, q->bytes, err, errlen) != 0 ||
	    s->ops->create(s, q->ct, q->bytes, err, errlen) != 0)
		return -1;
	/* tests lose this answer: a put must then roll the volume back */
	slave_test_pause("CORRAL_TEST_VOLUME_PAUSE", q->ct, "volume made");
	(void)s->ops->lxc_rootfs(s, q->ct, rootfs, sizeof(rootfs));
	snprintf(a->message, sizeof(a->message), "volume %.400s made", rootfs);
	return 0;
}

static int
op_vol_destroy(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	bool had;

	if (no_container(ctx, q->ct, ": a REMOVE takes its volume with it",
	    err, errlen) != 0)
		return -1;
	if (!s->ops->exists(s, q->ct)) {
		snprintf(a->message, sizeof(a->message), "no volume");
		return 0;
	}
	/* refused before its destroy empties it around what it fails on */
	if (slave_volume_removable(ctx, q->ct, err, errlen) != 0)
		return -1;
	/* lvm keeps an origin with a snapshot; dir holds a freeze file */
	if (slave_snap_drop(ctx, q->ct, &had, err, errlen) != 0 ||
	    s->ops->umount(s, q->ct, err, errlen) != 0 ||
	    s->ops->destroy(s, q->ct, err, errlen) != 0)
		return -1;
	snprintf(a->message, sizeof(a->message), "volume destroyed%s",
	    had ? " (its snapshot dropped first)" : "");
	return 0;
}

typedef int (*ctl_fn)(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen);

static const struct ctl_op {
	uint8_t op;
	ctl_fn fn;
} ctl_ops[] = {
	{ MSG_CTL_START,       op_start },
	{ MSG_CTL_STOP,        op_stop },
	{ MSG_CTL_REMOVE,      slave_ct_remove },
	{ MSG_CTL_VOL_CREATE,  op_vol_create },
	{ MSG_CTL_VOL_DESTROY, op_vol_destroy },
};

int
slave_ct_run(struct slave_ctx *ctx, const char *ct, bool start,
    uint32_t timeout_s, char *msg, size_t msglen, char *err, size_t errlen)
{
	struct msg_ctl_req q;
	struct msg_ctl a;
	int r;

	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	snprintf(q.ct, sizeof(q.ct), "%s", ct);
	q.op = start ? MSG_CTL_START : MSG_CTL_STOP;
	q.timeout_s = timeout_s;
	r = start ? op_start(ctx, &q, &a, err, errlen) :
	    op_stop(ctx, &q, &a, err, errlen);
	snprintf(msg, msglen, "%s", a.message);
	return r;
}

int
slave_ct_request(struct reqloop *l, const struct frame *f, const char *op,
    const char *ct, uint8_t all, slave_ct_fn fn, const void *q, void *a,
    uint16_t reply_type, msg_enc_fn enc)
{
	struct slave_ctx *ctx = l->ctx;
	struct lxc_container *c = NULL;
	char err[MSG_ERRTEXT_MAX - 96] = "", pn[PROTO_NAME_MAX * 4];
	int fd, r = -1;

	str_escaped(pn, sizeof(pn), ct);
	if (!ct_name_valid(ct))
		snprintf(err, sizeof(err), "'%s' is not a valid container "
		    "name (letters, digits, '.', '_', '-'; 1..63)", pn);
	else if (all != 0)
		snprintf(err, sizeof(err), "every container: the master asks "
		    "for each");
	else if ((fd = slave_ct_lock(ctx, ct, true, err,
	    sizeof(err))) >= 0) {
		/* it changes C: one at a time (ctlock.c) */
		if ((c = open_defined(ctx, ct, err, sizeof(err))) != NULL) {
			r = fn(ctx, c, q, a, err, sizeof(err));
			lxc_container_put(c);
		}
		slave_ct_unlock(ctx, ct, fd);
	}
	if (r != 0) {
		log_warn("%s: %s %s: %s", l->t->peer, op, pn, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s %s: %s", op,
		    pn, err);
	}
	return reply_msg(l->t, reply_type, f->h.id, enc, a);
}

int
slave_handle_ctl(struct reqloop *l, const struct frame *f)
{
	struct slave_ctx *ctx = l->ctx;
	struct msg_ctl_req q;
	struct msg_ctl a;
	char err[MSG_ERRTEXT_MAX - 96], pn[PROTO_NAME_MAX * 4];
	const char *op;
	ctl_fn fn = NULL;
	size_t i;
	int fd, r = -1;

	if ((r = msg_ctl_req_decode(f->payload, &q)) != 0)
		return r;
	r = -1;
	op = msg_ctl_op_name(q.op);
	str_escaped(pn, sizeof(pn), q.ct);
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(err, sizeof(err), "no such operation");
	for (i = 0; i < sizeof(ctl_ops) / sizeof(ctl_ops[0]); i++)
		if (ctl_ops[i].op == q.op)
			fn = ctl_ops[i].fn;
	if (!ct_name_valid(q.ct))
		snprintf(err, sizeof(err), "'%s' is not a valid container name "
		    "(letters, digits, '.', '_', '-'; 1..63)", pn);
	else if (fn != NULL && (fd = slave_ct_lock(ctx, q.ct, true,
	    err, sizeof(err))) >= 0) {
		/* each of them changes C: one at a time (ctlock.c), its
		 * state as it left it */
		if ((r = fn(ctx, &q, &a, err, sizeof(err))) == 0)
			snprintf(a.state, sizeof(a.state), "%s",
			    slave_ct_state(ctx, q.ct));
		slave_ct_unlock(ctx, q.ct, fd);
	}
	if (r != 0) {
		log_warn("%s: %s %s: %s", l->t->peer, op, pn, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s %s: %s", op,
		    pn, err);
	}
	log_info("%s: %s %s: %s (%s)", l->t->peer, op, q.ct, a.message,
	    a.state);
	return reply_msg(l->t, MSG_CT_CTL, f->h.id, msg_ctl_enc, &a);
}
