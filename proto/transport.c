/* corral: generic transport helpers and the file-descriptor transport. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>

#include "cerr.h"
#include "transport.h"

struct fd_ctx {
	int rfd, wfd;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready, within t's time-out and the deadline of the
 * call under way; 0, CERR_TIMEOUT or CERR_IO. */
static int
fd_wait(const struct transport *t, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int timeout_ms = t->timeout_ms, n;
	int64_t left;

	if (t->deadline > 0) {
		if ((left = t->deadline - now_ms()) <= 0)
			return CERR_TIMEOUT;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	if (timeout_ms < 0)
		return 0;
	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return CERR_IO;
	return n == 0 ? CERR_TIMEOUT : 0;
}

static ssize_t
fd_read(struct transport *t, void *buf, size_t len)
{
	struct fd_ctx *c = t->ctx;
	ssize_t n;
	int r;

	for (;;) {
		if ((r = fd_wait(t, c->rfd, POLLIN)) != 0)
			return r;
		n = read(c->rfd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return CERR_IO;
	}
}

static int
fd_write(struct transport *t, const void *buf, size_t len)
{
	struct fd_ctx *c = t->ctx;
	const char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		if ((r = fd_wait(t, c->wfd, POLLOUT)) != 0)
			return r;
		n = write(c->wfd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == EPIPE ? CERR_EOF : CERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fd_close(struct transport *t)
{
	struct fd_ctx *c = t->ctx;

	if (c->rfd >= 0)
		close(c->rfd);
	if (c->wfd >= 0 && c->wfd != c->rfd)
		close(c->wfd);
	free(c);
}

static const struct transport_ops fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.close = fd_close,
};

int
transport_fd_open(struct transport *t, int rfd, int wfd, const char *peer)
{
	struct fd_ctx *c;

	memset(t, 0, sizeof(*t));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CERR_NOMEM;
	c->rfd = rfd;
	c->wfd = wfd;
	t->timeout_ms = -1;
	t->ops = &fd_ops;
	t->ctx = c;
	snprintf(t->peer, sizeof(t->peer), "%s", peer ? peer : "peer");
	return 0;
}

int
transport_fds(const struct transport *t, int *rfd, int *wfd)
{
	const struct fd_ctx *c = t->ctx;

	if (t->ops != &fd_ops)
		return -1;
	*rfd = c->rfd;
	*wfd = c->wfd;
	return 0;
}

int
transport_read_full(struct transport *t, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;
	int r = 0;

	if (t->expired)
		return CERR_TIMEOUT;
	if (t->whole_ms > 0)
		t->deadline = now_ms() + t->whole_ms;
	while (got < len) {
		n = t->ops->read(t, p + got, len - got);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0) {
			r = got == 0 ? CERR_EOF : CERR_TRUNCATED;
			break;
		}
		got += (size_t)n;
	}
	if (r == CERR_TIMEOUT && t->deadline > 0)
		t->expired = 1;
	t->deadline = 0;
	return r;
}

int
transport_write(struct transport *t, const void *buf, size_t len)
{
	int r;

	if (t->expired)
		return CERR_TIMEOUT;
	if (t->whole_ms > 0)
		t->deadline = now_ms() + t->whole_ms;
	r = t->ops->write(t, buf, len);
	if (r == CERR_TIMEOUT && t->deadline > 0)
		t->expired = 1;
	t->deadline = 0;
	return r;
}

void
transport_close(struct transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
	t->ctx = NULL;
}
