/* corral: a private key read through safe_open (privkey.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privkey.h"
#include "safe_open.h"

/* an OpenSSH ed25519 private key file is about 400 bytes, RSA 4096 3 KiB */
#define KEY_FILE_MAX 16384

/* Read all of fd (a key file: small) into buf, NUL-terminated. */
static int
read_small(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			buf[off] = '\0';
			return 0;
		}
		off += (size_t)n;
	}
	errno = EFBIG;
	return -1;
}

int
privkey_load(const char *path, ssh_key *out, char *err, size_t errlen)
{
	char buf[KEY_FILE_MAX];
	int fd, rc = -1;

	*out = NULL;
	if ((fd = safe_open(path, SAFE_PRIVATE, err, errlen)) < 0)
		return -1;
	if (read_small(fd, buf, sizeof(buf)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (ssh_pki_import_privkey_base64(buf, NULL, NULL, NULL, out) !=
	    SSH_OK) {
		snprintf(err, errlen, "%s: not an unencrypted private key",
		    path);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	if (rc != 0)
		errno = EINVAL;   /* not ENOENT: the file was there */
	return rc;
}
