/* corral-master: inventory, jobs and the CLI socket.  Entry point. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "jobrun.h"
#include "log.h"
#include "master.h"


static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: corral-master [-f] [-c FILE] [-t]\n"
	    "\n"
	    "Keep the inventory of the pool and serve the corral CLI.\n"
	    "\n"
	    "  -c, --config FILE  corral.conf to read (default $CORRAL_CONF or "
	    CORRAL_CONF_DEFAULT ")\n"
	    "  -f, --foreground   stay in the foreground and log to stderr\n"
	    "  -t, --test-config  check corral.conf, slaves.conf and backup.conf, "
	    "then exit\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test-config", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* hidden: a synthetic inventory (HACKING.md) */
		{ "no-poll", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct master_ctx ctx = { 0 };
	struct conf_err err;
	bool explicit_path = false, test_only = false;
	int c, rc;

	snprintf(ctx.software, sizeof(ctx.software), "corral-master %s",
	    CORRAL_VERSION);
	ctx.conf_path = corral_conf_path(&explicit_path);
	while ((c = getopt_long(argc, argv, "c:fthV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx.conf_path = optarg; explicit_path = true; break;
		case 'f': ctx.foreground = true; break;
		case 't': test_only = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s\n", ctx.software); return 0;
		case 'P': ctx.no_poll = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "corral-master: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	if (master_load_config(&ctx, explicit_path, &err) != 0) {
		fprintf(stderr, "corral-master: %s\n", err.msg);
		master_free_config(&ctx);
		return 1;
	}
	if (test_only) {
		printf("configuration OK: %zu slaves, %zu containers to back up\n",
		    ctx.slaves.n, ctx.backup.n);
		rc = 0;
	} else {
		int ready = -1, level = log_level_from_name(ctx.conf.log_level);

		if (!ctx.foreground &&
		    (ready = daemon_detach("corral-master")) < 0)
			return 1;
		log_open("corral-master", !ctx.foreground, level);
		rc = master_serve(&ctx, ready) == 0 ? 0 : 1;
		jobrun_free(ctx.jobs);
	}
	master_free_config(&ctx);
	return rc;
}
