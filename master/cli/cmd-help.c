/* corral help [COMMAND] */
#include <stdio.h>

#include "cli.h"

static int
help_exec(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		cli_usage(stdout);
		return CLI_OK;
	}
	if (argc > 2 || (c = cli_find(argv[1])) == NULL) {
		out_line(stderr, "corral: help: unknown command '%s'", argv[1]);
		return CLI_USAGE;
	}
	printf("usage: corral %s %s\n\n%s\n", c->name, c->usage, c->summary);
	return CLI_OK;
}

const struct cli_cmd cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the commands, or one command's usage",
	.exec = help_exec,
};
