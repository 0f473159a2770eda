/* Unit tests: the sealed records of a direct transfer (xfer/xfer_seal.c)
 * and its TCP connection (xfer/xfer_direct.c): what one end seals the
 * other opens, and nothing else is ever opened: a flipped bit, a wrong key,
 * a replayed, reordered, reflected or over-long record, a first record
 * over another connection's challenge; a connection without the key is
 * dropped and the right one still taken, and connections that say nothing
 * delay it by their short limit at most. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "conf.h"
#include "pace.h"
#include "xfer.h"
#include "xfer_seal.h"

static const uint8_t key1[SEAL_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t key2[SEAL_KEY_LEN] = { 9, 9, 9 };

/* a pair: s (sender) and r (receiver) under one key */
static void
pair(struct xseal *s, struct xseal *r, const uint8_t *ks, const uint8_t *kr)
{
	assert_int_equal(xseal_init(s, ks, true), 0);
	assert_int_equal(xseal_init(r, kr, false), 0);
}

static void
test_round_trip(void **state)
{
	struct xseal s, r;
	struct cbuf *wire = cbuf_new(4 << 20), *out = cbuf_new(4 << 20);
	uint8_t *big = malloc(SEAL_REC_MAX);
	size_t i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < SEAL_REC_MAX; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	pair(&s, &r, key1, key1);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"hello", 5, wire), 0);
	assert_int_equal(xseal_seal(&s, big, SEAL_REC_MAX, wire), 0);
	assert_int_equal(xseal_seal(&s, big, 0, wire), 0);
	/* the wire carries ciphertext, not the bytes */
	assert_null(memmem(cbuf_ptr(wire), cbuf_len(wire), "hello", 5));
	assert_int_equal(xseal_open(&r, wire, out), 1);
	assert_int_equal(xseal_open(&r, wire, out), 1);
	assert_int_equal(xseal_open(&r, wire, out), 1);
	assert_int_equal(cbuf_len(wire), 0);
	assert_int_equal(cbuf_len(out), 5 + SEAL_REC_MAX);
	assert_memory_equal(cbuf_ptr(out), "hello", 5);
	assert_memory_equal(cbuf_ptr(out) + 5, big, SEAL_REC_MAX);
	/* nothing more: waits */
	assert_int_equal(xseal_open(&r, wire, out), 0);
	/* one byte over the bound is refused before it is sealed */
	assert_int_equal(xseal_seal(&s, big, SEAL_REC_MAX + 1, wire),
	    CERR_TOO_BIG);
	free(big);
	cbuf_free(wire);
	cbuf_free(out);
	xseal_free(&s);
	xseal_free(&r);
}

/* A record cut anywhere waits for the rest; whole, it opens. */
static void
test_partial(void **state)
{
	struct xseal s, r;
	struct cbuf *wire = cbuf_new(1024), *part, *out = cbuf_new(1024);
	size_t k, n;

	(void)state;
	pair(&s, &r, key1, key1);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"0123456789", 10,
	    wire), 0);
	n = cbuf_len(wire);
	assert_int_equal(n, 4 + 10 + 16);
	for (k = 0; k < n; k++) {
		assert_non_null(part = cbuf_from(cbuf_ptr(wire), k));
		assert_int_equal(xseal_open(&r, part, out), 0);
		assert_int_equal(cbuf_len(out), 0);
		cbuf_free(part);
	}
	assert_int_equal(xseal_open(&r, wire, out), 1);
	assert_memory_equal(cbuf_ptr(out), "0123456789", 10);
	cbuf_free(wire);
	cbuf_free(out);
	xseal_free(&s);
	xseal_free(&r);
}

/* Every single flipped bit, in length, ciphertext or tag, fails. */
static void
test_tamper(void **state)
{
	struct xseal s, r;
	struct cbuf *wire = cbuf_new(1024), *bad, *out = cbuf_new(1024);
	uint8_t copy[64];
	size_t n, i;
	int rc;

	(void)state;
	pair(&s, &r, key1, key1);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"payload!", 8, wire), 0);
	n = cbuf_len(wire);
	for (i = 0; i < n * 8; i++) {
		memcpy(copy, cbuf_ptr(wire), n);
		copy[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_non_null(bad = cbuf_from(copy, n));
		rc = xseal_open(&r, bad, out);
		/* a changed length either waits for bytes that never come,
		 * is over the bound, or fails like any other change */
		assert_true(rc == CERR_AUTH || rc == CERR_TOO_BIG || rc == 0);
		if (i >= 32)
			assert_int_equal(rc, CERR_AUTH);
		assert_int_equal(cbuf_len(out), 0);
		cbuf_free(bad);
	}
	/* the untouched record still opens: nothing advanced on failure */
	assert_int_equal(xseal_open(&r, wire, out), 1);
	cbuf_free(wire);
	cbuf_free(out);
	xseal_free(&s);
	xseal_free(&r);
}

static void
test_wrong_key_replay_reflect(void **state)
{
	struct xseal s, r, r2;
	struct cbuf *wire = cbuf_new(1024), *out = cbuf_new(1024), *again;
	uint8_t rec1[64];
	size_t n1;

	(void)state;
	pair(&s, &r, key1, key1);
	assert_int_equal(xseal_init(&r2, key2, false), 0);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"first", 5, wire), 0);
	n1 = cbuf_len(wire);
	memcpy(rec1, cbuf_ptr(wire), n1);
	assert_non_null(again = cbuf_from(rec1, n1));
	/* another key */
	assert_int_equal(xseal_open(&r2, again, out), CERR_AUTH);
	/* the right one; then the same record again is a replay */
	assert_int_equal(xseal_open(&r, wire, out), 1);
	assert_int_equal(xseal_open(&r, again, out), CERR_AUTH);
	cbuf_free(again);
	/* reordered: the third record before the second */
	cbuf_reset(wire);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"second", 6, wire), 0);
	n1 = cbuf_len(wire);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"third", 5, wire), 0);
	assert_non_null(again = cbuf_from(cbuf_ptr(wire) + n1,
	    cbuf_len(wire) - n1));
	assert_int_equal(xseal_open(&r, again, out), CERR_AUTH);
	cbuf_free(again);
	/* reflected: the sender's own record sent back to it */
	cbuf_reset(wire);
	assert_int_equal(xseal_seal(&s, (const uint8_t *)"mirror", 6, wire), 0);
	s.n_in = s.n_out - 1;
	assert_int_equal(xseal_open(&s, wire, out), CERR_AUTH);
	cbuf_free(wire);
	cbuf_free(out);
	xseal_free(&s);
	xseal_free(&r);
	xseal_free(&r2);
}

/* A length over the bound is refused from its 4 bytes alone. */
static void
test_oversize(void **state)
{
	struct xseal r;
	static const uint8_t hdr[4] = { 0x00, 0x04, 0x00, 0x01 };  /* 256K+1 */
	static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
	struct cbuf *in, *out = cbuf_new(1024);

	(void)state;
	assert_int_equal(xseal_init(&r, key1, false), 0);
	assert_non_null(in = cbuf_from(hdr, 4));
	assert_int_equal(xseal_open(&r, in, out), CERR_TOO_BIG);
	cbuf_free(in);
	assert_non_null(in = cbuf_from(huge, 4));
	assert_int_equal(xseal_open(&r, in, out), CERR_TOO_BIG);
	cbuf_free(in);
	cbuf_free(out);
	xseal_free(&r);
}

/* ---- the connection over TCP on 127.0.0.1 ---- */

struct client {
	uint16_t port;
	const uint8_t *key;
	int rc;
	char err[256];
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	struct xseal s;
	int fd;

	assert_int_equal(xseal_init(&s, c->key, true), 0);
	fd = direct_connect("127.0.0.1", c->port, &s, 5000, c->err,
	    sizeof(c->err));
	c->rc = fd >= 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	xseal_free(&s);
	return NULL;
}

/* An intruder without the key connects first: dropped; the sender that
 * comes after it is taken. */
static void
test_intruder_then_sender(void **state)
{
	struct client bad = { .key = key2 }, good = { .key = key1 };
	struct xseal r;
	pthread_t tb, tg;
	char err[256];
	uint16_t port;
	int lfd, fd;

	(void)state;
	assert_int_equal(xseal_init(&r, key1, false), 0);
	lfd = direct_listen("127.0.0.1", 0, 0, &port, err, sizeof(err));
	assert_true(lfd >= 0);
	bad.port = good.port = port;
	assert_int_equal(pthread_create(&tb, NULL, client_main, &bad), 0);
	usleep(200 * 1000);   /* first in the backlog */
	assert_int_equal(pthread_create(&tg, NULL, client_main, &good), 0);
	fd = direct_accept(lfd, &r, 10000, err, sizeof(err));
	assert_true(fd >= 0);
	close(lfd);
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_int_equal(pthread_join(tg, NULL), 0);
	/* the intruder never gets through; the sender does */
	assert_int_equal(bad.rc, -1);
	assert_int_equal(good.rc, 0);
	close(fd);
	xseal_free(&r);
}


/* The first record holds for the challenge it was made over only. */
static void
test_hello_bound(void **state)
{
	uint8_t c1[SEAL_CHAL_LEN] = { 1 }, c2[SEAL_CHAL_LEN] = { 2 };
	uint8_t rec[SEAL_HELLO_REC];
	struct xseal s, r, r2;
	int sv[2];

	(void)state;
	pair(&s, &r, key1, key1);
	assert_int_equal(xseal_init(&r2, key2, false), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(xseal_hello_send(&s, sv[0], c1, 1000), 0);
	assert_int_equal(read(sv[1], rec, sizeof(rec)), (ssize_t)sizeof(rec));
	assert_int_equal(xseal_hello_open(&r, rec, sizeof(rec), c2), CERR_AUTH);
	assert_int_equal(xseal_hello_open(&r2, rec, sizeof(rec), c1),
	    CERR_AUTH);
	assert_int_equal(xseal_hello_open(&r, rec, sizeof(rec) - 1, c1),
	    CERR_AUTH);
	assert_int_equal(xseal_hello_open(&r, rec, sizeof(rec), c1), 0);
	assert_int_equal(r.n_in, 1);
	/* the receiver's answer, over the same challenge */
	assert_int_equal(xseal_hello_send(&r, sv[1], c1, 1000), 0);
	assert_int_equal(xseal_hello_recv(&s, sv[0], c1, 1000), 0);
	assert_int_equal(xseal_hello_send(&r, sv[1], c1, 1000), 0);
	assert_int_equal(xseal_hello_recv(&s, sv[0], c2, 1000), CERR_AUTH);
	close(sv[0]);
	close(sv[1]);
	xseal_free(&s);
	xseal_free(&r);
	xseal_free(&r2);
}

/* A plain TCP connection to the listener on 127.0.0.1. */
static int
raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

struct acceptor {
	pthread_t th;
	int lfd, fd;
	struct xseal r;
	int64_t ms;          /* how long it took */
	char err[256];
};

static void *
acceptor_main(void *arg)
{
	struct acceptor *a = arg;
	int64_t t0 = monotonic_ms();

	a->fd = direct_accept(a->lfd, &a->r, 15000, a->err, sizeof(a->err));
	a->ms = monotonic_ms() - t0;
	return NULL;
}

static uint16_t
acceptor_start(struct acceptor *a)
{
	char err[256];
	uint16_t port;

	memset(a, 0, sizeof(*a));
	assert_int_equal(xseal_init(&a->r, key1, false), 0);
	a->lfd = direct_listen("127.0.0.1", 0, 0, &port, err, sizeof(err));
	assert_true(a->lfd >= 0);
	assert_int_equal(pthread_create(&a->th, NULL, acceptor_main, a), 0);
	return port;
}

static void
acceptor_end(struct acceptor *a)
{
	assert_int_equal(pthread_join(a->th, NULL), 0);
	close(a->lfd);
	if (a->fd >= 0)
		close(a->fd);
	xseal_free(&a->r);
}

/* silent connections first, then the sender: it is taken, delayed by
 * their short limit at most */
static void
silent_then_sender(int nsilent, int64_t max_ms)
{
	struct client good = { .key = key1 };
	struct acceptor a;
	pthread_t tg;
	int *silent = calloc((size_t)nsilent, sizeof(int));
	int i;

	assert_non_null(silent);
	good.port = acceptor_start(&a);
	for (i = 0; i < nsilent; i++)
		silent[i] = raw_connect(good.port);
	usleep(100 * 1000);
	assert_int_equal(pthread_create(&tg, NULL, client_main, &good), 0);
	assert_int_equal(pthread_join(tg, NULL), 0);
	acceptor_end(&a);
	if (good.rc != 0 || a.fd < 0)
		fail_msg("sender: %s; receiver: %s", good.err, a.err);
	if (a.ms > max_ms)
		fail_msg("the sender was taken after %lld ms, more than %lld",
		    (long long)a.ms, (long long)max_ms);
	for (i = 0; i < nsilent; i++)
		close(silent[i]);
	free(silent);
}

static void
test_silent_first(void **state)
{
	(void)state;
	/* served beside it: no wait at all */
	silent_then_sender(1, 1000);
	/* more than are served at once: the sender waits for their 2 s */
	silent_then_sender(20, 2000 + 1500);
}

/* A first record that proved the key on one connection is refused on
 * another: it is over the other one's challenge. */
static void
test_replayed_first_record(void **state)
{
	struct client good = { .key = key1 };
	uint8_t chal[SEAL_CHAL_LEN], chal2[SEAL_CHAL_LEN], rec[SEAL_HELLO_REC];
	struct acceptor a;
	struct xseal s;
	size_t got = 0;
	pthread_t tg;
	int fd, sv[2];
	char c;

	(void)state;
	good.port = acceptor_start(&a);
	/* the sender's first record on an earlier connection, as an
	 * eavesdropper saw it */
	fd = raw_connect(good.port);
	assert_int_equal(xseal_read_exact(fd, chal, sizeof(chal), &got,
	    monotonic_ms() + 2000), 0);
	assert_int_equal(xseal_init(&s, key1, true), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(xseal_hello_send(&s, sv[0], chal, 1000), 0);
	assert_int_equal(read(sv[1], rec, sizeof(rec)), (ssize_t)sizeof(rec));
	close(sv[0]);
	close(sv[1]);
	xseal_free(&s);
	close(fd);
	/* replayed on a new connection: another challenge, refused */
	fd = raw_connect(good.port);
	got = 0;
	assert_int_equal(xseal_read_exact(fd, chal2, sizeof(chal2), &got,
	    monotonic_ms() + 2000), 0);
	assert_memory_not_equal(chal, chal2, sizeof(chal));
	assert_int_equal(write(fd, rec, sizeof(rec)), (ssize_t)sizeof(rec));
	/* dropped: no first record back, the end of the stream */
	assert_int_equal(read(fd, &c, 1), 0);
	close(fd);
	/* and the sender still gets through */
	assert_int_equal(pthread_create(&tg, NULL, client_main, &good), 0);
	assert_int_equal(pthread_join(tg, NULL), 0);
	acceptor_end(&a);
	assert_int_equal(good.rc, 0);
	assert_true(a.fd >= 0);
}

/* direct_accept_idle: the caller is asked every 100 ms; a connection
 * still proving the key meanwhile is kept (the master's store get looked
 * at its session between 100 ms accepts, and dropped a slow sender). */
struct idler {
	pthread_t th;
	int lfd, fd, asks, stop_after;
	struct xseal r;
	char err[256];
};

static int
idle_count(void *arg)
{
	struct idler *d = arg;

	d->asks++;
	return d->stop_after > 0 && d->asks >= d->stop_after;
}

static void *
idler_main(void *arg)
{
	struct idler *d = arg;

	d->fd = direct_accept_idle(d->lfd, &d->r, 10000, idle_count, d,
	    d->err, sizeof(d->err));
	return NULL;
}

static void
test_idle_keeps_prover(void **state)
{
	uint8_t chal[SEAL_CHAL_LEN];
	struct idler d;
	struct xseal s;
	char err[256];
	uint16_t port;
	size_t got = 0;
	int fd;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(xseal_init(&d.r, key1, false), 0);
	d.lfd = direct_listen("127.0.0.1", 0, 0, &port, err, sizeof(err));
	assert_true(d.lfd >= 0);
	assert_int_equal(pthread_create(&d.th, NULL, idler_main, &d), 0);
	/* a sender slow to prove the key: its first record 500 ms after the
	 * challenge, across several asks */
	fd = raw_connect(port);
	assert_int_equal(xseal_read_exact(fd, chal, sizeof(chal), &got,
	    monotonic_ms() + 2000), 0);
	usleep(500 * 1000);
	assert_int_equal(xseal_init(&s, key1, true), 0);
	assert_int_equal(xseal_hello_send(&s, fd, chal, 1000), 0);
	assert_int_equal(xseal_hello_recv(&s, fd, chal, 2000), 0);
	assert_int_equal(pthread_join(d.th, NULL), 0);
	if (d.fd < 0)
		fail_msg("the slow sender was dropped: %s", d.err);
	assert_true(d.asks >= 3);
	close(d.fd);
	close(fd);
	xseal_free(&s);

	/* a nonzero answer ends the wait: -1, err untouched */
	d.stop_after = 2;
	d.asks = 0;
	snprintf(d.err, sizeof(d.err), "untouched");
	idler_main(&d);
	assert_int_equal(d.fd, -1);
	assert_int_equal(d.asks, 2);
	assert_string_equal(d.err, "untouched");
	close(d.lfd);
	xseal_free(&d.r);
}

static void
test_unreachable(void **state)
{
	struct xseal s;
	char err[256];
	uint16_t port;
	int lfd;

	(void)state;
	/* a port that was just free: nobody listens there any more */
	lfd = direct_listen("127.0.0.1", 0, 0, &port, err, sizeof(err));
	assert_true(lfd >= 0);
	close(lfd);
	assert_int_equal(xseal_init(&s, key1, true), 0);
	assert_int_equal(direct_connect("127.0.0.1", port, &s, 2000, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot connect to the receiver at "
	    "127.0.0.1"));
	xseal_free(&s);
}

/* data_ports: the first free port of the range; none free: an error
 * naming the range. */
static void
test_port_range(void **state)
{
	char err[256];
	uint16_t first, port, lo, hi;
	int a, b, c;

	(void)state;
	assert_int_equal(conf_port_range("any", &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	assert_int_equal(conf_port_range("7100-7199", &lo, &hi), 0);
	assert_int_equal(lo, 7100);
	assert_int_equal(hi, 7199);
	assert_int_equal(conf_port_range("7100-7100", &lo, &hi), 0);
	assert_int_equal(conf_port_range("0-10", &lo, &hi), -1);
	assert_int_equal(conf_port_range("10-9", &lo, &hi), -1);
	assert_int_equal(conf_port_range("1-65536", &lo, &hi), -1);
	assert_int_equal(conf_port_range("7100", &lo, &hi), -1);
	assert_int_equal(conf_port_range("-7100", &lo, &hi), -1);
	assert_int_equal(conf_port_range("7100-x", &lo, &hi), -1);
	assert_int_equal(conf_port_range("", &lo, &hi), -1);
	/* take an ephemeral port, then ask for a range starting there */
	a = direct_listen("127.0.0.1", 0, 0, &first, err, sizeof(err));
	assert_true(a >= 0);
	if (first >= 65534)
		skip();
	b = direct_listen("127.0.0.1", first, first + 1, &port, err,
	    sizeof(err));
	/* first is in use: the next one, unless someone else has it too */
	if (b >= 0)
		assert_int_equal(port, first + 1);
	c = direct_listen("127.0.0.1", first, first, &port, err, sizeof(err));
	assert_int_equal(c, -1);
	assert_non_null(strstr(err, "ports"));
	assert_non_null(strstr(err, "Address already in use"));
	if (b >= 0)
		close(b);
	close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_wrong_key_replay_reflect),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_intruder_then_sender),
		cmocka_unit_test(test_hello_bound),
		cmocka_unit_test(test_silent_first),
		cmocka_unit_test(test_replayed_first_record),
		cmocka_unit_test(test_idle_keeps_prover),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_port_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
