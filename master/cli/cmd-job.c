/* corral job ID [--wait] [--json]: one job, its fields and its steps with
 * their times; --wait follows it to its end first. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "msg.h"
#include "pace.h"
#include "transport.h"

MSG_ENC(msg_job_req)
MSG_DEC(msg_job_detail)

static const struct cli_rpc rpc = {
	.cmd = "job", .type = MSG_CLI_JOB_REQ,
	.enc = msg_job_req_enc, .want = MSG_CLI_JOB,
	.dec = msg_job_detail_dec,
};

/* A step's length: to its end, or until now for the one in progress. */
static int64_t
step_ms(const struct msg_job_step *s)
{
	return (s->ended ? s->ended : realtime_ms()) - s->started;
}

static void
print_json(const struct msg_job_detail *d)
{
	const struct msg_job_step *s;
	size_t i;

	printf("{\"job\": ");
	json_job(stdout, &d->job);
	printf(", \"steps\": [");
	for (i = 0; i < d->n_steps; i++) {
		s = &d->steps[i];
		printf("%s{\"step\": ", i ? ", " : "");
		json_str(stdout, s->step);
		printf(", \"started_ms\": %" PRId64 ", \"ended_ms\": %" PRId64
		    ", \"seconds\": %.3f}", s->started, s->ended,
		    (double)step_ms(s) / 1000);
	}
	printf("]}\n");
}

static void
print_text(const struct msg_job_detail *d)
{
	const struct msg_job *j = &d->job;
	const struct msg_job_step *s;
	char a[64], b[64];
	size_t i;

	out_line(stdout, "job %" PRId64 ": %s%s%s, %s -> %s", j->id, j->kind,
	    j->container[0] ? " " : "", j->container, j->src[0] ? j->src :
	    "-", j->dst[0] ? j->dst : "-");
	out_line(stdout, "state     %s%s", j->state, j->cancel &&
	    strcmp(j->state, "running") == 0 ? " (cancel asked: stops at "
	    "its next safe point)" : "");
	out_line(stdout, "step      %s", j->step[0] ? j->step : "-");
	out_line(stdout, "progress  %s", job_progress(j->bytes_done,
	    j->bytes_total, a, sizeof(a)));
	out_line(stdout, "created   %s", job_time(j->created, a, sizeof(a)));
	out_line(stdout, "started   %s", job_time(j->started, a, sizeof(a)));
	out_line(stdout, "ended     %s", job_time(j->ended, a, sizeof(a)));
	if (j->error[0])
		out_line(stdout, "error     %s", j->error);
	if (j->result[0])
		out_line(stdout, "result    %s", j->result);
	if (d->n_steps == 0)
		return;
	putchar('\n');
	out_line(stdout, "%-16s %-19s %s", "STEP", "STARTED", "DURATION");
	for (i = 0; i < d->n_steps; i++) {
		s = &d->steps[i];
		out_line(stdout, "%-16s %-19s %s%s", s->step,
		    job_time(s->started, a, sizeof(a)),
		    job_duration(step_ms(s), b, sizeof(b)),
		    s->ended ? "" : " (in progress)");
	}
}

/* --wait: its progress, then the job as it ended. */
static int
wait_for(const struct msg_job_req *q, struct msg_job_detail *d)
{
	return cli_job_call(&rpc, q, false, d);
}

static int
job_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_job_req q = { 0 };
	struct msg_job_detail d = { 0 };
	int c, json = 0, rc = CLI_OK;

	if (cli_wants_help(&cmd_job, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'w': q.wait = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		out_line(stderr, "usage: corral job %s", cmd_job.usage);
		return CLI_USAGE;
	}
	if (cli_job_id("job", argv[optind], &q.id) != 0)
		return CLI_USAGE;
	if (q.wait) {
		rc = wait_for(&q, &d);
		if (d.job.id == 0)   /* no answer to show */
			return CLI_FAILED;
	} else if (cli_run(&rpc, &q, &d, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&d);
	else
		print_text(&d);
	msg_job_detail_free(&d);
	return rc;
}

const struct cli_cmd cmd_job = {
	.name = "job",
	.usage = "ID [--wait] [--json]",
	.summary = "show job ID: its kind, container, hosts, state, progress, "
	    "error and its steps with their start times and durations; --wait "
	    "follows it to its end first (exit 1 unless it ends done)",
	.exec = job_exec,
};
