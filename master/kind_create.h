/* corral-master: the job kind create (kind_create.c): a new container
 * made on a host, the job's dst, by its slave, in one of create's two
 * forms: NAME --ip ADDR (CT_NEW, every setting settled by the request from
 * networks.conf and create.conf) or HOST NAME (CT_CREATE, the template's
 * own network).
 *
 * Steps: create (the slave makes it, and starts it with --start), done.
 * The request checked that no host has a container of that name, and the
 * job holds the name from then on: whatever of it is on the host after
 * the create step began is this job's.  So a failure the slave did not
 * answer (a cut link, a killed slave), a cancel that came while the slave
 * worked, and a master killed during create all roll back: the container
 * removed, config and volume (job_undo_made).  A slave's own refusal
 * needs none: a slave undoes its half-made container itself.  A master
 * killed before create began made nothing; after it ended (step done)
 * the container is whole and the job ends done.
 *
 * A master killed mid-create leaves its slave's worker working: the slave
 * stops a dropped session's worker (SIGTERM, SIGKILL 5 s later), so the
 * recovery waits CREATE_SETTLE_S before its roll back.  A template's own
 * process outlives a killed worker: one still writing into the volume
 * then can make the roll back fail, said loudly with the way out.
 *
 * args: form=ip with the settled CT_NEW request's fields, or form=host
 * with tmpl, bytes and start.  result: what the slave made, for the CLI's
 * line ("backend= rootfs= started=", and for form=ip "addr= link= vlan=
 * memory= disk= proc= cpu_num= cpu_den=").
 */
#ifndef CORRAL_KIND_CREATE_H
#define CORRAL_KIND_CREATE_H

#include <stddef.h>

struct job_ctx;
struct msg_new_req;
struct msg_create_req;

/* A settled request's args for its job: 0, or -1 if they do not fit. */
int create_args_new(const struct msg_new_req *s, char *args, size_t len);
int create_args_host(const struct msg_create_req *q, char *args,
    size_t len);

int create_run(struct job_ctx *c);
int create_recover(struct job_ctx *c);

#endif
