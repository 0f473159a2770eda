/* corral: btrfs subvolume ioctls (btrfs.h). */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>

#include "btrfs.h"

bool
btrfs_is_fs(int fd)
{
	struct statfs f;

	return fstatfs(fd, &f) == 0 && f.f_type == BTRFS_SUPER_MAGIC;
}

bool
btrfs_is_subvol(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_ino == BTRFS_SUBVOL_INO;
}

/* The ioctls take a name of one component that fits their buffer. */
static int
check_name(const char *name, size_t max)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strlen(name) >= max) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* An ioctl on dirfd that takes the name of one of its entries. */
static int
vol_ioctl(int dirfd, const char *name, unsigned long req)
{
	struct btrfs_ioctl_vol_args a;

	memset(&a, 0, sizeof(a));
	if (check_name(name, sizeof(a.name)) != 0)
		return -1;
	memcpy(a.name, name, strlen(name) + 1);
	return ioctl(dirfd, req, &a) == 0 ? 0 : -1;
}

int
btrfs_subvol_create(int dirfd, const char *name)
{
	return vol_ioctl(dirfd, name, BTRFS_IOC_SUBVOL_CREATE);
}

int
btrfs_subvol_snapshot(int dirfd, const char *name, int srcfd, bool readonly)
{
	struct btrfs_ioctl_vol_args_v2 a;

	memset(&a, 0, sizeof(a));
	if (check_name(name, sizeof(a.name)) != 0)
		return -1;
	a.fd = srcfd;
	a.flags = readonly ? BTRFS_SUBVOL_RDONLY : 0;
	memcpy(a.name, name, strlen(name) + 1);
	return ioctl(dirfd, BTRFS_IOC_SNAP_CREATE_V2, &a) == 0 ? 0 : -1;
}

int
btrfs_subvol_delete(int dirfd, const char *name)
{
	return vol_ioctl(dirfd, name, BTRFS_IOC_SNAP_DESTROY);
}

int
btrfs_subvol_set_readonly(int fd, bool readonly)
{
	uint64_t flags;

	if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) != 0)
		return -1;
	flags = readonly ? flags | BTRFS_SUBVOL_RDONLY :
	    flags & ~(uint64_t)BTRFS_SUBVOL_RDONLY;
	return ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) == 0 ? 0 : -1;
}

/* ---- subvolumes beneath a directory, from the trees themselves ---- */

/* Up to the items of key (objectid, type, offset from off) of tree in a
 * (a.key.nr_items of them, 0 at the end). */
static int
search(int fd, uint64_t tree, uint64_t objectid, uint32_t type, uint64_t off,
    uint32_t max, struct btrfs_ioctl_search_args *a)
{
	memset(&a->key, 0, sizeof(a->key));
	a->key.tree_id = tree;
	a->key.min_objectid = a->key.max_objectid = objectid;
	a->key.min_type = a->key.max_type = type;
	a->key.min_offset = off;
	a->key.max_offset = UINT64_MAX;
	a->key.max_transid = UINT64_MAX;
	a->key.nr_items = max;
	return ioctl(fd, BTRFS_IOC_TREE_SEARCH, a) == 0 ? 0 : -1;
}

/* The header and data (h->len bytes) of the item at *pos in a, checked
 * against the buffer; the next one's position in *pos.  NULL past the
 * end. */
static const char *
search_item(const struct btrfs_ioctl_search_args *a, size_t *pos,
    struct btrfs_ioctl_search_header *h)
{
	const char *data;

	if (*pos + sizeof(*h) > sizeof(a->buf))
		return NULL;
	memcpy(h, a->buf + *pos, sizeof(*h));
	data = a->buf + *pos + sizeof(*h);
	if (h->len > sizeof(a->buf) - *pos - sizeof(*h))
		return NULL;
	*pos += sizeof(*h) + h->len;
	return data;
}

/* Prepend "name/" to the path ending at buf + len - 1 whose start is
 * *at; it does not fit: *at stays, *cut set. */
static void
prepend(char *buf, size_t *at, const char *name, size_t n, bool *cut)
{
	if (*cut || n + 1 > *at) {
		*cut = true;
		return;
	}
	*at -= n + 1;
	memcpy(buf + *at, name, n);
	buf[*at + n] = '/';
}

/*
 * All dir volumes of a host share one subvolume, so its ROOT_REFs hold
 * every container's subvolumes, and a hostile one can put its own at the
 * bottom of a chain of a million directories (or make thousands): walking
 * all of them up cost every OTHER volume's check seconds, then ELOOP.  So
 * the walk up spends at most UP_BUDGET steps (a search of ROOT_REFs or
 * of an INODE_REF) over the whole call, and reads each directory once:
 * each directory met keeps its verdict (beneath fd, or not) for the call,
 * so the subvolumes sharing a path cost one step each.  When the budget
 * runs out, the walk up is dropped and the question is answered from fd's
 * side alone: a walk down fd's own tree (walk_down), bounded by DOWN_DEPTH
 * levels and DOWN_ENTRIES directories, which refuses only when fd's own tree
 * is beyond them.  A deep tree elsewhere costs fd's check UP_BUDGET steps
 * and the walk of its own tree, nothing more.
 */
#define UP_BUDGET (1u << 13)     /* ~0.05 s of searches */
#define CACHE_SLOTS (UP_BUDGET * 2) /* power of two, half full at most */
#define UP_OUT 2                 /* dir_beneath: the budget ran out */

enum { V_NONE, V_BENEATH, V_NOT };

struct up {
	int fd;
	uint64_t root, top;     /* fd's subvolume and inode */
	size_t left;            /* of UP_BUDGET */
	struct slot { uint64_t ino; int v; } *cache; /* CACHE_SLOTS */
	uint64_t *trail;        /* this walk's directories (UP_BUDGET) */
};

/* The slot of directory ino: its verdict, or the empty one it goes in. */
static struct slot *
slot_of(struct up *u, uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 40) &
	    (CACHE_SLOTS - 1);

	while (u->cache[i].v != V_NONE && u->cache[i].ino != ino)
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &u->cache[i];
}

/* Directory dir lies beneath u->top, or is it: 1 (the path from top in
 * buf from *at on, each name followed by '/'), 0 (not, or gone
 * meanwhile), UP_OUT (the budget ran out), -1.  Each step up is the
 * directory's one INODE_REF (a directory has a single name); every
 * directory met gets the verdict. */
static int
dir_beneath(struct up *u, uint64_t dir, char *buf, size_t *at, bool *cut)
{
	struct btrfs_ioctl_search_args a;
	struct btrfs_ioctl_search_header h;
	struct btrfs_inode_ref ref;
	const char *d;
	size_t pos, i, steps = 0;
	struct slot *sl;
	uint16_t n;
	int v;

	for (;;) {
		if (dir == u->top) {
			v = V_BENEATH;
			break;
		}
		if (dir == BTRFS_FIRST_FREE_OBJECTID) {
			v = V_NOT;    /* the subvolume's root, top not met */
			break;
		}
		/* V_BENEATH met: one was counted before, its path kept */
		if ((v = slot_of(u, dir)->v) != V_NONE)
			break;
		if (u->left == 0)
			return UP_OUT;
		u->left--;
		if (search(u->fd, u->root, dir, BTRFS_INODE_REF_KEY, 0, 1,
		    &a) != 0)
			return -1;
		u->trail[steps++] = dir;
		v = V_NOT;
		pos = 0;
		if (a.key.nr_items == 0 ||
		    (d = search_item(&a, &pos, &h)) == NULL)
			break;
		if (h.objectid != dir || h.type != BTRFS_INODE_REF_KEY ||
		    h.len < sizeof(ref))
			break;
		memcpy(&ref, d, sizeof(ref));
		n = le16toh(ref.name_len);
		if (n > h.len - sizeof(ref)) {
			errno = EUCLEAN;
			return -1;
		}
		prepend(buf, at, d + sizeof(ref), n, cut);
		dir = h.offset;
	}
	for (i = 0; i < steps; i++) {
		sl = slot_of(u, u->trail[i]);
		sl->ino = u->trail[i];
		sl->v = v;
	}
	return v == V_BENEATH;
}

/* One ROOT_REF item of the holding subvolume: a child subvolume, counted
 * if its directory lies beneath top (the first one's path in first):
 * 0, UP_OUT, -1. */
static int
child(struct up *u, const char *d, uint32_t len, size_t *count, char *first,
    size_t flen)
{
	struct btrfs_root_ref rr;
	char path[4096];
	size_t at = sizeof(path) - 1, l, drop;
	bool cut = false;
	uint16_t n;
	int r;

	if (len < sizeof(rr)) {
		errno = EUCLEAN;
		return -1;
	}
	memcpy(&rr, d, sizeof(rr));
	n = le16toh(rr.name_len);
	if (n == 0 || n > len - sizeof(rr)) {
		errno = EUCLEAN;
		return -1;
	}
	path[at] = '\0';
	r = dir_beneath(u, le64toh(rr.dirid), path, &at, &cut);
	if (r != 1)
		return r;
	if ((*count)++ > 0)
		return 0;
	/* the path's head goes, whole names of it, not the name at its end */
	l = sizeof(path) - 1 - at;
	if (4 + l + n >= flen) {
		drop = 4 + l + n - (flen - 1);
		at += drop < l ? drop : l;
		while (path[at] != '\0' && path[at - 1] != '/')
			at++;
		cut = true;
	}
	snprintf(first, flen, "%s%s%.*s", cut ? ".../" : "", path + at, (int)n,
	    d + sizeof(rr));
	return 0;
}

/* The subvolumes beneath fd by the walk up from each ROOT_REF of its
 * subvolume: 0, UP_OUT, -1. */
static int
walk_up(struct up *u, size_t *n, char *first, size_t len)
{
	struct btrfs_ioctl_search_args a;
	struct btrfs_ioctl_search_header h;
	uint64_t off = 0;
	const char *d;
	size_t pos;
	uint32_t i;
	int r;

	for (;;) {
		/* a search of up to 4096 ROOT_REFs is a step: thousands of
		 * subvolumes whose directories are known cost little */
		if (u->left == 0)
			return UP_OUT;
		u->left--;
		if (search(u->fd, BTRFS_ROOT_TREE_OBJECTID, u->root,
		    BTRFS_ROOT_REF_KEY, off, 4096, &a) != 0)
			return -1;
		if (a.key.nr_items == 0)
			return 0;
		pos = 0;
		for (i = 0; i < a.key.nr_items; i++) {
			if ((d = search_item(&a, &pos, &h)) == NULL) {
				errno = EUCLEAN;
				return -1;
			}
			off = h.offset;
			if (h.objectid != u->root ||
			    h.type != BTRFS_ROOT_REF_KEY)
				continue;
			if ((r = child(u, d, h.len, n, first, len)) != 0)
				return r;
		}
		if (off == UINT64_MAX)
			return 0;
		off++;
	}
}

/* The first one found in the walk down: path (the names of the levels
 * open, each followed by '/', plen bytes) and name, into first; whole
 * names of the path's head give way to ".../" when it does not fit, never
 * the name at its end. */
static void
found(const char *path, size_t plen, const char *name, char *first,
    size_t len)
{
	size_t all = plen + strlen(name), skip = 0;

	if (all >= len) {
		skip = all + 5 - len;
		while (skip < plen && path[skip - 1] != '/')
			skip++;
		if (skip > plen)
			skip = plen;
	}
	snprintf(first, len, "%s%.*s%s", skip > 0 ? ".../" : "",
	    (int)(plen - skip), path + skip, name);
}

/* The subvolumes beneath fd by a walk down its tree: every directory
 * opened beneath a held fd, never through a link; one on another device
 * is a subvolume (its root inode on btrfs: counted) or a mount point
 * (storage_mounted_in's business): not entered.  The levels are a stack
 * of open directories, not recursion: DOWN_DEPTH of them at most.  0, -1,
 * BTRFS_TOO_BIG past DOWN_DEPTH levels or DOWN_ENTRIES directories. */
static int
walk_down(int fd, size_t *n, char *first, size_t len, size_t *work)
{
	DIR *lvl[BTRFS_DOWN_DEPTH];
	size_t off[BTRFS_DOWN_DEPTH], depth = 0, entries = 0, nl;
	struct stat top, st;
	struct dirent *e;
	char *path;
	int cfd, r = -1;

	if (fstat(fd, &top) != 0)
		return -1;
	/* every level's name and '/' */
	if ((path = malloc(BTRFS_DOWN_DEPTH * (NAME_MAX + 1))) == NULL)
		return -1;
	if ((cfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	if ((lvl[0] = fdopendir(cfd)) == NULL) {
		close(cfd);
		goto out;
	}
	off[depth++] = 0;
	while (depth > 0) {
		errno = 0;
		if ((e = readdir(lvl[depth - 1])) == NULL) {
			if (errno != 0)
				goto out;
			closedir(lvl[--depth]);
			continue;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		/* files cost a readdir entry each: only directories count */
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (++entries > BTRFS_DOWN_ENTRIES) {
			r = BTRFS_TOO_BIG;
			goto out;
		}
		cfd = openat(dirfd(lvl[depth - 1]), e->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (cfd < 0) {
			/* gone or replaced meanwhile: not a directory now */
			if (errno == ENOENT || errno == ENOTDIR ||
			    errno == ELOOP)
				continue;
			goto out;
		}
		if (fstat(cfd, &st) != 0) {
			close(cfd);
			goto out;
		}
		if (st.st_dev != top.st_dev) {
			if (btrfs_is_subvol(&st) && (*n)++ == 0)
				found(path, off[depth - 1], e->d_name, first,
				    len);
			close(cfd);
			continue;
		}
		if (depth == BTRFS_DOWN_DEPTH) {
			close(cfd);
			r = BTRFS_TOO_BIG;
			goto out;
		}
		if ((lvl[depth] = fdopendir(cfd)) == NULL) {
			close(cfd);
			goto out;
		}
		nl = strlen(e->d_name);
		memcpy(path + off[depth - 1], e->d_name, nl);
		path[off[depth - 1] + nl] = '/';
		off[depth] = off[depth - 1] + nl + 1;
		depth++;
	}
	r = 0;
out:
	while (depth > 0)
		closedir(lvl[--depth]);
	free(path);
	*work += entries;
	return r;
}

int
btrfs_subvols_beneath(int fd, size_t *n, char *first, size_t len,
    size_t *work)
{
	struct btrfs_ioctl_ino_lookup_args look;
	struct stat st;
	struct up u;
	size_t spent;
	int r = -1;

	*n = 0;
	first[0] = '\0';
	if (work != NULL)
		*work = 0;
	if (fstat(fd, &st) != 0)
		return -1;
	/* the subvolume holding fd: a lookup of its root inode says */
	memset(&look, 0, sizeof(look));
	look.objectid = BTRFS_FIRST_FREE_OBJECTID;
	if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &look) != 0)
		return -1;
	memset(&u, 0, sizeof(u));
	u.fd = fd;
	u.root = look.treeid;
	u.top = st.st_ino;
	u.left = UP_BUDGET;
	u.cache = calloc(CACHE_SLOTS, sizeof(*u.cache));
	u.trail = calloc(UP_BUDGET, sizeof(*u.trail));
	if (u.cache != NULL && u.trail != NULL)
		r = walk_up(&u, n, first, len);
	free(u.cache);
	free(u.trail);
	spent = UP_BUDGET - u.left;
	if (r == UP_OUT) {
		*n = 0;
		first[0] = '\0';
		r = walk_down(fd, n, first, len, &spent);
	}
	if (work != NULL)
		*work = spent;
	return r;
}
