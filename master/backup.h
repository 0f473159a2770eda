/* corral-master: backup runs (corral backup, and the nightly one at
 * corral.conf backup_at): the plan, one job of kind backup a container
 * (kind_backup.c), the wait for them all and the report.
 *
 * The plan: every container of backup.conf, or those named (a named
 * container not in backup.conf is backed up hot: through its snapshot if
 * it runs), each found on its host through a freshly polled inventory;
 * with a host, only the containers on it.  A container found on no host
 * is "missing", one on two hosts, on a host that is down, or with a job
 * at work on it is "refused", naming them: reported, and the others go
 * on.  A cold one that runs is planned as "skipped" (the job checks again
 * when it starts: never stopped by a backup).  The jobs run in parallel
 * within corral.conf's jobs_max and jobs_per_host. */
#ifndef CORRAL_BACKUP_H
#define CORRAL_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

struct cli;
struct master_ctx;

/* The plan of a run into *out (free with msg_backup_list_free): one item
 * per container, outcome "planned", "skipped", "missing" or "refused".
 * 0, or -1 with err (the inventory failed, an invalid name). */
int backup_plan(struct cli *c, const char *host, char (*names)[PROTO_NAME_MAX],
    size_t n, struct msg_backup_list *out, char *err, size_t errlen);

/* Queue a job for each planned item (outcome "queued", its id in job;
 * one that cannot be is refused or failed), each told to news
 * (clisession.h: NULL, no one). */
struct job_news;
void backup_queue(struct cli *c, struct msg_backup_list *l,
    const struct job_news *news);
/* backup_queue(), then wait until they have all ended, each told to news,
 * and fill in their outcomes (done, skipped, failed, cancelled) and
 * figures.  -1 if the master stops meanwhile (the jobs go on at its next
 * start; the items not ended say so). */
int backup_execute(struct cli *c, struct msg_backup_list *l,
    const struct job_news *news);

/* The report in the master's log, one line a container and a summary
 * (of a detached run: the items still queued counted as such). */
void backup_log_report(const struct msg_backup_list *l);

/* The nightly run (a daily_task's run: daily.h): the plan of every
 * container of backup.conf, executed, its report logged. */
void backup_nightly(struct master_ctx *m, void *arg);

/* The job kind backup (kind_backup.c). */
struct job_ctx;
int backup_run(struct job_ctx *c);
int backup_recover(struct job_ctx *c);

#endif
