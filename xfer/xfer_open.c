/* corral xfer: opening a tree entry for reading without letting a swap
 * between its stat and its open do harm.
 *
 * The name is opened O_PATH|O_NOFOLLOW under the held directory fd: that
 * opens nothing (no FIFO can block, no device driver's open runs) and
 * never follows a symlink.  Its fstat decides; only a regular file (the
 * expected inode, when the caller stat()ed one) is then reopened for
 * reading through /proc/self/fd/N, which reaches the very inode the O_PATH
 * fd holds, not whatever the name means by now.  openat2(RESOLVE_BENEATH)
 * and a dev/ino check afterwards would not do: the open itself, on a FIFO
 * or device swapped in, is what must not happen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xfer_meta.h"

int
xfer_open_regular(int dfd, const char *name, const struct stat *want)
{
	struct stat st, st2;
	char path[32];
	int pfd, fd, flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	if ((pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? XOPEN_GONE : -1;
	if (fstat(pfd, &st) != 0) {
		close(pfd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (want != NULL &&
	    (st.st_dev != want->st_dev || st.st_ino != want->st_ino))) {
		close(pfd);
		return XOPEN_GONE;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd);
	/* O_NOATIME is for the file's owner (or CAP_FOWNER) only */
	if ((fd = open(path, flags | O_NOATIME)) < 0 && errno == EPERM)
		fd = open(path, flags);
	close(pfd);
	if (fd < 0)
		return -1;   /* not ENOENT = gone: the O_PATH fd holds it */
	/* the same inode, whatever /proc is */
	if (fstat(fd, &st2) != 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino || !S_ISREG(st2.st_mode)) {
		close(fd);
		return XOPEN_GONE;
	}
	return fd;
}
