/* corral: the table-driven key = value files (kv.c), private to conf/.
 *
 * corral.conf and create.conf are each one table of keys: field, type,
 * bounds, default.  Defaults, parsing and the key list are done here.
 */
#ifndef CORRAL_CONF_KV_H
#define CORRAL_CONF_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "lines.h"

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

/* One key = value file: its keys and the struct they fill. */
struct conf_kv_file {
	const struct conf_key *keys;
	size_t nkeys;
	size_t size;                  /* of the struct */
};

#define CONF_KV_FILE(type, table) \
	{ .keys = (table), .nkeys = CONF_ARRAY_LEN(table), .size = sizeof(type) }

/* Zero obj then apply every key's default. */
void conf_kv_defaults(const struct conf_kv_file *f, void *obj);
/* Parse a key = value file over obj, asking check (may be NULL) about
 * every value before the key's own parser.  obj is changed only if the
 * whole file is valid. */
int conf_kv_parse(const struct conf_kv_file *f, const char *fname,
    const char *data, size_t len, void *obj, conf_value_check_fn *check,
    struct conf_err *err);
/* conf_kv_parse() over the file at path (named in messages as given). */
int conf_kv_load(const struct conf_kv_file *f, const char *path, void *obj,
    conf_value_check_fn *check, struct conf_err *err);
/* Names and defaults of the keys, as conf.h's *_conf_keys(). */
size_t conf_kv_info(const struct conf_kv_file *f, struct conf_key_info *out,
    size_t max);

#endif
