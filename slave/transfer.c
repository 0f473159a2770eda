/* corral-slave: TREE_SEND_REQ and TREE_RECV_REQ — one end of a tree
 * transfer on this channel, rooted under the storage root. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "names.h"
#include "path.h"
#include "proto.h"
#include "slave.h"
#include "tree.h"
#include "xfer.h"

#define DIRECT_CONNECT_MS 10000   /* sender: reach the receiver */
#define DIRECT_ACCEPT_MS  30000   /* receiver: the sender to come */
#define DIRECT_FINISH_MS  60000   /* sender: the receiver to finish */

static int
open_store(struct slave_ctx *ctx, char *err, size_t errlen)
{
	int fd = open(ctx->storage.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "storage root %s: %s", ctx->storage.root,
		    strerror(errno));
	return fd;
}

static bool
ct_running(struct slave_ctx *ctx, const char *ct)
{
	struct lxc_container *c = lxc_container_new(ct, ctx->conf.lxcpath);
	bool running = c != NULL && c->is_running(c);

	if (c != NULL)
		lxc_container_put(c);
	return running;
}

/* A path into container ct's volume: refuse to write into it while ct
 * runs; lvm keeps volumes unmounted until used, so mount it (*mounted:
 * by us, to unmount at the end) and nothing lands in the directory under
 * it. */
static int
enter_volume(struct slave_ctx *ctx, const char *ct, bool sending,
    bool *mounted, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	char p[PATH_MAX];
	bool was;

	*mounted = false;
	if (!sending && ct_running(ctx, ct)) {
		snprintf(err, errlen, "%s is running: stop it before writing "
		    "its rootfs", ct);
		return -1;
	}
	if (!s->ops->exists(s, ct) || storage_path(s, ct, false, p,
	    sizeof(p)) != 0)
		return 0;
	was = storage_is_mountpoint(p);
	if (s->ops->mount(s, ct, err, errlen) != 0)
		return -1;
	*mounted = !was && storage_is_mountpoint(p);
	return 0;
}

/* The first component of a normalised path, if it can name a
 * container. */
static bool
first_name(const char *path, char *buf, size_t len)
{
	size_t n;

	n = strcspn(path, "/");
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return ct_name_valid(buf);
}

/* Sending from "@C": the point-in-time source the transfer reads. */
struct ct_src {
	struct slave_ctx *ctx;
	const char *ct;
	uint64_t job;         /* the job whose send this is (0: none) */
	bool own;             /* taken for this transfer: drop at the end */
	bool mounted;         /* a volume we mounted: unmounted at the end */
	struct slave_snap snap;
};

/* Before the sender's last frame: was the snapshot valid all along? */
static int
src_still_valid(void *arg, char *err, size_t errlen)
{
	struct ct_src *cs = arg;
	struct slave_snap now;

	if (slave_snap_status(cs->ctx, cs->ct, &now, err, errlen) != 0)
		return -1;
	if (now.kind == SNAP_KIND_NONE || !now.valid) {
		snprintf(err, errlen, "the snapshot of %s %s during the copy: "
		    "the copy is incomplete and must not be used", cs->ct,
		    now.kind == SNAP_KIND_NONE ? "vanished" :
		    "overflowed (invalid)");
		return -1;
	}
	if (now.fill_permille >= cs->ctx->conf.snapshot_fill_warn * 10)
		log_warn("%s: snapshot %u.%u%% full", cs->ct,
		    now.fill_permille / 10, now.fill_permille % 10);
	return 0;
}

/* A file system mounted in ct's volume when that is a directory (dir,
 * btrfs), which LXC binds into the container with the rootfs: a backend
 * snapshot holds the volume alone (the mount is an empty directory in
 * it), and a bind mount from the volume's own file system is no other
 * device to the sender.  An lvm rootfs is its device, which LXC mounts
 * itself: a mount on ROOT/C is none of the container's.  A btrfs
 * subvolume nested in the volume is in no snapshot of it either (an
 * empty directory there), and the sender refuses one read live (dir):
 * refused here before a byte goes (a copy carrying it would leave the
 * source's REMOVE refused on it).  0, or -1 with err (a mount table or
 * a subvolume search that fails refuses too). */
static int
lacks_mounts(struct slave_ctx *ctx, const char *ct, char *err, size_t errlen)
{
	char why[MSG_ERRTEXT_MAX];
	const char *fix = "whose content is not the volume's: not copied; "
	    "unmount it first";
	int n;

	/* a rootfs outside the storage (LXC's own LXCPATH/C/rootfs) is
	 * walked live: the sender meets its mounts; a volume that is a
	 * mount point of its own (a disk a container) is read whole */
	if (!ctx->storage.ops->exists(&ctx->storage, ct))
		return 0;
	n = storage_volume_mounts(&ctx->storage, ct, false, why, sizeof(why));
	if (n == 0) {
		fix = "which no snapshot of the volume holds: not copied; "
		    "move it out of the volume first";
		n = storage_volume_subvols(&ctx->storage, ct, why,
		    sizeof(why));
	}
	if (n == 0)
		return 0;
	if (n < 0)
		snprintf(err, errlen, "%s: %s", ct, why);
	else
		snprintf(err, errlen, "%s: %s, %s", ct, why, fix);
	return -1;
}

/* Open container ct's rootfs as a source (through a snapshot or hold:
 * one this send takes, marked as cs->job's, or one there already, never
 * an admin's backend snapshot with own_snap; one a send left that is over
 * is dropped first) or as a destination volume. */
static int
open_ct(struct slave_ctx *ctx, const char *ct, bool sending, bool own_snap,
    struct ct_src *cs, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	char dir[PATH_MAX];
	int fd;

	cs->ctx = ctx;
	cs->ct = ct;
	if (!ct_name_valid(ct)) {
		snprintf(err, errlen, "'@%s' does not name a container", ct);
		return -1;
	}
	if (!sending) {
		if (!s->ops->exists(s, ct)) {
			snprintf(err, errlen, "no %s volume for %s on this "
			    "host", s->ops->name, ct);
			return -1;
		}
		if (enter_volume(ctx, ct, false, &cs->mounted, err,
		    errlen) != 0 ||
		    storage_path(s, ct, false, dir, sizeof(dir)) != 0)
			return -1;
	} else {
		/* its take freezes or holds C: not between a START's checks
		 * and its start (ctlock.c), for the take only: the send
		 * reads its snapshot unlocked */
		int lk = slave_ct_lock(ctx, ct, true, err, errlen), took;

		if (lk < 0)
			return -1;
		took = slave_snap_take_send(ctx, ct, cs->job, own_snap,
		    &cs->snap, err, errlen);
		slave_ct_unlock(ctx, ct, lk);
		if (took < 0)
			return -1;
		if (took == 1) {
			cs->own = true;
			/* tests copy the very tree this send reads */
			slave_test_pause("CORRAL_TEST_SEND_PAUSE", ct,
			    "snapshot taken for a send");
		}
		if (!cs->snap.valid) {
			snprintf(err, errlen, "the snapshot of %s overflowed "
			    "(invalid): not used as a source", ct);
			return -1;
		}
		if (lacks_mounts(ctx, ct, err, errlen) != 0)
			return -1;
		snprintf(dir, sizeof(dir), "%s", cs->snap.path);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return fd;
}

static void
close_ct(struct ct_src *cs)
{
	struct storage *s;
	char err[256];

	if (cs->own)
		slave_snap_drop_send(cs->ctx, cs->ct, cs->job);
	if (cs->mounted) {
		s = &cs->ctx->storage;
		if (s->ops->umount(s, cs->ct, err, sizeof(err)) != 0)
			log_warn("%s: %s", cs->ct, err);
	}
}

/* Nothing but the slave writes into snapshots and holds (path is
 * normalised). */
static bool
in_snapdir(const char *path)
{
	size_t n = strlen(STORAGE_SNAPDIR);

	return strncmp(path, STORAGE_SNAPDIR, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* A direct sender's progress: the master is not on the stream, it hears
 * of it on this channel. */
static int
progress_to_master(void *arg, const struct xfer_progress *p)
{
	struct msg_progress m = { .files_done = p->files_done,
	    .files_total = p->files_total, .bytes_done = p->bytes_done,
	    .bytes_total = p->bytes_total };
	struct cbuf *b;
	int r;

	if ((b = cbuf_new(64)) == NULL)
		return CERR_NOMEM;
	if ((r = msg_progress_encode(b, &m)) == 0)
		r = frame_write(arg, MSG_TREE_PROGRESS, 0, b);
	cbuf_free(b);
	return r;
}

/* A direct transfer: the connection to the other slave, sealed with the
 * key the master gave.  The receiver tells the master its port. */
static int
open_direct(struct slave_ctx *ctx, struct transport *t, uint32_t id,
    bool sending, const struct tree_req *req, struct xseal **seal,
    char *err, size_t errlen)
{
	struct cbuf *b;
	uint16_t port, lo, hi;
	int lfd, fd, r;

	if ((*seal = xseal_new(req->key, sending)) == NULL) {
		snprintf(err, errlen, "%s", cerr_str(CERR_NOMEM));
		return -1;
	}
	if (sending)
		return direct_connect(req->peer, req->port, *seal,
		    DIRECT_CONNECT_MS, err, errlen);
	if (conf_port_range(ctx->conf.data_ports, &lo, &hi) != 0) {
		snprintf(err, errlen, "data_ports '%s' is not a port range",
		    ctx->conf.data_ports);
		return -1;
	}
	if ((lfd = direct_listen(ctx->conf.listen, lo, hi, &port, err,
	    errlen)) < 0)
		return -1;
	if ((b = cbuf_new(16)) == NULL || msg_listen_encode(b, port) != 0 ||
	    (r = frame_write(t, MSG_TREE_LISTEN, id, b)) != 0) {
		snprintf(err, errlen, "cannot tell the master the port");
		cbuf_free(b);
		close(lfd);
		return -1;
	}
	cbuf_free(b);
	fd = direct_accept(lfd, *seal, DIRECT_ACCEPT_MS, err, errlen);
	close(lfd);
	return fd;
}

/* A send from a snapshot that failed: an invalid snapshot (overflowed,
 * or gone) is the cause, whatever the read error it gave. */
static void
why_unreadable(struct ct_src *cs, char *err, size_t errlen)
{
	char why[512], was[512];

	if (src_still_valid(cs, why, sizeof(why)) == 0 ||
	    strcmp(why, err) == 0)    /* said so already (before_end) */
		return;
	snprintf(was, sizeof(was), "%s", err);
	snprintf(err, errlen, "%s (%s)", why, was);
}

/* A receive that failed says where it wrote: a full or read-only file
 * system is found by its path, not by the tree's relative names. */
static void
where_written(struct slave_ctx *ctx, const char *rel, char *err,
    size_t errlen)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, errlen, "in %s/%s: %s", ctx->storage.root, rel, why);
}

int
slave_transfer(struct slave_ctx *ctx, struct transport *t, uint32_t id,
    bool sending, const struct tree_req *req, struct tree_stats *st,
    char *err, size_t errlen)
{
	struct xfer_opts o = { .opts = req->opts, .zlevel = req->zlevel,
	    .storefd = -1, .create_path = req->path };
	struct ct_src cs = { 0 };
	char vol[PROTO_NAME_MAX], rel[sizeof(req->path)];
	struct rlimit rl;
	struct xseal *seal = NULL;
	bool direct = (req->opts & TREE_OPT_DIRECT) != 0;
	uint64_t conn = 0, vanished = 0;
	int store, root, rfd, wfd, tr, tw, cfd = -1, rc;

	memset(st, 0, sizeof(*st));
	if (transport_fds(t, &tr, &tw) != 0) {
		snprintf(err, errlen, "transfers need a stream transport");
		return CERR_INVALID;
	}
	/* the sender keeps a window of files open */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((store = open_store(ctx, err, errlen)) < 0)
		return CERR_INVALID;
	if (req->path[0] == '@') {
		cs.job = req->job;
		root = open_ct(ctx, req->path + 1, sending,
		    (req->opts & TREE_OPT_OWN_SNAP) != 0, &cs, err, errlen);
		if (root < 0) {
			close_ct(&cs);
			close(store);
			return CERR_INVALID;
		}
		if (sending) {
			o.before_end = src_still_valid;
			o.arg = &cs;
			/* the container's tree, all of it: a copy with a
			 * mount point empty loses what is mounted there (a
			 * hold reads the live tree: the mount shows) */
			o.refuse_mounts = true;
		}
	} else if (path_normalise(req->path, rel, sizeof(rel)) != 0) {
		/* one spelling for every check below and for the transfer:
		 * "./web" and "web/" are web's volume */
		snprintf(err, errlen, "'%s': not a path under the storage root "
		    "(absolute paths and '..' are refused)", req->path);
		close(store);
		return CERR_INVALID;
	} else if (!sending && rel[0] == '\0') {
		/* every volume lives there: all would go as extraneous */
		snprintf(err, errlen, "refusing to write over the whole storage "
		    "root: name a directory under it");
		close(store);
		return CERR_INVALID;
	} else if (!sending && in_snapdir(rel)) {
		snprintf(err, errlen, "%s is the slave's own (snapshots)",
		    STORAGE_SNAPDIR);
		close(store);
		return CERR_INVALID;
	} else {
		char first[PROTO_NAME_MAX];

		/* a path into a volume: the volume itself, never under it */
		if (first_name(rel, first, sizeof(first))) {
			snprintf(vol, sizeof(vol), "%s", first);
			cs.ctx = ctx;
			cs.ct = vol;
			if (enter_volume(ctx, vol, sending, &cs.mounted, err,
			    errlen) != 0) {
				close(store);
				return CERR_INVALID;
			}
		}
		o.create_path = rel;
		root = xfer_open_beneath(store, rel, false, err, errlen);
		if (root < 0 && (sending || errno != ENOENT)) {
			close_ct(&cs);     /* a volume mounted for it */
			close(store);
			return CERR_INVALID;
		}
	}
	/* a missing destination is made when the data starts to arrive */
	o.storefd = store;
	rfd = tr;
	wfd = tw;
	if (direct) {
		if ((cfd = open_direct(ctx, t, id, sending, req, &seal, err,
		    errlen)) < 0) {
			/* the master then relays the transfer instead */
			rc = sending ? CERR_UNREACHABLE : CERR_IO;
			goto done;
		}
		rfd = wfd = cfd;
		o.seal = seal;
		o.bwlimit = req->bwlimit;
		o.progress = sending ? progress_to_master : NULL;
		o.progress_arg = t;
		o.conn_bytes = &conn;
	}
	log_info("%s: %s %s%s%s", t->peer, sending ? "sending" : "receiving",
	    req->path, (req->opts & TREE_OPT_DRY_RUN) ? " (dry run)" : "",
	    direct ? (sending ? " directly" : " (direct)") : "");
	if (sending) {
		o.vanished = &vanished;
		rc = xfer_send(root, rfd, wfd, &o, st, err, errlen);
		/* an overflowed snapshot reads as EIO: say why */
		if (rc != 0 && o.before_end != NULL)
			why_unreadable(&cs, err, errlen);
		/* a live container's files come and go while it is read: the
		 * count is worth a line here only, since TREE_END's counters
		 * are a fixed record (another field would change the wire) */
		if (vanished > 0)
			log_info("%s: %s: %" PRIu64 " file%s vanished or changed "
			    "type during the send (not sent)", t->peer,
			    req->path, vanished, vanished == 1 ? "" : "s");
	} else {
		rc = xfer_recv(root, rfd, wfd, &o, st, err, errlen);
		if (rc != 0)
			where_written(ctx, req->path[0] == '@' ? req->path + 1 :
			    rel, err, errlen);
	}
	if (direct && sending && rc == 0) {
		(void)direct_finish(cfd, DIRECT_FINISH_MS);
		st->wire_bytes = conn;   /* the master's bytes on the wire */
	}
done:
	if (cfd >= 0)
		close(cfd);
	xseal_delete(seal);
	if (root >= 0)
		close(root);
	close(store);
	close_ct(&cs);
	/* the session goes on with blocking I/O on these descriptors */
	fcntl(tr, F_SETFL, fcntl(tr, F_GETFL) & ~O_NONBLOCK);
	fcntl(tw, F_SETFL, fcntl(tw, F_GETFL) & ~O_NONBLOCK);
	return rc;
}
