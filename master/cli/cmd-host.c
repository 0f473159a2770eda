/* corral host trust H [--fingerprint SHA256:...]: accept a slave's host
 * key.  The master fetches the key, prints its fingerprint and records it
 * in its known_hosts; a changed key is refused. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_CODECS(msg_trust)

static const struct cli_rpc rpc = {
	.cmd = "host trust", .type = MSG_CLI_TRUST_REQ,
	.enc = msg_trust_enc, .want = MSG_CLI_TRUST, .dec = msg_trust_dec,
};

static int
host_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fingerprint", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_trust q = { .accept = 1 }, a;
	int c;

	if (cli_wants_help(&cmd_host, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f' || strlen(optarg) >= sizeof(q.fingerprint))
			return CLI_USAGE;
		strcpy(q.fingerprint, optarg);
	}
	if (argc - optind != 2 || strcmp(argv[optind], "trust") != 0) {
		out_line(stderr, "usage: corral host %s", cmd_host.usage);
		return CLI_USAGE;
	}
	if (strlen(argv[optind + 1]) >= sizeof(q.host)) {
		out_line(stderr, "corral: host: '%s' is too long for a name",
		    argv[optind + 1]);
		return CLI_USAGE;
	}
	strcpy(q.host, argv[optind + 1]);
	if (cli_run(&rpc, &q, &a, NULL) != 0)
		return CLI_FAILED;
	out_line(stdout, "%s: %s %s", a.host, a.fingerprint,
	    a.accept ? "recorded" : "already trusted");
	return CLI_OK;
}

const struct cli_cmd cmd_host = {
	.name = "host",
	.usage = "trust HOST [--fingerprint SHA256:...]",
	.summary = "record a slave's host key (checked against --fingerprint "
	    "when given); a changed key is refused",
	.exec = host_exec,
};
