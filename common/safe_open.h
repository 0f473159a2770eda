/* corral: opening files whose content is trusted (authorized keys, private
 * keys), checked the way OpenSSH's StrictModes checks them.
 *
 * Every directory the path passes through, from "/", must be a directory
 * owned by root or by the effective user and writable by neither group nor
 * others (a sticky /tmp is refused too); the file must be a regular file
 * with the same owner rule and, by its kind, neither group- nor
 * other-writable or not accessible to group and others at all.
 *
 * Symbolic links are followed, but only from a checked directory: each
 * link is read where it lies, and every directory its target passes
 * through is checked in turn, so neither the link nor its target can be
 * swapped by anyone but root or us.  The walk holds a descriptor of each
 * checked directory and opens the next name under it without following
 * links (openat, O_NOFOLLOW), so what is checked is what gets opened.
 */
#ifndef CORRAL_SAFE_OPEN_H
#define CORRAL_SAFE_OPEN_H

#include <stddef.h>
#include <sys/types.h>

enum safe_kind {
	SAFE_PUBLIC,    /* others may read it, not write it (authorized_keys) */
	SAFE_PRIVATE,   /* no access by group or others (a private key) */
};

/* Open the file at the absolute path for reading after the checks above.
 * Returns the descriptor (close-on-exec), or -1 with a one-line message
 * in err that names the file and what is wrong; errno is ENOENT when all
 * is well but the file itself is missing. */
int safe_open(const char *path, enum safe_kind kind, char *err,
    size_t errlen);

/* Create the file at the absolute path, exclusively, with mode, for
 * writing, after checking every directory on the way as above.  Returns
 * the descriptor, or -1 with err (an existing file is an error). */
int safe_create(const char *path, mode_t mode, char *err, size_t errlen);

#endif
