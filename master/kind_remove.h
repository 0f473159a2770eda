/* corral-master: the job kind remove — `corral remove C --host H
 * [--force]`: container C's config, volume and LXC directory on slave H.
 *
 * Steps (the job's src is H, its args "force" or ""):
 *   check   C is on H per a fresh CT_LIST of H; not running unless force;
 *           unless force, C is safe elsewhere: another host has C in the
 *           inventory after a fresh poll, or the store (corral.conf
 *           store) holds a verified version of C that is not bad (a
 *           missing store counts as none).
 *   stop    (force and running) a clean CT_CTL STOP.
 *   remove  CT_CTL REMOVE: the slave's own order never leaves half a
 *           container, and a REMOVE of what is absent succeeds.
 *   done
 *   start   (a roll back, C stopped at stop) CT_CTL START: C runs again
 *           after a cancel there, or when H refused the REMOVE (a btrfs
 *           subvolume, a mount in its volume: found only at remove) or
 *           was never asked; the job then fails, nothing removed.
 * A cancel is honoured before stop and before remove (a cancel after
 * stop starts C again); once at remove the job completes, or H refuses.
 *
 * Recovery, for a master killed mid-job: the step "remove" is the point
 * of no return.  A job found at remove (or done) re-issues the REMOVE and
 * ends done, or, refused again, fails with C started again if the job
 * had stopped it (its steps say stop); one found earlier ends failed
 * "master restarted during STEP: nothing removed", C intact on H
 * (started again if it was at stop or start: it ran, and the job may
 * have stopped it).  A master that stops while C is being started again
 * leaves the job for that recovery (JOB_OUT_LEFT at step start). */
#ifndef CORRAL_KIND_REMOVE_H
#define CORRAL_KIND_REMOVE_H

#include <stdbool.h>
#include <stddef.h>

struct inventory;
struct job_ctx;
struct master_ctx;

int remove_run(struct job_ctx *c);
int remove_recover(struct job_ctx *c);

/* What the check step found (removecheck.c). */
struct remove_check {
	bool running;           /* C runs on H */
	char safe[512];         /* why the safety rule holds, or is waived */
	char why[1024];         /* a refusal or an error, naming C and H */
};

/* C as H reports it now (a CT_LIST of H): 1 there (*running set), 0 not,
 * -1 no answer (err). */
int remove_on_host(struct master_ctx *m, const char *ct, const char *host,
    bool *running, char *err, size_t errlen);

/* The check step, also --dry-run's: 0 allowed, 1 refused, -1 not
 * checked (H did not answer, the inventory failed); why says which. */
int remove_check(struct master_ctx *m, struct inventory *inv,
    const char *ct, const char *host, bool force, struct remove_check *rc);

/* How long a job asks a host that does not answer again (a slave killed,
 * a link cut: its restart by systemd), and how often: the roll backs
 * below, and put's start. */
#define JOB_UNDO_WAIT_S 90
#define JOB_UNDO_RETRY_S 3

/* Remove what job c made of ct on host, which had no ct before (put,
 * create: the job held the name): its config if set (REMOVE, forced), its
 * volume (VOL_DESTROY); each finds nothing to do when it is gone.  A
 * host that does not answer (a slave killed, a link cut: what failed the
 * job, often) is asked again for JOB_UNDO_WAIT_S: a volume left behind
 * would stay unseen by anyone.  0, or -1 with err (jobundo.c). */
int job_undo_made(struct job_ctx *c, const char *host, const char *ct,
    char *err, size_t errlen);

/* Start ct on host again, which job c stopped (remove's roll back): a
 * host that does not answer is asked again for JOB_UNDO_WAIT_S; an
 * answer, a start or a refusal, ends it.  0, -1 with err, or
 * JOB_START_LEFT: the master stops meanwhile, the start left to the
 * job's recovery (jobundo.c). */
#define JOB_START_LEFT (-2)
int job_start_again(struct job_ctx *c, const char *host, const char *ct,
    char *err, size_t errlen);

#endif
