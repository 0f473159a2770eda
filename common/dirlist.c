/* corral: the sorted names of one directory fd (dirlist.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirlist.h"

void
dirlist_free(struct dirlist *l)
{
	free(l->buf);
	free(l->off);
	memset(l, 0, sizeof(*l));
}

static int
names_add(struct dirlist *l, const char *name)
{
	size_t len = strlen(name) + 1;
	void *p;

	if (l->n == l->ncap) {
		l->ncap = l->ncap ? 2 * l->ncap : 64;
		if ((p = realloc(l->off, l->ncap * sizeof(*l->off))) == NULL)
			return -1;
		l->off = p;
	}
	while (l->used + len > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4096;
		if ((p = realloc(l->buf, l->cap)) == NULL)
			return -1;
		l->buf = p;
	}
	memcpy(l->buf + l->used, name, len);
	l->off[l->n++] = l->used;
	l->used += len;
	return 0;
}

static int
cmp_off(const void *a, const void *b, void *arg)
{
	const char *buf = arg;

	return strcmp(buf + *(const size_t *)a, buf + *(const size_t *)b);
}

int
dirlist_read(int dfd, struct dirlist *l)
{
	struct dirent *de;
	DIR *d;
	int fd;

	memset(l, 0, sizeof(*l));
	/* fdopendir owns its fd: give it one of its own.  Listing leaves
	 * the directory's atime alone where we may (owner or CAP_FOWNER):
	 * an atime update writes the inode, and in a btrfs store's new
	 * version (a snapshot) that copies a metadata block, each run, for
	 * every directory whose atime relatime finds a day old */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (names_add(l, de->d_name) != 0)
			break;
		errno = 0;
	}
	if (errno != 0) {
		int e = errno;

		closedir(d);
		dirlist_free(l);
		errno = e;
		return -1;
	}
	closedir(d);
	if (l->n > 1)
		qsort_r(l->off, l->n, sizeof(*l->off), cmp_off, l->buf);
	return 0;
}
