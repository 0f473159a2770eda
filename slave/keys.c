/* corral-slave: host key and authorized_keys. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "keys.h"

int
hostkey_load_or_create(const char *path, ssh_key *out, char *err,
    size_t errlen)
{
	struct stat st;
	ssh_key key = NULL;

	*out = NULL;
	if (stat(path, &st) == 0) {
		if ((st.st_mode & 077) != 0) {
			snprintf(err, errlen, "%s: host key is readable by "
			    "others (mode %03o); chmod 600 it", path,
			    (unsigned)(st.st_mode & 0777));
			return -1;
		}
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
		    &key) != SSH_OK) {
			snprintf(err, errlen, "%s: cannot read host key", path);
			return -1;
		}
		*out = key;
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		snprintf(err, errlen, "%s: cannot generate an ed25519 key",
		    path);
		return -1;
	}
	/* umask so the file never exists with looser permissions */
	mode_t old = umask(077);
	int rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	if (rc != SSH_OK || chmod(path, 0600) != 0) {
		snprintf(err, errlen, "%s: cannot write host key", path);
		ssh_key_free(key);
		return -1;
	}
	*out = key;
	return 0;
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
	int rc = -1;
	size_t len;

	memset(ak, 0, sizeof(*ak));
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
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
