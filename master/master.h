/* corral-master: the daemon's context and its modules' entry points. */
#ifndef CORRAL_MASTER_H
#define CORRAL_MASTER_H

#include <pthread.h>
#include <stdbool.h>

#include "cerr.h"
#include "codec.h"
#include "conf.h"
#include "msg.h"
#include "retention.h"

struct daily;
struct jobrun;
struct poller;

/* A container a `corral sync` writes into now, on a host (writemark.c). */
#define MASTER_WRITES_MAX 32
struct master_write {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
};

/* Everything the daemon holds; no other mutable global state. */
struct master_ctx {
	struct corral_conf conf;
	struct slaves_conf slaves;
	struct backup_conf backup;
	const char *conf_path;
	bool foreground;
	/* --no-poll (tests and benches only): the inventory is served as it
	 * is, neither matched to slaves.conf nor polled */
	bool no_poll;
	char software[64];      /* "corral-master VERSION" */
	/* pollers, one per slave; replaced on SIGHUP under the write lock */
	pthread_rwlock_t pollers_lock;
	struct poller **pollers;
	size_t n_pollers;
	int cli_clients;        /* CLI connections being served */
	pthread_mutex_t cli_lock;
	struct jobrun *jobs;    /* the job runner (jobrun.h) */
	struct daily *backup_daily;  /* the nightly backup (daily.h) */
	struct daily *balance_daily; /* the nightly balance */
	/* the retention in force (conf's keep_*, which SIGHUP re-reads),
	 * read and written under conf_lock; the rest of conf stays as at
	 * the start */
	pthread_mutex_t conf_lock;
	struct keep_policy keep;
	/* the containers syncs write into: a job of one stays queued until
	 * its sync ends (a sync refuses one with a job already) */
	pthread_mutex_t writes_lock;
	struct master_write writes[MASTER_WRITES_MAX];
	size_t n_writes;
	/* control jobs one at a time from their address check to the poll
	 * that shows what they did: two starts of containers on one address
	 * both passed the check, each reading the other as stopped */
	pthread_mutex_t start_lock;
};

/* Mark container ct on host as written by a sync: 0, or -1 when
 * MASTER_WRITES_MAX syncs write into containers already. */
int master_writes_mark(struct master_ctx *m, const char *host,
    const char *ct);
/* The mark gone; the job runner looks at its queue again. */
void master_writes_unmark(struct master_ctx *m, const char *host,
    const char *ct);
/* Whether a sync writes into ct on host now. */
bool master_writes_into(struct master_ctx *m, const char *host,
    const char *ct);

/* Read corral.conf, then the slaves.conf and backup.conf it names.  A
 * missing backup.conf is an empty list; every other error is printed as
 * "FILE:LINE: ..." into err. */
int master_load_config(struct master_ctx *ctx, bool explicit_path,
    struct conf_err *err);
void master_free_config(struct master_ctx *ctx);

/* The store of corral.conf `store` (get, put, backup and the rest): NULL
 * with err naming the path and the key if it is unset or cannot be
 * opened.  What store_open() notes (its mode made 0700) is logged. */
struct store;
struct store *master_store_open(const struct corral_conf *c, char *err,
    size_t errlen);

/* corral.conf's keep_* as now (SIGHUP re-reads them: serve.c). */
void master_keep_policy(struct master_ctx *ctx, struct keep_policy *p);

/* Run the daemon (serve.c) until SIGTERM; ready_fd as daemon_ready(). */
int master_serve(struct master_ctx *ctx, int ready_fd);

/* Serve one CLI connection on fd (cliserver.c); takes ownership of fd. */
void master_cli_client(struct master_ctx *ctx, int fd);

/* corral sync (sync.c): a tree transfer from q's source slave to its
 * destination, direct or relayed through the master; progress frames go
 * to cli (request id) as it runs. */
struct msg_sync_req;
struct msg_sync_result;
struct transport;
int master_sync(struct master_ctx *ctx, const struct msg_sync_req *q,
    struct transport *cli, uint32_t id, struct msg_sync_result *res,
    char *err, size_t errlen);
/* The same for job: progress goes to progress(arg, p) every 250 ms; the
 * snapshot of @C its send takes (own snapshot) is marked as job's. */
struct msg_progress;
int master_sync_fn(struct master_ctx *ctx, const struct msg_sync_req *q,
    uint64_t job, void (*progress)(void *arg, const struct msg_progress *p), void *arg,
    struct msg_sync_result *res, char *err, size_t errlen);

/* One request to slave host on a fresh session (request.c): req encoded
 * by enc, the reply of reply_type decoded by dec into rep.  0, or with err:
 * CERR_PROTOCOL for a reply that does not decode; CERR_UNREACHABLE when
 * the slave was not asked (not in slaves.conf, no session); CERR_REMOTE
 * when it answered ERROR (master_not_done() is either); the transport's
 * code (CERR_EOF, CERR_TIMEOUT, CERR_IO ...) when the request went out
 * and no answer came: the slave may have done it (a create's roll back
 * needs to know). */
int master_request(struct master_ctx *m, const char *host, uint16_t type,
    msg_enc_fn enc, const void *req, uint16_t reply_type, msg_dec_fn dec,
    void *rep, int timeout_s, char *err, size_t errlen);
/* master_request's code r says nothing was done: the slave refused it or
 * was never asked. */
static inline bool
master_not_done(int r)
{
	return r == CERR_REMOTE || r == CERR_UNREACHABLE;
}
/* Whether host is in slaves.conf (as SIGHUP last read it). */
bool master_host_known(struct master_ctx *m, const char *host);

/* Container operations and configs on slave host (ctl.c), each a
 * master_request(): 0 or a CERR_* with err ("HOST: OP NAME: reason" for
 * the slave's refusals).  master_ctl waits for the slave's own time-out
 * (timeout_s, or its default) and a margin.  The config structs hold
 * 64 KiB: callers keep them off small stacks. */
int master_ctl(struct master_ctx *m, const char *host, const char *ct,
    enum msg_ctl_op op, uint32_t timeout_s, uint32_t flags, uint64_t bytes,
    struct msg_ctl *reply, char *err, size_t errlen);
/* The size of the volume a copy of a container whose files take bytes
 * is made in (VOL_CREATE of a move or a put, without --size): a quarter
 * more and 64 MiB, room for it to run. */
static inline uint64_t
master_volume_bytes(uint64_t bytes)
{
	return bytes + bytes / 4 + (64ull << 20);
}
int master_conf_get(struct master_ctx *m, const char *host, const char *ct,
    struct msg_conf *reply, char *err, size_t errlen);
int master_conf_set(struct master_ctx *m, const char *host,
    const struct msg_conf_set_req *q, struct msg_conf_set *reply, char *err,
    size_t errlen);
/* CT_RENAME: stopped ct becomes to on host (asked again, it finishes a
 * rename a killed slave left) */
int master_rename(struct master_ctx *m, const char *host, const char *ct,
    const char *to, struct msg_ctl *reply, char *err, size_t errlen);

/* A snapshot an admin holds of ct on host (corral snapshot): 1 with what
 * to do in err, 0 none, or a CERR_* with err when the host could not say.
 * get, backup and move refuse a backend snapshot at their config step:
 * they copy ct as it is now (the slave refuses it too, at the copy); with
 * stopping (a move) a freeze on dir as well: a frozen ct cannot stop
 * cleanly. */
int master_snap_held(struct master_ctx *m, const char *host, const char *ct,
    bool stopping, char *err, size_t errlen);

/* The snapshot of ct on host that a send took and that is over (its
 * worker gone, or a send of job, which runs again), dropped: never an
 * admin's, nor a send's at work.  1 one was, 0 none, or a CERR_* with
 * err. */
int master_snap_drop_stale(struct master_ctx *m, const char *host,
    const char *ct, int64_t job, char *err, size_t errlen);

/* Record the host key of slave name after checking it against expect_fp
 * (when not ""); with record false only fetch its fingerprint (trust.c). */
int master_trust_host(struct master_ctx *ctx, const char *name,
    const char *expect_fp, bool record, char *fingerprint, size_t fplen,
    bool *recorded, char *err, size_t errlen);

#endif
