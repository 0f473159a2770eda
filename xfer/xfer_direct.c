/* corral xfer: the TCP connection of a direct transfer (see xfer_seal.c
 * for its records).  The receiver listens on an ephemeral port of its
 * listen address and takes the first connection that proves it holds the
 * transfer's key; the sender connects to the address the master gives. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cerr.h"
#include "log.h"
#include "pace.h"
#include "xfer.h"
#include "xfer_seal.h"

#define HELLO_MS 10000       /* the other end's first record */

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
		    listen(fd, 4) == 0 && getsockname(fd,
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

int
direct_accept(int lfd, struct xseal *s, int timeout_ms, char *err,
    size_t errlen)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int64_t deadline = monotonic_ms() + timeout_ms;
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t sl;
	int fd, rc;

	while (monotonic_ms() < deadline) {
		if (poll(&p, 1, (int)(deadline - monotonic_ms())) <= 0)
			continue;
		sl = sizeof(ss);
		if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_CLOEXEC)) < 0)
			continue;
		tune(fd);
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(host, sizeof(host), "?");
		s->n_in = s->n_out = 0;
		if ((rc = xseal_hello_recv(s, fd, HELLO_MS)) == 0 &&
		    (rc = xseal_hello_send(s, fd, HELLO_MS)) == 0)
			return fd;
		/* someone without the key, or a slow peer: not ours, and the
		 * real sender may still come */
		log_warn("direct transfer: connection from %s dropped: %s",
		    host, cerr_str(rc));
		close(fd);
	}
	snprintf(err, errlen, "no sender connected within %d s",
	    timeout_ms / 1000);
	return -1;
}

int
direct_connect(const char *peer, uint16_t port, struct xseal *s,
    int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL, *a;
	struct pollfd p;
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
	if ((rc = xseal_hello_send(s, fd, HELLO_MS)) != 0 ||
	    (rc = xseal_hello_recv(s, fd, HELLO_MS)) != 0) {
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
	while (monotonic_ms() < deadline) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET ? 0 : CERR_IO;
		if (n < 0)
			(void)poll(&p, 1, (int)(deadline - monotonic_ms()));
	}
	return CERR_TIMEOUT;
}
