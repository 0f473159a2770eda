/* corral-master: the job kinds get and put, between a slave and the
 * master's store (corral.conf `store`), and what backup and restore share
 * with them.
 *
 * get C [--host H]: a new version of C in the store, its LXC config (in
 *   the host-neutral form of CT_CONF), the rest of its LXC directory and
 *   its rootfs.  Steps: check, config, copy (a running C through its
 *   snapshot, or a freeze on dir; a stopped one in place), commit, done.
 *   An interrupted copy leaves the store's .incoming for the next get or
 *   backup of C, which resumes it; earlier versions never change.
 * put C --host H [--version V] [--as NAME] [--start] [--size BYTES]:
 *   C made on H from a version.  Steps: check, volume (VOL_CREATE on H,
 *   sized from the manifest), copy, config-set (CT_CONF_SET: H's own
 *   paths), start (--start), done.  Before config-set a failure or a
 *   cancel removes what the job made on H; H never had C before (check).
 */
#ifndef CORRAL_KIND_GET_H
#define CORRAL_KIND_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct job_ctx;

/* get_into_store() flags */
#define GET_COLD_ONLY  0x1   /* a running C is not read: GET_SKIPPED */

#define GET_SKIPPED    100   /* get_into_store(): C runs and GET_COLD_ONLY;
                              * apart from enum job_outcome */

struct get_result {
	char version[STORE_VERSION_MAX];  /* the new version */
	enum store_kind kind;             /* STORE_HOT or STORE_COLD */
	uint64_t files;                   /* entries of the tree */
	uint64_t bytes;                   /* apparent size of its files */
	uint64_t literal;                 /* file data sent */
	uint64_t wire;                    /* bytes on the connection */
	uint64_t stored;                  /* new space the version took */
	uint64_t usec;                    /* the copy's time */
};

/* Bring container ct of host into the store as a new version of kind
 * (STORE_GET, or STORE_HOT/STORE_COLD from whether it runs when kind is
 * 0): the job's steps config, copy and commit, reported through c.
 * JOB_OUT_DONE, GET_SKIPPED, or JOB_OUT_FAILED (from job_fail(), the
 * error naming ct, host and step) or JOB_OUT_CANCELLED. */
int get_into_store(struct job_ctx *c, const char *ct, const char *host,
    enum store_kind kind, unsigned flags, struct get_result *res);

/* res as a job's result ("version=V kind=K files=N bytes=N literal=N
 * wire=N stored=N"), for the CLI. */
void get_result_text(const struct get_result *res, char *buf, size_t len);

/* The store of corral.conf for a job, or NULL with the job failed at step
 * (no store set, or it does not open). */
struct store *job_store_open(struct job_ctx *c, const char *step);

/* Whether the newest version of the job's container was made by this job
 * (a master killed at its commit, after the version's rename): no
 * .incoming left, made since the job started, from its src, by a get
 * (by_get) or a backup (not by_get); into res. */
bool get_made_by_job(struct job_ctx *c, bool by_get, struct get_result *res);

int get_run(struct job_ctx *c);
int get_recover(struct job_ctx *c);
int put_run(struct job_ctx *c);
int put_recover(struct job_ctx *c);

/* At a job's config step, before master_snap_held: ct's snapshot on
 * host that a send took and that is over (its worker gone, or a send of
 * this job's earlier run, which a killed master left) dropped, and said
 * in a note; an admin's, or a send's at work, stays. */
void job_snap_drop_stale(struct job_ctx *c, const char *host, const char *ct);

#endif
