/* corral: private helpers shared by the configuration parsers.
 *
 * Not installed and not part of the API in conf.h:
 *   - reading a whole file into memory under CONF_FILE_MAX;
 *   - a line reader over a memory buffer that numbers lines, strips
 *     comments and surrounding whitespace and skips blank lines;
 *   - conf_error(), the one place messages are formatted "FILE:LINE: ...";
 *   - a set of names for finding duplicates, and growing arrays.
 * The key = value machinery is kv.h, single values are values.h.
 */
#ifndef CORRAL_CONF_LINES_H
#define CORRAL_CONF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define CONF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* "FILE:LINE: message", or "FILE: message" when line is 0.  Control
 * characters from the input are shown as '?' and a message too long for
 * err->msg ends in "...".  err may be NULL. */
void conf_error(struct conf_err *err, const char *fname, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Read a regular file of at most CONF_FILE_MAX bytes into a new buffer
 * (NUL-terminated, the NUL not counted in *len).  0, or -1 with err set to
 * "PATH: cannot read: reason". */
int conf_read_file(const char *path, char **data, size_t *len,
    struct conf_err *err);

/* ---- line reader ---- */

struct conf_lines {
	const char *fname;          /* for messages only */
	const char *p, *end;        /* input not read yet */
	unsigned lineno;            /* number of the line last returned */
	char buf[CONF_LINE_MAX + 1];
};

/* Start reading data[0..len).  -1 with err set if the buffer is over
 * CONF_FILE_MAX or NULL with a length. */
int conf_lines_init(struct conf_lines *l, const char *fname,
    const char *data, size_t len, struct conf_err *err);
/* The next line that has something on it: *out points into l->buf, NUL
 * terminated, without comment or surrounding whitespace, and may be cut up
 * by the caller.  1 for a line, 0 at the end, -1 with err set. */
int conf_lines_next(struct conf_lines *l, char **out, struct conf_err *err);

/* ---- duplicate names among entries of a growing array ---- */

/* A hash set of indices into an array of entries that each hold a name
 * at a fixed offset; the array may move between calls, so its base is
 * passed each time.  Zero-initialise before use. */
struct conf_nameset {
	size_t *slot;     /* index + 1, 0 for an empty slot */
	size_t cap;       /* a power of two, or 0 */
	size_t n;
	bool fold;        /* compare names case-insensitively (host names) */
};

/* Record entry idx.  0 if its name is new, 1 if an earlier entry has it
 * (its index in *dup, idx not recorded), -1 when out of memory. */
int conf_nameset_add(struct conf_nameset *s, const void *base, size_t stride,
    size_t name_off, size_t idx, size_t *dup);
void conf_nameset_free(struct conf_nameset *s);
/* Equal names; with fold, ASCII letters compare case-insensitively (not
 * strcasecmp(), which follows the locale). */
bool conf_name_eq(const char *a, const char *b, bool fold);

/* v (of *cap elements of size elem) grown to hold at least n + 1, or NULL
 * when out of memory (v is then still valid and unchanged). */
void *conf_grow(void *v, size_t *cap, size_t n, size_t elem);

#endif
