/* corral xfer: the TCP connection of a direct transfer (see xfer_seal.c
 * for its records).  The receiver listens on an ephemeral port of its
 * listen address, sends each connection a fresh challenge and takes the
 * first one whose first record, over that challenge, proves it holds the
 * transfer's key; the sender connects to the address the master gives. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cerr.h"
#include "log.h"
#include "pace.h"
#include "xfer.h"
#include "xfer_seal.h"

#define HELLO_MS    10000   /* sender: the receiver's challenge, record */
#define PROVE_MS    2000    /* receiver: a connection's time to prove the
                             * key (one round trip, on any network) */
#define PENDING_MAX 16      /* connections proving it at once; more wait
                             * in the listen backlog */
#define BACKLOG     64
#define DROP_LOG_MS 10000   /* one line at most about dropped ones */
#define IDLE_MS     100     /* the caller's idle: how often at least */

static void
tune(int fd)
{
	int one = 1;

	/* small frames (needs, signatures) must not wait for Nagle */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int
direct_listen(const char *addr, uint16_t lo, uint16_t hi, uint16_t *port,
    char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint32_t p;
	int fd = -1, rc, e = 0;

	if ((rc = getaddrinfo(addr[0] ? addr : NULL, "0", &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen address %s: %s", addr,
		    gai_strerror(rc));
		return -1;
	}
	/* the first free port of the range; 0-0: one the kernel picks */
	for (p = lo; p <= hi; p++) {
		if (ai->ai_family == AF_INET6)
			((struct sockaddr_in6 *)ai->ai_addr)->sin6_port =
			    htons((uint16_t)p);
		else
			((struct sockaddr_in *)ai->ai_addr)->sin_port =
			    htons((uint16_t)p);
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, BACKLOG) == 0 && getsockname(fd,
		    (struct sockaddr *)&ss, &sl) == 0)
			break;
		e = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (e != EADDRINUSE)
			break;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		if (lo)
			snprintf(err, errlen, "cannot listen for the direct "
			    "transfer on %s, ports %u-%u: %s", addr,
			    (unsigned)lo, (unsigned)hi, strerror(e));
		else
			snprintf(err, errlen, "cannot listen for the direct "
			    "transfer on %s: %s", addr, strerror(e));
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* ---- the receiver: pending connections, served together ---- */

/* Connections dropped: one line per DROP_LOG_MS at most, with a count,
 * whatever number of transfers listen at once. */
static pthread_mutex_t drop_mu = PTHREAD_MUTEX_INITIALIZER;
static bool drop_logged;
static int64_t drop_ms;
static uint64_t drop_held;

static void
log_dropped(const char *host, const char *why)
{
	int64_t now = monotonic_ms();

	pthread_mutex_lock(&drop_mu);
	drop_held++;
	if (!drop_logged || now - drop_ms >= DROP_LOG_MS) {
		log_warn("direct transfer: %llu connection(s) dropped since "
		    "the last report, the latest from %s: %s",
		    (unsigned long long)drop_held, host, why);
		drop_logged = true;
		drop_ms = now;
		drop_held = 0;
	}
	pthread_mutex_unlock(&drop_mu);
}

struct pending {
	int fd;
	int64_t deadline;
	uint8_t chal[SEAL_CHAL_LEN];
	uint8_t rec[SEAL_HELLO_REC];
	size_t got;
	char host[64];
};

/* Close pv[i] (logged) and fill its place with the last one. */
static void
drop(struct pending *pv, size_t *n, size_t i, const char *why)
{
	log_dropped(pv[i].host, why);
	close(pv[i].fd);
	pv[i] = pv[--*n];
}

/* A new connection: its challenge goes out at once. */
static void
take_new(int lfd, struct pending *pv, size_t *n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pending *p = &pv[*n];
	int fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC)) < 0)
		return;
	tune(fd);
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->deadline = monotonic_ms() + PROVE_MS;
	if (getnameinfo((struct sockaddr *)&ss, sl, p->host, sizeof(p->host),
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(p->host, sizeof(p->host), "?");
	(*n)++;
	/* fresh per connection: what a first record proves holds here only;
	 * 32 bytes fit in any new socket's buffer */
	if (getrandom(p->chal, sizeof(p->chal), 0) != (ssize_t)sizeof(p->chal))
		drop(pv, n, *n - 1, "no random challenge");
	else if (write(fd, p->chal, sizeof(p->chal)) != (ssize_t)sizeof(p->chal))
		drop(pv, n, *n - 1, "cannot send the challenge");
}

/* More of p's first record: 1 it proved the key (our own first record is
 * sent), 0 not all there yet, or a negative CERR_*. */
static int
prove(struct xseal *s, struct pending *p)
{
	int r;

	if ((r = xseal_read_exact(p->fd, p->rec, sizeof(p->rec), &p->got,
	    -1)) != 0)
		return r;
	if (p->got < sizeof(p->rec))
		return 0;
	if ((r = xseal_hello_open(s, p->rec, sizeof(p->rec), p->chal)) != 0 ||
	    (r = xseal_hello_send(s, p->fd, p->chal, PROVE_MS)) != 0)
		return r;
	return 1;
}

int
direct_accept(int lfd, struct xseal *s, int timeout_ms, char *err,
    size_t errlen)
{
	return direct_accept_idle(lfd, s, timeout_ms, NULL, NULL, err, errlen);
}

int
direct_accept_idle(int lfd, struct xseal *s, int timeout_ms,
    int (*idle)(void *), void *arg, char *err, size_t errlen)
{
	struct pending *pv = calloc(PENDING_MAX, sizeof(*pv));
	struct pollfd fds[PENDING_MAX + 1];
	int64_t deadline = monotonic_ms() + timeout_ms, now, wake;
	int64_t step = idle != NULL ? IDLE_MS : 1000, last_idle = 0;
	size_t n = 0, i;
	int fd = -1, r;
	bool ended = false;

	if (pv == NULL) {
		snprintf(err, errlen, "%s", cerr_str(CERR_NOMEM));
		return -1;
	}
	/* any number of hosts may connect first and say nothing, or the
	 * wrong thing: each has PROVE_MS, and the sender is served beside
	 * them, never behind */
	while (fd < 0 && !xfer_stop && (now = monotonic_ms()) < deadline) {
		if (idle != NULL && now - last_idle >= IDLE_MS) {
			last_idle = now;
			if ((ended = idle(arg) != 0))
				break;
		}
		for (i = n; i-- > 0;)
			if (now >= pv[i].deadline)
				drop(pv, &n, i, "no proof of the key in time");
		wake = deadline;
		fds[0] = (struct pollfd){ .fd = lfd,
		    .events = n < PENDING_MAX ? POLLIN : 0 };
		for (i = 0; i < n; i++) {
			fds[i + 1] = (struct pollfd){ .fd = pv[i].fd,
			    .events = POLLIN };
			if (pv[i].deadline < wake)
				wake = pv[i].deadline;
		}
		/* a second at most: xfer_stop is looked at between (and the
		 * caller's idle, more often) */
		if (wake - now > step)
			wake = now + step;
		if (poll(fds, n + 1, (int)(wake - now)) <= 0)
			continue;
		/* backwards: drop() moves the last one into the hole */
		for (i = n; fd < 0 && i-- > 0;) {
			if (fds[i + 1].revents == 0)
				continue;
			if ((r = prove(s, &pv[i])) == 1) {
				fd = pv[i].fd;
				pv[i] = pv[--n];
			} else if (r < 0) {
				drop(pv, &n, i, cerr_str(r));
			}
		}
		if (fd < 0 && (fds[0].revents & POLLIN))
			take_new(lfd, pv, &n);
	}
	/* the others are not ours */
	while (n > 0)
		drop(pv, &n, n - 1, fd >= 0 ? "another connection proved "
		    "the key" : "the receiver stopped waiting");
	free(pv);
	if (ended)
		return -1;
	if (fd < 0 && xfer_stop)
		snprintf(err, errlen, "stopped while waiting for the sender");
	else if (fd < 0)
		snprintf(err, errlen, "no sender connected within %d s",
		    timeout_ms / 1000);
	return fd;
}

int
direct_connect(const char *peer, uint16_t port, struct xseal *s,
    int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL, *a;
	struct pollfd p;
	uint8_t chal[SEAL_CHAL_LEN];
	size_t got = 0;
	char ps[8];
	int fd = -1, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	snprintf(ps, sizeof(ps), "%u", (unsigned)port);
	if ((rc = getaddrinfo(peer, ps, &hints, &ai)) != 0) {
		snprintf(err, errlen, "receiver %s: %s", peer, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if ((fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			continue;
		tune(fd);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			p.fd = fd;
			p.events = POLLOUT;
			if (poll(&p, 1, timeout_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) == 0 && soerr == 0)
				break;
			errno = soerr ? soerr : ETIMEDOUT;
		}
		soerr = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to the receiver at %s "
		    "port %u: %s", peer, (unsigned)port, strerror(soerr));
		return -1;
	}
	/* the receiver's challenge, then each end's first record over it */
	if ((rc = xseal_read_exact(fd, chal, sizeof(chal), &got,
	    monotonic_ms() + HELLO_MS)) != 0 ||
	    (rc = xseal_hello_send(s, fd, chal, HELLO_MS)) != 0 ||
	    (rc = xseal_hello_recv(s, fd, chal, HELLO_MS)) != 0) {
		snprintf(err, errlen, "receiver at %s port %u: %s", peer,
		    (unsigned)port, cerr_str(rc));
		close(fd);
		return -1;
	}
	return fd;
}

int
direct_finish(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t deadline = monotonic_ms() + timeout_ms;
	char buf[4096];
	ssize_t n;

	/* our last bytes are out: say so, then wait for the receiver to close
	 * its side, so that closing ours cannot reset what is in flight */
	if (shutdown(fd, SHUT_WR) != 0)
		return CERR_IO;
	while (!xfer_stop && monotonic_ms() < deadline) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET ? 0 : CERR_IO;
		if (n < 0)
			(void)poll(&p, 1, 1000);
	}
	return xfer_stop ? CERR_IO : CERR_TIMEOUT;
}
