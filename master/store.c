/* corral-master: the store's layout (store.h): opening it, its method,
 * the containers and their versions, removing a version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "btrfs.h"
#include "conf.h"
#include "dirlist.h"
#include "store_int.h"

void
store_step(const struct store *s, const char *step)
{
	if (s->hook != NULL)
		s->hook(s->hook_arg, step);
}

void
store_set_step_hook(struct store *s, void (*fn)(void *, const char *),
    void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}

bool
store_top_name(const char *name)
{
	return strcmp(name, STORE_CONFIG) == 0 ||
	    strcmp(name, STORE_LXC) == 0 || strcmp(name, STORE_ROOTFS) == 0;
}

/* Can a file here share another's blocks?  Two unnamed files, one
 * block, one FICLONE: 1 yes, 0 no (the file system says it cannot), -1
 * cannot tell (a full store, an I/O error: errno). */
static int
reflink_works(int dfd)
{
	static const char block[4096];
	int a, b, r = -1, saved;

	a = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	b = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (a >= 0 && b >= 0) {
		errno = EIO;                    /* a short write's */
		if (write(a, block, sizeof(block)) == (ssize_t)sizeof(block))
			r = ioctl(b, FICLONE, a) == 0 ? 1 : -1;
	}
	saved = errno;
	if (r < 0 && (saved == EOPNOTSUPP || saved == EINVAL ||
	    saved == EXDEV || saved == ENOTTY || saved == ENOSYS ||
	    saved == EISDIR))           /* EISDIR: no O_TMPFILE here */
		r = 0;
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	errno = saved;
	return r;
}

/* The store's directory at path, ours, open in a new handle (its stat
 * into st), or NULL with err. */
static struct store *
open_dir(const char *path, struct stat *st, char *err, size_t errlen)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	if (snprintf(s->path, sizeof(s->path), "%s", path) >=
	    (int)sizeof(s->path) - 64) {
		snprintf(err, errlen, "store %.64s...: path too long", path);
		goto fail;
	}
	s->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, st) != 0) {
		snprintf(err, errlen, "store %s: %s", path, strerror(errno));
		goto fail;
	}
	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "store %s: owned by uid %u, not by us",
		    path, (unsigned)st->st_uid);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

struct store *
store_open_ro(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct store *s = open_dir(path, &st, err, errlen);

	if (s != NULL)
		s->ro = true;
	return s;
}

struct store *
store_open(const char *path, char *note, size_t notelen, char *err,
    size_t errlen)
{
	struct store *s;
	struct stat st;
	int r;

	note[0] = '\0';
	if ((s = open_dir(path, &st, err, errlen)) == NULL)
		return NULL;
	/* container trees and their secrets: nobody else may look in */
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(s->fd, 0700) != 0) {
			snprintf(err, errlen, "store %s: cannot make it 0700: "
			    "%s", path, strerror(errno));
			goto fail;
		}
		snprintf(note, notelen, "store %s: mode was %04o, made 0700",
		    path, (unsigned)(st.st_mode & 07777));
	}
	if (btrfs_is_fs(s->fd))
		s->method = STORE_BTRFS;
	else if ((r = reflink_works(s->fd)) == 1)
		s->method = STORE_REFLINK;
	else {
		s->method = STORE_LINKS;
		/* links are safe on any file system, only costlier where
		 * blocks could be shared: say so rather than fail the job */
		if (r < 0) {
			size_t n = strnlen(note, notelen);

			snprintf(note + n, notelen - n, "%sstore %s: cannot "
			    "tell whether it shares blocks (%s): this "
			    "transaction links unchanged files and copies "
			    "changed ones whole", n ? "; " : "", path,
			    strerror(errno));
		}
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

enum store_method
store_method(const struct store *s)
{
	return s->method;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_ct_open(struct store *s, const char *ct, bool create, char *err,
    size_t errlen)
{
	int fd;

	if (!conf_valid_name(ct)) {
		snprintf(err, errlen, "'%.64s': not a container name", ct);
		return -1;
	}
	if (create && s->ro) {
		snprintf(err, errlen, "%s/%s: the store is open read-only",
		    s->path, ct);
		errno = EROFS;
		return -1;
	}
	if (create && mkdirat(s->fd, ct, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    strerror(errno));
		return -1;
	}
	fd = openat(s->fd, ct, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    e == ENOENT ? "no such container in the store" :
		    strerror(e));
		errno = e;
	}
	return fd;
}

int
store_ct_lock(struct store *s, int ctfd, const char *ct, char *err,
    size_t errlen)
{
	/* the writers' lock: a read-only handle writes nothing */
	if (s->ro) {
		snprintf(err, errlen, "%s/%s: the store is open read-only",
		    s->path, ct);
		return -1;
	}
	if (flock(ctfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	snprintf(err, errlen, "%s/%s: %s", s->path, ct, errno == EWOULDBLOCK ?
	    "busy: a version is being made, removed or read" :
	    strerror(errno));
	return -1;
}

static int
cmp_versions(const void *a, const void *b)
{
	return store_version_cmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
store_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Names in dfd that ok() accepts, sorted by cmp; -1 with errno. */
static int
list_names(int dfd, bool (*ok)(const char *), int (*cmp)(const void *,
    const void *), char ***out, size_t *n)
{
	struct dirlist l;
	size_t i;
	char **v;

	*out = NULL;
	*n = 0;
	if (dirlist_read(dfd, &l) != 0)
		return -1;
	if ((v = calloc(l.n ? l.n : 1, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < l.n; i++)
		if (ok(dirlist_name(&l, i)) &&
		    (v[(*n)++] = strdup(dirlist_name(&l, i))) == NULL)
			goto fail;
	dirlist_free(&l);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp);
	*out = v;
	return 0;
fail:
	dirlist_free(&l);
	store_names_free(v, *n);
	*n = 0;
	errno = ENOMEM;
	return -1;
}

static bool
is_version(const char *name)
{
	time_t t;
	unsigned n;

	return store_version_parse(name, &t, &n);
}

static bool
is_container(const char *name)
{
	return conf_valid_name(name);
}

int
store_containers(struct store *s, char ***names, size_t *n, char *err,
    size_t errlen)
{
	if (list_names(s->fd, is_container, cmp_names, names, n) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
	return -1;
}

int
store_newest(int ctfd, char name[STORE_VERSION_MAX], char *err,
    size_t errlen)
{
	char **v;
	size_t n;

	name[0] = '\0';
	if (list_names(ctfd, is_version, cmp_versions, &v, &n) != 0) {
		snprintf(err, errlen, "cannot list versions: %s",
		    strerror(errno));
		return -1;
	}
	if (n > 0)
		snprintf(name, STORE_VERSION_MAX, "%s", v[n - 1]);
	store_names_free(v, n);
	return 0;
}

/* A version's header fields; bad if its manifest is missing or does not
 * parse.  0, or -1 (errno) when it could not be read for want of the
 * master's own means or by an I/O error: a version taken for bad then
 * would go at the next prune. */
static int
version_read(int ctfd, const char *name, struct store_version *v)
{
	struct store_mf_reader *r = malloc(sizeof(*r));
	char err[STORE_ERR_MAX];
	FILE *f = NULL;
	int vfd = -1, fd = -1, rc = -1, e = 0;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->bad = true;
	if (r == NULL) {
		e = ENOMEM;
		goto out;
	}
	vfd = openat(ctfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (vfd >= 0)
		fd = openat(vfd, STORE_MANIFEST, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (vfd < 0 || fd < 0) {
		/* gone since the listing (a removal), or no manifest: bad */
		e = errno;
		rc = e == ENOENT || e == ENOTDIR || e == ELOOP ? 0 : -1;
		goto out;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		e = errno;
		goto out;
	}
	fd = -1;
	if (store_mf_open(r, f, STORE_MANIFEST, err, sizeof(err)) == 0) {
		snprintf(v->host, sizeof(v->host), "%s", r->h.host);
		v->kind = r->h.kind;
		v->method = r->h.method;
		v->created = r->h.created;
		v->files = r->h.files;
		v->bytes = r->h.bytes;
		v->stored = r->h.stored;
		v->bad = false;
	} else if (ferror(f)) {
		e = EIO;
		goto out;
	}
	rc = 0;
	if (!v->bad)
		store_state_read(ctfd, name, &v->verified, &v->bad);
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (vfd >= 0)
		close(vfd);
	free(r);
	errno = e;
	return rc;
}

int
store_versions(struct store *s, const char *ct, struct store_version **out,
    size_t *n, char *err, size_t errlen)
{
	char **names;
	size_t i;
	int ctfd;

	*out = NULL;
	*n = 0;
	if ((ctfd = store_ct_open(s, ct, false, err, errlen)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (list_names(ctfd, is_version, cmp_versions, &names, n) != 0) {
		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    strerror(errno));
		close(ctfd);
		return -1;
	}
	if (*n > 0 && (*out = calloc(*n, sizeof(**out))) == NULL) {
		snprintf(err, errlen, "out of memory");
		store_names_free(names, *n);
		*n = 0;
		close(ctfd);
		return -1;
	}
	for (i = 0; i < *n; i++)
		if (version_read(ctfd, names[i], &(*out)[i]) != 0) {
			snprintf(err, errlen, "%s/%s/%s: its manifest did not "
			    "read: %s", s->path, ct, names[i], strerror(errno));
			store_names_free(names, *n);
			free(*out);
			*out = NULL;
			*n = 0;
			close(ctfd);
			return -1;
		}
	store_names_free(names, *n);
	close(ctfd);
	return 0;
}

/* Version (NULL or "": the newest) of ct, read without a lock (a version
 * is never changed once made): its header into v and, text not NULL, its
 * config into text (STORE_CONFIG_MAX).  0, or -1 with err. */
static int
version_one(struct store *s, const char *ct, const char *version,
    struct store_version *v, char *text, char *err, size_t errlen)
{
	char name[STORE_VERSION_MAX];
	int ctfd, vfd = -1, rc = -1;
	time_t t;
	unsigned nth;

	if ((ctfd = store_ct_open(s, ct, false, err, errlen)) < 0)
		return -1;
	if (version == NULL || version[0] == '\0') {
		if (store_newest(ctfd, name, err, errlen) != 0)
			goto out;
	} else if (store_version_parse(version, &t, &nth))
		snprintf(name, sizeof(name), "%s", version);
	else
		name[0] = '\0';
	if (name[0] == '\0' || (vfd = openat(ctfd, name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s/%s/%.40s: %s", s->path, ct,
		    version != NULL ? version : "", name[0] == '\0' ?
		    "no such version" : strerror(errno));
		goto out;
	}
	if (version_read(ctfd, name, v) != 0) {
		snprintf(err, errlen, "%s/%s/%s: its manifest did not read: "
		    "%s", s->path, ct, name, strerror(errno));
		goto out;
	}
	if (text != NULL && store_read_small(vfd, STORE_CONFIG, text,
	    STORE_CONFIG_MAX) < 0) {
		snprintf(err, errlen, "%s/%s/%s/%s: %s", s->path, ct, name,
		    STORE_CONFIG, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (vfd >= 0)
		close(vfd);
	close(ctfd);
	return rc;
}

int
store_version_get(struct store *s, const char *ct, const char *version,
    struct store_version *v, char *err, size_t errlen)
{
	return version_one(s, ct, version, v, NULL, err, errlen);
}

int
store_version_need(struct store *s, const char *ct, const char *version,
    uint64_t *bytes, uint64_t *mem_limit, char *err, size_t errlen)
{
	struct store_version v;
	char *text = NULL;
	int rc = -1;

	*bytes = 0;
	if (mem_limit != NULL) {
		*mem_limit = 0;
		if ((text = malloc(STORE_CONFIG_MAX)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (version_one(s, ct, version, &v, text, err, errlen) == 0) {
		*bytes = v.bytes;
		if (mem_limit != NULL)
			*mem_limit = store_conf_mem_limit(text);
		rc = 0;
	}
	free(text);
	return rc;
}

int
store_pending(struct store *s, const char *ct, char *err, size_t errlen)
{
	struct stat st;
	int ctfd, r = 1;

	if ((ctfd = store_ct_open(s, ct, false, err, errlen)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(ctfd, STORE_INCOMING, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		r = errno == ENOENT ? 0 : -1;
		if (r < 0)
			snprintf(err, errlen, "%s/%s/%s: %s", s->path, ct,
			    STORE_INCOMING, strerror(errno));
	}
	close(ctfd);
	return r;
}

/* ---- removing ---- */

int
store_drop(const struct store *s, int dfd, const char *name, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (s->method == STORE_BTRFS && btrfs_is_subvol(&st)) {
		if (btrfs_subvol_delete(dfd, name) == 0)
			return 0;
		snprintf(err, errlen, "%s: cannot delete subvolume: %s", name,
		    strerror(errno));
		return -1;
	}
	return store_rm_tree(dfd, name, err, errlen);
}

static bool
is_removing(const char *name)
{
	return strncmp(name, STORE_REMOVING, strlen(STORE_REMOVING)) == 0;
}

int
store_drop_removed(const struct store *s, int ctfd, char *err,
    size_t errlen)
{
	char **v;
	size_t i, n;
	int rc = 0;

	if (list_names(ctfd, is_removing, cmp_names, &v, &n) != 0) {
		snprintf(err, errlen, "cannot list: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = store_drop(s, ctfd, v[i], err, errlen);
	store_names_free(v, n);
	return rc;
}

int
store_remove(struct store *s, const char *ct, const char *version,
    char *err, size_t errlen)
{
	char gone[STORE_VERSION_MAX + 16], state[STORE_VERSION_MAX + 16];
	int ctfd, rc = -1;

	if (!is_version(version)) {
		snprintf(err, errlen, "'%.40s': not a version name", version);
		return -1;
	}
	if ((ctfd = store_ct_open(s, ct, false, err, errlen)) < 0)
		return -1;
	if (store_ct_lock(s, ctfd, ct, err, errlen) != 0)
		goto out;
	snprintf(gone, sizeof(gone), "%s%s", STORE_REMOVING, version);
	snprintf(state, sizeof(state), "%s%s", version, STORE_STATE_SUFFIX);
	/* out of the listing at once, whatever the deletion takes */
	if (renameat2(ctfd, version, ctfd, gone, RENAME_NOREPLACE) != 0) {
		snprintf(err, errlen, "%s/%s/%s: %s", s->path, ct, version,
		    errno == ENOENT ? "no such version" : strerror(errno));
		goto out;
	}
	if ((unlinkat(ctfd, state, 0) != 0 && errno != ENOENT) ||
	    fsync(ctfd) != 0) {
		snprintf(err, errlen, "%s/%s: %s", s->path, ct,
		    strerror(errno));
		goto out;
	}
	rc = store_drop_removed(s, ctfd, err, errlen);
out:
	close(ctfd);
	return rc;
}
