/* corral: codecs of the protocol messages (payloads of frames).
 *
 * Each message has a plain struct, an encoder that appends to a cbuf and a
 * decoder that reads a whole payload: every field is bounded, and bytes
 * left over are an error (CERR_TRAILING).
 */
#ifndef CORRAL_MSG_H
#define CORRAL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proto.h"

#define MSG_SOFTWARE_MAX 64
#define MSG_ROLE_MAX     16
#define MSG_ERRTEXT_MAX  512

/* MSG_HELLO */
struct msg_hello {
	uint16_t vmin, vmax;              /* versions the sender speaks */
	uint32_t caps;                    /* PROTO_CAP_* */
	char software[MSG_SOFTWARE_MAX];  /* e.g. "corral-master 0.1.0" */
	char role[MSG_ROLE_MAX];          /* "master", "cli", ... */
};

/* MSG_HELLO_OK */
struct msg_hello_ok {
	uint16_t version;                 /* the one chosen */
	uint32_t caps;                    /* the intersection */
	char software[MSG_SOFTWARE_MAX];
};

/* MSG_ERROR: code is a CERR_* (negative) or an operation's own code. */
struct msg_error {
	int32_t code;
	char message[MSG_ERRTEXT_MAX];
};

/* MSG_PING, MSG_PONG */
struct msg_ping {
	uint64_t token;
};

int msg_hello_encode(struct cbuf *b, const struct msg_hello *m);
int msg_hello_decode(struct cbuf *b, struct msg_hello *m);
int msg_hello_ok_encode(struct cbuf *b, const struct msg_hello_ok *m);
int msg_hello_ok_decode(struct cbuf *b, struct msg_hello_ok *m);
int msg_error_encode(struct cbuf *b, const struct msg_error *m);
int msg_error_decode(struct cbuf *b, struct msg_error *m);
int msg_ping_encode(struct cbuf *b, const struct msg_ping *m);
int msg_ping_decode(struct cbuf *b, struct msg_ping *m);
/* MSG_BYE has an empty payload. */
int msg_empty_decode(struct cbuf *b);

/* Decode a payload of any known type and discard the result: what a
 * dispatcher does before its handler runs, and what the fuzzer drives. */
int msg_validate(uint16_t type, const uint8_t *payload, size_t len);

/* "PEER: TYPE: reason" into buf, for logs and CLI errors. */
void msg_errfmt(char *buf, size_t len, const char *peer, uint16_t type,
    int code);

#endif
