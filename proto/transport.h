/* corral: the byte stream a protocol session runs over.
 *
 * One small interface so the same framing serves slave<->master (an SSH
 * channel, or stdin/stdout under OpenSSH's Subsystem) and CLI<->master (a
 * Unix socket).  read returns the bytes read (0 at EOF) or a negative CERR_*;
 * write writes everything or returns a negative CERR_*.
 */
#ifndef CORRAL_TRANSPORT_H
#define CORRAL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct transport;

struct transport_ops {
	ssize_t (*read)(struct transport *t, void *buf, size_t len);
	int (*write)(struct transport *t, const void *buf, size_t len);
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	void *ctx;
	char peer[128];     /* who is at the other end, for error messages */
	int timeout_ms;     /* per read or write wait; -1 = none */
	/* > 0: each transport_read_full and transport_write must end within
	 * this many ms, however the peer paces its bytes (a peer trickling
	 * one byte per wait gets no more); the fd transport only */
	int whole_ms;
	int64_t deadline;   /* monotonic ms of the call under way, or 0 */
	/* a call ran out of whole_ms: the stream may be cut mid-frame, so
	 * every later call fails at once (no second wait for an answer) */
	int expired;
};

/* Read exactly len bytes: CERR_EOF if the stream ends before the first
 * byte, CERR_TRUNCATED if it ends in the middle. */
int transport_read_full(struct transport *t, void *buf, size_t len);
int transport_write(struct transport *t, const void *buf, size_t len);
void transport_close(struct transport *t);

/* The descriptors under an fd transport; -1 if t is another kind. */
int transport_fds(const struct transport *t, int *rfd, int *wfd);

/* A transport over file descriptors: rfd and wfd may be the same (socket,
 * socketpair) or differ (stdin/stdout).  close() closes both once. */
int transport_fd_open(struct transport *t, int rfd, int wfd,
    const char *peer);

#endif
