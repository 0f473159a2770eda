/* corral: one error namespace for the protocol, buffer and transport code.
 *
 * Library code returns 0 or a negative CERR_* code; only top-level callers
 * decide what to print or whether to give up.  cerr_str() names each code.
 */
#ifndef CORRAL_CERR_H
#define CORRAL_CERR_H

enum cerr {
	CERR_OK            = 0,
	CERR_NOMEM         = -1,  /* allocation failed */
	CERR_TRUNCATED     = -2,  /* field runs past the end of the payload */
	CERR_TOO_BIG       = -3,  /* length over the fixed maximum */
	CERR_BAD_TYPE      = -4,  /* unknown message type */
	CERR_BAD_STRING    = -5,  /* string with a NUL inside, or over its bound */
	CERR_VERSION       = -6,  /* no protocol version in common */
	CERR_IO            = -7,  /* read/write error on the transport (see errno) */
	CERR_EOF           = -8,  /* peer closed the stream */
	CERR_PROTOCOL      = -9,  /* message valid but not allowed here */
	CERR_TRAILING      = -10, /* bytes left over after the last field */
	CERR_BAD_COUNT     = -11, /* list count over its bound or the payload */
	CERR_INVALID       = -12, /* bad argument from the caller */
	CERR_BUF_FULL      = -13, /* buffer reached its maximum size */
	CERR_TIMEOUT       = -14, /* peer too slow */
	CERR_REMOTE        = -15, /* peer answered with an ERROR message */
	CERR_AUTH          = -16, /* a sealed record failed authentication */
	CERR_UNREACHABLE   = -17, /* a peer not reached: never asked (a
	                             * direct transfer's receiver, a slave) */
};

/* A short English description of a CERR_* code; never NULL. */
const char *cerr_str(int code);

#endif
