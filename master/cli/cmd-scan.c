/* corral scan [--name C] [--host H] [--json] [--cached]: where each
 * container is.  VS-Tools style lines host:container:state:ipv4. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "proto.h"
#include "transport.h"

MSG_ENC(msg_scan_req)
MSG_DEC(msg_ct_rec_list)
MSG_DEC(msg_host_list)

static const struct cli_rpc hosts_rpc = {
	.cmd = "scan", .type = MSG_CLI_HOSTS_REQ,
	.enc = cli_flag_enc, .want = MSG_CLI_HOSTS, .dec = msg_host_list_dec,
};

static const struct cli_rpc scan_rpc = {
	.cmd = "scan", .type = MSG_CLI_SCAN_REQ,
	.enc = msg_scan_req_enc, .want = MSG_CLI_SCAN,
	.dec = msg_ct_rec_list_dec,
};

/* True if the container of v[i] is also reported on another host. */
static int
in_conflict(const struct msg_ct_rec_list *l, size_t i)
{
	size_t j;

	for (j = 0; j < l->n; j++)
		if (j != i && strcmp(l->v[j].ct.name, l->v[i].ct.name) == 0 &&
		    strcmp(l->v[j].host, l->v[i].host) != 0)
			return 1;
	return 0;
}

static void
print_json(const struct msg_ct_rec_list *l)
{
	const struct msg_ct_rec *r;
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		r = &l->v[i];
		printf("%s\n  {\"host\": ", i ? "," : "");
		json_str(stdout, r->host);
		printf(", \"name\": ");
		json_str(stdout, r->ct.name);
		printf(", \"state\": ");
		json_str(stdout, r->ct.state);
		printf(", \"ipv4\": ");
		json_str(stdout, r->ct.ipv4);
		printf(", \"ipv4_config\": ");
		json_str(stdout, r->ct.ipv4_config);
		printf(", \"autostart\": %s, \"mem_used\": %" PRIu64
		    ", \"mem_limit\": %" PRIu64 ", \"cpu_usec\": %" PRIu64
		    ", \"backend\": ", r->ct.autostart ? "true" : "false",
		    r->ct.mem_used, r->ct.mem_limit, r->ct.cpu_usec);
		json_str(stdout, r->ct.backend);
		printf(", \"rootfs_bytes\": %" PRIu64 ", \"last_seen\": %" PRId64
		    ", \"conflict\": %s}", r->ct.rootfs_bytes, r->last_seen,
		    in_conflict(l, i) ? "true" : "false");
	}
	printf("%s]\n", l->n ? "\n" : "");
}

/* Tell on stderr which hosts could not be refreshed: their containers are
 * shown as last seen. */
static void
warn_down_hosts(struct transport *t, const char *host)
{
	/* the scan just polled: the inventory is fresh */
	static const uint8_t cached = 1;
	struct msg_host_list hl = { 0 };
	size_t i;

	if (cli_call(t, &hosts_rpc, &cached, &hl, NULL) != 0)
		return;
	for (i = 0; i < hl.n; i++)
		if (strcmp(hl.v[i].state, "down") == 0 &&
		    (!*host || strcmp(host, hl.v[i].name) == 0))
			out_line(stderr, "corral: scan: %s is down (%s); "
			    "its containers are shown as last seen",
			    hl.v[i].name, hl.v[i].reason);
	msg_host_list_free(&hl);
}

static int
scan_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "cached", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_scan_req q = { 0 };
	struct msg_ct_rec_list l = { 0 };
	struct transport t;
	int c, json = 0, rc;
	size_t i;

	if (cli_wants_help(&cmd_scan, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'H':
			if (strlen(optarg) >= PROTO_NAME_MAX) {
				out_line(stderr, "corral: scan: '%s' is too "
				    "long for a name", optarg);
				return CLI_USAGE;
			}
			strcpy(c == 'n' ? q.name : q.host, optarg);
			break;
		case 'j': json = 1; break;
		case 'c': q.cached = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (optind != argc) {
		out_line(stderr, "corral: scan: unexpected argument '%s'",
		    argv[optind]);
		return CLI_USAGE;
	}
	if (cli_connect(&t) != 0)
		return CLI_FAILED;
	if (cli_call(&t, &scan_rpc, &q, &l, NULL) != 0) {
		cli_disconnect(&t);
		return CLI_FAILED;
	}
	if (!q.cached)
		warn_down_hosts(&t, q.host);
	if (json) {
		print_json(&l);
	} else {
		for (i = 0; i < l.n; i++)
			out_line(stdout, "%s:%s:%s:%s", l.v[i].host,
			    l.v[i].ct.name, l.v[i].ct.state, l.v[i].ct.ipv4);
	}
	for (i = 0; i < l.n; i++)
		if (in_conflict(&l, i))
			out_line(stderr, "corral: scan: conflict: container %s "
			    "is also on %s", l.v[i].ct.name, l.v[i].host);
	if (q.name[0] && l.n == 0) {
		out_line(stderr, "corral: scan: no container named %s%s%s",
		    q.name, q.host[0] ? " on " : "", q.host);
		rc = CLI_FAILED;
	} else {
		rc = CLI_OK;
	}
	msg_ct_rec_list_free(&l);
	cli_disconnect(&t);
	return rc;
}

const struct cli_cmd cmd_scan = {
	.name = "scan",
	.usage = "[--name C] [--host H] [--json] [--cached]",
	.summary = "locate containers in the pool (host:container:state:ipv4); "
	    "refreshes from the slaves unless --cached",
	.exec = scan_exec,
};
