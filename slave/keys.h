/* corral-slave: its host key and the keys allowed to log in. */
#ifndef CORRAL_SLAVE_KEYS_H
#define CORRAL_SLAVE_KEYS_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "sshfp.h"

struct authkeys {
	ssh_key *v;
	size_t n;
};

/* Load the ed25519 host key at path, generating it (mode 0600) if absent.
 * The file and every directory on its path are checked first
 * (safe_open.h): a key that group or others may read or that anyone but
 * root or us could replace is refused, with a message naming it. */
int hostkey_load_or_create(const char *path, ssh_key *out, char *err,
    size_t errlen);

/* Read every key of an OpenSSH authorized_keys file, checked first like
 * the host key (others may read it, not write it).  Options before the
 * key type are not supported and are an error, as are unknown key types:
 * a line we cannot read must not be silently ignored.  A missing file is
 * an error. */
int authkeys_load(const char *path, struct authkeys *ak, char *err,
    size_t errlen);
void authkeys_free(struct authkeys *ak);
/* 1 if key matches one of ak (public parts compared), else 0. */
int authkeys_match(const struct authkeys *ak, const ssh_key key);

#endif
