/* corral CLI: a plan of moves (corral balance, corral host drain) as text
 * or JSON (the fields are corral(1)'s). */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "msg.h"

static void
json_opt_str(FILE *out, const char *s)
{
	if (s[0])
		json_str(out, s);
	else
		fputs("null", out);
}

/* A drain's arrivals, as the "arriving" field. */
static void
json_arrivals(FILE *out, const struct msg_plan *m)
{
	const struct msg_plan_arrival *a;
	size_t i;

	fprintf(out, ", \"arriving\": [");
	for (i = 0; i < m->n_a; i++) {
		a = &m->a[i];
		fprintf(out, "%s\n  {\"job\": %" PRId64 ", \"kind\": ",
		    i ? "," : "", a->job);
		json_str(out, a->kind);
		fprintf(out, ", \"container\": ");
		json_str(out, a->ct);
		fprintf(out, ", \"state\": ");
		json_str(out, a->state);
		fprintf(out, ", \"note\": ");
		json_str(out, a->note);
		fputc('}', out);
	}
	fprintf(out, "%s]", m->n_a ? "\n" : "");
}

void
plan_print_json(FILE *out, const struct msg_plan *m, bool drain)
{
	const struct msg_plan_move *v;
	size_t i;

	fprintf(out, "{\"imbalance_before\": %.3f, \"imbalance_after\": %.3f, "
	    "\"error\": ", m->imbalance_before / 1000.0,
	    m->imbalance_after / 1000.0);
	json_opt_str(out, m->error);
	fprintf(out, ", \"moves\": [");
	for (i = 0; i < m->n; i++) {
		v = &m->v[i];
		fprintf(out, "%s\n  {\"container\": ", i ? "," : "");
		json_str(out, v->ct);
		fprintf(out, ", \"from\": ");
		json_str(out, v->from);
		fprintf(out, ", \"to\": ");
		json_opt_str(out, v->to);
		fprintf(out, ", \"from_before\": %.3f, \"from_after\": %.3f, "
		    "\"to_before\": %.3f, \"to_after\": %.3f, \"gain\": %.3f, "
		    "\"job\": ", v->from_before / 1000.0,
		    v->from_after / 1000.0, v->to_before / 1000.0,
		    v->to_after / 1000.0, v->gain / 1000.0);
		if (v->job)
			fprintf(out, "%" PRId64, v->job);
		else
			fputs("null", out);
		fprintf(out, ", \"note\": ");
		json_str(out, v->note);
		fputc('}', out);
	}
	fprintf(out, "%s]", m->n ? "\n" : "");
	if (drain)
		json_arrivals(out, m);
	fprintf(out, "}\n");
}

void
plan_print_text(FILE *out, const struct msg_plan *m, bool scores)
{
	const struct msg_plan_move *v;
	char job[32];
	size_t i;

	if (scores)
		out_line(out, "%-20s %-14s %-14s %15s %15s %9s %6s %s",
		    "CONTAINER", "FROM", "TO", "FROM BEFORE>AFTER",
		    "TO BEFORE>AFTER", "GAIN", "JOB", "NOTE");
	else
		out_line(out, "%-20s %-14s %-14s %6s %s", "CONTAINER", "FROM",
		    "TO", "JOB", "NOTE");
	for (i = 0; i < m->n; i++) {
		v = &m->v[i];
		if (v->job)
			snprintf(job, sizeof(job), "%" PRId64, v->job);
		else
			snprintf(job, sizeof(job), "-");
		if (scores)
			out_line(out, "%-20s %-14s %-14s %7.2f>%-7.2f "
			    "%7.2f>%-7.2f %9.2f %6s %s", v->ct, v->from,
			    v->to[0] ? v->to : "-", v->from_before / 1000.0,
			    v->from_after / 1000.0, v->to_before / 1000.0,
			    v->to_after / 1000.0, v->gain / 1000.0, job,
			    v->note);
		else
			out_line(out, "%-20s %-14s %-14s %6s %s", v->ct,
			    v->from, v->to[0] ? v->to : "-", job, v->note);
	}
	if (scores)
		out_line(out, "imbalance %.2f -> %.2f with %zu moves",
		    m->imbalance_before / 1000.0, m->imbalance_after / 1000.0,
		    m->n);
	for (i = 0; i < m->n_a; i++)
		out_line(out, "job %" PRId64 " %s %s: %s", m->a[i].job,
		    m->a[i].kind, m->a[i].ct, m->a[i].note);
	if (m->error[0])
		out_line(stderr, "corral: stopped: %s", m->error);
}
