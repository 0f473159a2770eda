/* corral backups [CONTAINER] [--json]: the versions in the master's store,
 * each with how it was taken, its size, the new space it took and when it
 * was last checked good. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_DEC(msg_version_list)

static int
name_enc(struct cbuf *b, const void *m)
{
	return msg_name_encode(b, m);
}

static const struct cli_rpc rpc = {
	.cmd = "backups", .type = MSG_CLI_BACKUPS_REQ, .enc = name_enc,
	.want = MSG_CLI_BACKUPS, .dec = msg_version_list_dec,
};

static void
print_json(const struct msg_version_list *l)
{
	const struct msg_version *v;
	char t[32];
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		v = &l->v[i];
		printf("%s\n  {\"container\": ", i ? "," : "");
		json_str(stdout, v->ct);
		printf(", \"version\": ");
		json_str(stdout, v->version);
		printf(", \"created\": \"%s\", \"kind\": ",
		    iso_utc(v->created, t, sizeof(t)));
		json_str(stdout, v->kind);
		printf(", \"host\": ");
		json_str(stdout, v->host);
		printf(", \"method\": ");
		json_str(stdout, v->method);
		printf(", \"files\": %" PRIu64 ", \"bytes\": %" PRIu64
		    ", \"stored\": %" PRIu64 ", \"verified\": ", v->files,
		    v->bytes, v->stored);
		if (v->verified != 0)
			printf("\"%s\"", iso_utc(v->verified, t, sizeof(t)));
		else
			printf("null");
		printf(", \"bad\": %s}", v->bad ? "true" : "false");
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static void
print_table(const struct msg_version_list *l)
{
	char c[32], ver[32], b[16], s[16];
	const struct msg_version *v;
	size_t i;

	out_line(stdout, "%-16s %-20s %-20s %-4s %-12s %8s %7s %7s %s",
	    "CONTAINER", "VERSION", "CREATED", "KIND", "HOST", "FILES",
	    "BYTES", "STORED", "VERIFIED");
	for (i = 0; i < l->n; i++) {
		v = &l->v[i];
		if (v->bad)
			snprintf(ver, sizeof(ver), "BAD");
		else if (v->verified == 0)
			snprintf(ver, sizeof(ver), "never");
		else
			iso_utc(v->verified, ver, sizeof(ver));
		out_line(stdout, "%-16s %-20s %-20s %-4s %-12s %8" PRIu64
		    " %7s %7s %s", v->ct, v->version,
		    iso_utc(v->created, c, sizeof(c)), v->kind, v->host,
		    v->files, human_size(v->bytes, b, sizeof(b)),
		    human_size(v->stored, s, sizeof(s)), ver);
	}
}

static int
backups_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_version_list l = { 0 };
	char ct[PROTO_NAME_MAX] = "";
	int c, json = 0;

	if (cli_wants_help(&cmd_backups, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind > 1) {
		out_line(stderr, "corral: backups: unexpected argument '%s'",
		    argv[optind + 1]);
		return CLI_USAGE;
	}
	if (optind < argc && cli_ct_arg("backups", argv[optind], ct) != 0)
		return CLI_USAGE;
	if (cli_run(&rpc, ct, &l, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&l);
	else
		print_table(&l);
	msg_version_list_free(&l);
	return CLI_OK;
}

const struct cli_cmd cmd_backups = {
	.name = "backups",
	.usage = "[CONTAINER] [--json]",
	.summary = "list the versions in the master's store: created, kind "
	    "(hot, cold, get), host, files, bytes, new space stored, last "
	    "good check",
	.exec = backups_exec,
};
