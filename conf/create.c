/* corral: create.conf, the defaults for new containers (key = value).
 *
 * The same table-driven machinery as corral.conf (kv.c); only the keys
 * and their checks are here.  networks.conf wins over these at creation
 * time; that is the caller's business, not the parser's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kv.h"
#include "lines.h"
#include "values.h"

_Static_assert(sizeof(enum create_method) == sizeof(int),
    "enum create_method is not int-sized");

static const char *const methods[] = {
	[CREATE_DEBOOTSTRAP] = "debootstrap",
	[CREATE_TEMPLATE] = "template",
	[CREATE_LXC_TEMPLATE] = "lxc-template",
	[CREATE_LXC_TEMPLATE + 1] = NULL
};

/* Empty means no search domain. */
static const char *
check_domain(const char *val)
{
	if (*val == '\0' || conf_valid_dns_name(val))
		return NULL;
	return "is not a domain name";
}

/* A tarball (absolute path) or the name of an LXC template. */
static const char *
check_template(const char *val)
{
	if (val[0] == '/')
		return conf_check_path(val);
	return conf_valid_name(val) ? NULL :
	    "is not an absolute path or a template name";
}

static const char *
check_distro(const char *val)
{
	return conf_valid_name(val) ? NULL : "is not a distribution name";
}

/* Empty means no name servers. */
static int
set_nameserver(void *obj, const char *val, char *why, size_t whylen)
{
	struct create_conf *c = obj;

	return conf_parse_ns_list(val, c->ns, CONF_NS_MAX, &c->n_ns, why,
	    whylen);
}

/* "N/D" with 0 < N <= D, e.g. 9/10 for nine tenths of a CPU. */
static int
set_cpu(void *obj, const char *val, char *why, size_t whylen)
{
	struct create_conf *c = obj;

	if (conf_parse_ratio(val, &c->cpu_num, &c->cpu_den) == 0)
		return 0;
	snprintf(why, whylen,
	    "'%s' is not a ratio N/D with 0 < N <= D (e.g. 9/10)", val);
	return -1;
}

#define K_FIELD(f) CONF_FIELD(struct create_conf, f)
#define KEY_STR(n, f, chk, d) { .name = (n), .type = CONF_KEY_STRING, \
	K_FIELD(f), .check = (chk), .def = (d) }
#define KEY_UINT(n, f, lo, hi, d) { .name = (n), .type = CONF_KEY_UINT, \
	K_FIELD(f), .min = (lo), .max = (hi), .def = (d) }
#define KEY_ENUM(n, f, ch, d) { .name = (n), .type = CONF_KEY_ENUM, \
	K_FIELD(f), .choices = (ch), .def = (d) }
#define KEY_CUSTOM(n, fn, d) { .name = (n), .type = CONF_KEY_CUSTOM, \
	.set = (fn), .def = (d) }

static const struct conf_key create_keys[] = {
	KEY_STR("device",      device,   conf_check_ifname, NULL),
	KEY_UINT("mtu",        mtu,      576, 65535,     "1500"),
	KEY_STR("domain",      domain,   check_domain,   NULL),
	KEY_CUSTOM("nameserver", set_nameserver,         NULL),
	KEY_UINT("prefix",     prefix,   0, 128,         "24"),
	KEY_UINT("disk",       disk_mb,  0, UINT32_MAX,  "0"),
	KEY_UINT("rss",        rss_mb,   0, UINT32_MAX,  "0"),
	KEY_UINT("tmpfs",      tmpfs_mb, 0, UINT32_MAX,  "0"),
	KEY_UINT("proc",       proc,     0, UINT32_MAX,  "0"),
	KEY_CUSTOM("cpu",      set_cpu,                  "1/1"),
	KEY_ENUM("method",     method,   methods,        "lxc-template"),
	KEY_STR("template",    template, check_template, "busybox"),
	KEY_STR("distro",      distro,   check_distro,   "bookworm"),
};

static const struct conf_kv_file create_file =
    CONF_KV_FILE(struct create_conf, create_keys);

void
create_conf_defaults(struct create_conf *c)
{
	conf_kv_defaults(&create_file, c);
}

int
create_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct create_conf *c, struct conf_err *err)
{
	return conf_kv_parse(&create_file, fname, data, len, c, NULL, err);
}

int
create_conf_load(const char *path, struct create_conf *c,
    struct conf_err *err)
{
	return conf_kv_load(&create_file, path, c, NULL, err);
}

size_t
create_conf_keys(struct conf_key_info *out, size_t max)
{
	return conf_kv_info(&create_file, out, max);
}
