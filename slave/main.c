/* corral-slave: the daemon on every container host.  Entry point and
 * option handling. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "slave.h"
#include "transport.h"


static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: corral-slave [-f] [-c FILE] [--stdio] [-t] | --fingerprint\n"
	    "\n"
	    "Serve the corral protocol to the master, over the built-in SSH "
	    "server\n(listen/port of corral.conf) or, with --stdio, over "
	    "stdin/stdout.\n"
	    "\n"
	    "  -c, --config FILE  corral.conf to read (default $CORRAL_CONF or "
	    CORRAL_CONF_DEFAULT ")\n"
	    "  -f, --foreground   stay in the foreground and log to stderr\n"
	    "      --stdio        serve one session on stdin/stdout (for an "
	    "OpenSSH\n"
	    "                     'Subsystem corral /usr/sbin/corral-slave "
	    "--stdio')\n"
	    "  -t, --test-config  check the configuration and exit\n"
	    "  -F, --fingerprint  print the host key's fingerprint (making the "
	    "key if\n"
	    "                     absent), for `corral host trust --fingerprint`\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n");
}

/* Load corral.conf; a missing default file means built-in defaults. */
static int
load_conf(struct slave_ctx *ctx, bool explicit_path)
{
	struct conf_err err;

	corral_conf_defaults(&ctx->conf);
	if (!explicit_path && access(ctx->conf_path, F_OK) != 0)
		return 0;
	/* the storage backends check their own keys, with file and line */
	if (corral_conf_load_checked(ctx->conf_path, &ctx->conf,
	    storage_conf_check, &err) != 0) {
		fprintf(stderr, "corral-slave: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
print_fingerprint(struct slave_ctx *ctx)
{
	ssh_key key = NULL;
	char err[512], fp[128];
	int rc;

	if (hostkey_load_or_create(ctx->conf.host_key, &key, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "corral-slave: %s\n", err);
		return 1;
	}
	rc = key_fingerprint(key, fp, sizeof(fp));
	ssh_key_free(key);
	if (rc != 0) {
		fprintf(stderr, "corral-slave: %s: cannot hash the host key\n",
		    ctx->conf.host_key);
		return 1;
	}
	printf("%s\n", fp);
	return 0;
}

/* Run the SSH server; without -f, detach first and let the starter exit
 * only once we listen (so `corral-slave && next-step` is race-free). */
static int
run_daemon(struct slave_ctx *ctx, int level)
{
	int ready = -1;

	char err[512];

	signal(SIGPIPE, SIG_IGN);
	/* before detaching, so a broken store is told on the terminal; the
	 * sweep's notes go to the log */
	log_open("corral-slave", !ctx->foreground, level);
	if (storage_start(&ctx->storage, err, sizeof(err)) != 0) {
		fprintf(stderr, "corral-slave: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	slave_snap_sweep(ctx);
	slave_ct_sweep(ctx);
	if (!ctx->foreground && (ready = daemon_detach("corral-slave")) < 0)
		return 1;
	return slave_sshd_run(ctx, ready) == 0 ? 0 : 1;
}

/* What the command line asked for, once the storage is set up. */
static int
serve(struct slave_ctx *ctx, bool test_only, bool stdio_mode)
{
	struct transport t;
	char err[512];
	int level, r;

	if (test_only) {
		printf("%s: configuration OK\n", ctx->conf_path);
		return 0;
	}
	level = log_level_from_name(ctx->conf.log_level);
	if (!stdio_mode)
		return run_daemon(ctx, level);
	/* stdout carries the protocol: logs go to syslog unless -f */
	log_open("corral-slave", !ctx->foreground, level);
	signal(SIGPIPE, SIG_IGN);
	if (transport_fd_open(&t, STDIN_FILENO, STDOUT_FILENO,
	    "master (stdio)") != 0)
		return 1;
	/* no sweep here: other sessions may hold snapshots */
	if (ctx->storage.ops->init(&ctx->storage, err, sizeof(err)) != 0)
		log_warn("%s", err);
	r = slave_session_run(ctx, &t);
	transport_close(&t);
	return r == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "stdio", no_argument, NULL, 's' },
		{ "test-config", no_argument, NULL, 't' },
		{ "fingerprint", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct slave_ctx ctx = { 0 };
	bool explicit_path = false, stdio_mode = false, test_only = false;
	bool print_fp = false;
	char err[512];
	int c, r;

	snprintf(ctx.software, sizeof(ctx.software), "corral-slave %s",
	    CORRAL_VERSION);
	ctx.conf_path = corral_conf_path(&explicit_path);
	while ((c = getopt_long(argc, argv, "c:fFthV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx.conf_path = optarg; explicit_path = true; break;
		case 'f': ctx.foreground = true; break;
		case 's': stdio_mode = true; break;
		case 't': test_only = true; break;
		case 'F': print_fp = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s\n", ctx.software); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "corral-slave: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	if (load_conf(&ctx, explicit_path) != 0)
		return 1;
	if (print_fp)
		return print_fingerprint(&ctx);
	if (storage_setup(&ctx.storage, &ctx.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "corral-slave: %s: %s\n", ctx.conf_path, err);
		r = 1;
	} else
		r = serve(&ctx, test_only, stdio_mode);
	storage_free(&ctx.storage);
	return r;
}
