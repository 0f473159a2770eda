/* xfer-local SRC DST [--checksum] [--dry-run] [--compress]: run the
 * transfer engine's sender and receiver in two processes joined by a
 * socketpair, without SSH or a master: the engine alone, for tests. */
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

int
main(int argc, char **argv)
{
	struct xfer_opts o = { .zlevel = 1 };
	struct tree_stats st;
	char err[512];
	int sv[2], i, src, dst, status, rc;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: xfer-local SRC DST [--checksum] "
		    "[--dry-run] [--compress]\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--checksum") == 0)
			o.opts |= TREE_OPT_CHECKSUM;
		else if (strcmp(argv[i], "--dry-run") == 0)
			o.opts |= TREE_OPT_DRY_RUN;
		else if (strcmp(argv[i], "--compress") == 0)
			o.opts |= TREE_OPT_COMPRESS;
		else
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
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = rc ? rc : -1;
	printf("files %" PRIu64 " changed %" PRIu64 " deleted %" PRIu64
	    " bytes %" PRIu64 " literal %" PRIu64 " matched %" PRIu64
	    " wire %" PRIu64 "\n", st.files, st.files_changed, st.deleted,
	    st.bytes_total, st.literal_bytes, st.matched_bytes, st.wire_bytes);
	return rc == 0 ? 0 : 1;
}
