/* corral: the request loop both daemons serve a session with.
 *
 * After the HELLO (the caller's), read a request, find its row in the
 * daemon's table by type and call the handler, until BYE, a handler that
 * takes the channel over, the peer leaving or a framing error.  In the
 * manner of OpenSSH's monitor table, a row carries flags the loop acts on.
 *
 * A type the protocol does not know is refused by frame_read (ERROR
 * CERR_BAD_TYPE, session over); one this table does not serve gets ERROR
 * CERR_PROTOCOL; a handler's negative CERR_* other than CERR_IO or
 * CERR_EOF gets ERROR with that code and the session goes on.  A handler
 * answers an operation's own failure itself (reply_error) and returns 0.
 */
#ifndef CORRAL_REQLOOP_H
#define CORRAL_REQLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "frame.h"
#include "transport.h"

struct reqloop;
typedef int (*req_fn)(struct reqloop *l, const struct frame *f);

enum req_flags {
	/* the handler runs the channel from here on; the session ends
	 * with it (a tree transfer) */
	REQ_TAKEOVER = 1u << 0,
	/* frames with the request's id go out before its reply (progress);
	 * the transport's time-out does not bound the handler's own waits */
	REQ_STREAMS  = 1u << 1,
	/* served once a session; again is CERR_PROTOCOL */
	REQ_ONCE     = 1u << 2,
};

struct req_handler {
	uint16_t type;
	unsigned flags;         /* enum req_flags */
	req_fn fn;
};

#define REQLOOP_ROWS_MAX 32     /* REQ_ONCE keeps a bit a row */

struct reqloop {
	struct transport *t;
	void *ctx;                       /* the daemon's session state */
	const struct req_handler *table;
	size_t n;
	bool log_refusals;               /* log each request refused */
	bool done;                       /* BYE or a takeover: stop */
	uint32_t used;                   /* REQ_ONCE rows served */
};

/* Serve requests on l->t until the session ends: 0 when the peer said BYE,
 * left between requests or a takeover finished; a negative CERR_* when
 * the session broke. */
int reqloop_run(struct reqloop *l);

/* Answer request id with ERROR code and a message. */
int reply_error(struct transport *t, uint32_t id, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answer request id with a frame of type, m encoded by enc. */
int reply_msg(struct transport *t, uint16_t type, uint32_t id,
    msg_enc_fn enc, const void *m);

/* Rows every table may use: PING gets PONG, BYE gets BYE and ends the
 * session, a peer's ERROR is logged. */
int reqloop_ping(struct reqloop *l, const struct frame *f);
int reqloop_bye(struct reqloop *l, const struct frame *f);
int reqloop_peer_error(struct reqloop *l, const struct frame *f);

#endif
