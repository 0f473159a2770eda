/* The receiver's copier thread (xfer_copier.c): copies the blocks a large
 * file keeps from its basis and installs the file, off the event loop. */
#ifndef CORRAL_XFER_COPIER_H
#define CORRAL_XFER_COPIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tree.h"

/* Installing a rebuilt large file: what the copier needs, all owned. */
struct xfinish {
	int dfd, tmp_fd, basis_fd;     /* the directory, new file, old file */
	char tmpname[64];
	struct tree_entry *e;          /* name and metadata (xattrs in xvals) */
	uint8_t *xvals;
	uint64_t size;
	uint32_t index;                /* the file's index in the stream */
	char *dir;                     /* its directory, as a path */
};
struct xcopier;
int xcopier_start(struct xcopier **c);
/* Queue a copy of [off, off+len) from basis_fd to tmp_fd (both stay open
 * until the file's finish has run). */
int xcopier_copy(struct xcopier *c, int basis_fd, int tmp_fd, uint64_t off,
    uint64_t len);
/* Queue the install of a file; takes f (freed, and on failure its
 * temporary removed). */
int xcopier_finish(struct xcopier *c, struct xfinish *f);
/* Wait until no finish is pending in directory dir (by_index: of file
 * index; dir NULL and !by_index: until everything ran).  0, or CERR_IO
 * with the copier's error. */
int xcopier_wait(struct xcopier *c, const char *dir, bool by_index,
    uint32_t index, char *err, size_t errlen);
int xcopier_failed(struct xcopier *c, char *err, size_t errlen);
/* Stop the thread; jobs not run are dropped, their temporaries removed. */
void xcopier_stop(struct xcopier *c);
void xfinish_free(struct xfinish *f, bool unlink_tmp);
/* Copy [off, off+len) of in_fd to the same place in out_fd: holes stay
 * holes, a reflink where the file system can; buf (buflen bytes) where
 * the kernel cannot copy.  0, or -1 with errno. */
int xcopy_range(int in_fd, int out_fd, uint64_t off, uint64_t len,
    uint8_t *buf, size_t buflen);

#endif
