/* corral-master: get, a slave's tree into a store transaction
 * (storexfer.h).  The master listens on the address its SSH connection to
 * the slave comes from (the one address it knows the slave reaches it on),
 * a port of its data_ports, and asks the slave to send there. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "cerr.h"
#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "store.h"
#include "storexfer_int.h"

#define ACCEPT_MS   30000   /* the slave to connect, its source ready */

/* Where the slave can reach the master: this end of their SSH
 * connection. */
static int
local_address(struct sx *x, char *buf, size_t len, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = ssh_get_fd(x->e.c.session), r;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "%s: cannot read the master's address "
		    "on the connection", x->e.cfg.name);
		return -1;
	}
	if ((r = getnameinfo((struct sockaddr *)&ss, sl, buf, len, NULL, 0,
	    NI_NUMERICHOST)) != 0) {
		snprintf(err, errlen, "%s: the master's address on the "
		    "connection: %s", x->e.cfg.name, gai_strerror(r));
		return -1;
	}
	return 0;
}

/* The receiver's report: what the next version must hash again. */
static void
on_change(void *arg, const char *relpath, enum xfer_change what)
{
	struct sx *x = arg;

	/* deletions are not in a version */
	if (x->changes == NULL || what == XFER_DELETED)
		return;
	if (store_changes_add(x->changes, relpath) != 0)
		x->changes_lost = true;
}

/* What the slave says while the master waits for its connection. */
struct awaiting {
	struct sx *x;
	const char *addr;
	uint16_t port;
	char *err;
	size_t errlen;
};

/* direct_accept_idle's idle: nonzero when the slave said it cannot
 * connect, or cannot read its source, or closed the session (err set). */
static int
hear_sender(void *arg)
{
	struct awaiting *a = arg;
	struct sx *x = a->x;
	bool moved = false;

	if (sync_hear(&x->e, &x->h, &moved, a->err, a->errlen) != 0) {
		if (a->err[0] == '\0')
			snprintf(a->err, a->errlen, "%s: the session broke "
			    "before the transfer of %s began", x->e.cfg.name,
			    x->path);
		return -1;
	}
	if (x->h.code == CERR_UNREACHABLE)
		snprintf(a->err, a->errlen, "%s: %s (a store transfer is "
		    "never relayed: let %s reach the master at %s port %u)",
		    x->e.cfg.name, x->h.msg, x->e.cfg.name, a->addr,
		    (unsigned)a->port);
	else if (x->h.code)
		snprintf(a->err, a->errlen, "%s: %s", x->e.cfg.name,
		    x->h.msg);
	else if (x->e.eof)
		snprintf(a->err, a->errlen, "%s closed the transfer of %s "
		    "before it began", x->e.cfg.name, x->path);
	else
		return 0;
	return -1;
}

/* The slave's connection, hearing its session meanwhile.  One accept for
 * the whole wait: a connection that has not proved the key yet must not
 * be dropped between two looks at the session (it was, with 100 ms
 * accepts, and the slave's send failed with "connection closed by
 * peer"). */
static int
await_sender(struct sx *x, int lfd, const char *addr, uint16_t port,
    char *err, size_t errlen)
{
	struct awaiting a = { x, addr, port, err, errlen };
	char aerr[256];

	err[0] = '\0';
	x->fd = direct_accept_idle(lfd, x->seal, ACCEPT_MS, hear_sender, &a,
	    aerr, sizeof(aerr));
	if (x->fd >= 0)
		return 0;
	if (err[0] == '\0')
		snprintf(err, errlen, "%s did not connect to the master at %s "
		    "port %u: %s", x->e.cfg.name, addr, (unsigned)port, aerr);
	return -1;
}

int
store_get_tree(struct master_ctx *m, const char *host, const char *src,
    struct store_tx *tx, struct store_changes *changes,
    const struct storexfer_opts *o, struct storexfer_result *res, char *err,
    size_t errlen)
{
	const struct store_tx_info *in = store_tx_info(tx);
	struct sx x;
	char addr[TREE_PEER_MAX + 1];
	uint16_t lo, hi, port = 0;
	int64_t t0 = monotonic_ms();
	int lfd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	if (sx_open(&x, m, host, src, false, in->rootfs_fd, o, err,
	    errlen) != 0)
		goto out;
	x.xo.shared_inodes = in->shared_inodes;
	x.xo.in_place = in->in_place;
	/* a version is C as it is now, never an admin's earlier snapshot */
	x.tq.opts |= TREE_OPT_OWN_SNAP;
	x.tq.job = o->job;       /* kept with the snapshot the send takes */
	x.xo.on_change = on_change;
	x.xo.change_arg = &x;
	x.changes = changes;
	if (conf_port_range(m->conf.data_ports, &lo, &hi) != 0) {
		snprintf(err, errlen, "master: data_ports '%s' is not a port "
		    "range", m->conf.data_ports);
		goto out;
	}
	if (local_address(&x, addr, sizeof(addr), err, errlen) != 0 ||
	    (lfd = direct_listen(addr, lo, hi, &port, err, errlen)) < 0)
		goto out;
	snprintf(x.tq.peer, sizeof(x.tq.peer), "%s", addr);
	x.tq.port = port;
	log_info("store: get %s:%s into %s started", host, src, in->path);
	if (sync_start(&x.e, MSG_TREE_SEND_REQ, &x.tq, src, err,
	    errlen) != 0 ||
	    await_sender(&x, lfd, addr, port, err, errlen) != 0)
		goto out;
	close(lfd);
	lfd = -1;
	if (sx_start(&x, err, errlen) != 0 || sx_run(&x, err, errlen) != 0)
		goto out;
	if (x.changes_lost) {
		snprintf(err, errlen, "master: out of memory for the paths "
		    "changed in %s", in->path);
		goto out;
	}
	res->st = x.st;
	/* the sender counts the connection's bytes (the engine's receiver
	 * does not) */
	res->wire_bytes = x.h.st.wire_bytes;
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	sx_close(&x, "get", host, src, rc, t0, res, err);
	return rc;
}
