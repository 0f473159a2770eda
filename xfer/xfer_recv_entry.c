/* corral xfer: the receiver's decision on one entry that is not a
 * directory: a regular file is answered with a NEED (skip, literal, delta
 * or aligned blocks) and queued; a symlink, device, FIFO or socket is made
 * right away; what is already right only gets its metadata fixed. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cerr.h"
#include "proto.h"
#include "xfer_copier.h"
#include "xfer_recv.h"

#define DELTA_MIN    (16 * 1024)    /* smaller files are sent whole */
#define BLOCKS_MIN   (32u << 20)    /* from here: aligned blocks */
#define BLOCKS_MAX   (2ull << 30)   /* we keep 64 bytes a block */

bool
xrecv_meta_differs(const struct stat *st, const struct tree_entry *e, int fd,
    bool check_mtime)
{
	if (st->st_uid != e->uid || st->st_gid != e->gid)
		return true;
	if (!S_ISLNK(e->mode) && (st->st_mode & 07777) != (e->mode & 07777))
		return true;
	if (check_mtime && (st->st_mtim.tv_sec != e->mtime_sec ||
	    (uint32_t)st->st_mtim.tv_nsec != e->mtime_nsec))
		return true;
	return fd >= 0 && !meta_xattrs_equal(fd, e);
}

static bool
differs_fd(int dfd, const char *name, int fd, const struct stat *st,
    const struct tree_entry *e, bool is_dir)
{
	return xrecv_meta_differs(st, e, fd, !is_dir) || (S_ISLNK(e->mode) &&
	    !meta_link_xattrs_equal(dfd, name, e));
}

int
xrecv_meta_differs_at(int dfd, const char *name, const struct stat *st,
    const struct tree_entry *e, bool is_dir, bool *differs)
{
	int fd = -1;

	if (!S_ISLNK(e->mode) &&
	    (fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	*differs = differs_fd(dfd, name, fd, st, e, is_dir);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Fix owner, mode, xattrs and mtime of an existing object if they differ. */
int
xrecv_fix_meta(struct receiver *r, int dfd, const char *name,
    const struct stat *st, const struct tree_entry *e, bool is_dir,
    bool *changed)
{
	bool differs;
	int fd = -1, rc = 0;

	if (!S_ISLNK(e->mode)) {
		fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return xrecv_fail(r, CERR_IO, "cannot open", name);
	}
	if ((differs = differs_fd(dfd, name, fd, st, e, is_dir))) {
		r->st->files_changed++;
		if (!r->dry && meta_apply(dfd, name, fd, e, is_dir) != 0)
			rc = xrecv_fail(r, CERR_IO, "cannot set metadata of",
			    name);
	}
	if (fd >= 0)
		close(fd);
	/* a directory's mtime is set when it is left: a change all the same */
	if (rc == 0 && (differs || (is_dir &&
	    (st->st_mtim.tv_sec != e->mtime_sec ||
	    (uint32_t)st->st_mtim.tv_nsec != e->mtime_nsec))))
		xrecv_report(r, r->path, name, XFER_META);
	if (changed != NULL)
		*changed = differs;
	return rc;
}

static int
add_need(struct receiver *r, uint32_t index, uint8_t how, uint64_t seed)
{
	struct tree_need n = { .index = index, .how = how, .seed = seed };

	r->n_needs++;
	return tree_need_encode(r->needs, &n);
}

int
xrecv_flush_needs(struct receiver *r)
{
	struct cbuf *b;
	int rc;

	if (r->n_needs == 0)
		return 0;
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((rc = tree_needs_pack(b, r->n_needs, cbuf_ptr(r->needs),
	    cbuf_len(r->needs))) == 0)
		rc = xio_put(&r->io, MSG_TREE_NEED, b);
	cbuf_free(b);
	cbuf_reset(r->needs);
	r->n_needs = 0;
	return rc;
}

int
xrecv_file(struct receiver *r, int dfd, const struct tree_entry *e, bool exists,
    const struct stat *lst)
{
	uint32_t index = r->next_index++;
	uint8_t how = TREE_NEED_LITERAL, h[TREE_HASH_LEN];
	struct item *it;
	bool same, changed;
	int fd, rc;

	r->st->bytes_total += e->size;
	if ((e->flags & TREE_F_LINKED) &&
	    (rc = xrecv_leader_add(r, index, e->name)) != 0)
		return rc;
	if (exists) {
		if (e->flags & TREE_F_HASH) {
			same = (uint64_t)lst->st_size == e->size;
			if (same) {
				fd = xfer_open_regular(dfd, e->name, lst);
				same = fd >= 0 && hash_fd(fd, h) == 0 &&
				    memcmp(h, e->hash, TREE_HASH_LEN) == 0;
				if (fd >= 0)
					close(fd);
			}
		} else {
			same = (uint64_t)lst->st_size == e->size &&
			    lst->st_mtim.tv_sec == e->mtime_sec &&
			    (uint32_t)lst->st_mtim.tv_nsec == e->mtime_nsec;
		}
		if (same && r->o->shared_inodes) {
			if ((rc = xrecv_shared_keep(r, dfd, e, lst, index)) != 0)
				return rc;
			return add_need(r, index, TREE_NEED_SKIP, 0) == 0 ? 0 :
			    CERR_NOMEM;
		}
		/* a file with other names than the stream's own links (maybe
		 * outside this tree) is rebuilt, not changed in place, when
		 * its metadata differs: that never touches the other names */
		if (same && lst->st_nlink > 1 && !(e->flags & TREE_F_LINKED)) {
			fd = openat(dfd, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || xrecv_meta_differs(lst, e, fd, true))
				same = false;
			if (fd >= 0)
				close(fd);
		}
		if (same) {
			if ((rc = xrecv_fix_meta(r, dfd, e->name, lst, e,
			    false, &changed)) != 0)
				return rc;
			/* its names already linked changed with it */
			if (changed && (e->flags & TREE_F_LINKED))
				r->leaders[r->n_leaders - 1].meta = true;
			return add_need(r, index, TREE_NEED_SKIP, 0) == 0 ? 0 : CERR_NOMEM;
		}
		if (e->size >= DELTA_MIN && lst->st_size > 0)
			how = TREE_NEED_DELTA;
		if (e->size >= BLOCKS_MIN && (uint64_t)lst->st_size >= BLOCKS_MIN &&
		    (uint64_t)lst->st_size <= BLOCKS_MAX)
			how = TREE_NEED_BLOCKS;
	}
	r->st->files_changed++;
	if (r->dry)
		return add_need(r, index, TREE_NEED_SKIP, 0) == 0 ? 0 : CERR_NOMEM;
	xrecv_report(r, r->path, e->name, exists ? XFER_CONTENT : XFER_CREATED);
	/* an honest sender never has more files in flight than its window */
	if (r->pending_files >= TREE_WINDOW)
		return xrecv_bad(r, "more files in flight than the window "
		    "allows");
	if ((it = xrecv_item_new(IT_FILE, dfd, e->name)) == NULL ||
	    xrecv_item_keep_entry(it, e) != 0) {
		xrecv_item_free(it);
		return CERR_NOMEM;
	}
	it->index = index;
	it->how = how;
	r->pending_files++;
	if (how == TREE_NEED_DELTA || how == TREE_NEED_BLOCKS) {
		/* the file we stat()ed, or none: a FIFO or device swapped in
		 * is never opened (xfer_open.c) */
		it->basis_fd = xfer_open_regular(dfd, e->name, lst);
		if (it->basis_fd < 0) {
			it->basis_fd = -1;
			it->how = how = TREE_NEED_LITERAL;
		} else {
			it->basis_size = (uint64_t)lst->st_size;
		}
	}
	if (it->how == TREE_NEED_BLOCKS &&
	    ((it->bhash = calloc(it->basis_size / TREE_BLOCK_LEN + 1,
	    TREE_BLOCK_FULL)) == NULL || (it->nhash = calloc(e->size /
	    TREE_BLOCK_LEN + 1, TREE_BLOCK_FULL)) == NULL)) {
		xrecv_item_free(it);
		return CERR_NOMEM;
	}
	/* a seed nobody who wrote the data knows (see proto/tree.h) */
	if (it->how == TREE_NEED_BLOCKS && getrandom(&it->seed,
	    sizeof(it->seed), 0) != (ssize_t)sizeof(it->seed)) {
		xrecv_item_free(it);
		return xrecv_fail(r, CERR_IO, "no random seed for", e->name);
	}
	/* large files are copied and installed by the copier thread */
	if (it->how == TREE_NEED_BLOCKS && ((r->cp == NULL &&
	    xcopier_start(&r->cp) != 0) || (it->fdir = strndup(r->path,
	    r->stack[r->depth - 1].path_len)) == NULL)) {
		xrecv_item_free(it);
		return CERR_NOMEM;
	}
	xrecv_enqueue(r, it);
	return add_need(r, index, it->how, it->seed) == 0 ? 0 : CERR_NOMEM;
}

/* Symlinks, devices, FIFOs, sockets: made right away. */
int
xrecv_special(struct receiver *r, int dfd, const struct tree_entry *e,
    bool exists, const struct stat *lst)
{
	enum xfer_change what = XFER_CREATED;
	char target[TREE_LINK_MAX + 1];
	bool same = true, own = false, differs = false;
	ssize_t n;
	int fd, rc = 0;

	if (exists) {
		if (e->kind == TREE_SYMLINK) {
			n = readlinkat(dfd, e->name, target, sizeof(target) - 1);
			same = n >= 0 && (size_t)n == strlen(e->target) &&
			    memcmp(target, e->target, (size_t)n) == 0;
		} else if (e->kind == TREE_DEVICE) {
			same = lst->st_rdev == (dev_t)e->rdev;
		}
		if (same && r->o->shared_inodes && (rc = xrecv_shared_check(r,
		    dfd, e, lst, &own, &differs)) != 0)
			return rc;
		if (same && !own)
			return xrecv_fix_meta(r, dfd, e->name, lst, e, false,
			    NULL);
		/* made again: another target or device, or (one of several
		 * names) an inode of its own */
		if (xrecv_rm_tree(r, dfd, r->path, e->name, true) != 0)
			return xrecv_fail(r, CERR_IO, "cannot replace",
			    e->name);
		r->st->deleted--;
		what = !same ? XFER_CONTENT : XFER_META;
	}
	r->st->files_changed++;
	if (r->dry)
		return 0;
	if (e->kind == TREE_SYMLINK)
		rc = symlinkat(e->target, dfd, e->name);
	else
		rc = mknodat(dfd, e->name, e->mode & (S_IFMT | 0600),
		    e->kind == TREE_DEVICE ? (dev_t)e->rdev : 0);
	if (rc != 0)
		return xrecv_fail(r, CERR_IO, "cannot create", e->name);
	fd = -1;
	if (e->kind != TREE_SYMLINK &&
	    (fd = openat(dfd, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return xrecv_fail(r, CERR_IO, "cannot open", e->name);
	rc = meta_apply(dfd, e->name, fd, e, false);
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		return xrecv_fail(r, CERR_IO, "cannot set metadata of",
		    e->name);
	/* an inode of its own with the same metadata: nothing to tell */
	if (!own || differs)
		xrecv_report(r, r->path, e->name, what);
	return 0;
}
