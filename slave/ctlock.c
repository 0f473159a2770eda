/* corral-slave: lock files, and a container's operation lock over them.
 *
 * Each SSH session is served by a worker process of its own, so two
 * requests that change one container can run at once and interleave
 * their checks and steps: a START the master gave up waiting for, still
 * pending, and the forced REMOVE of the roll back that followed (a start
 * between the REMOVE's running check and its config's rename would leave
 * C running here without a config, and running at the source too), a
 * RENAME and a START, a CONF_SET and a START.  So every request that
 * changes a container's state, config or volume holds C's operation lock,
 * ROOT/.corral-snap/.op.C, for its whole duration: taken once, where the
 * request is dispatched (ctl.c's CT_CTL and slave_ct_request, CT_CONF_SET,
 * CT_RENAME, a create, a snapshot's take or drop, a send's take of its
 * snapshot, for the take only), never by the helpers
 * they share (two opens' flocks conflict within one process too: a helper
 * taking it would wait for its own caller), waited for a bounded time
 * (then refused: another operation on C is at work), and released before
 * the reply, which a stalled master may leave unread.  Read-only requests
 * (CT_LIST, CONF, a snapshot's status) take none.
 *
 * Lock order: C's operation lock, then C's snapshot lock (snapmark.c,
 * held only within one take or drop).  A RENAME of C to N holds both
 * names' operation locks, the smaller name's first.  Nothing that holds
 * a snapshot lock takes an operation lock.  The start's sweep only tries
 * (slave_ct_sweep): a worker a restart orphaned may hold C's still, and
 * finishes its own request.
 *
 * A lock file: its holder unlinks it before it unlocks, and a taker that
 * got the lock of a file since unlinked tries again, so that no file is
 * left once nobody holds it (one a killed worker left is unlinked by the
 * next start's sweep, snapmark_sweep, unless a live worker holds it).
 * Opened read-write and not following a link: on NFS a flock is a POSIX
 * write lock.  Not inherited by a container liblxc starts (its monitor
 * would hold C's lock as long as C runs): O_CLOEXEC for what it execs,
 * and its daemonized start closes every descriptor it inherits
 * (tests/integration/ct_lock.sh: a REMOVE right after a START). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "names.h"
#include "proto.h"
#include "slave.h"

#define LOCK_PAUSE_MS 50

int
snapdir_path(struct slave_ctx *ctx, const char *prefix, const char *ct,
    char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s%s", ctx->storage.root,
	    STORAGE_SNAPDIR, prefix, ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* fd is locked and is still the file at path */
static bool
still_named(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int
lockfile_take(const char *path, int wait_ms, char *err, size_t errlen)
{
	int fd, waited = 0;

	for (;;) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600)) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		while (flock(fd, wait_ms < 0 ? LOCK_EX : LOCK_EX | LOCK_NB) !=
		    0) {
			int e = errno;

			if (e == EWOULDBLOCK && waited < wait_ms) {
				pause_ms(LOCK_PAUSE_MS);
				waited += LOCK_PAUSE_MS;
				continue;
			}
			if (e != EINTR || wait_ms >= 0) {
				snprintf(err, errlen, "%s: %s", path,
				    e == EWOULDBLOCK ? "held" : strerror(e));
				close(fd);
				errno = e;
				return -1;
			}
		}
		/* the holder before us unlinked it: lock the file there now */
		if (still_named(fd, path))
			return fd;
		close(fd);
	}
}

void
lockfile_release(const char *path, int fd)
{
	/* held: no one else has this file locked, and one waiting for it
	 * takes the next */
	(void)unlink(path);
	close(fd);
}

bool
lockfile_sweep(const char *path)
{
	bool gone = false;
	int fd;

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && still_named(fd, path))
		gone = unlink(path) == 0;
	close(fd);
	return gone;
}

/* The wait: SLAVE_CT_LOCK_WAIT_S, or the test's CORRAL_TEST_LOCK_WAIT
 * (tests/integration/ct_lock.sh refuses one without waiting a minute). */
static int
wait_ms_of(void)
{
	const char *v = getenv("CORRAL_TEST_LOCK_WAIT");
	long n = v != NULL ? strtol(v, NULL, 10) : 0;

	return (n > 0 && n <= SLAVE_CT_LOCK_WAIT_S ? (int)n :
	    SLAVE_CT_LOCK_WAIT_S) * 1000;
}

int
slave_ct_lock(struct slave_ctx *ctx, const char *ct, bool wait, char *err,
    size_t errlen)
{
	char path[PATH_MAX];
	int fd, ms = wait ? wait_ms_of() : 0;

	/* a name from the wire: never a path */
	if (!ct_name_valid(ct)) {
		char pn[PROTO_NAME_MAX * ESCAPE_MAX_PER_BYTE];

		snprintf(err, errlen, "'%s' is not a valid container name",
		    str_escaped(pn, sizeof(pn), ct));
		return -1;
	}
	if (snapdir_path(ctx, SLAVE_CT_LOCK_PREFIX, ct, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	if ((fd = lockfile_take(path, ms, err, errlen)) < 0 &&
	    errno == EWOULDBLOCK)
		snprintf(err, errlen, "another operation on %s is at work "
		    "(waited %d s for it): try again once it is done", ct,
		    ms / 1000);
	return fd;
}

void
slave_ct_unlock(struct slave_ctx *ctx, const char *ct, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	if (snapdir_path(ctx, SLAVE_CT_LOCK_PREFIX, ct, path, sizeof(path)) == 0)
		lockfile_release(path, fd);
	else
		close(fd);
}

int
slave_ct_lock_pair(struct slave_ctx *ctx, const char *a, const char *b,
    int fd[2], char *err, size_t errlen)
{
	bool swap = strcmp(a, b) > 0;
	const char *first = swap ? b : a, *second = swap ? a : b;
	int f1, f2;

	fd[0] = fd[1] = -1;
	if ((f1 = slave_ct_lock(ctx, first, true, err, errlen)) < 0)
		return -1;
	if ((f2 = slave_ct_lock(ctx, second, true, err, errlen)) < 0) {
		slave_ct_unlock(ctx, first, f1);
		return -1;
	}
	fd[0] = swap ? f2 : f1;
	fd[1] = swap ? f1 : f2;
	return 0;
}
