/* corral snapshot HOST CT [--size SIZE] | --status | --drop [--json]:
 * take, show or drop the point-in-time copy of container CT's rootfs that
 * `corral sync HOST:@CT ...` reads: an lvm or btrfs snapshot, or on dir
 * storage the container frozen until the drop. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

MSG_ENC(msg_snap_req)
MSG_DEC(msg_snap)

static const struct cli_rpc rpc = {
	.cmd = "snapshot", .type = MSG_CLI_SNAP_REQ,
	.enc = msg_snap_req_enc, .want = MSG_CLI_SNAP, .dec = msg_snap_dec,
};

static const char *const kinds[] = {
	[MSG_SNAPK_NONE] = "none",
	[MSG_SNAPK_SNAPSHOT] = "snapshot",
	[MSG_SNAPK_FROZEN] = "frozen",
	[MSG_SNAPK_STOPPED] = "stopped",
};

static const char *const owners[] = {
	[MSG_SNAPO_ADMIN] = "admin",
	[MSG_SNAPO_SEND] = "send",
	[MSG_SNAPO_STALE] = "stale send",
};

static void
print_json(const struct msg_snap *a, int op)
{
	printf("{\"host\":");
	json_str(stdout, a->host);
	printf(",\"container\":");
	json_str(stdout, a->ct);
	printf(",\"backend\":");
	json_str(stdout, a->backend);
	printf(",\"%s\":\"%s\"", op == MSG_SNAP_DROP ? "dropped" : "state",
	    kinds[a->kind]);
	printf(",\"valid\":%s,\"fill_percent\":%u.%u,\"fill_warning\":%s,"
	    "\"size\":%llu,\"path\":", a->valid ? "true" : "false",
	    a->fill_permille / 10, a->fill_permille % 10,
	    a->kind == MSG_SNAPK_SNAPSHOT &&
	    a->fill_permille >= a->warn_permille ? "true" : "false",
	    (unsigned long long)a->size);
	json_str(stdout, a->path);
	printf(",\"taken_by\":\"%s\",\"job\":%llu,\"pid\":%u,"
	    "\"leftover\":%s}\n", a->kind == MSG_SNAPK_NONE ? "" :
	    owners[a->owner], (unsigned long long)a->job, a->pid,
	    a->leftover ? "true" : "false");
}

/* Who took it, and a take killed half-way that left the container frozen
 * (dir). */
static void
print_owner(const struct msg_snap *a)
{
	char job[40] = "";

	if (a->job != 0)
		snprintf(job, sizeof(job), " of job %llu",
		    (unsigned long long)a->job);
	if (a->kind != MSG_SNAPK_NONE && a->owner == MSG_SNAPO_SEND)
		out_line(stdout, "%s:%s: taken by a send%s, its worker %u at "
		    "work: dropped at its end", a->host, a->ct, job, a->pid);
	else if (a->kind != MSG_SNAPK_NONE && a->owner == MSG_SNAPO_STALE)
		out_line(stdout, "%s:%s: taken by a send%s, which is over (its "
		    "worker %u gone): the next get, backup or move of it "
		    "drops it, or --drop", a->host, a->ct, job, a->pid);
	if (a->leftover)
		out_line(stdout, "%s:%s: frozen by a snapshot take killed "
		    "half-way: --drop (or the next take) releases it",
		    a->host, a->ct);
}

static void
print_text(const struct msg_snap *a, int op)
{
	char sz[16];

	if (op == MSG_SNAP_DROP) {
		out_line(stdout, "%s:%s: %s", a->host, a->ct,
		    a->kind == MSG_SNAPK_NONE ? "had no snapshot" :
		    a->kind == MSG_SNAPK_FROZEN ? "thawed" :
		    a->kind == MSG_SNAPK_STOPPED ? "released" :
		    "snapshot dropped");
		return;
	}
	switch (a->kind) {
	case MSG_SNAPK_NONE:
		out_line(stdout, "%s:%s: no snapshot", a->host, a->ct);
		break;
	case MSG_SNAPK_SNAPSHOT:
		out_line(stdout, "%s:%s: %s snapshot at %s, %s%u.%u%% full%s%s",
		    a->host, a->ct, a->backend, a->path,
		    a->valid ? "" : "INVALID (overflowed), ",
		    a->fill_permille / 10, a->fill_permille % 10,
		    a->size ? " of " : "",
		    a->size ? human_size(a->size, sz, sizeof(sz)) : "");
		if (a->valid && a->fill_permille >= a->warn_permille)
			out_line(stdout, "%s:%s: warning: past the fill "
			    "threshold of %u%%", a->host, a->ct,
			    a->warn_permille / 10);
		break;
	default:
		out_line(stdout, "%s:%s: %s (%s storage has no snapshots): "
		    "read at %s until the drop", a->host, a->ct,
		    a->kind == MSG_SNAPK_FROZEN ? "frozen" : "held stopped",
		    a->backend, a->path);
	}
	print_owner(a);
}

static int
snapshot_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "status", no_argument, NULL, 'S' },
		{ "drop", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_snap_req q = { .op = MSG_SNAP_TAKE };
	struct msg_snap a;
	int c, json = 0, ops = 0;

	if (cli_wants_help(&cmd_snapshot, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (cli_parse_size(optarg, &q.bytes) != 0) {
				out_line(stderr, "corral: snapshot: --size "
				    "'%s' is not a size (e.g. 64M)", optarg);
				return CLI_USAGE;
			}
			break;
		case 'S': q.op = MSG_SNAP_STATUS; ops++; break;
		case 'd': q.op = MSG_SNAP_DROP; ops++; break;
		case 'j': json = 1; break;
		default: ops = 99; break;
		}
	}
	if (argc - optind != 2 || ops > 1 || (q.bytes && q.op != MSG_SNAP_TAKE)) {
		out_line(stderr, "usage: corral snapshot %s",
		    cmd_snapshot.usage);
		return CLI_USAGE;
	}
	if (cli_host_ct("snapshot", argv + optind, q.host, q.ct) != 0)
		return CLI_USAGE;
	if (cli_run(&rpc, &q, &a, NULL) != 0)
		return CLI_FAILED;
	if (json)
		print_json(&a, q.op);
	else
		print_text(&a, q.op);
	/* an overflowed snapshot is a failure scripts must see */
	return a.kind != MSG_SNAPK_NONE && !a.valid && q.op != MSG_SNAP_DROP ?
	    CLI_FAILED : CLI_OK;
}

const struct cli_cmd cmd_snapshot = {
	.name = "snapshot",
	.usage = "HOST CONTAINER [--size SIZE | --status | --drop] [--json]",
	.summary = "take (default), show or drop the snapshot of a container "
	    "that 'corral sync HOST:@CONTAINER' reads",
	.exec = snapshot_exec,
};
