/* Unit tests' scratch directories (see tmpdir.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tmpdir.h"

int
test_tmpdir(const char *tag, char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(dir, len, "%s/corral-%s-XXXXXX", tmp != NULL &&
	    *tmp != '\0' ? tmp : "/tmp", tag) >= len)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

void
test_tmpdir_remove(const char *dir)
{
	struct dirent *de;
	char p[4096];
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}
