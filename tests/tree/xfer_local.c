/* xfer-local SRC DST [--checksum] [--dry-run] [--compress]
 *            [--shared-inodes] [--in-place] [--refuse-mounts]
 *            [--changes FILE] [--dump FILE [--basis]]:
 * run the transfer engine's sender and receiver in two processes joined
 * by a socketpair, without SSH or a master: the engine alone, for tests.
 * --changes writes the receiver's change report to FILE, one
 * "WHAT PATH\0" record an entry (WHAT: created, content, meta or
 * deleted).  --dump writes the sender's frames to FILE as an input of
 * tests/fuzz/fuzz_xfer_recv (xfer_recv_input.h), relayed through a thread
 * on their way; --basis: DST held that target's basis tree. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cerr.h"
#include "frame.h"
#include "tree.h"
#include "xfer.h"
#include "xfer_recv_input.h"

/* ---- --dump: a relay between the sender (a) and the receiver (b) ---- */

struct relay {
	int a, b;
	FILE *out;
	struct cbuf *in;    /* the sender's bytes not yet a whole frame */
	int rc;
};

/* Write the whole frames in r->in as records. */
static int
dump_frames(struct relay *r)
{
	struct frame_hdr h;
	const uint8_t *pl;
	size_t used;
	uint8_t rec[XRI_RECORD_HDR];
	int k;

	while (frame_parse(cbuf_ptr(r->in), cbuf_len(r->in), &h, &pl,
	    &used) == 0) {
		for (k = 0; k < XRI_RAW && xri_types[k] != h.type; k++)
			;
		if (k == XRI_RAW) {   /* not a type the receiver takes */
			pl = cbuf_ptr(r->in);
			h.len = (uint32_t)used;
		}
		rec[0] = (uint8_t)k;
		rec[1] = (uint8_t)(h.len >> 16);
		rec[2] = (uint8_t)(h.len >> 8);
		rec[3] = (uint8_t)h.len;
		if (fwrite(rec, 1, sizeof(rec), r->out) != sizeof(rec) ||
		    fwrite(pl, 1, h.len, r->out) != h.len)
			return -1;
		cbuf_consume(r->in, used);
	}
	return 0;
}

/* Copy from one end to the other until it ends; a's bytes are dumped. */
static int
relay_one(struct relay *r, int from, int to, bool *open_)
{
	uint8_t buf[64 * 1024], *p;
	ssize_t n, w, off;

	if ((n = read(from, buf, sizeof(buf))) < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0) {
		shutdown(to, SHUT_WR);
		*open_ = false;
		return 0;
	}
	for (off = 0; off < n; off += w)
		if ((w = write(to, buf + off, (size_t)(n - off))) < 0)
			return -1;
	if (from != r->a)
		return 0;
	if (cbuf_reserve(r->in, (size_t)n, &p) != 0)
		return -1;
	memcpy(p, buf, (size_t)n);
	return dump_frames(r);
}

static void *
relay_run(void *arg)
{
	struct relay *r = arg;
	bool a_open = true, b_open = true;
	struct pollfd p[2];

	while (a_open || b_open) {
		p[0].fd = a_open ? r->a : -1;
		p[1].fd = b_open ? r->b : -1;
		p[0].events = p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && relay_one(r, r->a, r->b, &a_open) != 0)
			break;
		if (p[1].revents && relay_one(r, r->b, r->a, &b_open) != 0)
			break;
	}
	r->rc = a_open || b_open || cbuf_len(r->in) != 0 ? -1 : 0;
	shutdown(r->a, SHUT_RDWR);
	shutdown(r->b, SHUT_RDWR);
	return NULL;
}

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
	struct relay rl = { .rc = 0 };
	pthread_t th;
	bool basis = false;
	char err[512];
	int sv[2], rv[2], i, src, dst, status, rc, recvfd;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: xfer-local SRC DST [--checksum] "
		    "[--dry-run] [--compress] [--shared-inodes] [--in-place] "
		    "[--refuse-mounts] [--changes FILE] [--dump FILE "
		    "[--basis]]\n");
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
		else if (strcmp(argv[i], "--in-place") == 0)
			o.in_place = true;
		else if (strcmp(argv[i], "--refuse-mounts") == 0)
			o.refuse_mounts = true;
		else if (strcmp(argv[i], "--changes") == 0 && i + 1 < argc &&
		    changes == NULL) {
			if ((changes = fopen(argv[++i], "we")) == NULL) {
				perror("xfer-local: --changes");
				return 1;
			}
			o.on_change = on_change;
			o.change_arg = changes;
		} else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc &&
		    rl.out == NULL) {
			if ((rl.out = fopen(argv[++i], "we")) == NULL) {
				perror("xfer-local: --dump");
				return 1;
			}
		} else if (strcmp(argv[i], "--basis") == 0)
			basis = true;
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
	recvfd = sv[1];
	if (rl.out != NULL) {
		/* the receiver's options as the fuzz target takes them */
		fputc(((o.opts & TREE_OPT_DRY_RUN) ? XRI_DRY_RUN : 0) |
		    (o.shared_inodes ? XRI_SHARED : 0) |
		    (o.in_place ? XRI_IN_PLACE : 0) |
		    (basis ? XRI_BASIS : 0) |
		    (o.on_change ? XRI_CHANGES : 0), rl.out);
		/* room for a whole frame and a read */
		rl.in = cbuf_new(2 * (PROTO_PAYLOAD_MAX + PROTO_HDR_LEN));
		if (rl.in == NULL ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rv) != 0)
			return 1;
		rl.a = sv[1];
		rl.b = rv[0];
		recvfd = rv[1];
		if (pthread_create(&th, NULL, relay_run, &rl) != 0)
			return 1;
	}
	rc = xfer_recv(dst, recvfd, recvfd, &o, &st, err, sizeof(err));
	close(recvfd);
	if (rc != 0)
		fprintf(stderr, "xfer-local: receiver: %s (%d)\n", err, rc);
	if (rl.out != NULL) {
		pthread_join(th, NULL);
		close(rl.a);
		close(rl.b);
		cbuf_free(rl.in);
		if (fclose(rl.out) != 0 || rl.rc != 0) {
			fprintf(stderr, "xfer-local: --dump failed\n");
			rc = rc ? rc : -1;
		}
	}
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
