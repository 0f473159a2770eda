/* corral-slave: a container's limits (CT_LIMIT, and those CT_NEW gives a
 * new one).  Memory, processes and CPU are cgroup keys of its config in
 * this host's hierarchy, v2 or v1 (one row each below), so that they last
 * a restart; a running container gets them in its cgroup first, so that a
 * value the kernel refuses (memory below what it uses) changes nothing.
 * Disk is its volume's size, on backends whose volumes have one. */
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <lxc/lxccontainer.h>

#include "log.h"
#include "msg.h"
#include "reqloop.h"
#include "slave.h"

MSG_ENC(msg_limit)

#define MIB         (1024ull * 1024ull)
#define CPU_PERIOD  100000u          /* us: the kernel's default period */

/* The file names of one cgroup hierarchy, and how it says "no limit". */
static const struct cg_version {
	const char *prefix;              /* of the config keys */
	const char *mem, *mem_none;
	const char *cpu, *cpu_none;      /* v2: "QUOTA PERIOD"; v1: quota */
	const char *period;              /* v1 only */
} cg_v2 = {
	"lxc.cgroup2.", "memory.max", "max", "cpu.max", "max 100000", NULL,
}, cg_v1 = {
	"lxc.cgroup.", "memory.limit_in_bytes", "-1", "cpu.cfs_quota_us", "-1",
	"cpu.cfs_period_us",
};
#define PIDS      "pids.max"
#define PIDS_NONE "max"

static const struct cg_version *
host_cgroup(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) == 0 &&
	    sf.f_type == CGROUP2_SUPER_MAGIC)
		return &cg_v2;
	return &cg_v1;
}

/* The first value of config key PREFIX+key, or "" */
static void
conf_value(struct lxc_container *c, const struct cg_version *v,
    const char *key, char *out, size_t len)
{
	char k[64];
	int n;

	out[0] = '\0';
	snprintf(k, sizeof(k), "%s%s", v->prefix, key);
	n = c->get_config_item(c, k, out, (int)len);
	if (n <= 0 || (size_t)n >= len) {
		out[0] = '\0';
		return;
	}
	out[strcspn(out, "\n")] = '\0';
}

/* A number of the config; 0 for none, "max", "-1" or junk. */
static uint64_t
conf_u64(struct lxc_container *c, const struct cg_version *v,
    const char *key)
{
	char buf[64], *end;
	unsigned long long x;

	conf_value(c, v, key, buf, sizeof(buf));
	if (buf[0] < '0' || buf[0] > '9')
		return 0;
	x = strtoull(buf, &end, 10);
	return (*end == '\0' || *end == ' ') ? x : 0;
}

/* The config's memory limit in bytes, read as the kernel reads the file
 * LXC writes it to, and as the master reads a stored version's
 * (conf_parse_memsize); 0 for none or junk. */
static uint64_t
conf_mem(struct lxc_container *c, const struct cg_version *v)
{
	char buf[64];
	uint64_t x;

	conf_value(c, v, v->mem, buf, sizeof(buf));
	return conf_parse_memsize(buf, strlen(buf), &x) == 0 ? x : 0;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void
read_cpu(struct lxc_container *c, const struct cg_version *v,
    struct msg_limits *l)
{
	char buf[64], *sp;
	uint64_t quota = 0, period = 0;
	uint32_t g;

	conf_value(c, v, v->cpu, buf, sizeof(buf));
	if (v->period == NULL) {
		if ((sp = strchr(buf, ' ')) != NULL && buf[0] >= '0' &&
		    buf[0] <= '9') {
			quota = strtoull(buf, NULL, 10);
			period = strtoull(sp + 1, NULL, 10);
		}
	} else {
		quota = conf_u64(c, v, v->cpu);
		period = conf_u64(c, v, v->period);
		if (quota != 0 && period == 0)
			period = CPU_PERIOD;
	}
	/* more than one CPU is no limit in this scheme */
	if (quota == 0 || period == 0 || quota > period ||
	    period > UINT32_MAX)
		return;
	g = gcd((uint32_t)quota, (uint32_t)period);
	l->cpu_num = (uint32_t)quota / g;
	l->cpu_den = (uint32_t)period / g;
}

/* Bytes of the file system at the root of running container c, where
 * volumes have a size of their own; else 0. */
static uint32_t
disk_mb(struct slave_ctx *ctx, struct lxc_container *c)
{
	struct statvfs sv;
	char root[64];
	pid_t pid;

	if (ctx->storage.ops->grow == storage_nop_size || !c->is_running(c) ||
	    (pid = c->init_pid(c)) <= 0)
		return 0;
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (statvfs(root, &sv) != 0)
		return 0;
	return (uint32_t)((uint64_t)sv.f_blocks * sv.f_frsize / MIB);
}

void
slave_limits_read(struct slave_ctx *ctx, struct lxc_container *c,
    struct msg_limits *l)
{
	const struct cg_version *v = host_cgroup();

	memset(l, 0, sizeof(*l));
	l->memory_mb = (uint32_t)(conf_mem(c, v) / MIB);
	l->proc = (uint32_t)conf_u64(c, v, PIDS);
	read_cpu(c, v, l);
	l->disk_mb = disk_mb(ctx, c);
}

/* No line for PREFIX+key in c's config */
static bool
drop_key(struct lxc_container *c, const struct cg_version *v,
    const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", v->prefix, key);
	return c->clear_config_item(c, k);
}

/* key = val in the running cgroup, then in the config (none: no line);
 * the other hierarchy's line for it goes, if a config from another host
 * had one. */
static int
set_key(struct lxc_container *c, const struct cg_version *v,
    const char *key, const char *other, const char *val, bool none,
    bool running, char *err, size_t errlen)
{
	const struct cg_version *o = v == &cg_v2 ? &cg_v1 : &cg_v2;
	char k[64];

	snprintf(k, sizeof(k), "%s%s", v->prefix, key);
	if (running && !c->set_cgroup_item(c, key, val)) {
		snprintf(err, errlen, "its cgroup refused %s = %s", key, val);
		return -1;
	}
	if (!drop_key(c, v, key) || !drop_key(c, o, other) ||
	    (!none && !c->set_config_item(c, k, val))) {
		snprintf(err, errlen, "cannot set %s = %s in its config", k,
		    val);
		return -1;
	}
	return 0;
}

static int
set_cpu(struct lxc_container *c, const struct cg_version *v,
    const struct msg_limits *l, bool running, char *err, size_t errlen)
{
	char val[32], per[16];
	bool none = l->cpu_num == 0;
	uint64_t quota = none ? 0 :
	    (uint64_t)CPU_PERIOD * l->cpu_num / l->cpu_den;

	/* the kernel's smallest quota is 1 ms */
	if (!none && quota < 1000)
		quota = 1000;
	if (v->period == NULL) {
		if (none)
			snprintf(val, sizeof(val), "%s", v->cpu_none);
		else
			snprintf(val, sizeof(val), "%llu %u",
			    (unsigned long long)quota, CPU_PERIOD);
		/* a v1 config's period goes with its quota */
		(void)drop_key(c, &cg_v1, cg_v1.period);
		return set_key(c, v, v->cpu, cg_v1.cpu, val, none, running,
		    err, errlen);
	}
	snprintf(per, sizeof(per), "%u", CPU_PERIOD);
	if (none)
		snprintf(val, sizeof(val), "%s", v->cpu_none);
	else
		snprintf(val, sizeof(val), "%llu", (unsigned long long)quota);
	/* the period before the quota it is the unit of */
	if (set_key(c, v, v->period, cg_v2.cpu, per, none, running, err,
	    errlen) != 0)
		return -1;
	return set_key(c, v, v->cpu, cg_v2.cpu, val, none, running, err,
	    errlen);
}

int
slave_limits_apply(struct lxc_container *c, uint32_t set,
    const struct msg_limits *l, char *err, size_t errlen)
{
	const struct cg_version *v = host_cgroup();
	bool running = c->is_running(c);
	char val[32];

	if (set & MSG_LIM_MEMORY) {
		if (l->memory_mb == 0)
			snprintf(val, sizeof(val), "%s", v->mem_none);
		else
			snprintf(val, sizeof(val), "%llu",
			    (unsigned long long)l->memory_mb * MIB);
		if (set_key(c, v, v->mem, v == &cg_v2 ? cg_v1.mem : cg_v2.mem,
		    val, l->memory_mb == 0, running, err, errlen) != 0)
			return -1;
	}
	if (set & MSG_LIM_PROC) {
		if (l->proc == 0)
			snprintf(val, sizeof(val), "%s", PIDS_NONE);
		else
			snprintf(val, sizeof(val), "%u", l->proc);
		if (set_key(c, v, PIDS, PIDS, val, l->proc == 0, running, err,
		    errlen) != 0)
			return -1;
	}
	if ((set & MSG_LIM_CPU) &&
	    set_cpu(c, v, l, running, err, errlen) != 0)
		return -1;
	return 0;
}

static int
limit(struct slave_ctx *ctx, struct lxc_container *c, const void *req,
    void *rep, char *err, size_t errlen)
{
	const struct msg_limit_req *q = req;
	struct msg_limit *a = rep;
	struct storage *s = &ctx->storage;

	if ((q->set & MSG_LIM_DISK) && s->ops->grow == storage_nop_size) {
		snprintf(err, errlen, "the %s backend's volumes have no size "
		    "to change", s->ops->name);
		return -1;
	}
	if (q->set != 0 &&
	    slave_limits_apply(c, q->set, &q->lim, err, errlen) != 0)
		return -1;
	if (q->set != 0 && !c->save_config(c, NULL)) {
		snprintf(err, errlen, "cannot write its config");
		return -1;
	}
	if ((q->set & MSG_LIM_DISK) && s->ops->grow(s, q->ct,
	    (uint64_t)q->lim.disk_mb * MIB, err, errlen) != 0)
		return -1;
	slave_limits_read(ctx, c, &a->lim);
	if (q->set != 0)
		log_info("LIMIT %s: memory %u MiB, disk %u MiB, proc %u, "
		    "cpu %u/%u", q->ct, a->lim.memory_mb, a->lim.disk_mb,
		    a->lim.proc, a->lim.cpu_num, a->lim.cpu_den);
	return 0;
}

int
slave_handle_limit(struct reqloop *l, const struct frame *f)
{
	struct msg_limit_req q;
	struct msg_limit a;
	int r;

	if ((r = msg_limit_req_decode(f->payload, &q)) != 0)
		return r;
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	return slave_ct_request(l, f, "LIMIT", q.ct, q.all, limit, &q, &a,
	    MSG_CT_LIMIT, msg_limit_enc);
}
