/* corral-slave: TREE_SEND_REQ and TREE_RECV_REQ — one end of a tree
 * transfer on this channel, rooted under the storage root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cerr.h"
#include "log.h"
#include "proto.h"
#include "slave.h"
#include "tree.h"
#include "xfer.h"

/* The storage root directory named by corral.conf's storage setting. */
static int
open_store(struct slave_ctx *ctx, char *err, size_t errlen)
{
	const char *colon = strchr(ctx->conf.storage, ':');
	int fd;

	if (colon == NULL || colon[1] != '/') {
		snprintf(err, errlen, "storage '%s' has no directory to "
		    "transfer from", ctx->conf.storage);
		return -1;
	}
	if ((fd = open(colon + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		snprintf(err, errlen, "storage root %s: %s", colon + 1,
		    strerror(errno));
	return fd;
}

int
slave_transfer(struct slave_ctx *ctx, struct transport *t, bool sending,
    const struct tree_req *req, struct tree_stats *st, char *err,
    size_t errlen)
{
	struct xfer_opts o = { .opts = req->opts, .zlevel = req->zlevel,
	    .storefd = -1, .create_path = req->path };
	struct rlimit rl;
	int store, root, rfd, wfd, rc;

	memset(st, 0, sizeof(*st));
	if (transport_fds(t, &rfd, &wfd) != 0) {
		snprintf(err, errlen, "transfers need a stream transport");
		return CERR_INVALID;
	}
	/* the sender keeps a window of files open */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((store = open_store(ctx, err, errlen)) < 0)
		return CERR_INVALID;
	root = xfer_open_beneath(store, req->path, false, err, errlen);
	if (root < 0 && (sending || errno != ENOENT)) {
		close(store);
		return CERR_INVALID;
	}
	/* a missing destination is made when the data starts to arrive */
	o.storefd = store;
	log_info("%s: %s %s%s", t->peer, sending ? "sending" : "receiving",
	    req->path, (req->opts & TREE_OPT_DRY_RUN) ? " (dry run)" : "");
	if (sending)
		rc = xfer_send(root, rfd, wfd, &o, st, err, errlen);
	else
		rc = xfer_recv(root, rfd, wfd, &o, st, err, errlen);
	if (root >= 0)
		close(root);
	close(store);
	/* the session goes on with blocking I/O on these descriptors */
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) & ~O_NONBLOCK);
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) & ~O_NONBLOCK);
	return rc;
}
