/* corral: the one-record-per-line files (records.c), private to conf/.
 *
 * slaves.conf, backup.conf and networks.conf are each a kind of record:
 * the size of an entry, the parser of one line (the file's grammar and
 * messages), and what may not repeat.  The loop over lines, the growing
 * array, the duplicate checks, loading and freeing are done here once.
 */
#ifndef CORRAL_CONF_RECORDS_H
#define CORRAL_CONF_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "conf.h"
#include "lines.h"

/* Parse line into e (zeroed, its line number set): 0, or -1 with err. */
typedef int conf_record_parse_fn(const struct conf_lines *l, char *line,
    void *e, struct conf_err *err);
/* Scratch for a rule against earlier entries, made (malloc'ed, freed with
 * free()) once per file; add refuses e (-1 with err set) or records it. */
typedef void *conf_record_seen_new_fn(void);
typedef int conf_record_seen_add_fn(void *seen, const void *e,
    const struct conf_lines *l, struct conf_err *err);

struct conf_record_kind {
	size_t size;                  /* of an entry */
	size_t line_off;              /* its unsigned line number */
	conf_record_parse_fn *parse;
	/* entries whose names (char[] at name_off) must differ:
	 * "duplicate WHAT 'x' (already on line N)"; NULL what: none */
	const char *what;
	size_t name_off;
	bool fold;                    /* names compare case-insensitively */
	/* any other rule against earlier entries (NULL: none) */
	conf_record_seen_new_fn *seen_new;
	conf_record_seen_add_fn *seen_add;
};

/* The entries of a file into a new array *v of *n; both zero on error. */
int conf_records_parse(const struct conf_record_kind *k, const char *fname,
    const char *data, size_t len, void **v, size_t *n, struct conf_err *err);
/* conf_records_parse() over the file at path. */
int conf_records_load(const struct conf_record_kind *k, const char *path,
    void **v, size_t *n, struct conf_err *err);

/* conf.h's parse_mem, load and free of a list struct {type *v; size_t n;}
 * named struct NAME_conf, parsed as kind. */
#define CONF_RECORDS_API(name, kind)                                        \
int                                                                         \
name##_conf_parse_mem(const char *fname, const char *data, size_t len,      \
    struct name##_conf *list, struct conf_err *err)                         \
{                                                                           \
	void *v;                                                            \
	int r = conf_records_parse(&(kind), fname, data, len, &v,           \
	    &list->n, err);                                                 \
                                                                            \
	list->v = v;                                                        \
	return r;                                                           \
}                                                                           \
                                                                            \
int                                                                         \
name##_conf_load(const char *path, struct name##_conf *list,                \
    struct conf_err *err)                                                   \
{                                                                           \
	void *v;                                                            \
	int r = conf_records_load(&(kind), path, &v, &list->n, err);        \
                                                                            \
	list->v = v;                                                        \
	return r;                                                           \
}                                                                           \
                                                                            \
void                                                                        \
name##_conf_free(struct name##_conf *list)                                  \
{                                                                           \
	if (list == NULL)                                                   \
		return;                                                     \
	free(list->v);                                                      \
	list->v = NULL;                                                     \
	list->n = 0;                                                        \
}

#endif
