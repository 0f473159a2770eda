/* corral-slave: host key and authorized_keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "keys.h"
#include "privkey.h"
#include "safe_open.h"

/* A new ed25519 key, written with mode 0600 to a file that must not
 * exist, in a directory that passes the checks. */
static int
hostkey_create(const char *path, ssh_key *out, char *err, size_t errlen)
{
	ssh_key key = NULL;
	char *b64 = NULL;
	size_t len, off = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) !=
	    SSH_OK) {
		snprintf(err, errlen, "%s: cannot generate an ed25519 key",
		    path);
		goto out;
	}
	if ((fd = safe_create(path, 0600, err, errlen)) < 0)
		goto out;
	len = strlen(b64);
	while (off < len) {
		if ((n = write(fd, b64 + off, len - off)) < 0 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write host key: %s", path,
		    strerror(errno));
		unlink(path);
		goto out;
	}
	*out = key;
	key = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		free(b64);
	}
	ssh_key_free(key);
	return rc;
}

int
hostkey_load_or_create(const char *path, ssh_key *out, char *err,
    size_t errlen)
{
	if (privkey_load(path, out, err, errlen) == 0)
		return 0;
	return errno == ENOENT ? hostkey_create(path, out, err, errlen) : -1;
}

void
authkeys_free(struct authkeys *ak)
{
	size_t i;

	for (i = 0; i < ak->n; i++)
		ssh_key_free(ak->v[i]);
	free(ak->v);
	ak->v = NULL;
	ak->n = 0;
}

/* Split "type base64 [comment]" in place; 0 on success. */
static int
split_key_line(char *line, char **type, char **b64)
{
	char *p = line, *end;

	*type = p;
	if ((end = strpbrk(p, " \t")) == NULL)
		return -1;
	*end++ = '\0';
	while (*end == ' ' || *end == '\t')
		end++;
	*b64 = end;
	if ((end = strpbrk(end, " \t")) != NULL)
		*end = '\0';
	return **b64 ? 0 : -1;
}

int
authkeys_load(const char *path, struct authkeys *ak, char *err, size_t errlen)
{
	FILE *f;
	char line[CONF_LINE_MAX * 16], *type, *b64, *s;
	unsigned lineno = 0;
	ssh_key key, *nv;
	enum ssh_keytypes_e kt;
	int fd, rc = -1;
	size_t len;

	memset(ak, 0, sizeof(*ak));
	if ((fd = safe_open(path, SAFE_PUBLIC, err, errlen)) < 0)
		return -1;
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (split_key_line(s, &type, &b64) != 0) {
			snprintf(err, errlen, "%s:%u: expected 'TYPE BASE64 "
			    "[COMMENT]'", path, lineno);
			goto out;
		}
		kt = ssh_key_type_from_name(type);
		if (kt == SSH_KEYTYPE_UNKNOWN) {
			snprintf(err, errlen, "%s:%u: unknown key type '%.40s' "
			    "(options before the key are not supported)",
			    path, lineno, type);
			goto out;
		}
		if (ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK) {
			snprintf(err, errlen, "%s:%u: cannot decode %s key",
			    path, lineno, type);
			goto out;
		}
		if ((nv = realloc(ak->v, (ak->n + 1) * sizeof(*nv))) == NULL) {
			ssh_key_free(key);
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		ak->v = nv;
		ak->v[ak->n++] = key;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	if (rc != 0)
		authkeys_free(ak);
	return rc;
}

int
authkeys_match(const struct authkeys *ak, const ssh_key key)
{
	size_t i;

	for (i = 0; i < ak->n; i++)
		if (ssh_key_cmp(ak->v[i], key, SSH_KEY_CMP_PUBLIC) == 0)
			return 1;
	return 0;
}
