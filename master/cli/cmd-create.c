/* corral create NAME --ip ADDR [--host H] [--template T] [--memory MB]
 * [--disk MB] [--cpu RATIO] [--start] [--detach] [--json]: VS-Tools' two
 * indispensable arguments; the network of networks.conf holding ADDR and
 * create.conf give the rest, the master picks the host unless --host
 * names it.
 *
 * corral create HOST NAME [--size SIZE] [--template T] [--start]
 * [--detach] [--json]: the older form, a container on HOST with the
 * template's own network.
 *
 * Either is a job (kind create): waited for (its progress on a terminal),
 * then what it made printed; --detach prints its id at once. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "proto.h"

MSG_ENC(msg_create_req)
MSG_ENC(msg_new_req)
MSG_DEC(msg_job)

static const struct cli_rpc rpc = {
	.cmd = "create", .type = MSG_CLI_CREATE_REQ,
	.enc = msg_create_req_enc, .want = MSG_CLI_JOB_QUEUED,
	.dec = msg_job_dec,
};

static const struct cli_rpc new_rpc = {
	.cmd = "create", .type = MSG_CLI_NEW_REQ,
	.enc = msg_new_req_enc, .want = MSG_CLI_JOB_QUEUED,
	.dec = msg_job_dec,
};

/* What the command line gave, before the form is known. */
struct args {
	struct msg_new_req n;
	uint64_t bytes;          /* --size */
	bool ip, sized, limited, json, detach;
};

static int
usage(void)
{
	out_line(stderr, "usage: corral create %s", cmd_create.usage);
	return CLI_USAGE;
}

static int
copy_arg(const char *opt, const char *arg, char *to, size_t size)
{
	if (strlen(arg) < size) {
		memcpy(to, arg, strlen(arg) + 1);
		return 0;
	}
	out_line(stderr, "corral: create: %s '%s' is too long", opt, arg);
	return -1;
}

static int
parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "host", required_argument, NULL, 'H' },
		{ "template", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "start", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "detach", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_new_req *n = &a->n;
	int c, rc = 0;

	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a->ip = true;
			rc = copy_arg("--ip", optarg, n->addr, sizeof(n->addr));
			break;
		case 'H':
			rc = copy_arg("--host", optarg, n->host,
			    sizeof(n->host));
			break;
		case 't':
			rc = copy_arg("--template", optarg, n->tmpl,
			    sizeof(n->tmpl));
			break;
		case 'm':
			a->limited = true;
			rc = cli_parse_mib("create", "--memory", optarg,
			    &n->lim.memory_mb);
			break;
		case 'd':
			a->limited = true;
			rc = cli_parse_mib("create", "--disk", optarg,
			    &n->lim.disk_mb);
			break;
		case 'c':
			a->limited = true;
			rc = cli_parse_cpu("create", optarg, &n->lim);
			break;
		case 's':
			a->sized = true;
			if ((rc = cli_parse_size(optarg, &a->bytes)) != 0)
				out_line(stderr, "corral: create: --size '%s' "
				    "is not a size (e.g. 512M, 2G)", optarg);
			break;
		case 'S': n->start |= MSG_NEW_START; break;
		case 'j': a->json = true; break;
		case 'D': a->detach = true; break;
		default:
			return usage();
		}
	}
	return rc == 0 ? 0 : CLI_USAGE;
}

static void
print_new(const struct msg_new *a, bool json)
{
	char cpu[32], vlan[16] = "";

	cli_print_cpu(cpu, sizeof(cpu), &a->lim);
	if (a->vlan != 0)
		snprintf(vlan, sizeof(vlan), " vlan %u", a->vlan);
	if (!json) {
		out_line(stdout, "%s:%s: created on %s (%s), %s on %s%s%s",
		    a->host, a->ct, a->backend, a->rootfs, a->addr, a->link,
		    vlan, a->started ? ", started" : "");
		return;
	}
	printf("{\"host\":");
	json_str(stdout, a->host);
	printf(",\"container\":");
	json_str(stdout, a->ct);
	printf(",\"backend\":");
	json_str(stdout, a->backend);
	printf(",\"rootfs\":");
	json_str(stdout, a->rootfs);
	printf(",\"address\":");
	json_str(stdout, a->addr);
	printf(",\"link\":");
	json_str(stdout, a->link);
	printf(",\"vlan\":%u,\"memory\":%u,\"disk\":%u,\"proc\":%u,\"cpu\":",
	    a->vlan, a->lim.memory_mb, a->lim.disk_mb, a->lim.proc);
	json_str(stdout, cpu);
	printf(",\"started\":%s}\n", a->started ? "true" : "false");
}

static uint32_t
res_u32(const struct msg_job *j, const char *key)
{
	return (uint32_t)job_result_u64(j, key);
}

/* The job's result as CLI_NEW was before create was a job. */
static void
print_new_job(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;
	const struct args *a = arg;
	struct msg_new n;

	memset(&n, 0, sizeof(n));
	snprintf(n.host, sizeof(n.host), "%s", j->dst);
	snprintf(n.ct, sizeof(n.ct), "%s", j->container);
	job_result_get(j, "backend", n.backend, sizeof(n.backend));
	job_result_get(j, "rootfs", n.rootfs, sizeof(n.rootfs));
	job_result_get(j, "addr", n.addr, sizeof(n.addr));
	job_result_get(j, "link", n.link, sizeof(n.link));
	n.vlan = (uint16_t)res_u32(j, "vlan");
	n.lim.memory_mb = res_u32(j, "memory");
	n.lim.disk_mb = res_u32(j, "disk");
	n.lim.proc = res_u32(j, "proc");
	n.lim.cpu_num = res_u32(j, "cpu_num");
	n.lim.cpu_den = res_u32(j, "cpu_den");
	n.started = res_u32(j, "started") != 0;
	print_new(&n, a->json);
}

/* The older form's line, as CLI_CREATE gave it. */
static void
print_host_job(const struct msg_job_detail *d, void *arg)
{
	const struct msg_job *j = &d->job;
	const struct args *a = arg;
	char backend[MSG_BACKEND_MAX], rootfs[MSG_JOB_RESULT_MAX];
	bool started = res_u32(j, "started") != 0;

	job_result_get(j, "backend", backend, sizeof(backend));
	job_result_get(j, "rootfs", rootfs, sizeof(rootfs));
	if (a->json) {
		printf("{\"host\":");
		json_str(stdout, j->dst);
		printf(",\"container\":");
		json_str(stdout, j->container);
		printf(",\"backend\":");
		json_str(stdout, backend);
		printf(",\"rootfs\":");
		json_str(stdout, rootfs);
		printf(",\"started\":%s}\n", started ? "true" : "false");
	} else
		out_line(stdout, "%s:%s: created on %s (%s)%s", j->dst,
		    j->container, backend, rootfs, started ? ", started" : "");
}

/* NAME --ip ADDR */
static int
create_new(int argc, char **argv, struct args *a)
{

	if (a->sized) {
		out_line(stderr, "corral: create: --size is for HOST NAME; "
		    "with --ip it is --disk MB");
		return CLI_USAGE;
	}
	if (argc - optind != 1)
		return usage();
	if (copy_arg("NAME", argv[optind], a->n.ct, sizeof(a->n.ct)) != 0)
		return CLI_USAGE;
	if (a->detach)
		a->n.start |= MSG_NEW_DETACH;
	return cli_job_run(&new_rpc, &a->n, a->detach, print_new_job, a);
}

/* HOST NAME: the older form */
static int
create_on(int argc, char **argv, struct args *a)
{
	struct msg_create_req q = { 0 };

	if (argc - optind == 1) {
		out_line(stderr, "corral: create: NAME needs --ip ADDR (or "
		    "give HOST NAME)");
		return CLI_USAGE;
	}
	if (a->limited || a->n.host[0] != '\0') {
		out_line(stderr, "corral: create: --host, --memory, --disk and "
		    "--cpu go with --ip");
		return CLI_USAGE;
	}
	if (argc - optind != 2)
		return usage();
	if (cli_host_ct("create", argv + optind, q.host, q.ct) != 0)
		return CLI_USAGE;
	q.bytes = a->bytes;
	q.start = a->n.start | (a->detach ? MSG_NEW_DETACH : 0);
	snprintf(q.tmpl, sizeof(q.tmpl), "%s",
	    a->n.tmpl[0] ? a->n.tmpl : "busybox");
	return cli_job_run(&rpc, &q, a->detach, print_host_job, a);
}

static int
create_exec(int argc, char **argv)
{
	struct args a;
	int rc;

	if (cli_wants_help(&cmd_create, argc, argv))
		return CLI_OK;
	memset(&a, 0, sizeof(a));
	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	return a.ip ? create_new(argc, argv, &a) : create_on(argc, argv, &a);
}

const struct cli_cmd cmd_create = {
	.name = "create",
	.usage = "NAME --ip ADDR [--host H] [--template T] [--memory MB] "
	    "[--disk MB] [--cpu RATIO] [--start] [--detach] [--json] | HOST "
	    "NAME [--size SIZE] [--template T] [--start] [--detach] [--json]",
	.summary = "make a container on ADDR's network (networks.conf, "
	    "create.conf) on the host placement picks or --host, or on HOST "
	    "with its template's network, as a job",
	.exec = create_exec,
};
