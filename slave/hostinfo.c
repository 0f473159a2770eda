/* corral-slave: the host's own report (HOST_INFO). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "msg.h"
#include "slave.h"

/* MemTotal and MemAvailable from /proc/meminfo, in bytes. */
static void
read_meminfo(uint64_t *total, uint64_t *avail)
{
	char line[256];
	unsigned long long kb;
	FILE *f;

	*total = *avail = 0;
	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;

		if (strncmp(line, "MemTotal:", 9) == 0) {
			kb = strtoull(line + 9, &end, 10);
			*total = kb * 1024;
		} else if (strncmp(line, "MemAvailable:", 13) == 0) {
			kb = strtoull(line + 13, &end, 10);
			*avail = kb * 1024;
		}
	}
	fclose(f);
}

/* "dir:/path" -> backend "dir", path "/path". */
static void
split_storage(const char *spec, char *backend, size_t blen, const char **path)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (n >= blen)
		n = blen - 1;
	memcpy(backend, spec, n);
	backend[n] = '\0';
	*path = colon ? colon + 1 : "";
}

int
slave_host_info(struct slave_ctx *ctx, struct msg_host_info *m)
{
	struct sysinfo si;
	struct statvfs vfs;
	const char *path;
	long cores;
	int count;

	memset(m, 0, sizeof(*m));
	if (gethostname(m->hostname, sizeof(m->hostname) - 1) != 0)
		snprintf(m->hostname, sizeof(m->hostname), "unknown");
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	m->cores = cores > 0 ? (uint32_t)cores : 1;
	if (sysinfo(&si) == 0) {
		/* loads are fixed point with SI_LOAD_SHIFT (16) fraction bits */
		m->load1 = (uint32_t)(((uint64_t)si.loads[0] * 1000) >> 16);
		m->load5 = (uint32_t)(((uint64_t)si.loads[1] * 1000) >> 16);
		m->load15 = (uint32_t)(((uint64_t)si.loads[2] * 1000) >> 16);
		m->uptime = (uint64_t)si.uptime;
	}
	read_meminfo(&m->mem_total, &m->mem_available);
	split_storage(ctx->conf.storage, m->storage_backend,
	    sizeof(m->storage_backend), &path);
	if (path[0] == '/' && statvfs(path, &vfs) == 0) {
		m->storage_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		m->storage_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	}
	if ((count = slave_container_count(ctx)) > 0)
		m->containers = (uint32_t)count;
	snprintf(m->version, sizeof(m->version), "%s", ctx->software);
	return 0;
}
