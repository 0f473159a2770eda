/* corral hosts [--json]: every host of the pool with its state and load. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_DEC(msg_host_list)

static const struct cli_rpc rpc = {
	.cmd = "hosts", .type = MSG_CLI_HOSTS_REQ,
	.enc = cli_flag_enc, .want = MSG_CLI_HOSTS, .dec = msg_host_list_dec,
};

static void
print_json(const struct msg_host_list *l)
{
	const struct msg_host_rec *h;
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		h = &l->v[i];
		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(stdout, h->name);
		printf(", \"address\": ");
		json_str(stdout, h->address);
		printf(", \"port\": %u, \"state\": ", (unsigned)h->port);
		json_str(stdout, h->state);
		printf(", \"reason\": ");
		json_str(stdout, h->reason);
		printf(", \"load1\": %.2f, \"load5\": %.2f, \"load15\": %.2f"
		    ", \"cores\": %" PRIu32 ", \"cpu_use\": %.3f"
		    ", \"mem_total\": %" PRIu64
		    ", \"mem_available\": %" PRIu64 ", \"storage_backend\": ",
		    h->info.load1 / 1000.0, h->info.load5 / 1000.0,
		    h->info.load15 / 1000.0, h->info.cores, h->cpu_use / 1000.0,
		    h->info.mem_total, h->info.mem_available);
		json_str(stdout, h->info.storage_backend);
		printf(", \"storage_total\": %" PRIu64 ", \"storage_free\": %"
		    PRIu64 ", \"containers\": %" PRIu32 ", \"uptime\": %" PRIu64
		    ", \"version\": ", h->info.storage_total,
		    h->info.storage_free, h->info.containers, h->info.uptime);
		json_str(stdout, h->info.version);
		printf(", \"last_seen\": %" PRId64 ", \"drained\": %s}",
		    h->last_seen, h->drained ? "true" : "false");
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static void
print_table(const struct msg_host_list *l)
{
	char a[16], b[16], c[16], d[16], age[32];
	const struct msg_host_rec *h;
	size_t i;

	out_line(stdout, "%-16s %-8s %5s %5s %15s %15s %4s %-10s %s",
	    "HOST", "STATE",
	    "LOAD", "CORES", "MEM AVAIL/TOTAL", "STORE FREE/TOTAL", "CTS",
	    "SEEN", "REASON");
	for (i = 0; i < l->n; i++) {
		h = &l->v[i];
		/* the reason is a slave's text: escaped as every line */
		out_line(stdout, "%-16s %-8s %5.2f %5" PRIu32 " %7s/%-7s "
		    "%7s/%-7s %4" PRIu32 " %-10s %s%s", h->name, h->state,
		    h->info.load1 / 1000.0, h->info.cores,
		    human_size(h->info.mem_available, a, sizeof(a)),
		    human_size(h->info.mem_total, b, sizeof(b)),
		    human_size(h->info.storage_free, c, sizeof(c)),
		    human_size(h->info.storage_total, d, sizeof(d)),
		    h->info.containers, human_age(h->last_seen, age,
		    sizeof(age)), h->drained ? (h->reason[0] ? "drained; " :
		    "drained") : "", h->reason);
	}
}

static int
hosts_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cached", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t cached = 0;
	struct msg_host_list l = { 0 };
	int c, json = 0;

	if (cli_wants_help(&cmd_hosts, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': cached = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (optind != argc) {
		out_line(stderr, "corral: hosts: unexpected argument '%s'",
		    argv[optind]);
		return CLI_USAGE;
	}
	if (cli_run(&rpc, &cached, &l, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&l);
	else
		print_table(&l);
	msg_host_list_free(&l);
	return CLI_OK;
}

const struct cli_cmd cmd_hosts = {
	.name = "hosts",
	.usage = "[--json] [--cached]",
	.summary = "list the pool's hosts: state (up, down + reason, noselect), "
	    "drained, load, memory, storage, containers, last seen; polls the "
	    "slaves first unless --cached",
	.exec = hosts_exec,
};
