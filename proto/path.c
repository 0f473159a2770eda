/* corral: storage-root-relative paths, checked and normalised by
 * component, never by substring. */
#include <string.h>

#include "cerr.h"
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

int
path_normalise(const char *path, char *out, size_t cap)
{
	const char *s;
	size_t n, len = 0;
	int rc = 0;

	if (cap == 0)
		return CERR_TOO_BIG;
	if (path[0] == '/') {
		rc = CERR_INVALID;
		goto out;
	}
	while ((n = next_component(&path, &s)) != 0) {
		if (is_dotdot(s, n)) {
			rc = CERR_INVALID;
			goto out;
		}
		if (n == 1 && s[0] == '.')
			continue;
		/* a separator, the component and the NUL must fit */
		if (len + (len > 0) + n >= cap) {
			rc = CERR_TOO_BIG;
			goto out;
		}
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, s, n);
		len += n;
	}
out:
	/* nothing half-made on an error */
	out[rc == 0 ? len : 0] = '\0';
	return rc;
}
