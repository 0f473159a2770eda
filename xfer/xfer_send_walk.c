/* corral xfer: the sender's walk: the tree depth-first, sorted names,
 * one entry at a time into ENTRIES frames; regular files join the window
 * (open until answered), further names of a file go as hard links. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <unistd.h>

#include "cerr.h"
#include "proto.h"
#include "xfer_send.h"

/* A btrfs subvolume inside the tree shows in a snapshot of it as an
 * empty directory of inode 2 (BTRFS_EMPTY_SUBVOL_DIR_OBJECTID, on a
 * device of its own): its
 * content is in no snapshot of the outer one, and a copy with it empty
 * would lose it without a word (a move then removes the source). */
static bool
nested_subvol(int fd, const struct stat *st)
{
	struct statfs sf;

	return st->st_ino == 2 && fstatfs(fd, &sf) == 0 &&
	    sf.f_type == BTRFS_SUPER_MAGIC;
}

/* Read live (a dir volume on btrfs), a subvolume nested in the tree is
 * its own root directory, inode 256 (BTRFS_FIRST_FREE_OBJECTID), on a
 * device of its own though no mount is there; a mount root is a mount. */
static bool
live_subvol(int fd, const struct stat *st)
{
	struct statfs sf;
	struct statx sx;

	return st->st_ino == 256 && fstatfs(fd, &sf) == 0 &&
	    sf.f_type == BTRFS_SUPER_MAGIC &&
	    statx(fd, "", AT_EMPTY_PATH, 0, &sx) == 0 &&
	    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) == 0;
}

void (*xsend_test_before_open)(int dfd, const char *name);

/* The path under the root of the entry just taken from the top
 * directory: each level's current name, joined (cut at len). */
static void
walk_path(const struct sender *s, char *buf, size_t len)
{
	const struct dirlist *l;
	size_t n = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; i < s->depth && n < len; i++) {
		l = &s->stack[i].l;
		k = snprintf(buf + n, len - n, "%s%s", i > 0 ? "/" : "",
		    dirlist_name(l, l->pos - 1));
		if (k < 0)
			break;
		n += (size_t)k;
	}
}

/* A directory whose content the sender cannot read with the tree's (a
 * container's copy would go without it): the send fails naming it. */
static int
refuse_dir(struct sender *s, bool subvol)
{
	char path[PATH_MAX];

	walk_path(s, path, sizeof(path));
	if (subvol)
		snprintf(s->err, s->errlen, "%s: a btrfs subvolume nested in "
		    "the tree, which no snapshot of it holds: not copied (%s); "
		    "move it out of the container's volume first", path,
		    strerror(EXDEV));
	else
		snprintf(s->err, s->errlen, "%s: a file system mounted in the "
		    "container's tree, whose content is not in its volume: "
		    "not copied; unmount it first", path);
	return CERR_INVALID;
}

/* ---- hard links: (dev, ino) -> index of the first name ---- */

static struct link_slot *
link_find(struct sender *s, dev_t dev, ino_t ino, bool insert)
{
	size_t i, h;

	if (insert && (s->links_n + 1) * 2 > s->links_cap) {
		size_t ncap = s->links_cap ? s->links_cap * 2 : 256;
		struct link_slot *nv = calloc(ncap, sizeof(*nv));

		if (nv == NULL)
			return NULL;
		for (i = 0; i < s->links_cap; i++) {
			struct link_slot *o = &s->links[i];

			if (!o->used)
				continue;
			h = ((size_t)o->ino * 31 + (size_t)o->dev) % ncap;
			while (nv[h].used)
				h = (h + 1) % ncap;
			nv[h] = *o;
		}
		free(s->links);
		s->links = nv;
		s->links_cap = ncap;
	}
	if (s->links_cap == 0)
		return NULL;
	h = ((size_t)ino * 31 + (size_t)dev) % s->links_cap;
	while (s->links[h].used) {
		if (s->links[h].dev == dev && s->links[h].ino == ino)
			return &s->links[h];
		h = (h + 1) % s->links_cap;
	}
	if (!insert)
		return NULL;
	s->links[h].used = true;
	s->links[h].dev = dev;
	s->links[h].ino = ino;
	s->links_n++;
	return &s->links[h];
}

/* ---- output ---- */

int
xsend_flush_entries(struct sender *s)
{
	struct cbuf *b;
	uint16_t type;
	int r;

	if (s->n_ents == 0)
		return 0;
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = tree_entries_pack(b, s->n_ents, cbuf_ptr(s->ents),
	    cbuf_len(s->ents), &type)) == 0)
		r = xio_put(&s->io, type, b);
	cbuf_free(b);
	cbuf_reset(s->ents);
	s->n_ents = 0;
	return r;
}

static int
add_entry(struct sender *s, const struct tree_entry *e)
{
	int r;

	/* keep every ENTRIES frame well under the frame maximum */
	if (cbuf_len(s->ents) > PROTO_PAYLOAD_MAX / 2 &&
	    (r = xsend_flush_entries(s)) != 0)
		return r;
	if ((r = tree_entry_encode(s->ents, e)) != 0)
		return r;
	s->n_ents++;
	if (e->kind != TREE_LEAVE)
		s->st->files++;
	return 0;
}

/* ---- the walk ---- */

static int
push_dir(struct sender *s, int fd, bool foreign)
{
	struct sdir *d = &s->stack[s->depth];

	if (s->depth >= TREE_DEPTH_MAX) {
		close(fd);
		snprintf(s->err, s->errlen, "tree deeper than %d directories",
		    TREE_DEPTH_MAX);
		return CERR_INVALID;
	}
	d->fd = fd;
	d->foreign = foreign;
	memset(&d->l, 0, sizeof(d->l));
	if (!foreign && dirlist_read(fd, &d->l) != 0) {
		close(fd);
		return xsend_fail(s, CERR_IO, "cannot list a directory: %s%s", "");
	}
	s->depth++;
	return 0;
}

/* Announce one more entry; 0 with nothing done when the window is full. */
int
xsend_walk_step(struct sender *s, bool *blocked)
{
	struct tree_entry *e;
	struct sdir *top;
	struct stat st;
	const char *name;
	struct link_slot *ls;
	struct pend *p;
	int fd = -1, r = 0;

	*blocked = false;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CERR_NOMEM;
	if (!s->root_sent) {
		if (fstat(s->rootfd, &st) != 0 ||
		    meta_read(s->rootfd, "", &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = xsend_fail(s, CERR_IO, "cannot read the root: %s%s", "");
			goto out;
		}
		s->rootdev = st.st_dev;
		e->kind = TREE_DIR;
		if ((fd = dup(s->rootfd)) < 0)
			goto out;
		r = push_dir(s, fd, false);
		fd = -1;   /* the stack owns it, or push_dir closed it */
		if (r != 0 || (r = add_entry(s, e)) != 0)
			goto out;
		s->root_sent = true;
		goto out;
	}
	top = &s->stack[s->depth - 1];
	if (top->l.pos == top->l.n) {
		e->kind = TREE_LEAVE;
		if ((r = add_entry(s, e)) != 0)
			goto out;
		close(top->fd);
		dirlist_free(&top->l);
		if (--s->depth == 0)
			s->walk_done = true;
		goto out;
	}
	name = dirlist_name(&top->l, top->l.pos);
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		top->l.pos++;   /* vanished since the listing: not there */
		goto out;
	}
	/* files kept for the receiver's verdict count too */
	if (S_ISREG(st.st_mode) && s->count + s->held_n >= WINDOW) {
		*blocked = true;
		goto out;
	}
	top->l.pos++;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (strlen(name) > TREE_NAME_MAX) {
		snprintf(s->err, s->errlen, "name longer than %d bytes",
		    TREE_NAME_MAX);
		r = CERR_INVALID;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = openat(top->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			goto out;   /* replaced meanwhile: skip it */
		if (meta_read(top->fd, name, &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = xsend_fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->kind = TREE_DIR;
		if (nested_subvol(fd, &st)) {
			r = refuse_dir(s, true);
			goto out;
		}
		if (st.st_dev != s->rootdev && s->o->refuse_mounts) {
			r = refuse_dir(s, live_subvol(fd, &st));
			goto out;
		}
		/* like rsync -x: a mount point is copied, not its content */
		if ((r = push_dir(s, fd, st.st_dev != s->rootdev)) != 0) {
			fd = -1;
			goto out;
		}
		fd = -1;
		r = add_entry(s, e);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 &&
	    (ls = link_find(s, st.st_dev, st.st_ino, false)) != NULL) {
		if (meta_read(top->fd, name, &st, e, s->xstore,
		    sizeof(s->xstore)) != 0) {
			r = xsend_fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->kind = TREE_HARDLINK;
		e->link_index = ls->index;
		r = add_entry(s, e);
		goto out;
	}
	if (meta_read(top->fd, name, &st, e, s->xstore, sizeof(s->xstore)) != 0) {
		if (errno == ENOENT)
			goto out;
		r = xsend_fail(s, CERR_IO, "%s: %s", name);
		goto out;
	}
	if (S_ISLNK(st.st_mode))
		e->kind = TREE_SYMLINK;
	else if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
		e->kind = TREE_DEVICE;
	else if (S_ISFIFO(st.st_mode))
		e->kind = TREE_FIFO;
	else if (S_ISSOCK(st.st_mode))
		e->kind = TREE_SOCKET;
	if (!S_ISREG(st.st_mode)) {
		r = add_entry(s, e);
		goto out;
	}
	/* a regular file: open it now and keep it until it is answered;
	 * the inode we stat()ed or nothing (xfer_open.c) */
	if (xsend_test_before_open != NULL)
		xsend_test_before_open(top->fd, name);
	if ((fd = xfer_open_regular(top->fd, name, &st)) == XOPEN_GONE) {
		/* gone or replaced since the listing: not sent, like a
		 * file that vanished before it */
		if (s->o->vanished != NULL)
			(*s->o->vanished)++;
		goto out;
	}
	if (fd < 0) {
		r = xsend_fail(s, CERR_IO, "cannot open %s: %s", name);
		goto out;
	}
	e->kind = TREE_FILE;
	if (st.st_nlink > 1) {
		if ((ls = link_find(s, st.st_dev, st.st_ino, true)) == NULL) {
			r = CERR_NOMEM;
			goto out;
		}
		ls->index = s->next_index;
		e->flags |= TREE_F_LINKED;
	}
	if (s->o->opts & TREE_OPT_CHECKSUM) {
		if (hash_fd(fd, e->hash) != 0) {
			r = xsend_fail(s, CERR_IO, "%s: %s", name);
			goto out;
		}
		e->flags |= TREE_F_HASH;
	}
	if ((r = add_entry(s, e)) != 0)
		goto out;
	p = xsend_ring_at(s, s->count++);
	memset(p, 0, sizeof(*p));
	p->index = s->next_index++;
	p->fd = fd;
	p->size = e->size;
	fd = -1;
	s->st->bytes_total += e->size;
out:
	if (fd >= 0)
		close(fd);
	free(e);
	return r;
}
