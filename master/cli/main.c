/* corral: the admin's command line; talks to corral-master. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd *const commands[] = {
	&cmd_hosts,
	&cmd_scan,
	&cmd_host,
	&cmd_sync,
	&cmd_create,
	&cmd_snapshot,
	&cmd_jobs,
	&cmd_job,
	&cmd_cancel,
	&cmd_move,
	&cmd_remove,
	&cmd_get,
	&cmd_put,
	&cmd_backup,
	&cmd_backups,
	&cmd_verify,
	&cmd_prune,
	&cmd_restore,
	&cmd_limit,
	&cmd_control,
	&cmd_place,
	&cmd_balance,
	&cmd_help,
	NULL,
};

const struct cli_cmd *const *
cli_commands(void)
{
	return commands;
}

const struct cli_cmd *
cli_find(const char *name)
{
	const struct cli_cmd *const *c;

	for (c = commands; *c != NULL; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

void
cli_usage(FILE *out)
{
	const struct cli_cmd *const *c;

	fprintf(out, "usage: corral [--version] [--help] COMMAND [ARGS]\n\n"
	    "Commands:\n");
	for (c = commands; *c != NULL; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(out, "\nRun 'corral COMMAND --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		cli_usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		out_line(stdout, "corral %s", CORRAL_VERSION);
		return CLI_OK;
	}
	if ((cmd = cli_find(argv[1])) == NULL) {
		out_line(stderr, "corral: unknown command '%s' "
		    "(see corral --help)", argv[1]);
		return CLI_USAGE;
	}
	return cmd->exec(argc - 1, argv + 1);
}
