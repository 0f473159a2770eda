/* corral-slave: the host's CPU time from /proc/stat (procstat.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

enum { USER, NICE, SYSTEM, IDLE, IOWAIT, IRQ, SOFTIRQ, STEAL, FIELDS };

int
procstat_cpu(const char *text, uint64_t *busy, uint64_t *total)
{
	uint64_t v[FIELDS];
	const char *p = text;
	char *end;
	size_t i;

	*busy = *total = 0;
	/* the aggregate line: "cpu" then blanks, at a line's start */
	while (p != NULL && !(strncmp(p, "cpu ", 4) == 0))
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL)
		return -1;
	p += 3;
	for (i = 0; i < FIELDS; i++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			return -1;     /* a kernel older than steal (2.6.11) */
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno != 0)
			return -1;
		p = end;
	}
	*busy = v[USER] + v[NICE] + v[SYSTEM] + v[IRQ] + v[SOFTIRQ] +
	    v[STEAL];
	*total = *busy + v[IDLE] + v[IOWAIT];
	return 0;
}
