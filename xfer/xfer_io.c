/* corral xfer: buffered non-blocking frame I/O for the transfer engine. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "cerr.h"
#include "frame.h"
#include "pace.h"
#include "proto.h"
#include "xfer.h"
#include "xfer_io.h"
#include "xfer_seal.h"

/* Room for two whole frames, so a frame never waits for a read that the
 * buffer cannot take. */
#define XIO_IN_MAX  (2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))
#define XIO_OUT_MAX (XIO_OUT_SOFT + 2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN))
/* sealed bytes in flight: a few records each way */
#define XIO_RAW_MAX (4 * (SEAL_REC_MAX + 64))

int
xio_init(struct xio *x, int rfd, int wfd)
{
	x->rfd = rfd;
	x->wfd = wfd;
	x->eof = false;
	x->in_bytes = x->out_bytes = 0;
	x->seal = NULL;
	x->raw_in = x->raw_out = NULL;
	x->bw = x->bw_sent = 0;
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
	cbuf_free(x->raw_in);
	cbuf_free(x->raw_out);
	x->in = x->out = x->raw_in = x->raw_out = NULL;
}

int
xio_set_seal(struct xio *x, struct xseal *s)
{
	if ((x->raw_in = cbuf_new(XIO_RAW_MAX)) == NULL ||
	    (x->raw_out = cbuf_new(XIO_RAW_MAX)) == NULL)
		return CERR_NOMEM;
	x->seal = s;
	return 0;
}

void
xio_set_bwlimit(struct xio *x, uint64_t bytes_per_s)
{
	x->bw = bytes_per_s;
	x->bw_sent = 0;
	x->bw_t0 = monotonic_ms();
}

/* Bytes the limit lets out now. */
static size_t
bw_allowed(const struct xio *x, size_t want)
{
	int64_t allowed;

	if (x->bw == 0)
		return want;
	allowed = pace_room(x->bw, x->bw_t0, x->bw_sent);
	if (allowed <= 0)
		return 0;
	return (size_t)allowed < want ? (size_t)allowed : want;
}

volatile sig_atomic_t xfer_stop;

/* Open the sealed records that arrived, as far as `in` has room. */
static int
unseal(struct xio *x)
{
	int r;

	while ((r = xseal_open(x->seal, x->raw_in, x->in)) == 1)
		;
	return r;
}

/* Seal what waits in `out` into records, as far as raw_out has room. */
static int
seal_out(struct xio *x)
{
	size_t n;
	int r;

	while ((n = cbuf_len(x->out)) > 0 &&
	    cbuf_max(x->raw_out) - cbuf_len(x->raw_out) >= SEAL_REC_MAX + 64) {
		if (n > SEAL_REC_MAX)
			n = SEAL_REC_MAX;
		if ((r = xseal_seal(x->seal, cbuf_ptr(x->out), n,
		    x->raw_out)) != 0)
			return r;
		cbuf_consume(x->out, n);
	}
	return 0;
}

bool
xio_pending(const struct xio *x)
{
	return cbuf_len(x->out) > 0 || (x->seal && cbuf_len(x->raw_out) > 0);
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
	struct cbuf *to = x->seal ? x->raw_in : x->in;
	uint8_t *p;
	size_t room = cbuf_max(to) - cbuf_len(to);
	ssize_t n;
	int r;

	if (room == 0 || x->eof)
		return 0;
	if (room > 256 * 1024)
		room = 256 * 1024;
	if ((r = cbuf_reserve(to, room, &p)) != 0)
		return r;
	n = read(x->rfd, p, room);
	/* give back what the read did not fill */
	cbuf_unreserve(to, n > 0 ? room - (size_t)n : room);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 :
		    errno == ECONNRESET ? CERR_EOF : CERR_IO;
	if (n == 0)
		x->eof = true;
	x->in_bytes += (uint64_t)n;
	return x->seal ? unseal(x) : 0;
}

static int
do_write(struct xio *x)
{
	struct cbuf *from = x->out;
	size_t len;
	ssize_t n;
	int r;

	if (x->seal) {
		if ((r = seal_out(x)) != 0)
			return r;
		from = x->raw_out;
	}
	if ((len = bw_allowed(x, cbuf_len(from))) == 0)
		return 0;
	n = write(x->wfd, cbuf_ptr(from), len);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 :
		    (errno == EPIPE || errno == ECONNRESET) ? CERR_EOF : CERR_IO;
	x->out_bytes += (uint64_t)n;
	x->bw_sent += (uint64_t)n;
	return cbuf_consume(from, (size_t)n);
}

int
xio_pump(struct xio *x, int timeout_ms)
{
	struct pollfd p[2];
	int n = 0, r, ir = -1, iw = -1;
	bool throttled;

	if (xfer_stop) {
		errno = EINTR;
		return CERR_IO;
	}
	if (x->seal && (r = unseal(x)) != 0)
		return r;
	if (!x->eof && (x->seal ? cbuf_len(x->raw_in) < cbuf_max(x->raw_in) :
	    cbuf_len(x->in) < cbuf_max(x->in))) {
		p[n].fd = x->rfd;
		p[n].events = POLLIN;
		ir = n++;
	}
	/* over the limit: no POLLOUT, and wake up soon to try again */
	throttled = xio_pending(x) && bw_allowed(x, 1) == 0;
	if (throttled && (timeout_ms < 0 || timeout_ms > 20))
		timeout_ms = 20;
	if (xio_pending(x) && !throttled) {
		if (x->wfd == x->rfd && ir >= 0) {
			p[ir].events |= POLLOUT;
			iw = ir;
		} else {
			p[n].fd = x->wfd;
			p[n].events = POLLOUT;
			iw = n++;
		}
	}
	if (n == 0 && !throttled)
		return 0;
	if (poll(n ? p : NULL, (nfds_t)n, timeout_ms) < 0)
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
	if (r == CERR_TRUNCATED && x->seal) {
		/* records that waited for room in `in` */
		if ((r = unseal(x)) != 0)
			return r;
		r = frame_parse(cbuf_ptr(x->in), cbuf_len(x->in), &h, payload,
		    &used);
	}
	if (r == CERR_TRUNCATED)
		return x->eof ? (cbuf_len(x->in) ||
		    (x->seal && cbuf_len(x->raw_in)) ? CERR_TRUNCATED :
		    CERR_EOF) : 0;
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
	int64_t t0 = monotonic_ms();
	int r;

	while (xio_pending(x)) {
		if ((r = xio_pump(x, 200)) != 0)
			return r;
		if (timeout_ms >= 0 && monotonic_ms() - t0 > timeout_ms)
			return CERR_TIMEOUT;
	}
	return 0;
}
