/* corral CLI: waiting for a job: its progress drawn as it runs, then its
 * outcome (see cli_job_wait in cli.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cerr.h"
#include "cli.h"
#include "escape.h"
#include "frame.h"
#include "msg.h"
#include "pace.h"
#include "transport.h"

#define PLAIN_EVERY_MS 10000   /* not a terminal: a line this often */
#define RATE_SAMPLE_MS 1000    /* the rate is measured over this at least */

struct meter {
	bool tty, shown;
	int64_t id;
	char step[MSG_JOB_STEP_MAX];
	int64_t line_at;           /* a plain line's time */
	int64_t sample_at;         /* the rate's last sample */
	uint64_t sample_bytes;
	double rate;               /* bytes a second, 0 unknown */
};

/* " 85.0M/s ETA 0:18" (or less of it) into buf. */
static void
rate_eta(const struct meter *m, const struct msg_job_progress *p, char *buf,
    size_t len)
{
	char r[16];
	uint64_t left, s;

	buf[0] = '\0';
	if (m->rate <= 0)
		return;
	human_size((uint64_t)m->rate, r, sizeof(r));
	if (p->bytes_total <= p->bytes_done) {
		snprintf(buf, len, " %s/s", r);
		return;
	}
	left = p->bytes_total - p->bytes_done;
	s = (uint64_t)((double)left / m->rate);
	if (s >= 3600)
		snprintf(buf, len, " %s/s ETA %" PRIu64 ":%02" PRIu64 ":%02"
		    PRIu64, r, s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, " %s/s ETA %" PRIu64 ":%02" PRIu64, r,
		    s / 60, s % 60);
}

/* The rate, smoothed over samples a second or more apart; a new step
 * starts it again. */
static void
measure(struct meter *m, const struct msg_job_progress *p, int64_t now)
{
	double inst;

	if (strcmp(m->step, p->step) != 0 || p->bytes_done < m->sample_bytes) {
		m->sample_at = now;
		m->sample_bytes = p->bytes_done;
		m->rate = 0;
		return;
	}
	if (now - m->sample_at < RATE_SAMPLE_MS)
		return;
	inst = (double)(p->bytes_done - m->sample_bytes) * 1000 /
	    (double)(now - m->sample_at);
	m->rate = m->rate > 0 ? 0.7 * m->rate + 0.3 * inst : inst;
	m->sample_at = now;
	m->sample_bytes = p->bytes_done;
}

static void
draw(struct meter *m, const struct msg_job_progress *p)
{
	char prog[64], re[64], step[4 * MSG_JOB_STEP_MAX];
	int64_t now = monotonic_ms();
	bool new_step;

	measure(m, p, now);
	new_step = strcmp(m->step, p->step) != 0;
	memcpy(m->step, p->step, sizeof(m->step));
	job_progress(p->bytes_done, p->bytes_total, prog, sizeof(prog));
	rate_eta(m, p, re, sizeof(re));
	if (m->tty) {
		/* one line, redrawn; \033[K clears what a longer one left;
		 * the master's text goes out escaped, as out_line() would */
		fprintf(stderr, "\r[%s] %s%s\033[K", p->step[0] ?
		    str_escaped(step, sizeof(step), p->step) : "starting",
		    strcmp(prog, "-") ? prog : "", re);
		m->shown = true;
		return;
	}
	if (!new_step && now - m->line_at < PLAIN_EVERY_MS)
		return;
	m->line_at = now;
	out_line(stderr, "job %" PRId64 ": %s %s%s", m->id, p->step[0] ?
	    p->step : "starting", prog, re);
}

/* The line that draw() keeps is ended before anything else is printed. */
static void
end_line(struct meter *m)
{
	if (m->shown)
		fprintf(stderr, "\n");
	m->shown = false;
}

/* "KIND CONTAINER SRC[ -> DST]" of j into buf. */
static const char *
job_what(const struct msg_job *j, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s%s%s", j->kind, j->container, j->src,
	    j->dst[0] ? " -> " : "", j->dst);
	return buf;
}

void
cli_job_news(const struct frame *f, void *arg)
{
	const struct cli_news *n = arg;
	struct msg_job_detail d;
	char what[4 * PROTO_NAME_MAX];
	const struct msg_job *j = &d.job;

	if (n == NULL || n->quiet)
		return;
	if (f->h.type == MSG_CLI_JOB_QUEUED) {
		if (isatty(STDERR_FILENO) != 1 &&
		    msg_job_decode(f->payload, &d.job) == 0)
			out_line(stderr, "job %" PRId64 " queued: %s", j->id,
			    job_what(j, what, sizeof(what)));
		return;
	}
	if (msg_job_detail_decode(f->payload, &d) != 0)
		return;
	job_what(j, what, sizeof(what));
	if (strcmp(j->state, "failed") == 0)
		out_line(stderr, "job %" PRId64 " failed during %s: %s: %s",
		    j->id, j->step[0] ? j->step : "its start", what, j->error);
	else
		out_line(stderr, "job %" PRId64 " %s%s%s: %s", j->id, j->state,
		    strcmp(j->state, "done") && j->step[0] ? " during " : "",
		    strcmp(j->state, "done") ? j->step : "", what);
	msg_job_detail_free(&d);
}

/* 0 for a job that ended done, else 1 and its outcome printed. */
static int
outcome(const char *cmd, const struct msg_job *j)
{
	if (strcmp(j->state, "done") == 0)
		return CLI_OK;
	if (strcmp(j->state, "failed") == 0)
		out_line(stderr, "corral: %s: job %" PRId64 " failed during "
		    "%s: %s", cmd, j->id, j->step[0] ? j->step : "its start",
		    j->error);
	else
		out_line(stderr, "corral: %s: job %" PRId64 " %s%s%s", cmd,
		    j->id, j->state, j->step[0] ? " during " : "", j->step);
	return CLI_FAILED;
}

int
cli_job_wait(struct transport *t, const char *cmd, bool detach,
    struct msg_job_detail *out)
{
	struct meter m = { .tty = isatty(STDERR_FILENO) == 1 };
	struct msg_job_progress p;
	struct msg_job_detail d;
	struct msg_job q;
	struct frame f = { 0 };
	int r, rc = CLI_FAILED;
	bool bad = false;

	while ((r = frame_read(t, &f)) == 0) {
		if (f.h.type == MSG_CLI_JOB_QUEUED) {
			if ((bad = msg_job_decode(f.payload, &q) != 0))
				break;
			m.id = q.id;
			if (detach) {
				printf("%" PRId64 "\n", q.id);
				rc = CLI_OK;
				goto out;
			}
			out_line(stderr, "job %" PRId64 " queued", q.id);
		} else if (f.h.type == MSG_CLI_JOB_PROGRESS) {
			if ((bad = msg_job_progress_decode(f.payload,
			    &p) != 0))
				break;
			m.id = p.id;
			draw(&m, &p);
		} else
			break;
		frame_clear(&f);
	}
	end_line(&m);
	if (r != 0)
		out_line(stderr, "corral: %s: corral-master: %s", cmd,
		    cerr_str(r));
	else if (f.h.type == MSG_ERROR)
		cli_print_error(cmd, &f);
	else if (bad)
		out_line(stderr, "corral: %s: malformed %s", cmd,
		    proto_msg_name(f.h.type));
	else if (f.h.type != MSG_CLI_JOB)
		out_line(stderr, "corral: %s: corral-master answered %s", cmd,
		    proto_msg_name(f.h.type));
	else if (msg_job_detail_decode(f.payload, &d) != 0)
		out_line(stderr, "corral: %s: malformed reply", cmd);
	else {
		rc = outcome(cmd, &d.job);
		if (out != NULL)
			*out = d;
		else
			msg_job_detail_free(&d);
	}
out:
	frame_clear(&f);
	return rc;
}

int
cli_job_call(const struct cli_rpc *x, const void *req, bool detach,
    struct msg_job_detail *out)
{
	struct transport t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cli_connect(&t) != 0)
		return CLI_FAILED;
	if (cli_send(&t, x, req) != 0) {
		out_line(stderr, "corral: %s: cannot send the request", x->cmd);
		cli_disconnect(&t);
		return CLI_FAILED;
	}
	rc = cli_job_wait(&t, x->cmd, detach, out);
	cli_disconnect(&t);
	return rc;
}

int
cli_job_run(const struct cli_rpc *x, const void *req, bool detach,
    void (*print)(const struct msg_job_detail *d, void *arg), void *arg)
{
	struct msg_job_detail d;
	int rc;

	rc = cli_job_call(x, req, detach, &d);
	if (rc == CLI_OK && d.job.id != 0 && strcmp(d.job.state, "done") == 0)
		print(&d, arg);
	msg_job_detail_free(&d);
	return rc;
}
