/* corral control CONTAINER|--all [--start|--stop] [--enable|--disable]
 * [--detach] [--json]: a container's state and autostart, shown or
 * changed, a job per container (--detach: their ids, at once; a stop is
 * clean: its halt signal, a time limit, only then kill).  VS-Tools'
 * vs-control lines: host:container:enabled|disabled:running|stopped. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "proto.h"

MSG_ENC(msg_control_req)
MSG_DEC(msg_control_list)

static const struct cli_rpc rpc = {
	.cmd = "control", .type = MSG_CLI_CONTROL_REQ,
	.enc = msg_control_req_enc, .want = MSG_CLI_CONTROL,
	.dec = msg_control_list_dec,
};

static void
line(const void *p)
{
	const struct msg_control *e = p;

	out_line(stdout, "%s:%s:%s:%s", e->host, e->ct,
	    e->enabled ? "enabled" : "disabled",
	    e->running ? "running" : "stopped");
}

static void
fields(const void *p)
{
	const struct msg_control *e = p;

	printf(", \"enabled\": %s, \"running\": %s, \"message\": ",
	    e->enabled ? "true" : "false", e->running ? "true" : "false");
	json_str(stdout, e->message);
}

static int
print(const struct msg_control_list *l, bool json)
{
	const struct cli_each w = {
		"control", l->v, l->n, sizeof(*l->v),
		offsetof(struct msg_control, host),
		offsetof(struct msg_control, ct),
		offsetof(struct msg_control, error), line, fields,
	};

	return cli_print_each(&w, json);
}

static int
control_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "start", no_argument, NULL, 's' },
		{ "stop", no_argument, NULL, 'S' },
		{ "enable", no_argument, NULL, 'e' },
		{ "disable", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_control_req q = { 0 };
	struct msg_control_list l = { 0 };
	int c, json = 0, rc;
	bool detach = false;
	uint8_t run, au;

	if (cli_wants_help(&cmd_control, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		run = q.run;
		au = q.autostart;
		switch (c) {
		case 'a': q.all = 1; break;
		case 's': q.run = MSG_RUN_START; break;
		case 'S': q.run = MSG_RUN_STOP; break;
		case 'e': q.autostart = MSG_AUTO_ENABLE; break;
		case 'd': q.autostart = MSG_AUTO_DISABLE; break;
		case 'j': json = 1; break;
		case 'D': detach = true; break;
		default:
			out_line(stderr, "usage: corral control %s",
			    cmd_control.usage);
			return CLI_USAGE;
		}
		if ((run != MSG_RUN_KEEP && run != q.run) ||
		    (au != MSG_AUTO_KEEP && au != q.autostart)) {
			out_line(stderr, "corral: control: --start and --stop, "
			    "or --enable and --disable, together");
			return CLI_USAGE;
		}
	}
	if (cli_target(&cmd_control, argc, argv, q.all, q.ct) != 0)
		return CLI_USAGE;
	if (detach && q.run == MSG_RUN_KEEP && q.autostart == MSG_AUTO_KEEP) {
		out_line(stderr, "corral: control: --detach goes with a "
		    "change");
		return CLI_USAGE;
	}
	if (detach) {
		q.all |= MSG_EACH_DETACH;
		return cli_run_queued(&rpc, &q, json);
	}
	if (cli_run(&rpc, &q, &l, NULL) != 0)
		return CLI_FAILED;
	rc = print(&l, json);
	msg_control_list_free(&l);
	return rc;
}

const struct cli_cmd cmd_control = {
	.name = "control",
	.usage = "CONTAINER|--all [--start|--stop] [--enable|--disable] "
	    "[--detach] [--json]",
	.summary = "show a container's autostart and state, or change them, "
	    "a job each (host:container:enabled|disabled:running|stopped)",
	.exec = control_exec,
};
