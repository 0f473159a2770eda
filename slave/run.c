/* corral-slave: running helper programs without a shell.
 *
 * Arguments go to execvp as a vector, so no container or volume name is
 * ever parsed by a shell. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pace.h"
#include "run.h"

#define ERRBUF 2048

/* The last non-empty line of s, trimmed. */
static const char *
last_line(char *s)
{
	char *end = s + strlen(s), *p;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	p = strrchr(s, '\n');
	return p ? p + 1 : s;
}

static void
child(const char *const argv[], int outfd, int errfd)
{
	int nul = open("/dev/null", O_RDWR);

	if (nul < 0 || dup2(nul, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(126);
	closefrom(3);
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
	setenv("LC_ALL", "C", 1);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "cannot run: %s\n", strerror(errno));
	_exit(127);
}

int
run_argv(const char *const argv[], int timeout_s, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char ebuf[ERRBUF] = "";
	size_t olen = 0, elen = 0;
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, status = 0, ret = -1;
	long long deadline = monotonic_ms() + (long long)timeout_s * 1000;
	bool timed_out = false;
	pid_t pid;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "%s: fork: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(argv, op[1], ep[1]);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	while (op[0] >= 0 || ep[0] >= 0) {
		struct pollfd pf[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
		long long left = deadline - monotonic_ms();
		char tmp[4096];
		ssize_t n;
		int i;

		if (left <= 0) {
			kill(pid, SIGKILL);
			timed_out = true;
			break;
		}
		if (poll(pf, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			int *fd = i == 0 ? &op[0] : &ep[0];

			if (*fd < 0 || pf[i].revents == 0)
				continue;
			if ((n = read(*fd, tmp, sizeof(tmp))) <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				close(*fd);
				*fd = -1;
				continue;
			}
			if (i == 0 && out != NULL && olen + 1 < outlen) {
				size_t k = (size_t)n < outlen - 1 - olen ?
				    (size_t)n : outlen - 1 - olen;
				memcpy(out + olen, tmp, k);
				out[olen += k] = '\0';
			} else if (i == 1) {
				/* keep the tail: the last line says why */
				if ((size_t)n >= sizeof(ebuf) - 1) {
					memcpy(ebuf, tmp + n - (sizeof(ebuf) - 1),
					    sizeof(ebuf) - 1);
					elen = sizeof(ebuf) - 1;
				} else {
					if (elen + (size_t)n >= sizeof(ebuf)) {
						size_t drop = elen + (size_t)n -
						    (sizeof(ebuf) - 1);
						memmove(ebuf, ebuf + drop, elen - drop);
						elen -= drop;
					}
					memcpy(ebuf + elen, tmp, (size_t)n);
					elen += (size_t)n;
				}
				ebuf[elen] = '\0';
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		snprintf(err, errlen, "%s: no answer in %d s, killed", argv[0],
		    timeout_s);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ret = 0;
	else if (WIFEXITED(status))
		snprintf(err, errlen, "%s failed (exit %d)%s%s", argv[0],
		    WEXITSTATUS(status), *ebuf ? ": " : "", last_line(ebuf));
	else
		snprintf(err, errlen, "%s killed by signal %d", argv[0],
		    WTERMSIG(status));
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return ret;
}
