/* corral sync H1:PATH H2:PATH [--checksum] [--dry-run] [--json]: make
 * H2:PATH an exact copy of H1:PATH with the transfer engine (the plumbing
 * under get, put, move and backup).  Paths are relative to each slave's
 * storage root. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "msg.h"
#include "path.h"
#include "tree.h"

MSG_ENC(msg_sync_req)
MSG_DEC(msg_sync_result)

/* Progress on a terminal's stderr, on one line ended when the reply (or a
 * failure) comes. */
struct meter {
	bool on, shown;
};

/* "host:path" into its parts; the path must stay under the storage root. */
static int
split_spec(const char *spec, char *host, size_t hlen, char *path, size_t plen)
{
	const char *colon = strchr(spec, ':');
	const char *p;

	if (colon == NULL || colon == spec || colon[1] == '\0') {
		out_line(stderr, "corral: sync: '%s' is not HOST:PATH", spec);
		return -1;
	}
	p = colon + 1;
	if ((size_t)(colon - spec) >= hlen || strlen(p) >= plen) {
		out_line(stderr, "corral: sync: '%s' is too long", spec);
		return -1;
	}
	/* refused early by the slave's own rule; the slave normalises what
	 * it gets again, so the path goes as typed */
	if (path_normalise(p, path, plen) != 0) {
		out_line(stderr, "corral: sync: '%s': the path must be "
		    "relative to the slave's storage root, without '..'", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	strcpy(path, p);
	return 0;
}

static void
show_progress(const struct msg_progress *p, void *arg)
{
	struct meter *m = arg;
	char a[16], b[16];

	if (p == NULL) {
		if (m->shown)
			fputc('\n', stderr);
		return;
	}
	if (!m->on)
		return;
	m->shown = true;
	fprintf(stderr, "\r%" PRIu64, p->files_done);
	if (p->files_total)
		fprintf(stderr, "/%" PRIu64, p->files_total);
	fprintf(stderr, " files, %s", human_size(p->bytes_done, a,
	    sizeof(a)));
	if (p->bytes_total)
		fprintf(stderr, " of %s (%" PRIu64 "%%)",
		    human_size(p->bytes_total, b, sizeof(b)),
		    p->bytes_done * 100 / p->bytes_total);
	fprintf(stderr, "   ");
}

static const struct cli_rpc rpc = {
	.cmd = "sync", .type = MSG_CLI_SYNC_REQ,
	.enc = msg_sync_req_enc, .want = MSG_CLI_SYNC,
	.dec = msg_sync_result_dec,
	.progress = show_progress,
};

static int
sync_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checksum", no_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_sync_req q = { 0 };
	struct msg_sync_result res;
	struct meter meter = { 0 };
	int c, json = 0;

	if (cli_wants_help(&cmd_sync, argc, argv))
		return CLI_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': q.opts |= TREE_OPT_CHECKSUM; break;
		case 'n': q.opts |= TREE_OPT_DRY_RUN; break;
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 2) {
		out_line(stderr, "usage: corral sync %s", cmd_sync.usage);
		return CLI_USAGE;
	}
	if (split_spec(argv[optind], q.src_host, sizeof(q.src_host), q.src_path,
	    sizeof(q.src_path)) != 0 ||
	    split_spec(argv[optind + 1], q.dst_host, sizeof(q.dst_host),
	    q.dst_path, sizeof(q.dst_path)) != 0)
		return CLI_USAGE;
	meter.on = isatty(STDERR_FILENO) && !json;
	if (cli_run(&rpc, &q, &res, &meter) != 0)
		return CLI_FAILED;
	if (json)
		printf("{\"files\": %" PRIu64 ", \"files_changed\": %" PRIu64
		    ", \"deleted\": %" PRIu64 ", \"bytes_on_wire\": %" PRIu64
		    ", \"literal_bytes\": %" PRIu64 ", \"matched_bytes\": %"
		    PRIu64 ", \"seconds\": %.3f, \"dry_run\": %s}\n", res.files,
		    res.files_changed, res.deleted, res.bytes_on_wire,
		    res.literal_bytes, res.matched_bytes, res.usec / 1e6,
		    (q.opts & TREE_OPT_DRY_RUN) ? "true" : "false");
	else
		printf("%s%" PRIu64 " files, %" PRIu64 " changed, %" PRIu64
		    " deleted; %" PRIu64 " bytes on the wire, %" PRIu64
		    " literal, %" PRIu64 " matched; %.2f s\n",
		    (q.opts & TREE_OPT_DRY_RUN) ? "dry run: " : "", res.files,
		    res.files_changed, res.deleted, res.bytes_on_wire,
		    res.literal_bytes, res.matched_bytes, res.usec / 1e6);
	return CLI_OK;
}

const struct cli_cmd cmd_sync = {
	.name = "sync",
	.usage = "H1:PATH|H1:@CT H2:PATH|H2:@CT [--checksum] [--dry-run] "
	    "[--json]",
	.summary = "make H2:PATH an exact copy of H1:PATH (paths under each "
	    "slave's storage root), slave to slave or relayed by the master",
	.exec = sync_exec,
};
