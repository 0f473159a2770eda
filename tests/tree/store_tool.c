/* store-tool: the master's store (master/store.h) alone, for tests.
 *
 *   store-tool STORE begin CT                 make or resume CT's .incoming;
 *                                             prints method, resumed, base,
 *                                             path (one "key value" a line)
 *   store-tool STORE commit CT --host H --kind hot|cold|get
 *              [--created EPOCH] [--changes FILE|-]
 *                                             publish it; prints the version.
 *                                             FILE: the receiver's report as
 *                                             xfer-local --changes writes it,
 *                                             "WHAT PATH\0" records
 *   store-tool STORE discard CT               remove CT's .incoming
 *   store-tool STORE versions CT              one line a version: name kind
 *                                             host created files bytes stored
 *                                             verified bad
 *   store-tool STORE verify CT [VERSION]      problems as "what path"; exit 1
 *                                             if the version is bad
 *   store-tool STORE remove CT VERSION
 *   store-tool STORE containers
 *
 * --kill-at STEP[:N] (any command): SIGKILL itself at the N-th (default
 * first) step STEP of the store ("clone", "commit", "publish").  Exit 0
 * done, 1 failed, 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "store.h"

struct kill_at {
	char step[32];
	unsigned long n;
};

static void
step_hook(void *arg, const char *step)
{
	struct kill_at *k = arg;

	if (strcmp(step, k->step) == 0 && --k->n == 0) {
		fflush(stdout);
		raise(SIGKILL);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: store-tool STORE begin|commit|discard|"
	    "versions|verify|remove|containers [CT [...]] "
	    "[--kill-at STEP[:N]]\n");
	return 2;
}

/* Read "WHAT PATH\0" records into c; deletions are not in a version. */
static int
read_changes(const char *file, struct store_changes *c)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	char *rec = NULL, *sp;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (f == NULL) {
		perror(file);
		return -1;
	}
	while ((n = getdelim(&rec, &cap, '\0', f)) > 0) {
		if ((sp = strchr(rec, ' ')) == NULL) {
			fprintf(stderr, "store-tool: %s: a record without "
			    "WHAT\n", file);
			rc = -1;
			break;
		}
		if (strncmp(rec, "deleted ", 8) != 0 &&
		    store_changes_add(c, sp + 1) != 0) {
			rc = -1;
			break;
		}
	}
	free(rec);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int
cmd_commit(struct store *s, const char *ct, int argc, char **argv)
{
	struct store_meta meta = { .host = "" };
	struct store_changes *changes = NULL;
	struct store_tx *tx;
	char err[1024];
	int i, rc = 1;

	for (i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--host") == 0)
			meta.host = argv[i + 1];
		else if (strcmp(argv[i], "--kind") == 0 &&
		    store_kind_parse(argv[i + 1], &meta.kind) == 0)
			;
		else if (strcmp(argv[i], "--created") == 0)
			meta.created = (time_t)strtoll(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--changes") == 0 && changes == NULL) {
			if ((changes = store_changes_new()) == NULL ||
			    read_changes(argv[i + 1], changes) != 0)
				goto out;
		} else
			return usage();
	}
	if (i != argc)
		return usage();
	if (store_begin(s, ct, &tx, err, sizeof(err)) != 0 ||
	    store_commit(tx, &meta, changes, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-tool: commit: %s\n", err);
		goto out;
	}
	printf("%s\n", meta.version);
	rc = 0;
out:
	store_changes_free(changes);
	return rc;
}

static int
cmd_begin(struct store *s, const char *ct, bool discard)
{
	const struct store_tx_info *in;
	struct store_tx *tx;
	char err[1024];

	if (store_begin(s, ct, &tx, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-tool: begin: %s\n", err);
		return 1;
	}
	if (discard) {
		if (store_discard(tx, err, sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "store-tool: discard: %s\n", err);
		return 1;
	}
	in = store_tx_info(tx);
	printf("method %s\nresumed %d\nbase %s\npath %s\n",
	    store_method_name(store_method(s)), in->resumed,
	    in->base[0] ? in->base : "-", in->path);
	store_abort(tx);
	return 0;
}

static int
cmd_versions(struct store *s, const char *ct)
{
	struct store_version *v;
	char err[1024], created[32], verified[32];
	size_t i, n;

	if (store_versions(s, ct, &v, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-tool: versions: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct tm tm;

		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ",
		    gmtime_r(&v[i].created, &tm));
		if (v[i].verified)
			strftime(verified, sizeof(verified),
			    "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&v[i].verified,
			    &tm));
		else
			snprintf(verified, sizeof(verified), "-");
		printf("%s %s %s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %s"
		    "\n", v[i].name, v[i].kind ? store_kind_name(v[i].kind) :
		    "-", v[i].host[0] ? v[i].host : "-", created, v[i].files,
		    v[i].bytes, v[i].stored, verified, v[i].bad ? "bad" : "ok");
	}
	free(v);
	return 0;
}

static void
print_problem(void *arg, const char *path, const char *what)
{
	char shown[4 * 4096 + 1];

	(void)arg;
	printf("%s %s\n", what, str_escaped(shown, sizeof(shown), path));
}

int
main(int argc, char **argv)
{
	struct kill_at k = { .n = 0 };
	char err[1024], note[1024], **names;
	struct store *s;
	const char *cmd, *ct;
	size_t i, n;
	int rc = 2;

	/* --kill-at comes last */
	if (argc >= 5 && strcmp(argv[argc - 2], "--kill-at") == 0) {
		char *colon = strchr(argv[argc - 1], ':');

		k.n = colon ? strtoul(colon + 1, NULL, 10) : 1;
		snprintf(k.step, sizeof(k.step), "%.*s", colon ?
		    (int)(colon - argv[argc - 1]) : 31, argv[argc - 1]);
		argc -= 2;
	}
	if (argc < 3)
		return usage();
	if ((s = store_open(argv[1], note, sizeof(note), err, sizeof(err)))
	    == NULL) {
		fprintf(stderr, "store-tool: %s\n", err);
		return 1;
	}
	if (note[0])
		fprintf(stderr, "store-tool: note: %s\n", note);
	if (k.n > 0)
		store_set_step_hook(s, step_hook, &k);
	cmd = argv[2];
	ct = argc > 3 ? argv[3] : NULL;
	if (strcmp(cmd, "containers") == 0 && argc == 3) {
		rc = 1;
		if (store_containers(s, &names, &n, err, sizeof(err)) == 0) {
			for (i = 0; i < n; i++)
				printf("%s\n", names[i]);
			store_names_free(names, n);
			rc = 0;
		} else
			fprintf(stderr, "store-tool: %s\n", err);
	} else if (ct == NULL) {
		rc = usage();
	} else if (strcmp(cmd, "begin") == 0 && argc == 4) {
		rc = cmd_begin(s, ct, false);
	} else if (strcmp(cmd, "discard") == 0 && argc == 4) {
		rc = cmd_begin(s, ct, true);
	} else if (strcmp(cmd, "commit") == 0) {
		rc = cmd_commit(s, ct, argc - 4, argv + 4);
	} else if (strcmp(cmd, "versions") == 0 && argc == 4) {
		rc = cmd_versions(s, ct);
	} else if (strcmp(cmd, "verify") == 0 && (argc == 4 || argc == 5)) {
		rc = store_verify(s, ct, argc == 5 ? argv[4] : NULL,
		    print_problem, NULL, err, sizeof(err));
		if (rc < 0 || (rc == 1 && err[0]))
			fprintf(stderr, "store-tool: verify: %s\n", err);
		printf("%s\n", rc == 0 ? "good" : rc == 1 ? "bad" : "error");
		rc = rc < 0 ? 1 : rc;
	} else if (strcmp(cmd, "remove") == 0 && argc == 5) {
		rc = store_remove(s, ct, argv[4], err, sizeof(err)) == 0 ? 0 : 1;
		if (rc != 0)
			fprintf(stderr, "store-tool: remove: %s\n", err);
	} else {
		rc = usage();
	}
	store_close(s);
	return rc;
}
