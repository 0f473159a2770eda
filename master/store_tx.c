/* corral-master: making a version (store.h): begin, commit, abort,
 * discard, and the set of paths a receiver reported. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btrfs.h"
#include "conf.h"
#include "store_int.h"

#define NAME_TRIES 1000

struct store_tx {
	struct store *s;
	char ct[CONF_NAME_MAX];
	int ct_fd;
	struct store_tx_info info;
	/* when the clone was complete (coarse clock): a file whose ctime is
	 * not before it was written in this transaction.  0: unknown. */
	struct timespec mark;
};

/* ---- the paths a receiver reported ---- */

struct store_changes {
	struct store_map *m;
};

struct store_changes *
store_changes_new(void)
{
	struct store_changes *c = malloc(sizeof(*c));

	if (c != NULL && (c->m = store_map_new()) == NULL) {
		free(c);
		c = NULL;
	}
	return c;
}

int
store_changes_add(struct store_changes *c, const char *relpath)
{
	return store_map_add(c->m, relpath, strlen(relpath), NULL, 0) < 0 ?
	    -1 : 0;
}

bool
store_changes_has(const struct store_changes *c, const char *relpath)
{
	return store_map_get(c->m, relpath, strlen(relpath), NULL) != NULL;
}

size_t
store_changes_count(const struct store_changes *c)
{
	return store_map_count(c->m);
}

void
store_changes_free(struct store_changes *c)
{
	if (c == NULL)
		return;
	store_map_free(c->m);
	free(c);
}

/* ---- the transaction ---- */

const struct store_tx_info *
store_tx_info(const struct store_tx *tx)
{
	return &tx->info;
}

static void
tx_free(struct store_tx *tx)
{
	if (tx == NULL)
		return;
	if (tx->info.rootfs_fd >= 0)
		close(tx->info.rootfs_fd);
	if (tx->info.lxc_fd >= 0)
		close(tx->info.lxc_fd);
	if (tx->info.dir_fd >= 0)
		close(tx->info.dir_fd);
	if (tx->ct_fd >= 0)
		close(tx->ct_fd);
	free(tx);
}

static int
tx_err(struct store_tx *tx, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", tx->info.path, what,
	    strerror(errno));
	return -1;
}

static int
mark_write(struct store_tx *tx, char *err, size_t errlen)
{
	char buf[64];
	int fd, n, rc = -1;

	clock_gettime(CLOCK_REALTIME_COARSE, &tx->mark);
	n = snprintf(buf, sizeof(buf), "%" PRId64 " %ld\n",
	    (int64_t)tx->mark.tv_sec, tx->mark.tv_nsec);
	fd = openat(tx->ct_fd, STORE_MARK, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, buf, (size_t)n) == n && fsync(fd) == 0)
		rc = 0;
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	return rc == 0 ? 0 : tx_err(tx, "cannot write " STORE_MARK, err,
	    errlen);
}

static void
mark_read(struct store_tx *tx)
{
	char buf[64];
	int64_t sec;
	long ns;

	tx->mark.tv_sec = 0;
	if (store_read_small(tx->ct_fd, STORE_MARK, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%" SCNd64 " %ld\n", &sec, &ns) == 2 && sec > 0 &&
	    ns >= 0 && ns < 1000000000) {
		tx->mark.tv_sec = (time_t)sec;
		tx->mark.tv_nsec = ns;
	}
}

/* Make .incoming from version base ("" none). */
static int
incoming_make(struct store_tx *tx, char *err, size_t errlen)
{
	struct store *s = tx->s;
	const char *base = tx->info.base;
	struct stat st;
	int vfd = -1, rc = -1;
	bool snap;

	if (base[0] && (vfd = openat(tx->ct_fd, base, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s/%s/%s: %s", s->path, tx->ct, base,
		    strerror(errno));
		return -1;
	}
	/* a mark left by a crash after a commit's rename must not vouch for
	 * a clone that this begin may not finish */
	if (unlinkat(tx->ct_fd, STORE_MARK, 0) != 0 && errno != ENOENT) {
		tx_err(tx, "cannot remove " STORE_MARK, err, errlen);
		goto out;
	}
	snap = s->method == STORE_BTRFS && vfd >= 0 && fstat(vfd, &st) == 0 &&
	    btrfs_is_subvol(&st);
	if (snap)
		rc = btrfs_subvol_snapshot(tx->ct_fd, STORE_INCOMING, vfd,
		    false);
	else if (s->method == STORE_BTRFS)
		rc = btrfs_subvol_create(tx->ct_fd, STORE_INCOMING);
	else
		rc = mkdirat(tx->ct_fd, STORE_INCOMING, 0700);
	if (rc != 0) {
		tx_err(tx, snap ? "cannot snapshot the last version" :
		    "cannot make", err, errlen);
		goto out;
	}
	rc = -1;
	tx->info.dir_fd = openat(tx->ct_fd, STORE_INCOMING, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tx->info.dir_fd < 0 || fchmod(tx->info.dir_fd, 0700) != 0) {
		tx_err(tx, "cannot open", err, errlen);
		goto out;
	}
	if (vfd >= 0 && !snap &&
	    store_clone_tree(s, vfd, tx->info.dir_fd, err, errlen) != 0)
		goto out;
	/* the last version's manifest is no longer true of this one */
	if (unlinkat(tx->info.dir_fd, STORE_MANIFEST, 0) != 0 &&
	    errno != ENOENT) {
		tx_err(tx, "cannot remove the old manifest", err, errlen);
		goto out;
	}
	rc = mark_write(tx, err, errlen);
out:
	if (vfd >= 0)
		close(vfd);
	return rc;
}

/* Open (making it if missing) directory name of .incoming. */
static int
incoming_dir(struct store_tx *tx, const char *name, char *err,
    size_t errlen)
{
	int fd;

	if (mkdirat(tx->info.dir_fd, name, 0700) != 0 && errno != EEXIST)
		return tx_err(tx, name, err, errlen);
	fd = openat(tx->info.dir_fd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		tx_err(tx, name, err, errlen);
	return fd;
}

/* Take up the .incoming an interrupted run left (stat st): its
 * transfer's data need not come again.  One without a mark is a clone
 * cut short, before any transfer: it is removed, to be made again. */
static int
incoming_resume(struct store_tx *tx, const struct stat *st, char *err,
    size_t errlen)
{
	struct store *s = tx->s;

	tx->info.dir_fd = openat(tx->ct_fd, STORE_INCOMING, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tx->info.dir_fd < 0)
		return tx_err(tx, "cannot open", err, errlen);
	/* killed between read-only and the rename: writable again */
	if (s->method == STORE_BTRFS && btrfs_is_subvol(st) &&
	    btrfs_subvol_set_readonly(tx->info.dir_fd, false) != 0)
		return tx_err(tx, "cannot make it writable", err, errlen);
	mark_read(tx);
	if (tx->mark.tv_sec != 0) {
		tx->info.resumed = true;
		return 0;
	}
	close(tx->info.dir_fd);
	tx->info.dir_fd = -1;
	return store_drop(s, tx->ct_fd, STORE_INCOMING, err, errlen);
}

int
store_begin(struct store *s, const char *ct, struct store_tx **txp,
    char *err, size_t errlen)
{
	struct store_tx *tx;
	struct stat st;

	*txp = NULL;
	if ((tx = calloc(1, sizeof(*tx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tx->s = s;
	tx->ct_fd = tx->info.dir_fd = tx->info.rootfs_fd = tx->info.lxc_fd = -1;
	tx->info.shared_inodes = s->method == STORE_LINKS;
	tx->info.in_place = !tx->info.shared_inodes;
	snprintf(tx->ct, sizeof(tx->ct), "%s", ct);
	snprintf(tx->info.path, sizeof(tx->info.path), "%s/%s/%s", s->path,
	    ct, STORE_INCOMING);
	if ((tx->ct_fd = store_ct_open(s, ct, true, err, errlen)) < 0 ||
	    store_ct_lock(s, tx->ct_fd, ct, err, errlen) != 0 ||
	    store_drop_removed(s, tx->ct_fd, err, errlen) != 0 ||
	    store_newest(tx->ct_fd, tx->info.base, err, errlen) != 0)
		goto fail;
	if (fstatat(tx->ct_fd, STORE_INCOMING, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (incoming_resume(tx, &st, err, errlen) != 0)
			goto fail;
	} else if (errno != ENOENT) {
		tx_err(tx, "cannot stat", err, errlen);
		goto fail;
	}
	if (!tx->info.resumed && incoming_make(tx, err, errlen) != 0)
		goto fail;
	if ((tx->info.rootfs_fd = incoming_dir(tx, STORE_ROOTFS, err,
	    errlen)) < 0 || (tx->info.lxc_fd = incoming_dir(tx, STORE_LXC,
	    err, errlen)) < 0)
		goto fail;
	*txp = tx;
	return 0;
fail:
	tx_free(tx);
	return -1;
}

void
store_abort(struct store_tx *tx)
{
	tx_free(tx);
}

int
store_discard(struct store_tx *tx, char *err, size_t errlen)
{
	int rc;

	if (tx->info.dir_fd >= 0)
		btrfs_subvol_set_readonly(tx->info.dir_fd, false);
	rc = store_drop(tx->s, tx->ct_fd, STORE_INCOMING, err, errlen);
	if (rc == 0 && unlinkat(tx->ct_fd, STORE_MARK, 0) != 0 &&
	    errno != ENOENT)
		rc = tx_err(tx, "cannot remove " STORE_MARK, err, errlen);
	if (rc == 0 && fsync(tx->ct_fd) != 0)
		rc = tx_err(tx, "cannot sync its directory", err, errlen);
	tx_free(tx);
	return rc;
}

/* ---- commit ---- */

/* What a commit's walk keeps. */
struct commit {
	struct store_tx *tx;
	const struct store_changes *changed;
	struct store_mf_reader *prev;   /* the last version's, or NULL */
	struct store_ent prev_ent;
	int prev_more;                  /* prev_ent holds an entry */
	struct store_map *counted;      /* inodes counted in stored */
	struct store_mf_header h;
	FILE *body;
	struct store_ent e;
	char line[STORE_MF_LINE_MAX];
	char *err;
	size_t errlen;
};

/* The last version's entry of path, if it has one. */
static const struct store_ent *
prev_find(struct commit *c, const char *path)
{
	char err[STORE_ERR_MAX];

	while (c->prev_more > 0 && store_path_cmp(c->prev_ent.path, path) < 0)
		c->prev_more = store_mf_next(c->prev, &c->prev_ent, err,
		    sizeof(err));
	/* a bad old manifest only costs hashing: prev_more < 0 stops it */
	return c->prev_more > 0 && strcmp(c->prev_ent.path, path) == 0 ?
	    &c->prev_ent : NULL;
}

/* May this file keep the last version's hash without being read? */
static bool
unchanged(struct commit *c, const struct store_went *w,
    const struct store_ent *p)
{
	const struct stat *st = w->st;
	const struct timespec *m = &c->tx->mark;
	const char *rel = w->path;

	if (p == NULL || p->type != 'f' || p->size != c->e.size ||
	    p->mtime_sec != c->e.mtime_sec || p->mtime_nsec != c->e.mtime_nsec)
		return false;
	/* written in this transaction, by any run of it */
	if (m->tv_sec == 0 || st->st_ctim.tv_sec > m->tv_sec ||
	    (st->st_ctim.tv_sec == m->tv_sec &&
	    st->st_ctim.tv_nsec >= m->tv_nsec))
		return false;
	if (strncmp(rel, STORE_ROOTFS "/", sizeof(STORE_ROOTFS)) != 0)
		return false;   /* config and lxc/: small, always read */
	return c->changed != NULL &&
	    !store_changes_has(c->changed, rel + sizeof(STORE_ROOTFS));
}

/* Count a regular file in stored if its space is new in this version. */
static int
count_stored(struct commit *c, const struct store_went *w,
    const struct store_ent *p, bool reused)
{
	uint64_t key[2] = { w->st->st_dev, w->st->st_ino };
	struct stat old;
	bool fresh;

	if (c->tx->s->method == STORE_LINKS)
		/* a new inode is a whole new copy */
		fresh = w->shadow_dfd < 0 || fstatat(w->shadow_dfd, w->name,
		    &old, AT_SYMLINK_NOFOLLOW) != 0 || old.st_ino !=
		    w->st->st_ino || old.st_dev != w->st->st_dev;
	else
		fresh = !reused && (p == NULL || p->type != 'f' ||
		    memcmp(p->hash, c->e.hash, STORE_HASH_LEN) != 0);
	if (!fresh)
		return 0;
	if (w->st->st_nlink > 1) {
		int r = store_map_add(c->counted, key, sizeof(key), NULL, 0);

		if (r < 0) {
			snprintf(c->err, c->errlen, "out of memory");
			return -1;
		}
		if (r == 1)
			return 0;       /* another name of a counted inode */
	}
	/* space, not apparent size: holes take none */
	c->h.stored += (uint64_t)w->st->st_blocks * 512;
	return 0;
}

static int
commit_entry(void *arg, const struct store_went *w)
{
	struct commit *c = arg;
	const struct store_ent *p;
	bool reused = false;

	if (w->depth == 0 && !store_top_name(w->name))
		return STORE_WALK_SKIP;
	if (store_ent_read(w->dfd, w->name, w->path, w->st, false, &c->e) != 0)
		goto fail;
	if (c->e.type == 'f') {
		p = prev_find(c, w->path);
		if (unchanged(c, w, p)) {
			memcpy(c->e.hash, p->hash, STORE_HASH_LEN);
			reused = true;
		} else if (store_ent_read(w->dfd, w->name, w->path, w->st, true,
		    &c->e) != 0) {
			goto fail;
		}
		if (count_stored(c, w, p, reused) != 0)
			return -1;
		c->h.bytes += c->e.size;
	}
	c->h.files++;
	if (store_mf_format(&c->e, c->line, sizeof(c->line)) != 0) {
		snprintf(c->err, c->errlen, "%s: cannot be written in a "
		    "manifest", w->path);
		return -1;
	}
	if (fputs(c->line, c->body) == EOF || fputc('\n', c->body) == EOF) {
		snprintf(c->err, c->errlen, "%s: %s", STORE_MANIFEST,
		    strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(c->err, c->errlen, "%s/%s: %s", c->tx->info.path, w->path,
	    strerror(errno));
	return -1;
}

/* Open the newest version's manifest for c->prev (none: NULL). */
static void
prev_open(struct commit *c)
{
	const char *base = c->tx->info.base;
	char err[STORE_ERR_MAX];
	FILE *f = NULL;
	int vfd, fd = -1;

	if (!base[0] || (c->prev = malloc(sizeof(*c->prev))) == NULL)
		return;
	vfd = openat(c->tx->ct_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (vfd >= 0) {
		fd = openat(vfd, STORE_MANIFEST, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(vfd);
	}
	if (fd >= 0 && (f = fdopen(fd, "r")) == NULL)
		close(fd);
	if (f == NULL || store_mf_open(c->prev, f, STORE_MANIFEST, err,
	    sizeof(err)) != 0) {
		if (f != NULL)
			fclose(f);
		free(c->prev);
		c->prev = NULL;
		return;
	}
	c->prev_more = store_mf_next(c->prev, &c->prev_ent, err, sizeof(err));
}

/* Write the manifest: the header, then the body the walk wrote; from a
 * reflink of the last version's where that saves writing it again. */
static int
manifest_write(struct commit *c)
{
	struct store_tx *tx = c->tx;
	uint64_t written;
	int vfd, prev = -1, rc = -1;

	if (fflush(c->body) != 0)
		goto out;
	if (tx->info.base[0] && tx->s->method != STORE_LINKS &&
	    (vfd = openat(tx->ct_fd, tx->info.base, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		prev = openat(vfd, STORE_MANIFEST, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(vfd);
	}
	if (store_mf_write_file(tx->info.dir_fd, STORE_MANIFEST ".new", &c->h,
	    fileno(c->body), prev, &written) != 0)
		goto out;
	rc = renameat(tx->info.dir_fd, STORE_MANIFEST ".new", tx->info.dir_fd,
	    STORE_MANIFEST);
out:
	if (prev >= 0)
		close(prev);
	if (rc != 0)
		tx_err(tx, "cannot write the manifest", c->err, c->errlen);
	return rc;
}

/* The name the version gets: its creation time, numbered after the
 * newest version when that has the same second or a later one (a clock
 * that went back), so that names keep their order. */
static int
publish(struct store_tx *tx, time_t created, char *name, char *err,
    size_t errlen)
{
	time_t t = created, bt;
	unsigned n = 1, bn;

	if (tx->info.base[0] &&
	    store_version_parse(tx->info.base, &bt, &bn) && bt >= t) {
		t = bt;
		n = bn + 1;
	}
	for (; n < NAME_TRIES; n++) {
		if (store_version_name(t, n, name, STORE_VERSION_MAX) != 0)
			break;
		if (renameat2(tx->ct_fd, STORE_INCOMING, tx->ct_fd, name,
		    RENAME_NOREPLACE) == 0) {
			/* a mark left by a crash here is written anew by
			 * the next begin */
			unlinkat(tx->ct_fd, STORE_MARK, 0);
			return fsync(tx->ct_fd) == 0 ? 0 :
			    tx_err(tx, "cannot sync the store", err, errlen);
		}
		if (errno != EEXIST)
			return tx_err(tx, "cannot rename", err, errlen);
	}
	snprintf(err, errlen, "%s: no free version name", tx->info.path);
	return -1;
}

int
store_commit(struct store_tx *tx, struct store_meta *meta,
    const struct store_changes *changed, char *err, size_t errlen)
{
	struct commit *c = calloc(1, sizeof(*c));
	struct store_walk_ops ops = {
		.entry = commit_entry, .arg = c, .err = err, .errlen = errlen,
	};
	struct store *s = tx->s;
	bool ro = false;
	int fd, shadow = -1, rc = -1;

	meta->version[0] = '\0';
	if (c == NULL || (c->counted = store_map_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c->tx = tx;
	c->changed = changed;
	c->err = err;
	c->errlen = errlen;
	snprintf(c->h.container, sizeof(c->h.container), "%s", tx->ct);
	snprintf(c->h.host, sizeof(c->h.host), "%s", meta->host);
	c->h.kind = meta->kind;
	c->h.method = s->method;
	c->h.created = meta->created ? meta->created : time(NULL);
	if (store_kind_name(meta->kind) == NULL || meta->host[0] == '\0') {
		snprintf(err, errlen, "a version needs its host and kind");
		goto out;
	}
	prev_open(c);
	fd = openat(tx->info.dir_fd, STORE_MANIFEST ".body", O_RDWR | O_CREAT |
	    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (c->body = fdopen(fd, "w+")) == NULL) {
		if (fd >= 0)
			close(fd);
		tx_err(tx, "cannot write the manifest", err, errlen);
		goto out;
	}
	/* links: the last version beside, to tell shared inodes from new */
	if (s->method == STORE_LINKS && tx->info.base[0])
		shadow = openat(tx->ct_fd, tx->info.base, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (store_walk(tx->info.dir_fd, shadow, &ops) != 0)
		goto out;
	store_step(s, "commit");
	if (manifest_write(c) != 0)
		goto out;
	if (unlinkat(tx->info.dir_fd, STORE_MANIFEST ".body", 0) != 0) {
		tx_err(tx, "cannot tidy", err, errlen);
		goto out;
	}
	/* every file the receiver wrote, and the manifest, on disk before
	 * the version is visible */
	if (syncfs(tx->info.dir_fd) != 0) {
		tx_err(tx, "cannot sync", err, errlen);
		goto out;
	}
	if (s->method == STORE_BTRFS) {
		if (btrfs_subvol_set_readonly(tx->info.dir_fd, true) != 0) {
			tx_err(tx, "cannot make it read-only", err, errlen);
			goto out;
		}
		ro = true;
	}
	store_step(s, "publish");
	rc = publish(tx, c->h.created, meta->version, err, errlen);
out:
	if (rc != 0 && ro)
		btrfs_subvol_set_readonly(tx->info.dir_fd, false);
	if (shadow >= 0)
		close(shadow);
	if (c != NULL) {
		if (c->body != NULL)
			fclose(c->body);
		if (c->prev != NULL) {
			fclose(c->prev->f);
			free(c->prev);
		}
		store_map_free(c->counted);
		free(c);
	}
	tx_free(tx);
	return rc;
}
