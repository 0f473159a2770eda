/* corral xfer: what the transfer engine reads and writes of a file
 * system: metadata and xattrs, hashes, librsync jobs, and opening a
 * transfer root safely. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "path.h"
#include "xfer.h"
#include "xfer_meta.h"

/* "/proc/self/fd/N": xattr calls on it reach the inode an O_PATH fd
 * holds, without resolving any name again. */
static void
fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* xfs lists a POSIX ACL twice: as system.posix_acl_* and as its own
 * trusted.SGI_ACL_FILE / _DEFAULT.  The ACL travels as the former; the
 * latter are never sent, compared or removed (removing one removes the
 * ACL), whichever side is xfs, nor set if a peer sends them. */
static bool
xattr_ignored(const char *name)
{
	return strcmp(name, "trusted.SGI_ACL_FILE") == 0 ||
	    strcmp(name, "trusted.SGI_ACL_DEFAULT") == 0;
}

static int
read_xattrs(const char *path, bool nofollow, struct tree_entry *e,
    uint8_t *store, size_t store_len)
{
	char list[TREE_XATTRS_BYTES_MAX / 4], *k;
	ssize_t n, v;
	size_t used = 0;

	n = nofollow ? llistxattr(path, list, sizeof(list)) :
	    listxattr(path, list, sizeof(list));
	if (n < 0)
		/* a file system without xattrs has none to carry */
		return (errno == ENOTSUP || errno == EOPNOTSUPP) ? 0 : -1;
	for (k = list; k < list + n; k += strlen(k) + 1) {
		struct tree_xattr *x;

		if (xattr_ignored(k))
			continue;
		if (e->n_xattrs == TREE_XATTRS_MAX ||
		    strlen(k) > TREE_XATTR_NAME_MAX) {
			errno = E2BIG;
			return -1;
		}
		v = nofollow ? lgetxattr(path, k, store + used, store_len - used) :
		    getxattr(path, k, store + used, store_len - used);
		if (v < 0) {
			if (errno == ENODATA)
				continue;   /* removed meanwhile */
			return -1;
		}
		x = &e->xattrs[e->n_xattrs++];
		memcpy(x->name, k, strlen(k) + 1);   /* length checked above */
		x->value = store + used;
		x->len = (uint32_t)v;
		used += (size_t)v;
	}
	return 0;
}

int
meta_read(int dfd, const char *name, const struct stat *st,
    struct tree_entry *e, uint8_t *store, size_t store_len)
{
	char path[64 + TREE_NAME_MAX];
	ssize_t n;
	int fd, rc;

	e->mode = st->st_mode;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->mtime_sec = st->st_mtim.tv_sec;
	e->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	e->n_xattrs = 0;
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dfd, name, e->target, sizeof(e->target) - 1);
		if (n <= 0 || (size_t)n >= sizeof(e->target) - 1)
			return -1;
		e->target[n] = '\0';
		/* a symlink's own xattrs: the name under the held directory,
		 * with the l* calls that do not follow it */
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
		return read_xattrs(path, true, e, store, store_len);
	}
	if (S_ISBLK(st->st_mode) || S_ISCHR(st->st_mode))
		e->rdev = st->st_rdev;
	if (S_ISREG(st->st_mode))
		e->size = (uint64_t)st->st_size;
	fd = name[0] ? openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) :
	    openat(dfd, ".", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fd_path(fd, path, sizeof(path));
	rc = read_xattrs(path, false, e, store, store_len);
	close(fd);
	return rc;
}

static const struct tree_xattr *
find_xattr(const struct tree_entry *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_xattrs; i++)
		if (strcmp(e->xattrs[i].name, name) == 0)
			return &e->xattrs[i];
	return NULL;
}

/* Make the xattrs at path exactly e's.  equal_only: just compare. */
static int
sync_xattrs(const char *path, bool nf, const struct tree_entry *e,
    bool equal_only)
{
	char list[TREE_XATTRS_BYTES_MAX / 4], *k;
	static const size_t vmax = TREE_XATTR_VALUE_MAX;
	const struct tree_xattr *x;
	uint8_t *val;
	ssize_t n, v;
	size_t i, have = 0, want = 0;
	int rc = 0;

	for (i = 0; i < e->n_xattrs; i++)
		want += !xattr_ignored(e->xattrs[i].name);
	n = nf ? llistxattr(path, list, sizeof(list)) :
	    listxattr(path, list, sizeof(list));
	if (n < 0)
		return (errno == ENOTSUP || errno == EOPNOTSUPP) &&
		    want == 0 ? 0 : -1;
	if (n == 0 && want == 0)
		return 0;   /* the common case: none on either side */
	if ((val = malloc(vmax)) == NULL)
		return -1;
	for (k = list; k < list + n && rc == 0; k += strlen(k) + 1) {
		if (xattr_ignored(k))
			continue;
		x = find_xattr(e, k);
		if (x == NULL) {
			if (equal_only || (nf ? lremovexattr(path, k) :
			    removexattr(path, k)) != 0)
				rc = -1;
			continue;
		}
		have++;
		v = nf ? lgetxattr(path, k, val, vmax) : getxattr(path, k, val, vmax);
		if (v == (ssize_t)x->len && memcmp(val, x->value, x->len) == 0)
			continue;
		if (equal_only || (nf ? lsetxattr(path, k, x->value, x->len, 0) :
		    setxattr(path, k, x->value, x->len, 0)) != 0)
			rc = -1;
	}
	free(val);
	if (rc != 0 || have == want)
		return rc;
	if (equal_only)
		return -1;
	/* add the ones the object lacks */
	for (i = 0; i < e->n_xattrs; i++) {
		x = &e->xattrs[i];
		if (xattr_ignored(x->name))
			continue;
		if ((nf ? lgetxattr(path, x->name, NULL, 0) :
		    getxattr(path, x->name, NULL, 0)) >= 0)
			continue;
		if ((nf ? lsetxattr(path, x->name, x->value, x->len,
		    XATTR_CREATE) : setxattr(path, x->name, x->value, x->len,
		    XATTR_CREATE)) != 0)
			return -1;
	}
	return 0;
}

bool
meta_xattrs_equal(int fd, const struct tree_entry *e)
{
	char path[64];

	fd_path(fd, path, sizeof(path));
	return sync_xattrs(path, false, e, true) == 0;
}

bool
meta_link_xattrs_equal(int dfd, const char *name, const struct tree_entry *e)
{
	char path[64 + TREE_NAME_MAX];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
	return sync_xattrs(path, true, e, true) == 0;
}

int
meta_apply(int dfd, const char *name, int fd, const struct tree_entry *e,
    bool skip_mtime)
{
	struct timespec ts[2] = {
		{ .tv_sec = e->mtime_sec, .tv_nsec = e->mtime_nsec },
		{ .tv_sec = e->mtime_sec, .tv_nsec = e->mtime_nsec },
	};
	char path[64];

	if (S_ISLNK(e->mode)) {
		/* never through the link: the name, no-follow, under dfd */
		char lpath[64 + TREE_NAME_MAX];

		if (fchownat(dfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) != 0)
			return -1;
		snprintf(lpath, sizeof(lpath), "/proc/self/fd/%d/%s", dfd, name);
		if (sync_xattrs(lpath, true, e, false) != 0)
			return -1;
		return skip_mtime ? 0 :
		    utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
	}
	/* owner first: chown clears setuid bits and file capabilities */
	if (fchownat(fd, "", e->uid, e->gid, AT_EMPTY_PATH) != 0)
		return -1;
	fd_path(fd, path, sizeof(path));
	if (chmod(path, e->mode & 07777) != 0)
		return -1;
	if (sync_xattrs(path, false, e, false) != 0)
		return -1;
	if (skip_mtime)
		return 0;
	if (name[0] == '\0')
		return futimens(fd, ts);
	return utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

/* Up to this size the new data is copied into the old file, beyond it
 * reflinked: a reflink first writes the source's data out, a synchronous
 * write per file, where a copy of a small file stays in the page cache */
#define IN_PLACE_COPY_MAX (1u << 20)

/* size bytes of from over what to holds, then cut to size; all-zero 4
 * KiB blocks made holes (as the receiver writes them).  Not emptied
 * first: btrfs writes a file out when it is closed after a cut to 0. */
static int
copy_small(int from, int to, uint64_t size)
{
	static const uint8_t zero[4096];
	uint8_t *buf = malloc(size ? size : 1);
	size_t i, run;
	int rc = -1;

	if (buf == NULL || pread(from, buf, size, 0) != (ssize_t)size ||
	    ftruncate(to, (off_t)size) != 0)
		goto out;
	for (i = 0; i < size; i += run) {
		run = size - i < sizeof(zero) ? size - i : sizeof(zero);
		if (run == sizeof(zero) && memcmp(buf + i, zero, run) == 0) {
			if (fallocate(to, FALLOC_FL_PUNCH_HOLE |
			    FALLOC_FL_KEEP_SIZE, (off_t)i, (off_t)run) != 0)
				goto out;
			continue;
		}
		if (pwrite(to, buf + i, run, (off_t)i) != (ssize_t)run)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* The unnamed tmpfd's data into the old file e->name under dfd, its own
 * inode kept: 1 done, 0 not possible here (nothing changed, or the old
 * file's data partly replaced: the caller renames a copy over it all the
 * same), -1 failed. */
static int
install_in_place(int dfd, int tmpfd, const struct tree_entry *e,
    uint64_t size)
{
	struct stat st, fst;
	int fd, rc = 0;

	if (fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return 0;
	fd = openat(dfd, e->name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* emptied before a reflink: one may end in a partial block only at
	 * the end of both files */
	if (fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino &&
	    fst.st_dev == st.st_dev && S_ISREG(fst.st_mode) &&
	    (size <= IN_PLACE_COPY_MAX ? copy_small(tmpfd, fd, size) == 0 :
	    ftruncate(fd, 0) == 0 && ioctl(fd, FICLONE, tmpfd) == 0))
		rc = meta_apply(dfd, e->name, fd, e, false) == 0 ? 1 : -1;
	close(fd);
	return rc;
}

/* Name the unnamed tmpfd under dfd (into name, len bytes). */
static int
name_unnamed(int dfd, int tmpfd, char *name, size_t len)
{
	char proc[64];
	int i;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tmpfd);
	for (i = 0; i < 100; i++) {
		snprintf(name, len, ".corral-%d-%d.tmp", (int)getpid(), i);
		if (linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
meta_install(int dfd, const char *tmpname, int tmpfd,
    const struct tree_entry *e, uint64_t size, const char **what)
{
	char named[64];
	int r;

	*what = "cannot size";
	if (ftruncate(tmpfd, (off_t)size) != 0)
		return -1;
	if (tmpname[0] == '\0') {
		*what = "cannot set metadata of";
		if ((r = install_in_place(dfd, tmpfd, e, size)) != 0)
			return r > 0 ? 0 : -1;
		*what = "cannot name the new data of";
		if (name_unnamed(dfd, tmpfd, named, sizeof(named)) != 0)
			return -1;
		tmpname = named;
	}
	*what = "cannot set metadata of";
	if (meta_apply(dfd, tmpname, tmpfd, e, false) != 0)
		goto fail;
	*what = "cannot install";
	if (renameat(dfd, tmpname, dfd, e->name) == 0)
		return 0;
fail:
	if (tmpname == named) {
		r = errno;
		(void)unlinkat(dfd, named, 0);
		errno = r;
	}
	return -1;
}

int
hash_fd(int fd, uint8_t out[TREE_HASH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[256 * 1024];
	unsigned int len = 0;
	off_t off = 0;
	ssize_t n;
	int rc = -1;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
		off += n;
	}
	if (n == 0 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
	    len == TREE_HASH_LEN)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
rsjob_feed(rs_job_t *job, const void *in, size_t len, bool eof,
    rsjob_out_fn out, void *arg)
{
	char obuf[64 * 1024];
	rs_buffers_t b = {
		.next_in = (char *)in, .avail_in = len, .eof_in = eof,
	};
	rs_result res;
	size_t produced;

	for (;;) {
		b.next_out = obuf;
		b.avail_out = sizeof(obuf);
		res = rs_job_iter(job, &b);
		if (res != RS_DONE && res != RS_BLOCKED)
			return -1;
		produced = sizeof(obuf) - b.avail_out;
		if (produced > 0 && out(arg, obuf, produced) != 0)
			return -1;
		if (res == RS_DONE)
			return 1;
		/* blocked: wants more input, unless the output was full */
		if (produced < sizeof(obuf) && b.avail_in == 0 && !eof)
			return 0;
		if (produced == 0 && b.avail_in == len && !eof)
			return -1;  /* no progress: refuse to spin */
		len = b.avail_in;
	}
}

int
xfer_open_beneath(int storefd, const char *path, bool create, char *err,
    size_t errlen)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	char comp[TREE_NAME_MAX + 1];
	const char *p = path, *slash;
	int fd, next;
	size_t n;

	/* "..." or "a..b" is a name like any other: only a whole ".."
	 * leaves a directory (RESOLVE_BENEATH would refuse it anyway) */
	if (path[0] == '/' || path_has_dotdot(path)) {
		snprintf(err, errlen, "'%s': not a path under the storage root "
		    "(absolute paths and '..' are refused)", path);
		return -1;
	}
	if (!create) {
		fd = (int)syscall(SYS_openat2, storefd, path[0] ? path : ".",
		    &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS) {
			if (fd < 0)
				snprintf(err, errlen, "'%s': %s", path,
				    errno == ELOOP || errno == EXDEV ?
				    "leads through a symlink or out of the "
				    "storage root" : strerror(errno));
			return fd;
		}
		/* no openat2 (old kernel, valgrind): walk it below */
	}
	if ((fd = dup(storefd)) < 0)
		return -1;
	while (*p) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n > TREE_NAME_MAX) {
			p += n + (slash != NULL);
			if (n == 0)
				continue;
			close(fd);
			snprintf(err, errlen, "'%s': component too long", path);
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (strcmp(comp, ".") != 0) {
			if (create && mkdirat(fd, comp, 0755) != 0 &&
			    errno != EEXIST) {
				snprintf(err, errlen, "'%s': %s", path,
				    strerror(errno));
				close(fd);
				return -1;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			close(fd);
			if (next < 0) {
				snprintf(err, errlen, "'%s': %s", path,
				    errno == ELOOP ? "leads through a symlink" :
				    strerror(errno));
				return -1;
			}
			fd = next;
		}
		p += n + (slash != NULL);
	}
	return fd;
}
