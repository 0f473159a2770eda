/* corral host trust H [--fingerprint SHA256:...]: accept a slave's host
 * key.  The master fetches the key, prints its fingerprint and records it
 * in its known_hosts; a changed key is refused. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "transport.h"

static int
host_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fingerprint", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_trust q = { .accept = 1 }, a;
	struct transport t;
	struct frame f;
	struct cbuf *b = NULL;
	int c, rc = CLI_FAILED;

	if (cli_wants_help(&cmd_host, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f' || strlen(optarg) >= sizeof(q.fingerprint))
			return CLI_USAGE;
		strcpy(q.fingerprint, optarg);
	}
	if (argc - optind != 2 || strcmp(argv[optind], "trust") != 0) {
		fprintf(stderr, "usage: corral host %s\n", cmd_host.usage);
		return CLI_USAGE;
	}
	if (strlen(argv[optind + 1]) >= sizeof(q.host)) {
		fprintf(stderr, "corral: host: '%s' is too long for a name\n",
		    argv[optind + 1]);
		return CLI_USAGE;
	}
	strcpy(q.host, argv[optind + 1]);
	if (cli_connect(&t) != 0)
		return CLI_FAILED;
	if ((b = cbuf_new(512)) == NULL || msg_trust_encode(b, &q) != 0)
		goto out;
	if (cli_call(&t, "host trust", MSG_CLI_TRUST_REQ, b, MSG_CLI_TRUST,
	    &f) != 0)
		goto out;
	if (msg_trust_decode(f.payload, &a) != 0) {
		fprintf(stderr, "corral: host trust: malformed reply\n");
		frame_clear(&f);
		goto out;
	}
	frame_clear(&f);
	printf("%s: %s %s\n", a.host, a.fingerprint,
	    a.accept ? "recorded" : "already trusted");
	rc = CLI_OK;
out:
	cbuf_free(b);
	cli_disconnect(&t);
	return rc;
}

const struct cli_cmd cmd_host = {
	.name = "host",
	.usage = "trust HOST [--fingerprint SHA256:...]",
	.summary = "record a slave's host key (checked against --fingerprint "
	    "when given); a changed key is refused",
	.exec = host_exec,
};
