/* corral-slave: a point-in-time source for a container's root file system.
 *
 * On lvm and btrfs that is a backend snapshot.  On dir (or for a rootfs
 * that is not on corral's storage) a running container is frozen for as
 * long as the "snapshot" is held, or refused (hot_dir); a stopped one is
 * read in place.  A hold is a small file ROOT/.corral-snap/.hold.C so that
 * any session, and the next slave start, can thaw it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "log.h"
#include "names.h"
#include "slave.h"

#define HOLD_PREFIX ".hold."
/* a hold being written: what it froze is in it before it is frozen, so
 * that a slave killed meanwhile thaws it at its next start */
#define HOLD_TMP_PREFIX ".holdtmp."
#define LOCK_TRIES 50            /* 10 ms apart */
#define STOP_PASSES 4           /* catch processes forked while stopping */

static int
hold_path(struct slave_ctx *ctx, const char *ct, char *buf, size_t len)
{
	return snapdir_path(ctx, HOLD_PREFIX, ct, buf, len);
}

/* What is written so far on disk before the next freeze or SIGSTOP. */
static int
hold_sync(FILE *f)
{
	return fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
}

/* The container's rootfs directory from its LXC config ("" if none or on a
 * block device). */
static void
lxc_rootfs_dir(struct lxc_container *c, char *buf, size_t len)
{
	char v[PATH_MAX] = "";

	buf[0] = '\0';
	if (c->get_config_item(c, "lxc.rootfs.path", v, sizeof(v)) < 0)
		return;
	(void)storage_of_rootfs(v, buf, len);
}

struct stopper {
	FILE *f;
	int fresh;
	bool failed;                 /* the record could not be written */
};

/* SIGSTOP one process of the namespace, unless stopped already (by us) */
static void
stop_one(const char *pid, void *arg)
{
	struct stopper *sp = arg;
	char path[64], buf[256], *p;
	FILE *sf;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((sf = fopen(path, "re")) != NULL) {
		bool is_stopped = fgets(buf, sizeof(buf), sf) &&
		    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'T';

		fclose(sf);
		if (is_stopped)
			return;
	}
	/* on record before it is stopped (a SIGCONT of one that was not
	 * does nothing) */
	fprintf(sp->f, "%s\n", pid);
	if (hold_sync(sp->f) != 0) {
		sp->failed = true;
		return;
	}
	if (kill((pid_t)atoi(pid), SIGSTOP) == 0)
		sp->fresh++;
}

/* Stop every process in c's PID namespace; their pids go to f. */
static int
sigstop_all(pid_t init, FILE *f)
{
	struct stopper sp = { f, 0, false };
	char path[64];
	struct stat ns;
	int pass, stopped = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	if (stat(path, &ns) != 0)
		return -1;
	fprintf(f, "sigstop %llu\n", (unsigned long long)ns.st_ino);
	for (pass = 0; pass < STOP_PASSES; pass++) {
		sp.fresh = 0;
		if (slave_pidns_walk(init, stop_one, &sp) != 0 || sp.failed)
			return -1;
		stopped += sp.fresh;
		if (sp.fresh == 0)
			break;
		usleep(10000);
	}
	return stopped;
}

/* The next line of fd at *off, without its newline; false at the end.
 * pread: a record read through the descriptor that holds its lock, since
 * on NFS flock is a POSIX lock, which any close of another descriptor of
 * the file by this process would drop. */
static bool
pread_line(int fd, off_t *off, char *line, size_t len)
{
	ssize_t n = pread(fd, line, len - 1, *off);
	char *nl;

	if (n <= 0)
		return false;
	line[n] = '\0';
	if ((nl = memchr(line, '\n', (size_t)n)) != NULL) {
		*nl = '\0';
		*off += nl - line + 1;
	} else
		*off += n;
	return true;
}

/* Undo a hold record read from fd (written out: hold_sync): SIGCONT its
 * pids (if still in that namespace) or unfreeze through liblxc. */
static void
thaw_hold_fd(struct slave_ctx *ctx, const char *ct, int fd)
{
	char line[128], path[64];
	unsigned long long nsino = 0;
	struct stat st;
	off_t off = 0;

	if (!pread_line(fd, &off, line, sizeof(line)))
		return;
	if (strncmp(line, "lxc", 3) == 0) {
		struct lxc_container *c = lxc_container_new(ct,
		    ctx->conf.lxcpath);

		if (c != NULL) {
			if (!c->unfreeze(c))
				log_warn("%s: unfreeze failed", ct);
			lxc_container_put(c);
		}
	} else if (sscanf(line, "sigstop %llu", &nsino) == 1) {
		while (pread_line(fd, &off, line, sizeof(line))) {
			int pid = atoi(line);

			snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
			if (pid > 0 && stat(path, &st) == 0 &&
			    st.st_ino == nsino)
				(void)kill(pid, SIGCONT);
		}
	}
}

/* A hold no take holds locked (a hold in place, a crashed slave's). */
static void
thaw_hold(struct slave_ctx *ctx, const char *ct, const char *hold)
{
	int fd = open(hold, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		thaw_hold_fd(ctx, ct, fd);
		close(fd);
	}
}

static void
thaw_stale(struct slave_ctx *ctx, const char *ct, int fd)
{
	thaw_hold_fd(ctx, ct, fd);
	log_notice("%s: released what a take killed half-way froze", ct);
}

/* fd locked (flock, not waiting), and still the file named path: one
 * renamed to the hold since it was opened is the hold.  Its stat in st. */
static bool
locked_as_named(int fd, const char *path, struct stat *st)
{
	struct stat b;

	return flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, st) == 0 &&
	    stat(path, &b) == 0 && st->st_ino == b.st_ino &&
	    st->st_dev == b.st_dev;
}

/* A take whose worker was killed half-way (its channel closed) left its
 * file, unlocked, and what it froze frozen: its descriptor, locked, or
 * -1.  A take at work holds the lock: its file is no leftover; nor is an
 * empty one, which a take may have made and not yet locked (it writes
 * its record before it freezes anything). */
static int
open_stale_take(struct slave_ctx *ctx, const char *ct, char *tmp,
    size_t len)
{
	struct stat a;
	int fd;

	/* read-write: on NFS flock's exclusive lock is a POSIX write lock */
	if (snapdir_path(ctx, HOLD_TMP_PREFIX, ct, tmp, len) != 0 ||
	    (fd = open(tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (locked_as_named(fd, tmp, &a) && a.st_size > 0)
		return fd;
	close(fd);
	return -1;
}

/* A take killed half-way left C frozen: shown by a status until a drop,
 * a take or the slave's restart releases it. */
static bool
take_left_over(struct slave_ctx *ctx, const char *ct)
{
	char tmp[PATH_MAX + 8];
	struct stat a;
	int fd;

	/* looked at without a lock first: most have none */
	if (snapdir_path(ctx, HOLD_TMP_PREFIX, ct, tmp, sizeof(tmp)) != 0 ||
	    stat(tmp, &a) != 0 || a.st_size == 0 ||
	    (fd = open_stale_take(ctx, ct, tmp, sizeof(tmp))) < 0)
		return false;
	close(fd);
	return true;
}

/* That leftover thawed and removed, under its lock.  Whether there was
 * one. */
static bool
release_stale_take(struct slave_ctx *ctx, const char *ct)
{
	char tmp[PATH_MAX + 8];
	int fd = open_stale_take(ctx, ct, tmp, sizeof(tmp));

	if (fd < 0)
		return false;
	thaw_stale(ctx, ct, fd);
	(void)unlink(tmp);
	close(fd);
	return true;
}

/* Open and lock tmp, the take's record of what it freezes and its lock:
 * a second take of ct meanwhile (another session's worker) is refused,
 * and never truncates the first's record.  flock(), so that a worker
 * killed half-way (its channel closed) leaves the file but not the lock;
 * what that file records is thawed.  The descriptor, or -1 with err. */
static int
lock_tmp(struct slave_ctx *ctx, const char *ct, const char *tmp, char *err,
    size_t errlen)
{
	struct stat a;
	int fd, tries;

	if ((fd = open(tmp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	/* under C's lock no other take is at work: a status that looks
	 * for a leftover holds it an instant */
	for (tries = 0; !locked_as_named(fd, tmp, &a); tries++) {
		if (tries == LOCK_TRIES) {
			snprintf(err, errlen, "%s: another snapshot of it is "
			    "being taken", ct);
			close(fd);
			return -1;
		}
		usleep(10000);
	}
	if (a.st_size > 0)
		thaw_stale(ctx, ct, fd);
	if (ftruncate(fd, 0) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Freeze (or refuse, or nothing for a stopped one) and write the hold. */
static int
hold_take(struct slave_ctx *ctx, struct lxc_container *c, const char *ct,
    struct slave_snap *out, char *err, size_t errlen)
{
	char hold[PATH_MAX], tmp[PATH_MAX + 8];
	bool running = c != NULL && c->is_running(c);
	FILE *f = NULL;
	int fd, ret = -1;

	if (running && ctx->conf.hot_dir == CONF_HOT_DIR_REFUSE) {
		snprintf(err, errlen, "%s is running and its rootfs %s "
		    "(hot_dir = refuse): stop it first", ct,
		    ctx->storage.ops->snapshots ? "is not a volume of this "
		    "slave's storage, so it has no snapshots" :
		    "is on dir storage, which has no snapshots");
		return -1;
	}
	if (hold_path(ctx, ct, hold, sizeof(hold)) != 0 ||
	    snapdir_path(ctx, HOLD_TMP_PREFIX, ct, tmp, sizeof(tmp)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	if ((fd = lock_tmp(ctx, ct, tmp, err, errlen)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);            /* under the lock */
		close(fd);
		return -1;
	}
	/* looked at under the lock: one taken before it stays whole */
	if (access(hold, F_OK) == 0) {
		snprintf(err, errlen, "%s has a snapshot already (drop it "
		    "first)", ct);
		goto out;
	}
	if (!running) {
		fprintf(f, "stopped\n");
		out->kind = SNAP_KIND_STOPPED;
	} else if (fprintf(f, "lxc\n") < 0 || hold_sync(f) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	} else if (c->freeze(c)) {
		out->kind = SNAP_KIND_FROZEN;
	} else if (ftruncate(fileno(f), 0) == 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    sigstop_all(c->init_pid(c), f) >= 0) {
		/* no freezer cgroup for it: stop its processes instead */
		out->kind = SNAP_KIND_FROZEN;
	} else {
		snprintf(err, errlen, "%s: cannot freeze it", ct);
		(void)hold_sync(f);     /* what sigstop_all stopped, on record */
		thaw_hold_fd(ctx, ct, fileno(f));
		goto out;
	}
	/* tests kill the slave here: its next start thaws C */
	slave_test_pause("CORRAL_TEST_HOLD_PAUSE", ct, "frozen, hold not yet "
	    "in place");
	/* renamed under the lock, which closing drops: a take waiting for
	 * it finds the hold */
	if (hold_sync(f) != 0 || rename(tmp, hold) != 0) {
		snprintf(err, errlen, "%s: %s", hold, strerror(errno));
		(void)fflush(f);
		thaw_hold_fd(ctx, ct, fileno(f));
		goto out;
	}
	ret = 0;
out:
	/* a failed take's file goes while it holds the lock; the name is
	 * another take's once the rename freed it */
	if (ret != 0)
		unlink(tmp);
	if (f != NULL)
		fclose(f);
	return ret;
}

static void
fill_paths(struct slave_ctx *ctx, const char *ct, const char *dir,
    bool backend_snap, struct slave_snap *out)
{
	size_t rl = strlen(ctx->storage.root);

	if (backend_snap)
		storage_path(&ctx->storage, ct, true, out->path,
		    sizeof(out->path));
	else
		snprintf(out->path, sizeof(out->path), "%s", dir);
	out->rel[0] = '\0';
	if (strncmp(out->path, ctx->storage.root, rl) == 0 &&
	    out->path[rl] == '/')
		snprintf(out->rel, sizeof(out->rel), "%s", out->path + rl + 1);
}

int
slave_snap_status(struct slave_ctx *ctx, const char *ct,
    struct slave_snap *out, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct snap_status st;
	char hold[PATH_MAX], line[32] = "", dir[PATH_MAX];
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (!ct_name_valid(ct)) {
		snprintf(err, errlen, "'%s' is not a valid container name", ct);
		return -1;
	}
	out->leftover = take_left_over(ctx, ct);
	if (s->ops->snapshots) {
		if (s->ops->snap_status(s, ct, &st, err, errlen) != 0)
			return -1;
		if (st.exists) {
			out->kind = SNAP_KIND_SNAPSHOT;
			out->valid = st.valid;
			out->fill_permille = st.fill_permille;
			out->size = st.size;
			fill_paths(ctx, ct, NULL, true, out);
			snapmark_owner(ctx, ct, out);
			return 0;
		}
	}
	if (hold_path(ctx, ct, hold, sizeof(hold)) == 0 &&
	    (f = fopen(hold, "re")) != NULL) {
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
		out->kind = strncmp(line, "stopped", 7) == 0 ?
		    SNAP_KIND_STOPPED : SNAP_KIND_FROZEN;
		out->valid = true;
		if (s->ops->exists(s, ct))
			storage_path(s, ct, false, dir, sizeof(dir));
		else {
			struct lxc_container *c = lxc_container_new(ct,
			    ctx->conf.lxcpath);

			dir[0] = '\0';
			if (c != NULL) {
				lxc_rootfs_dir(c, dir, sizeof(dir));
				lxc_container_put(c);
			}
		}
		fill_paths(ctx, ct, dir, false, out);
		snapmark_owner(ctx, ct, out);
	}
	return 0;
}

/* The take itself, C's status NONE, under C's lock. */
static int
take_now(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    struct slave_snap *out, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct lxc_container *c = NULL;
	char dir[PATH_MAX] = "";
	int ret = -1;

	c = lxc_container_new(ct, ctx->conf.lxcpath);
	if (c != NULL && !c->is_defined(c)) {
		lxc_container_put(c);
		c = NULL;
	}
	if (s->ops->exists(s, ct)) {
		if (s->ops->snapshots) {
			if (s->ops->snapshot(s, ct, bytes, err, errlen) != 0)
				goto out;
			ret = slave_snap_status(ctx, ct, out, err, errlen);
			log_info("%s: snapshot taken (%s)", ct, s->ops->name);
			goto out;
		}
		storage_path(s, ct, false, dir, sizeof(dir));
	} else if (c != NULL) {
		lxc_rootfs_dir(c, dir, sizeof(dir));
		if (dir[0] == '\0') {
			snprintf(err, errlen, "%s: its rootfs is neither on "
			    "this slave's storage nor a directory", ct);
			goto out;
		}
	} else {
		snprintf(err, errlen, "no container or volume '%s' on this "
		    "host", ct);
		goto out;
	}
	if (hold_take(ctx, c, ct, out, err, errlen) != 0)
		goto out;
	out->valid = true;
	fill_paths(ctx, ct, dir, false, out);
	log_info("%s: %s for a copy", ct, out->kind == SNAP_KIND_FROZEN ?
	    "frozen" : "held (stopped)");
	ret = 0;
out:
	if (c != NULL)
		lxc_container_put(c);
	return ret;
}

/* The take, under C's lock: a send's (send_job) marks it first, an
 * admin's (NULL) clears a marker a send killed before its take left; both
 * only once it is to happen (none there): a refused take leaves a live
 * send's marker. */
static int
snap_take_locked(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    const uint64_t *send_job, struct slave_snap *out, char *err,
    size_t errlen)
{
	struct slave_snap now;
	char e2[256];

	if (slave_snap_status(ctx, ct, out, err, errlen) != 0)
		return -1;
	if (out->kind != SNAP_KIND_NONE) {
		snprintf(err, errlen, "%s has a snapshot already (drop it "
		    "first)", ct);
		return -1;
	}
	/* marked first: a worker killed after the take leaves it a send's,
	 * never one that looks an admin's */
	if (send_job == NULL)
		snapmark_clear(ctx, ct);
	else if (snapmark_write(ctx, ct, *send_job, err, errlen) != 0)
		return -1;
	if (take_now(ctx, ct, bytes, out, err, errlen) == 0)
		return 0;
	/* a failed take may leave a snapshot (lvcreate timed out): marked,
	 * it is a send's, stale once this worker ends */
	if (send_job != NULL && slave_snap_status(ctx, ct, &now, e2,
	    sizeof(e2)) == 0 && now.kind == SNAP_KIND_NONE)
		snapmark_clear(ctx, ct);
	return -1;
}

/* The drop, and the send's marker with it, under C's lock. */
static int
snap_drop_locked(struct slave_ctx *ctx, const char *ct, bool *had, char *err,
    size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct slave_snap cur;
	char hold[PATH_MAX];

	*had = release_stale_take(ctx, ct);
	if (slave_snap_status(ctx, ct, &cur, err, errlen) != 0)
		return -1;
	if (cur.kind == SNAP_KIND_NONE) {
		snapmark_clear(ctx, ct);     /* a send's killed before its take */
		return 0;
	}
	*had = true;
	if (cur.kind == SNAP_KIND_SNAPSHOT) {
		if (s->ops->snap_drop(s, ct, err, errlen) != 0)
			return -1;
		log_info("%s: snapshot dropped", ct);
	} else {
		hold_path(ctx, ct, hold, sizeof(hold));
		thaw_hold(ctx, ct, hold);
		if (unlink(hold) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", hold, strerror(errno));
			return -1;
		}
		log_info("%s: %s", ct, cur.kind == SNAP_KIND_FROZEN ?
		    "thawed" : "released");
	}
	/* after the drop: a drop killed before this leaves a marker with no
	 * snapshot, which the next take or drop clears */
	snapmark_clear(ctx, ct);
	return 0;
}

/* C's lock (snap_lock) for a name from the wire. */
static int
lock_named(struct slave_ctx *ctx, const char *ct, bool wait, char *err,
    size_t errlen)
{
	if (!ct_name_valid(ct)) {
		snprintf(err, errlen, "'%s' is not a valid container name", ct);
		return -1;
	}
	return snap_lock(ctx, ct, wait, err, errlen);
}

int
slave_snap_take(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    struct slave_snap *out, char *err, size_t errlen)
{
	int fd, r;

	if ((fd = lock_named(ctx, ct, false, err, errlen)) < 0)
		return -1;
	r = snap_take_locked(ctx, ct, bytes, NULL, out, err, errlen);
	snap_unlock(ctx, ct, fd);
	return r;
}

int
slave_snap_drop(struct slave_ctx *ctx, const char *ct, bool *had, char *err,
    size_t errlen)
{
	int fd, r;

	*had = false;
	if ((fd = lock_named(ctx, ct, false, err, errlen)) < 0)
		return -1;
	r = snap_drop_locked(ctx, ct, had, err, errlen);
	snap_unlock(ctx, ct, fd);
	return r;
}

/* A send's snapshot that is over dropped, under C's lock: by a send's
 * take (send: snapmark_superseded) or the master's drop (snapmark_stale).
 * A take killed half-way (its .holdtmp, no hold yet) is released too.
 * cur is C's status, and what was dropped.  0 none was, 1 dropped,
 * -1 err. */
static int
drop_if_stale(struct slave_ctx *ctx, const char *ct, uint64_t job,
    bool send, struct slave_snap *cur, char *err, size_t errlen)
{
	char of[40] = "";
	bool had;

	if (slave_snap_status(ctx, ct, cur, err, errlen) != 0)
		return -1;
	if (cur->kind == SNAP_KIND_NONE && cur->leftover) {
		/* killed between its freeze and its hold: C frozen still */
		if (snap_drop_locked(ctx, ct, &had, err, errlen) != 0)
			return -1;
		cur->kind = SNAP_KIND_FROZEN;
		return 1;
	}
	if (!(send ? snapmark_superseded(cur, job) : snapmark_stale(cur, job)))
		return 0;
	if (snap_drop_locked(ctx, ct, &had, err, errlen) != 0)
		return -1;
	if (cur->job != 0)
		snprintf(of, sizeof(of), " of job %" PRIu64, cur->job);
	log_notice("%s: dropped the snapshot a send%s took, which is over "
	    "(its worker %u %s)", ct, of, cur->pid, cur->owner ==
	    SNAP_BY_SEND ? "still running: its job runs again" : "gone");
	return 1;
}

int
slave_snap_take_send(struct slave_ctx *ctx, const char *ct, uint64_t job,
    bool own_snap, struct slave_snap *out, char *err, size_t errlen)
{
	int d, fd, r = -1;

	if ((fd = lock_named(ctx, ct, true, err, errlen)) < 0)
		return -1;
	if ((d = drop_if_stale(ctx, ct, job, true, out, err, errlen)) < 0)
		goto out;
	/* out was what was dropped: what is there now (none, mostly) */
	if (d > 0 && slave_snap_status(ctx, ct, out, err, errlen) != 0)
		goto out;
	if (out->kind == SNAP_KIND_NONE) {
		if (snap_take_locked(ctx, ct, 0, &job, out, err, errlen) != 0)
			goto out;
		r = 1;
	} else if (out->owner == SNAP_BY_SEND && job != 0 && out->job == job &&
	    out->pid != (uint32_t)getpid()) {
		/* a later worker's: the run the master runs now */
		snprintf(err, errlen, "%s: a later send of job %" PRIu64 " is "
		    "at work on it (its worker %u): this one is over", ct,
		    job, out->pid);
	} else if (own_snap && out->kind == SNAP_KIND_SNAPSHOT) {
		/* a job reads C as it is now: a backend snapshot already
		 * there holds an earlier instant (a hold is the live tree,
		 * frozen or stopped: that is now) */
		snprintf(err, errlen, "%s has a snapshot already (%s): a job "
		    "reads %s as it is now, not as of that snapshot; drop it "
		    "first (corral snapshot HOST %s --drop)", ct,
		    out->owner == SNAP_BY_ADMIN ? "corral snapshot" :
		    "another transfer's, still at work", ct, ct);
	} else
		r = 0;
out:
	snap_unlock(ctx, ct, fd);
	return r;
}

void
slave_snap_drop_send(struct slave_ctx *ctx, const char *ct, uint64_t job)
{
	char err[512];
	bool had;
	int fd;

	if ((fd = snap_lock(ctx, ct, true, err, sizeof(err))) < 0) {
		log_warn("%s: %s", ct, err);
		return;
	}
	if (!snapmark_mine(ctx, ct, job))
		/* dropped as stale while this send went on (its job runs
		 * again), maybe taken again by its new run: not ours */
		log_notice("%s: the snapshot this send took is no longer its "
		    "own: left as it is", ct);
	else if (snap_drop_locked(ctx, ct, &had, err, sizeof(err)) != 0)
		log_warn("%s: %s", ct, err);
	snap_unlock(ctx, ct, fd);
}

int
slave_snap_drop_stale(struct slave_ctx *ctx, const char *ct, uint64_t job,
    struct slave_snap *out, char *err, size_t errlen)
{
	int fd, r;

	if ((fd = lock_named(ctx, ct, true, err, errlen)) < 0)
		return -1;
	r = drop_if_stale(ctx, ct, job, false, out, err, errlen);
	snap_unlock(ctx, ct, fd);
	if (r == 0)
		out->kind = SNAP_KIND_NONE;     /* dropped nothing */
	return r < 0 ? -1 : 0;
}

void
slave_snap_sweep(struct slave_ctx *ctx)
{
	char dir[PATH_MAX], hold[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", ctx->storage.root,
	    STORAGE_SNAPDIR);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *ct;

		/* a hold, or one a take killed half-way was writing */
		if (strncmp(e->d_name, HOLD_PREFIX, strlen(HOLD_PREFIX)) == 0)
			ct = e->d_name + strlen(HOLD_PREFIX);
		else if (strncmp(e->d_name, HOLD_TMP_PREFIX,
		    strlen(HOLD_TMP_PREFIX)) == 0)
			ct = e->d_name + strlen(HOLD_TMP_PREFIX);
		else
			continue;
		snprintf(hold, sizeof(hold), "%s/%s", dir, e->d_name);
		if (!ct_name_valid(ct)) {
			(void)unlink(hold);
			continue;
		}
		thaw_hold(ctx, ct, hold);
		(void)unlink(hold);
		log_notice("storage: released leftover hold on %s", ct);
	}
	closedir(d);
	snapmark_sweep(ctx);
}
