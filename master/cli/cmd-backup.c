/* corral backup [--host H] [CONTAINER...] [--dry-run|--detach] [--json]:
 * every container of backup.conf (or those named) into the master's store
 * as a new version, each its own job of kind backup, in parallel within
 * the job limits, each job on stderr as it ends (cli_job_news); then the
 * report: each container's version, files, bytes sent, new space stored
 * and time, or why it was skipped, refused or failed.  --dry-run prints
 * the plan; --detach the jobs' ids once queued. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_backup_req)
MSG_DEC(msg_backup_list)

static const struct cli_rpc rpc = {
	.cmd = "backup", .type = MSG_CLI_BACKUP_REQ, .enc = msg_backup_req_enc,
	.want = MSG_CLI_BACKUP, .dec = msg_backup_list_dec,
};

static void
print_json(const struct msg_backup_list *l, bool dry_run)
{
	const struct msg_backup_item *it;
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		printf("%s\n  {\"container\": ", i ? "," : "");
		json_str(stdout, it->ct);
		printf(", \"host\": ");
		if (it->host[0])
			json_str(stdout, it->host);
		else
			printf("null");
		printf(", \"mode\": ");
		json_str(stdout, it->mode);
		printf(", \"result\": ");
		json_str(stdout, it->outcome);
		printf(", \"dry_run\": %s", dry_run ? "true" : "false");
		if (!dry_run) {
			printf(", \"job\": %" PRId64 ", \"version\": ", it->job);
			if (it->version[0])
				json_str(stdout, it->version);
			else
				printf("null");
			printf(", \"files\": %" PRIu64 ", \"bytes\": %" PRIu64
			    ", \"bytes_sent\": %" PRIu64 ", \"bytes_stored\": %"
			    PRIu64 ", \"seconds\": %.3f", it->files, it->bytes,
			    it->wire, it->stored, (double)it->ms / 1000.0);
		}
		printf(", \"reason\": ");
		if (it->reason[0])
			json_str(stdout, it->reason);
		else
			printf("null");
		printf("}");
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static void
print_table(const struct msg_backup_list *l, bool dry_run)
{
	const struct msg_backup_item *it;
	char w[16], s[16], t[32];
	size_t i;

	if (dry_run)
		out_line(stdout, "%-16s %-12s %-4s %-8s %s", "CONTAINER", "HOST",
		    "MODE", "PLAN", "WHY");
	else
		out_line(stdout, "%-16s %-12s %-4s %-9s %-20s %8s %7s %7s %8s "
		    "%s", "CONTAINER", "HOST", "MODE", "RESULT", "VERSION",
		    "FILES", "SENT", "STORED", "TIME", "WHY");
	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (dry_run) {
			out_line(stdout, "%-16s %-12s %-4s %-8s %s", it->ct,
			    it->host[0] ? it->host : "-", it->mode,
			    it->outcome, it->reason);
			continue;
		}
		snprintf(t, sizeof(t), "%.1fs", (double)it->ms / 1000.0);
		out_line(stdout, "%-16s %-12s %-4s %-9s %-20s %8" PRIu64
		    " %7s %7s %8s %s", it->ct, it->host[0] ? it->host : "-",
		    it->mode, it->outcome, it->version[0] ? it->version : "-",
		    it->files, human_size(it->wire, w, sizeof(w)),
		    human_size(it->stored, s, sizeof(s)), it->job ? t : "-",
		    it->reason);
	}
}

/* skipped (a cold container that runs) is what backup.conf asks for;
 * the rest but done and planned is a failure of the run */
static bool
failed(const struct msg_backup_item *it)
{
	return strcmp(it->outcome, "done") != 0 &&
	    strcmp(it->outcome, "planned") != 0 &&
	    strcmp(it->outcome, "skipped") != 0;
}

static int
backup_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_backup_list l = { 0 };
	struct msg_backup_req *q;
	struct cli_rpc x = rpc;
	struct cli_news news = { .quiet = false };
	bool dry_run = false, detach = false;
	int c, json = 0, rc = CLI_USAGE;
	size_t i;

	if (cli_wants_help(&cmd_backup, argc, argv))
		return CLI_OK;
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		out_line(stderr, "corral: backup: out of memory");
		return CLI_FAILED;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'n': dry_run = true; break;
		case 'D': detach = true; break;
		case 'H':
			if (strlen(optarg) >= sizeof(q->host)) {
				out_line(stderr, "corral: backup: host name "
				    "'%.64s...' is too long", optarg);
				goto out;
			}
			snprintf(q->host, sizeof(q->host), "%s", optarg);
			break;
		default: goto out;
		}
	}
	if (argc - optind > MSG_BACKUP_NAMES_MAX) {
		out_line(stderr, "corral: backup: more than %d containers "
		    "named", MSG_BACKUP_NAMES_MAX);
		goto out;
	}
	for (; optind < argc; optind++)
		if (cli_ct_arg("backup", argv[optind], q->names[q->n++]) != 0)
			goto out;
	if (dry_run && detach) {
		out_line(stderr, "corral: backup: --dry-run and --detach "
		    "exclude each other");
		goto out;
	}
	q->flags = dry_run ? MSG_BACKUP_DRY_RUN : 0;
	if (detach) {
		q->flags |= MSG_BACKUP_DETACH;
		rc = cli_run_queued(&rpc, q, json);
		goto out;
	}
	rc = CLI_FAILED;
	x.news = cli_job_news;
	news.quiet = json;
	if (cli_run(&x, q, &l, &news) != 0)
		goto out;
	if (json)
		print_json(&l, dry_run);
	else
		print_table(&l, dry_run);
	/* an empty report is a question an admin asks next: why */
	if (l.n == 0 && q->n == 0)
		out_line(stderr, "corral: backup: %s%s: nothing to do",
		    q->host[0] ? "no container of backup.conf on " :
		    "backup.conf lists no container", q->host);
	rc = CLI_OK;
	for (i = 0; i < l.n; i++)
		if (failed(&l.v[i])) {
			out_line(stderr, "corral: backup: %s%s%s: %s: %s",
			    l.v[i].ct, l.v[i].host[0] ? " on " : "",
			    l.v[i].host, l.v[i].outcome, l.v[i].reason);
			rc = CLI_FAILED;
		}
	msg_backup_list_free(&l);
out:
	free(q);
	return rc;
}

const struct cli_cmd cmd_backup = {
	.name = "backup",
	.usage = "[--host HOST] [CONTAINER...] [--dry-run|--detach] [--json]",
	.summary = "back up every container of backup.conf (or those named) "
	    "into the master's store, each a job (hot: through its snapshot; "
	    "cold: only when stopped), each on stderr as it ends; then the "
	    "report; --dry-run: the plan; --detach: the jobs' ids, at once",
	.exec = backup_exec,
};
