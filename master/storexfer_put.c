/* corral-master: put, a store version's tree onto a slave (storexfer.h).
 * The slave receives as it would from another slave: it listens and says
 * its port; the master connects there, where it reaches the slave's SSH
 * server (slaves.conf's address), and sends. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "master.h"
#include "poller.h"
#include "proto.h"
#include "storexfer_int.h"

#define CONNECT_MS 10000    /* the slave's receiver */

int
store_put_tree(struct master_ctx *m, const char *host, int rootfd,
    const char *dst, const struct storexfer_opts *o,
    struct storexfer_result *res, char *err, size_t errlen)
{
	struct sx x;
	struct rlimit rl;
	char cerr[256];
	uint16_t port;
	int64_t t0 = monotonic_ms();
	int rc = -1;

	memset(res, 0, sizeof(*res));
	/* the sender keeps a window of files open */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (sx_open(&x, m, host, dst, true, rootfd, o, err, errlen) != 0)
		goto out;
	log_info("store: put into %s:%s started", host, dst);
	if (sync_start(&x.e, MSG_TREE_RECV_REQ, &x.tq, dst, err,
	    errlen) != 0 ||
	    sync_await_port(&x.e, &port, err, errlen) != 0)
		goto out;
	if ((x.fd = direct_connect(x.e.cfg.address, port, x.seal, CONNECT_MS,
	    cerr, sizeof(cerr))) < 0) {
		snprintf(err, errlen, "master: %s: %s (a store transfer is "
		    "never relayed)", host, cerr);
		goto out;
	}
	if (sx_start(&x, err, errlen) != 0 || sx_run(&x, err, errlen) != 0)
		goto out;
	res->st = x.h.st;
	res->wire_bytes = x.conn;
	rc = 0;
out:
	sx_close(&x, "put into", host, dst, rc, t0, res, err);
	return rc;
}
