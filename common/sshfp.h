/* corral: SSH key fingerprints, shared by slave (its host key) and master
 * (what it pins).  Only programs linked with libssh use this object. */
#ifndef CORRAL_SSHFP_H
#define CORRAL_SSHFP_H

#include <stddef.h>

#include <libssh/libssh.h>

/* "SHA256:..." of a key, as OpenSSH's ssh-keygen -l prints it; 0 or -1. */
int key_fingerprint(ssh_key key, char *out, size_t len);

#endif
