/* corral move C --to H [--from H] [--cold] [--dry-run] [--detach]
 * [--json]: C and its config to host H, as a job; its steps' times, the
 * downtime (from the start of "stop" to the end of "start"), the total
 * and the bytes on the wire once it has ended. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "msg.h"

MSG_ENC(msg_move_req)
MSG_DEC(msg_job)

static const struct cli_rpc rpc = {
	.cmd = "move", .type = MSG_CLI_MOVE_REQ, .enc = msg_move_req_enc,
	.want = MSG_CLI_JOB_QUEUED, .dec = msg_job_dec,
};

static const struct msg_job_step *
step_of(const struct msg_job_detail *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_steps; i++)
		if (strcmp(d->steps[i].step, name) == 0)
			return &d->steps[i];
	return NULL;
}

/* The container stopped on the source to running on the destination:
 * 0 when it did not run. */
static double
downtime_s(const struct msg_job_detail *d)
{
	const struct msg_job_step *stop = step_of(d, "stop"),
	    *start = step_of(d, "start");

	if (stop == NULL || start == NULL || start->ended == 0)
		return 0;
	return (double)(start->ended - stop->started) / 1000;
}

static void
print_json(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;

	(void)arg;
	printf("{\"job\": %" PRId64 ", \"container\": ", j->id);
	json_str(stdout, j->container);
	printf(", \"from\": ");
	json_str(stdout, j->src);
	printf(", \"to\": ");
	json_str(stdout, j->dst);
	printf(", \"state\": ");
	json_str(stdout, j->state);
	printf(", \"downtime_s\": %.3f, \"total_s\": %.3f, \"bytes_on_wire\": %"
	    PRIu64 ", ", downtime_s(d), job_total_s(j), j->bytes_done);
	json_job_steps(stdout, d);
	printf("}\n");
}

static void
print_text(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;
	char w[16];

	(void)arg;
	job_steps_text(stdout, d);
	out_line(stdout, "moved %s from %s to %s: downtime %.1f s, total %.1f "
	    "s, %s on the wire", j->container, j->src, j->dst, downtime_s(d),
	    (double)(j->ended - j->started) / 1000,
	    human_size(j->bytes_done, w, sizeof(w)));
}

static int
dry_run(const struct msg_move_req *q, bool json)
{
	struct msg_job j;

	if (cli_run(&rpc, q, &j, NULL) != 0)
		return CLI_FAILED;
	if (json) {
		printf("{\"container\": ");
		json_str(stdout, j.container);
		printf(", \"from\": ");
		json_str(stdout, j.src);
		printf(", \"to\": ");
		json_str(stdout, j.dst);
		printf(", \"dry_run\": true}\n");
	} else
		out_line(stdout, "would move %s from %s to %s", j.container,
		    j.src, j.dst);
	return CLI_OK;
}

static int
move_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "cold", no_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_move_req q;
	const char *to = NULL, *from = "";
	int c, json = 0;

	if (cli_wants_help(&cmd_move, argc, argv))
		return CLI_OK;
	memset(&q, 0, sizeof(q));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'f': from = optarg; break;
		case 'c': q.flags |= MSG_MOVE_COLD; break;
		case 'n': q.flags |= MSG_MOVE_DRY_RUN; break;
		case 'd': q.flags |= MSG_MOVE_DETACH; break;
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1 || to == NULL) {
		out_line(stderr, "usage: corral move %s", cmd_move.usage);
		return CLI_USAGE;
	}
	if (!conf_valid_name(argv[optind]) || !conf_valid_name(to) ||
	    (from[0] && !conf_valid_name(from))) {
		out_line(stderr, "corral: move: '%s' is not a valid name",
		    !conf_valid_name(argv[optind]) ? argv[optind] :
		    !conf_valid_name(to) ? to : from);
		return CLI_USAGE;
	}
	snprintf(q.ct, sizeof(q.ct), "%s", argv[optind]);
	snprintf(q.to, sizeof(q.to), "%s", to);
	snprintf(q.from, sizeof(q.from), "%s", from);
	if (q.flags & MSG_MOVE_DRY_RUN)
		return dry_run(&q, json);
	return cli_job_run(&rpc, &q, (q.flags & MSG_MOVE_DETACH) != 0,
	    json ? print_json : print_text, NULL);
}

const struct cli_cmd cmd_move = {
	.name = "move",
	.usage = "CONTAINER --to HOST [--from HOST] [--cold] [--dry-run] "
	    "[--detach] [--json]",
	.summary = "move CONTAINER and its config to HOST as a job: hot (copy "
	    "while it runs, stop, last pass, start there) unless --cold or "
	    "stopped; prints the downtime and each step's time",
	.exec = move_exec,
};
