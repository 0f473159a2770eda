/* corral-master: one CLI session's state, and the handlers of its table
 * (cliserver.c) that live in files of their own. */
#ifndef CORRAL_CLISESSION_H
#define CORRAL_CLISESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "reqloop.h"

struct inventory;
struct job;
struct master_ctx;

/* reqloop.ctx of a CLI session */
struct cli {
	struct master_ctx *m;
	struct inventory *inv;      /* the session's own connection */
};

/* corral jobs, job, cancel (jobcli.c) */
int cli_do_jobs(struct reqloop *l, const struct frame *f);
int cli_do_job(struct reqloop *l, const struct frame *f);     /* streams */
int cli_do_cancel(struct reqloop *l, const struct frame *f);

/* Refresh every poller (or only host) and wait for them (cliserver.c). */
void cli_refresh(struct cli *c, const char *host);

/* corral move (movecli.c): checked, then queued as a job */
int cli_do_move(struct reqloop *l, const struct frame *f);    /* streams */

/* Where the inventory has ct (locate.c; refresh it first): on want
 * (not "") or on exactly one host, which is up.  0 with host (a buffer
 * of PROTO_NAME_MAX), or -1 with why in err ("no container C", "C is on
 * both A and B: name one with OPT", "no host H", "C is on H, which is
 * down"); opt is the request's option that names a host. */
int cli_locate(struct cli *c, const char *ct, const char *want,
    const char *opt, char *host, char *err, size_t errlen);
/* Host name is in the inventory and not down: 0, or -1 with err. */
int cli_host_usable(struct cli *c, const char *name, char *err,
    size_t errlen);
/* The same, for a host a container is brought to: not drained either. */
int cli_host_takes(struct cli *c, const char *name, char *err,
    size_t errlen);

/* corral get and put (getcli.c): checked, then queued as jobs */
int cli_do_get(struct reqloop *l, const struct frame *f);     /* streams */
int cli_do_put(struct reqloop *l, const struct frame *f);     /* streams */
/* corral restore (getcli.c): a put as a job of kind restore */
int cli_do_restore(struct reqloop *l, const struct frame *f); /* streams */

/* j as the CLI gets it (jobcli.c). */
struct msg_job;
void job_msg(const struct job *j, struct msg_job *m);

/* corral remove (cliremove.c) */
int cli_do_remove(struct reqloop *l, const struct frame *f);   /* streams */

/* corral backups, verify, prune (backupcli.c): the store's versions */
int cli_do_backups(struct reqloop *l, const struct frame *f);
int cli_do_verify(struct reqloop *l, const struct frame *f);
int cli_do_prune(struct reqloop *l, const struct frame *f);
/* corral backup (backupcli.c, backup.h): the plan, or the run's report
 * once its jobs have ended */
int cli_do_backup(struct reqloop *l, const struct frame *f);  /* streams */
/* corral create NAME --ip ADDR (clinew.c) and HOST NAME (clicreate.c):
 * checked, then queued as jobs of kind create */
int cli_do_new(struct reqloop *l, const struct frame *f);     /* streams */
int cli_do_create(struct reqloop *l, const struct frame *f);  /* streams */
/* corral limit, corral control (clictset.c): shown at once, a change
 * as a job per container (kind_ctset.c), the answer once they ended */
int cli_do_limit(struct reqloop *l, const struct frame *f);
int cli_do_control(struct reqloop *l, const struct frame *f);

/* A mutating request's answer (jobcli.c): queue j (kind, container, src,
 * dst, args), answer CLI_JOB_QUEUED, then unless detach stream its
 * progress (CLI_JOB_PROGRESS) and answer CLI_JOB once it has ended, all
 * with request id rid.  A container that has a job already is an ERROR
 * naming that job.  Its handler's row needs REQ_STREAMS. */
int job_submit_and_wait(struct reqloop *l, uint32_t rid, struct job *j,
    bool detach);
/* Queue j, logged and the runner kicked, without answering anyone (a
 * request that queues several): 0, JOB_BUSY with *busy (the job at work
 * on j->container), or -1 (inventory_errmsg()). */
int job_queue(struct cli *c, struct job *j, int64_t *busy);
/* The CLI of a request that runs several jobs (backup, balance --apply,
 * a drain), told of each before its answer, with request id rid: as it
 * is queued (CLI_JOB_QUEUED) and once it has ended (CLI_JOB, no steps).
 * A NULL news or l (a daily task's run) tells no one; a CLI gone is no
 * error: the run goes on without it, as it did before.  The handler's row
 * needs REQ_STREAMS. */
struct job_news {
	struct reqloop *l;
	uint32_t rid;
};
void job_news(const struct job_news *n, const struct job *j);
/* A detached request's answer: the n jobs of v it queued (CLI_JOBS); one
 * of id 0 is a container it did not queue, with why in its error. */
int reply_jobs(struct reqloop *l, uint32_t rid, const struct job *v,
    size_t n);
/* Wait until job id has ended, into j: 0; -1 with err when the master is
 * stopping (the job goes on at its next start) or the inventory failed;
 * -2 when the CLI went away (the job goes on). */
int job_wait_end(struct reqloop *l, int64_t id, struct job *j, char *err,
    size_t errlen);

#endif
