/* The load inside bench/move.sh's container, built static on the host
 * (Debian minbase has no compiler) and run by the container's init:
 *
 *   moveload clock LOG MS
 *       append the time (CLOCK_REALTIME, "sec.nsec") to LOG every MS ms.
 *       The log moves with the container, so after a move the largest gap
 *       between two stamps is the downtime seen from inside.  No fsync: a
 *       stamp lost in a crash would only widen a gap, and there is none.
 *   moveload churn FILE GO MS KIB LOG
 *       once GO exists, every MS ms rewrite KIB KiB of random data at a
 *       random KIB-aligned offset of FILE, in place, and append the time
 *       of each write to LOG: the bench counts the writes during a move.
 *
 * Both run until killed.  Sleeps are relative: after a pause (the
 * container frozen or stopped) they resume at their rate, not in a burst
 * that would hide the gap. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "moveload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "moveload: '%s' is not a number in %ld..%ld\n",
		    s, min, max);
		exit(2);
	}
	return v;
}

static void
nap(long ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
}

/* one line "sec.nsec\n" of the current time, appended to fd */
static void
stamp(int fd)
{
	struct timespec t;
	char line[48];
	int n;

	clock_gettime(CLOCK_REALTIME, &t);
	n = snprintf(line, sizeof(line), "%lld.%09ld\n", (long long)t.tv_sec,
	    t.tv_nsec);
	if (write(fd, line, (size_t)n) != n)
		die("write log");
}

static int
open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	return fd;
}

static void
clock_loop(const char *log, long ms)
{
	int fd = open_log(log);

	for (;;) {
		stamp(fd);
		nap(ms);
	}
}

static void
churn_loop(const char *file, const char *go, long ms, long kib,
    const char *log)
{
	size_t len = (size_t)kib * 1024;
	unsigned long long r;
	unsigned char *buf;
	struct stat st;
	long blocks;
	int fd, lfd;

	if ((buf = malloc(len)) == NULL)
		die("malloc");
	if ((fd = open(file, O_WRONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0)
		die(file);
	if ((blocks = (long)(st.st_size / (off_t)len)) < 1) {
		fprintf(stderr, "moveload: %s is smaller than %ld KiB\n", file,
		    kib);
		exit(1);
	}
	while (access(go, F_OK) != 0)
		nap(20);
	lfd = open_log(log);
	for (;;) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r) ||
		    getrandom(buf, len, 0) != (ssize_t)len)
			die("getrandom");
		if (pwrite(fd, buf, len, (off_t)(r % (unsigned long)blocks) *
		    (off_t)len) != (ssize_t)len)
			die("pwrite");
		stamp(lfd);
		nap(ms);
	}
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "clock") == 0)
		clock_loop(argv[2], number(argv[3], 1, 60000));
	else if (argc == 7 && strcmp(argv[1], "churn") == 0)
		churn_loop(argv[2], argv[3], number(argv[4], 1, 60000),
		    number(argv[5], 1, 65536), argv[6]);
	fprintf(stderr, "usage: moveload clock LOG MS\n"
	    "       moveload churn FILE GO MS KIB LOG\n");
	return 2;
}
