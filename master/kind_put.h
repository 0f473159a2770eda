/* corral-master: the put run's parts (kind_put.c) that `corral restore
 * --force` (kind_restore.c) builds on: the put made under a temporary
 * name, then swapped with the container it replaces. */
#ifndef CORRAL_KIND_PUT_H
#define CORRAL_KIND_PUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrown.h"
#include "msg.h"
#include "store.h"

struct job_ctx;

struct put {
	struct job_ctx *c;
	const char *name, *host;      /* what it makes, where */
	char from[PROTO_NAME_MAX];    /* the store's container */
	char version[STORE_VERSION_MAX];
	bool start;
	uint64_t size;
	/* restore --force: name is tmp, made then swapped with final */
	bool force;
	bool ran;                     /* final ran when the swap began */
	char tmp[PROTO_NAME_MAX];     /* FINAL-new-ID */
	char aside[PROTO_NAME_MAX];   /* FINAL-old-ID: final set aside */
	const char *final;            /* the job's container */
	const char *config;           /* the version's, once checked (the
	                                 addresses a start would use) */
	struct addr_owner clash;      /* the first address of the config
	                                 another has (not started), else "" */
	char err[1024];
};

/* pt from c's job (its args: from, version, start, size, force, ran). */
void put_init(struct put *pt, struct job_ctx *c);
/* The job's args as pt has them now, recorded (a recover reads them). */
void put_record_args(struct put *pt);
/* pt->config's addresses against the inventory just before a start:
 * JOB_OUT_DONE, or the job failed (with why in pt->err).  None known (a
 * recovery): JOB_OUT_DONE. */
int put_addrs_free(struct put *pt);
/* CT_CTL op on pt->name of pt->host; 0 or master_request()'s CERR_* with
 * err (master_not_done(): refused or not asked; else it may have been
 * done) */
int put_ctl(struct put *pt, enum msg_ctl_op op, uint32_t flags,
    uint64_t bytes, char *err, size_t errlen);
/* Steps check, volume, copy and config-set of pt->name: JOB_OUT_DONE
 * with pt->name whole (stopped) on pt->host; else failed or cancelled
 * with what the job made there removed. */
int put_make(struct put *pt, struct store *s, struct msg_conf_set_req *q);
/* From config-set on: start pt->name if asked, the result, done. */
int put_finish(struct put *pt);
/* The job's result: "version=V from=C [replaced=1]", and the address of
 * its config another container has, if any (taken=ADDR taken_by=NAME
 * taken_on=HOST: the CLI's warning). */
void put_result(struct put *pt, bool replaced);
/* Remove what the job made on the host under pt->name (its config if
 * set, its volume), asking a host that went away again for 90 s. */
int put_undo(struct put *pt, char *err, size_t errlen);

int restore_run(struct job_ctx *c);
int restore_recover(struct job_ctx *c);

#endif
