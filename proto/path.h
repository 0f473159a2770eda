/* corral: paths under a slave's storage root, as requests and the tree
 * stream carry them.  Only a whole ".." component leaves a directory:
 * "...", "a..b", "..a" are ordinary names a container user may make, and
 * refusing them would fail every sync of their tree.  The slave opens
 * what is left with RESOLVE_BENEATH (or one component at a time). */
#ifndef CORRAL_PATH_H
#define CORRAL_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether some '/'-separated component of path is exactly "..". */
bool path_has_dotdot(const char *path);

/* path with its "." components, repeated and trailing slashes dropped,
 * into out (cap bytes), so "./web", "web/" and "web//." all read "web"
 * and every check sees one spelling: 0, and "" for the storage root
 * itself; CERR_INVALID for an absolute path or a ".." component;
 * CERR_TOO_BIG when out cannot hold it. */
int path_normalise(const char *path, char *out, size_t cap);

#endif
