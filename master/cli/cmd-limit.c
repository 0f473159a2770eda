/* corral limit CONTAINER|--all [--memory MB] [--cpu RATIO] [--disk MB]
 * [--proc N] [--detach] [--json]: a container's limits, shown, or changed
 * while it runs and in its config, a job per container (--detach: their
 * ids, at once).  VS-Tools' vs-limit lines:
 * host:container:memory:disk:proc:cpu (MiB; 0 is unlimited). */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "proto.h"

MSG_ENC(msg_limit_req)
MSG_DEC(msg_limit_list)

static const struct cli_rpc rpc = {
	.cmd = "limit", .type = MSG_CLI_LIMIT_REQ,
	.enc = msg_limit_req_enc, .want = MSG_CLI_LIMIT,
	.dec = msg_limit_list_dec,
};

static void
line(const void *p)
{
	const struct msg_limit *e = p;
	char cpu[32];

	cli_print_cpu(cpu, sizeof(cpu), &e->lim);
	out_line(stdout, "%s:%s:%u:%u:%u:%s", e->host, e->ct, e->lim.memory_mb,
	    e->lim.disk_mb, e->lim.proc, cpu);
}

static void
fields(const void *p)
{
	const struct msg_limit *e = p;
	char cpu[32];

	cli_print_cpu(cpu, sizeof(cpu), &e->lim);
	printf(", \"memory\": %u, \"disk\": %u, \"proc\": %u, \"cpu\": ",
	    e->lim.memory_mb, e->lim.disk_mb, e->lim.proc);
	json_str(stdout, cpu);
}

static int
print(const struct msg_limit_list *l, bool json)
{
	const struct cli_each w = {
		"limit", l->v, l->n, sizeof(*l->v),
		offsetof(struct msg_limit, host), offsetof(struct msg_limit, ct),
		offsetof(struct msg_limit, error), line, fields,
	};

	return cli_print_each(&w, json);
}

static int
limit_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "disk", required_argument, NULL, 'd' },
		{ "proc", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_limit_req q = { 0 };
	struct msg_limit_list l = { 0 };
	int c, json = 0, rc = 0;
	bool detach = false;

	if (cli_wants_help(&cmd_limit, argc, argv))
		return CLI_OK;
	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': q.all = 1; break;
		case 'm':
			rc = cli_parse_mib("limit", "--memory", optarg,
			    &q.lim.memory_mb);
			q.set |= MSG_LIM_MEMORY;
			break;
		case 'd':
			rc = cli_parse_mib("limit", "--disk", optarg,
			    &q.lim.disk_mb);
			q.set |= MSG_LIM_DISK;
			break;
		case 'p':
			rc = cli_parse_count("limit", "--proc", optarg,
			    &q.lim.proc);
			q.set |= MSG_LIM_PROC;
			break;
		case 'c':
			rc = cli_parse_cpu("limit", optarg, &q.lim);
			q.set |= MSG_LIM_CPU;
			break;
		case 'j': json = 1; break;
		case 'D': detach = true; break;
		default:
			out_line(stderr, "usage: corral limit %s",
			    cmd_limit.usage);
			return CLI_USAGE;
		}
	}
	if (rc != 0 || cli_target(&cmd_limit, argc, argv, q.all, q.ct) != 0)
		return CLI_USAGE;
	if (detach && q.set == 0) {
		out_line(stderr, "corral: limit: --detach goes with a change");
		return CLI_USAGE;
	}
	if (detach) {
		q.all |= MSG_EACH_DETACH;
		return cli_run_queued(&rpc, &q, json);
	}
	if (cli_run(&rpc, &q, &l, NULL) != 0)
		return CLI_FAILED;
	rc = print(&l, json);
	msg_limit_list_free(&l);
	return rc;
}

const struct cli_cmd cmd_limit = {
	.name = "limit",
	.usage = "CONTAINER|--all [--memory MB] [--cpu RATIO] [--disk MB] "
	    "[--proc N] [--detach] [--json]",
	.summary = "show a container's limits, or change them while it runs "
	    "and in its config, a job each (host:container:memory:disk:proc:"
	    "cpu)",
	.exec = limit_exec,
};
