/* corral xfer: the receiver over a destination whose files may share
 * their inodes with files outside it (xfer_opts.shared_inodes: a new
 * version of a tree made of hard links to the last one).  A changed file
 * is always a new inode (built beside, renamed over); what is left is an
 * entry whose content is right: it is kept as it is only if nothing of
 * its inode changes.  One with other names whose metadata differs gets an
 * inode of its own first, and so does one whose inode an earlier entry
 * kept when the source does not link the two: hard links come out as the
 * source's, and the other tree never sees a change. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cerr.h"
#include "xfer_copier.h"
#include "xfer_recv.h"

/* ---- the inodes kept with more than one name ---- */

static size_t
slot_of(const struct receiver *r, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 32) ^ (dev >> 32)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (r->cap_kept - 1);
}

static bool
kept_has(const struct receiver *r, const struct stat *st)
{
	size_t i;

	if (r->cap_kept == 0)
		return false;
	for (i = slot_of(r, st->st_dev, st->st_ino); r->kept[i].used;
	    i = (i + 1) & (r->cap_kept - 1))
		if (r->kept[i].dev == st->st_dev && r->kept[i].ino == st->st_ino)
			return true;
	return false;
}

static void
kept_put(struct receiver *r, uint64_t dev, uint64_t ino)
{
	size_t i = slot_of(r, dev, ino);

	while (r->kept[i].used)
		i = (i + 1) & (r->cap_kept - 1);
	r->kept[i].dev = dev;
	r->kept[i].ino = ino;
	r->kept[i].used = true;
	r->n_kept++;
}

static int
kept_add(struct receiver *r, const struct stat *st)
{
	struct inoslot *old = r->kept;
	size_t i, ocap = r->cap_kept;

	/* at most half full */
	if (2 * (r->n_kept + 1) > r->cap_kept) {
		r->cap_kept = ocap ? ocap * 2 : 1024;
		if ((r->kept = calloc(r->cap_kept, sizeof(*r->kept))) == NULL) {
			r->kept = old;
			r->cap_kept = ocap;
			return CERR_NOMEM;
		}
		r->n_kept = 0;
		for (i = 0; i < ocap; i++)
			if (old[i].used)
				kept_put(r, old[i].dev, old[i].ino);
		free(old);
	}
	kept_put(r, st->st_dev, st->st_ino);
	return 0;
}

void
xrecv_shared_free(struct receiver *r)
{
	free(r->kept);
	r->kept = NULL;
	r->n_kept = r->cap_kept = 0;
}

/* ---- entries whose content is right ---- */

int
xrecv_shared_check(struct receiver *r, int dfd, const struct tree_entry *e,
    const struct stat *st, bool *own, bool *differs)
{
	*own = *differs = false;
	if (st->st_nlink == 1)
		return 0;   /* its only name: changed in place */
	if (xrecv_meta_differs_at(dfd, e->name, st, e, false, differs) != 0)
		return xrecv_fail(r, CERR_IO, "cannot open", e->name);
	if (*differs || kept_has(r, st)) {
		*own = true;
		return 0;
	}
	return kept_add(r, st);
}

/* dfd/name as a new inode with e's metadata and the old one's content:
 * a copy beside it (holes kept, a reflink where the file system can),
 * renamed over it. */
static int
private_copy(struct receiver *r, int dfd, const struct tree_entry *e,
    const struct stat *st, uint32_t index)
{
	const char *what = "cannot open";
	char tmp[64] = "";
	struct stat cur;
	int in, out = -1, rc = CERR_IO;

	/* the inode we stat()ed, never anything swapped in (xfer_open.c) */
	if ((in = xfer_open_regular(dfd, e->name, st)) == XOPEN_GONE)
		errno = ESTALE;   /* replaced under us */
	if (in < 0 || fstat(in, &cur) != 0)
		goto out;
	what = "cannot create a file beside";
	if ((out = xrecv_open_tmp(dfd, index, tmp, sizeof(tmp))) < 0)
		goto out;
	what = "cannot copy";
	if (xcopy_range(in, out, 0, (uint64_t)cur.st_size, r->rbuf,
	    READ_CHUNK) != 0 ||
	    meta_install(dfd, tmp, out, e, (uint64_t)cur.st_size, &what) != 0)
		goto out;
	tmp[0] = '\0';   /* installed */
	rc = 0;
out:
	if (rc != 0)
		rc = xrecv_fail(r, rc, what, e->name);
	if (out >= 0)
		close(out);
	if (tmp[0])
		(void)unlinkat(dfd, tmp, 0);
	if (in >= 0)
		close(in);
	return rc;
}

int
xrecv_shared_keep(struct receiver *r, int dfd, const struct tree_entry *e,
    const struct stat *st, uint32_t index)
{
	bool own, differs;
	int rc;

	if ((rc = xrecv_shared_check(r, dfd, e, st, &own, &differs)) != 0)
		return rc;
	if (!own)
		return xrecv_fix_meta(r, dfd, e->name, st, e, false, NULL);
	r->st->files_changed++;
	if (r->dry)
		return 0;
	if ((rc = private_copy(r, dfd, e, st, index)) != 0)
		return rc;
	/* the same content and metadata in an inode of its own: no change
	 * to tell */
	if (differs)
		xrecv_report(r, r->path, e->name, XFER_META);
	return 0;
}
