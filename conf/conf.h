/* corral: parsers for the configuration files.
 *
 *   corral.conf    key = value settings of master and slave
 *   slaves.conf    name[:opt[,opt=val]...] per line (VS-Tools compatible)
 *   backup.conf    container:hot|cold per line
 *   networks.conf  vlan,net/prefix,gateway[,domain[,ns ns...]] per line
 *   create.conf    key = value defaults for new containers
 *
 * Every parser reads the whole file (at most CONF_FILE_MAX bytes), rejects
 * lines over CONF_LINE_MAX, and on the first error fills err->msg with
 * "FILE:LINE: what is wrong" and returns -1.  Nothing is skipped silently:
 * unknown keys or options, duplicates and bad values are errors.  The _mem
 * variants parse a buffer (fname is used in messages only); they are what
 * the fuzzers drive.  The list parsers (slaves, backup, networks) overwrite
 * their out-struct without freeing it and leave it empty on error; their
 * *_free() accepts a zeroed, failed or filled struct.  fname and path appear
 * in messages as given.
 */
#ifndef CORRAL_CONF_H
#define CORRAL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_LINE_MAX 1024          /* bytes per line, without newline */
#define CONF_FILE_MAX (1024 * 1024) /* bytes per file */
#define CONF_NAME_MAX 64            /* host or container name, with NUL */
#define CONF_ADDR_MAX 256           /* host name or address, with NUL */
#define CONF_PATH_MAX 4096
#define CONF_DOMAIN_MAX 254
#define CONF_NS_MAX 4               /* name servers per network */

struct conf_err {
	char msg[512];
};

/* A key of corral.conf or create.conf with its default as it would be
 * written in the file (NULL when the field starts empty or zero).  Lets
 * tests and documentation walk the parsers' key tables. */
struct conf_key_info {
	const char *name;
	const char *def;
};

/* ---- corral.conf ---- */

enum conf_hot_dir { CONF_HOT_DIR_FREEZE, CONF_HOT_DIR_REFUSE };
enum conf_transfer { CONF_TRANSFER_DIRECT, CONF_TRANSFER_RELAY };
enum conf_yes_no { CONF_NO, CONF_YES };

struct corral_conf {
	/* both */
	char log_level[16];            /* error|warning|notice|info|debug */
	/* master */
	char socket[CONF_PATH_MAX];    /* CLI socket */
	char inventory[CONF_PATH_MAX]; /* SQLite file */
	char slaves[CONF_PATH_MAX];    /* slaves.conf */
	char backup[CONF_PATH_MAX];    /* backup.conf */
	char networks[CONF_PATH_MAX];  /* networks.conf, read at each create */
	char create[CONF_PATH_MAX];    /* create.conf, read at each create */
	char backup_store[CONF_PATH_MAX];
	char store[CONF_PATH_MAX];     /* the store of container versions */
	char key[CONF_PATH_MAX];       /* master's private key */
	char known_hosts[CONF_PATH_MAX];
	uint32_t poll_interval;        /* seconds */
	uint32_t timeout;              /* seconds, per slave request */
	uint32_t compress_level;       /* zlib level 1..9 for compressing hosts */
	enum conf_transfer transfer;   /* direct | relay */
	uint32_t jobs_max;             /* jobs running at once */
	uint32_t jobs_per_host;        /* of them, with a host as src or dst */
	uint32_t stall_timeout;        /* seconds without progress: failed */
	uint32_t jobs_keep_days;       /* ended jobs forgotten after; 0: kept */
	/* placement and balance (master/place.h says how they count) */
	uint32_t score_weight_mem;     /* weights of the host score's terms */
	uint32_t score_weight_cpu;
	uint32_t score_weight_disk;
	uint32_t score_weight_count;
	uint32_t mem_ratio_max;        /* % of a host's memory committed */
	uint32_t disk_ratio_max;       /* % of a host's storage used */
	uint32_t balance_min_gain;     /* score points squared */
	uint32_t balance_cooldown;     /* seconds */
	char balance_at[8];            /* off | HH:MM, the nightly run */
	/* backups: retention (0: the rule is off) and the nightly run */
	uint32_t keep_last, keep_daily, keep_weekly, keep_monthly;
	char backup_at[8];             /* "off" or HH:MM (UTC) */
	/* slave */
	char listen[CONF_ADDR_MAX];
	uint16_t port;
	char data_ports[16];           /* any | LO-HI: direct transfers listen */
	char host_key[CONF_PATH_MAX];
	char authorized_keys[CONF_PATH_MAX];
	char lxcpath[CONF_PATH_MAX];
	/* storage and lvm_fs are stored as written: what they may be is
	 * the storage backends' business (see conf_value_check_fn) */
	char storage[CONF_PATH_MAX];   /* NAME:ARG, e.g. dir:/path */
	char mount_root[CONF_PATH_MAX]; /* lvm: where volumes are mounted */
	char lvm_fs[8];                /* lvm: the file system of volumes */
	uint32_t snapshot_share;       /* % of a VG given to LVs at most */
	uint32_t snapshot_fill_warn;   /* % fill that is reported */
	enum conf_hot_dir hot_dir;     /* dir backend: freeze | refuse */
	enum conf_yes_no carry_hooks;  /* a config from another host may
	                                  have hooks, network scripts */
};

/* A time of day as corral.conf writes it (backup_at): "off" is -1 in
 * *minute, "HH:MM" (00:00..23:59) the minutes since midnight.  0, or -1 if
 * s is neither. */
int conf_daytime(const char *s, int *minute);

/* Fill c with the documented defaults (see conf/corral.conf). */
/* Where corral.conf is: $CORRAL_CONF when set (*explicit_path true: it
 * must exist), else CORRAL_CONF_DEFAULT. */
#define CORRAL_CONF_DEFAULT "/etc/corral/corral.conf"
const char *corral_conf_path(bool *explicit_path);
void corral_conf_defaults(struct corral_conf *c);
/* data_ports: "any" is 0-0 (an ephemeral port); 0, or -1 if invalid. */
int conf_port_range(const char *val, uint16_t *lo, uint16_t *hi);
/* Parse over the current contents of c (so call defaults first); c is
 * changed only if the whole file is valid. */
int corral_conf_load(const char *path, struct corral_conf *c,
    struct conf_err *err);
int corral_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct corral_conf *c, struct conf_err *err);
/* Asked about every value before its key's own parser, for keys whose
 * meaning another module owns (storage and its backends' keys: the
 * slave's storage_conf_check()).  0 if val is fine for key, or key is none
 * of its business; else -1 with why filled with the quoted value and what
 * is wrong ("'x' is not ..."), reported as "FILE:LINE: key: why". */
typedef int conf_value_check_fn(const char *key, const char *val, char *why,
    size_t whylen);
/* The same, also asking check (may be NULL) about every value. */
int corral_conf_load_checked(const char *path, struct corral_conf *c,
    conf_value_check_fn *check, struct conf_err *err);
int corral_conf_parse_mem_checked(const char *fname, const char *data,
    size_t len, struct corral_conf *c, conf_value_check_fn *check,
    struct conf_err *err);
/* Store up to max keys into out, in table order; returns the number of
 * keys (more than max means out was too small). */
size_t corral_conf_keys(struct conf_key_info *out, size_t max);

/* ---- slaves.conf ---- */

struct slave_entry {
	char name[CONF_NAME_MAX];
	char address[CONF_ADDR_MAX];   /* defaults to name */
	uint16_t port;                 /* 0 = corral.conf's default */
	bool noselect;
	bool compress;
	uint64_t bwlimit;              /* bytes per second, 0 = none */
	unsigned line;                 /* where it was defined */
};

struct slaves_conf {
	struct slave_entry *v;
	size_t n;
};

int slaves_conf_load(const char *path, struct slaves_conf *s,
    struct conf_err *err);
int slaves_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct slaves_conf *s, struct conf_err *err);
void slaves_conf_free(struct slaves_conf *s);
const struct slave_entry *slaves_conf_find(const struct slaves_conf *s,
    const char *name);

/* ---- backup.conf ---- */

enum backup_mode { BACKUP_HOT, BACKUP_COLD };

struct backup_entry {
	char name[CONF_NAME_MAX];
	enum backup_mode mode;
	unsigned line;
};

struct backup_conf {
	struct backup_entry *v;
	size_t n;
};

int backup_conf_load(const char *path, struct backup_conf *b,
    struct conf_err *err);
int backup_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct backup_conf *b, struct conf_err *err);
void backup_conf_free(struct backup_conf *b);

/* ---- networks.conf ---- */

struct net_addr {
	int family;                    /* AF_INET or AF_INET6 */
	uint8_t a[16];                 /* network byte order */
};

struct network_entry {
	uint16_t vlan;                 /* 0 = untagged, else 1..4094 */
	char bridge[16];               /* "" = on create.conf's device */
	struct net_addr net;           /* network address, no host bits */
	uint8_t prefix;
	struct net_addr gateway;       /* inside net */
	char domain[CONF_DOMAIN_MAX];  /* "" if absent */
	struct net_addr ns[CONF_NS_MAX];
	size_t n_ns;
	unsigned line;
};

struct networks_conf {
	struct network_entry *v;
	size_t n;
};

int networks_conf_load(const char *path, struct networks_conf *n,
    struct conf_err *err);
int networks_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct networks_conf *n, struct conf_err *err);
void networks_conf_free(struct networks_conf *n);
/* The first network of n (in file order) that holds a, or NULL. */
const struct network_entry *networks_find(const struct networks_conf *n,
    const struct net_addr *a);
/* NULL if a may be a container's address in e (which holds it), else why
 * not: "is the network address", "is the gateway", "is the broadcast
 * address". */
const char *network_host_check(const struct network_entry *e,
    const struct net_addr *a);

/* ---- create.conf ---- */

enum create_method { CREATE_DEBOOTSTRAP, CREATE_TEMPLATE, CREATE_LXC_TEMPLATE };

struct create_conf {
	char device[32];               /* host bridge or interface */
	uint32_t mtu;
	char domain[CONF_DOMAIN_MAX];
	struct net_addr ns[CONF_NS_MAX];
	size_t n_ns;
	uint8_t prefix;                /* default prefix length */
	uint32_t disk_mb, rss_mb, tmpfs_mb; /* 0 = unlimited */
	uint32_t proc;                 /* process limit, 0 = unlimited */
	uint32_t cpu_num, cpu_den;     /* CPU ratio, e.g. 9/10 */
	enum create_method method;
	char template[CONF_PATH_MAX];  /* tarball or lxc template name */
	char distro[32];               /* for debootstrap */
};

void create_conf_defaults(struct create_conf *c);
int create_conf_load(const char *path, struct create_conf *c,
    struct conf_err *err);
int create_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct create_conf *c, struct conf_err *err);
size_t create_conf_keys(struct conf_key_info *out, size_t max);

/* ---- value parsers shared by the files and the CLI ---- */

/* "512k", "10m", "1g" (per second, powers of 1024); a bare number is KiB
 * as in rsync's --bwlimit.  0 on success. */
int conf_parse_rate(const char *s, uint64_t *bytes_per_sec);
/* A memory limit of an LXC config, [s, s + len), in bytes: the value LXC
 * writes as it is to the cgroup file (lxc.cgroup2.memory.max,
 * lxc.cgroup.memory.limit_in_bytes), read as the kernel reads that file
 * (page_counter_memparse, memparse): digits in the base strtoull(, 0)
 * guesses (hex after "0x", octal after a leading 0: the kernel takes
 * them, and a limit read otherwise would not be the one the container
 * gets), then one optional K, M, G, T, P or E (either case, powers of
 * 1024); "max" (v2) or "-1" (v1) is no limit: 0.  0, or -1 (no size, or
 * past 64 bits, where the kernel would wrap). */
int conf_parse_memsize(const char *s, size_t len, uint64_t *bytes);
/* A host or container name: 1..63 of [A-Za-z0-9._-], not starting with
 * '-' or '.'. */
bool conf_valid_name(const char *s);
/* An IPv4/IPv6 literal or a DNS host name. */
bool conf_valid_address(const char *s);
/* An IPv4 or IPv6 literal (no prefix, no zone).  0 on success. */
int conf_parse_ip(const char *s, struct net_addr *out);
/* Decimal digits only: no sign, no space, no trailing junk.  0 on success,
 * -1 if s is not such a number (or overflows), -2 if it is outside
 * min..max; *out is written only on success. */
int conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* A share of one CPU "N/D" with 0 < N <= D (9/10: nine tenths); 0, or -1
 * (num and den are written only on success). */
int conf_parse_ratio(const char *s, uint32_t *num, uint32_t *den);
/* An absolute path without control characters: NULL, or why not ("is not
 * an absolute path"). */
const char *conf_check_path(const char *s);

#endif
