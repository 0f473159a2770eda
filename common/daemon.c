/* corral: daemon detach with a readiness pipe. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"

int
daemon_detach(const char *ident)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		perror(ident);
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		/* one byte = ready; EOF = the child failed (it logged why) */
		if (read(pfd[0], &c, 1) == 1)
			exit(0);
		fprintf(stderr, "%s: failed to start, see syslog\n", ident);
		exit(1);
	}
	close(pfd[0]);
	setsid();
	if (freopen("/dev/null", "r", stdin) == NULL ||
	    freopen("/dev/null", "w", stdout) == NULL ||
	    freopen("/dev/null", "w", stderr) == NULL)
		_exit(1);
	return pfd[1];
}

void
daemon_ready(int fd)
{
	if (fd < 0)
		return;
	(void)!write(fd, "", 1);
	close(fd);
}
