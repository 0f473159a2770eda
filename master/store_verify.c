/* corral-master: checking a version against its manifest (store.h), and
 * the state file that keeps the outcome beside the version (it may be
 * read-only): PATH/C/<version>.verified holds
 *
 *   verified 2024-05-01T12:34:56Z      the last good check, or "-"
 *   bad 2024-05-02T03:04:05Z           only after a failed one
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store_int.h"

struct verify {
	struct store_mf_reader *r;
	struct store_ent want;          /* the manifest's next entry */
	int more;                       /* 1: want holds one */
	struct store_ent have;
	store_verify_cb cb;
	void *arg;
	bool bad;
	int busy;                       /* errno of a failure of the master's
	                                   own (no descriptor, no memory) */
	char rerr[STORE_ERR_MAX];       /* why the manifest stopped */
};

static void
report(struct verify *v, const char *path, const char *what)
{
	v->bad = true;
	if (v->cb != NULL)
		v->cb(v->arg, path, what);
}

/* A read that failed for want of the master's own resources says
 * nothing of the version: the check stops, nothing is recorded (a
 * version marked bad for it would be pruned). */
static bool
resource_error(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS;
}

/* path did not read: "unreadable", or the check stops (-1). */
static int
unreadable(struct verify *v, const char *path)
{
	if (resource_error(errno)) {
		v->busy = errno;
		return -1;
	}
	report(v, path, "unreadable");
	return 0;
}

static void
advance(struct verify *v)
{
	v->more = store_mf_next(v->r, &v->want, v->rerr, sizeof(v->rerr));
	if (v->more < 0)
		report(v, STORE_MANIFEST, "unreadable");
}

/* Compare what the file system has (v->have, stat st) with v->want:
 * 0, or -1 when the check stops (v->busy). */
static int
compare(struct verify *v, const struct store_went *w)
{
	const struct store_ent *a = &v->have, *b = &v->want;

	if (a->type != b->type) {
		report(v, w->path, "type");
		return 0;
	}
	if (a->perm != b->perm)
		report(v, w->path, "mode");
	if (a->uid != b->uid || a->gid != b->gid)
		report(v, w->path, "owner");
	if (a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec)
		report(v, w->path, "mtime");
	/* a format 1 manifest knows none (0) */
	if (b->xattrs != 0 && (a->xattrs != b->xattrs || (a->xattrs == 'x' &&
	    memcmp(a->xhash, b->xhash, STORE_HASH_LEN) != 0)))
		report(v, w->path, "xattrs");
	if (a->size != b->size) {
		report(v, w->path, "size");
		return 0;
	}
	if (a->type == 'f' && store_ent_read(w->dfd, w->name, w->path, w->st,
	    true, &v->have) != 0)
		return unreadable(v, w->path);
	if (memcmp(a->hash, b->hash, STORE_HASH_LEN) != 0 ||
	    a->major != b->major || a->minor != b->minor)
		report(v, w->path, "content");
	return 0;
}

static int
verify_entry(void *arg, const struct store_went *w)
{
	struct verify *v = arg;

	if (w->depth == 0 && strcmp(w->name, STORE_MANIFEST) == 0)
		return STORE_WALK_SKIP;
	while (v->more > 0 && store_path_cmp(v->want.path, w->path) < 0) {
		report(v, v->want.path, "missing");
		advance(v);
	}
	if (v->more < 0)
		return -1;      /* the manifest broke off: reported, stop */
	if (v->more == 0 || strcmp(v->want.path, w->path) != 0) {
		/* nothing below it is in the manifest either */
		report(v, w->path, "extra");
		return STORE_WALK_SKIP;
	}
	if ((store_ent_read(w->dfd, w->name, w->path, w->st, false,
	    &v->have) != 0 ? unreadable(v, w->path) : compare(v, w)) != 0)
		return -1;
	advance(v);
	return 0;
}

/* ---- the check ---- */

static int
manifest_open(int vfd, struct store_mf_reader *r, char *err, size_t errlen)
{
	FILE *f = NULL;
	int fd;

	fd = openat(vfd, STORE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (f = fdopen(fd, "r")) == NULL)
		close(fd);
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", STORE_MANIFEST,
		    strerror(errno));
		return -1;
	}
	if (store_mf_open(r, f, STORE_MANIFEST, err, errlen) != 0) {
		fclose(f);
		return -1;
	}
	return 0;
}

int
store_verify(struct store *s, const char *ct, const char *version,
    store_verify_cb cb, void *arg, char *err, size_t errlen)
{
	struct verify *v = calloc(1, sizeof(*v));
	struct store_walk_ops ops = {
		.entry = verify_entry, .arg = v, .err = err, .errlen = errlen,
	};
	char name[STORE_VERSION_MAX], why[STORE_ERR_MAX] = "";
	time_t verified;
	unsigned nth;
	bool was_bad;
	int ctfd = -1, vfd = -1, rc = -1;

	if (v == NULL || (v->r = malloc(sizeof(*v->r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	v->r->f = NULL;
	v->cb = cb;
	v->arg = arg;
	if ((ctfd = store_ct_open(s, ct, false, err, errlen)) < 0)
		goto out;
	/* a reader: no removal while it checks (a prune plans again just
	 * before each removal, with what a check ended with) */
	if (flock(ctfd, LOCK_SH | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    errno == EWOULDBLOCK ? "busy: a version is being made or "
		    "removed" : strerror(errno));
		goto out;
	}
	if (version == NULL && store_newest(ctfd, name, err, errlen) != 0)
		goto out;
	if (version != NULL)
		snprintf(name, sizeof(name), "%s", version);
	if (!store_version_parse(name, &verified, &nth) ||
	    (vfd = openat(ctfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s/%s: no version %s", s->path, ct,
		    name[0] ? name : "at all");
		goto out;
	}
	if (manifest_open(vfd, v->r, why, sizeof(why)) != 0) {
		v->r->f = NULL;
		if (unreadable(v, STORE_MANIFEST) != 0)
			goto busy;
	} else {
		advance(v);
		/* a walk stopped by a broken manifest is a bad version */
		if (v->more >= 0 && store_walk(vfd, -1, &ops) != 0 &&
		    v->more >= 0) {
			if (v->busy != 0)
				goto busy;
			goto out;
		}
		while (v->more > 0) {
			report(v, v->want.path, "missing");
			advance(v);
		}
	}
	store_state_read(ctfd, name, &verified, &was_bad);
	if (store_state_write(ctfd, name, v->bad ? verified : time(NULL),
	    v->bad ? time(NULL) : 0) != 0) {
		snprintf(err, errlen, "%s/%s/%s%s: %s", s->path, ct, name,
		    STORE_STATE_SUFFIX, strerror(errno));
		goto out;
	}
	rc = v->bad ? 1 : 0;
	/* what broke the manifest, for the caller's message */
	snprintf(err, errlen, "%s", v->more < 0 ? v->rerr : why);
	goto out;
busy:
	snprintf(err, errlen, "%s/%s/%s: not checked, nothing recorded: the "
	    "master ran short (%s): try again", s->path, ct, name,
	    strerror(v->busy));
out:
	if (vfd >= 0)
		close(vfd);
	if (ctfd >= 0)
		close(ctfd);
	if (v != NULL) {
		if (v->r != NULL && v->r->f != NULL)
			fclose(v->r->f);
		free(v->r);
		free(v);
	}
	return rc;
}
