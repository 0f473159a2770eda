/* corral CLI: one descriptor per subcommand, one file per subcommand. */
#ifndef CORRAL_CLI_H
#define CORRAL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec.h"

/* Exit codes scripts can trust. */
#define CLI_OK     0   /* done */
#define CLI_FAILED 1   /* the operation failed */
#define CLI_USAGE  2   /* bad command line */

struct cli_cmd {
	const char *name;
	const char *usage;     /* arguments, after "corral NAME " */
	const char *summary;   /* one line for `corral --help` */
	int (*exec)(int argc, char **argv);  /* argv[0] is the command name */
};

extern const struct cli_cmd cmd_help;
extern const struct cli_cmd cmd_hosts;
extern const struct cli_cmd cmd_scan;
extern const struct cli_cmd cmd_host;
extern const struct cli_cmd cmd_sync;
extern const struct cli_cmd cmd_create;
extern const struct cli_cmd cmd_snapshot;
extern const struct cli_cmd cmd_jobs;
extern const struct cli_cmd cmd_job;
extern const struct cli_cmd cmd_cancel;
extern const struct cli_cmd cmd_move;
extern const struct cli_cmd cmd_remove;
extern const struct cli_cmd cmd_get;
extern const struct cli_cmd cmd_put;
extern const struct cli_cmd cmd_backup;
extern const struct cli_cmd cmd_backups;
extern const struct cli_cmd cmd_verify;
extern const struct cli_cmd cmd_prune;
extern const struct cli_cmd cmd_restore;
extern const struct cli_cmd cmd_limit;
extern const struct cli_cmd cmd_control;
extern const struct cli_cmd cmd_place;
extern const struct cli_cmd cmd_balance;
/* corral host drain|undrain (cmd-drain.c): argv[0] is drain or undrain */
int host_drain_exec(int argc, char **argv);

/* ---- talking to corral-master (client.c) ---- */
struct frame;
struct msg_progress;
struct transport;

/* A kind of request and its reply, one a command. */
struct cli_rpc {
	const char *cmd;        /* for messages: "sync", "host trust" */
	uint16_t type;          /* the request, encoded by enc */
	msg_enc_fn enc;
	uint16_t want;          /* the reply, decoded by dec */
	msg_dec_fn dec;
	/* when set, CLI_PROGRESS frames before the reply go here (with the
	 * call's arg), then one call with NULL before anything else is
	 * printed */
	void (*progress)(const struct msg_progress *p, void *arg);
	/* when set, CLI_JOB_QUEUED and CLI_JOB frames before the reply (a
	 * request that runs several jobs: each as queued, then as ended)
	 * go here, with the call's arg (cli_job_news) */
	void (*news)(const struct frame *f, void *arg);
};

/* Connect to the master's socket (from corral.conf: $CORRAL_CONF or
 * /etc/corral/corral.conf) and say HELLO.  Prints the error and returns -1
 * on failure. */
int cli_connect(struct transport *t);
/* Send req as x says and decode its reply into rep; a failure, an ERROR
 * reply or a malformed one is printed as "corral: CMD: ..." and gives -1.
 * arg goes to x->progress. */
int cli_call(struct transport *t, const struct cli_rpc *x, const void *req,
    void *rep, void *arg);
/* Only send req as x says: 0 or a CERR_* (not printed). */
int cli_send(struct transport *t, const struct cli_rpc *x, const void *req);
/* An ERROR reply f as "corral: CMD: message" on stderr. */
void cli_print_error(const char *cmd, const struct frame *f);
/* The same on a connection of its own. */
int cli_run(const struct cli_rpc *x, const void *req, void *rep, void *arg);
/* HOST and CONTAINER arguments into host and ct (PROTO_NAME_MAX each);
 * -1, printed, if one is too long. */
int cli_host_ct(const char *cmd, char **argv, char *host, char *ct);
/* A CONTAINER argument into ct (PROTO_NAME_MAX); -1, printed, if it is
 * too long. */
int cli_ct_arg(const char *cmd, const char *arg, char *ct);
void cli_disconnect(struct transport *t);
/* The encoder of a one-flag request (CLI_HOSTS_REQ): m is a uint8_t. */
int cli_flag_enc(struct cbuf *b, const void *m);

/* ---- output helpers (out.c) ---- */
/* One line of text output: fmt formatted, every control byte in the
 * result (a newline or an escape sequence in a container's name, a file's
 * name or a slave's error) written as \xNN, then a newline.  Untrusted
 * strings reach the terminal only through here or json_str(). */
void out_line(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON string literal, escaped. */
void json_str(FILE *out, const char *s);
/* "1.5G"-style size into buf. */
const char *human_size(uint64_t bytes, char *buf, size_t len);
/* "12s ago" / "never" into buf. */
const char *human_age(int64_t when, char *buf, size_t len);
/* A time in seconds since the epoch as ISO 8601 in UTC,
 * "2026-12-06T02:30:00Z", into buf. */
const char *iso_utc(int64_t t, char *buf, size_t len);
/* "512M", "2G", "1.5" is refused; K/M/G/T (powers of 1024), a bare
 * number is MiB.  -1 if it is not a size. */
int cli_parse_size(const char *s, uint64_t *bytes);
/* Common option parsing: returns 1 if argv[i] was --help (usage printed). */
int cli_wants_help(const struct cli_cmd *c, int argc, char **argv);

/* ---- limits and targets (optlim.c); each prints its error ---- */
struct msg_limits;
/* OPT's ARG, a whole number from 1 (--memory 0 is refused): 0 or -1. */
int cli_parse_count(const char *cmd, const char *opt, const char *arg,
    uint32_t *out);
/* OPT's ARG, a size (cli_parse_size) of more than 0 bytes: 0 or -1. */
int cli_parse_bytes(const char *cmd, const char *opt, const char *arg,
    uint64_t *bytes);
/* The same in whole MiB, from 1 to UINT32_MAX (--memory, --disk). */
int cli_parse_mib(const char *cmd, const char *opt, const char *arg,
    uint32_t *mb);
/* --cpu N/D into l: 0 or -1. */
int cli_parse_cpu(const char *cmd, const char *arg, struct msg_limits *l);
/* After getopt: one CONTAINER into ct, or none with all: 0 or -1. */
int cli_target(const struct cli_cmd *c, int argc, char **argv, bool all,
    char *ct);
/* The cpu of l as N/D, "0" for unlimited. */
void cli_print_cpu(char *buf, size_t len, const struct msg_limits *l);

/* One answer a container (limit, control): a text line or a JSON object
 * {"host", "container", fields..., "error"} each; those with an error
 * also as "corral: CMD: HOST:CT: ERROR" on stderr.  CLI_OK, or CLI_FAILED
 * if one had an error. */
struct cli_each {
	const char *cmd;
	const void *v;
	size_t n, size;
	size_t host_off, ct_off, error_off;
	void (*line)(const void *e);     /* its line, without an error */
	void (*fields)(const void *e);   /* ", \"k\": v..." after container */
};
int cli_print_each(const struct cli_each *w, bool json);
/* ---- plans of moves (planout.c) ---- */
struct msg_plan;
/* As JSON (one object, fields in corral(1); drain: with its arrivals), or
 * as a table, a drain's arrivals a line each after it; scores: with the
 * hosts' scores and the imbalance (balance), or not (drain).  A plan that
 * stopped says why on stderr. */
void plan_print_json(FILE *out, const struct msg_plan *m, bool drain);
void plan_print_text(FILE *out, const struct msg_plan *m, bool scores);

/* ---- jobs (jobout.c, jobwait.c) ---- */
struct msg_job;
struct msg_job_detail;

/* A job id argument (digits, > 0): 0, or -1 printed as "corral: CMD:
 * 'ARG' is not a job id". */
int cli_job_id(const char *cmd, const char *arg, int64_t *id);
/* One job as a JSON object, without a newline (fields in corral(1)). */
void json_job(FILE *out, const struct msg_job *j);
/* One "key=value" of a job's result into buf ("" when absent); as a
 * number (0 when absent). */
const char *job_result_get(const struct msg_job *j, const char *key,
    char *buf, size_t len);
uint64_t job_result_u64(const struct msg_job *j, const char *key);
/* Its run time in seconds (0 if it has not ended). */
double job_total_s(const struct msg_job *j);
/* "steps": [{"step": S, "seconds": N}, ...] of a finished job; the same
 * as indented lines "  STEP  N.NNN s". */
void json_job_steps(FILE *out, const struct msg_job_detail *d);
void job_steps_text(FILE *out, const struct msg_job_detail *d);
/* "45% 1.2G/2.7G", "1.2G" without a total, "-" without bytes. */
const char *job_progress(uint64_t done, uint64_t total, char *buf,
    size_t len);
/* A time in ms since the epoch as local "YYYY-MM-DD HH:MM:SS", "-" for
 * 0; a duration in ms as "0.4s", "1m02s", "2h05m". */
const char *job_time(int64_t ms, char *buf, size_t len);
const char *job_duration(int64_t ms, char *buf, size_t len);
/* The answer to a request for a job that went out on t (a mutating
 * command's, or CLI_JOB_REQ with wait): CLI_JOB_QUEUED, which detach
 * prints (the id alone on stdout) and returns on; then CLI_JOB_PROGRESS
 * drawn on stderr (a terminal: one line redrawn with step, percentage,
 * bytes, rate and ETA; else one line a step and every 10 s) until CLI_JOB,
 * kept in *out if not NULL (msg_job_detail_free).  A job that did not end
 * done is printed as "corral: CMD: job ID failed during STEP: ERROR" (or
 * cancelled).  Returns the exit code: 0 done (or detached), 1 otherwise. */
int cli_job_wait(struct transport *t, const char *cmd, bool detach,
    struct msg_job_detail *out);
/* The same on a connection of its own, after sending req as x says. */
struct cli_rpc;
int cli_job_call(const struct cli_rpc *x, const void *req, bool detach,
    struct msg_job_detail *out);

/* cli_job_call(), then print(the job, arg) if it ended done; the exit
 * code. */
int cli_job_run(const struct cli_rpc *x, const void *req, bool detach,
    void (*print)(const struct msg_job_detail *d, void *arg), void *arg);
/* --detach of a request that queues a job per container (limit,
 * control, backup, host drain): x's request, answered by the jobs queued
 * (MSG_CLI_JOBS), not x's own reply; each job's id a line (json: the
 * jobs, an array of json_job objects), one of id 0 (a container not
 * queued) its error on stderr.  CLI_OK, or CLI_FAILED if one of id 0 is
 * failed (not done: a skipped one's note) or the call failed. */
int cli_run_queued(const struct cli_rpc *x, const void *req, bool json);

/* The news of the jobs a request runs (cli_rpc.news; arg a struct
 * cli_news): a line on stderr for each as it ends, "job ID done: KIND
 * CONTAINER SRC[ -> DST]" (or "failed during STEP: WHAT: ERROR",
 * "cancelled during STEP: WHAT"), and when stderr is not a terminal one as each is queued
 * too; nothing when quiet (--json). */
struct cli_news {
	bool quiet;
};
void cli_job_news(const struct frame *f, void *arg);

/* corral put's command line, output and job (cmd-put.c), for put and
 * restore: the request of x (a msg_store_req), the host given with
 * --HOSTOPT. */
int cli_put_exec(const struct cli_cmd *cmd, const struct cli_rpc *x,
    const char *hostopt, int argc, char **argv);

/* The NULL-terminated table of every subcommand. */
const struct cli_cmd *const *cli_commands(void);
const struct cli_cmd *cli_find(const char *name);
void cli_usage(FILE *out);

#endif
