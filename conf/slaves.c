/* corral: slaves.conf, the hosts of the pool (master only).
 *
 * One host per line, VS-Tools style:
 *
 *   vsh-00:noselect
 *   vsh-04:bwlimit=10m
 *   vsh-05:compress,bwlimit=512k
 *   vsh-06:address=2001:db8::6,port=7022
 *   #vsh-03                      (commented out: not in the pool)
 *
 * The name ends at the first ':'; options are split on ',' and each at its
 * first '=', so an IPv6 literal is fine as a value.  Entries keep file order.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lines.h"
#include "records.h"
#include "values.h"

static int
opt_noselect(struct slave_entry *e, const char *val, char *why, size_t whylen)
{
	(void)val, (void)why, (void)whylen;
	e->noselect = true;
	return 0;
}

static int
opt_compress(struct slave_entry *e, const char *val, char *why, size_t whylen)
{
	(void)val, (void)why, (void)whylen;
	e->compress = true;
	return 0;
}

static int
opt_bwlimit(struct slave_entry *e, const char *val, char *why, size_t whylen)
{
	if (conf_parse_rate(val, &e->bwlimit) != 0) {
		snprintf(why, whylen, "'%s' is not a rate (use 512k, 10m)", val);
		return -1;
	}
	return 0;
}

static int
opt_address(struct slave_entry *e, const char *val, char *why, size_t whylen)
{
	size_t len = strlen(val);

	if (!conf_valid_address(val) || len >= sizeof(e->address)) {
		snprintf(why, whylen, "'%s' is not an IP address or host name",
		    val);
		return -1;
	}
	memcpy(e->address, val, len + 1);
	return 0;
}

static int
opt_port(struct slave_entry *e, const char *val, char *why, size_t whylen)
{
	uint32_t port;

	if (conf_parse_u32(val, 1, 65535, &port) != 0) {
		snprintf(why, whylen, "'%s' is not a port (1..65535)", val);
		return -1;
	}
	e->port = (uint16_t)port;
	return 0;
}

static const struct slave_opt {
	const char *name;
	bool has_value;         /* name=value, else a bare flag */
	int (*set)(struct slave_entry *, const char *, char *, size_t);
} slave_opts[] = {
	{ "noselect", false, opt_noselect },  /* never chosen automatically */
	{ "compress", false, opt_compress },  /* compress transfers */
	{ "bwlimit",  true,  opt_bwlimit },   /* rate cap of transfers */
	{ "address",  true,  opt_address },   /* connect here, not to name */
	{ "port",     true,  opt_port },      /* instead of corral.conf's */
};

/* One option of entry e; *given has a bit per option already seen. */
static int
parse_opt(const struct conf_lines *l, char *opt, struct slave_entry *e,
    unsigned *given, struct conf_err *err)
{
	const struct slave_opt *o = NULL;
	char why[512];
	char *eq, *name, *val = NULL;
	size_t i;

	if ((eq = strchr(opt, '=')) != NULL) {
		*eq = '\0';
		val = conf_trim(eq + 1);
	}
	name = conf_trim(opt);
	if (*name == '\0') {
		conf_error(err, l->fname, l->lineno, "empty option");
		return -1;
	}
	for (i = 0; i < CONF_ARRAY_LEN(slave_opts); i++)
		if (strcmp(slave_opts[i].name, name) == 0)
			o = &slave_opts[i];
	if (o == NULL) {
		conf_error(err, l->fname, l->lineno, "unknown option '%s'",
		    name);
		return -1;
	}
	i = (size_t)(o - slave_opts);
	if (*given & (1u << i)) {
		conf_error(err, l->fname, l->lineno,
		    "option '%s' is given twice", name);
		return -1;
	}
	*given |= 1u << i;
	if (!o->has_value && val != NULL) {
		conf_error(err, l->fname, l->lineno,
		    "%s: option takes no value", name);
		return -1;
	}
	if (o->has_value && (val == NULL || *val == '\0')) {
		conf_error(err, l->fname, l->lineno,
		    "%s: missing value (%s=...)", name, name);
		return -1;
	}
	if (o->set(e, val, why, sizeof(why)) != 0) {
		conf_error(err, l->fname, l->lineno, "%s: %s", name, why);
		return -1;
	}
	return 0;
}

static int
parse_line(const struct conf_lines *l, char *line, void *entry,
    struct conf_err *err)
{
	struct slave_entry *e = entry;
	char *colon, *name, *opt, *comma;
	unsigned given = 0;

	if ((colon = strchr(line, ':')) != NULL)
		*colon = '\0';
	name = conf_trim(line);
	if (!conf_valid_name(name)) {
		conf_error(err, l->fname, l->lineno, "bad host name '%s'",
		    name);
		return -1;
	}
	memcpy(e->name, name, strlen(name) + 1);
	/* An empty option list ("h1:") is an empty option: nothing is
	 * silently ignored. */
	for (opt = colon != NULL ? colon + 1 : NULL; opt != NULL;
	    opt = comma != NULL ? comma + 1 : NULL) {
		if ((comma = strchr(opt, ',')) != NULL)
			*comma = '\0';
		if (parse_opt(l, opt, e, &given, err) != 0)
			return -1;
	}
	if (e->address[0] == '\0')
		memcpy(e->address, e->name, sizeof(e->name));
	return 0;
}

static const struct conf_record_kind slaves_kind = {
	.size = sizeof(struct slave_entry),
	.line_off = offsetof(struct slave_entry, line),
	.parse = parse_line,
	.what = "host",
	.name_off = offsetof(struct slave_entry, name),
	.fold = true,                 /* host names are case-insensitive */
};

CONF_RECORDS_API(slaves, slaves_kind)

const struct slave_entry *
slaves_conf_find(const struct slaves_conf *s, const char *name)
{
	size_t i;

	if (s == NULL || name == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (conf_name_eq(s->v[i].name, name, true))
			return &s->v[i];
	return NULL;
}
