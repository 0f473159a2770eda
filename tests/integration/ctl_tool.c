/* ctl-tool: the master's container operations (master/ctl.c) from the
 * command line, for tests/integration/ctl.sh.  Not installed: the jobs
 * that use these operations are the admin's interface.  It reads the
 * master's corral.conf ($CORRAL_CONF) and talks to the slave as the
 * master does, with the master's key and known_hosts.
 *
 *   ctl-tool HOST start|stop|remove|vol-create|vol-destroy NAME
 *            [-t SECONDS] [-f] [-b BYTES]     prints "STATE<TAB>MESSAGE"
 *   ctl-tool HOST conf-get NAME     the host-neutral config on stdout,
 *                                   "running=0|1 rootfs_bytes=N" on stderr
 *   ctl-tool HOST conf-set NAME [-o OLD] [-r]   the config from stdin
 *   ctl-tool HOST rename NAME -n TO  (CT_RENAME) prints "STATE<TAB>MESSAGE"
 *
 * Exit 0 done, 1 refused or failed (the reason on stderr), 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "master.h"

static const struct {
	const char *name;
	enum msg_ctl_op op;
} ops[] = {
	{ "start", MSG_CTL_START },
	{ "stop", MSG_CTL_STOP },
	{ "remove", MSG_CTL_REMOVE },
	{ "vol-create", MSG_CTL_VOL_CREATE },
	{ "vol-destroy", MSG_CTL_VOL_DESTROY },
};

static int
usage(void)
{
	fprintf(stderr, "usage: ctl-tool HOST start|stop|remove|vol-create|"
	    "vol-destroy NAME [-t SECONDS] [-f] [-b BYTES]\n"
	    "       ctl-tool HOST conf-get NAME\n"
	    "       ctl-tool HOST conf-set NAME [-o OLD] [-r] <CONFIG\n"
	    "       ctl-tool HOST rename NAME -n TO\n");
	return 2;
}

static int
conf_set(struct master_ctx *m, const char *host, struct msg_conf_set_req *q)
{
	struct msg_conf_set a;
	char err[1024];
	size_t n = fread(q->config, 1, sizeof(q->config), stdin);

	if (n >= sizeof(q->config)) {
		fprintf(stderr, "ctl-tool: the config is over %u bytes\n",
		    MSG_CONFIG_MAX);
		return 1;
	}
	q->config[n] = '\0';
	if (master_conf_set(m, host, q, &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctl-tool: %s\n", err);
		return 1;
	}
	printf("%s\n", a.message);
	return 0;
}

static int
conf_get(struct master_ctx *m, const char *host, const char *ct)
{
	struct msg_conf *a = calloc(1, sizeof(*a));
	char err[1024];
	int rc = 1;

	if (a == NULL)
		return 1;
	if (master_conf_get(m, host, ct, a, err, sizeof(err)) != 0)
		fprintf(stderr, "ctl-tool: %s\n", err);
	else {
		fputs(a->config, stdout);
		fprintf(stderr, "running=%u rootfs_bytes=%llu\n",
		    (unsigned)a->running, (unsigned long long)a->rootfs_bytes);
		rc = 0;
	}
	free(a);
	return rc;
}

int
main(int argc, char **argv)
{
	struct master_ctx m = { 0 };
	struct msg_conf_set_req *q = NULL;
	struct msg_ctl a;
	struct conf_err cerr;
	const char *host, *verb, *ct, *to = NULL;
	char err[1024];
	uint32_t timeout = 0, flags = 0;
	uint64_t bytes = 0;
	size_t i;
	int c, rc = 1;

	if (argc < 4)
		return usage();
	host = argv[1];
	verb = argv[2];
	ct = argv[3];
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return 1;
	snprintf(q->ct, sizeof(q->ct), "%s", ct);
	optind = 4;
	while ((c = getopt(argc, argv, "t:fb:o:rn:")) != -1) {
		switch (c) {
		case 't': timeout = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'f': flags |= MSG_CTL_FORCE; break;
		case 'b': bytes = strtoull(optarg, NULL, 10); break;
		case 'o': snprintf(q->old, sizeof(q->old), "%s", optarg); break;
		case 'r': q->flags |= MSG_CONF_REPLACE; break;
		case 'n': to = optarg; break;
		default: free(q); return usage();
		}
	}
	snprintf(m.software, sizeof(m.software), "corral-master %s",
	    CORRAL_VERSION);
	m.conf_path = getenv("CORRAL_CONF");
	pthread_rwlock_init(&m.pollers_lock, NULL);
	if (m.conf_path == NULL ||
	    master_load_config(&m, true, &cerr) != 0) {
		fprintf(stderr, "ctl-tool: %s\n", m.conf_path == NULL ?
		    "CORRAL_CONF is not set" : cerr.msg);
		goto out;
	}
	if (strcmp(verb, "conf-get") == 0)
		rc = conf_get(&m, host, ct);
	else if (strcmp(verb, "conf-set") == 0)
		rc = conf_set(&m, host, q);
	else if (strcmp(verb, "rename") == 0 && to != NULL) {
		if (master_rename(&m, host, ct, to, &a, err, sizeof(err)) != 0)
			fprintf(stderr, "ctl-tool: %s\n", err);
		else {
			printf("%s\t%s\n", a.state, a.message);
			rc = 0;
		}
	} else {
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (strcmp(verb, ops[i].name) == 0)
				break;
		if (i == sizeof(ops) / sizeof(ops[0])) {
			rc = usage();
			goto out;
		}
		if (master_ctl(&m, host, ct, ops[i].op, timeout, flags, bytes,
		    &a, err, sizeof(err)) != 0)
			fprintf(stderr, "ctl-tool: %s\n", err);
		else {
			printf("%s\t%s\n", a.state, a.message);
			rc = 0;
		}
	}
out:
	master_free_config(&m);
	pthread_rwlock_destroy(&m.pollers_lock);
	free(q);
	return rc;
}
