/* corral: storage-root-relative paths, checked by component, never by
 * substring. */
#include <string.h>

#include "path.h"

/* The next component of *p (skipping slashes): its start and length;
 * 0 at the end. */
static size_t
next_component(const char **p, const char **start)
{
	size_t n;

	while (**p == '/')
		(*p)++;
	*start = *p;
	n = strcspn(*p, "/");
	*p += n;
	return n;
}

static bool
is_dotdot(const char *s, size_t n)
{
	return n == 2 && s[0] == '.' && s[1] == '.';
}

bool
path_has_dotdot(const char *path)
{
	const char *s;
	size_t n;

	while ((n = next_component(&path, &s)) != 0)
		if (is_dotdot(s, n))
			return true;
	return false;
}
