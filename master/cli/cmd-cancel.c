/* corral cancel ID [--json]: stop job ID: a queued job is cancelled at
 * once, a running one at its next safe point, leaving its source as it
 * was. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_DEC(msg_job)

static int
id_enc(struct cbuf *b, const void *m)
{
	return msg_id_encode(b, *(const int64_t *)m);
}

static const struct cli_rpc rpc = {
	.cmd = "cancel", .type = MSG_CLI_CANCEL_REQ,
	.enc = id_enc, .want = MSG_CLI_CANCEL, .dec = msg_job_dec,
};

static int
cancel_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_job j;
	int64_t id;
	int c, json = 0;

	if (cli_wants_help(&cmd_cancel, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		out_line(stderr, "usage: corral cancel %s", cmd_cancel.usage);
		return CLI_USAGE;
	}
	if (cli_job_id("cancel", argv[optind], &id) != 0)
		return CLI_USAGE;
	/* a job that had ended already is an error of the master's */
	if (cli_run(&rpc, &id, &j, NULL) != 0)
		return CLI_FAILED;
	if (json) {
		json_job(stdout, &j);
		printf("\n");
	} else if (strcmp(j.state, "running") == 0)
		out_line(stdout, "job %" PRId64 ": stops at its next safe "
		    "point", j.id);
	else
		out_line(stdout, "job %" PRId64 ": %s", j.id, j.state);
	return CLI_OK;
}

const struct cli_cmd cmd_cancel = {
	.name = "cancel",
	.usage = "ID [--json]",
	.summary = "stop job ID: a queued one at once, a running one at its "
	    "next safe point, its source left as it was (exit 1 if it had "
	    "already ended)",
	.exec = cancel_exec,
};
