/* corral remove CONTAINER --host HOST [--force] [--dry-run] [--detach]
 * [--json]: a job that removes CONTAINER's config, volume and LXC
 * directory from HOST (the master's kind_remove.h): refused while it runs
 * and, unless another host has it or the store holds a verified version
 * of it, refused too; --force stops it first and waives that rule. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "transport.h"

MSG_ENC(msg_remove_req)
MSG_DEC(msg_remove_plan)

static const struct cli_rpc rpc = {
	.cmd = "remove", .type = MSG_CLI_REMOVE_REQ, .enc = msg_remove_req_enc,
};

static const struct cli_rpc plan_rpc = {
	.cmd = "remove", .type = MSG_CLI_REMOVE_REQ, .enc = msg_remove_req_enc,
	.want = MSG_CLI_REMOVE_PLAN, .dec = msg_remove_plan_dec,
};

static void
print_plan(const struct msg_remove_plan *p, bool json)
{
	const char *s = p->text, *nl;
	bool first = true;

	if (json) {
		printf("{\"container\":");
		json_str(stdout, p->ct);
		printf(",\"host\":");
		json_str(stdout, p->host);
		printf(",\"dry_run\":true,\"plan\":[");
	}
	for (; *s != '\0'; s = *nl ? nl + 1 : nl) {
		char line[MSG_PLAN_MAX];

		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - s), s);
		if (json) {
			printf("%s", first ? "" : ",");
			json_str(stdout, line);
		} else
			out_line(stdout, "%s", line);
		first = false;
	}
	if (json)
		printf("]}\n");
}

static int
run_job(const struct msg_remove_req *q, bool json)
{
	struct msg_job_detail d = { 0 };
	struct transport t;
	int rc;

	if (cli_connect(&t) != 0)
		return CLI_FAILED;
	if (cli_send(&t, &rpc, q) != 0) {
		out_line(stderr, "corral: remove: cannot send the request");
		cli_disconnect(&t);
		return CLI_FAILED;
	}
	rc = cli_job_wait(&t, "remove", q->flags & MSG_REMOVE_DETACH, &d);
	cli_disconnect(&t);
	if (d.job.id != 0) {
		if (json) {
			json_job(stdout, &d.job);
			printf("\n");
		} else if (rc == CLI_OK)
			out_line(stdout, "%s removed from %s (job %lld)", q->ct,
			    q->host, (long long)d.job.id);
	}
	msg_job_detail_free(&d);
	return rc;
}

static int
remove_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_remove_req q;
	struct msg_remove_plan p;
	const char *host = NULL;
	bool json = false, bad = false;
	int c;

	if (cli_wants_help(&cmd_remove, argc, argv))
		return CLI_OK;
	memset(&q, 0, sizeof(q));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'f': q.flags |= MSG_REMOVE_FORCE; break;
		case 'n': q.flags |= MSG_REMOVE_DRY_RUN; break;
		case 'd': q.flags |= MSG_REMOVE_DETACH; break;
		case 'j': json = true; break;
		default: bad = true; break;
		}
	}
	if (bad || argc - optind != 1 || host == NULL || (q.flags &
	    MSG_REMOVE_DRY_RUN && q.flags & MSG_REMOVE_DETACH)) {
		out_line(stderr, "usage: corral remove %s", cmd_remove.usage);
		return CLI_USAGE;
	}
	if (strlen(argv[optind]) >= sizeof(q.ct) ||
	    strlen(host) >= sizeof(q.host)) {
		out_line(stderr, "corral: remove: name too long");
		return CLI_USAGE;
	}
	strcpy(q.ct, argv[optind]);
	strcpy(q.host, host);
	if (!(q.flags & MSG_REMOVE_DRY_RUN))
		return run_job(&q, json);
	if (cli_run(&plan_rpc, &q, &p, NULL) != 0)
		return CLI_FAILED;
	print_plan(&p, json);
	return CLI_OK;
}

const struct cli_cmd cmd_remove = {
	.name = "remove",
	.usage = "CONTAINER --host HOST [--force] [--dry-run] [--detach] "
	    "[--json]",
	.summary = "remove a container from a host (a job): refused while it "
	    "runs or when it is kept nowhere else, unless --force",
	.exec = remove_exec,
};
