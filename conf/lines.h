/* corral: private helpers shared by the configuration parsers.
 *
 * Not installed and not part of the API in conf.h:
 *   - reading a whole file into memory under CONF_FILE_MAX;
 *   - a line reader over a memory buffer that numbers lines, strips
 *     comments and surrounding whitespace and skips blank lines;
 *   - conf_error(), the one place messages are formatted "FILE:LINE: ...";
 *   - the table-driven key = value machinery of corral.conf and create.conf;
 *   - small validators used by more than one file.
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

/* Whitespace in the C locale sense, without depending on the locale. */
bool conf_is_space(int c);
/* s without leading and trailing whitespace (cuts s in place). */
char *conf_trim(char *s);

/* ---- key = value files ---- */

enum conf_key_type {
	CONF_KEY_STRING,  /* into char[size]; optional choices, optional check */
	CONF_KEY_PATH,    /* absolute path into char[size]; optional check */
	CONF_KEY_UINT,    /* uint8_t, uint16_t or uint32_t by size, min..max */
	CONF_KEY_ENUM,    /* index of the value in choices, into an enum */
	CONF_KEY_CUSTOM,  /* set() parses and stores */
};

/* check: NULL if the value is fine, else why not, to follow the quoted
 * value ("is not an absolute path").  set (CUSTOM keys): parse val into
 * obj; 0, or -1 with why filled with what is wrong ("'x' is not ..."). */
typedef const char *conf_key_check_fn(const char *val);
typedef int conf_key_set_fn(void *obj, const char *val, char *why,
    size_t whylen);

struct conf_key {
	const char *name;
	enum conf_key_type type;
	size_t off;                   /* of the field in the struct */
	size_t size;                  /* of the field */
	uint32_t min, max;            /* UINT */
	const char *const *choices;   /* STRING (optional), ENUM; NULL-ended */
	conf_key_check_fn *check;     /* STRING, PATH (optional) */
	conf_key_set_fn *set;         /* CUSTOM */
	const char *def;              /* default as written in a file; NULL:
	                                 the field stays zero */
};

/* Field initialisers for a table entry: offset and size of type's f. */
#define CONF_FIELD(type, f) \
	.off = offsetof(type, f), .size = sizeof(((type *)0)->f)

/* Zero obj (objsize bytes) then apply every key's default. */
void conf_kv_defaults(const struct conf_key *keys, size_t nkeys, void *obj,
    size_t objsize);
/* Parse a key = value file over obj (objsize bytes).  obj is changed only
 * if the whole file is valid. */
int conf_kv_parse(const char *fname, const char *data, size_t len,
    const struct conf_key *keys, size_t nkeys, void *obj, size_t objsize,
    struct conf_err *err);
/* Names and defaults of the keys, as conf.h's *_conf_keys(). */
size_t conf_kv_info(const struct conf_key *keys, size_t nkeys,
    struct conf_key_info *out, size_t max);

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

/* ---- validators shared by several files (values.c) ---- */

/* A DNS name: dot-separated labels of [A-Za-z0-9-], 1..63 each, not
 * starting or ending with '-', at most 253 bytes, last label not all
 * digits (so that a mistyped IPv4 address is not taken for a name). */
bool conf_valid_dns_name(const char *s);
/* Space-separated IP literals, at most max of them (none is fine).  0, or
 * -1 with why filled; ns and *n are written only on success. */
int conf_parse_ns_list(const char *s, struct net_addr *ns, size_t max,
    size_t *n, char *why, size_t whylen);
/* An absolute path without control characters.  NULL, or a reason. */
const char *conf_check_path(const char *s);

#endif
