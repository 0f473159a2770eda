/* corral: corral.conf, the key = value settings of master and slave.
 *
 * One declarative table gives every key its field, type, bounds and default
 * (as Redis's config.c and LXC's confile.c do); the parsing itself is the
 * shared key = value machinery in kv.c.  What storage and lvm_fs may be is
 * left to the storage backends, which the slave asks through
 * corral_conf_load_checked(): conf/ knows no backend.  conf/corral.conf
 * documents the same defaults, and tests/unit/test_conf_corral.c walks
 * this table.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kv.h"
#include "lines.h"
#include "values.h"

/* ENUM keys store an int: the enum must be one. */
_Static_assert(sizeof(enum conf_hot_dir) == sizeof(int),
    "enum conf_hot_dir is not int-sized");

static const char *const log_levels[] = {
	"error", "warning", "notice", "info", "debug", NULL
};

static const char *const hot_dirs[] = {
	[CONF_HOT_DIR_FREEZE] = "freeze",
	[CONF_HOT_DIR_REFUSE] = "refuse",
	[CONF_HOT_DIR_REFUSE + 1] = NULL
};

_Static_assert(sizeof(enum conf_transfer) == sizeof(int),
    "enum conf_transfer is not int-sized");
static const char *const transfers[] = {
	[CONF_TRANSFER_DIRECT] = "direct",
	[CONF_TRANSFER_RELAY] = "relay",
	[CONF_TRANSFER_RELAY + 1] = NULL
};

_Static_assert(sizeof(enum conf_yes_no) == sizeof(int),
    "enum conf_yes_no is not int-sized");
static const char *const no_yes[] = {
	[CONF_NO] = "no",
	[CONF_YES] = "yes",
	[CONF_YES + 1] = NULL
};

static const char *
check_address(const char *val)
{
	return conf_valid_address(val) ? NULL :
	    "is not an IP address or host name";
}

/* "any", or "LO-HI" with 1 <= LO <= HI <= 65535. */
static const char *
check_port_range(const char *val)
{
	uint16_t lo, hi;

	return conf_port_range(val, &lo, &hi) == 0 ? NULL :
	    "is not any or a port range LO-HI (1..65535)";
}

static const char *
check_daytime(const char *val)
{
	int m;

	return conf_daytime(val, &m) == 0 ? NULL :
	    "is not off or a time of day HH:MM (00:00..23:59)";
}

#define C_FIELD(f) CONF_FIELD(struct corral_conf, f)
#define KEY_STR(f, ch, chk, d) { .name = #f, .type = CONF_KEY_STRING, \
	C_FIELD(f), .choices = (ch), .check = (chk), .def = (d) }
#define KEY_PATH(f, d) { .name = #f, .type = CONF_KEY_PATH, \
	C_FIELD(f), .def = (d) }
#define KEY_UINT(f, lo, hi, d) { .name = #f, .type = CONF_KEY_UINT, \
	C_FIELD(f), .min = (lo), .max = (hi), .def = (d) }
#define KEY_ENUM(f, ch, d) { .name = #f, .type = CONF_KEY_ENUM, \
	C_FIELD(f), .choices = (ch), .def = (d) }

static const struct conf_key corral_keys[] = {
	/* both */
	KEY_STR(log_level, log_levels, NULL, "info"),
	/* master */
	KEY_PATH(socket,          "/run/corral/master.sock"),
	KEY_PATH(inventory,       "/var/lib/corral/inventory.db"),
	KEY_PATH(slaves,          "/etc/corral/slaves.conf"),
	KEY_PATH(backup,          "/etc/corral/backup.conf"),
	KEY_PATH(networks,        "/etc/corral/networks.conf"),
	KEY_PATH(create,          "/etc/corral/create.conf"),
	KEY_PATH(backup_store,    "/var/lib/corral/backup"),
	KEY_PATH(store,           "/var/lib/corral/store"),
	KEY_PATH(key,             "/etc/corral/id_ed25519"),
	KEY_PATH(known_hosts,     "/etc/corral/known_hosts"),
	KEY_UINT(poll_interval,   1, 86400, "30"),
	KEY_UINT(timeout,         1, 3600,  "10"),
	KEY_UINT(compress_level,  1, 9,     "1"),
	KEY_ENUM(transfer, transfers, "direct"),
	KEY_UINT(jobs_max,        1, 64,    "4"),
	KEY_UINT(jobs_per_host,   1, 64,    "2"),
	KEY_UINT(stall_timeout,   5, 86400, "120"),
	KEY_UINT(jobs_keep_days,  0, 36500, "90"),
	KEY_UINT(score_weight_mem,   0, 1000, "40"),
	KEY_UINT(score_weight_cpu,   0, 1000, "30"),
	KEY_UINT(score_weight_disk,  0, 1000, "20"),
	KEY_UINT(score_weight_count, 0, 1000, "10"),
	KEY_UINT(mem_ratio_max,      1, 1000, "100"),
	KEY_UINT(disk_ratio_max,     1, 100,  "90"),
	KEY_UINT(balance_min_gain,   0, 1000000, "1"),
	KEY_UINT(balance_cooldown,   0, 31536000, "21600"),
	KEY_STR(balance_at, NULL, check_daytime, "off"),
	KEY_UINT(keep_last,       0, 100000, "0"),
	KEY_UINT(keep_daily,      0, 100000, "0"),
	KEY_UINT(keep_weekly,     0, 100000, "0"),
	KEY_UINT(keep_monthly,    0, 100000, "0"),
	KEY_STR(backup_at, NULL, check_daytime, "off"),
	/* slave */
	KEY_STR(listen, NULL, check_address, "0.0.0.0"),
	KEY_UINT(port,            1, 65535, "7022"),
	KEY_STR(data_ports, NULL, check_port_range, "any"),
	KEY_PATH(host_key,        "/etc/corral/ssh_host_ed25519_key"),
	KEY_PATH(authorized_keys, "/etc/corral/authorized_keys"),
	KEY_PATH(lxcpath,         "/var/lib/lxc"),
	KEY_STR(storage, NULL, NULL, "dir:/var/lib/corral/storage"),
	KEY_PATH(mount_root,      "/var/lib/corral/mnt"),
	KEY_STR(lvm_fs, NULL, NULL, "ext4"),
	KEY_UINT(snapshot_share,     1, 100, "90"),
	KEY_UINT(snapshot_fill_warn, 1, 100, "80"),
	KEY_ENUM(hot_dir, hot_dirs, "freeze"),
	KEY_ENUM(carry_hooks, no_yes, "no"),
};

static const struct conf_kv_file corral_file =
    CONF_KV_FILE(struct corral_conf, corral_keys);

void
corral_conf_defaults(struct corral_conf *c)
{
	conf_kv_defaults(&corral_file, c);
}

int
corral_conf_parse_mem_checked(const char *fname, const char *data,
    size_t len, struct corral_conf *c, conf_value_check_fn *check,
    struct conf_err *err)
{
	return conf_kv_parse(&corral_file, fname, data, len, c, check, err);
}

int
corral_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct corral_conf *c, struct conf_err *err)
{
	return conf_kv_parse(&corral_file, fname, data, len, c, NULL, err);
}

int
corral_conf_load_checked(const char *path, struct corral_conf *c,
    conf_value_check_fn *check, struct conf_err *err)
{
	return conf_kv_load(&corral_file, path, c, check, err);
}

int
corral_conf_load(const char *path, struct corral_conf *c,
    struct conf_err *err)
{
	return conf_kv_load(&corral_file, path, c, NULL, err);
}

size_t
corral_conf_keys(struct conf_key_info *out, size_t max)
{
	return conf_kv_info(&corral_file, out, max);
}

const char *
corral_conf_path(bool *explicit_path)
{
	const char *p = getenv("CORRAL_CONF");

	*explicit_path = p != NULL && *p != '\0';
	return *explicit_path ? p : CORRAL_CONF_DEFAULT;
}
