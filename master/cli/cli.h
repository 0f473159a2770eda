/* corral CLI: one descriptor per subcommand, one file per subcommand. */
#ifndef CORRAL_CLI_H
#define CORRAL_CLI_H

#include <stdio.h>

/* Exit codes scripts can trust. */
#define CLI_OK     0   /* done */
#define CLI_FAILED 1   /* the operation failed */
#define CLI_USAGE  2   /* bad command line */

struct cli_cmd {
	const char *name;
	const char *usage;     /* arguments, after "corral NAME " */
	const char *summary;   /* one line for `corral --help` */
	int (*exec)(int argc, char **argv);  /* argv[0] is the command name */
};

extern const struct cli_cmd cmd_help;

/* The NULL-terminated table of every subcommand. */
const struct cli_cmd *const *cli_commands(void);
const struct cli_cmd *cli_find(const char *name);
void cli_usage(FILE *out);

#endif
