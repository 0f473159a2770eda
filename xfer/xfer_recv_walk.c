/* corral xfer: the receiver walks its own tree beside the sender's
 * stream of entries (both sorted depth-first): the root, directories
 * entered and left, and each entry sent where it belongs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cerr.h"
#include "xfer_recv.h"

static int
push_dir(struct receiver *r, int fd, const char *name)
{
	struct rdir *d;
	size_t len;

	if (r->depth >= TREE_DEPTH_MAX) {
		if (fd >= 0)
			close(fd);
		return xrecv_bad(r, "tree too deep");
	}
	d = &r->stack[r->depth];
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	if (fd >= 0 && dirlist_read(fd, &d->l) != 0) {
		close(fd);
		return xrecv_fail(r, CERR_IO, "cannot list",
		    name[0] ? name : ".");
	}
	/* this directory's path, for hard link targets inside it */
	len = r->depth ? r->stack[r->depth - 1].path_len : 0;
	if (name[0]) {
		snprintf(r->path + len, sizeof(r->path) - len, "%s/", name);
		len += strlen(name) + 1;
	}
	r->path[len] = '\0';
	d->path_len = len;
	r->depth++;
	return 0;
}

static int
on_leave(struct receiver *r)
{
	struct rdir *d = &r->stack[r->depth - 1];
	struct item *it;
	int rc;

	rc = xrecv_delete_rest(r, d);
	dirlist_free(&d->l);
	if (rc == 0 && d->fd >= 0 && !r->dry) {
		/* the directory's mtime, once everything inside is written */
		if ((it = xrecv_item_new(IT_DIRFIN, -1, "")) == NULL ||
		    (it->dirpath = strndup(r->path, d->path_len)) == NULL) {
			xrecv_item_free(it);
			rc = CERR_NOMEM;
		} else {
			it->mtime_sec = d->mtime_sec;
			it->mtime_nsec = d->mtime_nsec;
			xrecv_enqueue(r, it);
		}
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	r->depth--;
	if (r->depth == 0)
		r->walk_done = true;
	r->path[r->depth ? r->stack[r->depth - 1].path_len : 0] = '\0';
	return rc ? rc : xrecv_run_ready(r);
}

static int
on_dir(struct receiver *r, int dfd, const struct tree_entry *e, bool exists,
    const struct stat *lst)
{
	int fd = -1, rc;

	if (exists) {
		if ((rc = xrecv_fix_meta(r, dfd, e->name, lst, e, true,
		    NULL)) != 0)
			return rc;
	} else {
		r->st->files_changed++;
		if (!r->dry) {
			if (mkdirat(dfd, e->name, 0700) != 0)
				return xrecv_fail(r, CERR_IO, "cannot create",
				    e->name);
			xrecv_report(r, r->path, e->name, XFER_CREATED);
		}
	}
	if (dfd >= 0 && (exists || !r->dry)) {
		fd = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			return xrecv_fail(r, CERR_IO, "cannot open", e->name);
		if (!exists && meta_apply(dfd, e->name, fd, e, true) != 0) {
			close(fd);
			return xrecv_fail(r, CERR_IO, "cannot set metadata of",
			    e->name);
		}
	}
	if ((rc = push_dir(r, fd, e->name)) != 0)
		return rc;
	r->stack[r->depth - 1].mtime_sec = e->mtime_sec;
	r->stack[r->depth - 1].mtime_nsec = e->mtime_nsec;
	return 0;
}

static int
on_root(struct receiver *r, const struct tree_entry *e)
{
	struct stat st;
	int fd, rc;

	if (e->kind != TREE_DIR || e->name[0] != '\0')
		return xrecv_bad(r, "the stream does not start with its root");
	r->root_seen = true;
	if (r->rootfd < 0 && r->dry) {
		/* nothing there and nothing to make: all of it is new */
		r->st->files_changed++;
		return push_dir(r, -1, "");
	}
	if (r->rootfd < 0 && (r->rootfd = xfer_open_beneath(r->o->storefd,
	    r->o->create_path, true, r->err, r->errlen)) < 0)
		return CERR_IO;
	if ((fd = fcntl(r->rootfd, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    fstat(fd, &st) != 0)
		return xrecv_fail(r, CERR_IO, "cannot open", ".");
	if (xrecv_meta_differs(&st, e, fd, false)) {
		r->st->files_changed++;
		if (!r->dry && meta_apply(fd, "", fd, e, true) != 0) {
			close(fd);
			return xrecv_fail(r, CERR_IO,
			    "cannot set metadata of", ".");
		}
		xrecv_report(r, "", "", XFER_META);
	} else if (st.st_mtim.tv_sec != e->mtime_sec ||
	    (uint32_t)st.st_mtim.tv_nsec != e->mtime_nsec) {
		xrecv_report(r, "", "", XFER_META);   /* set at the end */
	}
	if ((rc = push_dir(r, fd, "")) != 0)
		return rc;
	r->stack[0].mtime_sec = e->mtime_sec;
	r->stack[0].mtime_nsec = e->mtime_nsec;
	return 0;
}

int
xrecv_entry(struct receiver *r, const struct tree_entry *e)
{
	struct rdir *d;
	struct stat lst;
	struct item *it;
	bool exists;
	int rc;

	if (!r->root_seen)
		return on_root(r, e);
	if (r->walk_done)
		return xrecv_bad(r, "entries after the end of the tree");
	r->st->files += e->kind != TREE_LEAVE;
	if (e->kind == TREE_LEAVE)
		return on_leave(r);
	if (e->name[0] == '\0')
		return xrecv_bad(r, "a second root");
	d = &r->stack[r->depth - 1];
	/* names come once each, in order: what cannot be merged is refused */
	if (d->last[0] && strcmp(e->name, d->last) <= 0)
		return xrecv_bad(r, "names out of order or repeated");
	snprintf(d->last, sizeof(d->last), "%s", e->name);
	/* everything local before this name is not in the source */
	if ((rc = xrecv_delete_before(r, d, e->name, &exists)) != 0)
		return rc;
	if (exists && fstatat(d->fd, e->name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
		exists = false;
	if (exists && (lst.st_mode & S_IFMT) != (e->mode & S_IFMT) &&
	    e->kind != TREE_HARDLINK) {
		/* another type: remove it, then make the new one */
		if (xrecv_rm_tree(r, d->fd, r->path, e->name, true) != 0)
			return xrecv_fail(r, CERR_IO, "cannot replace",
			    e->name);
		r->st->deleted--;
		exists = false;
	}
	switch (e->kind) {
	case TREE_DIR:
		return on_dir(r, d->fd, e, exists, &lst);
	case TREE_FILE:
		return xrecv_file(r, d->fd, e, exists, &lst);
	case TREE_HARDLINK:
		if (e->link_index >= r->next_index)
			return xrecv_bad(r, "hard link to a later file");
		if (r->dry) {
			r->st->files_changed += !exists;
			return 0;
		}
		if (r->head == NULL)
			return xrecv_link(r, d->fd, r->path, e->name,
			    e->link_index);
		if ((it = xrecv_item_new(IT_LINK, -1, e->name)) == NULL ||
		    (it->dirpath = strndup(r->path, d->path_len)) == NULL) {
			xrecv_item_free(it);
			return CERR_NOMEM;
		}
		it->index = e->link_index;
		xrecv_enqueue(r, it);
		return 0;
	default:
		return xrecv_special(r, d->fd, e, exists, &lst);
	}
}
