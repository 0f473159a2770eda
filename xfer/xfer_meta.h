/* What the engine reads and writes of a file system (xfer_meta.c):
 * metadata and xattrs (listings: dirlist.h), whole-file and block hashes
 * (xfer_hash.c), and librsync jobs driven over memory. */
#ifndef CORRAL_XFER_META_H
#define CORRAL_XFER_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <librsync.h>

#include "dirlist.h"
#include "tree.h"

/* ---- metadata ---- */

/* Fill e's mode, uid, gid, mtime, size/rdev/target and xattrs from the
 * entry name under dfd (never followed; "" is dfd itself).  Xattr values
 * are copied into store, which must outlive e's use. */
int meta_read(int dfd, const char *name, const struct stat *st,
    struct tree_entry *e, uint8_t *store, size_t store_len);
/* Apply owner, mode, xattrs (adding, changing and removing) and mtime to
 * the object fd (O_PATH|O_NOFOLLOW is enough) named name under dfd; for
 * a symlink fd is unused and only owner and mtime apply, by name.  name ""
 * means fd itself.  skip_mtime: directories get theirs at the end. */
int meta_apply(int dfd, const char *name, int fd, const struct tree_entry *e,
    bool skip_mtime);
/* True if the object's xattrs equal e's (a symlink: by its name). */
bool meta_xattrs_equal(int fd, const struct tree_entry *e);
bool meta_link_xattrs_equal(int dfd, const char *name,
    const struct tree_entry *e);

/* Install a finished temporary file tmpname (fd tmpfd) under dfd as
 * e->name: cut it to size, apply e's metadata, rename it over the old one.
 * tmpname "": tmpfd is an unnamed file (O_TMPFILE, xfer_opts.in_place):
 * its data is reflinked over the old file's if that is a regular file
 * with one name, which then gets e's metadata; else it is given a name
 * and renamed as above.  0, or -1 with errno and *what naming the step
 * that failed. */
int meta_install(int dfd, const char *tmpname, int tmpfd,
    const struct tree_entry *e, uint64_t size, const char **what);

/* ---- opening an entry for reading (xfer_open.c) ---- */

#define XOPEN_GONE (-2)
/* name under dfd, for reading, if it is a regular file (the inode of want,
 * unless NULL), opened without following a symlink and without opening
 * anything else first: its fd; XOPEN_GONE if it is gone, no longer a
 * regular file, or another inode; -1 with errno on another error. */
int xfer_open_regular(int dfd, const char *name, const struct stat *want);

/* ---- hashes ---- */

/* Seeded XXH3-128 of one aligned block (TREE_NEED_BLOCKS). */
void block_hash(const void *p, size_t n, uint64_t seed,
    uint8_t out[TREE_BLOCK_FULL]);

/* SHA-256 of a whole file (for --checksum). */
int hash_fd(int fd, uint8_t out[TREE_HASH_LEN]);

/* ---- librsync jobs driven over memory ---- */

typedef int (*rsjob_out_fn)(void *arg, const void *p, size_t n);
/* Feed len bytes (eof: no more input) to job; output goes to out.
 * 0 while running, 1 when the job is done, -1 on error. */
int rsjob_feed(rs_job_t *job, const void *in, size_t len, bool eof,
    rsjob_out_fn out, void *arg);

#endif
