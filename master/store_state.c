/* corral-master: a store version's state file, PATH/C/<version>.verified:
 * when its last check passed and whether one failed.  Read by listings,
 * written by verify. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

void
store_state_read(int ctfd, const char *version, time_t *verified,
    bool *bad)
{
	char name[STORE_VERSION_MAX + 16], buf[256], *nl;
	time_t t;

	*verified = 0;
	*bad = false;
	snprintf(name, sizeof(name), "%s%s", version, STORE_STATE_SUFFIX);
	if (store_read_small(ctfd, name, buf, sizeof(buf)) <= 0)
		return;
	for (char *p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (strncmp(p, "verified ", 9) == 0 &&
		    store_iso_parse(p + 9, &t) == 0)
			*verified = t;
		else if (strncmp(p, "bad ", 4) == 0)
			*bad = true;
	}
}

int
store_state_write(int ctfd, const char *version, time_t verified, time_t bad)
{
	char name[STORE_VERSION_MAX + 16], tmp[STORE_VERSION_MAX + 24];
	char a[32], b[32], buf[128];
	int fd, n, rc = -1;

	snprintf(name, sizeof(name), "%s%s", version, STORE_STATE_SUFFIX);
	snprintf(tmp, sizeof(tmp), "%s.new", name);
	if (verified)
		store_iso_time(verified, a);
	else
		snprintf(a, sizeof(a), "-");
	store_iso_time(bad, b);
	n = bad ? snprintf(buf, sizeof(buf), "verified %s\nbad %s\n", a, b) :
	    snprintf(buf, sizeof(buf), "verified %s\n", a);
	fd = openat(ctfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, buf, (size_t)n) == n && fsync(fd) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && (renameat(ctfd, tmp, ctfd, name) != 0 ||
	    fsync(ctfd) != 0))
		rc = -1;
	return rc;
}

