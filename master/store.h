/* corral-master: the store, where containers brought to the master live
 * as versions (corral.conf `store = PATH`).
 *
 *   PATH/C/<version>/          one complete version of container C
 *       config                 the container's LXC config
 *       lxc/                   the rest of its LXC directory (no rootfs)
 *       rootfs/                its root file system tree
 *       manifest               every entry of the three above (store_mf.c)
 *   PATH/C/<version>.verified  the last check of that version, if any
 *   PATH/C/.incoming/          the version being made; never listed
 *   PATH/C/.incoming.mark      when its start was complete (a clone
 *                              killed before it is made again)
 *
 * A version is named by its creation time in UTC, YYYYMMDDTHHMMSSZ, with
 * -2, -3, ... when that name is taken; names sort in creation order.  It
 * becomes visible only by the rename of a complete .incoming with its
 * manifest written and everything synced, so a failed or killed transfer
 * leaves the earlier versions as they were and its .incoming for the next
 * run, which resumes it.
 *
 * Versions share what did not change (store_clone.c); the method is
 * chosen by the file system at store_open:
 *   btrfs    each version is a subvolume; .incoming starts as a writable
 *            snapshot of the newest one (one ioctl, whatever the size) and
 *            is made read-only at commit.  Cost: the blocks of what the
 *            engine writes (it writes a changed file anew, so a changed
 *            file takes its whole size, less the blocks it reflinks).
 *   reflink  xfs (or any file system where FICLONE works): .incoming
 *            starts as a copy of the newest version whose regular files
 *            are reflinks.  Cost: a new inode per entry and the directory
 *            blocks (some KiB a file, and a walk of the tree at each
 *            begin), plus what the engine writes, as on btrfs.  Versions
 *            stay writable to root.
 *   links    ext4 and the rest: .incoming starts as a tree of hard links
 *            to the newest version's regular files, the rest (directories,
 *            symlinks, devices, FIFOs, sockets) copied.  Cost: a directory
 *            entry per unchanged file, a new inode per other entry, and a
 *            changed file's whole size, even for a change of owner, mode,
 *            times or xattrs (the receiver runs with shared_inodes, so it
 *            never changes a linked inode in place: that would change
 *            every version).  A file linked into more versions than the
 *            file system allows (ext4: 65000) is copied.  Versions stay
 *            writable to root.
 *   Measured by tests/tree/store.sh: a 40 MB tree with 5.5 MB of changed
 *   files makes a second version of 5.6 to 5.7 MB on each of the three.
 * On btrfs and xfs a version's manifest is a reflink of the last one with
 * the blocks that differ written (store_mfw.c), when it has the same
 * length (the same entries, each line its length: e.g. files rewritten
 * with their size); else, and on a links store, it is written whole.

 * Every path below PATH is reached with *at() calls beneath directory
 * fds, never following a symlink: the trees come from containers.
 * Functions return 0 or -1 with a message naming the path in err, unless
 * said otherwise.
 */
#ifndef CORRAL_STORE_H
#define CORRAL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_VERSION_MAX 32       /* "20240501T123456Z-123456", with NUL */
#define STORE_HOST_MAX    256
#define STORE_INCOMING    ".incoming"
#define STORE_CONFIG      "config"
#define STORE_LXC         "lxc"
#define STORE_ROOTFS      "rootfs"
#define STORE_MANIFEST    "manifest"
#define STORE_CONFIG_MAX  (64 * 1024)  /* bytes of a version's config */

enum store_method {
	STORE_BTRFS = 1,
	STORE_REFLINK,
	STORE_LINKS,
};

/* How a version was taken. */
enum store_kind {
	STORE_HOT = 1,          /* from a running container's snapshot */
	STORE_COLD,             /* from a stopped container */
	STORE_GET,              /* brought to the master by corral get */
};

struct store;
struct store_tx;
struct store_changes;

/* "btrfs", "reflink", "links"; "hot", "cold", "get" (NULL: unknown). */
const char *store_method_name(enum store_method m);
const char *store_kind_name(enum store_kind k);
int store_kind_parse(const char *s, enum store_kind *out);

/* Open the store at path, an existing directory.  Its mode is made 0700
 * if it was not (note then says so, for the caller to log; else note is
 * ""), and its method detected.  NULL with err on failure. */
struct store *store_open(const char *path, char *note, size_t notelen,
    char *err, size_t errlen);
/* Open it for reading alone (placement's look at a version's needs): the
 * directory opened, its owner checked, nothing written (no mode made, no
 * method probed: store_method says 0); a writer's call on it (a
 * transaction, a removal) fails.  NULL with err. */
struct store *store_open_ro(const char *path, char *err, size_t errlen);
void store_close(struct store *s);
enum store_method store_method(const struct store *s);
const char *store_path(const struct store *s);

/* A test seam: fn is called at named points ("clone" for each entry a
 * clone makes, "commit" before the manifest is written, "publish" just
 * before the rename that makes a version visible), so a test can kill the
 * process there. */
void store_set_step_hook(struct store *s,
    void (*fn)(void *arg, const char *step), void *arg);

/* ---- making a version ---- */

/* The version being made: fds for the caller's writers.  The LXC config
 * goes to STORE_CONFIG under dir_fd, the rest of the container's LXC
 * directory under lxc_fd, the tree under rootfs_fd (the receiver's root;
 * run it with shared_inodes when that is set: a links store, else with
 * in_place: a changed file keeps its inode, which on btrfs copies half
 * the metadata blocks a new inode renamed over it does). */
struct store_tx_info {
	int dir_fd;             /* PATH/C/.incoming */
	int rootfs_fd;          /* .incoming/rootfs */
	int lxc_fd;             /* .incoming/lxc */
	bool resumed;           /* an interrupted run's .incoming, kept */
	bool shared_inodes;     /* a links store: run the receiver so */
	bool in_place;          /* btrfs, reflink: run it with in_place */
	char base[STORE_VERSION_MAX];   /* the version it started from, or "" */
	char path[4096 + 96];   /* PATH/C/.incoming, for messages */
};

/* Begin a version of container ct (a valid container name): resume
 * PATH/C/.incoming if an earlier run left one, else make it from the
 * newest version (or empty).  PATH/C stays locked (flock) until tx ends:
 * another begin or a remove of ct fails as busy meanwhile.  *tx is for
 * one of commit, abort, discard. */
int store_begin(struct store *s, const char *ct, struct store_tx **tx,
    char *err, size_t errlen);
const struct store_tx_info *store_tx_info(const struct store_tx *tx);

struct store_meta {
	const char *host;       /* where the container came from */
	enum store_kind kind;
	time_t created;         /* 0: now */
	/* out: the new version's name */
	char version[STORE_VERSION_MAX];
};

/* Make the version visible: write its manifest (hashing regular files
 * that are new, in changed, newer than the start of the transaction, or
 * whose size or mtime differ from the last version's; the rest keep the
 * last version's SHA-256), sync, make it read-only (btrfs), rename it to
 * its name.  changed: the paths under rootfs the receiver reported, NULL
 * if unknown (every file is hashed).  tx is freed, whatever happens; on
 * failure .incoming stays for the next run. */
int store_commit(struct store_tx *tx, struct store_meta *meta,
    const struct store_changes *changed, char *err, size_t errlen);
/* Stop, keeping .incoming for the next run to resume; frees tx. */
void store_abort(struct store_tx *tx);
/* Stop and remove .incoming; frees tx. */
int store_discard(struct store_tx *tx, char *err, size_t errlen);

/* The set of paths a receiver reported (relative to the rootfs, as the
 * engine's on_change gives them). */
struct store_changes *store_changes_new(void);
int store_changes_add(struct store_changes *c, const char *relpath);
bool store_changes_has(const struct store_changes *c, const char *relpath);
size_t store_changes_count(const struct store_changes *c);
void store_changes_free(struct store_changes *c);

/* ---- versions ---- */

struct store_version {
	char name[STORE_VERSION_MAX];
	char host[STORE_HOST_MAX];
	enum store_kind kind;
	enum store_method method;
	time_t created;
	uint64_t files;         /* entries of every type */
	uint64_t bytes;         /* apparent: sizes of the regular files */
	uint64_t stored;        /* new space this version took (store_mf.h) */
	time_t verified;        /* the last good check; 0: never */
	bool bad;               /* the last check failed, or no manifest */
};

/* The containers that have a directory in the store, sorted. */
int store_containers(struct store *s, char ***names, size_t *n,
    char *err, size_t errlen);
void store_names_free(char **names, size_t n);

/* Versions of ct, oldest first; *v is malloc'd (free it), *n may be 0. */
int store_versions(struct store *s, const char *ct, struct store_version **v,
    size_t *n, char *err, size_t errlen);

/* Version (NULL or "": the newest) of ct, as store_versions lists it,
 * read without a lock (a version is never changed once made).  0, or -1
 * with err (no such container or version, unreadable). */
int store_version_get(struct store *s, const char *ct, const char *version,
    struct store_version *v, char *err, size_t errlen);
/* What version (NULL or "": the newest) of ct brings to a host it is
 * put on: its files' apparent bytes (struct store_version's), and the
 * memory limit its LXC config sets (store_conf_mem_limit; 0: none;
 * mem_limit NULL: the bytes alone, the config not read).  The one reading
 * of a version's size: placement counts it, a put sizes its volume by it,
 * the CLI checks --size against it.  0, or -1 with err, as
 * store_version_get. */
int store_version_need(struct store *s, const char *ct, const char *version,
    uint64_t *bytes, uint64_t *mem_limit, char *err, size_t errlen);
/* The memory limit an LXC config's text (NUL-terminated) sets, in bytes:
 * the larger of its lxc.cgroup2.memory.max and
 * lxc.cgroup.memory.limit_in_bytes (a key's last line, as LXC reads
 * them), read as the kernel reads the cgroup file (conf_parse_memsize);
 * 0 for none, "max", "-1" or a value that is no size (store_conf.c). */
uint64_t store_conf_mem_limit(const char *text);

/* Whether ct has an .incoming: 1 (a version begun and not published), 0
 * (none, or no such container), -1 with err. */
int store_pending(struct store *s, const char *ct, char *err, size_t errlen);

/* A version opened for reading (put): PATH/C stays share-locked until
 * store_read_close, so a begin or a remove of C fails as busy meanwhile
 * and the tree cannot go away under a reader. */
struct store_reader {
	int ct_fd;
	int dir_fd;             /* PATH/C/<version> */
	int rootfs_fd;          /* its rootfs */
	char version[STORE_VERSION_MAX];
	bool bad;               /* its last check failed, or no manifest */
};

/* Open version (NULL: the newest) of ct.  0, or -1 with err (no such
 * container or version, busy). */
int store_read_open(struct store *s, const char *ct, const char *version,
    struct store_reader *r, char *err, size_t errlen);
void store_read_close(struct store_reader *r);
/* The version's LXC config (host-neutral) into buf, a string of at most
 * len - 1 bytes: 0, or -1 with err (unreadable, or longer). */
int store_read_config(const struct store_reader *rd, char *buf, size_t len,
    char *err, size_t errlen);

/* What a check of a version found wrong with one path (relative to the
 * version directory): "missing", "extra", "type", "mode", "owner",
 * "xattrs" (not for a version of manifest format 1),
 * "size", "mtime", "content", "unreadable". */
typedef void (*store_verify_cb)(void *arg, const char *relpath,
    const char *what);
/* Re-read version (NULL: the newest) of ct against its manifest, calling
 * cb for each problem; records the time of a good check or marks the
 * version bad.  0: good; 1: bad (err says why the manifest did not read,
 * if it did not); -1: error (err). */
int store_verify(struct store *s, const char *ct, const char *version,
    store_verify_cb cb, void *arg, char *err, size_t errlen);

/* Remove a version (retention): it leaves the listing at once, then its
 * tree is deleted (btrfs: the subvolume). */
int store_remove(struct store *s, const char *ct, const char *version,
    char *err, size_t errlen);

/* ---- version names (store_name.c) ---- */

/* The name of a version created at t, the n-th with that second (1: no
 * suffix).  0, or -1 if buf is too small. */
int store_version_name(time_t t, unsigned n, char *buf, size_t len);
/* name is a version name; *t its time and *n its number if so. */
bool store_version_parse(const char *name, time_t *t, unsigned *n);
/* Order of two version names (qsort-style), oldest first. */
int store_version_cmp(const char *a, const char *b);

#endif
