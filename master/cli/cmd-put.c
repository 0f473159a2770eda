/* corral put C --host H [--version V] [--as NAME] [--size SIZE] [--start]
 * [--dry-run] [--detach] [--json]: C made on H from a version of the
 * master's store (the newest unless named), as a job: a volume of H's
 * backend, the tree, the config with H's own paths. */
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
	.cmd = "put", .type = MSG_CLI_PUT_REQ, .enc = msg_store_req_enc,
	.want = MSG_CLI_JOB_QUEUED, .dec = msg_job_dec,
};

/* An address of the copy's config that another container has (the job
 * made it, not started: legitimate, but its start would clash): one line
 * on stderr, the exit status unchanged.  Whether there is one. */
static bool
warn_taken(const struct msg_job *j, char *addr, size_t addrlen,
    char *name, char *host)
{
	if (job_result_get(j, "taken", addr, addrlen)[0] == '\0')
		return false;
	job_result_get(j, "taken_by", name, PROTO_NAME_MAX);
	job_result_get(j, "taken_on", host, PROTO_NAME_MAX);
	out_line(stderr, "corral: %s: warning: %s is the address of container "
	    "%s on %s too: change one of them before %s starts", j->kind,
	    addr, name, host, j->container);
	return true;
}

static void
print_json(const struct msg_job_detail *d, void *arg)
{
	bool start = arg != NULL;
	const struct msg_job *j = &d->job;
	char v[64], f[PROTO_NAME_MAX], a[MSG_IP_MAX], n[PROTO_NAME_MAX],
	    h[PROTO_NAME_MAX];
	bool taken = warn_taken(j, a, sizeof(a), n, h);

	printf("{\"job\": %" PRId64 ", \"container\": ", j->id);
	json_str(stdout, job_result_get(j, "from", f, sizeof(f)));
	printf(", \"name\": ");
	json_str(stdout, j->container);
	printf(", \"host\": ");
	json_str(stdout, j->dst);
	printf(", \"version\": ");
	json_str(stdout, job_result_get(j, "version", v, sizeof(v)));
	printf(", \"started\": %s, \"bytes_on_wire\": %" PRIu64 ", "
	    "\"total_s\": %.3f, ", start ? "true" : "false", j->bytes_done,
	    job_total_s(j));
	printf("\"address_taken\": ");
	if (taken) {
		printf("{\"address\": ");
		json_str(stdout, a);
		printf(", \"container\": ");
		json_str(stdout, n);
		printf(", \"host\": ");
		json_str(stdout, h);
		printf("}, ");
	} else
		printf("null, ");
	json_job_steps(stdout, d);
	printf("}\n");
}

static void
print_text(const struct msg_job_detail *d, void *arg)
{
	bool start = arg != NULL;
	const struct msg_job *j = &d->job;
	char v[64], f[PROTO_NAME_MAX], w[16], a[MSG_IP_MAX], n[PROTO_NAME_MAX],
	    h[PROTO_NAME_MAX];

	job_steps_text(stdout, d);
	/* f first: an argument list has no order of evaluation */
	(void)job_result_get(j, "from", f, sizeof(f));
	out_line(stdout, "%s %s on %s%s%s from version %s%s: %s on the wire, "
	    "%.1f s", j->kind, f, j->dst,
	    strcmp(f, j->container) ? " as " : "",
	    strcmp(f, j->container) ? j->container : "",
	    job_result_get(j, "version", v, sizeof(v)),
	    start ? ", started" : "", human_size(j->bytes_done, w,
	    sizeof(w)), job_total_s(j));
	(void)warn_taken(j, a, sizeof(a), n, h);
}

static int
dry_run(const struct cli_rpc *x, const struct msg_store_req *q, bool json)
{
	struct msg_job j;

	if (cli_run(x, q, &j, NULL) != 0)
		return CLI_FAILED;
	if (json) {
		printf("{\"container\": ");
		json_str(stdout, q->ct);
		printf(", \"name\": ");
		json_str(stdout, j.container);
		printf(", \"host\": ");
		json_str(stdout, j.dst);
		printf(", \"dry_run\": true}\n");
	} else
		out_line(stdout, "would %s %s on %s%s%s", x->cmd, q->ct, j.dst,
		    strcmp(q->ct, j.container) ? " as " : "",
		    strcmp(q->ct, j.container) ? j.container : "");
	return CLI_OK;
}

int
cli_put_exec(const struct cli_cmd *cmd, const struct cli_rpc *x,
    const char *hostopt, int argc, char **argv)
{
	struct option opts[] = {
		{ hostopt, required_argument, NULL, 'h' },
		{ "version", required_argument, NULL, 'v' },
		{ "as", required_argument, NULL, 'a' },
		{ "size", required_argument, NULL, 's' },
		{ "start", no_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		/* last: put has no --force (restore's only) */
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_store_req q;
	const char *host = NULL, *as = "", *version = "", *bad;
	int c, json = 0;

	if (cli_wants_help(cmd, argc, argv))
		return CLI_OK;
	memset(&q, 0, sizeof(q));
	if (x->type != MSG_CLI_RESTORE_REQ)
		memset(&opts[sizeof(opts) / sizeof(opts[0]) - 2], 0,
		    sizeof(opts[0]));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'v': version = optarg; break;
		case 'a': as = optarg; break;
		case 's':
			if (cli_parse_size(optarg, &q.size) != 0 ||
			    q.size == 0) {
				out_line(stderr, "corral: %s: --size '%s' is "
				    "not a size (512M, 2G; a bare number is "
				    "MiB)", x->cmd, optarg);
				return CLI_USAGE;
			}
			break;
		case 'S': q.flags |= MSG_STORE_START; break;
		case 'n': q.flags |= MSG_STORE_DRY_RUN; break;
		case 'd': q.flags |= MSG_STORE_DETACH; break;
		case 'j': json = 1; break;
		case 'f': q.flags |= MSG_STORE_FORCE; break;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1 || host == NULL) {
		out_line(stderr, "usage: corral %s %s", cmd->name, cmd->usage);
		return CLI_USAGE;
	}
	bad = !conf_valid_name(argv[optind]) ? argv[optind] :
	    !conf_valid_name(host) ? host : (as[0] && !conf_valid_name(as)) ?
	    as : NULL;
	if (bad != NULL) {
		out_line(stderr, "corral: %s: '%s' is not a valid name", x->cmd,
		    bad);
		return CLI_USAGE;
	}
	if (strlen(version) >= sizeof(q.version)) {
		out_line(stderr, "corral: %s: '%s' is not a version name",
		    x->cmd, version);
		return CLI_USAGE;
	}
	snprintf(q.ct, sizeof(q.ct), "%s", argv[optind]);
	snprintf(q.host, sizeof(q.host), "%s", host);
	snprintf(q.as, sizeof(q.as), "%s", as);
	snprintf(q.version, sizeof(q.version), "%s", version);
	if (q.flags & MSG_STORE_DRY_RUN)
		return dry_run(x, &q, json);
	/* arg: not NULL when it was to start */
	return cli_job_run(x, &q, (q.flags & MSG_STORE_DETACH) != 0,
	    json ? print_json : print_text,
	    (q.flags & MSG_STORE_START) ? &q : NULL);
}

static int
put_exec(int argc, char **argv)
{
	return cli_put_exec(&cmd_put, &rpc, "host", argc, argv);
}

const struct cli_cmd cmd_put = {
	.name = "put",
	.usage = "CONTAINER --host HOST [--version VERSION] [--as NAME] "
	    "[--size SIZE] [--start] [--dry-run] [--detach] [--json]",
	.summary = "make CONTAINER on HOST from a version of the master's "
	    "store (the newest unless named), as a job: a volume of HOST's "
	    "backend, the tree, its config with HOST's paths",
	.exec = put_exec,
};
