/* corral-master: writing a version's manifest file (store_int.h).
 *
 * A new version's manifest is mostly its last version's: most entries did
 * not change, and the header's numbers are written at a fixed width
 * (store_mf_write_header), so the two files often have the same length
 * and differ in a few blocks.  Then the file starts as a reflink of the
 * last one (FICLONE: btrfs, xfs) and only the blocks that differ are
 * written: the version takes a block per changed entry, not the whole
 * manifest again (some 130 bytes an entry).  Otherwise, or where reflinks
 * do not work (a links store), it is written whole.  The bytes are the
 * same either way: readers cannot tell. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define MFW_CHUNK (256 * 1024)
static const char mf_end[] = "end\n";

/* The new manifest: the header in memory, the body in a file, "end". */
struct mfw {
	const char *head;
	size_t head_len;
	int body_fd;
	off_t body_len;
	off_t len;
};

/* len bytes of the new manifest from off into buf; 0 or -1 (errno). */
static int
mfw_read(const struct mfw *m, off_t off, char *buf, size_t len)
{
	off_t body_end = (off_t)m->head_len + m->body_len;
	size_t n;
	ssize_t r;

	while (len > 0) {
		if (off < (off_t)m->head_len) {
			n = (size_t)((off_t)m->head_len - off);
			n = n < len ? n : len;
			memcpy(buf, m->head + off, n);
		} else if (off < body_end) {
			n = (size_t)(body_end - off);
			n = n < len ? n : len;
			r = pread(m->body_fd, buf, n, off - (off_t)m->head_len);
			if (r <= 0) {
				if (r == 0)
					errno = EIO;    /* the body shrank */
				return -1;
			}
			n = (size_t)r;
		} else {
			n = (size_t)(off - body_end);
			if (n + len > sizeof(mf_end) - 1) {
				errno = EINVAL;
				return -1;
			}
			memcpy(buf, mf_end + n, len);
			n = len;
		}
		buf += n;
		off += (off_t)n;
		len -= n;
	}
	return 0;
}

/* All of it into fd, from the start. */
static int
mfw_whole(const struct mfw *m, int fd, char *buf)
{
	off_t off;
	size_t n;

	if (ftruncate(fd, 0) != 0)
		return -1;
	for (off = 0; off < m->len; off += (off_t)n) {
		n = (size_t)(m->len - off) < MFW_CHUNK ?
		    (size_t)(m->len - off) : MFW_CHUNK;
		if (mfw_read(m, off, buf, n) != 0 ||
		    pwrite(fd, buf, n, off) != (ssize_t)n)
			return -1;
	}
	return 0;
}

/* fd holds a reflink of the last manifest, of m->len bytes: write the
 * blocks (of blk bytes) where the new one differs.  *written: bytes. */
static int
mfw_patch(const struct mfw *m, int fd, size_t blk, char *buf, char *old,
    uint64_t *written)
{
	off_t off, b;
	size_t n, k;

	for (off = 0; off < m->len; off += (off_t)n) {
		n = (size_t)(m->len - off) < MFW_CHUNK ?
		    (size_t)(m->len - off) : MFW_CHUNK;
		if (mfw_read(m, off, buf, n) != 0 ||
		    pread(fd, old, n, off) != (ssize_t)n)
			return -1;
		for (b = 0; b < (off_t)n; b += (off_t)blk) {
			k = n - (size_t)b < blk ? n - (size_t)b : blk;
			if (memcmp(buf + b, old + b, k) == 0)
				continue;
			if (pwrite(fd, buf + b, k, off + b) != (ssize_t)k)
				return -1;
			*written += k;
		}
	}
	return 0;
}

int
store_mf_write_file(int dfd, const char *name,
    const struct store_mf_header *h, int body_fd, int prev_fd,
    uint64_t *written)
{
	struct mfw m = { .body_fd = body_fd };
	char *head = NULL, *buf = NULL, *old = NULL;
	size_t head_len = 0;
	struct stat st, pst;
	FILE *hf;
	int fd = -1, rc = -1, e;
	bool patched = false;

	*written = 0;
	if ((hf = open_memstream(&head, &head_len)) == NULL)
		return -1;
	e = store_mf_write_header(hf, h);
	if (fclose(hf) != 0 || e != 0 || fstat(body_fd, &st) != 0) {
		errno = errno ? errno : EINVAL;
		goto out;
	}
	m.head = head;
	m.head_len = head_len;
	m.body_len = st.st_size;
	m.len = (off_t)head_len + st.st_size + (off_t)sizeof(mf_end) - 1;
	buf = malloc(MFW_CHUNK);
	old = malloc(MFW_CHUNK);
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (buf == NULL || old == NULL || fd < 0)
		goto out;
	if (prev_fd >= 0 && fstat(prev_fd, &pst) == 0 && pst.st_size == m.len &&
	    fstat(fd, &st) == 0 && st.st_blksize > 0 &&
	    (size_t)st.st_blksize <= MFW_CHUNK &&
	    ioctl(fd, FICLONE, prev_fd) == 0) {
		if (mfw_patch(&m, fd, (size_t)st.st_blksize, buf, old,
		    written) != 0)
			goto out;
		patched = true;
	}
	if (!patched) {
		if (mfw_whole(&m, fd, buf) != 0)
			goto out;
		*written = (uint64_t)m.len;
	}
	if (fsync(fd) != 0)
		goto out;
	rc = 0;
out:
	e = errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		e = errno;
		rc = -1;
	}
	free(head);
	free(buf);
	free(old);
	errno = e;
	return rc;
}
