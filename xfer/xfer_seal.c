/* corral xfer: sealed records for a direct slave-to-slave transfer.
 *
 * The master hands both ends a fresh random key for one transfer over
 * their authenticated SSH sessions; the ends then talk over plain TCP in
 * records sealed with AES-256-GCM under that key:
 *
 *     u32 len (<= SEAL_REC_MAX) | len bytes of ciphertext | 16-byte tag
 *
 * The length is authenticated (it is the AAD), the nonce is the direction
 * (0 sender to receiver, 1 back) and a record counter, so a record cannot
 * be altered, replayed, reordered, dropped or reflected without the next
 * open failing.  The first record each way is HELLO and the challenge
 * the receiver sent in the clear as the connection's first bytes: fresh
 * random bytes per connection, so a first record seen on one connection
 * opens on no other.  A key is used for one connection only.  Why not a second
 * SSH session: libssh reads its socket 4 KiB at a time, and the relay
 * through the master costs a decryption, an encryption and two socket
 * copies per byte (see README, "Data path"). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cerr.h"
#include "pace.h"
#include "xfer_seal.h"

#define TAG_LEN SEAL_TAG_LEN
#define HELLO "corral direct v4"   /* 16 bytes, then the challenge */
#define HELLO_LEN (16 + SEAL_CHAL_LEN)

static void
nonce(uint8_t iv[12], uint32_t dir, uint64_t n)
{
	int i;

	for (i = 0; i < 4; i++)
		iv[i] = (uint8_t)(dir >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

int
xseal_init(struct xseal *s, const uint8_t key[SEAL_KEY_LEN], bool sender)
{
	memset(s, 0, sizeof(*s));
	s->dir_out = sender ? 0 : 1;
	s->dir_in = sender ? 1 : 0;
	if ((s->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (s->dec = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(s->enc, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(s->dec, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
		xseal_free(s);
		return CERR_NOMEM;
	}
	return 0;
}

void
xseal_free(struct xseal *s)
{
	EVP_CIPHER_CTX_free(s->enc);
	EVP_CIPHER_CTX_free(s->dec);
	s->enc = s->dec = NULL;
}

struct xseal *
xseal_new(const uint8_t key[SEAL_KEY_LEN], bool sender)
{
	struct xseal *s = malloc(sizeof(*s));

	if (s != NULL && xseal_init(s, key, sender) != 0) {
		free(s);
		s = NULL;
	}
	return s;
}

void
xseal_delete(struct xseal *s)
{
	if (s == NULL)
		return;
	xseal_free(s);
	free(s);
}

int
xseal_seal(struct xseal *s, const uint8_t *p, size_t len, struct cbuf *out)
{
	uint8_t iv[12], hdr[4], *q;
	int n, f;

	if (len > SEAL_REC_MAX)
		return CERR_TOO_BIG;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	nonce(iv, s->dir_out, s->n_out);
	if (cbuf_reserve(out, 4 + len + TAG_LEN, &q) != 0)
		return CERR_BUF_FULL;
	memcpy(q, hdr, 4);
	if (EVP_EncryptInit_ex(s->enc, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(s->enc, NULL, &n, hdr, 4) != 1 ||
	    EVP_EncryptUpdate(s->enc, q + 4, &n, p, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(s->enc, q + 4 + n, &f) != 1 ||
	    (size_t)(n + f) != len ||
	    EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    q + 4 + len) != 1) {
		cbuf_unreserve(out, 4 + len + TAG_LEN);
		return CERR_INVALID;
	}
	s->n_out++;
	return 0;
}

size_t
xseal_next_len(const struct cbuf *in)
{
	const uint8_t *p = cbuf_ptr(in);

	if (cbuf_len(in) < 4)
		return 0;
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

int
xseal_open(struct xseal *s, struct cbuf *in, struct cbuf *out)
{
	const uint8_t *p = cbuf_ptr(in);
	uint8_t iv[12], tag[TAG_LEN], *q;
	size_t len;
	int n, f;

	if (cbuf_len(in) < 4)
		return 0;
	len = xseal_next_len(in);
	if (len > SEAL_REC_MAX)
		return CERR_TOO_BIG;       /* checked before any use */
	if (cbuf_len(in) < 4 + len + TAG_LEN)
		return 0;
	if (cbuf_max(out) - cbuf_len(out) < len)
		return 0;                  /* no room yet: the reader drains */
	if (cbuf_reserve(out, len, &q) != 0)
		return 0;
	nonce(iv, s->dir_in, s->n_in);
	memcpy(tag, p + 4 + len, TAG_LEN);
	if (EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(s->dec, NULL, &n, p, 4) != 1 ||
	    EVP_DecryptUpdate(s->dec, q, &n, p + 4, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->dec, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(s->dec, q + n, &f) != 1) {
		/* nothing of a record that fails is ever used */
		cbuf_unreserve(out, len);
		return CERR_AUTH;
	}
	s->n_in++;
	cbuf_consume(in, 4 + len + TAG_LEN);
	return 1;
}

/* Write all of b to the (blocking or not) fd before the deadline. */
static int
write_all(int fd, struct cbuf *b, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (cbuf_len(b) > 0) {
		n = write(fd, cbuf_ptr(b), cbuf_len(b));
		if (n > 0) {
			cbuf_consume(b, (size_t)n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return CERR_IO;
		if (monotonic_ms() >= deadline)
			return CERR_TIMEOUT;
		(void)poll(&p, 1, (int)(deadline - monotonic_ms()));
	}
	return 0;
}

static void
hello_text(uint8_t out[HELLO_LEN], const uint8_t chal[SEAL_CHAL_LEN])
{
	memcpy(out, HELLO, 16);
	memcpy(out + 16, chal, SEAL_CHAL_LEN);
}

int
xseal_hello_open(struct xseal *s, const uint8_t *rec, size_t len,
    const uint8_t chal[SEAL_CHAL_LEN])
{
	struct cbuf *in, *out = cbuf_new(HELLO_LEN);
	uint8_t want[HELLO_LEN];
	int r;

	if (out == NULL)
		return CERR_NOMEM;
	if ((in = cbuf_from(rec, len)) == NULL) {
		cbuf_free(out);
		return CERR_NOMEM;
	}
	hello_text(want, chal);
	/* the first record of its connection, whichever came before */
	s->n_in = 0;
	if (len != SEAL_HELLO_REC || xseal_next_len(in) != HELLO_LEN)
		r = CERR_AUTH;
	else if ((r = xseal_open(s, in, out)) == 1)
		r = cbuf_len(out) == HELLO_LEN &&
		    memcmp(cbuf_ptr(out), want, HELLO_LEN) == 0 ? 0 : CERR_AUTH;
	else if (r == 0)
		r = CERR_AUTH;
	if (r != 0)
		s->n_in = 0;
	cbuf_free(in);
	cbuf_free(out);
	return r;
}

int
xseal_hello_send(struct xseal *s, int fd, const uint8_t chal[SEAL_CHAL_LEN],
    int timeout_ms)
{
	struct cbuf *b = cbuf_new(SEAL_HELLO_REC);
	uint8_t text[HELLO_LEN];
	int r;

	if (b == NULL)
		return CERR_NOMEM;
	hello_text(text, chal);
	s->n_out = 0;
	if ((r = xseal_seal(s, text, HELLO_LEN, b)) == 0)
		r = write_all(fd, b, monotonic_ms() + timeout_ms);
	cbuf_free(b);
	return r;
}

int
xseal_read_exact(int fd, uint8_t *p, size_t n, size_t *got, int64_t deadline)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	ssize_t k;

	while (*got < n) {
		k = read(fd, p + *got, n - *got);
		if (k > 0) {
			*got += (size_t)k;
			continue;
		}
		if (k == 0)
			return CERR_EOF;
		if (errno != EAGAIN && errno != EINTR)
			return CERR_IO;
		if (deadline < 0)
			return 0;   /* not all there yet: the caller polls */
		if (monotonic_ms() >= deadline)
			return CERR_TIMEOUT;
		(void)poll(&pf, 1, (int)(deadline - monotonic_ms()));
	}
	return 0;
}

/* Read exactly the peer's first record (nothing past it) and check it. */
int
xseal_hello_recv(struct xseal *s, int fd, const uint8_t chal[SEAL_CHAL_LEN],
    int timeout_ms)
{
	uint8_t rec[SEAL_HELLO_REC];
	size_t got = 0;
	int r;

	/* the length first: a record of another size is refused unread */
	if ((r = xseal_read_exact(fd, rec, 4, &got, monotonic_ms() +
	    timeout_ms)) != 0)
		return r;
	if (((size_t)rec[0] << 24 | (size_t)rec[1] << 16 |
	    (size_t)rec[2] << 8 | rec[3]) != HELLO_LEN)
		return CERR_AUTH;
	if ((r = xseal_read_exact(fd, rec, sizeof(rec), &got, monotonic_ms() +
	    timeout_ms)) != 0)
		return r;
	return xseal_hello_open(s, rec, sizeof(rec), chal);
}
