/* xfer-local SRC DST [--checksum] [--dry-run] [--compress]
 *            [--shared-inodes] [--changes FILE]: run the transfer
 * engine's sender and receiver in two processes joined by a socketpair,
 * without SSH or a master: the engine alone, for tests.  --changes writes
 * the receiver's change report to FILE, one "WHAT PATH\0" record an
 * entry (WHAT: created, content, meta or deleted). */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cerr.h"
#include "tree.h"
#include "xfer.h"

static void
on_change(void *arg, const char *relpath, enum xfer_change what)
{
	static const char *const names[] = {
		[XFER_CREATED] = "created", [XFER_CONTENT] = "content",
		[XFER_META] = "meta", [XFER_DELETED] = "deleted",
	};

	fprintf(arg, "%s %s%c", names[what], relpath, '\0');
}

int
main(int argc, char **argv)
{
	struct xfer_opts o = { .zlevel = 1 };
	FILE *changes = NULL;
	struct tree_stats st;
	char err[512];
	int sv[2], i, src, dst, status, rc;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: xfer-local SRC DST [--checksum] "
		    "[--dry-run] [--compress] [--shared-inodes] "
		    "[--changes FILE]\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--checksum") == 0)
			o.opts |= TREE_OPT_CHECKSUM;
		else if (strcmp(argv[i], "--dry-run") == 0)
			o.opts |= TREE_OPT_DRY_RUN;
		else if (strcmp(argv[i], "--compress") == 0)
			o.opts |= TREE_OPT_COMPRESS;
		else if (strcmp(argv[i], "--shared-inodes") == 0)
			o.shared_inodes = true;
		else if (strcmp(argv[i], "--changes") == 0 && i + 1 < argc &&
		    changes == NULL) {
			if ((changes = fopen(argv[++i], "we")) == NULL) {
				perror("xfer-local: --changes");
				return 1;
			}
			o.on_change = on_change;
			o.change_arg = changes;
		} else
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	src = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dst = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || dst < 0) {
		perror("xfer-local: open");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 1;
	if ((pid = fork()) == 0) {
		close(sv[1]);
		rc = xfer_send(src, sv[0], sv[0], &o, &st, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "xfer-local: sender: %s\n", err);
		_exit(rc == 0 ? 0 : 1);
	}
	close(sv[0]);
	rc = xfer_recv(dst, sv[1], sv[1], &o, &st, err, sizeof(err));
	close(sv[1]);
	if (rc != 0)
		fprintf(stderr, "xfer-local: receiver: %s (%d)\n", err, rc);
	if (changes != NULL && fclose(changes) != 0) {
		perror("xfer-local: --changes");
		rc = rc ? rc : -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = rc ? rc : -1;
	printf("files %" PRIu64 " changed %" PRIu64 " deleted %" PRIu64
	    " bytes %" PRIu64 " literal %" PRIu64 " matched %" PRIu64
	    " wire %" PRIu64 "\n", st.files, st.files_changed, st.deleted,
	    st.bytes_total, st.literal_bytes, st.matched_bytes, st.wire_bytes);
	return rc == 0 ? 0 : 1;
}
