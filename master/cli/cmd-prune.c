/* corral prune [CONTAINER] [--dry-run] [--json]: retention (corral.conf
 * keep_last, keep_daily, keep_weekly, keep_monthly) applied to the store's
 * versions of one container or all: each version, kept and why, or gone
 * (with --dry-run: would go). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_prune_req)
MSG_DEC(msg_prune_list)

static const struct cli_rpc rpc = {
	.cmd = "prune", .type = MSG_CLI_PRUNE_REQ, .enc = msg_prune_req_enc,
	.want = MSG_CLI_PRUNE, .dec = msg_prune_list_dec,
};

/* keep, remove (dry run), removed, failed */
static const char *
action(const struct msg_prune_rec *r, bool dry_run)
{
	if (r->keep)
		return "keep";
	if (dry_run)
		return "remove";
	return r->removed ? "removed" : "failed";
}

static void
print_json(const struct msg_prune_list *l, bool dry_run)
{
	const struct msg_prune_rec *r;
	char t[32];
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		r = &l->v[i];
		printf("%s\n  {\"container\": ", i ? "," : "");
		json_str(stdout, r->ct);
		printf(", \"version\": ");
		json_str(stdout, r->version);
		printf(", \"created\": \"%s\", \"action\": \"%s\", "
		    "\"reason\": ", iso_utc(r->created, t, sizeof(t)),
		    action(r, dry_run));
		json_str(stdout, r->reason);
		printf("}");
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static void
print_table(const struct msg_prune_list *l, bool dry_run)
{
	const struct msg_prune_rec *r;
	char t[32];
	size_t i;

	out_line(stdout, "%-16s %-20s %-20s %-7s %s", "CONTAINER", "VERSION",
	    "CREATED", "ACTION", "REASON");
	for (i = 0; i < l->n; i++) {
		r = &l->v[i];
		out_line(stdout, "%-16s %-20s %-20s %-7s %s", r->ct,
		    r->version, iso_utc(r->created, t, sizeof(t)),
		    action(r, dry_run), r->reason);
	}
}

static int
prune_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_prune_list l = { 0 };
	struct msg_prune_req q;
	bool dry_run = false;
	int c, json = 0, rc = CLI_OK;
	size_t i;

	memset(&q, 0, sizeof(q));
	if (cli_wants_help(&cmd_prune, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'n': dry_run = true; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind > 1) {
		out_line(stderr, "corral: prune: unexpected argument '%s'",
		    argv[optind + 1]);
		return CLI_USAGE;
	}
	if (optind < argc && cli_ct_arg("prune", argv[optind], q.ct) != 0)
		return CLI_USAGE;
	q.flags = dry_run ? MSG_PRUNE_DRY_RUN : 0;
	if (cli_run(&rpc, &q, &l, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&l, dry_run);
	else
		print_table(&l, dry_run);
	for (i = 0; i < l.n; i++)
		if (!dry_run && !l.v[i].keep && !l.v[i].removed) {
			out_line(stderr, "corral: prune: %s %s: %s",
			    l.v[i].ct, l.v[i].version, l.v[i].reason);
			rc = CLI_FAILED;
		}
	msg_prune_list_free(&l);
	return rc;
}

const struct cli_cmd cmd_prune = {
	.name = "prune",
	.usage = "[CONTAINER] [--dry-run] [--json]",
	.summary = "apply retention (corral.conf keep_*) to the store: each "
	    "version kept and why, or removed; --dry-run only says so",
	.exec = prune_exec,
};
