/* corral jobs [--all] [--json]: the jobs queued and running, and those
 * that ended in the last 24 hours (--all: every job). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_DEC(msg_job_list)

static const struct cli_rpc rpc = {
	.cmd = "jobs", .type = MSG_CLI_JOBS_REQ,
	.enc = cli_flag_enc, .want = MSG_CLI_JOBS, .dec = msg_job_list_dec,
};

static void
print_json(const struct msg_job_list *l)
{
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		printf("%s\n  ", i ? "," : "");
		json_job(stdout, &l->v[i]);
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static bool
active(const struct msg_job *j)
{
	return strcmp(j->state, "queued") == 0 ||
	    strcmp(j->state, "running") == 0;
}

static void
print_table(const struct msg_job_list *l)
{
	const struct msg_job *j;
	char prog[64], age[32];
	size_t i;

	out_line(stdout, "%-6s %-8s %-16s %-10s %-10s %-9s %-12s %-18s %s",
	    "ID",
	    "KIND", "CONTAINER", "FROM", "TO", "STATE", "STEP", "PROGRESS",
	    "AGE/ERROR");
	for (i = 0; i < l->n; i++) {
		j = &l->v[i];
		/* an active job's age since it was queued; an ended one's
		 * since it ended, and why if it did not end done */
		human_age((active(j) ? j->created : j->ended) / 1000, age,
		    sizeof(age));
		out_line(stdout, "%-6" PRId64 " %-8s %-16s %-10s %-10s %-9s "
		    "%-12s %-18s %s%s%s", j->id, j->kind, j->container[0] ?
		    j->container : "-", j->src[0] ? j->src : "-",
		    j->dst[0] ? j->dst : "-", j->state, j->step[0] ? j->step :
		    "-", job_progress(j->bytes_done, j->bytes_total, prog,
		    sizeof(prog)), age, j->error[0] ? ": " : "", j->error);
	}
}

static int
jobs_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_job_list l = { 0 };
	uint8_t all = 0;
	int c, json = 0;

	if (cli_wants_help(&cmd_jobs, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (optind != argc) {
		out_line(stderr, "corral: jobs: unexpected argument '%s'",
		    argv[optind]);
		return CLI_USAGE;
	}
	if (cli_run(&rpc, &all, &l, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&l);
	else
		print_table(&l);
	msg_job_list_free(&l);
	return CLI_OK;
}

const struct cli_cmd cmd_jobs = {
	.name = "jobs",
	.usage = "[--all] [--json]",
	.summary = "list the jobs queued and running and those that ended in "
	    "the last 24 hours (--all: every job): id, kind, container, hosts, "
	    "state, step, progress, age or error",
	.exec = jobs_exec,
};
