/* libFuzzer target: the direct transfer's sealed records (xfer/xfer_seal.c).
 *
 * The key is fixed (the seeds are records sealed under it, made by
 * mkseeds_xfer_seal.py); the first byte picks what the input is:
 *   0  the stream a receiver reads after the first record: records are
 *      opened in turn until one is not whole or fails;
 *   1  a first record, checked against a fixed challenge;
 *   2  plaintexts to seal and open again, with one byte of each sealed
 *      record flipped on a second pass.
 * Besides never reading past the input: a length over SEAL_REC_MAX is
 * refused before any use; a record that opens seals back to exactly the
 * bytes it was read from (nothing but the key makes a record that opens);
 * a failed open leaves the output as it was; a first record opens only
 * if it is the one made for the challenge; a flipped byte never opens.
 * A broken property aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "xfer_seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* the seeds' key and challenge (mkseeds_xfer_seal.py) */
static const uint8_t key[SEAL_KEY_LEN] = "corral fuzz key, 32 bytes long!";
static const uint8_t chal[SEAL_CHAL_LEN] = "corral fuzz challenge, 32 bytes";

enum { SEL_STREAM, SEL_HELLO, SEL_ROUND, SEL_N };

static void
stream(const uint8_t *p, size_t n)
{
	struct xseal rx, tx;
	struct cbuf *in = cbuf_from(p, n), *out = cbuf_new(SEAL_REC_MAX),
	    *re = cbuf_new(4 + SEAL_REC_MAX + SEAL_TAG_LEN);
	size_t before, used;
	int r;

	CHECK(in != NULL && out != NULL && re != NULL);
	CHECK(xseal_init(&rx, key, false) == 0);
	CHECK(xseal_init(&tx, key, true) == 0);   /* to seal back */
	rx.n_in = tx.n_out = 1;   /* the first record is the hello's */
	for (;;) {
		before = cbuf_len(in);
		r = xseal_open(&rx, in, out);
		if (r != 1) {
			CHECK(r == 0 || r == CERR_AUTH || r == CERR_TOO_BIG);
			CHECK(cbuf_len(out) == 0 && cbuf_len(in) == before);
			if (r == CERR_TOO_BIG)
				CHECK(xseal_next_len(in) > SEAL_REC_MAX);
			break;
		}
		used = before - cbuf_len(in);
		CHECK(used == 4 + cbuf_len(out) + SEAL_TAG_LEN);
		CHECK(xseal_seal(&tx, cbuf_ptr(out), cbuf_len(out), re) == 0);
		CHECK(cbuf_len(re) == used);
		CHECK(memcmp(cbuf_ptr(re), p + (n - before), used) == 0);
		cbuf_reset(re);
		cbuf_reset(out);
	}
	xseal_free(&rx);
	xseal_free(&tx);
	cbuf_free(in);
	cbuf_free(out);
	cbuf_free(re);
}

static void
hello(const uint8_t *p, size_t n)
{
	struct xseal rx, tx;
	struct cbuf *want = cbuf_new(SEAL_HELLO_REC);
	uint8_t text[16 + SEAL_CHAL_LEN];
	int r;

	CHECK(want != NULL);
	CHECK(xseal_init(&rx, key, false) == 0);
	CHECK(xseal_init(&tx, key, true) == 0);
	memcpy(text, "corral direct v4", 16);
	memcpy(text + 16, chal, SEAL_CHAL_LEN);
	CHECK(xseal_seal(&tx, text, sizeof(text), want) == 0);
	r = xseal_hello_open(&rx, p, n, chal);
	CHECK(r == 0 || r == CERR_AUTH);
	if (r == 0)
		CHECK(n == cbuf_len(want) &&
		    memcmp(p, cbuf_ptr(want), n) == 0 && rx.n_in == 1);
	else
		CHECK(rx.n_in == 0);
	xseal_free(&rx);
	xseal_free(&tx);
	cbuf_free(want);
}

/* Chunks of the input, each a length byte then up to 255 bytes. */
static void
round_trip(const uint8_t *p, size_t n)
{
	struct xseal rx, tx, bad_rx;
	struct cbuf *wire = cbuf_new(4 + 255 + SEAL_TAG_LEN),
	    *out = cbuf_new(255);
	uint8_t w[4 + 255 + SEAL_TAG_LEN];
	size_t len, at;

	CHECK(wire != NULL && out != NULL);
	CHECK(xseal_init(&rx, key, false) == 0);
	CHECK(xseal_init(&tx, key, true) == 0);
	CHECK(xseal_init(&bad_rx, key, false) == 0);
	while (n > 0) {
		len = p[0] < n - 1 ? p[0] : n - 1;
		CHECK(xseal_seal(&tx, p + 1, len, wire) == 0);
		CHECK(cbuf_len(wire) == 4 + len + SEAL_TAG_LEN);
		CHECK(xseal_next_len(wire) == len);
		/* a copy with one byte flipped opens nowhere */
		{
			struct cbuf *bad;

			memcpy(w, cbuf_ptr(wire), cbuf_len(wire));
			at = (len + p[0]) % cbuf_len(wire);
			w[at] ^= (uint8_t)(1u << (p[0] & 7));
			CHECK((bad = cbuf_from(w, cbuf_len(wire))) != NULL);
			bad_rx.n_in = rx.n_in;
			CHECK(xseal_open(&bad_rx, bad, out) != 1);
			CHECK(cbuf_len(out) == 0);
			cbuf_free(bad);
		}
		CHECK(xseal_open(&rx, wire, out) == 1);
		CHECK(cbuf_len(wire) == 0 && cbuf_len(out) == len);
		CHECK(len == 0 || memcmp(cbuf_ptr(out), p + 1, len) == 0);
		cbuf_reset(out);
		p += 1 + len;
		n -= 1 + len;
	}
	xseal_free(&rx);
	xseal_free(&tx);
	xseal_free(&bad_rx);
	cbuf_free(wire);
	cbuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % SEL_N) {
	case SEL_STREAM:
		stream(data + 1, size - 1);
		break;
	case SEL_HELLO:
		hello(data + 1, size - 1);
		break;
	default:
		round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}
