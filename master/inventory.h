/* corral-master: the inventory of hosts and containers, in SQLite.
 *
 * One struct inventory per thread (SQLite connections are not shared
 * between threads); every thread opens the same file.  The schema is created
 * and migrated by inventory_open() itself (PRAGMA user_version).  WAL mode
 * with synchronous=FULL: a commit survives a power loss.
 */
#ifndef CORRAL_INVENTORY_H
#define CORRAL_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct inventory;

/* Open (creating and migrating) the database at path.  On failure returns
 * NULL and fills err with "PATH: reason". */
struct inventory *inventory_open(const char *path, char *err, size_t errlen);
void inventory_close(struct inventory *inv);

/* Make the host list match slaves.conf: insert new hosts (state "down",
 * reason "never contacted"), update address/port/noselect of known ones,
 * delete hosts (and their containers) that are no longer listed.
 * names/addresses/ports/noselect are parallel arrays of n entries. */
struct inv_host_cfg {
	const char *name;
	const char *address;
	uint16_t port;
	int noselect;
};
int inventory_sync_hosts(struct inventory *inv, const struct inv_host_cfg *v,
    size_t n);

/* A successful poll of host: store its report, mark it up (or noselect if
 * configured so), set last_seen = now, replace its container list by cts
 * (one transaction), append a load history sample. */
int inventory_host_up(struct inventory *inv, const char *host,
    const struct msg_host_info *info, const struct msg_ct_info *cts,
    size_t n_cts, int64_t now);
/* The host's CPU in use between two reports (HOST_INFO's cpu_busy and
 * cpu_total, clock ticks since boot, the earlier one's first) on a host
 * of cores, in thousandths of a core: cores x 1000 x busy / total of the
 * difference, at most cores x 1000.  No earlier report (its total 0), no
 * time between them, or counters that went back (a reboot): last, the
 * figure as it was.  Pure (inventory_host_up keeps the reports). */
uint32_t inventory_cpu_use(uint64_t busy0, uint64_t total0, uint64_t busy1,
    uint64_t total1, uint32_t cores, uint32_t last);
/* A failed poll: state "down" with the reason; containers are kept as last
 * seen (their last_seen tells how old they are). */
int inventory_host_down(struct inventory *inv, const char *host,
    const char *reason, int64_t now);

/* Every host, ordered by name.  The caller frees with msg_host_list_free. */
int inventory_hosts(struct inventory *inv, struct msg_host_list *out);
/* Containers matching name and host ("" or NULL = any), ordered by name
 * then host.  Free with msg_ct_rec_list_free. */
int inventory_containers(struct inventory *inv, const char *name,
    const char *host, struct msg_ct_rec_list *out);

/* Load history samples kept per host (older ones are pruned). */
#define INVENTORY_HISTORY_MAX 1440

/* Samples of one host, newest first, at most max. */
struct inv_load_sample {
	int64_t t;
	uint32_t load1;
	uint64_t mem_available;
};
int inventory_load_history(struct inventory *inv, const char *host,
    struct inv_load_sample *out, size_t max, size_t *n);

/* When daily task name (daily.h) last began, seconds since the epoch:
 * 0 with *last, 1 if never recorded, -1 on error (master/dailydb.c). */
int inventory_daily_last(struct inventory *inv, const char *name,
    int64_t *last);
int inventory_daily_set(struct inventory *inv, const char *name,
    int64_t last);
/* Forget the runs of task name, under every time of day ("name@HH:MM"
 * keys, daily.h): a task switched off is first seen again when on. */
int inventory_daily_forget(struct inventory *inv, const char *name);

/* The last SQLite error message of inv, for logs. */
const char *inventory_errmsg(struct inventory *inv);

#endif
