/* corral create HOST NAME [--size SIZE] [--template T] [--start] [--json]:
 * a new container on HOST whose rootfs is a volume of HOST's storage
 * backend (an LV, a btrfs subvolume or a directory), filled by an LXC
 * template. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_create_req)
MSG_DEC(msg_create)

static const struct cli_rpc rpc = {
	.cmd = "create", .type = MSG_CLI_CREATE_REQ,
	.enc = msg_create_req_enc, .want = MSG_CLI_CREATE,
	.dec = msg_create_dec,
};

static int
create_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "template", required_argument, NULL, 't' },
		{ "start", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_create_req q = { 0 };
	struct msg_create a;
	int c, json = 0;

	if (cli_wants_help(&cmd_create, argc, argv))
		return CLI_OK;
	snprintf(q.tmpl, sizeof(q.tmpl), "busybox");
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (cli_parse_size(optarg, &q.bytes) != 0) {
				out_line(stderr, "corral: create: --size '%s' "
				    "is not a size (e.g. 512M, 2G)", optarg);
				return CLI_USAGE;
			}
			break;
		case 't':
			if (strlen(optarg) >= sizeof(q.tmpl)) {
				out_line(stderr, "corral: create: --template "
				    "'%s' is too long", optarg);
				return CLI_USAGE;
			}
			strcpy(q.tmpl, optarg);
			break;
		case 'S': q.start = 1; break;
		case 'j': json = 1; break;
		default:
			out_line(stderr, "usage: corral create %s",
			    cmd_create.usage);
			return CLI_USAGE;
		}
	}
	if (argc - optind != 2) {
		out_line(stderr, "usage: corral create %s", cmd_create.usage);
		return CLI_USAGE;
	}
	if (cli_host_ct("create", argv + optind, q.host, q.ct) != 0)
		return CLI_USAGE;
	if (cli_run(&rpc, &q, &a, NULL) != 0)
		return CLI_FAILED;
	if (json) {
		printf("{\"host\":");
		json_str(stdout, a.host);
		printf(",\"container\":");
		json_str(stdout, a.ct);
		printf(",\"backend\":");
		json_str(stdout, a.backend);
		printf(",\"rootfs\":");
		json_str(stdout, a.rootfs);
		printf(",\"started\":%s}\n", q.start ? "true" : "false");
	} else
		out_line(stdout, "%s:%s: created on %s (%s)%s", a.host, a.ct,
		    a.backend, a.rootfs, q.start ? ", started" : "");
	return CLI_OK;
}

const struct cli_cmd cmd_create = {
	.name = "create",
	.usage = "HOST NAME [--size SIZE] [--template NAME] [--start] [--json]",
	.summary = "make a container on HOST with its rootfs on HOST's storage "
	    "(an LV of --size on lvm) from an LXC template (busybox)",
	.exec = create_exec,
};
