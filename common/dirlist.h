/* corral: the names of one directory, sorted bytewise (dirlist.c).  The
 * transfer engine walks trees in this order on both ends, and the master's
 * store writes its manifests in it: one listing for both. */
#ifndef CORRAL_DIRLIST_H
#define CORRAL_DIRLIST_H

#include <stddef.h>

/* The names (without . and ..) in one arena, offsets into it, sorted with
 * strcmp. */
struct dirlist {
	char *buf;
	size_t used, cap;
	size_t *off;
	size_t n, ncap;
	size_t pos;       /* a reader's place: 0 after dirlist_read */
};

/* List the directory fd dfd (its own position is left alone): 0, or -1
 * with errno (a failing readdir too: never a partial listing). */
int dirlist_read(int dfd, struct dirlist *l);
/* Free the names; a zeroed dirlist is fine. */
void dirlist_free(struct dirlist *l);

static inline const char *
dirlist_name(const struct dirlist *l, size_t i)
{
	return l->buf + l->off[i];
}

#endif
