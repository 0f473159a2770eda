/* corral-master: a store entry as the file system has it, content hash
 * included (store_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
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
