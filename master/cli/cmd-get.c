/* corral get C [--host H] [--dry-run] [--detach] [--json]: a copy of C
 * (its config and rootfs) into the master's store as a new version, as a
 * job; a running C is read through its snapshot (a freeze on dir), a
 * stopped one in place.  Prints the version made. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "msg.h"

MSG_ENC(msg_store_req)
MSG_DEC(msg_job)

static const struct cli_rpc rpc = {
	.cmd = "get", .type = MSG_CLI_GET_REQ, .enc = msg_store_req_enc,
	.want = MSG_CLI_JOB_QUEUED, .dec = msg_job_dec,
};

static void
print_json(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;
	char v[64], k[16];

	(void)arg;
	printf("{\"job\": %" PRId64 ", \"container\": ", j->id);
	json_str(stdout, j->container);
	printf(", \"host\": ");
	json_str(stdout, j->src);
	printf(", \"version\": ");
	json_str(stdout, job_result_get(j, "version", v, sizeof(v)));
	printf(", \"kind\": ");
	json_str(stdout, job_result_get(j, "kind", k, sizeof(k)));
	printf(", \"files\": %" PRIu64 ", \"bytes\": %" PRIu64 ", "
	    "\"literal_bytes\": %" PRIu64 ", \"bytes_on_wire\": %" PRIu64 ", "
	    "\"stored\": %" PRIu64 ", \"total_s\": %.3f, ",
	    job_result_u64(j, "files"), job_result_u64(j, "bytes"),
	    job_result_u64(j, "literal"), job_result_u64(j, "wire"),
	    job_result_u64(j, "stored"), job_total_s(j));
	json_job_steps(stdout, d);
	printf("}\n");
}

static void
print_text(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;
	char v[64], w[16], s[16];

	(void)arg;
	job_steps_text(stdout, d);
	out_line(stdout, "got %s from %s: version %s, %" PRIu64 " files, %s "
	    "on the wire, %s stored, %.1f s", j->container, j->src,
	    job_result_get(j, "version", v, sizeof(v)),
	    job_result_u64(j, "files"),
	    human_size(job_result_u64(j, "wire"), w, sizeof(w)),
	    human_size(job_result_u64(j, "stored"), s, sizeof(s)),
	    job_total_s(j));
}

static int
dry_run(const struct msg_store_req *q, bool json)
{
	struct msg_job j;

	if (cli_run(&rpc, q, &j, NULL) != 0)
		return CLI_FAILED;
	if (json) {
		printf("{\"container\": ");
		json_str(stdout, j.container);
		printf(", \"host\": ");
		json_str(stdout, j.src);
		printf(", \"dry_run\": true}\n");
	} else
		out_line(stdout, "would get %s from %s into the store",
		    j.container, j.src);
	return CLI_OK;
}

static int
get_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_store_req q;
	const char *host = "";
	int c, json = 0;

	if (cli_wants_help(&cmd_get, argc, argv))
		return CLI_OK;
	memset(&q, 0, sizeof(q));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'n': q.flags |= MSG_STORE_DRY_RUN; break;
		case 'd': q.flags |= MSG_STORE_DETACH; break;
		case 'j': json = 1; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		out_line(stderr, "usage: corral get %s", cmd_get.usage);
		return CLI_USAGE;
	}
	if (!conf_valid_name(argv[optind]) ||
	    (host[0] && !conf_valid_name(host))) {
		out_line(stderr, "corral: get: '%s' is not a valid name",
		    !conf_valid_name(argv[optind]) ? argv[optind] : host);
		return CLI_USAGE;
	}
	snprintf(q.ct, sizeof(q.ct), "%s", argv[optind]);
	snprintf(q.host, sizeof(q.host), "%s", host);
	if (q.flags & MSG_STORE_DRY_RUN)
		return dry_run(&q, json);
	return cli_job_run(&rpc, &q, (q.flags & MSG_STORE_DETACH) != 0,
	    json ? print_json : print_text, NULL);
}

const struct cli_cmd cmd_get = {
	.name = "get",
	.usage = "CONTAINER [--host HOST] [--dry-run] [--detach] [--json]",
	.summary = "copy CONTAINER (config and rootfs) into the master's store "
	    "as a new version, as a job; a running one through its snapshot",
	.exec = get_exec,
};
