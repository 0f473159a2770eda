/* corral: btrfs subvolume ioctls (btrfs.h). */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

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

/* Directory dir of tree root lies beneath inode top, or is it: 1 (the
 * path from top in buf from *at on, each name followed by '/'), 0 (not,
 * or gone meanwhile), -1.  Each step up is the directory's one
 * INODE_REF (a directory has a single name). */
static int
dir_beneath(int fd, uint64_t root, uint64_t top, uint64_t dir, char *buf,
    size_t *at, bool *cut)
{
	struct btrfs_ioctl_search_args a;
	struct btrfs_ioctl_search_header h;
	struct btrfs_inode_ref ref;
	const char *d;
	size_t pos, steps;
	uint16_t n;

	/* a hostile tree can be deep: every level is one search */
	for (steps = 0; steps < (1u << 20); steps++) {
		if (dir == top)
			return 1;
		if (dir == BTRFS_FIRST_FREE_OBJECTID)
			return 0;    /* the subvolume's root, top not met */
		if (search(fd, root, dir, BTRFS_INODE_REF_KEY, 0, 1, &a) != 0)
			return -1;
		pos = 0;
		if (a.key.nr_items == 0 ||
		    (d = search_item(&a, &pos, &h)) == NULL)
			return 0;
		if (h.objectid != dir || h.type != BTRFS_INODE_REF_KEY ||
		    h.len < sizeof(ref))
			return 0;
		memcpy(&ref, d, sizeof(ref));
		n = le16toh(ref.name_len);
		if (n > h.len - sizeof(ref)) {
			errno = EUCLEAN;
			return -1;
		}
		prepend(buf, at, d + sizeof(ref), n, cut);
		dir = h.offset;
	}
	errno = ELOOP;
	return -1;
}

/* One ROOT_REF item of the holding subvolume: a child subvolume, counted
 * if its directory lies beneath top (the first one's path in first). */
static int
child(int fd, uint64_t root, uint64_t top, const char *d, uint32_t len,
    size_t *count, char *first, size_t flen)
{
	struct btrfs_root_ref rr;
	char path[4096];
	size_t at = sizeof(path) - 1;
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
	r = dir_beneath(fd, root, top, le64toh(rr.dirid), path, &at, &cut);
	if (r <= 0)
		return r;
	if ((*count)++ == 0)
		snprintf(first, flen, "%s%s%.*s", cut ? ".../" : "", path + at,
		    (int)n, d + sizeof(rr));
	return 0;
}

int
btrfs_subvols_beneath(int fd, size_t *n, char *first, size_t len)
{
	struct btrfs_ioctl_ino_lookup_args look;
	struct btrfs_ioctl_search_args a;
	struct btrfs_ioctl_search_header h;
	struct stat st;
	uint64_t off = 0;
	const char *d;
	size_t pos;
	uint32_t i;

	*n = 0;
	first[0] = '\0';
	if (fstat(fd, &st) != 0)
		return -1;
	/* the subvolume holding fd: a lookup of its root inode says */
	memset(&look, 0, sizeof(look));
	look.objectid = BTRFS_FIRST_FREE_OBJECTID;
	if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &look) != 0)
		return -1;
	for (;;) {
		if (search(fd, BTRFS_ROOT_TREE_OBJECTID, look.treeid,
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
			if (h.objectid != look.treeid ||
			    h.type != BTRFS_ROOT_REF_KEY)
				continue;
			if (child(fd, look.treeid, st.st_ino, d, h.len, n,
			    first, len) != 0)
				return -1;
		}
		if (off == UINT64_MAX)
			return 0;
		off++;
	}
}
