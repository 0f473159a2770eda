/* corral host drain H [--dry-run|--detach] [--json] / corral host
 * undrain H: a drained host is never chosen; draining moves its
 * containers, as move jobs, to the hosts placement chooses, each job on
 * stderr as it ends (cli_job_news); --detach prints their ids once
 * queued (cmd-host.c hands these over). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_drain_req)
MSG_DEC(msg_plan)

static const struct cli_rpc rpc_drain = {
	.cmd = "host drain", .type = MSG_CLI_DRAIN_REQ,
	.enc = msg_drain_req_enc, .want = MSG_CLI_PLAN, .dec = msg_plan_dec,
};
static const struct cli_rpc rpc_undrain = {
	.cmd = "host undrain", .type = MSG_CLI_DRAIN_REQ,
	.enc = msg_drain_req_enc, .want = MSG_CLI_PLAN, .dec = msg_plan_dec,
};

int
host_drain_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_drain_req q = { 0 };
	struct msg_plan m = { 0 };
	struct cli_rpc x = rpc_drain;
	struct cli_news news = { .quiet = false };
	bool undo = strcmp(argv[0], "undrain") == 0;
	int c, json = 0;
	size_t i, stays = 0, arriving = 0;
	char more[48] = "";

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': q.flags |= MSG_DRAIN_DRY_RUN; break;
		case 'j': json = 1; break;
		case 'D': q.flags |= MSG_DRAIN_DETACH; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1 || (undo && q.flags)) {
		out_line(stderr, "usage: corral host %s", undo ? "undrain HOST" :
		    "drain HOST [--dry-run|--detach] [--json]");
		return CLI_USAGE;
	}
	if ((q.flags & MSG_DRAIN_DRY_RUN) && (q.flags & MSG_DRAIN_DETACH)) {
		out_line(stderr, "corral: host drain: --dry-run and --detach "
		    "exclude each other");
		return CLI_USAGE;
	}
	if (strlen(argv[optind]) >= sizeof(q.host)) {
		out_line(stderr, "corral: host %s: '%s' is too long for a name",
		    argv[0], argv[optind]);
		return CLI_USAGE;
	}
	strcpy(q.host, argv[optind]);
	if (undo)
		q.flags |= MSG_DRAIN_UNDO;
	if (q.flags & MSG_DRAIN_DETACH)
		return cli_run_queued(&rpc_drain, &q, json);
	x.news = cli_job_news;
	news.quiet = json;
	if (cli_run(undo ? &rpc_undrain : &x, &q, &m, &news) != 0)
		return CLI_FAILED;
	for (i = 0; i < m.n; i++)
		if (strcmp(m.v[i].note, "done") != 0 &&
		    strcmp(m.v[i].note, "planned") != 0)
			stays++;
	/* one running lands on the host after the drain (or has, if it
	 * passed its check as the host was undrained and ended since); one
	 * queued is refused at its start, and one the drain saw refused
	 * there is failed */
	for (i = 0; i < m.n_a; i++)
		if (strcmp(m.a[i].state, "running") == 0 ||
		    strncmp(m.a[i].note, "arriving on ", 12) == 0)
			arriving++;
	if (json)
		plan_print_json(stdout, &m, true);
	else if (undo)
		out_line(stdout, "%s: undrained", q.host);
	else {
		plan_print_text(stdout, &m, false);
		if (arriving)
			snprintf(more, sizeof(more), "; %zu more arriving",
			    arriving);
		out_line(stdout, "%s: drained%s; %zu of %zu containers %s%s",
		    q.host, q.flags & MSG_DRAIN_DRY_RUN ? " (dry run)" : "",
		    m.n - stays, m.n, q.flags & MSG_DRAIN_DRY_RUN ?
		    "would move" : "moved", more);
	}
	msg_plan_free(&m);
	return stays || arriving ? CLI_FAILED : CLI_OK;
}
