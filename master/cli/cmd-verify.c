/* corral verify CONTAINER [--version V] [--json]: re-read a version of the
 * master's store (the newest by default) against its manifest; every
 * damaged, missing or extra file is named and the version marked bad
 * (exit 1). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_verify_req)
MSG_DEC(msg_verify)

static const struct cli_rpc rpc = {
	.cmd = "verify", .type = MSG_CLI_VERIFY_REQ, .enc = msg_verify_req_enc,
	.want = MSG_CLI_VERIFY, .dec = msg_verify_dec,
};

static void
print_json(const struct msg_verify *a)
{
	size_t i;

	printf("{\"container\": ");
	json_str(stdout, a->ct);
	printf(", \"version\": ");
	json_str(stdout, a->version);
	printf(", \"good\": %s, \"problems\": %" PRIu32 ", \"error\": ",
	    a->good ? "true" : "false", a->problems);
	if (a->error[0])
		json_str(stdout, a->error);
	else
		printf("null");
	printf(", \"files\": [");
	for (i = 0; i < a->n; i++) {
		printf("%s\n  {\"path\": ", i ? "," : "");
		json_str(stdout, a->v[i].path);
		printf(", \"problem\": ");
		json_str(stdout, a->v[i].what);
		printf("}");
	}
	printf("%s]}\n", a->n ? "\n" : "");
}

static void
print_text(const struct msg_verify *a)
{
	size_t i;

	if (a->good) {
		out_line(stdout, "%s %s: good", a->ct, a->version);
		return;
	}
	for (i = 0; i < a->n; i++)
		out_line(stdout, "%s %s: %s: %s", a->ct, a->version,
		    a->v[i].path, a->v[i].what);
	if (a->problems > a->n)
		out_line(stdout, "%s %s: ... and %" PRIu32 " more", a->ct,
		    a->version, a->problems - (uint32_t)a->n);
	out_line(stderr, "corral: verify: %s %s is bad: %" PRIu32
	    " problem(s)%s%s; marked bad", a->ct, a->version, a->problems,
	    a->error[0] ? ", " : "", a->error);
}

static int
verify_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "version", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_verify_req q;
	struct msg_verify a;
	int c, json = 0, rc;

	memset(&q, 0, sizeof(q));
	if (cli_wants_help(&cmd_verify, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'v':
			if (strlen(optarg) >= sizeof(q.version)) {
				out_line(stderr, "corral: verify: '%.40s...' "
				    "is not a version name", optarg);
				return CLI_USAGE;
			}
			snprintf(q.version, sizeof(q.version), "%s", optarg);
			break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		out_line(stderr, "corral: verify: usage: corral verify %s",
		    cmd_verify.usage);
		return CLI_USAGE;
	}
	if (cli_ct_arg("verify", argv[optind], q.ct) != 0)
		return CLI_USAGE;
	if (cli_run(&rpc, &q, &a, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&a);
	else
		print_text(&a);
	rc = a.good ? CLI_OK : CLI_FAILED;
	msg_verify_free(&a);
	return rc;
}

const struct cli_cmd cmd_verify = {
	.name = "verify",
	.usage = "CONTAINER [--version V] [--json]",
	.summary = "check a version of the store (the newest by default) "
	    "file by file against its manifest; a damaged one is named and "
	    "the version marked bad (exit 1)",
	.exec = verify_exec,
};
