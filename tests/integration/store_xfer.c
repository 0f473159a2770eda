/* store-xfer: the master's store transfers (master/storexfer.h) driven
 * alone, with the master's own objects, against a running pool, until the
 * get and put jobs call them.  It reads the master's corral.conf
 * ($CORRAL_CONF) and its slaves.conf, and opens its store.
 *
 *   store-xfer get HOST SRC CT [--kind hot|cold] [--checksum]
 *                                 SRC (a path or @C) on HOST into a new
 *                                 version of CT; prints "key value" lines:
 *                                 version, resumed, files, changed,
 *                                 deleted, literal, matched, wire, changes
 *                                 (paths handed to the commit)
 *   store-xfer put CT VERSION|- HOST DST
 *                                 the version (-: the newest) onto HOST's
 *                                 DST; prints version, files, changed,
 *                                 deleted, literal, wire
 *
 * --kill-at BYTES: SIGKILL itself once progress passes BYTES (a master
 * killed mid-transfer); --cancel-at BYTES: the progress callback asks to
 * stop there (a cancelled job).  $STORE_XFER_DEBUG set: each progress
 * report on stderr.  Exit 0 done, 1 failed, 2 usage. */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "store.h"
#include "storexfer.h"

struct stop_at {
	uint64_t kill, cancel;       /* bytes; 0: never */
	uint64_t calls;
};

static int
progress(void *arg, const struct msg_progress *p)
{
	struct stop_at *s = arg;

	s->calls++;
	if (getenv("STORE_XFER_DEBUG") != NULL)
		fprintf(stderr, "progress %" PRIu64 "/%" PRIu64 " files, %"
		    PRIu64 "/%" PRIu64 " bytes\n", p->files_done,
		    p->files_total, p->bytes_done, p->bytes_total);
	if (s->kill && p->bytes_done >= s->kill)
		raise(SIGKILL);
	return s->cancel && p->bytes_done >= s->cancel;
}

static int
usage(void)
{
	fprintf(stderr, "usage: store-xfer get HOST SRC CT [--kind hot|cold] "
	    "[--checksum] [--kill-at BYTES] [--cancel-at BYTES]\n"
	    "       store-xfer put CT VERSION|- HOST DST [--checksum] "
	    "[--kill-at BYTES] [--cancel-at BYTES]\n");
	return 2;
}

static void
print_result(const struct storexfer_result *r)
{
	printf("files %" PRIu64 "\nchanged %" PRIu64 "\ndeleted %" PRIu64
	    "\nliteral %" PRIu64 "\nmatched %" PRIu64 "\nwire %" PRIu64 "\n",
	    r->st.files, r->st.files_changed, r->st.deleted,
	    r->st.literal_bytes, r->st.matched_bytes, r->wire_bytes);
}

static int
cmd_get(struct master_ctx *m, struct store *s, char **argv,
    struct storexfer_opts *o, enum store_kind kind)
{
	struct store_meta meta = { .host = argv[0], .kind = kind };
	struct store_changes *ch = store_changes_new();
	struct storexfer_result res;
	struct store_tx *tx = NULL;
	char err[1024];
	size_t n;
	bool resumed;

	if (ch == NULL || store_begin(s, argv[2], &tx, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-xfer: begin: %s\n", ch ? err :
		    "out of memory");
		store_changes_free(ch);
		return 1;
	}
	resumed = store_tx_info(tx)->resumed;
	if (store_get_tree(m, argv[0], argv[1], tx, ch, o, &res, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "store-xfer: get: %s\n", err);
		store_abort(tx);       /* .incoming stays for the next run */
		store_changes_free(ch);
		return 1;
	}
	n = store_changes_count(ch);
	if (store_commit(tx, &meta, ch, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-xfer: commit: %s\n", err);
		store_changes_free(ch);
		return 1;
	}
	store_changes_free(ch);
	printf("version %s\nresumed %d\nchanges %zu\n", meta.version, resumed,
	    n);
	print_result(&res);
	return 0;
}

static int
cmd_put(struct master_ctx *m, struct store *s, char **argv,
    struct storexfer_opts *o)
{
	struct store_reader rd;
	struct storexfer_result res;
	char err[1024];
	int rc = 1;

	if (store_read_open(s, argv[0], strcmp(argv[1], "-") == 0 ? NULL :
	    argv[1], &rd, err, sizeof(err)) != 0) {
		fprintf(stderr, "store-xfer: %s\n", err);
		return 1;
	}
	if (store_put_tree(m, argv[2], rd.rootfs_fd, argv[3], o, &res, err,
	    sizeof(err)) != 0)
		fprintf(stderr, "store-xfer: put: %s\n", err);
	else {
		printf("version %s\n", rd.version);
		print_result(&res);
		rc = 0;
	}
	store_read_close(&rd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct master_ctx m = { 0 };
	struct stop_at stop = { 0 };
	struct storexfer_opts o = { .progress = progress, .arg = &stop };
	enum store_kind kind = STORE_COLD;
	struct conf_err cerr;
	struct store *s = NULL;
	char err[1024], note[1024], *pos[4];
	bool explicit_path = false;
	int i, npos = 0, rc = 2;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--checksum") == 0)
			o.opts |= TREE_OPT_CHECKSUM;
		else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc) {
			if (store_kind_parse(argv[++i], &kind) != 0)
				return usage();
		} else if (strcmp(argv[i], "--kill-at") == 0 && i + 1 < argc)
			stop.kill = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cancel-at") == 0 && i + 1 < argc)
			stop.cancel = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage();
		else if (npos < 4)
			pos[npos++] = argv[i];
		else
			return usage();
	}
	if (argc < 2 || npos != (strcmp(argv[1], "get") == 0 ? 3 : 4) ||
	    (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "put") != 0))
		return usage();
	/* as the daemon: a peer's close must not kill us */
	signal(SIGPIPE, SIG_IGN);
	snprintf(m.software, sizeof(m.software), "corral-master %s",
	    CORRAL_VERSION);
	pthread_rwlock_init(&m.pollers_lock, NULL);
	m.conf_path = corral_conf_path(&explicit_path);
	if (master_load_config(&m, explicit_path, &cerr) != 0) {
		fprintf(stderr, "store-xfer: %s\n", cerr.msg);
		rc = 1;
		goto out;
	}
	log_open("store-xfer", false, log_level_from_name(m.conf.log_level));
	if ((s = store_open(m.conf.store, note, sizeof(note), err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "store-xfer: %s\n", err);
		rc = 1;
		goto out;
	}
	if (strcmp(argv[1], "get") == 0)
		rc = cmd_get(&m, s, pos, &o, kind);
	else
		rc = cmd_put(&m, s, pos, &o);
	if (stop.calls == 0)
		fprintf(stderr, "store-xfer: note: no progress reported\n");
out:
	store_close(s);
	master_free_config(&m);
	pthread_rwlock_destroy(&m.pollers_lock);
	return rc;
}
