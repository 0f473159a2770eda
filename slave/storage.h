/* corral-slave: storage backends — where container root file systems live.
 *
 * Every backend keeps container C's volume visible as a directory at
 * ROOT/C and a snapshot of it (read-only) at ROOT/.corral-snap/C, ROOT being
 * storage_root(); tree transfers address both by those relative paths.
 * A container has at most one snapshot at a time. */
#ifndef CORRAL_STORAGE_H
#define CORRAL_STORAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

#define STORAGE_SNAPDIR ".corral-snap"

struct storage;

struct storage_usage {
	uint64_t size, used, free;    /* bytes of the whole store */
};

struct snap_status {
	bool exists;
	bool valid;                   /* false: overflowed, unusable */
	uint32_t fill_permille;       /* of its copy-on-write space */
	uint64_t size;                /* bytes reserved for it (lvm) */
};

/* One backend.  Every function returns 0, or -1 with err set.  The
 * registry (storage.c) lists the backends; nothing else names them. */
struct storage_ops {
	const char *name;             /* NAME of corral.conf's NAME:ARG */
	const char *spec;             /* "NAME:ARG" as messages show it */
	bool snapshots;               /* false: hot copies need a freeze */
	bool sized;                   /* create reserves its bytes and says
	                               * itself when they do not fit (lvm) */
	/* ---- corral.conf ---- */
	/* ARG of storage = NAME:ARG is well-formed */
	bool (*valid_arg)(const char *arg);
	/* a key of its own (NULL: none): conf_value_check_fn */
	conf_value_check_fn *check_key;
	/* fill s->root and s->priv from ARG and c; does not touch the store */
	int (*setup)(struct storage *s, const char *arg,
	    const struct corral_conf *c, char *err, size_t errlen);
	/* ---- containers ---- */
	/* lxc.rootfs.path is on this backend: true, with dir the host
	 * directory holding the root file system, if it has one */
	bool (*owns_rootfs)(const char *rootfs, char *dir, size_t len);
	/* the disk space a root file system it owns takes, where that is not
	 * the bytes under its directory (NULL: those are) */
	uint64_t (*rootfs_bytes)(const char *rootfs);
	/* ---- the store ---- */
	/* check the store is there; make ROOT and ROOT/.corral-snap */
	int (*init)(struct storage *s, char *err, size_t errlen);
	/* a new empty volume of bytes (0: backend default / unlimited) */
	int (*create)(struct storage *s, const char *ct, uint64_t bytes,
	    char *err, size_t errlen);
	int (*destroy)(struct storage *s, const char *ct, char *err,
	    size_t errlen);
	int (*grow)(struct storage *s, const char *ct, uint64_t bytes,
	    char *err, size_t errlen);
	bool (*exists)(struct storage *s, const char *ct);
	/* ct's volume becomes to's (to has none; ct's has no snapshot) */
	int (*rename)(struct storage *s, const char *ct, const char *to,
	    char *err, size_t errlen);
	/* make ROOT/ct the volume's content (lvm mounts; others no-op) */
	int (*mount)(struct storage *s, const char *ct, char *err,
	    size_t errlen);
	int (*umount)(struct storage *s, const char *ct, char *err,
	    size_t errlen);
	/* the lxc.rootfs.path of a container on this volume */
	int (*lxc_rootfs)(struct storage *s, const char *ct, char *buf,
	    size_t len);
	/* snapshot (bytes of copy-on-write space, 0 = default), mounted
	 * read-only at ROOT/.corral-snap/ct */
	int (*snapshot)(struct storage *s, const char *ct, uint64_t bytes,
	    char *err, size_t errlen);
	int (*snap_drop)(struct storage *s, const char *ct, char *err,
	    size_t errlen);
	int (*snap_status)(struct storage *s, const char *ct,
	    struct snap_status *st, char *err, size_t errlen);
	int (*usage)(struct storage *s, struct storage_usage *u, char *err,
	    size_t errlen);
	/* names of containers with a leftover snapshot, for storage_sweep */
	int (*snap_list)(struct storage *s, char names[][64], size_t max,
	    size_t *n, char *err, size_t errlen);
};

struct storage {
	const struct storage_ops *ops;
	char root[PATH_MAX - 512];    /* dir/btrfs path, or lvm mount_root */
	void *priv;                   /* the backend's own settings, or NULL */
};

extern const struct storage_ops storage_dir_ops;
extern const struct storage_ops storage_btrfs_ops;
extern const struct storage_ops storage_lvm_ops;

/* corral.conf's check of storage and the backends' own keys, for
 * corral_conf_load_checked(). */
int storage_conf_check(const char *key, const char *val, char *why,
    size_t whylen);
/* Pick the backend of c->storage and fill s; does not touch the store.
 * storage_free() releases what it holds (also after a failed setup). */
int storage_setup(struct storage *s, const struct corral_conf *c, char *err,
    size_t errlen);
void storage_free(struct storage *s);
/* The backend an lxc.rootfs.path is on (bare paths are dir's), and the
 * absolute host directory holding it in dir ("" if none: a block device,
 * or not a path). */
const struct storage_ops *storage_of_rootfs(const char *rootfs, char *dir,
    size_t len);
/* ARG of s if it is "NAME:ARG" for ops, else NULL. */
const char *storage_arg(const struct storage_ops *ops, const char *s);
/* The backend called name (CT_LIST's backend), or NULL. */
const struct storage_ops *storage_named(const char *name);
/* ops->init, then drop every leftover snapshot (a crashed job's); logs. */
int storage_start(struct storage *s, char *err, size_t errlen);
/* "ROOT/ct" and "ROOT/.corral-snap/ct" */
int storage_path(const struct storage *s, const char *ct, bool snap,
    char *buf, size_t len);
/* Ops shared by backends: nothing to do; grow a volume that has no size;
 * "dir:ROOT/ct" as lxc.rootfs.path. */
int storage_nop(struct storage *s, const char *ct, char *err, size_t errlen);
int storage_nop_size(struct storage *s, const char *ct, uint64_t bytes,
    char *err, size_t errlen);
int storage_dir_rootfs(struct storage *s, const char *ct, char *buf,
    size_t len);
/* ROOT/ct renamed ROOT/to (never over an existing to), ROOT fsynced:
 * the rename of backends whose volume is that directory. */
int storage_rename_dir(struct storage *s, const char *ct, const char *to,
    char *err, size_t errlen);
/* For backends whose ARG is the root: an absolute path, taken as is. */
bool storage_valid_path_arg(const char *arg);
int storage_setup_path(struct storage *s, const char *arg,
    const struct corral_conf *c, char *err, size_t errlen);
/* statvfs of root as a storage_usage. */
int storage_statvfs_usage(const char *root, struct storage_usage *u,
    char *err, size_t errlen);
/* A directory on another device than its parent's (lvm: a mounted
 * volume; btrfs subvolumes look the same). */
bool storage_is_mountpoint(const char *p);
/* File systems mounted beneath dir (its realpath), or with at at dir
 * itself too, as the caller's /proc/self/mountinfo lists them: 0 if
 * none; else their count, with err "WHAT DIR has a file system mounted
 * at M" (the first, M escaped); -1 with err. */
int storage_mounted_in(const char *what, const char *dir, bool at,
    char *err, size_t errlen);
/* What is mounted in ct's volume, when that volume is a directory (dir,
 * btrfs: LXC binds it into the container with what is mounted beneath;
 * an lvm volume is a device LXC mounts itself): storage_mounted_in() of
 * it (at: a volume that is a mount point of its own counts), "its
 * volume" named in err; 0 for a volume that is none. */
int storage_volume_mounts(struct storage *s, const char *ct, bool at,
    char *err, size_t errlen);
/* btrfs subvolumes beneath dir (not dir itself), which no snapshot of a
 * tree holding them holds, rm --one-file-system skips and a subvolume
 * delete fails on: 0 if none (or dir is on another file system); else
 * their count, with err "WHAT DIR has a btrfs subvolume at DIR/P" (the
 * first, escaped); -1 with err (also "WHAT DIR is too big to look for
 * btrfs subvolumes in": dir's own tree beyond btrfs_subvols_beneath()'s
 * walk down, needed when the file system's trees are too big to search). */
int storage_subvols_in(const char *what, const char *dir, char *err,
    size_t errlen);
/* The btrfs subvolumes in ct's volume when that is a directory (dir on
 * btrfs, btrfs), as storage_volume_mounts() its mounts. */
int storage_volume_subvols(struct storage *s, const char *ct, char *err,
    size_t errlen);
/* The mount point of mountinfo's next line in f (its fifth field, octal
 * escapes undone) into buf: 1; 0 at the end; -1 for a line that does not
 * parse or a mount point longer than len (stop there). */
int storage_mountinfo_next(FILE *f, char *buf, size_t len);
/* Make dir (mode 0700) unless it exists; -1 with err otherwise. */
int storage_mkdir(const char *dir, char *err, size_t errlen);
/* ROOT and ROOT/.corral-snap: make dir with mode 0700, or set an existing
 * one's mode to 0700 (logged); a symbolic link is refused unless follow
 * (ROOT, the admin's path, may be one). */
int storage_private_dir(const char *dir, bool follow, char *err,
    size_t errlen);

#endif
