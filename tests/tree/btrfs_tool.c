/* btrfs-tool: common/btrfs.c's btrfs_subvols_beneath() alone, for
 * tests/tree/btrfs_deep.sh.
 *
 *   btrfs-tool chain DIR DEPTH K   make DEPTH nested directories "d" in
 *                                  DIR (each beneath the last, by fd: no
 *                                  path is ever that long) and K
 *                                  subvolumes s0.. at the bottom
 *   btrfs-tool check DIR           print "N FIRST MS WORK": the
 *                                  subvolumes beneath DIR, the first's
 *                                  path, the milliseconds the check took
 *                                  and its work (searches and
 *                                  directories read)
 *
 * Exit 0 done, 1 failed, 2 usage, 3 check: DIR too big to check. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "btrfs.h"

static int
chain(const char *dir, unsigned long depth, unsigned long k)
{
	char name[32];
	unsigned long i;
	int fd, next;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < depth; i++) {
		if (mkdirat(fd, "d", 0755) != 0 ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0) {
			fprintf(stderr, "%s: level %lu: %s\n", dir, i + 1,
			    strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
		fd = next;
	}
	for (i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "s%lu", i);
		if (btrfs_subvol_create(fd, name) != 0) {
			fprintf(stderr, "%s: subvolume %s at level %lu: %s\n",
			    dir, name, depth, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

static int
check(const char *dir)
{
	struct timespec t0, t1;
	char first[PATH_MAX];
	size_t n, work = 0;
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = btrfs_subvols_beneath(fd, &n, first, sizeof(first), &work);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	if (r != 0) {
		fprintf(stderr, "%s: %s\n", dir, r == -1 ? strerror(errno) :
		    "too big to check");
		return r == -1 ? 1 : 3;
	}
	printf("%zu %s %ld %zu\n", n, n > 0 ? first : "-",
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000), work);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "chain") == 0)
		return chain(argv[2], strtoul(argv[3], NULL, 10),
		    strtoul(argv[4], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	fprintf(stderr, "usage: btrfs-tool chain DIR DEPTH K | check DIR\n");
	return 2;
}
