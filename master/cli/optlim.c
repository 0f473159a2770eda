/* corral: the options that give a container's limits (create, limit) and
 * the CONTAINER|--all target of limit and control, parsed one way. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "msg.h"
#include "proto.h"

int
cli_parse_count(const char *cmd, const char *opt, const char *arg,
    uint32_t *out)
{
	if (conf_parse_u32(arg, 1, UINT32_MAX, out) == 0)
		return 0;
	out_line(stderr, "corral: %s: %s '%s' is not a number from 1 to %u",
	    cmd, opt, arg, UINT32_MAX);
	return -1;
}

int
cli_parse_bytes(const char *cmd, const char *opt, const char *arg,
    uint64_t *bytes)
{
	if (cli_parse_size(arg, bytes) != 0) {
		out_line(stderr, "corral: %s: %s '%s' is not a size (e.g. 512, "
		    "512M, 2G)", cmd, opt, arg);
		return -1;
	}
	if (*bytes == 0) {
		out_line(stderr, "corral: %s: %s '%s': must be more than 0",
		    cmd, opt, arg);
		return -1;
	}
	return 0;
}

int
cli_parse_mib(const char *cmd, const char *opt, const char *arg,
    uint32_t *mb)
{
	uint64_t b;

	if (cli_parse_bytes(cmd, opt, arg, &b) != 0)
		return -1;
	/* limits are whole MiB, as create.conf and the wire carry them */
	if (b % (UINT64_C(1) << 20) != 0 || (b >> 20) > UINT32_MAX) {
		out_line(stderr, "corral: %s: %s '%s' is not a whole number of "
		    "MiB from 1 to %u", cmd, opt, arg, UINT32_MAX);
		return -1;
	}
	*mb = (uint32_t)(b >> 20);
	return 0;
}

int
cli_parse_cpu(const char *cmd, const char *arg, struct msg_limits *l)
{
	if (conf_parse_ratio(arg, &l->cpu_num, &l->cpu_den) == 0)
		return 0;
	out_line(stderr, "corral: %s: --cpu '%s' is not a share of one CPU "
	    "N/D with 0 < N <= D (e.g. 9/10)", cmd, arg);
	return -1;
}

int
cli_target(const struct cli_cmd *c, int argc, char **argv, bool all,
    char *ct)
{
	int n = argc - optind;

	if ((all && n != 0) || (!all && n != 1)) {
		out_line(stderr, "usage: corral %s %s", c->name, c->usage);
		return -1;
	}
	ct[0] = '\0';
	if (all)
		return 0;
	if (strlen(argv[optind]) >= PROTO_NAME_MAX) {
		out_line(stderr, "corral: %s: '%s' is too long for a "
		    "container name", c->name, argv[optind]);
		return -1;
	}
	strcpy(ct, argv[optind]);
	return 0;
}

void
cli_print_cpu(char *buf, size_t len, const struct msg_limits *l)
{
	if (l->cpu_num == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%u/%u", l->cpu_num, l->cpu_den);
}

int
cli_print_each(const struct cli_each *w, bool json)
{
	size_t i;
	int rc = CLI_OK;

	if (json)
		printf("[");
	for (i = 0; i < w->n; i++) {
		const char *e = (const char *)w->v + i * w->size;
		const char *host = e + w->host_off, *ct = e + w->ct_off;
		const char *error = e + w->error_off;

		if (error[0] != '\0') {
			out_line(stderr, "corral: %s: %s:%s: %s", w->cmd, host,
			    ct, error);
			rc = CLI_FAILED;
		}
		if (!json) {
			if (error[0] == '\0')
				w->line(e);
			continue;
		}
		printf("%s\n  {\"host\": ", i ? "," : "");
		json_str(stdout, host);
		printf(", \"container\": ");
		json_str(stdout, ct);
		w->fields(e);
		printf(", \"error\": ");
		if (error[0] != '\0')
			json_str(stdout, error);
		else
			printf("null");
		printf("}");
	}
	if (json)
		printf("%s]\n", w->n ? "\n" : "");
	return rc;
}
