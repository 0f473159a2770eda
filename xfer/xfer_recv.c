/* corral xfer: the receiving side of a tree transfer.
 *
 * Walks its own tree beside the sender's stream (both sorted depth-first),
 * deleting what the sender lacks, creating or fixing the rest; answers each
 * regular file with a NEED (skip, literal, or delta with a signature).  A
 * changed file is built in a temporary file beside the old one and renamed
 * into place, so no file is ever half-written where it is visible.  Every
 * name is one component under a held directory fd, opened without following
 * symlinks; every length and index from the peer is checked before use.
 *
 * This file is the loop and its frames; the parts, sharing xfer_recv.h:
 * xfer_recv_walk.c (the walk beside the stream), xfer_recv_entry.c (one
 * entry: NEED or made), xfer_recv_link.c (hard links), xfer_recv_delete.c
 * (what the source lacks), xfer_recv_queue.c (work waiting for earlier
 * files), xfer_recv_data.c (files built from DATA), xfer_recv_sig.c (the
 * signatures of old files), xfer_recv_shared.c (inodes shared with
 * another tree). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "proto.h"
#include "xfer_copier.h"
#include "xfer_recv.h"

int
xrecv_fail(struct receiver *r, int code, const char *what, const char *name)
{
	snprintf(r->err, r->errlen, "%s '%s': %s", what, name,
	    errno ? strerror(errno) : cerr_str(code));
	return code;
}

int
xrecv_bad(struct receiver *r, const char *why)
{
	snprintf(r->err, r->errlen, "bad stream from the sender: %s", why);
	return CERR_PROTOCOL;
}

void
xrecv_report(struct receiver *r, const char *dir, const char *name,
    enum xfer_change what)
{
	if (r->dry || r->o->on_change == NULL)
		return;
	snprintf(r->rpath, PATH_BUF, "%s%s", dir, name);
	r->o->on_change(r->o->change_arg, r->rpath, what);
}

static int
on_entries(struct receiver *r, const uint8_t *pl, size_t len, bool z)
{
	struct cbuf *b = NULL;
	struct tree_entry *e = malloc(sizeof(*e));
	uint32_t i, n;
	int rc;

	if (e == NULL) {
		rc = CERR_NOMEM;
		goto out;
	}
	if (z) {
		if ((rc = tree_entries_z_open(pl, len, &n, &b)) != 0) {
			snprintf(r->err, r->errlen, "bad compressed entries "
			    "from the sender: %s", cerr_str(rc));
			goto out;
		}
	} else if ((b = cbuf_from(pl, len)) == NULL) {
		rc = CERR_NOMEM;
		goto out;
	} else if ((rc = tree_entries_begin(b, &n)) != 0) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = tree_entry_decode(b, e)) != 0) {
			snprintf(r->err, r->errlen, "bad entry from the sender: "
			    "%s", cerr_str(rc));
			goto out;
		}
		if ((rc = xrecv_entry(r, e)) != 0)
			goto out;
	}
	rc = cbuf_expect_end(b);
out:
	free(e);
	cbuf_free(b);
	return rc;
}

static int
handle_input(struct receiver *r, bool *progress)
{
	const uint8_t *pl;
	uint16_t type;
	size_t len;
	int rc;

	while ((rc = xio_peek(&r->io, &type, &pl, &len)) == 1) {
		*progress = true;
		rc = 0;
		switch (type) {
		case MSG_TREE_ENTRIES: rc = on_entries(r, pl, len, false); break;
		case MSG_TREE_ENTRIES_Z: rc = on_entries(r, pl, len, true); break;
		case MSG_TREE_DATA:    rc = xrecv_data(r, pl, len); break;
		case MSG_TREE_PROGRESS:
			break;   /* for the master's progress display */
		case MSG_TREE_END:
			if (!r->walk_done || r->head != NULL)
				rc = xrecv_bad(r, "end before the tree is "
				    "complete");
			r->end_seen = true;
			break;
		case MSG_ERROR:
			snprintf(r->err, r->errlen, "the sender failed");
			rc = CERR_REMOTE;
			break;
		default:
			rc = xrecv_bad(r, "unexpected message");
			break;
		}
		xio_consume(&r->io, len);
		if (rc != 0)
			return rc;
		if (r->end_seen)
			return 0;
		/* let NEEDs out before a big batch of entries is done */
		if (!xio_room(&r->io))
			break;
	}
	if (rc == CERR_EOF) {
		snprintf(r->err, r->errlen, "%s", XFER_SENDER_GONE);
		return rc;
	}
	return rc < 0 ? rc : 0;
}

int
xfer_recv(int rootfd, int rfd, int wfd, const struct xfer_opts *o,
    struct tree_stats *st, char *err, size_t errlen)
{
	struct receiver *r;
	struct item *it;
	bool progress;
	int rc;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return CERR_NOMEM;
	r->o = o;
	r->st = st;
	r->rootfd = rootfd;
	r->dry = (o->opts & TREE_OPT_DRY_RUN) != 0;
	r->err = err;
	r->errlen = errlen;
	if ((rc = xio_init(&r->io, rfd, wfd)) != 0 ||
	    (o->seal && (rc = xio_set_seal(&r->io, o->seal)) != 0))
		goto out;
	r->needs = cbuf_new(PROTO_PAYLOAD_MAX);
	r->zbuf = malloc(TREE_CHUNK_MAX);
	r->rbuf = malloc(READ_CHUNK);
	if (o->on_change != NULL && (r->rpath = malloc(PATH_BUF)) == NULL) {
		rc = CERR_NOMEM;
		goto out;
	}
	if (r->needs == NULL || r->zbuf == NULL || r->rbuf == NULL) {
		rc = CERR_NOMEM;
		goto out;
	}
	while (!r->end_seen) {
		progress = false;
		if ((rc = handle_input(r, &progress)) != 0)
			goto out;
		if ((rc = xrecv_send_sigs(r, &progress)) != 0 ||
		    (rc = xrecv_flush_needs(r)) != 0)
			goto out;
		if (r->end_seen)
			break;
		if (r->cp != NULL && (rc = xcopier_failed(r->cp, err,
		    errlen)) != 0)
			goto out;
		if ((rc = xio_pump(&r->io, progress ? 0 : 1000)) != 0) {
			if (!err[0])
				snprintf(err, errlen, "stream: %s", cerr_str(rc));
			goto out;
		}
	}
	/* every file installed before the receiver says it is done */
	if (r->cp != NULL && (rc = xcopier_wait(r->cp, NULL, false, 0, err,
	    errlen)) != 0)
		goto out;
	rc = xio_flush(&r->io, -1);
out:
	if (rc != 0 && !err[0])
		snprintf(err, errlen, "%s", cerr_str(rc));
	if (rc != 0 && r->io.out != NULL)
		(void)xio_flush(&r->io, 5000);
	/* before the items whose descriptors its queued copies use */
	xcopier_stop(r->cp);
	while ((it = r->head) != NULL) {
		r->head = it->next;
		xrecv_item_free(it);
	}
	while (r->depth > 0) {
		r->depth--;
		if (r->stack[r->depth].fd >= 0)
			close(r->stack[r->depth].fd);
		dirlist_free(&r->stack[r->depth].l);
	}
	xrecv_leaders_free(r);
	xrecv_shared_free(r);
	free(r->rpath);
	free(r->zbuf);
	free(r->rbuf);
	cbuf_free(r->needs);
	xio_free(&r->io);
	if (rootfd < 0 && r->rootfd >= 0)
		close(r->rootfd);   /* made here */
	free(r);
	return rc;
}
