/* corral-master: the inventory's side of placement and balance (placedb.h
 * says what each call does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "invdb.h"
#include "inventory.h"
#include "jobs.h"
#include "log.h"
#include "msg.h"
#include "placedb.h"
#include "store.h"

static const char sql_hosts[] =
    "SELECT name, state, drained, cores, load15, mem_total, mem_available,"
    " storage_total, storage_free,"
    " (SELECT COALESCE(AVG(cpu_milli), 0) FROM load_history l"
    "  WHERE l.host = hosts.name AND l.t > ?1 - 900),"
    " (SELECT COALESCE(AVG(host_cpu_milli), 0) FROM load_history l"
    "  WHERE l.host = hosts.name AND l.t > ?1 - 900)"
    " FROM hosts ORDER BY name";

static const char sql_cts[] =
    "SELECT host, name, mem_used, mem_limit, rootfs_bytes, cpu_milli,"
    " EXISTS (SELECT 1 FROM balance_moves b WHERE b.container = c.name"
    "  AND b.t > ?1 - ?2)"
    " OR EXISTS (SELECT 1 FROM jobs j WHERE j.container = c.name"
    "  AND j.state IN ('queued', 'running'))"
    " FROM containers c ORDER BY host, name";

/* what active jobs bring to a host that its last poll did not show
 * there yet */
static const char sql_inbound[] =
    "SELECT kind, container, dst, args, step FROM jobs"
    " WHERE state IN ('queued', 'running') AND dst <> ''"
    " AND kind IN ('move', 'create', 'put', 'restore')";

static const char sql_drained[] =
    "UPDATE hosts SET drained = ?2 WHERE name = ?1";
static const char sql_is_drained[] =
    "SELECT drained FROM hosts WHERE name = ?1";

static const char sql_moved[] =
    "INSERT INTO balance_moves (container, t) VALUES (?1, ?2)";
static const char sql_moved_prune[] =
    "DELETE FROM balance_moves WHERE t < ?1 - 31536000";


static void
read_host(sqlite3_stmt *st, void *row)
{
	struct place_host *h = row;
	char state[16];
	double hist;

	memset(h, 0, sizeof(*h));
	inv_col_text(st, 0, h->name, sizeof(h->name));
	inv_col_text(st, 1, state, sizeof(state));
	if (strcmp(state, "down") == 0)
		h->state = PLACE_DOWN;
	else if (sqlite3_column_int(st, 2))
		h->state = PLACE_DRAINED;
	else if (strcmp(state, "noselect") == 0)
		h->state = PLACE_NOSELECT;
	h->cores = inv_col_u32(st, 3);
	h->cpu = inv_col_u32(st, 4) / 1000.0;
	h->mem_total = inv_col_u64(st, 5);
	h->mem_used = h->mem_total - (inv_col_u64(st, 6) < h->mem_total ?
	    inv_col_u64(st, 6) : h->mem_total);
	h->disk_total = inv_col_u64(st, 7);
	h->disk_used = h->disk_total - (inv_col_u64(st, 8) < h->disk_total ?
	    inv_col_u64(st, 8) : h->disk_total);
	/* the busiest of three views of the last 15 minutes: the load
	 * average, the containers' cgroup counters, the host's own CPU
	 * time (which sees what runs outside containers too) */
	hist = sqlite3_column_double(st, 9) / 1000.0;
	if (hist > h->cpu)
		h->cpu = hist;
	hist = sqlite3_column_double(st, 10) / 1000.0;
	if (hist > h->cpu)
		h->cpu = hist;
}

struct ct_row {
	char host[PLACE_NAME_MAX];
	struct place_ct c;
};

static void
read_ct(sqlite3_stmt *st, void *row)
{
	struct ct_row *r = row;
	uint64_t limit;

	memset(r, 0, sizeof(*r));
	inv_col_text(st, 0, r->host, sizeof(r->host));
	inv_col_text(st, 1, r->c.name, sizeof(r->c.name));
	r->c.mem_used = inv_col_u64(st, 2);
	limit = inv_col_u64(st, 3);
	r->c.mem_commit = limit ? limit : r->c.mem_used;
	r->c.disk = inv_col_u64(st, 4);
	r->c.cpu = inv_col_u64(st, 5) / 1000.0;
	r->c.pinned = sqlite3_column_int(st, 6) != 0;
}

static int
by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct place_host *)elem)->name);
}

struct inbound_row {
	char kind[16], ct[PLACE_NAME_MAX], dst[PLACE_NAME_MAX];
	char args[1024], step[JOB_STEP_MAX];
};

static void
read_inbound(sqlite3_stmt *st, void *row)
{
	struct inbound_row *r = row;

	memset(r, 0, sizeof(*r));
	inv_col_text(st, 0, r->kind, sizeof(r->kind));
	inv_col_text(st, 1, r->ct, sizeof(r->ct));
	inv_col_text(st, 2, r->dst, sizeof(r->dst));
	inv_col_text(st, 3, r->args, sizeof(r->args));
	inv_col_text(st, 4, r->step, sizeof(r->step));
}

/* Whether a job's volume may not be on its destination's disk yet: it is
 * queued, or running up to the step that makes it (a move's, put's or
 * restore's "volume", a create's "create").  From then on the host's own
 * report of its free space carries it (LVM allocates the volume whole,
 * dir and btrfs grow as the copy writes): counted as well, it would count
 * twice until a poll shows the container. */
static bool
volume_pending(const char *step)
{
	static const char *const before[] = { "", "check", "config",
	    "volume", "create" };
	size_t i;

	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if (strcmp(step, before[i]) == 0)
			return true;
	return false;
}

static uint64_t
arg_mib(const char *args, const char *key)
{
	char v[24];

	if (msg_kv_get(args, key, v, sizeof(v)) == NULL)
		return 0;
	return strtoull(v, NULL, 10) << 20;
}

/* The store as one load reads it: opened read-only at its first put or
 * restore, a failure remembered (and logged once) for the rest. */
struct load_store {
	struct store *s;
	bool tried;
};

static struct store *
load_store(const struct corral_conf *conf, struct load_store *ls)
{
	char err[512];

	if (!ls->tried && conf->store[0] != '\0') {
		ls->tried = true;
		if ((ls->s = store_open_ro(conf->store, err, sizeof(err))) ==
		    NULL)
			log_warn("placement: %s: a put or restore toward a "
			    "host counts its --size alone there (none: no "
			    "disk) and no memory", err);
	}
	return ls->s;
}

/* A put's or restore's version: the bytes of its files, or --size (once
 * its check ran, the size of the volume it made); the memory limit of its
 * config if it starts there, as a move's running container commits its
 * limit and a stopped one nothing.  A store that cannot say counts --size
 * alone (logged): the estimate of a plan, not the job's own check. */
static void
version_need(const struct corral_conf *conf, struct load_store *ls,
    const struct inbound_row *r, uint64_t *mem, uint64_t *disk)
{
	char from[PLACE_NAME_MAX], version[STORE_VERSION_MAX], v[24];
	char err[512];
	uint64_t bytes = 0, limit = 0;
	struct store *s;

	if (msg_kv_get(r->args, "from", from, sizeof(from))[0] == '\0')
		snprintf(from, sizeof(from), "%s", r->ct);
	msg_kv_get(r->args, "version", version, sizeof(version));
	if ((s = load_store(conf, ls)) != NULL && store_version_need(s, from,
	    version, &bytes, &limit, err, sizeof(err)) != 0) {
		bytes = limit = 0;
		log_warn("placement: %s %s toward %s: %s: it counts its --size "
		    "alone there and no memory", r->kind, r->ct, r->dst, err);
	}
	*disk = strtoull(msg_kv_get(r->args, "size", v, sizeof(v)), NULL, 10);
	if (*disk == 0)
		*disk = bytes;
	*mem = strcmp(msg_kv_get(r->args, "start", v, sizeof(v)), "1") == 0 ?
	    limit : 0;
}

/* Charge each queued or running move, create, put and restore to its
 * destination, as if it were there already: a plan made meanwhile (a
 * balance, a drain, a create without --host) must not fill that room
 * again.  A move's container counts with its figures from its source; a
 * create with the memory and disk it asked for; a put or restore with
 * its version's (version_need).  One whose container is polled there
 * already counts as that (a restore --force replaces it).  Its disk
 * counts only while its volume is not there yet (volume_pending); its
 * memory until a poll shows it there. */
static int
charge_inbound(struct inventory *inv, const struct corral_conf *conf,
    struct place_pool *p)
{
	struct inbound_row *rows;
	struct place_host *h;
	struct load_store ls = { 0 };
	sqlite3_stmt *st;
	size_t i, k, n = 0, src;
	uint64_t mem, disk;
	bool there;
	void *v;

	if ((st = invdb_stmt(inv, sql_inbound)) == NULL)
		return -1;
	if (inv_rows(inv, st, "load jobs", sizeof(*rows), &v, &n,
	    read_inbound) != 0)
		return -1;
	rows = v;
	for (i = 0; i < n; i++) {
		if ((h = bsearch(rows[i].dst, p->h, p->nh, sizeof(*p->h),
		    by_name)) == NULL)
			continue;
		mem = disk = 0;
		there = false;
		src = p->nc;
		for (k = 0; k < p->nc; k++)
			if (strcmp(p->c[k].name, rows[i].ct) == 0) {
				if (&p->h[p->c[k].host] == h)
					there = true;
				else
					src = k;
			}
		if (there)
			continue;       /* polled there already */
		if (strcmp(rows[i].kind, "move") == 0 && src < p->nc) {
			mem = p->c[src].mem_commit;
			disk = p->c[src].disk;
		} else if (strcmp(rows[i].kind, "create") == 0) {
			mem = arg_mib(rows[i].args, "memory");
			disk = arg_mib(rows[i].args, "disk");
		} else if (strcmp(rows[i].kind, "put") == 0 ||
		    strcmp(rows[i].kind, "restore") == 0)
			version_need(conf, &ls, &rows[i], &mem, &disk);
		h->mem_committed += mem;
		if (volume_pending(rows[i].step))
			h->disk_used += disk;
		h->n_ct++;
	}
	store_close(ls.s);
	free(rows);
	return 0;
}

void
placedb_free(struct place_pool *p)
{
	free(p->h);
	free(p->c);
	p->h = NULL;
	p->c = NULL;
	p->nh = p->nc = 0;
}

int
placedb_load(struct inventory *inv, const struct corral_conf *conf,
    int64_t now, struct place_pool *out)
{
	struct ct_row *rows = NULL;
	struct place_host *h;
	sqlite3_stmt *st;
	size_t i, n = 0;
	void *v;

	memset(out, 0, sizeof(*out));
	out->w = (struct place_weights){ conf->score_weight_mem,
	    conf->score_weight_cpu, conf->score_weight_disk,
	    conf->score_weight_count };
	out->mem_ratio = conf->mem_ratio_max / 100.0;
	out->disk_ratio = conf->disk_ratio_max / 100.0;
	if ((st = invdb_stmt(inv, sql_hosts)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK)
		return inv_bind_fail(inv, st, "load hosts");
	if (inv_rows(inv, st, "load hosts", sizeof(*out->h), &v, &out->nh,
	    read_host) != 0)
		return -1;
	out->h = v;
	if ((st = invdb_stmt(inv, sql_cts)) == NULL)
		goto fail;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, conf->balance_cooldown) != SQLITE_OK) {
		inv_bind_fail(inv, st, "load containers");
		goto fail;
	}
	if (inv_rows(inv, st, "load containers", sizeof(*rows), &v, &n,
	    read_ct) != 0)
		goto fail;
	rows = v;
	if ((out->c = calloc(n + 1, sizeof(*out->c))) == NULL) {
		inv_set_err(inv, "load containers: out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		/* every container has its host (a foreign key) */
		if ((h = bsearch(rows[i].host, out->h, out->nh,
		    sizeof(*out->h), by_name)) == NULL)
			continue;
		out->c[out->nc] = rows[i].c;
		out->c[out->nc].host = (size_t)(h - out->h);
		h->mem_committed += rows[i].c.mem_commit;
		h->n_ct++;
		out->nc++;
	}
	free(rows);
	rows = NULL;
	if (charge_inbound(inv, conf, out) != 0)
		goto fail;
	place_pool_ready(out);
	return 0;
fail:
	free(rows);
	placedb_free(out);
	return -1;
}

int
placedb_set_drained(struct inventory *inv, const char *host, bool on)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_drained)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, host) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, on) != SQLITE_OK)
		return inv_bind_fail(inv, st, "drain host");
	if (inv_run(inv, st, "drain host") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		inv_set_err(inv, "no host %s", host);
		return -1;
	}
	return 0;
}

static void
read_flag(sqlite3_stmt *st, void *row)
{
	*(bool *)row = sqlite3_column_int(st, 0) != 0;
}

int
placedb_drained(struct inventory *inv, const char *host, bool *on)
{
	sqlite3_stmt *st;
	size_t n = 0;
	void *v;

	*on = false;
	if ((st = invdb_stmt(inv, sql_is_drained)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, host) != SQLITE_OK)
		return inv_bind_fail(inv, st, "read drained");
	if (inv_rows(inv, st, "read drained", sizeof(bool), &v, &n,
	    read_flag) != 0)
		return -1;
	*on = n > 0 && *(bool *)v;
	free(v);
	return 0;
}

int
placedb_balance_moved(struct inventory *inv, const char *container,
    int64_t now)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_moved)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, container) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK)
		return inv_bind_fail(inv, st, "record balance move");
	if (inv_run(inv, st, "record balance move") != 0)
		return -1;
	return inv_exec_i64(inv, sql_moved_prune, "prune balance moves", 1,
	    now);
}
