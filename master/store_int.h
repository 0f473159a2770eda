/* corral-master: the store's parts, for master/store*.c only. */
#ifndef CORRAL_STORE_INT_H
#define CORRAL_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "store.h"
#include "store_mf.h"
#include "tree.h"

/* Directories below a version: its top, rootfs, then the engine's own
 * limit on a tree's depth. */
#define STORE_DEPTH_MAX  (TREE_DEPTH_MAX + 4)
/* The state of a version's last check: PATH/C/<version> + this. */
#define STORE_STATE_SUFFIX ".verified"
/* When the clone of .incoming was complete (store_tx.c): PATH/C/this. */
#define STORE_MARK       STORE_INCOMING ".mark"
/* A removed version on its way out of PATH/C. */
#define STORE_REMOVING   ".removing-"

struct store {
	char path[4096];
	int fd;
	enum store_method method;       /* 0 when open read-only */
	bool ro;                        /* store_open_ro: no writer's call */
	void (*hook)(void *arg, const char *step);
	void *hook_arg;
};

/* The step hook (store_set_step_hook), if any. */
void store_step(const struct store *s, const char *step);
/* Open PATH/ct (create: make it 0700 if missing), or -1 with err. */
int store_ct_open(struct store *s, const char *ct, bool create, char *err,
    size_t errlen);
/* Hold PATH/ct (open as ctfd) for one process until ctfd is closed: one
 * transaction or removal at a time; -1 with err if another holds it. */
int store_ct_lock(struct store *s, int ctfd, const char *ct, char *err,
    size_t errlen);
/* The newest version's name in ctfd into name ("" if none). */
int store_newest(int ctfd, char name[STORE_VERSION_MAX], char *err,
    size_t errlen);
/* A name of the top of a version that its manifest covers. */
bool store_top_name(const char *name);
/* Delete name under dfd: a btrfs subvolume by ioctl, else the tree. */
int store_drop(const struct store *s, int dfd, const char *name, char *err,
    size_t errlen);
/* Finish removals a killed store_remove left in ctfd. */
int store_drop_removed(const struct store *s, int ctfd, char *err,
    size_t errlen);

/* ---- walking a tree (store_walk.c) ---- */

/* One entry met by store_walk. */
struct store_went {
	int dfd;                  /* the directory holding it */
	const char *name;
	const char *path;         /* relative to the walk's root */
	const struct stat *st;    /* never followed */
	int shadow_dfd;           /* the same directory in the shadow tree,
	                           * or -1 */
	int fd, shadow_fd;        /* leave(): the directory itself, and its
	                           * shadow (or -1) */
	unsigned depth;           /* 0: an entry of the root */
};

#define STORE_WALK_SKIP 1     /* entry(): do not enter this directory */

struct store_walk_ops {
	/* each entry, in manifest order: 0, STORE_WALK_SKIP, or -1 (err
	 * set) to stop */
	int (*entry)(void *arg, const struct store_went *w);
	/* a directory after its entries (may be NULL) */
	int (*leave)(void *arg, const struct store_went *w);
	void *arg;
	char *err;
	size_t errlen;
};

/* Walk the tree under rootfd depth-first, names sorted bytewise, never
 * following a symlink nor leaving the tree.  With shadowfd >= 0, the
 * directory of the same path in that other tree is opened beside each
 * one (after entry(), so entry() may make it). */
int store_walk(int rootfd, int shadowfd, const struct store_walk_ops *ops);
/* Remove name under dfd and everything below it. */
int store_rm_tree(int dfd, const char *name, char *err, size_t errlen);
/* Open the directory relpath under rootfd, refusing symlinks, "..",
 * magic links and mount crossings on the way; -1 with errno. */
int store_open_beneath(int rootfd, const char *relpath);
/* Read at most len - 1 bytes of the small file name under dfd into buf,
 * NUL-terminated: their count, or -1 with errno. */
ssize_t store_read_small(int dfd, const char *name, char *buf, size_t len);
/* fsync the directory name under dfd ("" or "." : dfd itself). */
int store_sync_dir(int dfd, const char *name);

/* ---- entries as the file system has them (store_ent.c) ---- */

/* Fill e from the entry name under dfd with stat st; hash: read a
 * regular file's content (else its hash is left zero).  -1 with errno. */
int store_ent_read(int dfd, const char *name, const char *path,
    const struct stat *st, bool hash, struct store_ent *e);

/* ---- a map of byte strings (store_map.c) ---- */

struct store_map;
struct store_map *store_map_new(void);
void store_map_free(struct store_map *m);
/* Add key with a copy of val; 0 added, 1 present already (left as it
 * was), -1 out of memory. */
int store_map_add(struct store_map *m, const void *key, size_t klen,
    const void *val, size_t vlen);
const void *store_map_get(const struct store_map *m, const void *key,
    size_t klen, size_t *vlen);
size_t store_map_count(const struct store_map *m);

/* ---- the start of a version (store_clone.c) ---- */

/* Make the tree under dstfd a copy of the one under srcfd, sharing data
 * by s->method (reflink or links), with every entry's metadata. */
int store_clone_tree(const struct store *s, int srcfd, int dstfd, char *err,
    size_t errlen);

/* ---- writing a manifest (store_mfw.c) ---- */

/* Write the manifest file name under dfd (made or truncated, mode 0600):
 * the header h, the body_fd's entries (read from its start with pread),
 * "end"; synced.  prev_fd (or -1): the last version's manifest; if it has
 * the new length, the file is a reflink of it with the blocks that differ
 * rewritten.  *written: the bytes written.  0, or -1 with errno. */
int store_mf_write_file(int dfd, const char *name,
    const struct store_mf_header *h, int body_fd, int prev_fd,
    uint64_t *written);

/* ---- a version's last check (store_state.c) ---- */

/* Read PATH/C/<version>.verified: *verified 0 and *bad false if none. */
void store_state_read(int ctfd, const char *version, time_t *verified,
    bool *bad);
/* Write it (bad 0: not bad) through a temp file and a rename: 0 or -1. */
int store_state_write(int ctfd, const char *version, time_t verified,
    time_t bad);

#endif
