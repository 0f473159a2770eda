/* corral CLI: what the job commands print: ids, JSON objects, progress,
 * times. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "msg.h"
#include "proto.h"

MSG_DEC(msg_job_list)

int
cli_job_id(const char *cmd, const char *arg, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = arg[0] >= '0' && arg[0] <= '9' ? strtoll(arg, &end, 10) : 0;
	if (v <= 0 || errno != 0 || *end != '\0') {
		out_line(stderr, "corral: %s: '%s' is not a job id", cmd, arg);
		return -1;
	}
	*id = v;
	return 0;
}

void
json_job(FILE *out, const struct msg_job *j)
{
	fprintf(out, "{\"id\": %" PRId64 ", \"kind\": ", j->id);
	json_str(out, j->kind);
	fprintf(out, ", \"container\": ");
	json_str(out, j->container);
	fprintf(out, ", \"src\": ");
	json_str(out, j->src);
	fprintf(out, ", \"dst\": ");
	json_str(out, j->dst);
	fprintf(out, ", \"state\": ");
	json_str(out, j->state);
	fprintf(out, ", \"step\": ");
	json_str(out, j->step);
	fprintf(out, ", \"bytes_done\": %" PRIu64 ", \"bytes_total\": %"
	    PRIu64 ", \"error\": ", j->bytes_done, j->bytes_total);
	json_str(out, j->error);
	fprintf(out, ", \"cancel_requested\": %s, \"created_ms\": %" PRId64
	    ", \"started_ms\": %" PRId64 ", \"ended_ms\": %" PRId64
	    ", \"result\": ", j->cancel ? "true" : "false", j->created,
	    j->started, j->ended);
	json_str(out, j->result);
	fputc('}', out);
}

const char *
job_result_get(const struct msg_job *j, const char *key, char *buf,
    size_t len)
{
	return msg_kv_get(j->result, key, buf, len);
}

uint64_t
job_result_u64(const struct msg_job *j, const char *key)
{
	char v[32];

	return strtoull(job_result_get(j, key, v, sizeof(v)), NULL, 10);
}

static double
step_s(const struct msg_job_step *s)
{
	return s->ended ? (double)(s->ended - s->started) / 1000 : 0;
}

double
job_total_s(const struct msg_job *j)
{
	return j->ended && j->started ? (double)(j->ended - j->started) / 1000
	    : 0;
}

void
json_job_steps(FILE *out, const struct msg_job_detail *d)
{
	size_t i;

	fprintf(out, "\"steps\": [");
	for (i = 0; i < d->n_steps; i++) {
		fprintf(out, "%s{\"step\": ", i ? ", " : "");
		json_str(out, d->steps[i].step);
		fprintf(out, ", \"seconds\": %.3f}", step_s(&d->steps[i]));
	}
	fputc(']', out);
}

void
job_steps_text(FILE *out, const struct msg_job_detail *d)
{
	size_t i;

	for (i = 0; i < d->n_steps; i++)
		out_line(out, "  %-14s %8.3f s", d->steps[i].step,
		    step_s(&d->steps[i]));
}

const char *
job_progress(uint64_t done, uint64_t total, char *buf, size_t len)
{
	char a[16], b[16];

	if (total > 0)
		snprintf(buf, len, "%" PRIu64 "%% %s/%s",
		    (done > total ? total : done) * 100 / total,
		    human_size(done, a, sizeof(a)),
		    human_size(total, b, sizeof(b)));
	else if (done > 0)
		snprintf(buf, len, "%s", human_size(done, a, sizeof(a)));
	else
		snprintf(buf, len, "-");
	return buf;
}

const char *
job_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

const char *
job_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		ms = s = 0;
	if (s < 60)
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60,
		    s % 60);
	else
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s / 60 % 60);
	return buf;
}

static int
print_queued(const char *cmd, const struct msg_job_list *l, bool json)
{
	int rc = CLI_OK;
	size_t i, shown = 0;

	if (json)
		printf("[");
	for (i = 0; i < l->n; i++) {
		const struct msg_job *j = &l->v[i];

		if (j->id == 0) {
			out_line(stderr, "corral: %s: %s", cmd, j->error);
			if (strcmp(j->state, "done") != 0)
				rc = CLI_FAILED;
		} else if (json) {
			printf("%s", shown++ ? ", " : "");
			json_job(stdout, j);
		} else
			printf("%" PRId64 "\n", j->id);
	}
	if (json)
		printf("]\n");
	return rc;
}

int
cli_run_queued(const struct cli_rpc *x, const void *req, bool json)
{
	struct cli_rpc d = *x;
	struct msg_job_list l = { 0 };
	int rc;

	d.want = MSG_CLI_JOBS;
	d.dec = msg_job_list_dec;
	if (cli_run(&d, req, &l, NULL) != 0)
		return CLI_FAILED;
	rc = print_queued(x->cmd, &l, json);
	msg_job_list_free(&l);
	return rc;
}
