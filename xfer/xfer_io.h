/* The engine's buffered non-blocking frame I/O (xfer_io.c).
 *
 * Both ends are single-threaded event loops over one non-blocking stream:
 * each always reads its input, and produces output only while its output
 * buffer has room, so a slow side slows the other without deadlock. */
#ifndef CORRAL_XFER_IO_H
#define CORRAL_XFER_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define XIO_OUT_SOFT (4u << 20)   /* producers wait above this */

/* The signatures (and block hashes) the sender holds for the files in
 * flight: a peer past this is refused, so a receiver cannot make the
 * sender hold one 16 MiB signature for each of its 1024 files.  An honest
 * receiver starts the next file's signature only while the signatures it
 * sent for unfinished files leave room for one more of XFER_SIG_FILE_MAX
 * (the sender's bound on one file's). */
#define XFER_SIGS_HELD_MAX (256u << 20)
#define XFER_SIG_FILE_MAX  CBUF_SIZE_MAX

struct xseal;

struct xio {
	int rfd, wfd;
	struct cbuf *in;
	struct cbuf *out;
	bool eof;                 /* the peer closed its side */
	uint64_t in_bytes, out_bytes;   /* on the descriptors */
	/* a direct connection: frames travel in sealed records */
	struct xseal *seal;
	struct cbuf *raw_in, *raw_out;
	/* bandwidth limit on what is written, bytes per second (0: none) */
	uint64_t bw, bw_sent;
	int64_t bw_t0;
};

int xio_init(struct xio *x, int rfd, int wfd);
void xio_free(struct xio *x);
/* Seal everything from now on (the hellos are done) and cap the rate. */
int xio_set_seal(struct xio *x, struct xseal *s);
void xio_set_bwlimit(struct xio *x, uint64_t bytes_per_s);
/* Queue one frame. */
int xio_put(struct xio *x, uint16_t type, const struct cbuf *payload);
/* Wait up to timeout_ms for the stream, read what is there, write what
 * is queued.  0, or a negative CERR_*. */
int xio_pump(struct xio *x, int timeout_ms);
/* The next complete frame in the input, as a view (valid until
 * xio_consume); 1 if one is there, 0 if not yet, negative on a bad frame. */
int xio_peek(struct xio *x, uint16_t *type, const uint8_t **payload,
    size_t *len);
void xio_consume(struct xio *x, size_t len);
/* Write everything queued, waiting at most timeout_ms (-1: no limit): at
 * the end, and before an error is reported on the same stream, so that no
 * frame is left half-written. */
int xio_flush(struct xio *x, int timeout_ms);
/* Anything queued, sealed or not, still to be written? */
bool xio_pending(const struct xio *x);
bool xio_room(const struct xio *x);

#endif
