/* corral-slave: the registry of storage backends (in the manner of LXC's
 * storage.c), the one place that knows them all: corral.conf's storage =
 * NAME:ARG picks one, each checks its own settings and recognises its own
 * lxc.rootfs.path values.  Also what all backends share (names, paths,
 * the sweep of leftover snapshots). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "escape.h"
#include "log.h"
#include "storage.h"

/* The registry: every backend, in the order messages name them.  An
 * lxc.rootfs.path belongs to the first that claims it; dir, last, takes
 * any path (LXC's own default is a bare directory). */
static const struct storage_ops *const backends[] = {
	&storage_lvm_ops,
	&storage_btrfs_ops,
	&storage_dir_ops,
};

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

const char *
storage_arg(const struct storage_ops *ops, const char *s)
{
	size_t n = strlen(ops->name);

	return strncmp(s, ops->name, n) == 0 && s[n] == ':' ? s + n + 1 : NULL;
}

const struct storage_ops *
storage_named(const char *name)
{
	size_t i;

	for (i = 0; i < N_BACKENDS; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* The backend of a storage = NAME:ARG value, and its ARG. */
static const struct storage_ops *
backend_of(const char *spec, const char **arg)
{
	size_t i;

	for (i = 0; i < N_BACKENDS; i++)
		if ((*arg = storage_arg(backends[i], spec)) != NULL)
			return backends[i];
	return NULL;
}

int
storage_conf_check(const char *key, const char *val, char *why,
    size_t whylen)
{
	const struct storage_ops *ops;
	const char *arg;
	size_t i, off;
	int n;

	if (strcmp(key, "storage") != 0) {
		for (i = 0; i < N_BACKENDS; i++)
			if (backends[i]->check_key != NULL &&
			    backends[i]->check_key(key, val, why, whylen) != 0)
				return -1;
		return 0;
	}
	if ((ops = backend_of(val, &arg)) != NULL && ops->valid_arg(arg))
		return 0;
	/* "'x' is not lvm:VGNAME, btrfs:/abs/path or dir:/abs/path" */
	n = snprintf(why, whylen, "'%s' is not", val);
	for (i = 0; i < N_BACKENDS && n >= 0 && (size_t)n < whylen; i++) {
		off = (size_t)n;
		n = snprintf(why + off, whylen - off, "%s %s", i == 0 ? "" :
		    i + 1 == N_BACKENDS ? " or" : ",", backends[i]->spec);
		n = n < 0 ? n : n + (int)off;
	}
	return -1;
}

int
storage_setup(struct storage *s, const struct corral_conf *c, char *err,
    size_t errlen)
{
	const char *arg;
	size_t n;

	memset(s, 0, sizeof(*s));
	if ((s->ops = backend_of(c->storage, &arg)) == NULL) {
		snprintf(err, errlen, "storage '%s': unknown backend",
		    c->storage);
		return -1;
	}
	if (s->ops->setup(s, arg, c, err, errlen) != 0)
		return -1;
	/* "/a/b/" and "/a/b" name the same root */
	n = strlen(s->root);
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = '\0';
	return 0;
}

void
storage_free(struct storage *s)
{
	free(s->priv);
	s->priv = NULL;
}

const struct storage_ops *
storage_of_rootfs(const char *rootfs, char *dir, size_t len)
{
	size_t i;

	for (i = 0; i < N_BACKENDS; i++) {
		dir[0] = '\0';
		if (!backends[i]->owns_rootfs(rootfs, dir, len))
			continue;
		if (dir[0] != '/')
			dir[0] = '\0';
		return backends[i];
	}
	dir[0] = '\0';
	return NULL;
}

/* ---- what backends share ---- */

bool
storage_valid_path_arg(const char *arg)
{
	return conf_check_path(arg) == NULL;
}

int
storage_setup_path(struct storage *s, const char *arg,
    const struct corral_conf *c, char *err, size_t errlen)
{
	(void)c;
	if ((size_t)snprintf(s->root, sizeof(s->root), "%s", arg) >=
	    sizeof(s->root)) {
		snprintf(err, errlen, "storage '%s:%s': path too long",
		    s->ops->name, arg);
		return -1;
	}
	return 0;
}

int
storage_start(struct storage *s, char *err, size_t errlen)
{
	char names[256][64], e[512];
	size_t n = 0, i;

	if (s->ops->init(s, err, errlen) != 0)
		return -1;
	if (s->ops->snap_list(s, names, 256, &n, err, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s->ops->snap_drop(s, names[i], e, sizeof(e)) != 0)
			log_warn("storage: leftover snapshot of %s: %s",
			    names[i], e);
		else
			log_notice("storage: dropped leftover snapshot of %s",
			    names[i]);
	}
	return 0;
}

int
storage_path(const struct storage *s, const char *ct, bool snap, char *buf,
    size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s", s->root,
	    snap ? STORAGE_SNAPDIR "/" : "", ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

bool
storage_is_mountpoint(const char *p)
{
	char parent[PATH_MAX];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", p);
	return lstat(p, &a) == 0 && S_ISDIR(a.st_mode) &&
	    stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* The rest of an escape of mountinfo, its backslash read: \NNN in octal,
 * as the kernel writes ' ', '\t', '\n' and '\\'.  The byte, or -1. */
static int
mountinfo_unescape(FILE *f)
{
	int c, i, v = 0;

	for (i = 0; i < 3; i++) {
		if ((c = getc(f)) < '0' || c > '7')
			return -1;
		v = v * 8 + (c - '0');
	}
	return v == 0 || v > 0xff ? -1 : v;
}

int
storage_mountinfo_next(FILE *f, char *buf, size_t len)
{
	int c, field = 1;
	size_t n = 0;
	bool any = false;

	while ((c = getc(f)) != EOF && c != '\n') {
		any = true;
		if (c == ' ') {
			field++;
			continue;
		}
		if (field != 5)
			continue;
		if ((c == '\\' && (c = mountinfo_unescape(f)) < 0) ||
		    n + 1 >= len)
			return -1;
		buf[n++] = (char)c;
	}
	if (!any && c == EOF)
		return 0;
	/* the mount options follow it: a line cut short is not taken */
	if (field < 6 || n == 0 || buf[0] != '/')
		return -1;
	buf[n] = '\0';
	return 1;
}

/* p is beneath dir (n bytes, no trailing '/' but "/"), or with at, dir
 * itself */
static bool
path_in(const char *p, const char *dir, size_t n, bool at)
{
	return strncmp(p, dir, n) == 0 && ((at && p[n] == '\0') ||
	    (p[n] != '\0' && (p[n] == '/' || dir[n - 1] == '/')));
}

int
storage_mounted_in(const char *what, const char *dir, bool at, char *err,
    size_t errlen)
{
	static const char mountinfo[] = "/proc/self/mountinfo";
	char real[PATH_MAX], mnt[PATH_MAX], first[PATH_MAX], esc[PATH_MAX];
	int count = 0, r;
	FILE *f;

	if (realpath(dir, real) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((f = fopen(mountinfo, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", mountinfo, strerror(errno));
		return -1;
	}
	while ((r = storage_mountinfo_next(f, mnt, sizeof(mnt))) == 1)
		if (path_in(mnt, real, strlen(real), at) && count++ == 0)
			snprintf(first, sizeof(first), "%s", mnt);
	if (r != 0 || ferror(f)) {
		snprintf(err, errlen, "%s: %s", mountinfo, ferror(f) ?
		    "read error" : "a line that does not parse");
		count = -1;
	} else if (count > 0) {
		str_escape(esc, sizeof(esc), first);
		if (count == 1)
			snprintf(err, errlen, "%s %s has a file system "
			    "mounted at %s", what, dir, esc);
		else
			snprintf(err, errlen, "%s %s has file systems "
			    "mounted at %s and %d more", what, dir, esc,
			    count - 1);
	}
	fclose(f);
	return count;
}

int
storage_mkdir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(err, errlen, "%s: %s", dir, errno == EEXIST ?
	    "exists and is not a directory" : strerror(errno));
	return -1;
}

int
storage_private_dir(const char *dir, bool follow, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) == 0)
		return 0;    /* the umask can only take bits away */
	if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* fstat and fchmod on one descriptor: the mode checked is the mode
	 * of the directory changed */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    (follow ? 0 : O_NOFOLLOW));
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", dir, errno == ENOTDIR ?
		    "exists and is not a directory" : errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((st.st_mode & 07777) != 0700) {
		/* other users could read every container's files, or a held
		 * snapshot's; an existing root is fixed, not trusted as is */
		if (fchmod(fd, 0700) != 0) {
			snprintf(err, errlen, "%s: mode %04o, chmod 0700: %s",
			    dir, (unsigned)(st.st_mode & 07777),
			    strerror(errno));
			close(fd);
			return -1;
		}
		log_warn("storage: %s had mode %04o: set to 0700", dir,
		    (unsigned)(st.st_mode & 07777));
	}
	close(fd);
	return 0;
}

int
storage_nop(struct storage *s, const char *ct, char *err, size_t errlen)
{
	(void)s; (void)ct; (void)err; (void)errlen;
	return 0;
}

int
storage_nop_size(struct storage *s, const char *ct, uint64_t bytes,
    char *err, size_t errlen)
{
	(void)bytes;
	return storage_nop(s, ct, err, errlen);
}

int
storage_rename_dir(struct storage *s, const char *ct, const char *to,
    char *err, size_t errlen)
{
	char a[PATH_MAX], b[PATH_MAX];
	int fd;

	if (storage_path(s, ct, false, a, sizeof(a)) != 0 ||
	    storage_path(s, to, false, b, sizeof(b)) != 0) {
		snprintf(err, errlen, "%s: path too long", to);
		return -1;
	}
	/* RENAME_NOREPLACE: an empty directory to would be replaced */
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) != 0) {
		snprintf(err, errlen, "rename %s to %s: %s", a, b,
		    strerror(errno));
		return -1;
	}
	if ((fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

int
storage_dir_rootfs(struct storage *s, const char *ct, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s:%s/%s", storage_dir_ops.name, s->root,
	    ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The host directory of ct's volume in dir, if it is one ("" for an lvm
 * volume, a device LXC mounts itself). */
static void
volume_dir(struct storage *s, const char *ct, char *dir, size_t len)
{
	char rootfs[PATH_MAX];

	if (s->ops->lxc_rootfs(s, ct, rootfs, sizeof(rootfs)) != 0 ||
	    storage_of_rootfs(rootfs, dir, len) == NULL)
		dir[0] = '\0';
}

int
storage_volume_mounts(struct storage *s, const char *ct, bool at, char *err,
    size_t errlen)
{
	char dir[PATH_MAX];

	volume_dir(s, ct, dir, sizeof(dir));
	return dir[0] == '\0' ? 0 :
	    storage_mounted_in("its volume", dir, at, err, errlen);
}

int
storage_subvols_in(const char *what, const char *dir, char *err,
    size_t errlen)
{
	char first[PATH_MAX], esc[PATH_MAX];
	size_t n = 0;
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (btrfs_is_fs(fd) &&
	    (r = btrfs_subvols_beneath(fd, &n, first, sizeof(first),
	    NULL)) == -1)
		snprintf(err, errlen, "%s %s: its btrfs subvolumes: %s", what,
		    dir, strerror(errno));
	else if (r == BTRFS_TOO_BIG)
		snprintf(err, errlen, "%s %s is too big to look for btrfs "
		    "subvolumes in (%d levels deep or more, or more than %u "
		    "directories)", what, dir, BTRFS_DOWN_DEPTH,
		    BTRFS_DOWN_ENTRIES);
	close(fd);
	if (r != 0)
		return -1;
	if (n == 0)
		return 0;
	str_escape(esc, sizeof(esc), first);
	if (n == 1)
		snprintf(err, errlen, "%s %s has a btrfs subvolume at %s/%s",
		    what, dir, dir, esc);
	else
		snprintf(err, errlen, "%s %s has btrfs subvolumes at %s/%s and "
		    "%zu more", what, dir, dir, esc, n - 1);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int
storage_volume_subvols(struct storage *s, const char *ct, char *err,
    size_t errlen)
{
	char dir[PATH_MAX];

	volume_dir(s, ct, dir, sizeof(dir));
	return dir[0] == '\0' ? 0 :
	    storage_subvols_in("its volume", dir, err, errlen);
}
