/* corral: the HELLO exchange that opens every session.
 *
 * The client sends HELLO with the range of versions it speaks and its
 * capabilities; the server answers HELLO_OK with the highest version both
 * speak and the common capabilities, or ERROR naming both ranges.  Nothing
 * but HELLO is accepted before it.
 */
#ifndef CORRAL_HELLO_H
#define CORRAL_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct hello_params {
	uint16_t vmin, vmax;     /* 0, 0 = PROTO_VERSION_MIN, PROTO_VERSION */
	uint32_t caps;
	const char *software;    /* "corral-slave 0.1.0" */
	const char *role;        /* client only: "master", "cli" */
};

struct hello_result {
	uint16_t version;
	uint32_t caps;
	char peer_software[64];
	char peer_role[16];      /* server side: what the client said */
};

/* Pick the highest version in both ranges; CERR_VERSION if none. */
int hello_negotiate(uint16_t amin, uint16_t amax, uint16_t bmin,
    uint16_t bmax, uint16_t *out);

/* On failure err holds one line naming the peer and what went wrong. */
int hello_client(struct transport *t, const struct hello_params *p,
    struct hello_result *res, char *err, size_t errlen);
int hello_server(struct transport *t, const struct hello_params *p,
    struct hello_result *res, char *err, size_t errlen);

#endif
