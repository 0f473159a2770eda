/* corral xfer: the receiving side of a tree transfer.
 *
 * Walks its own tree beside the sender's stream (both sorted depth-first),
 * deleting what the sender lacks, creating or fixing the rest; answers each
 * regular file with a NEED (skip, literal, or delta with a signature).  A
 * changed file is built in a temporary file beside the old one and renamed
 * into place, so no file is ever half-written where it is visible.  Every
 * name is one component under a held directory fd, opened without following
 * symlinks; every length and index from the peer is checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "cerr.h"
#include "proto.h"
#include "xfer.h"
#include "xfer_copier.h"
#include "xfer_io.h"
#include "xfer_meta.h"

#define DELTA_MIN    (16 * 1024)    /* smaller files are sent whole */
#define BLOCKS_MIN   (32u << 20)    /* from here: aligned blocks */
#define BLOCKS_MAX   (2ull << 30)   /* we keep 64 bytes a block */
#define SIG_BLOCK_MAX 8192          /* finer than sqrt(size): fewer literals */
#define SIG_BLOCKS_MAX 1000000      /* keeps a signature under 16 MiB */
#define READ_CHUNK   (256 * 1024)
#define PATH_BUF     (TREE_DEPTH_MAX * (TREE_NAME_MAX + 1) + 1)
#define RM_DEPTH_MAX 4096

enum item_kind { IT_FILE, IT_LINK, IT_DIRFIN };

struct item {
	enum item_kind kind;
	struct item *next;
	int dfd;                   /* IT_FILE: the directory the name lives in */
	char *dirpath;             /* IT_LINK, IT_DIRFIN: that directory, as a
	                            * path under the root (no fd held, so any
	                            * number of them can wait) */
	char name[TREE_NAME_MAX + 1];
	struct tree_entry *e;      /* IT_FILE, IT_LINK: with its own xattrs */
	uint8_t *xvals;
	uint32_t index;
	uint8_t how;
	/* delta: the basis and its signature */
	int basis_fd;
	uint64_t basis_size;
	rs_job_t *sigjob;
	uint64_t sig_pos;
	bool sig_sent;
	/* the file being built */
	int tmpfd;
	char tmpname[64];
	rs_job_t *patch;
	EVP_MD_CTX *md;
	uint64_t out_pos;
	/* aligned blocks: the seed, the basis's block hashes, the new file's */
	uint64_t seed;
	uint8_t *bhash, *nhash;
	char *fdir;                /* its directory's path: the copier's */
	uint64_t nblocks_set;
	/* IT_DIRFIN: the directory's mtime */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct rdir {
	int fd;                    /* -1 in a dry run for a missing directory */
	struct dirlist l;
	char last[TREE_NAME_MAX + 1];
	size_t path_len;           /* of this directory's path in r->path */
	int64_t mtime_sec;         /* set when leaving it */
	uint32_t mtime_nsec;
};


struct leader {
	uint32_t index;
	char *path;                /* relative to the root */
};

struct receiver {
	struct xio io;
	const struct xfer_opts *o;
	struct tree_stats *st;
	int rootfd;
	bool dry;
	struct rdir stack[TREE_DEPTH_MAX + 1];
	int depth;
	bool root_seen, walk_done, end_seen;
	uint32_t next_index;
	struct item *head, *tail;  /* work waiting for earlier files */
	size_t pending_files;      /* IT_FILE items queued */
	struct cbuf *needs;        /* NEED records being batched */
	uint32_t n_needs;
	struct leader *leaders;
	size_t n_leaders, cap_leaders;
	struct xcopier *cp;        /* started with the first large file */
	char path[PATH_BUF];
	z_stream z;
	uint8_t *zbuf;
	uint8_t *rbuf;
	char *err;
	size_t errlen;
};

static int
rfail(struct receiver *r, int code, const char *what, const char *name)
{
	snprintf(r->err, r->errlen, "%s '%s': %s", what, name,
	    errno ? strerror(errno) : cerr_str(code));
	return code;
}

static int
bad(struct receiver *r, const char *why)
{
	snprintf(r->err, r->errlen, "bad stream from the sender: %s", why);
	return CERR_PROTOCOL;
}

/* ---- deleting what the source lacks, never following a link ---- */

static int
rm_tree(struct receiver *r, int dfd, const char *name, int depth)
{
	struct dirlist l;
	struct stat st;
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
		for (i = 0; i < l.n && rc == 0; i++)
			rc = rm_tree(r, fd, l.names[i], depth + 1);
		dirlist_free(&l);
		close(fd);
		if (rc != 0)
			return rc;
		return unlinkat(dfd, name, AT_REMOVEDIR);
	}
	return unlinkat(dfd, name, 0);
}

/* ---- the work queue ---- */

static void
item_free(struct item *it)
{
	if (it == NULL)
		return;
	if (it->basis_fd >= 0)
		close(it->basis_fd);
	if (it->tmpfd >= 0) {
		/* a file never finished is never left behind */
		close(it->tmpfd);
		if (it->dfd >= 0)
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

static struct item *
item_new(enum item_kind kind, int dfd, const char *name)
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
static int
item_keep_entry(struct item *it, const struct tree_entry *e)
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

static void
enqueue(struct receiver *r, struct item *it)
{
	if (r->tail)
		r->tail->next = it;
	else
		r->head = it;
	r->tail = it;
}

/* ---- hard link leaders: file index -> path under the root ---- */

static int
leader_add(struct receiver *r, uint32_t index, const char *name)
{
	struct leader *nv;

	if (r->n_leaders == r->cap_leaders) {
		size_t ncap = r->cap_leaders ? r->cap_leaders * 2 : 64;

		if ((nv = realloc(r->leaders, ncap * sizeof(*nv))) == NULL)
			return -1;
		r->leaders = nv;
		r->cap_leaders = ncap;
	}
	nv = &r->leaders[r->n_leaders];
	nv->index = index;
	if (asprintf(&nv->path, "%s%s", r->path, name) < 0)
		return -1;
	r->n_leaders++;
	return 0;
}

/* Leaders are added in increasing index order: binary search. */
static const struct leader *
leader_find(struct receiver *r, uint32_t index)
{
	size_t lo = 0, hi = r->n_leaders;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->leaders[mid].index == index)
			return &r->leaders[mid];
		if (r->leaders[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Make dfd/name another name of the leader's file. */
static int
do_link(struct receiver *r, int dfd, const char *name, uint32_t index)
{
	const struct leader *l = leader_find(r, index);
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	struct stat a, b;
	const char *slash, *base;
	char dir[PATH_BUF];
	int pfd, rc;

	if (l == NULL)
		return bad(r, "hard link to an unknown file");
	slash = strrchr(l->path, '/');
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - l->path),
		    l->path);
		base = slash + 1;
	} else {
		snprintf(dir, sizeof(dir), ".");
		base = l->path;
	}
	pfd = (int)syscall(SYS_openat2, r->rootfd, dir, &how, sizeof(how));
	if (pfd < 0)
		return rfail(r, CERR_IO, "hard link target", l->path);
	if (fstatat(pfd, base, &a, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(a.st_mode)) {
		close(pfd);
		return rfail(r, CERR_IO, "hard link target", l->path);
	}
	if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0) {
		if (b.st_dev == a.st_dev && b.st_ino == a.st_ino) {
			close(pfd);
			return 0;   /* already that file */
		}
		if (rm_tree(r, dfd, name, 0) != 0) {
			close(pfd);
			return rfail(r, CERR_IO, "cannot replace", name);
		}
		r->st->deleted--;   /* replaced, not deleted */
	}
	r->st->files_changed++;
	rc = linkat(pfd, base, dfd, name, 0);
	close(pfd);
	return rc == 0 ? 0 : rfail(r, CERR_IO, "cannot link", name);
}

/* ---- decisions on one entry ---- */

static bool
meta_differs(const struct stat *st, const struct tree_entry *e, int fd,
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

/* Fix owner, mode, xattrs and mtime of an existing object if they differ. */
static int
fix_meta(struct receiver *r, int dfd, const char *name, const struct stat *st,
    const struct tree_entry *e, bool is_dir)
{
	int fd = -1, rc = 0;

	if (!S_ISLNK(e->mode)) {
		fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return rfail(r, CERR_IO, "cannot open", name);
	}
	if (meta_differs(st, e, fd, !is_dir) || (S_ISLNK(e->mode) &&
	    !meta_link_xattrs_equal(dfd, name, e))) {
		r->st->files_changed++;
		if (!r->dry && meta_apply(dfd, name, fd, e, is_dir) != 0)
			rc = rfail(r, CERR_IO, "cannot set metadata of", name);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
add_need(struct receiver *r, uint32_t index, uint8_t how, uint64_t seed)
{
	struct tree_need n = { .index = index, .how = how, .seed = seed };

	r->n_needs++;
	return tree_need_encode(r->needs, &n);
}

static int
flush_needs(struct receiver *r)
{
	struct cbuf *b;
	int rc;

	if (r->n_needs == 0)
		return 0;
	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((rc = cbuf_put_u32(b, r->n_needs)) == 0 &&
	    (rc = cbuf_put(b, cbuf_ptr(r->needs), cbuf_len(r->needs))) == 0)
		rc = xio_put(&r->io, MSG_TREE_NEED, b);
	cbuf_free(b);
	cbuf_reset(r->needs);
	r->n_needs = 0;
	return rc;
}

static int
on_file(struct receiver *r, int dfd, const struct tree_entry *e, bool exists,
    const struct stat *lst)
{
	uint32_t index = r->next_index++;
	uint8_t how = TREE_NEED_LITERAL, h[TREE_HASH_LEN];
	struct item *it;
	bool same;
	int fd, rc;

	r->st->bytes_total += e->size;
	if ((e->flags & TREE_F_LINKED) && leader_add(r, index, e->name) != 0)
		return CERR_NOMEM;
	if (exists) {
		if (e->flags & TREE_F_HASH) {
			same = (uint64_t)lst->st_size == e->size;
			if (same) {
				fd = openat(dfd, e->name, O_RDONLY | O_NOFOLLOW |
				    O_CLOEXEC);
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
		/* a file with other names than the stream's own links (maybe
		 * outside this tree) is rebuilt, not changed in place, when
		 * its metadata differs: that never touches the other names */
		if (same && lst->st_nlink > 1 && !(e->flags & TREE_F_LINKED)) {
			fd = openat(dfd, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || meta_differs(lst, e, fd, true))
				same = false;
			if (fd >= 0)
				close(fd);
		}
		if (same) {
			if ((rc = fix_meta(r, dfd, e->name, lst, e, false)) != 0)
				return rc;
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
	/* an honest sender never has more files in flight than its window */
	if (r->pending_files >= TREE_WINDOW)
		return bad(r, "more files in flight than the window allows");
	if ((it = item_new(IT_FILE, dfd, e->name)) == NULL ||
	    item_keep_entry(it, e) != 0) {
		item_free(it);
		return CERR_NOMEM;
	}
	it->index = index;
	it->how = how;
	r->pending_files++;
	if (how == TREE_NEED_DELTA || how == TREE_NEED_BLOCKS) {
		it->basis_fd = openat(dfd, e->name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (it->basis_fd < 0) {
			it->how = how = TREE_NEED_LITERAL;
		} else {
			it->basis_size = (uint64_t)lst->st_size;
		}
	}
	if (it->how == TREE_NEED_BLOCKS &&
	    ((it->bhash = calloc(it->basis_size / TREE_BLOCK_LEN + 1,
	    TREE_BLOCK_FULL)) == NULL || (it->nhash = calloc(e->size /
	    TREE_BLOCK_LEN + 1, TREE_BLOCK_FULL)) == NULL)) {
		item_free(it);
		return CERR_NOMEM;
	}
	/* a seed nobody who wrote the data knows (see proto/tree.h) */
	if (it->how == TREE_NEED_BLOCKS && getrandom(&it->seed,
	    sizeof(it->seed), 0) != (ssize_t)sizeof(it->seed)) {
		item_free(it);
		return rfail(r, CERR_IO, "no random seed for", e->name);
	}
	/* large files are copied and installed by the copier thread */
	if (it->how == TREE_NEED_BLOCKS && ((r->cp == NULL &&
	    xcopier_start(&r->cp) != 0) || (it->fdir = strndup(r->path,
	    r->stack[r->depth - 1].path_len)) == NULL)) {
		item_free(it);
		return CERR_NOMEM;
	}
	enqueue(r, it);
	return add_need(r, index, it->how, it->seed) == 0 ? 0 : CERR_NOMEM;
}

/* Symlinks, devices, FIFOs, sockets: made right away. */
static int
on_special(struct receiver *r, int dfd, const struct tree_entry *e,
    bool exists, const struct stat *lst)
{
	char target[TREE_LINK_MAX + 1];
	ssize_t n;
	int fd, rc = 0;

	if (exists) {
		bool same = true;

		if (e->kind == TREE_SYMLINK) {
			n = readlinkat(dfd, e->name, target, sizeof(target) - 1);
			same = n >= 0 && (size_t)n == strlen(e->target) &&
			    memcmp(target, e->target, (size_t)n) == 0;
		} else if (e->kind == TREE_DEVICE) {
			same = lst->st_rdev == (dev_t)e->rdev;
		}
		if (same)
			return fix_meta(r, dfd, e->name, lst, e, false);
		if (rm_tree(r, dfd, e->name, 0) != 0)
			return rfail(r, CERR_IO, "cannot replace", e->name);
		r->st->deleted--;
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
		return rfail(r, CERR_IO, "cannot create", e->name);
	fd = -1;
	if (e->kind != TREE_SYMLINK &&
	    (fd = openat(dfd, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return rfail(r, CERR_IO, "cannot open", e->name);
	rc = meta_apply(dfd, e->name, fd, e, false);
	if (fd >= 0)
		close(fd);
	return rc == 0 ? 0 : rfail(r, CERR_IO, "cannot set metadata of",
	    e->name);
}

static int
push_dir(struct receiver *r, int fd, const char *name)
{
	struct rdir *d;
	size_t len;

	if (r->depth >= TREE_DEPTH_MAX) {
		if (fd >= 0)
			close(fd);
		return bad(r, "tree too deep");
	}
	d = &r->stack[r->depth];
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	if (fd >= 0 && dirlist_read(fd, &d->l) != 0) {
		close(fd);
		return rfail(r, CERR_IO, "cannot list", name[0] ? name : ".");
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
run_ready(struct receiver *r);

static int
on_leave(struct receiver *r)
{
	struct rdir *d = &r->stack[r->depth - 1];
	struct item *it;
	int rc = 0;

	for (; d->l.pos < d->l.n; d->l.pos++)
		if (rm_tree(r, d->fd, d->l.names[d->l.pos], 0) != 0)
			rc = rfail(r, CERR_IO, "cannot delete",
			    d->l.names[d->l.pos]);
	dirlist_free(&d->l);
	if (rc == 0 && d->fd >= 0 && !r->dry) {
		/* the directory's mtime, once everything inside is written */
		if ((it = item_new(IT_DIRFIN, -1, "")) == NULL ||
		    (it->dirpath = strndup(r->path, d->path_len)) == NULL) {
			item_free(it);
			rc = CERR_NOMEM;
		} else {
			it->mtime_sec = d->mtime_sec;
			it->mtime_nsec = d->mtime_nsec;
			enqueue(r, it);
		}
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	r->depth--;
	if (r->depth == 0)
		r->walk_done = true;
	r->path[r->depth ? r->stack[r->depth - 1].path_len : 0] = '\0';
	return rc ? rc : run_ready(r);
}

static int
on_dir(struct receiver *r, int dfd, const struct tree_entry *e, bool exists,
    const struct stat *lst)
{
	int fd = -1, rc;

	if (exists) {
		if ((rc = fix_meta(r, dfd, e->name, lst, e, true)) != 0)
			return rc;
	} else {
		r->st->files_changed++;
		if (!r->dry) {
			if (mkdirat(dfd, e->name, 0700) != 0)
				return rfail(r, CERR_IO, "cannot create", e->name);
		}
	}
	if (dfd >= 0 && (exists || !r->dry)) {
		fd = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			return rfail(r, CERR_IO, "cannot open", e->name);
		if (!exists && meta_apply(dfd, e->name, fd, e, true) != 0) {
			close(fd);
			return rfail(r, CERR_IO, "cannot set metadata of",
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
		return bad(r, "the stream does not start with its root");
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
		return rfail(r, CERR_IO, "cannot open", ".");
	if (meta_differs(&st, e, fd, false)) {
		r->st->files_changed++;
		if (!r->dry && meta_apply(fd, "", fd, e, true) != 0) {
			close(fd);
			return rfail(r, CERR_IO, "cannot set metadata of", ".");
		}
	}
	if ((rc = push_dir(r, fd, "")) != 0)
		return rc;
	r->stack[0].mtime_sec = e->mtime_sec;
	r->stack[0].mtime_nsec = e->mtime_nsec;
	return 0;
}

static int
on_entry(struct receiver *r, const struct tree_entry *e)
{
	struct rdir *d;
	struct stat lst;
	struct item *it;
	bool exists = false;
	int c;

	if (!r->root_seen)
		return on_root(r, e);
	if (r->walk_done)
		return bad(r, "entries after the end of the tree");
	r->st->files += e->kind != TREE_LEAVE;
	if (e->kind == TREE_LEAVE)
		return on_leave(r);
	if (e->name[0] == '\0')
		return bad(r, "a second root");
	d = &r->stack[r->depth - 1];
	/* names come once each, in order: what cannot be merged is refused */
	if (d->last[0] && strcmp(e->name, d->last) <= 0)
		return bad(r, "names out of order or repeated");
	snprintf(d->last, sizeof(d->last), "%s", e->name);
	/* everything local before this name is not in the source */
	while (d->l.pos < d->l.n &&
	    (c = strcmp(d->l.names[d->l.pos], e->name)) <= 0) {
		if (c == 0) {
			exists = true;
			d->l.pos++;
			break;
		}
		if (rm_tree(r, d->fd, d->l.names[d->l.pos], 0) != 0)
			return rfail(r, CERR_IO, "cannot delete",
			    d->l.names[d->l.pos]);
		d->l.pos++;
	}
	if (exists && fstatat(d->fd, e->name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
		exists = false;
	if (exists && (lst.st_mode & S_IFMT) != (e->mode & S_IFMT) &&
	    e->kind != TREE_HARDLINK) {
		/* another type: remove it, then make the new one */
		if (rm_tree(r, d->fd, e->name, 0) != 0)
			return rfail(r, CERR_IO, "cannot replace", e->name);
		r->st->deleted--;
		exists = false;
	}
	switch (e->kind) {
	case TREE_DIR:
		return on_dir(r, d->fd, e, exists, &lst);
	case TREE_FILE:
		return on_file(r, d->fd, e, exists, &lst);
	case TREE_HARDLINK:
		if (e->link_index >= r->next_index)
			return bad(r, "hard link to a later file");
		if (r->dry) {
			r->st->files_changed += !exists;
			return 0;
		}
		if (r->head == NULL)
			return do_link(r, d->fd, e->name, e->link_index);
		if ((it = item_new(IT_LINK, -1, e->name)) == NULL ||
		    (it->dirpath = strndup(r->path, d->path_len)) == NULL) {
			item_free(it);
			return CERR_NOMEM;
		}
		it->index = e->link_index;
		enqueue(r, it);
		return 0;
	default:
		return on_special(r, d->fd, e, exists, &lst);
	}
}

/* Run the queued work that no longer waits for a file: links and
 * directory times behind files that are done. */
static int
run_ready(struct receiver *r)
{
	struct item *it;
	struct timespec ts[2];
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
			rc = rfail(r, CERR_IO, "cannot open", it->dirpath);
		} else if (it->kind == IT_LINK) {
			rc = do_link(r, dfd, it->name, it->index);
		} else {
			ts[0].tv_sec = ts[1].tv_sec = it->mtime_sec;
			ts[0].tv_nsec = ts[1].tv_nsec = it->mtime_nsec;
			if (futimens(dfd, ts) != 0)
				rc = rfail(r, CERR_IO, "cannot set the time of",
				    it->dirpath);
		}
		if (dfd >= 0)
			close(dfd);
		r->head = it->next;
		if (r->head == NULL)
			r->tail = NULL;
		item_free(it);
		if (rc != 0)
			return rc;
	}
	return 0;
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
		if ((rc = on_entry(r, e)) != 0)
			goto out;
	}
	rc = cbuf_expect_end(b);
out:
	free(e);
	cbuf_free(b);
	return rc;
}

/* ---- building files from DATA ---- */

static int
open_tmp(struct receiver *r, struct item *it)
{
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(it->tmpname, sizeof(it->tmpname), ".corral-%u-%d-%d.tmp",
		    it->index, (int)getpid(), i);
		it->tmpfd = openat(it->dfd, it->tmpname, O_RDWR | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (it->tmpfd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	return rfail(r, CERR_IO, "cannot create a file beside", it->name);
}

/* Write at off, leaving all-zero 4 KiB blocks as holes. */
static int
write_sparse(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	static const uint8_t zero[4096];
	size_t i, run;

	for (i = 0; i < n; i += run) {
		run = n - i < sizeof(zero) ? n - i : sizeof(zero);
		if (run == sizeof(zero) && (off + i) % sizeof(zero) == 0 &&
		    memcmp(p + i, zero, run) == 0)
			continue;
		if (pwrite(fd, p + i, run, (off_t)(off + i)) != (ssize_t)run)
			return -1;
	}
	return 0;
}

static rs_result
basis_copy(void *arg, rs_long_t pos, size_t *len, void **buf)
{
	struct item *it = arg;
	ssize_t n;

	/* librsync does not bound a COPY by the basis: we do */
	if (pos < 0 || (uint64_t)pos >= it->basis_size)
		return RS_CORRUPT;
	if (*len > it->basis_size - (uint64_t)pos)
		*len = (size_t)(it->basis_size - (uint64_t)pos);
	n = pread(it->basis_fd, *buf, *len, pos);
	if (n <= 0)
		return RS_IO_ERROR;
	*len = (size_t)n;
	return RS_DONE;
}

static int
patch_out(void *arg, const void *p, size_t n)
{
	struct item *it = arg;

	if (it->out_pos + n > it->e->size)
		return -1;   /* more than announced */
	EVP_DigestUpdate(it->md, p, n);
	if (write_sparse(it->tmpfd, p, n, it->out_pos) != 0)
		return -1;
	it->out_pos += n;
	return 0;
}

static int defer_finish(struct receiver *r, struct item *it, uint64_t size);

static int
finish_file(struct receiver *r, struct item *it, const struct tree_data *d)
{
	uint8_t h[TREE_HASH_LEN];
	unsigned int hlen;
	const rs_stats_t *st;
	const char *what;

	if (d->offset > it->e->size)
		return bad(r, "file longer than announced");
	if (it->how == TREE_NEED_DELTA) {
		if (it->patch == NULL || rsjob_feed(it->patch, NULL, 0, true,
		    patch_out, it) != 1)
			return bad(r, "delta ends early");
		EVP_DigestFinal_ex(it->md, h, &hlen);
		if (it->out_pos != d->offset ||
		    memcmp(h, d->blob, TREE_HASH_LEN) != 0) {
			snprintf(r->err, r->errlen, "'%s': rebuilt file does not "
			    "match the sender's (hash differs): not installed",
			    it->name);
			return CERR_PROTOCOL;
		}
		st = rs_job_statistics(it->patch);
		r->st->literal_bytes += (uint64_t)st->lit_bytes;
		r->st->matched_bytes += (uint64_t)st->copy_bytes;
	}
	if (it->how == TREE_NEED_BLOCKS) {
		/* the hash of the blocks' hashes: each block arrived or was
		 * copied exactly once, and all of them did */
		uint64_t nb = (d->offset + TREE_BLOCK_LEN - 1) / TREE_BLOCK_LEN;

		if (it->nblocks_set != nb)
			return bad(r, "blocks missing or repeated");
		EVP_Digest(it->nhash, nb * TREE_BLOCK_FULL, h, &hlen,
		    EVP_sha256(), NULL);
		if (memcmp(h, d->blob, TREE_HASH_LEN) != 0) {
			snprintf(r->err, r->errlen, "'%s': rebuilt file does not "
			    "match the sender's (hash differs): not installed",
			    it->name);
			return CERR_PROTOCOL;
		}
		return defer_finish(r, it, d->offset);
	}
	if (meta_install(it->dfd, it->tmpname, it->tmpfd, it->e, d->offset,
	    &what) != 0)
		return rfail(r, CERR_IO, what, it->name);
	close(it->tmpfd);
	it->tmpfd = -1;
	return 0;
}

/* Hashes of literal blocks of a rebuilt large file (whole blocks from a
 * block boundary, as the sender sends them). */
static void
hash_blocks(struct item *it, const uint8_t *p, size_t n, uint64_t off)
{
	size_t i, blen;

	for (i = 0; i < n; i += blen) {
		blen = n - i < TREE_BLOCK_LEN ? n - i : TREE_BLOCK_LEN;
		block_hash(p + i, blen, it->seed, it->nhash + ((off + i) /
		    TREE_BLOCK_LEN) * TREE_BLOCK_FULL);
		it->nblocks_set++;
	}
}

/* COPY: the same bytes at the same offset in the basis; the copier
 * thread copies them. */
static int
copy_blocks(struct receiver *r, struct item *it, uint64_t off, uint32_t len)
{
	uint64_t i;

	if (off + len > it->e->size || off + len > it->basis_size)
		return bad(r, "a copy past the end of the file or its basis");
	/* the copied blocks are the basis's: so are their hashes (the sender
	 * matched them on content and length) */
	for (i = off / TREE_BLOCK_LEN; i * TREE_BLOCK_LEN < off + len; i++) {
		memcpy(it->nhash + i * TREE_BLOCK_FULL, it->bhash +
		    i * TREE_BLOCK_FULL, TREE_BLOCK_FULL);
		it->nblocks_set++;
	}
	r->st->matched_bytes += len;
	if (len == 0)
		return 0;
	return xcopier_copy(r->cp, it->basis_fd, it->tmpfd, off, len) == 0 ? 0 :
	    xcopier_failed(r->cp, r->err, r->errlen) ? CERR_IO : CERR_NOMEM;
}

/* A verified large file: the copier installs it once its copies ran.
 * What it needs moves to it; the item is done here. */
static int
defer_finish(struct receiver *r, struct item *it, uint64_t size)
{
	struct xfinish *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return CERR_NOMEM;
	f->dfd = it->dfd;
	f->tmp_fd = it->tmpfd;
	f->basis_fd = it->basis_fd;
	memcpy(f->tmpname, it->tmpname, sizeof(f->tmpname));
	f->e = it->e;
	f->xvals = it->xvals;
	f->size = size;
	f->index = it->index;
	f->dir = it->fdir;
	it->dfd = it->tmpfd = it->basis_fd = -1;
	it->e = NULL;
	it->xvals = NULL;
	it->fdir = NULL;
	if (xcopier_finish(r->cp, f) != 0)
		return xcopier_failed(r->cp, r->err, r->errlen) ? CERR_IO :
		    CERR_NOMEM;
	return 0;
}

static int
on_data(struct receiver *r, const uint8_t *pl, size_t len)
{
	struct cbuf *b = cbuf_from(pl, len);
	struct tree_data d;
	struct item *it = r->head;
	const uint8_t *p;
	uLongf n;
	int rc;

	if (b == NULL)
		return CERR_NOMEM;
	rc = tree_data_decode(b, &d);
	cbuf_free(b);
	if (rc != 0)
		return rc;
	if (it == NULL || it->kind != IT_FILE || it->index != d.index)
		return bad(r, "data for a file not asked for, or out of order");
	if (d.kind != TREE_DATA_END && !(d.kind == TREE_DATA_LITERAL &&
	    it->how != TREE_NEED_DELTA) && !(d.kind == TREE_DATA_DELTA &&
	    it->how == TREE_NEED_DELTA) && !(d.kind == TREE_DATA_COPY &&
	    it->how == TREE_NEED_BLOCKS))
		return bad(r, "data of the wrong kind");
	if (it->tmpfd < 0 && (rc = open_tmp(r, it)) != 0)
		return rc;
	if (d.kind == TREE_DATA_END) {
		if ((rc = finish_file(r, it, &d)) != 0)
			return rc;
		r->pending_files--;
		r->head = it->next;
		if (r->head == NULL)
			r->tail = NULL;
		item_free(it);
		return run_ready(r);
	}
	if (d.kind == TREE_DATA_COPY)
		return copy_blocks(r, it, d.offset, d.raw_len);
	r->st->wire_bytes += d.blob_len;
	p = d.blob;
	if (d.flags & TREE_DATA_ZLIB) {
		n = d.raw_len;
		if (uncompress(r->zbuf, &n, d.blob, d.blob_len) != Z_OK ||
		    n != d.raw_len)
			return bad(r, "data that does not inflate");
		p = r->zbuf;
	}
	if (d.kind == TREE_DATA_LITERAL) {
		if (d.offset + d.raw_len > it->e->size)
			return bad(r, "data past the announced size");
		if (it->how == TREE_NEED_BLOCKS)
			hash_blocks(it, p, d.raw_len, d.offset);
		/* literal data of a rebuilt large file: zero blocks stay
		 * holes, as in the basis it replaces */
		if (it->how == TREE_NEED_BLOCKS ?
		    write_sparse(it->tmpfd, p, d.raw_len, d.offset) != 0 :
		    pwrite(it->tmpfd, p, d.raw_len, (off_t)d.offset) !=
		    (ssize_t)d.raw_len)
			return rfail(r, CERR_IO, "cannot write", it->name);
		r->st->literal_bytes += d.raw_len;
		return 0;
	}
	if (it->patch == NULL) {
		if ((it->patch = rs_patch_begin(basis_copy, it)) == NULL ||
		    (it->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(it->md, EVP_sha256(), NULL) != 1)
			return CERR_NOMEM;
	}
	if (rsjob_feed(it->patch, p, d.raw_len, false, patch_out, it) < 0)
		return bad(r, "a delta that does not apply");
	return 0;
}

/* ---- signatures of the bases, in order, as the output has room ---- */

static int
sig_out(void *arg, const void *p, size_t n)
{
	return cbuf_put(arg, p, n) == 0 ? 0 : -1;
}

/* The hashes of the next chunk of the basis's aligned blocks. */
static int
send_block_hashes(struct receiver *r, struct item *it)
{
	uint8_t hashes[(READ_CHUNK / TREE_BLOCK_LEN) * TREE_BLOCK_HASH];
	uint8_t *h;
	struct tree_sig g = { .index = it->index, .blob = hashes };
	struct cbuf *b;
	size_t n, i, blen, nh = 0;
	ssize_t got;
	int rc;

	n = it->basis_size - it->sig_pos < READ_CHUNK ?
	    (size_t)(it->basis_size - it->sig_pos) : READ_CHUNK;
	got = n ? pread(it->basis_fd, r->rbuf, n, (off_t)it->sig_pos) : 0;
	if (got < 0)
		return rfail(r, CERR_IO, "cannot read", it->name);
	if ((size_t)got < n)
		it->basis_size = it->sig_pos + (uint64_t)got;
	for (i = 0; i < (size_t)got; i += blen) {
		blen = (size_t)got - i < TREE_BLOCK_LEN ? (size_t)got - i :
		    TREE_BLOCK_LEN;
		h = it->bhash + ((it->sig_pos + i) / TREE_BLOCK_LEN) *
		    TREE_BLOCK_FULL;
		block_hash(r->rbuf + i, blen, it->seed, h);
		memcpy(hashes + nh * TREE_BLOCK_HASH, h, TREE_BLOCK_HASH);
		nh++;
	}
	it->sig_pos += (uint64_t)got;
	g.blob_len = (uint32_t)(nh * TREE_BLOCK_HASH);
	g.last = it->sig_pos >= it->basis_size;
	if ((b = cbuf_new(sizeof(hashes) + 64)) == NULL)
		return CERR_NOMEM;
	if ((rc = tree_sig_encode(b, &g)) == 0)
		rc = xio_put(&r->io, MSG_TREE_SIG, b);
	cbuf_free(b);
	if (g.last)
		it->sig_sent = true;
	return rc;
}

static int
send_sigs(struct receiver *r, bool *progress)
{
	struct tree_sig g;
	struct cbuf *out, *b;
	rs_magic_number magic = RS_RK_BLAKE2_SIG_MAGIC;
	size_t block = 0, strong = (size_t)-1, n;
	struct item *it;
	ssize_t got;
	int done, rc = 0;

	for (it = r->head; it != NULL && xio_room(&r->io); it = it->next) {
		if (it->kind != IT_FILE || it->sig_sent ||
		    (it->how != TREE_NEED_DELTA && it->how != TREE_NEED_BLOCKS))
			continue;
		if ((rc = flush_needs(r)) != 0)
			return rc;
		if (it->how == TREE_NEED_BLOCKS) {
			if ((rc = send_block_hashes(r, it)) != 0)
				return rc;
			*progress = true;
			break;   /* one chunk per turn */
		}
		if (it->sigjob == NULL) {
			if (rs_sig_args((rs_long_t)it->basis_size, &magic, &block,
			    &strong) != RS_DONE)
				return CERR_INVALID;
			if (block > SIG_BLOCK_MAX)
				block = SIG_BLOCK_MAX;
			/* at most SIG_BLOCKS_MAX blocks: the sender holds the
			 * signature in memory (12 bytes a block) */
			if (block < it->basis_size / SIG_BLOCKS_MAX + 1)
				block = (size_t)(it->basis_size / SIG_BLOCKS_MAX + 1);
			if ((it->sigjob = rs_sig_begin(block, strong, magic)) ==
			    NULL)
				return CERR_NOMEM;
		}
		if ((out = cbuf_new(TREE_CHUNK_MAX + 128 * 1024)) == NULL)
			return CERR_NOMEM;
		/* a chunk of basis per turn keeps both directions moving */
		n = it->basis_size - it->sig_pos < READ_CHUNK ?
		    (size_t)(it->basis_size - it->sig_pos) : READ_CHUNK;
		got = n ? pread(it->basis_fd, r->rbuf, n, (off_t)it->sig_pos) : 0;
		if (got < 0) {
			cbuf_free(out);
			return rfail(r, CERR_IO, "cannot read", it->name);
		}
		if ((size_t)got < n)
			it->basis_size = it->sig_pos + (uint64_t)got;
		it->sig_pos += (uint64_t)got;
		done = rsjob_feed(it->sigjob, r->rbuf, (size_t)got,
		    it->sig_pos >= it->basis_size, sig_out, out);
		if (done < 0) {
			cbuf_free(out);
			return rfail(r, CERR_IO, "signature of", it->name);
		}
		while (cbuf_len(out) > 0 || done == 1) {
			n = cbuf_len(out) < TREE_CHUNK_MAX ? cbuf_len(out) :
			    TREE_CHUNK_MAX;
			g.index = it->index;
			g.last = done == 1 && n == cbuf_len(out);
			g.blob = cbuf_ptr(out);
			g.blob_len = (uint32_t)n;
			if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL) {
				cbuf_free(out);
				return CERR_NOMEM;
			}
			if ((rc = tree_sig_encode(b, &g)) == 0)
				rc = xio_put(&r->io, MSG_TREE_SIG, b);
			cbuf_free(b);
			cbuf_consume(out, n);
			if (rc != 0 || g.last)
				break;
		}
		cbuf_free(out);
		if (rc != 0)
			return rc;
		*progress = true;
		if (done == 1) {
			it->sig_sent = true;
			rs_job_free(it->sigjob);
			it->sigjob = NULL;
		}
		break;   /* one chunk per turn */
	}
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
		case MSG_TREE_DATA:    rc = on_data(r, pl, len); break;
		case MSG_TREE_PROGRESS:
			break;   /* for the master's progress display */
		case MSG_TREE_END:
			if (!r->walk_done || r->head != NULL)
				rc = bad(r, "end before the tree is complete");
			r->end_seen = true;
			break;
		case MSG_ERROR:
			snprintf(r->err, r->errlen, "the sender failed");
			rc = CERR_REMOTE;
			break;
		default:
			rc = bad(r, "unexpected message");
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
		snprintf(r->err, r->errlen, "the sender went away");
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
	if (r->needs == NULL || r->zbuf == NULL || r->rbuf == NULL) {
		rc = CERR_NOMEM;
		goto out;
	}
	while (!r->end_seen) {
		progress = false;
		if ((rc = handle_input(r, &progress)) != 0)
			goto out;
		if ((rc = send_sigs(r, &progress)) != 0 ||
		    (rc = flush_needs(r)) != 0)
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
		item_free(it);
	}
	while (r->depth > 0) {
		r->depth--;
		if (r->stack[r->depth].fd >= 0)
			close(r->stack[r->depth].fd);
		dirlist_free(&r->stack[r->depth].l);
	}
	for (size_t i = 0; i < r->n_leaders; i++)
		free(r->leaders[i].path);
	free(r->leaders);
	free(r->zbuf);
	free(r->rbuf);
	cbuf_free(r->needs);
	xio_free(&r->io);
	if (rootfd < 0 && r->rootfd >= 0)
		close(r->rootfd);   /* made here */
	free(r);
	return rc;
}
