/* corral balance [--dry-run|--apply] [--max-moves N] [--json]: the plan
 * of moves that lowers the pool's imbalance; --apply runs it as move
 * jobs, one pair of hosts at a time, stopping at the first failure, each
 * job on stderr as it ends (cli_job_news).  --detach is refused: the
 * master queues a pair's moves only once the pair before has ended, so
 * no ids exist to print at once. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_balance_req)
MSG_DEC(msg_plan)

static const struct cli_rpc rpc = {
	.cmd = "balance", .type = MSG_CLI_BALANCE_REQ,
	.enc = msg_balance_req_enc, .want = MSG_CLI_PLAN, .dec = msg_plan_dec,
};

static int
balance_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "apply", no_argument, NULL, 'a' },
		{ "max-moves", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_balance_req q = { 0 };
	struct msg_plan m = { 0 };
	struct cli_rpc x = rpc;
	struct cli_news news = { .quiet = false };
	int c, json = 0, dry = 0;
	char *end;
	unsigned long v;

	if (cli_wants_help(&cmd_balance, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'a': q.flags |= MSG_BALANCE_APPLY; break;
		case 'x':
			v = strtoul(optarg, &end, 10);
			if (optarg[0] < '1' || optarg[0] > '9' || *end ||
			    v > 1000) {
				out_line(stderr, "corral: balance: --max-moves "
				    "'%s' is not a number from 1 to 1000",
				    optarg);
				return CLI_USAGE;
			}
			q.max_moves = (uint32_t)v;
			break;
		case 'j': json = 1; break;
		case 'D':
			out_line(stderr, "corral: balance: --detach: --apply "
			    "queues each pair of hosts' moves once the pair "
			    "before has ended, so their ids do not exist yet "
			    "(the plan goes on if this command is stopped)");
			return CLI_USAGE;
		default: return CLI_USAGE;
		}
	}
	if (optind != argc) {
		out_line(stderr, "corral: balance: unexpected argument '%s'",
		    argv[optind]);
		return CLI_USAGE;
	}
	if (dry && (q.flags & MSG_BALANCE_APPLY)) {
		out_line(stderr, "corral: balance: --dry-run and --apply "
		    "exclude each other");
		return CLI_USAGE;
	}
	x.news = cli_job_news;
	news.quiet = json;
	if (cli_run(&x, &q, &m, &news) != 0)
		return CLI_FAILED;
	if (json)
		plan_print_json(stdout, &m, false);
	else
		plan_print_text(stdout, &m, true);
	c = m.error[0] ? CLI_FAILED : CLI_OK;
	msg_plan_free(&m);
	return c;
}

const struct cli_cmd cmd_balance = {
	.name = "balance",
	.usage = "[--dry-run|--apply] [--max-moves N] [--json]",
	.summary = "the plan of moves that lowers the pool's imbalance, each "
	    "with its hosts' scores before and after (the default, "
	    "--dry-run, changes nothing); --apply runs it as move jobs, one "
	    "pair of hosts at a time, stopping at the first failure, each on "
	    "stderr as it ends (--detach is refused: a pair's moves are "
	    "queued only once the pair before has ended)",
	.exec = balance_exec,
};
