/* corral-slave: the daemon's context and its modules' entry points. */
#ifndef CORRAL_SLAVE_H
#define CORRAL_SLAVE_H

#include <stdbool.h>
#include <stddef.h>

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "conf.h"
#include "storage.h"
#include "transport.h"

/* Everything the daemon holds; no other mutable global state. */
struct slave_ctx {
	struct corral_conf conf;
	const char *conf_path;
	bool foreground;
	char software[64];      /* "corral-slave VERSION" */
	struct storage storage; /* the backend of conf.storage */
};

/* One protocol session over t: HELLO, then requests until BYE or EOF.
 * Returns 0 on an orderly end, else a negative CERR_* (already logged). */
int slave_session_run(struct slave_ctx *ctx, struct transport *t);

/* The embedded SSH server (sshd_listen.c, sshd.c): listens, then serves
 * until SIGTERM.
 * Writes one byte to ready_fd (if >= 0) once it listens. */
int slave_sshd_run(struct slave_ctx *ctx, int ready_fd);

/* One end of a tree transfer (transfer.c): the sender's or receiver's
 * engine on t (request id), rooted at req->path under the storage root;
 * with TREE_OPT_DIRECT on a connection of its own to the other slave. */
struct tree_req;
struct tree_stats;
int slave_transfer(struct slave_ctx *ctx, struct transport *t, uint32_t id,
    bool sending, const struct tree_req *req, struct tree_stats *st,
    char *err, size_t errlen);

/* What a slave reports (hostinfo.c, containers.c). */
struct msg_host_info;
struct msg_ct_info;
int slave_host_info(struct slave_ctx *ctx, struct msg_host_info *out);
/* Containers of the configured lxcpath, optionally only the one named
 * (name NULL or ""); *out is allocated, *n set.  -1 on error, with err. */
int slave_container_count(struct slave_ctx *ctx);
int slave_containers(struct slave_ctx *ctx, const char *name,
    struct msg_ct_info **out, size_t *n, char *err, size_t errlen);

/* Call fn with the pid (a /proc name) of every process in the PID
 * namespace of init; -1 if init is gone (containers.c). */
int slave_pidns_walk(pid_t init, void (*fn)(const char *pid, void *arg),
    void *arg);

/* Point-in-time sources of a container's rootfs (snapshot.c). */
enum slave_snap_kind {
	SNAP_KIND_NONE = 0,
	SNAP_KIND_SNAPSHOT = 1,   /* lvm or btrfs snapshot */
	SNAP_KIND_FROZEN = 2,     /* dir: the running container is frozen */
	SNAP_KIND_STOPPED = 3,    /* dir: held while stopped, read in place */
};
enum slave_snap_owner {
	SNAP_BY_ADMIN = 0,        /* corral snapshot: no send's marker */
	SNAP_BY_SEND = 1,         /* a send, its worker running */
	SNAP_BY_STALE_SEND = 2,   /* a send whose worker is gone */
};
struct slave_snap {
	enum slave_snap_kind kind;
	enum slave_snap_owner owner;
	uint64_t job;             /* the send's job (0: none) */
	uint32_t pid;             /* the send's worker */
	unsigned long long start; /* its start (clock ticks after boot) */
	bool leftover;            /* dir: a take killed half-way left C frozen */
	bool valid;
	uint32_t fill_permille;
	uint64_t size;
	char path[PATH_MAX];      /* absolute */
	char rel[PATH_MAX];       /* under the storage root, or "" */
};
int slave_snap_take(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    struct slave_snap *out, char *err, size_t errlen);
int slave_snap_status(struct slave_ctx *ctx, const char *ct,
    struct slave_snap *out, char *err, size_t errlen);
int slave_snap_drop(struct slave_ctx *ctx, const char *ct, bool *had,
    char *err, size_t errlen);
/* A send's take (a transfer of @C): C's snapshot marked as this worker's
 * send of job (0: none).  One there already that a send took and that is
 * over (its worker gone, or a send of this job by an older worker) is
 * dropped first; one a newer worker's send of this job took refuses this
 * (late) one; any other is used (a hold, or any with !own_snap) or, a backend snapshot
 * with own_snap, refused.  1 taken for this send, 0 one there used, -1 err. */
int slave_snap_take_send(struct slave_ctx *ctx, const char *ct, uint64_t job,
    bool own_snap, struct slave_snap *out, char *err, size_t errlen);
/* The send's own snapshot dropped at its end, if it is still its own. */
void slave_snap_drop_send(struct slave_ctx *ctx, const char *ct, uint64_t job);
/* C's snapshot dropped only if a send took it and it is over (as above);
 * *out what was dropped (kind NONE: nothing). */
int slave_snap_drop_stale(struct slave_ctx *ctx, const char *ct, uint64_t job,
    struct slave_snap *out, char *err, size_t errlen);
/* snapmark.c: the send's marker beside C's snapshot, and C's lock, which
 * every take and drop holds (a send's waits for it; an admin's, a
 * remove's, is refused after 2 s) */
int snap_lock(struct slave_ctx *ctx, const char *ct, bool wait, char *err,
    size_t errlen);
void snap_unlock(struct slave_ctx *ctx, const char *ct, int fd);
int snapmark_write(struct slave_ctx *ctx, const char *ct, uint64_t job,
    char *err, size_t errlen);
void snapmark_clear(struct slave_ctx *ctx, const char *ct);
void snapmark_owner(struct slave_ctx *ctx, const char *ct,
    struct slave_snap *out);
bool snapmark_stale(const struct slave_snap *cur, uint64_t job);
/* A send's take's rule: stale, or a live send of job whose worker
 * started before this one (a recovered run's late old worker never
 * drops the new run's) */
bool snapmark_superseded(const struct slave_snap *cur, uint64_t job);
bool snapmark_mine(struct slave_ctx *ctx, const char *ct, uint64_t job);
void snapmark_sweep(struct slave_ctx *ctx);
/* At start: thaw and forget holds a crashed slave left. */
void slave_snap_sweep(struct slave_ctx *ctx);

/* ROOT/.corral-snap/PREFIXct in buf; -1 if too long (ctlock.c: where
 * the lock files, the markers and the holds are) */
int snapdir_path(struct slave_ctx *ctx, const char *prefix, const char *ct,
    char *buf, size_t len);
/* Lock files (ctlock.c): path created and flocked, waiting wait_ms (< 0:
 * as long as it takes), the file re-checked after the lock (a holder
 * unlinks it before it unlocks); the fd, or -1 with err (errno
 * EWOULDBLOCK: held still). */
int lockfile_take(const char *path, int wait_ms, char *err, size_t errlen);
void lockfile_release(const char *path, int fd);
/* path unlinked if nobody holds it (a killed holder's): true if it was */
bool lockfile_sweep(const char *path);
/* A container's operation lock (ctlock.c: which requests hold it, the
 * lock order), waited for SLAVE_CT_LOCK_WAIT_S (!wait: tried once): its
 * fd, or -1 with err (held still: "another operation on CT is at
 * work").  slave_ct_unlock of -1 does nothing. */
#define SLAVE_CT_LOCK_WAIT_S 60
#define SLAVE_CT_LOCK_PREFIX ".op."    /* ROOT/.corral-snap/.op.C */
int slave_ct_lock(struct slave_ctx *ctx, const char *ct, bool wait,
    char *err, size_t errlen);
void slave_ct_unlock(struct slave_ctx *ctx, const char *ct, int fd);
/* a's and b's, in the lock order; fd[0] a's, fd[1] b's */
int slave_ct_lock_pair(struct slave_ctx *ctx, const char *a, const char *b,
    int fd[2], char *err, size_t errlen);

/* A new container ct on this slave's storage, made by liblxc's template
 * (create.c); started if start. */
struct msg_new_req;
struct msg_limits;
struct lxc_container;
/* With net (CT_NEW, ctnew.c) its network and limits, else the template's */
int slave_ct_create(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    const char *tmpl, bool start, const struct msg_new_req *net,
    char *rootfs, size_t rlen, char *err, size_t errlen);
/* The network, limits and resolv.conf of net in c's config (not saved)
 * and in its root file system rootfs. */
int slave_ct_new_setup(struct lxc_container *c, const char *rootfs,
    const struct msg_new_req *net, char *err, size_t errlen);
/* Limits (limits.c): those set names into c's config (not saved) and its
 * running cgroup; read back from its config (disk: its root file system's
 * size where volumes have one). */
int slave_limits_apply(struct lxc_container *c, uint32_t set,
    const struct msg_limits *l, char *err, size_t errlen);
void slave_limits_read(struct slave_ctx *ctx, struct lxc_container *c,
    struct msg_limits *l);

/* A container's LXC directory LXCPATH/NAME as files (ctdir.c). */
#define SLAVE_NEW_SUFFIX    ".corral-new"       /* a config being written */
#define SLAVE_REMOVING      "config.removing"   /* a removal under way */
#define SLAVE_REMOVING_DIR  ".corral-removing." /* its directory, last */
/* LXCPATH/ct, or LXCPATH/ct/file; -1 if too long */
int slave_ct_path(struct slave_ctx *ctx, const char *ct, const char *file,
    char *buf, size_t len);
/* A regular text file of at most max bytes, NUL-terminated in *text
 * (malloc'd); -1 with err (errno kept for a missing file). */
int slave_read_text(const char *path, size_t max, char **text, char *err,
    size_t errlen);
/* dir/name replaced by text whole or not at all: dir/name.corral-new
 * written, fsynced, checked by check (if not NULL: 0 or -1 with err),
 * renamed over it, dir fsynced. */
typedef int (*slave_check_fn)(const char *path, void *arg, char *err,
    size_t errlen);
int slave_write_atomic(const char *dir, const char *name, const char *text,
    slave_check_fn check, void *arg, char *err, size_t errlen);
int slave_fsync_dir(const char *dir);
/* LXCPATH/ct/config.removing is there: a removal is unfinished */
bool slave_ct_removing(struct slave_ctx *ctx, const char *ct);
/* Where the lxc.rootfs.path of config text of ct is (its value into val;
 * remove.c). */
enum slave_rootfs_at {
	ROOTFS_NONE,       /* no lxc.rootfs.path: nothing of its own */
	ROOTFS_VOLUME,     /* ct's volume on this host's storage */
	ROOTFS_INSIDE,     /* inside LXCPATH/ct: goes with the directory */
	ROOTFS_ELSEWHERE,  /* not ours to destroy */
};
enum slave_rootfs_at slave_rootfs_at(struct slave_ctx *ctx, const char *ct,
    const char *text, char *val, size_t vlen);
/* Tests only: with var=N in the environment, log "ct: step; pausing N s"
 * and wait N s (a test kills the slave there). */
void slave_test_pause(const char *var, const char *ct, const char *step);
/* rm -rf --one-file-system */
int slave_rm_tree(const char *path, char *err, size_t errlen);

/* Container operations: CT_CTL (ctl.c; REMOVE in remove.c) and the
 * config as it travels, CT_CONF and CT_CONF_SET (ctconf.c). */
struct lxc_container;
struct msg_ctl_req;
struct msg_ctl;
/* "running", "stopped" or "absent" */
const char *slave_ct_state(struct slave_ctx *ctx, const char *ct);
/* The halt signal, timeout_s (0: 60 s), only then kill; msg says which. */
int slave_ct_stop_clean(struct lxc_container *c, uint32_t timeout_s,
    char *msg, size_t msglen, char *err, size_t errlen);
/* CT_CTL's START or STOP (ct checked by the caller); msg says what was
 * done. */
int slave_ct_run(struct slave_ctx *ctx, const char *ct, bool start,
    uint32_t timeout_s, char *msg, size_t msglen, char *err, size_t errlen);
int slave_ct_remove(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen);
/* ct's volume, if there, holds nothing its destroy would fail on
 * half-way (a mount, a btrfs subvolume): 0, or -1 with err, the refusal
 * naming it (remove.c; REMOVE and VOL_DESTROY). */
int slave_volume_removable(struct slave_ctx *ctx, const char *ct, char *err,
    size_t errlen);
/* At start: finish removals and config writes a killed slave left. */
void slave_ct_sweep(struct slave_ctx *ctx);
struct reqloop;
struct frame;
int slave_handle_ctl(struct reqloop *l, const struct frame *f);
/* A request about one existing container (CT_LIMIT, CT_CONTROL): its name
 * checked, fn run on it, its answer a (of reply_type, by enc) or an
 * ERROR "OP NAME: reason" (ctl.c). */
typedef int (*slave_ct_fn)(struct slave_ctx *ctx, struct lxc_container *c,
    const void *q, void *a, char *err, size_t errlen);
int slave_ct_request(struct reqloop *l, const struct frame *f, const char *op,
    const char *ct, uint8_t all, slave_ct_fn fn, const void *q, void *a,
    uint16_t reply_type, msg_enc_fn enc);
int slave_handle_conf(struct reqloop *l, const struct frame *f);
int slave_handle_conf_set(struct reqloop *l, const struct frame *f);
/* CT_RENAME (rename.c), and at start a rename a killed slave left */
int slave_handle_rename(struct reqloop *l, const struct frame *f);
void slave_rename_sweep(struct slave_ctx *ctx, const char *ct);
int slave_handle_new(struct reqloop *l, const struct frame *f);
int slave_handle_limit(struct reqloop *l, const struct frame *f);
int slave_handle_control(struct reqloop *l, const struct frame *f);

#endif
