/* corral-master: a store entry as the file system has it, content hash
 * included (store_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store_int.h"

#define HASH_BUF (256 * 1024)

/* SHA-256 of n bytes at p, or (p NULL) of what fd holds. */
static int
sha256(int fd, const void *p, size_t n, uint8_t out[STORE_HASH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = NULL;
	unsigned int len = 0;
	ssize_t got = 0;
	int rc = -1;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	/* not on the stack: a master's thread may have a small one */
	if (p == NULL && (buf = malloc(HASH_BUF)) == NULL)
		goto out;
	if (p != NULL && EVP_DigestUpdate(ctx, p, n) != 1)
		goto out;
	while (p == NULL && (got = read(fd, buf, HASH_BUF)) > 0)
		if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1)
			goto out;
	if (got == 0 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
	    len == STORE_HASH_LEN)
		rc = 0;
out:
	if (rc != 0 && errno == 0)
		errno = EIO;
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int
hash_file(int dfd, const char *name, const struct stat *st,
    uint8_t out[STORE_HASH_LEN])
{
	struct stat fst;
	int fd, rc;

	/* no atime update: a check must not change what it checks */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &fst) != 0 || fst.st_dev != st->st_dev ||
	    fst.st_ino != st->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	errno = 0;
	rc = sha256(fd, NULL, 0, out);
	close(fd);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One attribute into the digest: its name, a NUL, its value's length
 * (4 bytes, big-endian) and the value. */
static int
xattr_add(EVP_MD_CTX *ctx, const char *path, const char *name)
{
	unsigned char len[4];
	char *val = NULL;
	ssize_t n = -1;
	int tries, rc = -1;

	/* a value that grows between the two calls: ERANGE, again */
	for (tries = 0; tries < 3; tries++) {
		free(val);
		val = NULL;
		if ((n = lgetxattr(path, name, NULL, 0)) < 0 ||
		    (val = malloc((size_t)n + 1)) == NULL)
			break;
		if ((n = lgetxattr(path, name, val, (size_t)n + 1)) >= 0 ||
		    errno != ERANGE)
			break;
	}
	if (n < 0 || val == NULL)
		goto out;
	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	if (EVP_DigestUpdate(ctx, name, strlen(name) + 1) == 1 &&
	    EVP_DigestUpdate(ctx, len, sizeof(len)) == 1 &&
	    EVP_DigestUpdate(ctx, val, (size_t)n) == 1)
		rc = 0;
out:
	free(val);
	return rc;
}

/* e->xattrs and xhash from the extended attributes of name in dfd (the
 * entry itself, a symlink not followed): '-' when it has none. */
static int
xattrs_read(int dfd, const char *name, struct store_ent *e)
{
	char path[64 + 256], *list = NULL, **names = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int hl = 0;
	ssize_t n;
	size_t i, k = 0;
	int rc = -1;

	/* no *xattrat(): the directory's fd through /proc, the name below */
	if ((size_t)snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd,
	    name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((n = llistxattr(path, NULL, 0)) < 0 &&
	    (errno == ENOTSUP || errno == EOPNOTSUPP))
		n = 0;
	if (n <= 0) {
		e->xattrs = '-';
		return n < 0 ? -1 : 0;
	}
	if ((list = malloc((size_t)n + 1)) == NULL ||
	    (n = llistxattr(path, list, (size_t)n + 1)) < 0)
		goto out;
	if (n == 0) {
		e->xattrs = '-';
		rc = 0;
		goto out;
	}
	list[n] = '\0';
	if ((names = calloc((size_t)n, sizeof(*names))) == NULL)
		goto out;
	for (i = 0; i < (size_t)n; i += strlen(list + i) + 1)
		if (list[i] != '\0')
			names[k++] = list + i;
	qsort(names, k, sizeof(*names), name_cmp);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < k; i++)
		if (xattr_add(ctx, path, names[i]) != 0)
			goto out;
	if (EVP_DigestFinal_ex(ctx, e->xhash, &hl) == 1 &&
	    hl == STORE_HASH_LEN) {
		e->xattrs = 'x';
		rc = 0;
	}
out:
	if (rc != 0 && errno == 0)
		errno = EIO;
	EVP_MD_CTX_free(ctx);
	free(names);
	free(list);
	return rc;
}

int
store_ent_read(int dfd, const char *name, const char *path,
    const struct stat *st, bool hash, struct store_ent *e)
{
	char target[TREE_LINK_MAX + 2];
	size_t pl = strlen(path);
	ssize_t n;

	memset(e, 0, offsetof(struct store_ent, path));
	if (pl >= sizeof(e->path) || (e->type = store_ent_type(st->st_mode))
	    == 0) {
		errno = EINVAL;
		return -1;
	}
	memcpy(e->path, path, pl + 1);
	e->perm = st->st_mode & 07777;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->mtime_sec = st->st_mtim.tv_sec;
	e->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	errno = 0;
	if (xattrs_read(dfd, name, e) != 0)
		return -1;
	switch (e->type) {
	case 'f':
		e->size = (uint64_t)st->st_size;
		return hash ? hash_file(dfd, name, st, e->hash) : 0;
	case 'l':
		n = readlinkat(dfd, name, target, sizeof(target));
		if (n < 0)
			return -1;
		if ((size_t)n >= sizeof(target)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		e->size = (uint64_t)n;
		errno = 0;
		return sha256(-1, target, (size_t)n, e->hash);
	case 'c':
	case 'b':
		e->major = major(st->st_rdev);
		e->minor = minor(st->st_rdev);
		return 0;
	default:
		return 0;
	}
}
