/* corral host trust H [--fingerprint SHA256:...]: accept a slave's host
 * key.  The master fetches the key and records it in its known_hosts; a
 * changed key is refused.  Without --fingerprint the key is shown and
 * recorded only when the admin says yes on a terminal: a script must name
 * the key it trusts. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "msg.h"

MSG_CODECS(msg_trust)

static const struct cli_rpc rpc = {
	.cmd = "host trust", .type = MSG_CLI_TRUST_REQ,
	.enc = msg_trust_enc, .want = MSG_CLI_TRUST, .dec = msg_trust_dec,
};

/* No fingerprint given: show the key and ask on the terminal; on yes, q
 * names the key shown, so a key swapped meanwhile is refused. */
static int
confirm(struct msg_trust *q)
{
	struct msg_trust a;
	char answer[16] = "";
	int tty;

	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO) ||
	    (tty = open("/dev/tty", O_RDONLY | O_CLOEXEC)) < 0) {
		out_line(stderr, "corral: host trust: %s: give --fingerprint "
		    "SHA256:... (corral-slave -F prints it on the slave): "
		    "without a terminal to confirm on, no key is trusted",
		    q->host);
		return CLI_USAGE;
	}
	q->accept = 0;
	if (cli_run(&rpc, q, &a, NULL) != 0) {
		close(tty);
		return CLI_FAILED;
	}
	fprintf(stderr, "%s: host key %s\nCompare it with `corral-slave -F` "
	    "on %s.  Trust it? [y/N] ", q->host, a.fingerprint, q->host);
	fflush(stderr);
	if (read(tty, answer, sizeof(answer) - 1) <= 0 ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		close(tty);
		out_line(stderr, "corral: host trust: %s: not trusted", q->host);
		return CLI_FAILED;
	}
	close(tty);
	snprintf(q->fingerprint, sizeof(q->fingerprint), "%s", a.fingerprint);
	q->accept = 1;
	return CLI_OK;
}

/* host drain's arguments at most: its verb, host and options */
#define HOST_ARGS_MAX 16

static int
host_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fingerprint", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_trust q = { .accept = 1 }, a;
	char *v[HOST_ARGS_MAX + 1];
	int c, i, k, verb = 0;

	/* the verb, wherever the options put it (options go anywhere) */
	for (i = 1; i < argc && verb == 0; i++)
		if (strcmp(argv[i], "--fingerprint") == 0)
			i++;
		else if (argv[i][0] != '-')
			verb = i;
	if (verb > 0 && (strcmp(argv[verb], "drain") == 0 ||
	    strcmp(argv[verb], "undrain") == 0) && argc <= HOST_ARGS_MAX &&
	    !cli_wants_help(&cmd_host, argc, argv)) {
		v[0] = argv[verb];
		for (i = 1, k = 1; i < argc; i++)
			if (i != verb)
				v[k++] = argv[i];
		v[k] = NULL;
		return host_drain_exec(k, v);
	}
	if (cli_wants_help(&cmd_host, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return CLI_USAGE;
		if (strlen(optarg) >= sizeof(q.fingerprint)) {
			out_line(stderr, "corral: host: fingerprint '%.16s...' "
			    "is too long", optarg);
			return CLI_USAGE;
		}
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
	if (q.fingerprint[0] == '\0') {
		if ((c = confirm(&q)) != CLI_OK)
			return c;
	}
	if (cli_run(&rpc, &q, &a, NULL) != 0)
		return CLI_FAILED;
	out_line(stdout, "%s: %s %s", a.host, a.fingerprint,
	    a.accept ? "recorded" : "already trusted");
	return CLI_OK;
}

const struct cli_cmd cmd_host = {
	.name = "host",
	.usage = "trust HOST [--fingerprint SHA256:...] | drain HOST "
	    "[--dry-run|--detach] [--json] | undrain HOST",
	.summary = "trust: record a slave's host key, checked against "
	    "--fingerprint (or shown and confirmed on a terminal); a changed "
	    "key is refused.  drain: mark the host drained (never chosen) and "
	    "move its containers, as move jobs, to the hosts placement "
	    "chooses, each on stderr as it ends; one that fits nowhere is "
	    "reported and stays (exit 1); --detach: the jobs' ids, at once.  "
	    "undrain: make it a candidate again",
	.exec = host_exec,
};
