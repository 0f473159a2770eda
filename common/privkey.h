/* corral: reading a private key file that was checked first (privkey.c):
 * the slave's host key and the master's client key alike. */
#ifndef CORRAL_PRIVKEY_H
#define CORRAL_PRIVKEY_H

#include <stddef.h>

#include <libssh/libssh.h>

/* Load the unencrypted OpenSSH private key at the absolute path, opened
 * through safe_open(SAFE_PRIVATE): a key group or others may read, or
 * that anyone but root or us could replace, is refused.  0, or -1 with a
 * one-line message naming the file in err; errno is ENOENT when all is
 * well but the file is missing (the slave then makes its host key). */
int privkey_load(const char *path, ssh_key *out, char *err, size_t errlen);

#endif
