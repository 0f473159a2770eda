/* Unit tests: the tree-transfer receiver (slave/xfer_recv.c) against a
 * hostile sender.  Each test runs xfer_recv in a thread on one end of a
 * socketpair, with dst/ of a fresh mkdtemp() sandbox as its root, and plays
 * the sender on the other end with hand-made frames.  Beside dst/ lies
 * outside/ with a canary file: whatever the stream says, nothing outside
 * dst/ may change, no temporary file may be left behind, and a file that
 * fails to arrive keeps its old content under its name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "buf.h"
#include "cerr.h"
#include "frame.h"
#include "proto.h"
#include "transport.h"
#include "tree.h"
#include "xfer.h"
#include "xfer_meta.h"
#include "xfer_recv.h"
#include "xfer_send.h"

#define CANARY  "canary: must never change\n"
#define OLD     "old content\n"          /* a file's content before */
#define MTIME   1500000000
#define DELTA_SIZE (128 * 1024)          /* the receiver asks deltas from here */

/* BUG: item_free() in slave/xfer_recv.c closes it->dfd and then calls
 * unlinkat(it->dfd, it->tmpname, 0) on the closed fd (EBADF): every file
 * whose temporary was opened before the transfer failed leaves its
 * .corral-*.tmp behind in dst/.  While this is 1, sb_check() does not look
 * for temporaries and test_tmp_removed_on_failure (which does) is skipped;
 * set it to 0 and unskip once fixed. */
#define BUG_TMP_LEFT 0

/* ---- the sandbox: dst/ (the receiver's root) and outside/file ---- */

struct sb {
	char dir[64];
	int fd, dst;
	struct stat dst0, out0, file0;
};

static void
write_file(int dfd, const char *name, const void *p, size_t n)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* Length read (at most cap), or -1 if name is not there. */
static ssize_t
read_file(int dfd, const char *name, void *buf, size_t cap)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < cap && (n = read(fd, (char *)buf + got,
	    cap - (size_t)got)) > 0)
		got += n;
	close(fd);
	return got;
}

static void
assert_content(int dfd, const char *name, const void *p, size_t n)
{
	uint8_t *buf = malloc(n + 1);

	assert_non_null(buf);
	assert_int_equal(read_file(dfd, name, buf, n + 1), (ssize_t)n);
	assert_memory_equal(buf, p, n);
	free(buf);
}

static void
assert_absent(int dfd, const char *name)
{
	struct stat st;

	assert_int_not_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(errno, ENOENT);
}

/* Wait (up to 3 s) for the receiver to install name with n bytes. */
static void
wait_for(int dfd, const char *name, off_t n)
{
	struct stat st;
	int i;

	for (i = 0; i < 300; i++) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size == n)
			return;
		usleep(10000);
	}
	fail_msg("'%s' never appeared", name);
}

static void
assert_same_stat(const struct stat *a, const struct stat *b)
{
	assert_int_equal(a->st_ino, b->st_ino);
	assert_int_equal(a->st_mode, b->st_mode);
	assert_int_equal(a->st_nlink, b->st_nlink);
	assert_int_equal(a->st_size, b->st_size);
	assert_int_equal(a->st_uid, b->st_uid);
	assert_int_equal(a->st_mtim.tv_sec, b->st_mtim.tv_sec);
	assert_int_equal(a->st_mtim.tv_nsec, b->st_mtim.tv_nsec);
}

/* Names in dfd/name (the directory itself with ""), "." and ".." left out;
 * with prefix, only those starting with it, counted through the subtree
 * (never following a symlink). */
static int
count_names(int dfd, const char *name, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	fd = openat(dfd, name[0] ? name : ".", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_non_null(d = fdopendir(fd));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (prefix == NULL) {
			n++;
			continue;
		}
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
		if (de->d_type == DT_DIR)
			n += count_names(dirfd(d), de->d_name, prefix);
	}
	closedir(d);
	return n;
}

static void
sb_new(struct sb *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/xfer-hostile.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_true((s->fd = open(s->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0);
	assert_int_equal(mkdirat(s->fd, "dst", 0755), 0);
	assert_int_equal(mkdirat(s->fd, "outside", 0755), 0);
	write_file(s->fd, "outside/file", CANARY, strlen(CANARY));
	assert_true((s->dst = openat(s->fd, "dst", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) >= 0);
	assert_int_equal(fstatat(s->fd, "dst", &s->dst0, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s->fd, "outside", &s->out0,
	    AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s->fd, "outside/file", &s->file0,
	    AT_SYMLINK_NOFOLLOW), 0);
}

/* Nothing outside dst/ changed; no temporary file anywhere under dst/. */
static void
sb_check(struct sb *s)
{
	struct stat st;

	assert_content(s->fd, "outside/file", CANARY, strlen(CANARY));
	assert_int_equal(fstatat(s->fd, "outside/file", &st,
	    AT_SYMLINK_NOFOLLOW), 0);
	assert_same_stat(&st, &s->file0);
	assert_int_equal(fstatat(s->fd, "outside", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_same_stat(&st, &s->out0);
	assert_int_equal(count_names(s->fd, "outside", NULL), 1);
	assert_int_equal(count_names(s->fd, "", NULL), 2);
	assert_int_equal(fstatat(s->fd, "dst", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_ino, s->dst0.st_ino);
	assert_true(S_ISDIR(st.st_mode));
	if (!BUG_TMP_LEFT)
		assert_int_equal(count_names(s->fd, "dst", ".corral-"), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void
sb_free(struct sb *s)
{
	sb_check(s);
	close(s->dst);
	close(s->fd);
	assert_int_equal(nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- the receiver in a thread, and the hostile sender's side ---- */

struct rx {
	pthread_t th;
	int fd, peer;           /* our end, the receiver's end */
	int rootfd;
	struct xfer_opts o;
	struct tree_stats st;
	char err[512];
	int rc;
	bool hung;              /* did not stop by itself: waited for more */
	struct transport t;
};

static void *
rx_main(void *arg)
{
	struct rx *r = arg;

	r->rc = xfer_recv(r->rootfd, r->peer, r->peer, &r->o, &r->st, r->err,
	    sizeof(r->err));
	return NULL;
}

static void
rx_start_opts(struct rx *r, struct sb *s, uint32_t opts)
{
	int sv[2];

	memset(r, 0, sizeof(*r));
	r->o.opts = opts;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	r->fd = sv[0];
	r->peer = sv[1];
	assert_int_equal(fcntl(r->fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(transport_fd_open(&r->t, r->fd, r->fd, "receiver"), 0);
	/* a hung peer's net, no speed test: 3 s was short for the ASan
	 * build on a loaded machine (test_leader_paths_cap timed out) */
	r->t.timeout_ms = 30000;
	r->rootfd = s->dst;
	r->o.storefd = -1;
	assert_int_equal(pthread_create(&r->th, NULL, rx_main, r), 0);
}

static void
rx_start(struct rx *r, struct sb *s)
{
	rx_start_opts(r, s, 0);
}

/* Wait for the receiver (after closing our side with eof); a receiver
 * still running after 3 s took what it was sent and waits for more. */
static int
rx_end(struct rx *r, bool eof)
{
	struct timespec ts;

	if (eof)
		shutdown(r->fd, SHUT_WR);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	if (pthread_timedjoin_np(r->th, NULL, &ts) != 0) {
		r->hung = true;
		shutdown(r->fd, SHUT_RDWR);
		assert_int_equal(pthread_join(r->th, NULL), 0);
	}
	transport_close(&r->t);
	close(r->peer);
	return r->rc;
}

/* The receiver must refuse what it was sent, by itself, saying why. */
static void
expect_fail_eof(struct rx *r, const char *why, bool eof)
{
	int rc = rx_end(r, eof);

	if (getenv("XFER_HOSTILE_VERBOSE") != NULL)
		print_message("receiver: rc %d, '%s'\n", rc, r->err);
	if (r->hung || rc == 0)
		print_error("receiver %s (rc %d, err '%s'), expected '%s'\n",
		    r->hung ? "accepted it and waited for more" : "succeeded",
		    rc, r->err, why ? why : "a failure");
	assert_false(r->hung);
	assert_int_not_equal(rc, 0);
	assert_true(r->err[0] != '\0');
	if (why != NULL && strstr(r->err, why) == NULL)
		fail_msg("error '%s' does not say '%s'", r->err, why);
}

static void
expect_fail(struct rx *r, const char *why)
{
	expect_fail_eof(r, why, false);
}

static void
expect_ok(struct rx *r)
{
	int rc = rx_end(r, false);

	if (rc != 0 || r->hung)
		fail_msg("receiver failed (rc %d, hung %d): %s", rc, r->hung,
		    r->err);
}

static void
send_raw(struct rx *r, const void *p, size_t n)
{
	/* a receiver that gave up may stop reading: its result tells */
	(void)transport_write(&r->t, p, n);
}

static void
send_frame(struct rx *r, uint16_t type, const struct cbuf *pl)
{
	struct cbuf *f = cbuf_new(PROTO_PAYLOAD_MAX + PROTO_HDR_LEN);

	assert_non_null(f);
	assert_int_equal(frame_encode(f, type, 0, pl ? cbuf_ptr(pl) : NULL,
	    pl ? cbuf_len(pl) : 0), 0);
	send_raw(r, cbuf_ptr(f), cbuf_len(f));
	cbuf_free(f);
}

static void
send_hdr(struct rx *r, uint32_t len, uint16_t type, uint16_t flags)
{
	uint8_t h[PROTO_HDR_LEN] = {
		len >> 24, len >> 16, len >> 8, len, type >> 8, type,
		flags >> 8, flags, 0, 0, 0, 0,
	};

	send_raw(r, h, sizeof(h));
}

/* Entries, built with the encoder. */
struct ent {
	uint8_t kind;
	const char *name;
	uint64_t n;             /* FILE: size; HARDLINK: link_index */
	uint8_t flags;
};

#define E_ROOT          { TREE_DIR, "", 0, 0 }
#define E_DIR(x)        { TREE_DIR, (x), 0, 0 }
#define E_FILE(x, sz)   { TREE_FILE, (x), (sz), 0 }
#define E_LFILE(x, sz)  { TREE_FILE, (x), (sz), TREE_F_LINKED }
#define E_LINK(x, i)    { TREE_HARDLINK, (x), (i), 0 }
#define E_SYM(x)        { TREE_SYMLINK, (x), 0, 0 }
#define E_LEAVE         { TREE_LEAVE, "", 0, 0 }

static uint32_t
kind_mode(uint8_t kind)
{
	switch (kind) {
	case TREE_DIR:     return S_IFDIR | 0755;
	case TREE_SYMLINK: return S_IFLNK | 0777;
	default:           return S_IFREG | 0644;
	}
}

static void
put_ent(struct cbuf *b, const struct ent *x)
{
	static struct tree_entry e;

	memset(&e, 0, sizeof(e));
	e.kind = x->kind;
	e.flags = x->flags;
	snprintf(e.name, sizeof(e.name), "%s", x->name);
	e.mode = kind_mode(x->kind);
	e.uid = getuid();
	e.gid = getgid();
	e.mtime_sec = MTIME;
	e.size = x->kind == TREE_FILE ? x->n : 0;
	e.link_index = x->kind == TREE_HARDLINK ? (uint32_t)x->n : 0;
	snprintf(e.target, sizeof(e.target), "../outside");
	assert_int_equal(tree_entry_encode(b, &e), 0);
}

/* One entry with any name bytes (the encoder checks nothing either, but
 * cannot carry a NUL); the rest as put_ent makes it. */
static void
put_raw_ent(struct cbuf *b, uint8_t kind, const char *name, size_t len)
{
	assert_int_equal(cbuf_put_u8(b, kind), 0);
	assert_int_equal(cbuf_put_u8(b, 0), 0);
	assert_int_equal(cbuf_put_blob(b, name, len), 0);
	assert_int_equal(cbuf_put_u32(b, kind_mode(kind)), 0);
	assert_int_equal(cbuf_put_u32(b, getuid()), 0);
	assert_int_equal(cbuf_put_u32(b, getgid()), 0);
	assert_int_equal(cbuf_put_i64(b, MTIME), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);
	if (kind == TREE_FILE)
		assert_int_equal(cbuf_put_u64(b, 5), 0);
	if (kind == TREE_HARDLINK)
		assert_int_equal(cbuf_put_u32(b, 0), 0);
	if (kind == TREE_SYMLINK)
		assert_int_equal(cbuf_put_cstring(b, "../outside"), 0);
	assert_int_equal(cbuf_put_u32(b, 0), 0);   /* no xattrs */
}

static void
send_ents(struct rx *r, const struct ent *v, size_t n)
{
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	size_t i;

	assert_non_null(b);
	assert_int_equal(cbuf_put_u32(b, (uint32_t)n), 0);
	for (i = 0; i < n; i++)
		put_ent(b, &v[i]);
	send_frame(r, MSG_TREE_ENTRIES, b);
	cbuf_free(b);
}

#define SEND(r, ...) do { \
	const struct ent v_[] = { __VA_ARGS__ }; \
	send_ents((r), v_, sizeof(v_) / sizeof(v_[0])); \
} while (0)

static void
send_data(struct rx *r, uint32_t index, uint8_t kind, uint8_t flags,
    uint64_t off, uint32_t raw_len, const void *blob, size_t blob_len)
{
	struct tree_data d = {
		.index = index, .kind = kind, .flags = flags, .offset = off,
		.raw_len = raw_len, .blob = blob, .blob_len = (uint32_t)blob_len,
	};
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);

	assert_non_null(b);
	assert_int_equal(tree_data_encode(b, &d), 0);
	send_frame(r, MSG_TREE_DATA, b);
	cbuf_free(b);
}

static void
send_lit(struct rx *r, uint32_t index, uint64_t off, const void *p, size_t n)
{
	send_data(r, index, TREE_DATA_LITERAL, 0, off, (uint32_t)n, p, n);
}

static void
sha256(const void *p, size_t n, uint8_t h[TREE_HASH_LEN])
{
	assert_int_equal(EVP_Digest(p, n, h, NULL, EVP_sha256(), NULL), 1);
}

/* END of a file: its size and hash (of the n bytes at p; zeros if NULL). */
static void
send_fin(struct rx *r, uint32_t index, uint64_t size, const void *p, size_t n)
{
	uint8_t h[TREE_HASH_LEN] = { 0 };

	if (p != NULL)
		sha256(p, n, h);
	send_data(r, index, TREE_DATA_END, 0, size, TREE_HASH_LEN, h, sizeof(h));
}

static void
send_tree_end(struct rx *r)
{
	struct tree_stats st = { 0 };
	struct cbuf *b = cbuf_new(256);

	assert_int_equal(tree_stats_encode(b, &st), 0);
	send_frame(r, MSG_TREE_END, b);
	cbuf_free(b);
}

/* Read NEED frames until n needs are in. */
static void
read_needs(struct rx *r, struct tree_need *v, uint32_t n)
{
	struct frame f;
	uint32_t got = 0, count, i;

	while (got < n) {
		assert_int_equal(frame_read(&r->t, &f), 0);
		assert_int_equal(f.h.type, MSG_TREE_NEED);
		assert_int_equal(tree_needs_begin(f.payload, &count), 0);
		assert_true(count >= 1 && got + count <= n);
		for (i = 0; i < count; i++)
			assert_int_equal(tree_need_decode(f.payload, &v[got++]), 0);
		assert_int_equal(cbuf_expect_end(f.payload), 0);
		frame_clear(&f);
	}
}

static void
expect_need(struct rx *r, uint32_t index, uint8_t how)
{
	struct tree_need nd;

	read_needs(r, &nd, 1);
	assert_int_equal(nd.index, index);
	assert_int_equal(nd.how, how);
}

/* Signature frames for index up to its last. */
static void
skip_sig(struct rx *r, uint32_t index)
{
	struct tree_sig g;
	struct frame f;

	do {
		assert_int_equal(frame_read(&r->t, &f), 0);
		assert_int_equal(f.h.type, MSG_TREE_SIG);
		assert_int_equal(tree_sig_decode(f.payload, &g), 0);
		assert_int_equal(g.index, index);
		frame_clear(&f);
	} while (!g.last);
}

/* A delta NEED, then the basis's signature up to its last chunk. */
static void
expect_delta_need(struct rx *r, uint32_t index)
{
	expect_need(r, index, TREE_NEED_DELTA);
	skip_sig(r, index);
}

/* ---- librsync deltas made here ---- */

static int
to_cbuf(void *arg, const void *p, size_t n)
{
	return cbuf_put(arg, p, n) == 0 ? 0 : -1;
}

static struct cbuf *
rs_run(rs_job_t *job, const void *in, size_t len)
{
	struct cbuf *out = cbuf_new(CBUF_SIZE_MAX);

	assert_non_null(job);
	assert_non_null(out);
	assert_int_equal(rsjob_feed(job, in, len, true, to_cbuf, out), 1);
	rs_job_free(job);
	return out;
}

/* The delta that turns basis into data. */
static struct cbuf *
make_delta(const uint8_t *basis, size_t blen, const uint8_t *data, size_t len)
{
	rs_signature_t *sig = NULL;
	struct cbuf *s, *d, *none;

	s = rs_run(rs_sig_begin(2048, 32, RS_RK_BLAKE2_SIG_MAGIC), basis, blen);
	none = rs_run(rs_loadsig_begin(&sig), cbuf_ptr(s), cbuf_len(s));
	assert_int_equal(rs_build_hash_table(sig), RS_DONE);
	d = rs_run(rs_delta_begin(sig), data, len);
	rs_free_sumset(sig);
	cbuf_free(s);
	cbuf_free(none);
	return d;
}

static void
send_delta(struct rx *r, uint32_t index, const struct cbuf *d)
{
	size_t off, n;

	for (off = 0; off < cbuf_len(d); off += n) {
		n = cbuf_len(d) - off < TREE_CHUNK_MAX ? cbuf_len(d) - off :
		    TREE_CHUNK_MAX;
		send_data(r, index, TREE_DATA_DELTA, 0, 0, (uint32_t)n,
		    cbuf_ptr(d) + off, n);
	}
}

/* n bytes that deltas can tell apart */
static uint8_t *
pattern(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		p[i] = (uint8_t)seed;
	}
	return p;
}

/* ---- controls: an honest stream gets through the same helpers ---- */

static void
test_control_literal(void **state)
{
	struct sb s;
	struct rx r;
	struct cbuf *a = cbuf_new(4096), *b = cbuf_new(4096);

	(void)state;
	/* the raw encoder writes what the real one does */
	put_raw_ent(a, TREE_FILE, "ok", 2);
	{ const struct ent e = E_FILE("ok", 5); put_ent(b, &e); }
	assert_int_equal(cbuf_len(a), cbuf_len(b));
	assert_memory_equal(cbuf_ptr(a), cbuf_ptr(b), cbuf_len(a));
	cbuf_free(a);
	cbuf_free(b);

	sb_new(&s);
	write_file(s.dst, "f", OLD, strlen(OLD));
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("f", 10), E_LEAVE);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, "0123456789", 10);
	send_fin(&r, 0, 10, NULL, 0);
	send_tree_end(&r);
	expect_ok(&r);
	assert_content(s.dst, "f", "0123456789", 10);
	sb_free(&s);
}

static void
test_control_delta(void **state)
{
	uint8_t *basis = pattern(4096, 1), *data = pattern(DELTA_SIZE + 4096, 2);
	struct cbuf *d;
	struct sb s;
	struct rx r;

	(void)state;
	memcpy(data, basis, 4096);
	d = make_delta(basis, 4096, data, DELTA_SIZE + 4096);
	sb_new(&s);
	write_file(s.dst, "f", basis, 4096);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("f", DELTA_SIZE + 4096), E_LEAVE);
	expect_delta_need(&r, 0);
	send_delta(&r, 0, d);
	send_fin(&r, 0, DELTA_SIZE + 4096, data, DELTA_SIZE + 4096);
	send_tree_end(&r);
	expect_ok(&r);
	assert_int_equal(r.st.matched_bytes, 4096);
	assert_content(s.dst, "f", data, DELTA_SIZE + 4096);
	sb_free(&s);
	cbuf_free(d);
	free(basis);
	free(data);
}

/* ---- 1: the shape of the tree ---- */

static void
test_root_not_first(void **state)
{
	static const struct ent first[] = {
		E_FILE("x", 1), E_DIR("x"), E_LEAVE, E_SYM("x"), E_LINK("x", 0),
	};
	struct sb s;
	struct rx r;
	size_t i;

	(void)state;
	sb_new(&s);
	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		rx_start(&r, &s);
		SEND(&r, first[i], E_LEAVE);
		expect_fail(&r, "does not start with its root");
		assert_int_equal(count_names(s.dst, "", NULL), 0);
	}
	/* an empty ENTRIES frame first changes nothing */
	rx_start(&r, &s);
	send_ents(&r, NULL, 0);
	SEND(&r, E_FILE("x", 1));
	expect_fail(&r, "does not start with its root");
	assert_int_equal(count_names(s.dst, "", NULL), 0);
	sb_free(&s);
}

static void
test_entries_after_root_leave(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LEAVE, E_FILE("x", 1));
	expect_fail(&r, "after the end of the tree");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LEAVE);
	SEND(&r, E_DIR("x"), E_LEAVE);
	expect_fail(&r, "after the end of the tree");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LEAVE, E_LEAVE);
	expect_fail(&r, "after the end of the tree");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LEAVE, E_ROOT);
	expect_fail(&r, "after the end of the tree");
	assert_int_equal(count_names(s.dst, "", NULL), 0);
	sb_free(&s);
}

static void
test_second_root(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_ROOT);
	expect_fail(&r, "a second root");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("a"), E_ROOT, E_FILE("x", 1));
	expect_fail(&r, "a second root");
	assert_absent(s.dst, "x");
	assert_absent(s.dst, "a/x");
	sb_free(&s);
}

/* ---- 2: names ---- */

static void
test_bad_names(void **state)
{
	static char long_name[300];
	static const struct { const char *p; size_t n; } names[] = {
		{ "..", 2 }, { ".", 1 }, { "a/b", 3 }, { "/etc", 4 },
		{ "../outside", 10 }, { "", 0 }, { "a\0b", 3 }, { "\0", 1 },
		{ long_name, sizeof(long_name) },
	};
	static const uint8_t kinds[] = {
		TREE_FILE, TREE_DIR, TREE_SYMLINK, TREE_HARDLINK,
	};
	struct cbuf *b;
	struct sb s;
	struct rx r;
	size_t i, k;

	(void)state;
	memset(long_name, 'n', sizeof(long_name));
	sb_new(&s);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (k = 0; k < sizeof(kinds); k++) {
			rx_start(&r, &s);
			assert_non_null(b = cbuf_new(PROTO_PAYLOAD_MAX));
			assert_int_equal(cbuf_put_u32(b, 3), 0);
			{ const struct ent e = E_ROOT; put_ent(b, &e); }
			put_raw_ent(b, kinds[k], names[i].p, names[i].n);
			{ const struct ent e = E_LEAVE; put_ent(b, &e); }
			send_frame(&r, MSG_TREE_ENTRIES, b);
			cbuf_free(b);
			/* an empty DIR name is a root: refused later */
			expect_fail(&r, names[i].n == 0 && kinds[k] == TREE_DIR ?
			    "a second root" : "bad entry");
			assert_int_equal(count_names(s.dst, "", NULL), 0);
		}
	}
	sb_free(&s);
}

/* Names that merely contain "..": ordinary names a container user may
 * make, copied like any other, at any depth (the receiver goes back into
 * such directories by their path to set their times). */
static void
test_dotted_names(void **state)
{
	static const char *const files[] = {
		".../a..b/..a", ".../f", "..a", "a..b/b..",
	};
	struct tree_need nd[4];
	struct sb s;
	struct rx r;
	uint32_t i;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	SEND(&r, E_ROOT,
	    E_DIR("..."), E_DIR("a..b"), E_FILE("..a", 10), E_LEAVE,
	    E_FILE("f", 10), E_LEAVE,
	    E_FILE("..a", 10),
	    E_DIR("a..b"), E_FILE("b..", 10), E_LEAVE,
	    E_DIR("b.."), E_LEAVE,
	    E_LEAVE);
	read_needs(&r, nd, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(nd[i].index, i);
		assert_int_equal(nd[i].how, TREE_NEED_LITERAL);
		send_lit(&r, i, 0, "0123456789", 10);
		send_fin(&r, i, 10, NULL, 0);
	}
	send_tree_end(&r);
	expect_ok(&r);
	for (i = 0; i < 4; i++)
		assert_content(s.dst, files[i], "0123456789", 10);
	assert_int_equal(count_names(s.dst, "", NULL), 4);
	assert_int_equal(count_names(s.dst, "b..", NULL), 0);
	sb_free(&s);
}

/* A transfer root is opened by components: a whole ".." is refused
 * wherever it stands, a name containing ".." is not. */
static void
test_open_beneath_dotdot(void **state)
{
	static const char *const up[] = {
		"..", "../outside", "a..b/..", "a..b/../../outside", "./..",
		"/etc",
	};
	char err[256];
	struct sb s;
	size_t i;
	int fd;

	(void)state;
	sb_new(&s);
	assert_true((fd = xfer_open_beneath(s.dst, "a..b/.../..a/b..", true,
	    err, sizeof(err))) >= 0);
	close(fd);
	assert_true((fd = xfer_open_beneath(s.dst, "./a..b//.../..a", false,
	    err, sizeof(err))) >= 0);
	close(fd);
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		err[0] = '\0';
		assert_int_equal(xfer_open_beneath(s.dst, up[i], true, err,
		    sizeof(err)), -1);
		if (strstr(err, "'..' are refused") == NULL)
			fail_msg("'%s': %s", up[i], err);
		assert_int_equal(xfer_open_beneath(s.dst, up[i], false, err,
		    sizeof(err)), -1);
	}
	assert_int_equal(count_names(s.fd, "outside", NULL), 1);
	assert_int_equal(count_names(s.dst, "", NULL), 1);
	sb_free(&s);
}

static void
test_bad_entry_counts(void **state)
{
	const struct ent e[] = { E_ROOT, E_FILE("x", 1) };
	struct cbuf *b;
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	/* a count over the entries there */
	rx_start(&r, &s);
	assert_non_null(b = cbuf_new(4096));
	cbuf_put_u32(b, 3);
	put_ent(b, &e[0]);
	put_ent(b, &e[1]);
	send_frame(&r, MSG_TREE_ENTRIES, b);
	cbuf_free(b);
	expect_fail(&r, NULL);
	/* bytes after the last entry counted */
	rx_start(&r, &s);
	assert_non_null(b = cbuf_new(4096));
	cbuf_put_u32(b, 1);
	put_ent(b, &e[0]);
	put_ent(b, &e[1]);
	send_frame(&r, MSG_TREE_ENTRIES, b);
	cbuf_free(b);
	expect_fail(&r, NULL);
	assert_int_equal(count_names(s.dst, "", NULL), 0);
	sb_free(&s);
}

static void
test_names_out_of_order(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("b", 1), E_FILE("a", 1));
	expect_fail(&r, "out of order");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("a", 1), E_FILE("a", 2));
	expect_fail(&r, "out of order");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("a", 1), E_DIR("a"));
	expect_fail(&r, "out of order");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("d"), E_LEAVE, E_DIR("d"));
	expect_fail(&r, "out of order");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("d"), E_LEAVE, E_FILE("c", 1));
	expect_fail(&r, "out of order");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("d"), E_FILE("y", 1), E_FILE("x", 1));
	expect_fail(&r, "out of order");
	/* files that were never sent are not there */
	assert_absent(s.dst, "a");
	assert_absent(s.dst, "b");
	assert_absent(s.dst, "c");
	assert_int_equal(count_names(s.dst, "d", NULL), 0);
	sb_free(&s);
}

/* ---- 3: symlinks already in dst/ are replaced, never followed ---- */

static void
test_symlink_dir_not_followed(void **state)
{
	struct stat st;
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	assert_int_equal(symlinkat("../outside", s.dst, "a"), 0);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("a"), E_FILE("x", 5), E_LEAVE, E_LEAVE);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, "hello", 5);
	send_fin(&r, 0, 5, NULL, 0);
	send_tree_end(&r);
	expect_ok(&r);
	assert_int_equal(fstatat(s.dst, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_content(s.dst, "a/x", "hello", 5);
	sb_free(&s);
}

static void
test_symlink_file_not_followed(void **state)
{
	struct stat st;
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	/* a FILE of the link target's size and time would look unchanged
	 * if the receiver looked through the link */
	{
		struct timespec ts[2] = { { MTIME, 0 }, { MTIME, 0 } };

		assert_int_equal(utimensat(s.fd, "outside/file", ts, 0), 0);
		assert_int_equal(fstatat(s.fd, "outside/file", &s.file0, 0), 0);
	}
	assert_int_equal(symlinkat("../outside/file", s.dst, "a"), 0);
	assert_int_equal(symlinkat("../outside/file", s.dst, "b"), 0);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("a", 5), E_FILE("b", strlen(CANARY)), E_LEAVE);
	{
		struct tree_need v[2];

		read_needs(&r, v, 2);
		assert_int_equal(v[0].how, TREE_NEED_LITERAL);
		assert_int_equal(v[1].how, TREE_NEED_LITERAL);
	}
	send_lit(&r, 0, 0, "hello", 5);
	send_fin(&r, 0, 5, NULL, 0);
	send_lit(&r, 1, 0, "HELLO HELLO HELLO HELLO HELLO", strlen(CANARY));
	send_fin(&r, 1, strlen(CANARY), NULL, 0);
	send_tree_end(&r);
	expect_ok(&r);
	assert_int_equal(fstatat(s.dst, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_content(s.dst, "a", "hello", 5);
	assert_content(s.dst, "b", "HELLO HELLO HELLO HELLO HELLO",
	    strlen(CANARY));
	sb_free(&s);
}

/* ---- 4: hard links ---- */

static void
test_hardlink_bad_index(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LINK("g", 0));
	expect_fail(&r, "hard link to a later file");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LFILE("f", 3), E_LINK("g", 1));
	expect_fail(&r, "hard link to a later file");

	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LFILE("f", 3), E_LINK("g", UINT32_MAX));
	expect_fail(&r, "hard link to a later file");

	/* to a file not marked as linked: refused once f is done */
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("f", 3), E_LINK("g", 0), E_LEAVE);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, "abc", 3);
	send_fin(&r, 0, 3, NULL, 0);
	expect_fail(&r, "hard link to an unknown file");
	assert_absent(s.dst, "g");
	sb_free(&s);
}

static void
test_hardlink_symlink_swapped(void **state)
{
	struct tree_need v[2];
	struct stat a, b;
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	/* every name the stream uses is a symlink out of dst/ */
	assert_int_equal(symlinkat("../outside", s.dst, "d"), 0);
	assert_int_equal(symlinkat("../outside/file", s.dst, "f"), 0);
	assert_int_equal(symlinkat("../outside/file", s.dst, "g"), 0);
	assert_int_equal(symlinkat("../outside/file", s.dst, "h"), 0);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_DIR("d"), E_LFILE("file", 5), E_LEAVE,
	    E_LFILE("f", 5), E_LINK("g", 0), E_LINK("h", 1), E_LEAVE);
	read_needs(&r, v, 2);
	send_lit(&r, 0, 0, "hello", 5);
	send_fin(&r, 0, 5, NULL, 0);
	send_lit(&r, 1, 0, "world", 5);
	send_fin(&r, 1, 5, NULL, 0);
	send_tree_end(&r);
	expect_ok(&r);
	assert_int_equal(fstatat(s.dst, "d", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(a.st_mode));
	assert_content(s.dst, "d/file", "hello", 5);
	assert_content(s.dst, "f", "world", 5);
	assert_int_equal(fstatat(s.dst, "d/file", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s.dst, "g", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(b.st_mode) && a.st_ino == b.st_ino);
	assert_int_equal(fstatat(s.dst, "f", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s.dst, "h", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(b.st_mode) && a.st_ino == b.st_ino);
	sb_free(&s);
}

/* The leader's path is swapped for a symlink out of dst/ (by someone
 * racing in the container) after its file is in place and before the
 * link is made: the link must not reach outside/. */
static void
test_hardlink_leader_swapped(void **state)
{
	struct tree_need v[2];
	struct sb s;
	struct rx r;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		sb_new(&s);
		rx_start(&r, &s);
		SEND(&r, E_ROOT, E_DIR("d"), E_LFILE("file", 5), E_LEAVE,
		    E_FILE("f", 5), E_LINK("g", 0), E_LEAVE);
		read_needs(&r, v, 2);
		assert_true(v[0].how == TREE_NEED_LITERAL &&
		    v[1].how == TREE_NEED_LITERAL);
		send_lit(&r, 0, 0, "hello", 5);
		send_fin(&r, 0, 5, NULL, 0);
		send_lit(&r, 1, 0, "world", 5);
		/* once d/file is in place (the link waits for f): swap */
		wait_for(s.dst, "d/file", 5);
		if (i == 0) {
			assert_int_equal(renameat(s.dst, "d", s.dst, "d2"), 0);
			assert_int_equal(symlinkat("../outside", s.dst, "d"), 0);
		} else {
			assert_int_equal(unlinkat(s.dst, "d/file", 0), 0);
			assert_int_equal(symlinkat("../../outside/file", s.dst,
			    "d/file"), 0);
		}
		send_fin(&r, 1, 5, NULL, 0);
		send_tree_end(&r);
		expect_fail(&r, "hard link target");
		assert_absent(s.dst, "g");
		sb_free(&s);
	}
}

/* What the source lacks is deleted: a symlink goes, not what it names. */
static void
test_delete_never_follows(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	assert_int_equal(symlinkat("../outside", s.dst, "a"), 0);
	assert_int_equal(symlinkat("../outside/file", s.dst, "b"), 0);
	assert_int_equal(mkdirat(s.dst, "c", 0755), 0);
	assert_int_equal(symlinkat("../../outside", s.dst, "c/d"), 0);
	assert_int_equal(symlinkat("/proc/self/cwd", s.dst, "c/e"), 0);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LEAVE);
	send_tree_end(&r);
	expect_ok(&r);
	assert_int_equal(count_names(s.dst, "", NULL), 0);
	sb_free(&s);
}

/* A file of dst/ that is another name of a file outside it (a hard link
 * made beforehand): metadata the stream asks for must not land on the
 * outside file.  The stream's FILE "f" has the outside file's size and
 * mtime but another mode: the receiver rebuilds it (temp, rename) rather
 * than chmod the shared inode. */
static void
test_hardlinked_outside(void **state)
{
	struct sb s;
	struct rx r;
	struct timespec ts[2] = { { MTIME, 0 }, { MTIME, 0 } };

	(void)state;
	sb_new(&s);
	assert_int_equal(fchmodat(s.fd, "outside/file", 0600, 0), 0);
	assert_int_equal(utimensat(s.fd, "outside/file", ts, 0), 0);
	assert_int_equal(linkat(s.fd, "outside/file", s.dst, "f", 0), 0);
	assert_int_equal(fstatat(s.fd, "outside/file", &s.file0, 0), 0);
	rx_start(&r, &s);
	/* same size and time: unchanged content, other mode (0644) */
	SEND(&r, E_ROOT, E_FILE("f", strlen(CANARY)), E_LEAVE);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, CANARY, strlen(CANARY));
	send_fin(&r, 0, strlen(CANARY), NULL, 0);
	send_tree_end(&r);
	expect_ok(&r);
	/* dst/f is a new file now: the outside one keeps its mode and only
	 * loses the extra name */
	s.file0.st_nlink = 1;
	assert_content(s.dst, "f", CANARY, strlen(CANARY));
	sb_free(&s);
}

static void
test_tree_too_deep(void **state)
{
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	const struct ent root = E_ROOT, d = E_DIR("d");
	struct sb s;
	struct rx r;
	int i;

	(void)state;
	sb_new(&s);
	rx_start(&r, &s);
	cbuf_put_u32(b, TREE_DEPTH_MAX + 1);
	put_ent(b, &root);
	for (i = 0; i < TREE_DEPTH_MAX; i++)
		put_ent(b, &d);
	send_frame(&r, MSG_TREE_ENTRIES, b);
	cbuf_free(b);
	expect_fail(&r, "too deep");
	sb_free(&s);
}

/* ---- 5: DATA and END ---- */

/* dst/f holds OLD; the stream says f has 10 bytes: the receiver asks it. */
static void
lit_start(struct rx *r, struct sb *s)
{
	rx_start(r, s);
	SEND(r, E_ROOT, E_FILE("f", 10), E_LEAVE);
	expect_need(r, 0, TREE_NEED_LITERAL);
}

static void
lit_sandbox(struct sb *s)
{
	sb_new(s);
	write_file(s->dst, "f", OLD, strlen(OLD));
}

/* After a refused file: old content under its name, no temp file. */
static void
assert_old(struct sb *s)
{
	assert_content(s->dst, "f", OLD, strlen(OLD));
	sb_check(s);
}

static void
test_data_not_asked(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	lit_start(&r, &s);
	send_lit(&r, 1, 0, "0123456789", 10);
	expect_fail(&r, "not asked for");
	assert_old(&s);

	/* before any file was asked */
	rx_start(&r, &s);
	SEND(&r, E_ROOT);
	send_lit(&r, 0, 0, "0123456789", 10);
	expect_fail(&r, "not asked for");
	assert_old(&s);

	/* again after the file is done */
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "0123456789", 10);
	send_fin(&r, 0, 10, NULL, 0);
	send_lit(&r, 0, 0, "9876543210", 10);
	expect_fail(&r, "not asked for");
	assert_content(s.dst, "f", "0123456789", 10);
	sb_free(&s);
}

static void
test_data_out_of_order(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	write_file(s.dst, "g", OLD, strlen(OLD));
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("f", 10), E_FILE("g", 10), E_LEAVE);
	send_lit(&r, 1, 0, "0123456789", 10);
	send_fin(&r, 1, 10, NULL, 0);
	expect_fail(&r, "out of order");
	assert_content(s.dst, "g", OLD, strlen(OLD));
	assert_old(&s);
	sb_free(&s);
}

static void
test_data_past_size(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	lit_start(&r, &s);
	send_lit(&r, 0, 5, "0123456789", 10);
	expect_fail(&r, "past the announced size");
	assert_old(&s);

	lit_start(&r, &s);
	send_lit(&r, 0, 0, "0123456789", 10);
	send_lit(&r, 0, 10, "x", 1);
	expect_fail(&r, "past the announced size");
	assert_old(&s);

	lit_start(&r, &s);
	send_lit(&r, 0, (uint64_t)INT64_MAX - TREE_CHUNK_MAX, "x", 1);
	expect_fail(&r, "past the announced size");
	assert_old(&s);
	sb_free(&s);
}

static void
test_data_bad_zlib(void **state)
{
	uint8_t z[64], big[64];
	uLongf zn = sizeof(z), bn = sizeof(big);
	struct sb s;
	struct rx r;

	(void)state;
	assert_int_equal(compress(z, &zn, (const Bytef *)"0123456789", 10), Z_OK);
	memset(big, 'x', 20);
	assert_int_equal(compress(big, &bn, big, 20), Z_OK);
	lit_sandbox(&s);
	/* inflates to more than raw_len */
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_LITERAL, TREE_DATA_ZLIB, 0, 9, z, zn);
	expect_fail(&r, "does not inflate");
	assert_old(&s);
	/* to less */
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_LITERAL, TREE_DATA_ZLIB, 0, 10, z, zn - 1);
	expect_fail(&r, "does not inflate");
	assert_old(&s);
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_LITERAL, TREE_DATA_ZLIB, 0, 10, big, bn);
	expect_fail(&r, "does not inflate");
	assert_old(&s);
	/* not zlib at all */
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_LITERAL, TREE_DATA_ZLIB, 0, 10,
	    "0123456789", 10);
	expect_fail(&r, "does not inflate");
	assert_old(&s);
	/* nothing */
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_LITERAL, TREE_DATA_ZLIB, 0, 10, "", 0);
	expect_fail(&r, "does not inflate");
	assert_old(&s);
	sb_free(&s);
}

static void
test_end_larger_than_announced(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "0123456789", 10);
	send_fin(&r, 0, 11, NULL, 0);
	expect_fail(&r, "longer than announced");
	assert_old(&s);

	lit_start(&r, &s);
	send_fin(&r, 0, (uint64_t)INT64_MAX - TREE_CHUNK_MAX, NULL, 0);
	expect_fail(&r, "longer than announced");
	assert_old(&s);
	sb_free(&s);
}

static void
test_end_before_tree_complete(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	/* the root never left */
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_FILE("f", 10));
	send_tree_end(&r);
	expect_fail(&r, "end before the tree is complete");
	assert_old(&s);
	/* a file asked and never sent */
	lit_start(&r, &s);
	send_tree_end(&r);
	expect_fail(&r, "end before the tree is complete");
	assert_old(&s);
	/* a file half sent */
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "01234", 5);
	send_tree_end(&r);
	expect_fail(&r, "end before the tree is complete");
	assert_old(&s);
	/* nothing at all */
	rx_start(&r, &s);
	send_tree_end(&r);
	expect_fail(&r, "end before the tree is complete");
	assert_old(&s);
	sb_free(&s);
}

/* ---- 5, 6: deltas ---- */

#define BASIS_LEN 4096
#define FAKE_LEN  (2 * DELTA_SIZE)

/* dst/f holds BASIS_LEN bytes; the stream says it has size bytes. */
static void
delta_start(struct rx *r, struct sb *s, uint64_t size)
{
	rx_start(r, s);
	SEND(r, E_ROOT, E_FILE("f", size), E_LEAVE);
	expect_delta_need(r, 0);
}

static void
assert_basis(struct sb *s, const uint8_t *basis)
{
	assert_content(s->dst, "f", basis, BASIS_LEN);
	sb_check(s);
}

static void
test_delta_copy_past_basis(void **state)
{
	/* the sender pretends the basis is FAKE_LEN bytes, of which the real
	 * one is the first BASIS_LEN */
	uint8_t *fake = pattern(FAKE_LEN, 3);
	struct cbuf *d;
	struct sb s;
	struct rx r;

	(void)state;
	sb_new(&s);
	write_file(s.dst, "f", fake, BASIS_LEN);
	/* a COPY that starts in the basis and runs past its end */
	d = make_delta(fake, FAKE_LEN, fake, FAKE_LEN);
	assert_true(cbuf_len(d) < 1024);   /* copies, no literals */
	delta_start(&r, &s, FAKE_LEN);
	send_delta(&r, 0, d);
	send_fin(&r, 0, FAKE_LEN, fake, FAKE_LEN);
	expect_fail(&r, NULL);
	assert_basis(&s, fake);
	cbuf_free(d);
	/* a COPY that starts past the end */
	d = make_delta(fake, FAKE_LEN, fake + DELTA_SIZE, DELTA_SIZE);
	assert_true(cbuf_len(d) < 1024);
	delta_start(&r, &s, DELTA_SIZE);
	send_delta(&r, 0, d);
	send_fin(&r, 0, DELTA_SIZE, fake + DELTA_SIZE, DELTA_SIZE);
	expect_fail(&r, NULL);
	assert_basis(&s, fake);
	cbuf_free(d);
	sb_free(&s);
	free(fake);
}

static void
test_delta_bad_result(void **state)
{
	const size_t len = DELTA_SIZE + BASIS_LEN;
	uint8_t *basis = pattern(BASIS_LEN, 4), *data = pattern(len, 5);
	struct cbuf *d;
	struct sb s;
	struct rx r;

	(void)state;
	memcpy(data, basis, BASIS_LEN);
	d = make_delta(basis, BASIS_LEN, data, len);
	sb_new(&s);
	write_file(s.dst, "f", basis, BASIS_LEN);
	/* the hash in END is not the rebuilt file's: asked whole, and then
	 * not that either */
	delta_start(&r, &s, len);
	send_delta(&r, 0, d);
	data[len / 2] ^= 1;
	send_fin(&r, 0, len, data, len);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, data, len);
	data[len / 2] ^= 1;
	send_fin(&r, 0, len, data, len);
	expect_fail(&r, "hash differs");
	assert_basis(&s, basis);
	/* nor its size */
	delta_start(&r, &s, len);
	send_delta(&r, 0, d);
	send_fin(&r, 0, len - 1, data, len);
	expect_fail(&r, NULL);
	assert_basis(&s, basis);
	/* it rebuilds more than announced */
	delta_start(&r, &s, DELTA_SIZE);
	send_delta(&r, 0, d);
	send_fin(&r, 0, DELTA_SIZE, data, DELTA_SIZE);
	expect_fail(&r, NULL);
	assert_basis(&s, basis);
	/* END with no delta at all */
	delta_start(&r, &s, len);
	send_fin(&r, 0, len, data, len);
	expect_fail(&r, "delta ends early");
	assert_basis(&s, basis);
	/* a delta cut short */
	delta_start(&r, &s, len);
	send_data(&r, 0, TREE_DATA_DELTA, 0, 0, (uint32_t)cbuf_len(d) / 2,
	    cbuf_ptr(d), cbuf_len(d) / 2);
	send_fin(&r, 0, len, data, len);
	expect_fail(&r, NULL);
	assert_basis(&s, basis);
	/* literal data where a delta was asked, and the other way round */
	delta_start(&r, &s, len);
	send_lit(&r, 0, 0, data, 1000);
	expect_fail(&r, "wrong kind");
	assert_basis(&s, basis);
	lit_start(&r, &s);
	send_data(&r, 0, TREE_DATA_DELTA, 0, 0, (uint32_t)cbuf_len(d),
	    cbuf_ptr(d), cbuf_len(d));
	expect_fail(&r, "wrong kind");
	assert_basis(&s, basis);
	/* garbage for a delta */
	delta_start(&r, &s, len);
	send_data(&r, 0, TREE_DATA_DELTA, 0, 0, 1000, data, 1000);
	send_fin(&r, 0, len, data, len);
	expect_fail(&r, NULL);
	assert_basis(&s, basis);
	sb_free(&s);
	cbuf_free(d);
	free(basis);
	free(data);
}


/* A delta that rebuilds the wrong content (made against another basis,
 * as colliding strong sums would): the receiver asks for the file whole
 * once, meanwhile takes the next file's data, and the file, its hard
 * link and the next file all end up right. */
static void
test_delta_resent_whole(void **state)
{
	const size_t len = DELTA_SIZE + BASIS_LEN;
	uint8_t *basis = pattern(BASIS_LEN, 8), *data = pattern(len, 9);
	uint8_t *other = pattern(BASIS_LEN, 10);
	struct tree_need nv[2];
	struct stat sf, sh;
	struct cbuf *d;
	struct sb s;
	struct rx r;

	(void)state;
	memcpy(data, basis, BASIS_LEN);
	/* copies of blocks the receiver's basis does not have */
	memcpy(other, basis, BASIS_LEN);
	other[100] ^= 0x55;
	memcpy(data, other, BASIS_LEN);
	d = make_delta(other, BASIS_LEN, data, len);
	sb_new(&s);
	write_file(s.dst, "f", basis, BASIS_LEN);
	rx_start(&r, &s);
	SEND(&r, E_ROOT, E_LFILE("f", len), E_FILE("g", 10), E_LINK("h", 0),
	    E_LEAVE);
	read_needs(&r, nv, 2);
	assert_int_equal(nv[0].how, TREE_NEED_DELTA);
	assert_int_equal(nv[1].how, TREE_NEED_LITERAL);
	skip_sig(&r, 0);
	send_delta(&r, 0, d);
	send_fin(&r, 0, len, data, len);
	/* the next file's data before f comes again */
	send_lit(&r, 1, 0, "0123456789", 10);
	send_fin(&r, 1, 10, NULL, 0);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, data, len / 2);
	send_lit(&r, 0, len / 2, data + len / 2, len - len / 2);
	send_fin(&r, 0, len, data, len);
	send_tree_end(&r);
	expect_ok(&r);
	assert_content(s.dst, "f", data, len);
	assert_content(s.dst, "g", "0123456789", 10);
	assert_int_equal(fstatat(s.dst, "f", &sf, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s.dst, "h", &sh, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(sf.st_ino, sh.st_ino);
	/* sent again with a gap: refused */
	write_file(s.dst, "f", basis, BASIS_LEN);
	assert_int_equal(unlinkat(s.dst, "g", 0), 0);
	assert_int_equal(unlinkat(s.dst, "h", 0), 0);
	delta_start(&r, &s, len);
	send_delta(&r, 0, d);
	send_fin(&r, 0, len, data, len);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 1, data + 1, 1000);
	expect_fail(&r, "gaps");
	assert_basis(&s, basis);
	/* a second mismatch fails the transfer, naming the file */
	delta_start(&r, &s, len);
	send_delta(&r, 0, d);
	send_fin(&r, 0, len, data, len);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	data[7] ^= 1;
	send_lit(&r, 0, 0, data, len);
	data[7] ^= 1;
	send_fin(&r, 0, len, data, len);
	expect_fail(&r, "'f': rebuilt file does not match");
	assert_basis(&s, basis);
	sb_free(&s);
	cbuf_free(d);
	free(basis);
	free(data);
	free(other);
}

/* BUG: see BUG_TMP_LEFT: the temporary file of a refused file stays in
 * dst/ after xfer_recv returns (item_free() unlinks it through the dir fd
 * it has just closed). */
static void
test_tmp_removed_on_failure(void **state)
{
	uint8_t *basis, *data;
	struct cbuf *d;
	struct sb s;
	struct rx r;

	(void)state;
	if (BUG_TMP_LEFT) {
		skip();
		return;
	}
	basis = pattern(BASIS_LEN, 6);
	data = pattern(DELTA_SIZE, 7);
	d = make_delta(basis, BASIS_LEN, data, DELTA_SIZE);
	lit_sandbox(&s);
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "01234", 5);
	send_lit(&r, 0, 8, "01234", 5);
	expect_fail(&r, "past the announced size");
	assert_old(&s);
	assert_int_equal(count_names(s.dst, "", ".corral-"), 0);
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "01234", 5);
	expect_fail_eof(&r, "went away", true);
	assert_int_equal(count_names(s.dst, "", ".corral-"), 0);
	write_file(s.dst, "f", basis, BASIS_LEN);
	delta_start(&r, &s, DELTA_SIZE);
	send_delta(&r, 0, d);
	send_fin(&r, 0, DELTA_SIZE, basis, BASIS_LEN);
	expect_need(&r, 0, TREE_NEED_LITERAL);
	send_lit(&r, 0, 0, data, 1000);
	send_fin(&r, 0, DELTA_SIZE, basis, BASIS_LEN);
	expect_fail(&r, "hash differs");
	assert_content(s.dst, "f", basis, BASIS_LEN);
	assert_int_equal(count_names(s.dst, "", ".corral-"), 0);
	sb_free(&s);
	cbuf_free(d);
	free(basis);
	free(data);
}

/* ---- 7: frames ---- */

static void
test_frame_too_long(void **state)
{
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	/* refused from the header alone, before any payload */
	rx_start(&r, &s);
	send_hdr(&r, PROTO_PAYLOAD_MAX + 1, MSG_TREE_ENTRIES, 0);
	expect_fail(&r, NULL);
	lit_start(&r, &s);
	send_hdr(&r, UINT32_MAX, MSG_TREE_DATA, 0);
	expect_fail(&r, NULL);
	assert_old(&s);
	sb_free(&s);
}

static void
test_frame_bad_type(void **state)
{
	static const uint16_t unexpected[] = {
		MSG_TREE_NEED, MSG_TREE_SIG, MSG_TREE_DONE, MSG_TREE_RECV_REQ,
		MSG_HELLO, MSG_PING, MSG_BYE,
	};
	struct sb s;
	struct rx r;
	size_t i;

	(void)state;
	lit_sandbox(&s);
	rx_start(&r, &s);
	send_hdr(&r, 0, 999, 0);
	expect_fail(&r, NULL);
	rx_start(&r, &s);
	send_hdr(&r, 0, 0, 0);
	expect_fail(&r, NULL);
	/* unknown flags */
	rx_start(&r, &s);
	send_hdr(&r, 4, MSG_TREE_ENTRIES, 0x8000);
	send_raw(&r, "\0\0\0\0", 4);
	expect_fail(&r, NULL);
	/* known types that have no business here, in the middle of a file */
	for (i = 0; i < sizeof(unexpected) / sizeof(unexpected[0]); i++) {
		lit_start(&r, &s);
		send_lit(&r, 0, 0, "01234", 5);
		send_frame(&r, unexpected[i], NULL);
		expect_fail(&r, "unexpected message");
		assert_old(&s);
	}
	sb_free(&s);
}

static void
test_frame_truncated_eof(void **state)
{
	struct cbuf *b;
	struct sb s;
	struct rx r;

	(void)state;
	lit_sandbox(&s);
	/* half a frame, then the sender goes */
	lit_start(&r, &s);
	assert_non_null(b = cbuf_new(PROTO_PAYLOAD_MAX));
	{
		struct tree_data dd = { .index = 0, .kind = TREE_DATA_LITERAL,
		    .raw_len = 10, .blob = (const uint8_t *)"0123456789",
		    .blob_len = 10 };
		struct cbuf *f = cbuf_new(4096);

		assert_int_equal(tree_data_encode(b, &dd), 0);
		assert_int_equal(frame_encode(f, MSG_TREE_DATA, 0, cbuf_ptr(b),
		    cbuf_len(b)), 0);
		send_raw(&r, cbuf_ptr(f), cbuf_len(f) - 4);
		cbuf_free(f);
	}
	cbuf_free(b);
	expect_fail_eof(&r, NULL, true);
	assert_old(&s);
	/* half a header */
	lit_start(&r, &s);
	send_raw(&r, "\0\0\0", 3);
	expect_fail_eof(&r, NULL, true);
	assert_old(&s);
	/* part of a file, then a clean end of stream */
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "01234", 5);
	expect_fail_eof(&r, "went away", true);
	assert_old(&s);
	/* the whole file but not its END */
	lit_start(&r, &s);
	send_lit(&r, 0, 0, "0123456789", 10);
	expect_fail_eof(&r, "went away", true);
	assert_old(&s);
	/* nothing at all */
	rx_start(&r, &s);
	expect_fail_eof(&r, "went away", true);
	assert_old(&s);
	sb_free(&s);
}


/* ---- 8: memory a peer can make the other end hold ---- */

/* Entries batched into frames well under the frame maximum. */
struct batch {
	struct rx *r;
	struct cbuf *b;
	uint32_t n;
};

static void
batch_flush(struct batch *bt)
{
	struct cbuf *f = cbuf_new(PROTO_PAYLOAD_MAX);

	if (bt->n == 0)
		return;
	assert_non_null(f);
	assert_int_equal(cbuf_put_u32(f, bt->n), 0);
	assert_int_equal(cbuf_put(f, cbuf_ptr(bt->b), cbuf_len(bt->b)), 0);
	send_frame(bt->r, MSG_TREE_ENTRIES, f);
	cbuf_free(f);
	cbuf_reset(bt->b);
	bt->n = 0;
}

static void
batch_add(struct batch *bt, uint8_t kind, const char *name, uint64_t n,
    uint8_t flags)
{
	const struct ent e = { kind, name, n, flags };

	if (cbuf_len(bt->b) > PROTO_PAYLOAD_MAX / 2)
		batch_flush(bt);
	put_ent(bt->b, &e);
	bt->n++;
}

/* A dry run of nfiles hard-linked files 250 directories of 255-byte
 * names down: each first name costs the receiver its 64 KiB path. */
static void
deep_links(struct rx *r, struct sb *s, size_t nfiles)
{
	struct batch bt = { .r = r, .b = cbuf_new(PROTO_PAYLOAD_MAX) };
	char name[TREE_NAME_MAX + 1];
	size_t i;

	assert_non_null(bt.b);
	rx_start_opts(r, s, TREE_OPT_DRY_RUN);
	batch_add(&bt, TREE_DIR, "", 0, 0);
	memset(name, 'd', TREE_NAME_MAX);
	name[TREE_NAME_MAX] = '\0';
	for (i = 0; i < 250; i++)
		batch_add(&bt, TREE_DIR, name, 0, 0);
	for (i = 0; i < nfiles; i++) {
		memset(name, 'f', TREE_NAME_MAX);
		snprintf(name + TREE_NAME_MAX - 6, 7, "%06u", (unsigned)(i % 1000000));
		batch_add(&bt, TREE_FILE, name, 5, TREE_F_LINKED);
	}
	for (i = 0; i < 251; i++)
		batch_add(&bt, TREE_LEAVE, "", 0, 0);
	batch_flush(&bt);
	cbuf_free(bt.b);
}

static void
test_leader_paths_cap(void **state)
{
	/* what one first name costs the receiver (xfer_recv_link.c) */
	const size_t cost = 250 * (TREE_NAME_MAX + 1) + TREE_NAME_MAX + 1 +
	    sizeof(struct leader);
	const size_t fit = LEADER_BYTES_MAX / cost;
	struct tree_need *nv = calloc(fit + 1, sizeof(*nv));
	struct sb s;
	struct rx r;

	(void)state;
	assert_non_null(nv);
	sb_new(&s);
	/* as many as fit: a dry run that succeeds */
	deep_links(&r, &s, fit);
	read_needs(&r, nv, (uint32_t)fit);
	send_tree_end(&r);
	expect_ok(&r);
	/* one more is refused, saying why */
	deep_links(&r, &s, fit + 1);
	expect_fail(&r, "paths exceed 256 MiB");
	assert_int_equal(count_names(s.dst, "", NULL), 0);
	free(nv);
	sb_free(&s);
}

/* ---- a hostile receiver against the real sender ---- */

struct tx {
	pthread_t th;
	int fd, peer;
	int rootfd;
	struct xfer_opts o;
	struct tree_stats st;
	char err[512];
	int rc;
};

static int
no_progress(void *arg, const struct xfer_progress *p)
{
	(void)arg;
	(void)p;
	return 0;
}

static void *
tx_main(void *arg)
{
	struct tx *t = arg;

	t->rc = xfer_send(t->rootfd, t->peer, t->peer, &t->o, &t->st, t->err,
	    sizeof(t->err));
	return NULL;
}

static void
tx_start(struct tx *t, int rootfd)
{
	int sv[2];

	memset(t, 0, sizeof(*t));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	t->fd = sv[0];
	t->peer = sv[1];
	assert_int_equal(fcntl(t->peer, F_SETFL, O_NONBLOCK), 0);
	t->rootfd = rootfd;
	t->o.storefd = -1;
	t->o.progress = no_progress;   /* nothing on the stream but entries */
	assert_int_equal(pthread_create(&t->th, NULL, tx_main, t), 0);
}

static void
tx_frame(struct tx *t, uint16_t type, const struct cbuf *pl)
{
	struct cbuf *f = cbuf_new(PROTO_PAYLOAD_MAX + PROTO_HDR_LEN);
	const uint8_t *p;
	size_t left;
	ssize_t n;

	assert_non_null(f);
	assert_int_equal(frame_encode(f, type, 0, cbuf_ptr(pl), cbuf_len(pl)),
	    0);
	/* a sender that gave up stops reading: its result tells */
	for (p = cbuf_ptr(f), left = cbuf_len(f); left > 0; p += n, left -= n)
		if ((n = send(t->fd, p, left, MSG_NOSIGNAL)) <= 0)
			break;
	cbuf_free(f);
}

/* NEEDs for files first.. first + n - 1, all how, as a receiver sends
 * them (tree_needs_pack). */
static void
tx_needs(struct tx *t, uint32_t first, uint32_t n, uint8_t how)
{
	struct cbuf *raw = cbuf_new(PROTO_PAYLOAD_MAX);
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	struct tree_need nd = { .how = how };
	uint32_t i;

	assert_non_null(raw);
	assert_non_null(b);
	for (i = 0; i < n; i++) {
		nd.index = first + i;
		assert_int_equal(tree_need_encode(raw, &nd), 0);
	}
	assert_int_equal(tree_needs_pack(b, n, cbuf_ptr(raw), cbuf_len(raw)),
	    0);
	tx_frame(t, MSG_TREE_NEED, b);
	cbuf_free(raw);
	cbuf_free(b);
}

/* The sender's result once we close our side. */
static int
tx_end(struct tx *t)
{
	shutdown(t->fd, SHUT_WR);
	assert_int_equal(pthread_join(t->th, NULL), 0);
	close(t->fd);
	close(t->peer);
	return t->rc;
}

/* nfiles files in src/; the receiver asks a delta of each, then sends
 * signature bytes: 16 MiB (the most for one file) for each of the first
 * ones, up to total bytes in all, never the last chunk. */
static int
sigs_flood(struct sb *s, int nfiles, uint64_t total, char *err, size_t errlen)
{
	static uint8_t chunk[TREE_CHUNK_MAX];
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX);
	struct tree_sig g = { .blob = chunk };
	uint64_t sent = 0, per;
	char name[16];
	struct tx t;
	int i, src, rc;

	assert_non_null(b);
	assert_int_equal(mkdirat(s->fd, "src", 0755), 0);
	assert_true((src = openat(s->fd, "src", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0);
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		write_file(src, name, "x", 1);
	}
	tx_start(&t, src);
	tx_needs(&t, 0, (uint32_t)nfiles, TREE_NEED_DELTA);
	for (i = 0; i < nfiles && sent < total; i++) {
		for (per = 0; per < XFER_SIG_FILE_MAX && sent < total;
		    per += g.blob_len, sent += g.blob_len) {
			g.index = (uint32_t)i;
			g.blob_len = (uint32_t)(total - sent < TREE_CHUNK_MAX ?
			    total - sent : TREE_CHUNK_MAX);
			cbuf_reset(b);
			assert_int_equal(tree_sig_encode(b, &g), 0);
			tx_frame(&t, MSG_TREE_SIG, b);
		}
	}
	rc = tx_end(&t);
	snprintf(err, errlen, "%s", t.err);
	cbuf_free(b);
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		assert_int_equal(unlinkat(src, name, 0), 0);
	}
	close(src);
	assert_int_equal(unlinkat(s->fd, "src", AT_REMOVEDIR), 0);
	return rc;
}

static void
test_sender_sigs_cap(void **state)
{
	const int nfiles = XFER_SIGS_HELD_MAX / XFER_SIG_FILE_MAX + 1;
	struct sb s;
	char err[512];

	(void)state;
	/* up to the cap, held: the sender fails only when we leave */
	sb_new(&s);
	assert_int_not_equal(sigs_flood(&s, nfiles, XFER_SIGS_HELD_MAX, err,
	    sizeof(err)), 0);
	if (strstr(err, "went away") == NULL)
		fail_msg("sender: '%s', expected it to wait for more", err);
	sb_free(&s);
	/* a byte past it is refused, saying why */
	sb_new(&s);
	assert_int_not_equal(sigs_flood(&s, nfiles, XFER_SIGS_HELD_MAX + 1ull,
	    err, sizeof(err)), 0);
	if (strstr(err, "exceed 256 MiB") == NULL)
		fail_msg("sender: '%s', expected the cap", err);
	sb_free(&s);
}

/* The real sender, asked a delta of src/f against another basis, then
 * told the rebuild failed (NEED literal for it again): it sends f whole,
 * every byte in order, with its SHA-256; told it matched (NEED skip), it
 * ends.  Either way it ends only after the answer. */
static void
sender_verdict(struct sb *s, uint8_t verdict)
{
	const size_t len = DELTA_SIZE;
	uint8_t *data = pattern(len, 11), *basis = pattern(BASIS_LEN, 12);
	uint8_t *got = calloc(1, len), h[TREE_HASH_LEN];
	struct cbuf *b = cbuf_new(PROTO_PAYLOAD_MAX), *sig;
	struct tree_sig g = { .index = 0, .last = 1 };
	struct transport tr;
	struct tree_data dd;
	struct frame f;
	struct tx t;
	size_t pos = 0;
	int src, fd;

	assert_non_null(got);
	assert_non_null(b);
	sha256(data, len, h);
	assert_int_equal(mkdirat(s->fd, "src", 0755), 0);
	assert_true((src = openat(s->fd, "src", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0);
	write_file(src, "f", data, len);
	tx_start(&t, src);
	fd = dup(t.fd);
	assert_int_equal(transport_fd_open(&tr, fd, fd, "sender"), 0);
	tr.timeout_ms = 30000;
	/* the delta, against a signature of another basis */
	tx_needs(&t, 0, 1, TREE_NEED_DELTA);
	sig = rs_run(rs_sig_begin(2048, 8, RS_RK_BLAKE2_SIG_MAGIC), basis,
	    BASIS_LEN);
	g.blob = cbuf_ptr(sig);
	g.blob_len = (uint32_t)cbuf_len(sig);
	cbuf_reset(b);
	assert_int_equal(tree_sig_encode(b, &g), 0);
	tx_frame(&t, MSG_TREE_SIG, b);
	for (;;) {
		assert_int_equal(frame_read(&tr, &f), 0);
		if (f.h.type == MSG_TREE_DATA) {
			assert_int_equal(tree_data_decode(f.payload, &dd), 0);
			assert_int_equal(dd.kind == TREE_DATA_END ||
			    dd.kind == TREE_DATA_DELTA, 1);
		} else {
			assert_true(f.h.type == MSG_TREE_ENTRIES ||
			    f.h.type == MSG_TREE_ENTRIES_Z);
			dd.kind = 0;
		}
		frame_clear(&f);
		if (dd.kind == TREE_DATA_END)
			break;
	}
	/* the verdict */
	tx_needs(&t, 0, 1, verdict);
	while (verdict == TREE_NEED_LITERAL) {
		assert_int_equal(frame_read(&tr, &f), 0);
		assert_int_equal(f.h.type, MSG_TREE_DATA);
		assert_int_equal(tree_data_decode(f.payload, &dd), 0);
		assert_int_equal(dd.index, 0);
		if (dd.kind == TREE_DATA_END) {
			assert_int_equal(dd.offset, len);
			assert_memory_equal(dd.blob, h, TREE_HASH_LEN);
			frame_clear(&f);
			break;
		}
		assert_int_equal(dd.kind, TREE_DATA_LITERAL);
		assert_int_equal(dd.flags, 0);
		assert_int_equal(dd.offset, pos);
		assert_true(pos + dd.raw_len <= len);
		memcpy(got + pos, dd.blob, dd.raw_len);
		pos += dd.raw_len;
		frame_clear(&f);
	}
	if (verdict == TREE_NEED_LITERAL) {
		assert_int_equal(pos, len);
		assert_memory_equal(got, data, len);
	}
	assert_int_equal(frame_read(&tr, &f), 0);
	assert_int_equal(f.h.type, MSG_TREE_END);
	frame_clear(&f);
	if (tx_end(&t) != 0)
		fail_msg("sender: %s", t.err);
	transport_close(&tr);
	assert_int_equal(unlinkat(src, "f", 0), 0);
	close(src);
	assert_int_equal(unlinkat(s->fd, "src", AT_REMOVEDIR), 0);
	cbuf_free(sig);
	cbuf_free(b);
	free(got);
	free(data);
	free(basis);
}

static void
test_sender_resends_whole(void **state)
{
	struct sb s;

	(void)state;
	sb_new(&s);
	sender_verdict(&s, TREE_NEED_LITERAL);
	sender_verdict(&s, TREE_NEED_SKIP);
	sb_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_literal),
		cmocka_unit_test(test_control_delta),
		cmocka_unit_test(test_root_not_first),
		cmocka_unit_test(test_entries_after_root_leave),
		cmocka_unit_test(test_second_root),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_dotted_names),
		cmocka_unit_test(test_open_beneath_dotdot),
		cmocka_unit_test(test_bad_entry_counts),
		cmocka_unit_test(test_names_out_of_order),
		cmocka_unit_test(test_symlink_dir_not_followed),
		cmocka_unit_test(test_symlink_file_not_followed),
		cmocka_unit_test(test_hardlink_bad_index),
		cmocka_unit_test(test_hardlink_symlink_swapped),
		cmocka_unit_test(test_hardlink_leader_swapped),
		cmocka_unit_test(test_delete_never_follows),
		cmocka_unit_test(test_hardlinked_outside),
		cmocka_unit_test(test_tree_too_deep),
		cmocka_unit_test(test_data_not_asked),
		cmocka_unit_test(test_data_out_of_order),
		cmocka_unit_test(test_data_past_size),
		cmocka_unit_test(test_data_bad_zlib),
		cmocka_unit_test(test_end_larger_than_announced),
		cmocka_unit_test(test_end_before_tree_complete),
		cmocka_unit_test(test_delta_copy_past_basis),
		cmocka_unit_test(test_delta_bad_result),
		cmocka_unit_test(test_delta_resent_whole),
		cmocka_unit_test(test_tmp_removed_on_failure),
		cmocka_unit_test(test_frame_too_long),
		cmocka_unit_test(test_frame_bad_type),
		cmocka_unit_test(test_frame_truncated_eof),
		cmocka_unit_test(test_leader_paths_cap),
		cmocka_unit_test(test_sender_sigs_cap),
		cmocka_unit_test(test_sender_resends_whole),
	};

	signal(SIGPIPE, SIG_IGN);
	/* the refusals are expected: keep librsync's messages for -v */
	if (getenv("XFER_HOSTILE_VERBOSE") == NULL)
		rs_trace_set_level(RS_LOG_EMERG);
	return cmocka_run_group_tests_name("xfer_hostile", tests, NULL, NULL);
}
