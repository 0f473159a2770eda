/* corral: the table-driven key = value files (corral.conf, create.conf).
 *
 * A file is described by its key table; defaults, parsing, loading and the
 * list of keys are done here once for every such file.  Cleanup is one
 * downward "out:" label per function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kv.h"
#include "lines.h"
#include "values.h"

/* "a, b or c" into buf (cut short if it does not fit). */
static void
join_choices(const char *const *choices, char *buf, size_t size)
{
	size_t off = 0, i;
	int n;

	buf[0] = '\0';
	for (i = 0; choices[i] != NULL && off < size; i++) {
		n = snprintf(buf + off, size - off, "%s%s",
		    i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ",
		    choices[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static int
find_choice(const char *const *choices, const char *val)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], val) == 0)
			return i;
	return -1;
}

/* Store val into obj's field for k.  0, or -1 with why filled. */
static int
kv_set(const struct conf_key *k, void *obj, const char *val, char *why,
    size_t whylen)
{
	char *field = (char *)obj + k->off;
	char list[256];
	const char *reason = NULL;
	size_t len = strlen(val);
	uint32_t u;
	uint16_t u16;
	uint8_t u8;
	int i, r;

	switch (k->type) {
	case CONF_KEY_PATH:
		reason = conf_check_path(val);
		/* FALLTHROUGH */
	case CONF_KEY_STRING:
		if (reason == NULL && k->choices != NULL &&
		    find_choice(k->choices, val) < 0) {
			join_choices(k->choices, list, sizeof(list));
			snprintf(why, whylen, "'%s' is not %s", val, list);
			return -1;
		}
		if (reason == NULL && k->check != NULL)
			reason = k->check(val);
		if (reason != NULL) {
			snprintf(why, whylen, "'%s' %s", val, reason);
			return -1;
		}
		if (len >= k->size) {
			snprintf(why, whylen, "'%s' is longer than %zu bytes",
			    val, k->size - 1);
			return -1;
		}
		memcpy(field, val, len + 1);
		return 0;
	case CONF_KEY_UINT:
		r = conf_parse_u32(val, k->min, k->max, &u);
		if (r == -1) {
			snprintf(why, whylen, "'%s' is not a number", val);
			return -1;
		}
		if (r != 0) {
			snprintf(why, whylen, "'%s' is out of range %u..%u",
			    val, k->min, k->max);
			return -1;
		}
		/* The table's bounds fit the field; memcpy keeps it free
		 * of alignment assumptions. */
		if (k->size == sizeof(u8)) {
			u8 = (uint8_t)u;
			memcpy(field, &u8, sizeof(u8));
		} else if (k->size == sizeof(u16)) {
			u16 = (uint16_t)u;
			memcpy(field, &u16, sizeof(u16));
		} else if (k->size == sizeof(u)) {
			memcpy(field, &u, sizeof(u));
		} else {
			snprintf(why, whylen, "has no integer field of size %zu",
			    k->size);
			return -1;
		}
		return 0;
	case CONF_KEY_ENUM:
		if ((i = find_choice(k->choices, val)) < 0) {
			join_choices(k->choices, list, sizeof(list));
			snprintf(why, whylen, "'%s' is not %s", val, list);
			return -1;
		}
		if (k->size != sizeof(i)) {
			snprintf(why, whylen, "has no enum field of size %zu",
			    k->size);
			return -1;
		}
		memcpy(field, &i, sizeof(i));
		return 0;
	case CONF_KEY_CUSTOM:
		return k->set(obj, val, why, whylen);
	}
	snprintf(why, whylen, "has an unknown type");
	return -1;
}

void
conf_kv_defaults(const struct conf_kv_file *f, void *obj)
{
	char why[512];
	size_t i;

	memset(obj, 0, f->size);
	/* The defaults are parsed like a file: tests check every one. */
	for (i = 0; i < f->nkeys; i++)
		if (f->keys[i].def != NULL)
			(void)kv_set(&f->keys[i], obj, f->keys[i].def, why,
			    sizeof(why));
}

size_t
conf_kv_info(const struct conf_kv_file *f, struct conf_key_info *out,
    size_t max)
{
	size_t i;

	for (i = 0; i < f->nkeys && i < max; i++) {
		out[i].name = f->keys[i].name;
		out[i].def = f->keys[i].def;
	}
	return f->nkeys;
}

int
conf_kv_load(const struct conf_kv_file *f, const char *path, void *obj,
    conf_value_check_fn *check, struct conf_err *err)
{
	char *data;
	size_t len;
	int ret;

	if (conf_read_file(path, &data, &len, err) != 0)
		return -1;
	ret = conf_kv_parse(f, path, data, len, obj, check, err);
	free(data);
	return ret;
}

int
conf_kv_parse(const struct conf_kv_file *f, const char *fname,
    const char *data, size_t len, void *obj, conf_value_check_fn *check,
    struct conf_err *err)
{
	const struct conf_key *keys = f->keys;
	size_t nkeys = f->nkeys, objsize = f->size;
	struct conf_lines l;
	char why[512];
	unsigned *seen = NULL;      /* line each key was set on, 0 if not */
	void *tmp = NULL;           /* obj is changed only on success */
	char *line, *eq, *key, *val;
	size_t i;
	int r, ret = -1;

	if (conf_lines_init(&l, fname, data, len, err) != 0)
		goto out;
	if ((seen = calloc(nkeys + 1, sizeof(*seen))) == NULL ||
	    (tmp = malloc(objsize)) == NULL) {
		conf_error(err, l.fname, 0, "out of memory");
		goto out;
	}
	memcpy(tmp, obj, objsize);
	while ((r = conf_lines_next(&l, &line, err)) == 1) {
		if ((eq = strchr(line, '=')) == NULL) {
			conf_error(err, l.fname, l.lineno,
			    "missing '=' in '%s' (expected key = value)", line);
			goto out;
		}
		*eq = '\0';
		key = conf_trim(line);
		val = conf_trim(eq + 1);
		if (*key == '\0') {
			conf_error(err, l.fname, l.lineno,
			    "missing key before '='");
			goto out;
		}
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i].name, key) == 0)
				break;
		if (i == nkeys) {
			conf_error(err, l.fname, l.lineno, "unknown key '%s'",
			    key);
			goto out;
		}
		if (seen[i] != 0) {
			conf_error(err, l.fname, l.lineno,
			    "key '%s' is already set on line %u", key, seen[i]);
			goto out;
		}
		seen[i] = l.lineno;
		/* The checker speaks for the value's meaning, so it goes
		 * first, as a key's choices do. */
		if ((check != NULL &&
		    check(key, val, why, sizeof(why)) != 0) ||
		    kv_set(&keys[i], tmp, val, why, sizeof(why)) != 0) {
			conf_error(err, l.fname, l.lineno, "%s: %s", key, why);
			goto out;
		}
	}
	if (r < 0)
		goto out;
	memcpy(obj, tmp, objsize);
	ret = 0;
out:
	free(seen);
	free(tmp);
	return ret;
}
