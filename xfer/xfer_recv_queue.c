/* corral xfer: the receiver's work queue.  Hard links and directory
 * times wait behind the files before them in the stream; they run once
 * those are installed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cerr.h"
#include "xfer_copier.h"
#include "xfer_recv.h"

void
xrecv_item_free(struct item *it)
{
	if (it == NULL)
		return;
	if (it->basis_fd >= 0)
		close(it->basis_fd);
	if (it->tmpfd >= 0) {
		/* a file never finished is never left behind */
		close(it->tmpfd);
		if (it->dfd >= 0 && it->tmpname[0])
			(void)unlinkat(it->dfd, it->tmpname, 0);
	}
	if (it->dfd >= 0)
		close(it->dfd);
	if (it->sigjob)
		rs_job_free(it->sigjob);
	if (it->patch)
		rs_job_free(it->patch);
	EVP_MD_CTX_free(it->md);
	free(it->e);
	free(it->xvals);
	free(it->dirpath);
	free(it->bhash);
	free(it->nhash);
	free(it->fdir);
	free(it);
}

struct item *
xrecv_item_new(enum item_kind kind, int dfd, const char *name)
{
	struct item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->kind = kind;
	it->basis_fd = it->tmpfd = -1;
	it->dfd = dfd >= 0 ? fcntl(dfd, F_DUPFD_CLOEXEC, 3) : -1;
	snprintf(it->name, sizeof(it->name), "%s", name);
	if (dfd >= 0 && it->dfd < 0) {
		free(it);
		return NULL;
	}
	return it;
}

/* A copy of e whose xattr values live with the item. */
int
xrecv_item_keep_entry(struct item *it, const struct tree_entry *e)
{
	size_t i, total = 0, off = 0;

	if ((it->e = malloc(sizeof(*e))) == NULL)
		return -1;
	*it->e = *e;
	for (i = 0; i < e->n_xattrs; i++)
		total += e->xattrs[i].len;
	if ((it->xvals = malloc(total ? total : 1)) == NULL)
		return -1;
	for (i = 0; i < e->n_xattrs; i++) {
		memcpy(it->xvals + off, e->xattrs[i].value, e->xattrs[i].len);
		it->e->xattrs[i].value = it->xvals + off;
		off += e->xattrs[i].len;
	}
	return 0;
}

void
xrecv_enqueue(struct receiver *r, struct item *it)
{
	it->prev = r->tail;
	if (r->tail)
		r->tail->next = it;
	else
		r->head = it;
	r->tail = it;
	if (it->kind == IT_FILE && r->cur == NULL)
		r->cur = it;
}

void
xrecv_dequeue(struct receiver *r, struct item *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		r->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		r->tail = it->prev;
	xrecv_item_free(it);
}

/* Run the queued work that no longer waits for a file: links and
 * directory times behind files that are done. */
int
xrecv_run_ready(struct receiver *r)
{
	struct item *it;
	struct timespec ts[2];
	struct stat st;
	int rc = 0, dfd;

	while ((it = r->head) != NULL && it->kind != IT_FILE) {
		/* a link to a file, a directory's mtime: after the copier
		 * installed the file, or what is in the directory */
		if (r->cp != NULL && (it->kind == IT_LINK ?
		    xcopier_wait(r->cp, NULL, true, it->index, r->err,
		    r->errlen) : xcopier_wait(r->cp, it->dirpath, false, 0,
		    r->err, r->errlen)) != 0)
			return CERR_IO;
		/* back into the directory by its path, beneath the root,
		 * through no symlink */
		dfd = it->dirpath[0] ? xfer_open_beneath(r->rootfd,
		    it->dirpath, false, r->err, r->errlen) :
		    fcntl(r->rootfd, F_DUPFD_CLOEXEC, 3);
		if (dfd < 0) {
			rc = xrecv_fail(r, CERR_IO, "cannot open", it->dirpath);
		} else if (it->kind == IT_LINK) {
			rc = xrecv_link(r, dfd, it->dirpath, it->name,
			    it->index);
		} else if (fstat(dfd, &st) != 0) {
			rc = xrecv_fail(r, CERR_IO, "cannot stat", it->dirpath);
		} else if (st.st_mtim.tv_sec != it->mtime_sec ||
		    (uint32_t)st.st_mtim.tv_nsec != it->mtime_nsec) {
			/* only where it differs: setting a time, even the
			 * same one, writes the inode (its ctime), and on a
			 * snapshot (a btrfs store's version) that copies
			 * a metadata block of every directory the run
			 * merely walked through */
			ts[0].tv_sec = ts[1].tv_sec = it->mtime_sec;
			ts[0].tv_nsec = ts[1].tv_nsec = it->mtime_nsec;
			if (futimens(dfd, ts) != 0)
				rc = xrecv_fail(r, CERR_IO,
				    "cannot set the time of", it->dirpath);
		}
		if (dfd >= 0)
			close(dfd);
		xrecv_dequeue(r, it);
		if (rc != 0)
			return rc;
	}
	return 0;
}
