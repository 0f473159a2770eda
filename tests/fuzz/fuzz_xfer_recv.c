/* libFuzzer target: the tree-transfer receiver (xfer_recv) against a
 * sender that may say anything.  The input (xfer_recv_input.h) is made
 * into frames and written, by a thread, into one end of a socketpair while
 * xfer_recv runs on the other, into a directory of its own under /dev/shm
 * (made once per process, emptied after every input by a walk beneath its
 * fd that never follows a symlink).  The thread reads and drops what the
 * receiver sends back, closes its writing side at the end of the input,
 * and gives up after FEED_MS: a receiver that waits past that sees its
 * stream shut down.  Whatever the stream says, nothing may crash, leak or
 * leave the directory.
 *
 * Running as root, the receiver makes what the stream asks for (owners,
 * devices, set-id bits, trusted xattrs): it never opens a special file,
 * and every input's entries are gone before the next. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librsync.h>

#include "buf.h"
#include "dirlist.h"
#include "frame.h"
#include "pace.h"
#include "proto.h"
#include "tree.h"
#include "xfer.h"
#include "xfer_recv_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FEED_MS   2000
#define RM_DEPTH  (TREE_DEPTH_MAX + 8)
#define BASIS_TIME 1500000000
#define WORK_NAME "corral-fuzz-recv.XXXXXX"

static char workdir[64];
static int storefd = -1;
static bool verbose;    /* CORRAL_FUZZ_VERBOSE: how each input ended */

/* ---- emptying the store: beneath its fd, never following a symlink */

static void
rm_beneath(int dfd, unsigned depth)
{
	struct dirlist l;
	struct stat st;
	size_t i;
	int fd;

	if (depth > RM_DEPTH || dirlist_read(dfd, &l) != 0)
		return;
	for (i = 0; i < l.n; i++) {
		const char *name = dirlist_name(&l, i);

		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			(void)unlinkat(dfd, name, 0);
			continue;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 && errno == EACCES &&
		    fchmodat(dfd, name, 0700, 0) == 0)   /* not root: mode 0 */
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			(void)fchmod(fd, 0700);
			rm_beneath(fd, depth + 1);
			close(fd);
		}
		(void)unlinkat(dfd, name, AT_REMOVEDIR);
	}
	dirlist_free(&l);
}

static void
cleanup(void)
{
	if (storefd < 0)
		return;
	rm_beneath(storefd, 0);
	close(storefd);
	storefd = -1;
	(void)rmdir(workdir);
}

static int
setup_once(void)
{
	if (storefd >= 0)
		return 0;
	/* the receiver writes to a stream whose reader may be gone */
	signal(SIGPIPE, SIG_IGN);
	/* librsync would print every bad delta the fuzzer makes */
	rs_trace_set_level(RS_LOG_EMERG);
	snprintf(workdir, sizeof(workdir), "/dev/shm/%s", WORK_NAME);
	if (mkdtemp(workdir) == NULL) {
		snprintf(workdir, sizeof(workdir), "/tmp/%s", WORK_NAME);
		if (mkdtemp(workdir) == NULL)
			return -1;
	}
	if ((storefd = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	atexit(cleanup);
	verbose = getenv("CORRAL_FUZZ_VERBOSE") != NULL;
	return 0;
}

/* ---- the basis tree (XRI_BASIS); tests/fuzz/mkseeds_xfer_recv.sh makes
 * the same one for the seeds that carry deltas against it ---- */

static int
put_file(int dfd, const char *name, const char *text, unsigned lines)
{
	char line[32];
	struct timespec ts[2] = { { BASIS_TIME, 0 }, { BASIS_TIME, 0 } };
	size_t n = text ? strlen(text) : 0;
	int fd, rc = -1;
	unsigned i;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (n > 0 && write(fd, text, n) != (ssize_t)n)
		goto out;
	for (i = 0; i < lines; i++) {
		n = (size_t)snprintf(line, sizeof(line), "line %u\n", i);
		if (write(fd, line, n) != (ssize_t)n)
			goto out;
	}
	if (fchmod(fd, 0644) == 0 && futimens(fd, ts) == 0)
		rc = 0;
out:
	close(fd);
	return rc;
}

/* big (past the receiver's delta threshold), small, dir/f, link -> big */
static int
make_basis(int root)
{
	struct timespec ts[2] = { { BASIS_TIME, 0 }, { BASIS_TIME, 0 } };
	int d, rc;

	if (put_file(root, "big", NULL, 3000) != 0 ||
	    put_file(root, "small", "small\n", 0) != 0 ||
	    symlinkat("big", root, "link") != 0 ||
	    utimensat(root, "link", ts, AT_SYMLINK_NOFOLLOW) != 0 ||
	    mkdirat(root, "dir", 0755) != 0)
		return -1;
	if ((d = openat(root, "dir", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	rc = put_file(d, "f", "f\n", 0) == 0 && fchmod(d, 0755) == 0 &&
	    futimens(d, ts) == 0 ? 0 : -1;
	close(d);
	return rc;
}

/* ---- the sender's side: a thread ---- */

struct feed {
	int fd;
	const uint8_t *p;
	size_t n;
};

static void *
feeder(void *arg)
{
	struct feed *f = arg;
	int64_t end = monotonic_ms() + FEED_MS;
	uint8_t sink[64 * 1024];
	struct pollfd p;
	size_t off = 0;
	bool wr = true;
	ssize_t k;

	fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int64_t left = end - monotonic_ms();

		if (wr && off == f->n) {
			shutdown(f->fd, SHUT_WR);
			wr = false;
		}
		if (left <= 0)
			break;
		p.fd = f->fd;
		p.events = POLLIN | (wr ? POLLOUT : 0);
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(f->fd, sink, sizeof(sink));
			if (k == 0 || (k < 0 && errno != EAGAIN &&
			    errno != EINTR))
				break;   /* the receiver closed its end */
		}
		if (wr && (p.revents & POLLOUT)) {
			k = write(f->fd, f->p + off, f->n - off);
			if (k > 0)
				off += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR)
				wr = false;   /* the receiver is gone */
		}
	}
	/* past the deadline, a receiver still waiting sees its stream end */
	shutdown(f->fd, SHUT_RDWR);
	return NULL;
}

/* The input's records as frames. */
static struct cbuf *
frames(const uint8_t *data, size_t size)
{
	/* a record's 4 bytes of header become a frame's 12 */
	struct cbuf *out = cbuf_new(size * 3 + 1024);
	size_t len;
	uint8_t kind;

	if (out == NULL)
		return NULL;
	while (size >= XRI_RECORD_HDR) {
		kind = data[0] % XRI_KINDS;
		len = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
		data += XRI_RECORD_HDR;
		size -= XRI_RECORD_HDR;
		if (len > size)
			len = size;
		if (len > PROTO_PAYLOAD_MAX)
			len = PROTO_PAYLOAD_MAX;
		if ((kind == XRI_RAW ? cbuf_put(out, data, len) :
		    frame_encode(out, xri_types[kind], 0, data, len)) != 0)
			break;   /* full: the rest is not sent */
		data += len;
		size -= len;
	}
	return out;
}

static void
on_change(void *arg, const char *relpath, enum xfer_change what)
{
	(void)relpath;
	(void)what;
	(*(unsigned *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfer_opts o = { .storefd = -1 };
	struct tree_stats st;
	struct cbuf *stream = NULL;
	struct feed f;
	pthread_t th;
	unsigned changes = 0;
	char err[512];
	int sv[2] = { -1, -1 }, root = -1, rc;
	uint8_t opt;

	if (size < 1 || setup_once() != 0)
		return 0;
	opt = data[0];
	if ((stream = frames(data + 1, size - 1)) == NULL)
		return 0;
	o.opts = (opt & XRI_DRY_RUN) ? TREE_OPT_DRY_RUN : 0;
	o.shared_inodes = (opt & XRI_SHARED) != 0;
	o.in_place = (opt & XRI_IN_PLACE) != 0;
	if (opt & XRI_CHANGES) {
		o.on_change = on_change;
		o.change_arg = &changes;
	}
	if (opt & XRI_CREATE) {
		o.storefd = storefd;
		o.create_path = "t/new";
	} else {
		if (mkdirat(storefd, "t", 0755) != 0 ||
		    (root = openat(storefd, "t", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0)
			goto out;
		if ((opt & XRI_BASIS) && make_basis(root) != 0)
			goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		goto out;
	f.fd = sv[0];
	f.p = cbuf_ptr(stream);
	f.n = cbuf_len(stream);
	if (pthread_create(&th, NULL, feeder, &f) != 0)
		goto out;
	rc = xfer_recv(root, sv[1], sv[1], &o, &st, err, sizeof(err));
	/* mkseeds_xfer_recv.sh checks that every seed is a whole transfer */
	if (verbose)
		fprintf(stderr, "xfer_recv: %s (%d), %" PRIu64 " changed\n",
		    rc ? err : "done", rc, st.files_changed);
	/* the feeder's read sees the end, and it returns */
	close(sv[1]);
	sv[1] = -1;
	pthread_join(th, NULL);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (root >= 0)
		close(root);
	cbuf_free(stream);
	rm_beneath(storefd, 0);
	return 0;
}
