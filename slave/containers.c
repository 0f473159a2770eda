/* corral-slave: containers as liblxc sees them (CT_LIST). */
#include <ctype.h>
#include <fcntl.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

#include "msg.h"
#include "slave.h"

int
slave_container_count(struct slave_ctx *ctx)
{
	return list_all_containers(ctx->conf.lxcpath, NULL, NULL);
}

/* A cgroup value as a number; "max", absent and errors give 0.  cgroup v1
 * reports "no limit" as a huge page-rounded number: that is 0 too. */
static uint64_t
cgroup_u64(struct lxc_container *c, const char *key)
{
	char buf[64];
	uint64_t v;
	int n = c->get_cgroup_item(c, key, buf, sizeof(buf));

	if (n <= 0 || (size_t)n >= sizeof(buf) || strncmp(buf, "max", 3) == 0)
		return 0;
	v = strtoull(buf, NULL, 10);
	return v >= (1ULL << 62) ? 0 : v;
}

/* CPU time in microseconds: cgroup v2 cpu.stat, else v1 cpuacct.usage. */
static uint64_t
cgroup_cpu_usec(struct lxc_container *c)
{
	char buf[1024];
	char *p;
	int n = c->get_cgroup_item(c, "cpu.stat", buf, sizeof(buf));

	if (n > 0 && (size_t)n < sizeof(buf)) {
		buf[n] = '\0';
		if ((p = strstr(buf, "usage_usec ")) != NULL)
			return strtoull(p + 11, NULL, 10);
	}
	return cgroup_u64(c, "cpuacct.usage") / 1000;
}

/* Without a cgroup of its own (LXC could not set one up), a container's
 * use is the sum over the processes of its PID namespace. */
int
slave_pidns_walk(pid_t init, void (*fn)(const char *pid, void *arg),
    void *arg)
{
	char path[64];
	struct stat ns, st;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	if (stat(path, &ns) != 0 || (d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/pid", e->d_name);
		if (stat(path, &st) == 0 && st.st_ino == ns.st_ino &&
		    st.st_dev == ns.st_dev)
			fn(e->d_name, arg);
	}
	closedir(d);
	return 0;
}

struct usage {
	uint64_t rss, cpu_usec;
};

static void
add_usage(const char *pid, void *arg)
{
	struct usage *u = arg;
	char path[64], buf[1024], *p;
	unsigned long long utime, stime, pages;
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/statm", pid);
	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%*u %llu", &pages) == 1)
			u->rss += pages * (uint64_t)page;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	/* fields after the ")" that ends the command name: state is field
	 * 3, utime 14, stime 15 */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &utime, &stime) == 2 && hz > 0)
		u->cpu_usec += (utime + stime) * 1000000ULL / (uint64_t)hz;
	fclose(f);
}

/* Memory and CPU of every process in the container's PID namespace, for
 * hosts where LXC made no cgroup of its own. */
static void
proc_usage(pid_t init, uint64_t *rss, uint64_t *cpu_usec)
{
	struct usage u = { 0, 0 };

	(void)slave_pidns_walk(init, add_usage, &u);
	*rss = u.rss;
	*cpu_usec = u.cpu_usec;
}

static void
config_item(struct lxc_container *c, const char *key, char *out, size_t len)
{
	int n;

	out[0] = '\0';
	n = c->get_config_item(c, key, out, (int)len);
	if (n < 0 || (size_t)n >= len)
		out[0] = '\0';
}

#define NET_MAX 32   /* interfaces a config's addresses are read from */

/* The IPv4 addresses its config gives its interfaces (every
 * lxc.net.N.ipv4.address, LXC's lines of one key each), without the
 * prefix, comma-separated: what a stopped container will have, which the
 * master's address checks (create, put) see as its.  Those that do not
 * fit in len are left out. */
static void
config_ipv4(struct lxc_container *c, char *out, size_t len)
{
	char key[64], buf[1024], *line, *save = NULL;
	size_t off = 0, n;
	int i, w;

	out[0] = '\0';
	for (i = 0; i < NET_MAX; i++) {
		snprintf(key, sizeof(key), "lxc.net.%d.type", i);
		config_item(c, key, buf, sizeof(buf));
		if (buf[0] == '\0')
			break;
		snprintf(key, sizeof(key), "lxc.net.%d.ipv4.address", i);
		config_item(c, key, buf, sizeof(buf));
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if ((n = strcspn(line, "/ \t")) == 0)
				continue;
			w = snprintf(out + off, len - off, "%s%.*s",
			    off ? "," : "", (int)n, line);
			if (w > 0 && (size_t)w < len - off)
				off += (size_t)w;
			else
				out[off] = '\0';
		}
	}
}

/* Comma-separated IPv4 addresses of a running container; those its config
 * gives it if LXC cannot say. */
static void
container_ipv4(struct lxc_container *c, char *out, size_t len)
{
	char **ips, **p;
	size_t off = 0;

	out[0] = '\0';
	if (!c->is_running(c) ||
	    (ips = c->get_ips(c, NULL, "inet", 0)) == NULL) {
		config_ipv4(c, out, len);
		return;
	}
	for (p = ips; *p != NULL; p++) {
		int n = snprintf(out + off, len - off, "%s%s", off ? "," : "",
		    *p);
		if (n > 0 && (size_t)n < len - off)
			off += (size_t)n;
		free(*p);
	}
	free(ips);
}

/* Bytes used under directory fd dfd: a walk on held directory fds that
 * never follows a symlink nor leaves the filesystem (a container's rootfs
 * is hostile ground), bounded in depth. */
static uint64_t
du_fd(int dfd, dev_t dev, int depth)
{
	struct dirent *e;
	struct stat st;
	uint64_t sum = 0;
	DIR *d;
	int fd;

	if (depth > 64 || (d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		sum += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev)
			continue;
		fd = openat(dirfd(d), e->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			sum += du_fd(fd, dev, depth + 1);
	}
	closedir(d);
	return sum;
}

static uint64_t
dir_usage(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return 0;
	}
	return (uint64_t)st.st_blocks * 512 + du_fd(fd, st.st_dev, 0);
}

static void
fill_ct(struct lxc_container *c, struct msg_ct_info *m)
{
	const struct storage_ops *ops;
	char buf[4096], dir[4096];
	const char *state;
	size_t i;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", c->name);
	state = c->state(c);
	snprintf(m->state, sizeof(m->state), "%s", state ? state : "unknown");
	for (i = 0; m->state[i]; i++)
		m->state[i] = (char)tolower((unsigned char)m->state[i]);
	config_item(c, "lxc.start.auto", buf, sizeof(buf));
	m->autostart = strcmp(buf, "1") == 0;
	config_ipv4(c, m->ipv4_config, sizeof(m->ipv4_config));
	if (c->is_running(c)) {
		container_ipv4(c, m->ipv4, sizeof(m->ipv4));
		if ((m->mem_used = cgroup_u64(c, "memory.current")) == 0)
			m->mem_used = cgroup_u64(c, "memory.usage_in_bytes");
		if ((m->mem_limit = cgroup_u64(c, "memory.max")) == 0)
			m->mem_limit = cgroup_u64(c, "memory.limit_in_bytes");
		m->cpu_usec = cgroup_cpu_usec(c);
		if (m->mem_used == 0)
			proc_usage(c->init_pid(c), &m->mem_used, &m->cpu_usec);
	}
	config_item(c, "lxc.rootfs.path", buf, sizeof(buf));
	if ((ops = storage_of_rootfs(buf, dir, sizeof(dir))) != NULL)
		snprintf(m->backend, sizeof(m->backend), "%s", ops->name);
	if (ops != NULL && ops->rootfs_bytes != NULL)
		m->rootfs_bytes = ops->rootfs_bytes(buf);
	else if (dir[0] != '\0')
		m->rootfs_bytes = dir_usage(dir);
}

int
slave_containers(struct slave_ctx *ctx, const char *name,
    struct msg_ct_info **out, size_t *nout, char *err, size_t errlen)
{
	struct lxc_container **cts = NULL;
	char **names = NULL;
	struct msg_ct_info *v = NULL;
	size_t n = 0;
	int count, i;

	*out = NULL;
	*nout = 0;
	count = list_all_containers(ctx->conf.lxcpath, &names, &cts);
	if (count < 0) {
		snprintf(err, errlen, "cannot list containers in %s",
		    ctx->conf.lxcpath);
		return -1;
	}
	if (count > 0 && (v = calloc((size_t)count, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		count = -count;  /* still free what liblxc gave us */
	}
	for (i = 0; i < (count < 0 ? -count : count); i++) {
		if (v != NULL && (name == NULL || *name == '\0' ||
		    strcmp(name, cts[i]->name) == 0))
			fill_ct(cts[i], &v[n++]);
		lxc_container_put(cts[i]);
		free(names[i]);
	}
	free(cts);
	free(names);
	if (count < 0)
		return -1;
	*out = v;
	*nout = n;
	return 0;
}
