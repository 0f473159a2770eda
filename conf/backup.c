/* corral: backup.conf, the containers the master consolidates.
 *
 * One container per line, "name:hot" (copied while running, through a
 * snapshot) or "name:cold" (a template or a stopped container).  Which host
 * holds it is found at backup time, so the file names no host.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lines.h"
#include "values.h"

static const char *const modes[] = {
	[BACKUP_HOT] = "hot",
	[BACKUP_COLD] = "cold",
};

static int
parse_line(const struct conf_lines *l, char *line, struct backup_entry *e,
    struct conf_err *err)
{
	char *colon, *name, *mode, *extra;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->line = l->lineno;
	if ((colon = strchr(line, ':')) != NULL)
		*colon = '\0';
	name = conf_trim(line);
	if (!conf_valid_name(name)) {
		conf_error(err, l->fname, l->lineno,
		    "bad container name '%s'", name);
		return -1;
	}
	memcpy(e->name, name, strlen(name) + 1);
	mode = colon != NULL ? colon + 1 : NULL;
	if (mode != NULL && (extra = strchr(mode, ':')) != NULL)
		*extra++ = '\0';
	else
		extra = NULL;
	if (mode == NULL || *(mode = conf_trim(mode)) == '\0') {
		conf_error(err, l->fname, l->lineno,
		    "missing mode for '%s' (use %s:hot or %s:cold)", e->name,
		    e->name, e->name);
		return -1;
	}
	if (extra != NULL) {
		conf_error(err, l->fname, l->lineno,
		    "extra field ':%s' after '%s:%s'", extra, e->name, mode);
		return -1;
	}
	for (i = 0; i < CONF_ARRAY_LEN(modes); i++) {
		if (strcmp(modes[i], mode) == 0) {
			e->mode = (enum backup_mode)i;
			return 0;
		}
	}
	conf_error(err, l->fname, l->lineno,
	    "unknown mode '%s' for '%s' (use hot or cold)", mode, e->name);
	return -1;
}

int
backup_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct backup_conf *b, struct conf_err *err)
{
	struct conf_lines l;
	struct conf_nameset names = { 0 };   /* container names: exact case */
	struct backup_entry *v = NULL, *nv;
	size_t n = 0, cap = 0, dup;
	char *line;
	int r, ret = -1;

	b->v = NULL;
	b->n = 0;
	if (conf_lines_init(&l, fname, data, len, err) != 0)
		goto out;
	while ((r = conf_lines_next(&l, &line, err)) == 1) {
		if ((nv = conf_grow(v, &cap, n, sizeof(*v))) == NULL) {
			conf_error(err, l.fname, l.lineno, "out of memory");
			goto out;
		}
		v = nv;
		if (parse_line(&l, line, &v[n], err) != 0)
			goto out;
		r = conf_nameset_add(&names, v, sizeof(*v),
		    offsetof(struct backup_entry, name), n, &dup);
		if (r < 0) {
			conf_error(err, l.fname, l.lineno, "out of memory");
			goto out;
		}
		if (r > 0) {
			conf_error(err, l.fname, l.lineno,
			    "duplicate container '%s' (already on line %u)",
			    v[n].name, v[dup].line);
			goto out;
		}
		n++;
	}
	if (r < 0)
		goto out;
	b->v = v;
	b->n = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	conf_nameset_free(&names);
	return ret;
}

int
backup_conf_load(const char *path, struct backup_conf *b,
    struct conf_err *err)
{
	char *data;
	size_t len;
	int ret;

	b->v = NULL;
	b->n = 0;
	if (conf_read_file(path, &data, &len, err) != 0)
		return -1;
	ret = backup_conf_parse_mem(path, data, len, b, err);
	free(data);
	return ret;
}

void
backup_conf_free(struct backup_conf *b)
{
	if (b == NULL)
		return;
	free(b->v);
	b->v = NULL;
	b->n = 0;
}
