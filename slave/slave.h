/* corral-slave: the daemon's context and its modules' entry points. */
#ifndef CORRAL_SLAVE_H
#define CORRAL_SLAVE_H

#include <stdbool.h>
#include <stddef.h>

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

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
struct slave_snap {
	enum slave_snap_kind kind;
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
/* At start: thaw and forget holds a crashed slave left. */
void slave_snap_sweep(struct slave_ctx *ctx);

/* A new container ct on this slave's storage, made by liblxc's template
 * (create.c); started if start. */
int slave_ct_create(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    const char *tmpl, bool start, char *rootfs, size_t rlen, char *err,
    size_t errlen);

#endif
