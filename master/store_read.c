/* corral-master: a version opened for reading (store.h), held against a
 * begin or a remove of its container while it is read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store_int.h"

void
store_read_close(struct store_reader *r)
{
	if (r->rootfs_fd >= 0)
		close(r->rootfs_fd);
	if (r->dir_fd >= 0)
		close(r->dir_fd);
	if (r->ct_fd >= 0)
		close(r->ct_fd);    /* and its lock */
	r->ct_fd = r->dir_fd = r->rootfs_fd = -1;
}

int
store_read_open(struct store *s, const char *ct, const char *version,
    struct store_reader *r, char *err, size_t errlen)
{
	const int dflags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	time_t verified, t;
	unsigned nth;

	memset(r, 0, sizeof(*r));
	r->ct_fd = r->dir_fd = r->rootfs_fd = -1;
	if ((r->ct_fd = store_ct_open(s, ct, false, err, errlen)) < 0)
		return -1;
	/* readers share; a begin or a remove takes it alone */
	if (flock(r->ct_fd, LOCK_SH | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    errno == EWOULDBLOCK ? "busy: a version is being made or "
		    "removed" : strerror(errno));
		goto fail;
	}
	if (version == NULL) {
		if (store_newest(r->ct_fd, r->version, err, errlen) != 0)
			goto fail;
		if (r->version[0] == '\0') {
			snprintf(err, errlen, "%s/%s: no version", s->path, ct);
			goto fail;
		}
	} else if (!store_version_parse(version, &t, &nth) ||
	    snprintf(r->version, sizeof(r->version), "%s", version) >=
	    (int)sizeof(r->version)) {
		snprintf(err, errlen, "'%.40s': not a version name", version);
		goto fail;
	}
	if ((r->dir_fd = openat(r->ct_fd, r->version, dflags)) < 0 ||
	    (r->rootfs_fd = openat(r->dir_fd, STORE_ROOTFS, dflags)) < 0) {
		snprintf(err, errlen, "%s/%s/%s%s: %s", s->path, ct, r->version,
		    r->dir_fd < 0 ? "" : "/" STORE_ROOTFS, errno == ENOENT ?
		    "no such version" : strerror(errno));
		goto fail;
	}
	store_state_read(r->ct_fd, r->version, &verified, &r->bad);
	if (faccessat(r->dir_fd, STORE_MANIFEST, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		r->bad = true;
	return 0;
fail:
	store_read_close(r);
	return -1;
}

int
store_read_config(const struct store_reader *rd, char *buf, size_t len,
    char *err, size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = openat(rd->dir_fd, STORE_CONFIG, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "version %s: its config: %s",
		    rd->version, strerror(errno));
		return -1;
	}
	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "version %s: its config: %s",
			    rd->version, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off == len - 1) {
		snprintf(err, errlen, "version %s: its config is larger than "
		    "%zu bytes", rd->version, len - 1);
		goto out;
	}
	buf[off] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}
