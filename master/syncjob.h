/* corral-master: what the two ways of running `corral sync` share
 * (syncjob.c): the sessions to both slaves, starting an end, and progress
 * to the CLI.  relay.c forwards the tree stream through the master;
 * direct.c has the slaves talk to each other and only watches; sync.c
 * chooses. */
#ifndef CORRAL_MASTER_SYNCJOB_H
#define CORRAL_MASTER_SYNCJOB_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "msg.h"
#include "sshc.h"
#include "tree.h"

#define SYNC_IDLE_MS (120 * 1000)   /* no progress for this long: stalled */

struct master_ctx;

struct sync_end {
	const char *role;
	struct slave_entry cfg;
	struct sshc c;
	bool connected;
	struct cbuf *in;      /* bytes read, not yet a whole frame */
	struct cbuf *out;     /* whole frames to write to this end */
	bool eof;
};

/* One transfer: q names the paths, tq the options, s and r the ends'
 * slaves.conf entries. */
struct sync_job {
	const struct msg_sync_req *q;
	const struct tree_req *tq;
	struct slave_entry s, r;
	struct transport *cli;     /* progress goes there (request id) */
	uint32_t id;
	/* or, for a job, to this (every 250 ms as well) */
	void (*progress)(void *arg, const struct msg_progress *p);
	void *progress_arg;
};

/* Open a session to the slave cfg for e in role ("sender", "receiver":
 * for messages), HELLO done, with buffers of in_max and out_max bytes; on
 * failure sync_close() still closes what was opened. */
int sync_end_open(struct master_ctx *m, struct sync_end *e, const char *role,
    const struct slave_entry *cfg, size_t in_max, size_t out_max, char *err,
    size_t errlen);
/* Name both ends after j (role, slaves.conf entry) and open their
 * sessions, the receiver's first, each with buffers of in_max and out_max
 * bytes; on failure sync_finish() still closes what was opened. */
int sync_open(struct master_ctx *m, const struct sync_job *j,
    struct sync_end *s, struct sync_end *r, size_t in_max, size_t out_max,
    char *err, size_t errlen);
/* One libssh event (*event, for sync_finish) polling both sessions (r
 * may be NULL: s's alone). */
int sync_watch(void **event, struct sync_end *s, struct sync_end *r);
void sync_close(struct sync_end *e);
/* Send TREE_SEND_REQ or TREE_RECV_REQ q for path to e (request id 1). */
int sync_start(struct sync_end *e, uint16_t type, const struct tree_req *q,
    const char *path, char *err, size_t errlen);
/* Read what e's channel has into e->in (nonblocking); *moved if any. */
int sync_read(struct sync_end *e, bool *moved, char *err, size_t errlen);
/* The receiver r's first answer to a direct TREE_RECV_REQ: the port it
 * listens on (TREE_LISTEN), read blocking. */
int sync_await_port(struct sync_end *r, uint16_t *port, char *err,
    size_t errlen);

/* What one end of a direct transfer said on its session: a sender
 * TREE_PROGRESS and TREE_END, a receiver TREE_DONE, either an ERROR. */
struct sync_heard {
	bool sender;                 /* set by the caller: which end it is */
	struct msg_progress prog;    /* the sender's last progress */
	struct tree_stats st;        /* from its TREE_END or TREE_DONE */
	bool ended;                  /* that came */
	int code;                    /* its ERROR's code, else 0 */
	char msg[MSG_ERRTEXT_MAX];   /* and its text */
};
/* Read what e has (sync_read) and take its whole frames into w; another
 * frame fails (err). */
int sync_hear(struct sync_end *e, struct sync_heard *w, bool *moved,
    char *err, size_t errlen);
int sync_progress(struct transport *cli, uint32_t id,
    const struct msg_progress *p);
/* Once a loop turn: fail (-1, err) when nothing moved for idle_ms;
 * else 1 when progress is due (every 250 ms), 0 when not. */
struct sync_clock {
	int64_t last_move, last_prog;
	int64_t idle_ms;        /* corral.conf stall_timeout; 0: SYNC_IDLE_MS */
};
int sync_clock_tick(struct sync_clock *c, bool moved, char *err,
    size_t errlen);
/* The same, sending progress p when due to j->progress if set, else to
 * j's CLI. */
int sync_tick(const struct sync_job *j, struct sync_clock *c, bool moved,
    const struct msg_progress *p, char *err, size_t errlen);
/* Take both ends out of ev (if any), free it, close both sessions (which
 * stops the slaves' workers); r may be NULL. */
void sync_finish(void *ev, struct sync_end *s, struct sync_end *r);
/* The receiver's counters as the CLI's result. */
void sync_result(struct msg_sync_result *res, const struct tree_stats *st);

#endif
