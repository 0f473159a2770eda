/* corral restore C --to H [--version V] [--as NAME] [--size SIZE]
 * [--start] [--force] [--dry-run] [--detach] [--json]: C made on H from a
 * version of the master's store, as a job of kind restore: what corral
 * put does (cmd-put.c, the master's kind_put.c), under its own name in
 * the jobs; --force over an existing one (kind_restore.c). */
#include "cli.h"
#include "msg.h"

MSG_ENC(msg_store_req)
MSG_DEC(msg_job)

static const struct cli_rpc rpc = {
	.cmd = "restore", .type = MSG_CLI_RESTORE_REQ,
	.enc = msg_store_req_enc, .want = MSG_CLI_JOB_QUEUED,
	.dec = msg_job_dec,
};

static int
restore_exec(int argc, char **argv)
{
	return cli_put_exec(&cmd_restore, &rpc, "to", argc, argv);
}

const struct cli_cmd cmd_restore = {
	.name = "restore",
	.usage = "CONTAINER --to HOST [--version VERSION] [--as NAME] "
	    "[--size SIZE] [--start] [--force] [--dry-run] [--detach] [--json]",
	.summary = "make CONTAINER on HOST again from a version of the "
	    "master's store (the newest good one unless named), as a job: "
	    "what put does; refused if HOST has that name, unless --force: "
	    "the old one is kept (stopped only once the restored one is "
	    "whole and verified) until the swap ends, then removed",
	.exec = restore_exec,
};
