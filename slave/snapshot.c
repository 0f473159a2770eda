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
#define STOP_PASSES 4           /* catch processes forked while stopping */

static int
hold_path_as(struct slave_ctx *ctx, const char *prefix, const char *ct,
    char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s%s", ctx->storage.root,
	    STORAGE_SNAPDIR, prefix, ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
hold_path(struct slave_ctx *ctx, const char *ct, char *buf, size_t len)
{
	return hold_path_as(ctx, HOLD_PREFIX, ct, buf, len);
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

/* Undo a hold file: SIGCONT its pids (if still in that namespace) or
 * unfreeze through liblxc. */
static void
thaw_hold(struct slave_ctx *ctx, const char *ct, const char *hold)
{
	char line[128], path[64];
	unsigned long long nsino = 0;
	FILE *f = fopen(hold, "re");
	struct stat st;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "lxc", 3) == 0) {
			struct lxc_container *c = lxc_container_new(ct,
			    ctx->conf.lxcpath);

			if (c != NULL) {
				if (!c->unfreeze(c))
					log_warn("%s: unfreeze failed", ct);
				lxc_container_put(c);
			}
		} else if (sscanf(line, "sigstop %llu", &nsino) == 1) {
			while (fgets(line, sizeof(line), f) != NULL) {
				int pid = atoi(line);

				snprintf(path, sizeof(path), "/proc/%d/ns/pid",
				    pid);
				if (pid > 0 && stat(path, &st) == 0 &&
				    st.st_ino == nsino)
					(void)kill(pid, SIGCONT);
			}
		}
	}
	fclose(f);
}

static void
thaw_stale(struct slave_ctx *ctx, const char *ct, const char *tmp)
{
	thaw_hold(ctx, ct, tmp);
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
 * file, unlocked, and what it froze frozen: thawed and removed, under
 * the lock.  Whether there was one. */
static bool
release_stale_take(struct slave_ctx *ctx, const char *ct)
{
	char tmp[PATH_MAX + 8];
	struct stat a;
	bool stale;
	int fd;

	if (hold_path_as(ctx, HOLD_TMP_PREFIX, ct, tmp, sizeof(tmp)) != 0 ||
	    (fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	/* a take at work holds the lock: its file is no leftover; nor is
	 * an empty one, which a take may have made and not yet locked (it
	 * writes its record before it freezes anything) */
	stale = locked_as_named(fd, tmp, &a) && a.st_size > 0;
	if (stale) {
		thaw_stale(ctx, ct, tmp);
		(void)unlink(tmp);
	}
	close(fd);
	return stale;
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
	int fd;

	if ((fd = open(tmp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (!locked_as_named(fd, tmp, &a)) {
		snprintf(err, errlen, "%s: another snapshot of it is being "
		    "taken", ct);
		close(fd);
		return -1;
	}
	if (a.st_size > 0)
		thaw_stale(ctx, ct, tmp);
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
	    hold_path_as(ctx, HOLD_TMP_PREFIX, ct, tmp, sizeof(tmp)) != 0) {
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
		thaw_hold(ctx, ct, tmp);
		goto out;
	}
	/* tests kill the slave here: its next start thaws C */
	slave_test_pause("CORRAL_TEST_HOLD_PAUSE", ct, "frozen, hold not yet "
	    "in place");
	/* renamed under the lock, which closing drops: a take waiting for
	 * it finds the hold */
	if (hold_sync(f) != 0 || rename(tmp, hold) != 0) {
		snprintf(err, errlen, "%s: %s", hold, strerror(errno));
		thaw_hold(ctx, ct, tmp);
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
	if (s->ops->snapshots) {
		if (s->ops->snap_status(s, ct, &st, err, errlen) != 0)
			return -1;
		if (st.exists) {
			out->kind = SNAP_KIND_SNAPSHOT;
			out->valid = st.valid;
			out->fill_permille = st.fill_permille;
			out->size = st.size;
			fill_paths(ctx, ct, NULL, true, out);
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
	}
	return 0;
}

int
slave_snap_take(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    struct slave_snap *out, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct lxc_container *c = NULL;
	char dir[PATH_MAX] = "";
	int ret = -1;

	if (slave_snap_status(ctx, ct, out, err, errlen) != 0)
		return -1;
	if (out->kind != SNAP_KIND_NONE) {
		snprintf(err, errlen, "%s has a snapshot already (drop it "
		    "first)", ct);
		return -1;
	}
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

int
slave_snap_drop(struct slave_ctx *ctx, const char *ct, bool *had, char *err,
    size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct slave_snap cur;
	char hold[PATH_MAX];

	*had = release_stale_take(ctx, ct);
	if (slave_snap_status(ctx, ct, &cur, err, errlen) != 0)
		return -1;
	if (cur.kind == SNAP_KIND_NONE)
		return 0;
	*had = true;
	if (cur.kind == SNAP_KIND_SNAPSHOT) {
		if (s->ops->snap_drop(s, ct, err, errlen) != 0)
			return -1;
		log_info("%s: snapshot dropped", ct);
		return 0;
	}
	hold_path(ctx, ct, hold, sizeof(hold));
	thaw_hold(ctx, ct, hold);
	if (unlink(hold) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", hold, strerror(errno));
		return -1;
	}
	log_info("%s: %s", ct, cur.kind == SNAP_KIND_FROZEN ? "thawed" :
	    "released");
	return 0;
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
}
