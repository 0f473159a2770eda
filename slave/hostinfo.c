/* corral-slave: the host's own report (HOST_INFO). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "msg.h"
#include "procstat.h"
#include "slave.h"

#define PROCSTAT_MAX 4096     /* the cpu line comes first */

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

/* The host's CPU time (procstat.h); 0 and 0 when unreadable. */
static void
read_cpu(uint64_t *busy, uint64_t *total)
{
	char text[PROCSTAT_MAX];
	size_t n;
	FILE *f;

	*busy = *total = 0;
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	(void)procstat_cpu(text, busy, total);
}

int
slave_host_info(struct slave_ctx *ctx, struct msg_host_info *m)
{
	struct sysinfo si;
	struct storage_usage u;
	char err[256];
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
	read_cpu(&m->cpu_busy, &m->cpu_total);
	snprintf(m->storage_backend, sizeof(m->storage_backend), "%s",
	    ctx->storage.ops->name);
	if (ctx->storage.ops->usage(&ctx->storage, &u, err, sizeof(err)) == 0) {
		m->storage_total = u.size;
		m->storage_free = u.free;
	}
	if ((count = slave_container_count(ctx)) > 0)
		m->containers = (uint32_t)count;
	snprintf(m->version, sizeof(m->version), "%s", ctx->software);
	return 0;
}
