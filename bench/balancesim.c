/* bench/balance.sh's tool (build/balance-sim): a seeded synthetic pool in
 * the master's inventory and in hbal's text format, and the scoring of a
 * plan from either tool by the same yardsticks.
 *
 *   balance-sim gen SEED HOSTS CTS DB HBAL UTIL
 *       Create the inventory DB (the master's schema, every host up) with
 *       HOSTS hosts of mixed sizes and CTS containers of uneven sizes
 *       placed on a skew (a few hosts take most), within the limits of
 *       corral.conf's defaults; write the same pool as hbal's text
 *       backend file HBAL (one node a host, one instance a container with
 *       the same memory, disk and vCPUs rounded up) and its CPU use as
 *       hbal's utilisation file UTIL (-U).
 *   balance-sim score DB [MOVES]
 *       Apply MOVES (lines "CONTAINER HOST") to the pool of DB and print,
 *       on one line: the moves, corral's imbalance (the standard
 *       deviation of the host scores), the standard deviations of memory
 *       use and of CPU use (in % of each host's), and how many hosts end
 *       over a limit.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "conf.h"
#include "inventory.h"
#include "place.h"
#include "placedb.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double
rnd01(uint64_t *s)
{
	return (double)(rnd(s) % 1000000) / 1e6;
}

#define OS_MEM (2 * GiB)   /* the host's own, outside the containers */

struct ghost {
	uint32_t cores;
	uint64_t mem, disk, mem_used, disk_used;
	double cpu;
};

struct gct {
	size_t host;
	uint64_t mem, disk;
	double cpu;
	bool placed;       /* false: no host had room in 200 draws */
};

/* The pool of seed: hosts of mixed sizes; containers uneven (a few big
 * ones, many small), each on a host drawn on a skew (u cubed: the
 * low-numbered hosts take most) that has room within the default limits.
 * Returns how many were placed. */
static size_t
draw_pool(uint64_t seed, struct ghost *h, size_t nh, struct gct *c,
    size_t nc)
{
	uint64_t s = seed * 2654435761u + 88172645463325252ull;
	size_t i, k, tries, x = 0, placed = 0;

	for (i = 0; i < nh; i++) {
		h[i].cores = 16u << (rnd(&s) % 3);
		h[i].mem = (64ull << (rnd(&s) % 3)) * GiB;
		h[i].disk = (2048ull << (rnd(&s) % 3)) * GiB;
		h[i].mem_used = OS_MEM;
	}
	for (k = 0; k < nc; k++) {
		c[k].mem = (256 * MiB) << (rnd(&s) % 6);
		c[k].disk = (2 * GiB) << (rnd(&s) % 5);
		c[k].cpu = 0.05 + rnd01(&s) * rnd01(&s) * 3.0;
		for (tries = 0; tries < 200; tries++) {
			double u = rnd01(&s);

			x = (size_t)(u * u * u * (double)nh);
			if (h[x].mem_used + c[k].mem <= h[x].mem &&
			    h[x].disk_used + c[k].disk <=
			    0.9 * (double)h[x].disk)
				break;
		}
		if (tries == 200)
			continue;
		c[k].host = x;
		c[k].placed = true;
		h[x].mem_used += c[k].mem;
		h[x].disk_used += c[k].disk;
		h[x].cpu += c[k].cpu;
		placed++;
	}
	return placed;
}

static int
exec_or_die(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "balance-sim: %s\n", err ? err : "sqlite");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int
gen(uint64_t seed, size_t nh, size_t nc, const char *dbpath,
    const char *hbal, const char *util)
{
	struct inventory *inv;
	struct ghost *h;
	struct gct *c;
	sqlite3 *db;
	sqlite3_stmt *hs = NULL, *cs = NULL;
	FILE *hf, *uf;
	char err[512], name[64];
	size_t i, k, placed = 0;
	int rc = 1;

	/* the master's own schema */
	if ((inv = inventory_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "balance-sim: %s\n", err);
		return 1;
	}
	inventory_close(inv);
	h = calloc(nh + 1, sizeof(*h));
	c = calloc(nc + 1, sizeof(*c));
	if (h == NULL || c == NULL) {
		free(h);
		free(c);
		return 1;
	}
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return 1;
	hf = fopen(hbal, "w");
	uf = fopen(util, "w");
	if (hf == NULL || uf == NULL) {
		perror("balance-sim: output");
		goto out;
	}
	if (exec_or_die(db, "BEGIN") != 0 ||
	    sqlite3_prepare_v2(db, "INSERT INTO hosts (name, address, port,"
	    " state, cores, load1, load5, load15, mem_total, mem_available,"
	    " storage_backend, storage_total, storage_free, containers,"
	    " last_seen) VALUES (?1, ?1, 7022, 'up', ?2, ?3, ?3, ?3, ?4, ?5,"
	    " 'dir', ?6, ?7, ?8, ?9)", -1, &hs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO containers (host, name, state,"
	    " mem_used, mem_limit, cpu_usec, backend, rootfs_bytes, last_seen,"
	    " cpu_milli) VALUES (?1, ?2, 'running', ?3, ?3, 0, 'dir', ?4, ?5,"
	    " ?6)", -1, &cs, NULL) != SQLITE_OK) {
		fprintf(stderr, "balance-sim: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	placed = draw_pool(seed, h, nh, c, nc);
	fprintf(hf, "default|fake-uuid-01|preferred||\n\n");
	for (i = 0; i < nh; i++) {
		snprintf(name, sizeof(name), "h%04zu", i);
		sqlite3_reset(hs);
		sqlite3_bind_text(hs, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(hs, 2, h[i].cores);
		sqlite3_bind_int64(hs, 3, (sqlite3_int64)llround(h[i].cpu *
		    1000));
		sqlite3_bind_int64(hs, 4, (sqlite3_int64)h[i].mem);
		sqlite3_bind_int64(hs, 5, (sqlite3_int64)(h[i].mem -
		    h[i].mem_used));
		sqlite3_bind_int64(hs, 6, (sqlite3_int64)h[i].disk);
		sqlite3_bind_int64(hs, 7, (sqlite3_int64)(h[i].disk -
		    h[i].disk_used));
		sqlite3_bind_int64(hs, 8, 0);
		sqlite3_bind_int64(hs, 9, 1000);
		if (sqlite3_step(hs) != SQLITE_DONE) {
			fprintf(stderr, "balance-sim: %s\n",
			    sqlite3_errmsg(db));
			goto out;
		}
		/* node|tMem|nMem|fMem|tDsk|fDsk|tCpu|role|group|spindles|
		 * tags|excl|free spindles|node CPUs|CPU speed, in MiB */
		fprintf(hf, "%s|%llu|%llu|%llu|%llu|%llu|%u|N|fake-uuid-01|1||N|"
		    "1|0|1.0\n", name, (unsigned long long)(h[i].mem / MiB),
		    (unsigned long long)(OS_MEM / MiB),
		    (unsigned long long)((h[i].mem - h[i].mem_used) / MiB),
		    (unsigned long long)(h[i].disk / MiB),
		    (unsigned long long)((h[i].disk - h[i].disk_used) / MiB),
		    h[i].cores);
	}
	fprintf(hf, "\n");
	for (k = 0; k < nc; k++) {
		char host[16];

		if (!c[k].placed)
			continue;
		snprintf(name, sizeof(name), "ct%05zu", k);
		snprintf(host, sizeof(host), "h%04zu", c[k].host);
		fprintf(uf, "%s %.3f 1 1 1\n", name, c[k].cpu);
		sqlite3_reset(cs);
		sqlite3_bind_text(cs, 1, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(cs, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(cs, 3, (sqlite3_int64)c[k].mem);
		sqlite3_bind_int64(cs, 4, (sqlite3_int64)c[k].disk);
		sqlite3_bind_int64(cs, 5, 1000);
		sqlite3_bind_int64(cs, 6, (sqlite3_int64)llround(c[k].cpu *
		    1000));
		if (sqlite3_step(cs) != SQLITE_DONE) {
			fprintf(stderr, "balance-sim: %s\n",
			    sqlite3_errmsg(db));
			goto out;
		}
		/* instance|mem|disk|vcpus|status|auto_balance|pnode|snode|
		 * template|tags|spindle use|spindles */
		fprintf(hf, "%s|%llu|%llu|%u|running|Y|%s||sharedfile||1|-\n",
		    name, (unsigned long long)(c[k].mem / MiB),
		    (unsigned long long)(c[k].disk / MiB),
		    (unsigned)ceil(c[k].cpu), host);
	}
	fprintf(hf, "\n\n");
	if (exec_or_die(db, "COMMIT") != 0)
		goto out;
	fprintf(stderr, "balance-sim: %zu hosts, %zu containers placed\n", nh,
	    placed);
	rc = 0;
out:
	sqlite3_finalize(hs);
	sqlite3_finalize(cs);
	sqlite3_close(db);
	if (hf)
		fclose(hf);
	if (uf)
		fclose(uf);
	free(h);
	free(c);
	return rc;
}

static double
sd(const double *v, size_t n)
{
	double sum = 0, sq = 0, m;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		sum += v[i];
		sq += v[i] * v[i];
	}
	m = sum / (double)n;
	return sqrt(fmax(0, sq / (double)n - m * m));
}

static int
score(const char *dbpath, const char *moves)
{
	struct corral_conf conf;
	struct inventory *inv;
	struct place_pool p;
	char err[512], ct[128], host[128];
	double *mem, *cpu;
	size_t i, k, n = 0, over = 0, nm = 0;
	FILE *f;

	corral_conf_defaults(&conf);
	if ((inv = inventory_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "balance-sim: %s\n", err);
		return 1;
	}
	if (placedb_load(inv, &conf, time(NULL), &p) != 0) {
		fprintf(stderr, "balance-sim: %s\n", inventory_errmsg(inv));
		return 1;
	}
	inventory_close(inv);
	if (moves != NULL) {
		if ((f = fopen(moves, "r")) == NULL) {
			perror(moves);
			return 1;
		}
		while (fscanf(f, "%127s %127s", ct, host) == 2) {
			for (i = 0; i < p.nc && strcmp(p.c[i].name, ct); i++)
				;
			for (k = 0; k < p.nh && strcmp(p.h[k].name, host); k++)
				;
			if (i == p.nc || k == p.nh) {
				fprintf(stderr, "balance-sim: %s: no container %s"
				    " or host %s\n", moves, ct, host);
				return 1;
			}
			place_apply_move(&p, i, k);
			nm++;
		}
		fclose(f);
	}
	mem = calloc(p.nh + 1, sizeof(*mem));
	cpu = calloc(p.nh + 1, sizeof(*cpu));
	if (mem == NULL || cpu == NULL)
		return 1;
	for (i = 0; i < p.nh; i++) {
		const struct place_host *h = &p.h[i];

		mem[n] = 100.0 * (double)h->mem_used / (double)h->mem_total;
		cpu[n] = 100.0 * h->cpu / h->cores;
		n++;
		if ((double)h->mem_committed > p.mem_ratio *
		    (double)h->mem_total || (double)h->disk_used >
		    p.disk_ratio * (double)h->disk_total)
			over++;
	}
	printf("moves %zu imbalance %.3f mem_sd %.3f cpu_sd %.3f over_limit "
	    "%zu\n", nm, balance_imbalance(&p), sd(mem, n), sd(cpu, n), over);
	free(mem);
	free(cpu);
	placedb_free(&p);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "gen") == 0)
		return gen(strtoull(argv[2], NULL, 10),
		    strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
		    argv[5], argv[6], argv[7]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "score") == 0)
		return score(argv[2], argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: balance-sim gen SEED HOSTS CTS DB HBAL UTIL\n"
	    "       balance-sim score DB [MOVES]\n");
	return 2;
}
