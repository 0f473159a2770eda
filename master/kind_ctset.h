/* corral-master: the job kinds limit and control (kind_ctset.c): a change
 * of one container's limits (CT_LIMIT) or of its autostart and state
 * (CT_CONTROL) on its host, the job's src.
 *
 * One step, "limit" or "control", then "done"; a control's start of a
 * stopped container whose configured address a running one has (or a
 * create job's) fails before its request (kind_ctset.c, addrown.h).  Both requests set a state
 * rather than a difference (a limit to a value, a state to running or
 * stopped), so asking again is harmless: a master killed during one
 * recovers it by asking again (resumed).  A cancel is honoured before the
 * request goes out; once the slave has it, it runs to its end.
 *
 * args: the request ("set=N memory=M disk=D proc=P cpu=N/D";
 * "autostart=A run=R timeout=S", numbers of msg.h).  result: what the
 * slave answered, for the CLI's lines ("memory=M disk=D proc=P
 * cpu_num=N cpu_den=D"; "enabled=0|1 running=0|1 message=TEXT").
 */
#ifndef CORRAL_KIND_CTSET_H
#define CORRAL_KIND_CTSET_H

#include <stddef.h>

/* a request's time-out: a session and liblxc, beyond a stop's wait (the
 * slave's default halt-to-kill time unless the request gives one) */
#define CTSET_MARGIN_S    120
#define CTSET_STOP_WAIT_S 60

struct job_ctx;
struct msg_limit_req;
struct msg_limit;
struct msg_control_req;
struct msg_control;

/* A request's args for its job. */
void limit_job_args(const struct msg_limit_req *q, char *args, size_t len);
void control_job_args(const struct msg_control_req *q, char *args,
    size_t len);
/* A done job's result into the CLI's list element (host and name left
 * as they are). */
void limit_from_result(const char *result, struct msg_limit *e);
void control_from_result(const char *result, struct msg_control *e);

int limit_run(struct job_ctx *c);
int limit_recover(struct job_ctx *c);
int control_run(struct job_ctx *c);
int control_recover(struct job_ctx *c);

#endif
