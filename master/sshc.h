/* corral-master: SSH client sessions to slaves (libssh). */
#ifndef CORRAL_SSHC_H
#define CORRAL_SSHC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "transport.h"

/* How a slave's host key compares with our known_hosts file. */
enum sshc_trust {
	SSHC_TRUST_REQUIRED,   /* refuse unknown and changed keys */
	SSHC_TRUST_RECORD,     /* record an unknown key; refuse a changed one */
	SSHC_TRUST_PEEK,       /* only read the key: connect returns after
	                        * the check, without a session */
};

struct sshc_params {
	const char *name;          /* slaves.conf name, for messages */
	const char *address;
	uint16_t port;
	const char *key_path;      /* our private key */
	const char *known_hosts;
	int timeout_s;             /* connect, and each request */
	enum sshc_trust trust;
	const char *expect_fp;     /* with RECORD: refuse another fingerprint */
};

struct sshc {
	ssh_session session;
	ssh_channel channel;
	struct transport t;        /* the "corral" subsystem channel */
	char fingerprint[128];     /* "SHA256:..." of the slave's host key */
	bool recorded;             /* this connection recorded the key */
	bool known;                /* the key was in known_hosts already */
};

/* Connect, check the host key before anything else is sent, authenticate,
 * open the corral subsystem.  On failure err holds one line.  With
 * SSHC_TRUST_PEEK it stops after the check (a known key must match, a
 * changed one is refused), leaving only c->fingerprint and c->known. */
int sshc_connect(struct sshc *c, const struct sshc_params *p, char *err,
    size_t errlen);
void sshc_close(struct sshc *c);

#endif
