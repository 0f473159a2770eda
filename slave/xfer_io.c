/* corral-slave: buffered non-blocking frame I/O for the transfer engine. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "cerr.h"
#include "frame.h"
#include "proto.h"
#include "xfer.h"

/* Room for two whole frames, so a frame never waits for a read that the
 * buffer cannot take. */
#define XIO_IN_MAX  (2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))
#define XIO_OUT_MAX (XIO_OUT_SOFT + 2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))

int
xio_init(struct xio *x, int rfd, int wfd)
{
	x->rfd = rfd;
	x->wfd = wfd;
	x->eof = false;
	x->in_bytes = x->out_bytes = 0;
	x->in = cbuf_new(XIO_IN_MAX);
	x->out = cbuf_new(XIO_OUT_MAX);
	if (x->in == NULL || x->out == NULL) {
		xio_free(x);
		return CERR_NOMEM;
	}
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	return 0;
}

void
xio_free(struct xio *x)
{
	cbuf_free(x->in);
	cbuf_free(x->out);
	x->in = x->out = NULL;
}

bool
xio_room(const struct xio *x)
{
	return cbuf_len(x->out) < XIO_OUT_SOFT;
}

int
xio_put(struct xio *x, uint16_t type, const struct cbuf *payload)
{
	return frame_encode(x->out, type, 0, payload ? cbuf_ptr(payload) : NULL,
	    payload ? cbuf_len(payload) : 0);
}

static int
do_read(struct xio *x)
{
	uint8_t *p;
	size_t room = cbuf_max(x->in) - cbuf_len(x->in);
	ssize_t n;
	int r;

	if (room == 0 || x->eof)
		return 0;
	if (room > 256 * 1024)
		room = 256 * 1024;
	if ((r = cbuf_reserve(x->in, room, &p)) != 0)
		return r;
	n = read(x->rfd, p, room);
	/* give back what the read did not fill */
	cbuf_unreserve(x->in, n > 0 ? room - (size_t)n : room);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : CERR_IO;
	if (n == 0)
		x->eof = true;
	x->in_bytes += (uint64_t)n;
	return 0;
}

static int
do_write(struct xio *x)
{
	ssize_t n;

	if (cbuf_len(x->out) == 0)
		return 0;
	n = write(x->wfd, cbuf_ptr(x->out), cbuf_len(x->out));
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 :
		    errno == EPIPE ? CERR_EOF : CERR_IO;
	x->out_bytes += (uint64_t)n;
	return cbuf_consume(x->out, (size_t)n);
}

int
xio_pump(struct xio *x, int timeout_ms)
{
	struct pollfd p[2];
	int n = 0, r, ir = -1, iw = -1;

	if (!x->eof && cbuf_len(x->in) < cbuf_max(x->in)) {
		p[n].fd = x->rfd;
		p[n].events = POLLIN;
		ir = n++;
	}
	if (cbuf_len(x->out) > 0) {
		if (x->wfd == x->rfd && ir >= 0) {
			p[ir].events |= POLLOUT;
			iw = ir;
		} else {
			p[n].fd = x->wfd;
			p[n].events = POLLOUT;
			iw = n++;
		}
	}
	if (n == 0)
		return 0;
	if (poll(p, (nfds_t)n, timeout_ms) < 0)
		return errno == EINTR ? 0 : CERR_IO;
	if (ir >= 0 && (p[ir].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    (r = do_read(x)) != 0)
		return r;
	if (iw >= 0 && (p[iw].revents & (POLLOUT | POLLERR)) &&
	    (r = do_write(x)) != 0)
		return r;
	if (iw >= 0 && (p[iw].revents & (POLLERR | POLLHUP)) &&
	    !(p[iw].revents & POLLOUT) && !(p[iw].revents & POLLIN))
		return CERR_EOF;
	return 0;
}

int
xio_peek(struct xio *x, uint16_t *type, const uint8_t **payload, size_t *len)
{
	struct frame_hdr h;
	size_t used;
	int r;

	r = frame_parse(cbuf_ptr(x->in), cbuf_len(x->in), &h, payload, &used);
	if (r == CERR_TRUNCATED)
		return x->eof ? (cbuf_len(x->in) ? CERR_TRUNCATED : CERR_EOF) : 0;
	if (r != 0)
		return r;
	*type = h.type;
	*len = h.len;
	return 1;
}

void
xio_consume(struct xio *x, size_t len)
{
	(void)cbuf_consume(x->in, PROTO_HDR_LEN + len);
}

int
xio_flush(struct xio *x, int timeout_ms)
{
	struct timespec t0, t1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (cbuf_len(x->out) > 0) {
		if ((r = xio_pump(x, 200)) != 0)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (timeout_ms >= 0 && (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return CERR_TIMEOUT;
	}
	return 0;
}
