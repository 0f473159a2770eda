/* The engine's sealed records of a direct connection (xfer_seal.c):
 * AES-256-GCM, a nonce per record from the direction and a counter. */
#ifndef CORRAL_XFER_SEAL_H
#define CORRAL_XFER_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "xfer.h"

#define SEAL_REC_MAX  (256u * 1024)   /* plaintext bytes in one record */
#define SEAL_CHAL_LEN 32              /* the receiver's challenge */
#define SEAL_TAG_LEN  16
/* the first record each way: HELLO (16 bytes) and the challenge */
#define SEAL_HELLO_REC (4 + 16 + SEAL_CHAL_LEN + SEAL_TAG_LEN)

struct xseal {
	EVP_CIPHER_CTX *enc, *dec;
	uint32_t dir_out, dir_in;      /* nonce prefix: 0 to the receiver */
	uint64_t n_out, n_in;          /* records sealed, opened */
};

/* sender: this end sends the tree (direction 0 out) */
int xseal_init(struct xseal *s, const uint8_t key[SEAL_KEY_LEN], bool sender);
void xseal_free(struct xseal *s);
/* Append len (<= SEAL_REC_MAX) bytes to out as one sealed record. */
int xseal_seal(struct xseal *s, const uint8_t *p, size_t len,
    struct cbuf *out);
/* Open the record at the head of in into out: 1 opened (consumed from
 * in), 0 not whole yet or no room in out, CERR_TOO_BIG or CERR_AUTH. */
int xseal_open(struct xseal *s, struct cbuf *in, struct cbuf *out);
/* The length field of the record at the head of in (0 if not there). */
size_t xseal_next_len(const struct cbuf *in);
/* The first record each way proves the peer holds the key, on this
 * connection: it carries the challenge the receiver sent first.  Each
 * makes or checks record 0 of its direction. */
int xseal_hello_send(struct xseal *s, int fd,
    const uint8_t chal[SEAL_CHAL_LEN], int timeout_ms);
int xseal_hello_recv(struct xseal *s, int fd,
    const uint8_t chal[SEAL_CHAL_LEN], int timeout_ms);
/* Check a whole first record rec (len bytes): 0, or CERR_AUTH. */
int xseal_hello_open(struct xseal *s, const uint8_t *rec, size_t len,
    const uint8_t chal[SEAL_CHAL_LEN]);
/* Read until *got == n bytes are at p: 0, CERR_EOF, CERR_IO or
 * CERR_TIMEOUT; with deadline -1 (a non-blocking fd), 0 as soon as
 * nothing more is there. */
int xseal_read_exact(int fd, uint8_t *p, size_t n, size_t *got,
    int64_t deadline);

#endif
