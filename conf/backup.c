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
#include "records.h"
#include "values.h"

static const char *const modes[] = {
	[BACKUP_HOT] = "hot",
	[BACKUP_COLD] = "cold",
};

static int
parse_line(const struct conf_lines *l, char *line, void *entry,
    struct conf_err *err)
{
	struct backup_entry *e = entry;
	char *colon, *name, *mode, *extra;
	size_t i;

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

static const struct conf_record_kind backup_kind = {
	.size = sizeof(struct backup_entry),
	.line_off = offsetof(struct backup_entry, line),
	.parse = parse_line,
	.what = "container",          /* container names: exact case */
	.name_off = offsetof(struct backup_entry, name),
};

CONF_RECORDS_API(backup, backup_kind)
