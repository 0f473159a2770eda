/* Unit tests of the slave's files: its context in a scratch directory. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slavetmp.h"
#include "storage.h"

struct slave_ctx test_ctx;
static char top[256];

int
slavetmp_setup(void **state)
{
	char p[PATH_MAX + 64];
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(top, sizeof(top), "%s/corral-slave-XXXXXX", t ? t : "/tmp");
	if (mkdtemp(top) == NULL)
		return -1;
	memset(&test_ctx, 0, sizeof(test_ctx));
	test_ctx.storage.ops = &storage_dir_ops;
	snprintf(test_ctx.storage.root, sizeof(test_ctx.storage.root),
	    "%s/root", top);
	snprintf(test_ctx.conf.lxcpath, sizeof(test_ctx.conf.lxcpath),
	    "%s/lxc", top);
	snprintf(p, sizeof(p), "mkdir -p %s/root/%s %s/root/w1 %s/lxc", top,
	    STORAGE_SNAPDIR, top, top);
	return system(p) == 0 ? 0 : -1;
}

int
slavetmp_teardown(void **state)
{
	char p[PATH_MAX + 16];

	(void)state;
	snprintf(p, sizeof(p), "rm -rf %s", top);
	return system(p) == 0 ? 0 : -1;
}

void
slavetmp_path(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/root/%s/%s", top, STORAGE_SNAPDIR, rel);
}

bool
slavetmp_present(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	slavetmp_path(rel, p, sizeof(p));
	return lstat(p, &st) == 0;
}

void
slavetmp_top(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", top, rel);
}
