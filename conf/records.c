/* corral: the one-record-per-line files, read the same way: every line
 * that has something on it is one entry, kept in file order; the first bad
 * line or repeated entry stops the file.  Cleanup is one downward "out:"
 * label per function.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lines.h"
#include "records.h"

/* Entry e's name, if the kind compares names, is new. */
static int
check_name(const struct conf_record_kind *k, struct conf_nameset *names,
    const char *v, size_t n, const struct conf_lines *l,
    struct conf_err *err)
{
	unsigned first;
	size_t dup;
	int r;

	if (k->what == NULL)
		return 0;
	r = conf_nameset_add(names, v, k->size, k->name_off, n, &dup);
	if (r < 0) {
		conf_error(err, l->fname, l->lineno, "out of memory");
		return -1;
	}
	if (r > 0) {
		memcpy(&first, v + dup * k->size + k->line_off, sizeof(first));
		conf_error(err, l->fname, l->lineno,
		    "duplicate %s '%s' (already on line %u)", k->what,
		    v + n * k->size + k->name_off, first);
		return -1;
	}
	return 0;
}

int
conf_records_parse(const struct conf_record_kind *k, const char *fname,
    const char *data, size_t len, void **out, size_t *nout,
    struct conf_err *err)
{
	struct conf_lines l;
	struct conf_nameset names = { .fold = k->fold };
	void *seen = NULL;
	char *v = NULL, *nv, *e, *line;
	size_t n = 0, cap = 0;
	int r, ret = -1;

	*out = NULL;
	*nout = 0;
	if (conf_lines_init(&l, fname, data, len, err) != 0)
		goto out;
	if (k->seen_new != NULL && (seen = k->seen_new()) == NULL) {
		conf_error(err, l.fname, 0, "out of memory");
		goto out;
	}
	while ((r = conf_lines_next(&l, &line, err)) == 1) {
		if ((nv = conf_grow(v, &cap, n, k->size)) == NULL) {
			conf_error(err, l.fname, l.lineno, "out of memory");
			goto out;
		}
		v = nv;
		e = v + n * k->size;
		memset(e, 0, k->size);
		memcpy(e + k->line_off, &l.lineno, sizeof(l.lineno));
		if (k->parse(&l, line, e, err) != 0 ||
		    check_name(k, &names, v, n, &l, err) != 0 ||
		    (k->seen_add != NULL && k->seen_add(seen, e, &l, err) != 0))
			goto out;
		n++;
	}
	if (r < 0)
		goto out;
	*out = v;
	*nout = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(seen);
	conf_nameset_free(&names);
	return ret;
}

int
conf_records_load(const struct conf_record_kind *k, const char *path,
    void **v, size_t *n, struct conf_err *err)
{
	char *data;
	size_t len;
	int ret;

	*v = NULL;
	*n = 0;
	if (conf_read_file(path, &data, &len, err) != 0)
		return -1;
	ret = conf_records_parse(k, path, data, len, v, n, err);
	free(data);
	return ret;
}
