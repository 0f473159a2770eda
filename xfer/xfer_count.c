/* corral xfer: the sender's totals, counted by a second thread while the
 * transfer runs, so progress has a real percentage long before the end.
 * It walks as the sender does: no symlink followed, no other file system
 * entered, no deeper than TREE_DEPTH_MAX. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"
#include "xfer_count.h"

static void
count_dir(struct xcount *c, int dfd, dev_t dev, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while (!atomic_load(&c->stop) && (de = readdir(d)) != NULL) {
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		c->files++;
		if (S_ISREG(st.st_mode))
			c->bytes += (uint64_t)st.st_size;
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev ||
		    depth + 1 >= TREE_DEPTH_MAX)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			count_dir(c, fd, dev, depth + 1);
	}
	closedir(d);
}

static void *
count_main(void *arg)
{
	struct xcount *c = arg;
	struct stat st;

	c->files = 1;           /* the root */
	if (fstat(c->fd, &st) == 0 && S_ISDIR(st.st_mode))
		count_dir(c, c->fd, st.st_dev, 0);
	else
		close(c->fd);
	c->fd = -1;
	atomic_store(&c->done, !atomic_load(&c->stop));
	return NULL;
}

int
xcount_start(struct xcount *c, int rootfd)
{
	memset(c, 0, sizeof(*c));
	atomic_init(&c->stop, false);
	atomic_init(&c->done, false);
	if ((c->fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	if (pthread_create(&c->th, NULL, count_main, c) != 0) {
		close(c->fd);
		return -1;
	}
	c->running = true;
	return 0;
}

bool
xcount_done(struct xcount *c, uint64_t *files, uint64_t *bytes)
{
	if (!c->running || !atomic_load(&c->done))
		return false;
	*files = c->files;
	*bytes = c->bytes;
	return true;
}

void
xcount_stop(struct xcount *c)
{
	if (!c->running)
		return;
	atomic_store(&c->stop, true);
	pthread_join(c->th, NULL);
	c->running = false;
}
