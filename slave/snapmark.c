/* corral-slave: which snapshots a send took, and C's snapshot lock.
 *
 * A send of @C that takes C's snapshot writes ROOT/.corral-snap/.send.C
 * first: its job (0: not a job's) and its worker (boot id, pid, start
 * time).  An admin's take removes it, every drop too, all under C's lock
 * (.lock.C, flock), so a snapshot with a marker beside it is a send's
 * and never an admin's.  The marker outlives a killed worker and a slave
 * restart, which is when it is needed: a send whose worker is gone, or of
 * a job the master runs again (its earlier send is dead, whether or not
 * this slave has noticed yet), is over, and its snapshot is garbage; a
 * send's own take tells the job's runs apart by their workers' start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "slave.h"

#define MARK_PREFIX ".send."
#define LOCK_PREFIX ".lock."
#define BOOT_ID_LEN 36
/* not waiting: tried for 2 s, then refused */
#define LOCK_TRIES 40
#define LOCK_PAUSE_MS 50

struct worker_id {
	char boot[BOOT_ID_LEN + 1];
	long pid;
	unsigned long long start;     /* clock ticks after boot */
};

/* pid's start time (field 22 of its stat), 0 if it is gone. */
static unsigned long long
proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	/* the name may hold spaces and ')': fields count from the last ')' */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL) {
		for (i = 2; i < 22 && p != NULL; i++)
			p = strchr(p + 1, ' ');
		if (p != NULL)
			start = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return start;
}

static void
boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = '\0';
	if (f != NULL) {
		if (fgets(buf, (int)len, f) != NULL)
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static void
self_id(struct worker_id *w)
{
	boot_id(w->boot, sizeof(w->boot));
	w->pid = (long)getpid();
	w->start = proc_start(w->pid);
}

/* The worker is this boot's and runs still. */
static bool
worker_alive(const struct worker_id *w)
{
	char boot[BOOT_ID_LEN + 1];

	boot_id(boot, sizeof(boot));
	return strcmp(boot, w->boot) == 0 && w->pid > 0 &&
	    w->start != 0 && proc_start(w->pid) == w->start;
}

/* The marker's job and worker: MARK_NONE if there is none, MARK_READ
 * (one that does not parse, or is no regular file, is a send's whose
 * worker is unknown: gone), MARK_UNREADABLE when it could not be read
 * now (out of descriptors, I/O): a snapshot is never dropped on that.
 * Not blocking, not following: a fifo or a link there is read as
 * nothing. */
enum { MARK_NONE, MARK_READ, MARK_UNREADABLE };
static int
mark_read(struct slave_ctx *ctx, const char *ct, uint64_t *job,
    struct worker_id *w)
{
	char path[PATH_MAX], line[160];
	struct stat st;
	ssize_t n = 0;
	int fd, r = MARK_READ;

	memset(w, 0, sizeof(*w));
	*job = 0;
	if (snapdir_path(ctx, MARK_PREFIX, ct, path, sizeof(path)) != 0)
		return MARK_UNREADABLE;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? MARK_NONE : errno == ELOOP ?
		    MARK_READ : MARK_UNREADABLE;
	if (fstat(fd, &st) != 0)
		r = MARK_UNREADABLE;
	else if (S_ISREG(st.st_mode) &&
	    (n = read(fd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		if (sscanf(line, "send %" SCNu64 " %36s %ld %llu", job,
		    w->boot, &w->pid, &w->start) != 4) {
			memset(w, 0, sizeof(*w));
			*job = 0;
		}
	} else if (S_ISREG(st.st_mode) && n < 0)
		r = MARK_UNREADABLE;
	close(fd);
	return r;
}

void
snapmark_owner(struct slave_ctx *ctx, const char *ct, struct slave_snap *out)
{
	struct worker_id w;
	int r;

	out->owner = SNAP_BY_ADMIN;
	out->job = 0;
	out->pid = 0;
	if (out->kind == SNAP_KIND_NONE ||
	    (r = mark_read(ctx, ct, &out->job, &w)) == MARK_NONE)
		return;
	if (r == MARK_UNREADABLE) {
		/* a send's of a job not known now: live, dropped by nobody */
		out->owner = SNAP_BY_SEND;
		out->job = 0;
		return;
	}
	out->pid = w.pid > 0 ? (uint32_t)w.pid : 0;
	out->start = w.start;
	out->owner = worker_alive(&w) ? SNAP_BY_SEND : SNAP_BY_STALE_SEND;
}

bool
snapmark_stale(const struct slave_snap *cur, uint64_t job)
{
	return cur->kind != SNAP_KIND_NONE &&
	    (cur->owner == SNAP_BY_STALE_SEND ||
	    (cur->owner == SNAP_BY_SEND && job != 0 && cur->job == job));
}

bool
snapmark_superseded(const struct slave_snap *cur, uint64_t job)
{
	struct worker_id me;

	if (cur->kind == SNAP_KIND_NONE || cur->owner == SNAP_BY_ADMIN)
		return false;
	if (cur->owner == SNAP_BY_STALE_SEND)
		return true;
	/* a live send of this job: an earlier run's only if its worker
	 * started before this one (a live one is of this boot); a later
	 * one's is the run the master runs now, and this worker is the one
	 * late and over */
	self_id(&me);
	return job != 0 && cur->job == job && cur->start != 0 &&
	    cur->start < me.start;
}

bool
snapmark_mine(struct slave_ctx *ctx, const char *ct, uint64_t job)
{
	struct worker_id w, me;
	uint64_t j;

	if (mark_read(ctx, ct, &j, &w) != MARK_READ)
		return false;
	self_id(&me);
	return j == job && strcmp(w.boot, me.boot) == 0 && w.pid == me.pid &&
	    w.start == me.start;
}

int
snapmark_write(struct slave_ctx *ctx, const char *ct, uint64_t job,
    char *err, size_t errlen)
{
	char path[PATH_MAX], line[160];
	struct worker_id me;
	int fd, n, rc = -1;

	if (snapdir_path(ctx, MARK_PREFIX, ct, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	self_id(&me);
	/* one that never parses would name no worker: gone at once */
	if (me.boot[0] == '\0' || me.start == 0) {
		snprintf(err, errlen, "%s: this worker's boot id or start "
		    "time cannot be read from /proc: its snapshot cannot be "
		    "marked as its own", ct);
		return -1;
	}
	n = snprintf(line, sizeof(line), "send %" PRIu64 " %s %ld %llu\n",
	    job, me.boot, me.pid, me.start);
	/* on record before the take: a worker killed after it leaves its
	 * snapshot marked */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600)) < 0)
		goto out;
	if (write(fd, line, (size_t)n) == n && fsync(fd) == 0)
		rc = 0;
	close(fd);
out:
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)unlink(path);
	}
	return rc;
}

void
snapmark_clear(struct slave_ctx *ctx, const char *ct)
{
	char path[PATH_MAX];

	if (snapdir_path(ctx, MARK_PREFIX, ct, path, sizeof(path)) == 0 &&
	    unlink(path) != 0 && errno != ENOENT)
		log_warn("%s: %s: %s", ct, path, strerror(errno));
}

/* C's lock (lockfile_take: its file, unlinked after use): waiting for
 * it, or tried for tries_max times 50 ms. */
static int
lock_tries(struct slave_ctx *ctx, const char *ct, bool wait, int tries_max,
    char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (snapdir_path(ctx, LOCK_PREFIX, ct, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	if ((fd = lockfile_take(path, wait ? -1 : tries_max * LOCK_PAUSE_MS,
	    err, errlen)) < 0 && errno == EWOULDBLOCK)
		snprintf(err, errlen, "%s: another snapshot of it is being "
		    "taken or dropped", ct);
	return fd;
}

int
snap_lock(struct slave_ctx *ctx, const char *ct, bool wait, char *err,
    size_t errlen)
{
	return lock_tries(ctx, ct, wait, LOCK_TRIES, err, errlen);
}

void
snap_unlock(struct slave_ctx *ctx, const char *ct, int fd)
{
	char path[PATH_MAX];

	if (snapdir_path(ctx, LOCK_PREFIX, ct, path, sizeof(path)) == 0)
		lockfile_release(path, fd);
	else
		close(fd);
}

void
snapmark_sweep(struct slave_ctx *ctx)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], err[256];
	struct slave_snap cur;
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "%s/%s", ctx->storage.root,
	    STORAGE_SNAPDIR);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strncmp(e->d_name, LOCK_PREFIX, strlen(LOCK_PREFIX)) == 0 ||
		    strncmp(e->d_name, SLAVE_CT_LOCK_PREFIX,
		    strlen(SLAVE_CT_LOCK_PREFIX)) == 0) {
			/* C's snapshot or operation lock (ctlock.c), a killed
			 * worker's; one a worker still holds stays */
			(void)lockfile_sweep(path);
		} else if (strncmp(e->d_name, MARK_PREFIX,
		    strlen(MARK_PREFIX)) == 0) {
			/* a send's with no snapshot left (its hold thawed by
			 * the sweep, or a take killed before it took one),
			 * under C's lock: a worker the restart orphaned,
			 * taking it still, holds the lock and keeps its
			 * marker */
			const char *ct = e->d_name + strlen(MARK_PREFIX);

			if (!ct_name_valid(ct)) {
				(void)unlink(path);
				continue;
			}
			if ((fd = lock_tries(ctx, ct, false, 0, err,
			    sizeof(err))) < 0)
				continue;
			if (slave_snap_status(ctx, ct, &cur, err,
			    sizeof(err)) == 0 && cur.kind == SNAP_KIND_NONE)
				snapmark_clear(ctx, ct);
			snap_unlock(ctx, ct, fd);
		}
	}
	closedir(d);
}
