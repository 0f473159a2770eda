/* corral place [--memory MB] [--disk MB] [--json]: which host would take a
 * new container, and why each other one would not. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_place_req)
MSG_DEC(msg_place)

static const struct cli_rpc rpc = {
	.cmd = "place", .type = MSG_CLI_PLACE_REQ,
	.enc = msg_place_req_enc, .want = MSG_CLI_PLACE, .dec = msg_place_dec,
};

static void
print_json(const struct msg_place *m)
{
	size_t i;

	printf("{\"host\": ");
	if (m->host[0])
		json_str(stdout, m->host);
	else
		printf("null");
	printf(", \"candidates\": [");
	for (i = 0; i < m->n; i++) {
		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(stdout, m->v[i].name);
		printf(", \"score\": %.3f, \"excluded\": ",
		    m->v[i].score / 1000.0);
		if (m->v[i].excluded[0])
			json_str(stdout, m->v[i].excluded);
		else
			printf("null");
		printf("}");
	}
	printf("%s]}\n", m->n ? "\n" : "");
}

static void
print_text(const struct msg_place *m)
{
	size_t i;

	out_line(stdout, "%-20s %8s %s", "HOST", "SCORE", "EXCLUDED");
	for (i = 0; i < m->n; i++)
		out_line(stdout, "%-20s %8.2f %s%s", m->v[i].name,
		    m->v[i].score / 1000.0, m->v[i].excluded[0] ?
		    m->v[i].excluded : "-", strcmp(m->v[i].name, m->host) ?
		    "" : "  <- chosen");
	if (!m->host[0])
		out_line(stdout, "no host may take it");
}

static int
place_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_place_req q = { 0 };
	struct msg_place m = { 0 };
	int c, json = 0;

	if (cli_wants_help(&cmd_place, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (cli_parse_bytes("place", "--memory", optarg,
			    &q.memory) != 0)
				return CLI_USAGE;
			break;
		case 'd':
			if (cli_parse_bytes("place", "--disk", optarg,
			    &q.disk) != 0)
				return CLI_USAGE;
			break;
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (optind != argc) {
		out_line(stderr, "corral: place: unexpected argument '%s'",
		    argv[optind]);
		return CLI_USAGE;
	}
	if (cli_run(&rpc, &q, &m, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&m);
	else
		print_text(&m);
	c = m.host[0] ? CLI_OK : CLI_FAILED;
	msg_place_free(&m);
	return c;
}

const struct cli_cmd cmd_place = {
	.name = "place",
	.usage = "[--memory SIZE] [--disk SIZE] [--json]",
	.summary = "which host would receive a new container of these sizes "
	    "(the lowest score that may take it) and why each other host "
	    "would not (noselect, drained, down, memory, disk); exit 1 if "
	    "none may",
	.exec = place_exec,
};
