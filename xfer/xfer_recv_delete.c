/* corral xfer: the receiver deletes what the source lacks: local names
 * the sorted stream passed by, and whole subtrees, never following a
 * link. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cerr.h"
#include "xfer_recv.h"

#define RM_DEPTH_MAX 4096

/* path: name's own path under the root, for the report (NULL: none) */
static int
rm_tree(struct receiver *r, int dfd, const char *name, const char *path,
    int depth, bool report)
{
	struct dirlist l;
	struct stat st;
	char *sub;
	size_t i;
	int fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	r->st->deleted++;
	if (r->dry)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (depth > RM_DEPTH_MAX)
			return -1;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (dirlist_read(fd, &l) != 0) {
			close(fd);
			return -1;
		}
		for (i = 0; i < l.n && rc == 0; i++) {
			sub = NULL;
			if (path != NULL && asprintf(&sub, "%s/%s", path,
			    dirlist_name(&l, i)) < 0) {
				rc = -1;
				break;
			}
			rc = rm_tree(r, fd, dirlist_name(&l, i), sub, depth + 1,
			    true);
			free(sub);
		}
		dirlist_free(&l);
		close(fd);
		if (rc != 0)
			return rc;
		rc = unlinkat(dfd, name, AT_REMOVEDIR);
	} else {
		rc = unlinkat(dfd, name, 0);
	}
	if (rc == 0 && report && path != NULL)
		r->o->on_change(r->o->change_arg, path, XFER_DELETED);
	return rc;
}

int
xrecv_rm_tree(struct receiver *r, int dfd, const char *dir, const char *name,
    bool replace)
{
	char *path = NULL;
	int rc;

	/* deep trees beyond the stream's own depth get their paths here */
	if (r->o->on_change != NULL && !r->dry &&
	    asprintf(&path, "%s%s", dir, name) < 0)
		return -1;
	rc = rm_tree(r, dfd, name, path, 0, !replace);
	free(path);
	return rc;
}

/* The local names of d before name (sorted, as the stream is) are not in
 * the source: delete them.  *exists: name itself is there. */
int
xrecv_delete_before(struct receiver *r, struct rdir *d, const char *name,
    bool *exists)
{
	int c;

	*exists = false;
	while (d->l.pos < d->l.n &&
	    (c = strcmp(dirlist_name(&d->l, d->l.pos), name)) <= 0) {
		if (c == 0) {
			*exists = true;
			d->l.pos++;
			break;
		}
		if (xrecv_rm_tree(r, d->fd, r->path, dirlist_name(&d->l,
		    d->l.pos), false) != 0)
			return xrecv_fail(r, CERR_IO, "cannot delete",
			    dirlist_name(&d->l, d->l.pos));
		d->l.pos++;
	}
	return 0;
}

/* Leaving d: none of its local names left is in the source. */
int
xrecv_delete_rest(struct receiver *r, struct rdir *d)
{
	int rc = 0;

	for (; d->l.pos < d->l.n; d->l.pos++)
		if (xrecv_rm_tree(r, d->fd, r->path, dirlist_name(&d->l,
		    d->l.pos), false) != 0)
			rc = xrecv_fail(r, CERR_IO, "cannot delete",
			    dirlist_name(&d->l, d->l.pos));
	return rc;
}
