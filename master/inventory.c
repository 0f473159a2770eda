/* corral-master: the inventory of hosts and containers: what slaves.conf
 * lists, what each poll reported, a bounded load history.  The connection,
 * the schema and the SQL helpers are invdb.c's and schema.c's.
 *
 * Errors: every public function returns 0 or -1; on -1 inv->err holds the
 * context and the SQLite message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "invdb.h"

/* ---- statements ---- */

static const char sql_host_names[] =
    "SELECT name FROM hosts";

/* A known host keeps its state, except that up and noselect follow the
 * noselect flag: they both mean "answered the last poll". */
static const char sql_host_upsert[] =
    "INSERT INTO hosts (name, address, port, noselect, state, reason)"
    " VALUES (?1, ?2, ?3, ?4, 'down', 'never contacted')"
    " ON CONFLICT (name) DO UPDATE SET"
    "  address = excluded.address, port = excluded.port,"
    "  noselect = excluded.noselect,"
    "  state = CASE WHEN state = 'down' THEN 'down'"
    "   WHEN excluded.noselect THEN 'noselect' ELSE 'up' END";

static const char sql_host_delete[] =
    "DELETE FROM hosts WHERE name = ?1";

static const char sql_host_up[] =
    "UPDATE hosts SET"
    " state = CASE WHEN noselect THEN 'noselect' ELSE 'up' END,"
    " reason = '', hostname = ?2, cores = ?3, load1 = ?4, load5 = ?5,"
    " load15 = ?6, mem_total = ?7, mem_available = ?8,"
    " storage_backend = ?9, storage_total = ?10, storage_free = ?11,"
    " containers = ?12, uptime = ?13, version = ?14, last_seen = ?15,"
    " cpu_busy = ?16, cpu_total = ?17, cpu_use = ?18"
    " WHERE name = ?1";

/* the host's CPU counters of its last report, and the use taken from
 * them (inventory_cpu_use) */
static const char sql_host_cpu[] =
    "SELECT cpu_busy, cpu_total, cpu_use FROM hosts WHERE name = ?1";

static const char sql_host_down[] =
    "UPDATE hosts SET state = 'down', reason = ?2 WHERE name = ?1";

/* A poll's list replaces the host's: every row is marked unseen, the
 * list's rows are upserted (which clears the mark, and keeps what the CPU
 * rate needs), and those still marked go. */
static const char sql_ct_mark[] =
    "UPDATE containers SET unseen = 1 WHERE host = ?1";
static const char sql_ct_delete[] =
    "DELETE FROM containers WHERE host = ?1 AND unseen";

static const char sql_ct_insert[] =
    "INSERT INTO containers (host, name, state, ipv4, autostart,"
    " mem_used, mem_limit, cpu_usec, backend, rootfs_bytes, last_seen,"
    " ipv4_config)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    /* a container seen before: its CPU rate since then, in thousandths
     * of a core (cpu_usec is in microseconds, last_seen in seconds); a
     * counter that went back (a restart) keeps the last rate */
    " ON CONFLICT (host, name) DO UPDATE SET"
    "  cpu_milli = CASE WHEN excluded.last_seen > last_seen"
    "   AND excluded.cpu_usec >= cpu_usec"
    "   THEN (excluded.cpu_usec - cpu_usec) /"
    "    ((excluded.last_seen - last_seen) * 1000)"
    "   ELSE cpu_milli END,"
    "  state = excluded.state, ipv4 = excluded.ipv4,"
    "  ipv4_config = excluded.ipv4_config,"
    "  autostart = excluded.autostart, mem_used = excluded.mem_used,"
    "  mem_limit = excluded.mem_limit, cpu_usec = excluded.cpu_usec,"
    "  backend = excluded.backend, rootfs_bytes = excluded.rootfs_bytes,"
    "  last_seen = excluded.last_seen, unseen = 0"
    /* a name twice in one report changes nothing: refused below */
    " WHERE unseen";

static const char sql_hist_insert[] =
    "INSERT INTO load_history (host, t, load1, mem_available, cpu_milli,"
    " host_cpu_milli)"
    " VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(SUM(cpu_milli), 0)"
    "  FROM containers WHERE host = ?1 AND last_seen = ?2),"
    " (SELECT cpu_use FROM hosts WHERE name = ?1))";

static const char sql_hist_prune[] =
    "DELETE FROM load_history WHERE host = ?1 AND rowid IN"
    " (SELECT rowid FROM load_history WHERE host = ?1"
    "  ORDER BY t DESC, rowid DESC LIMIT -1 OFFSET ?2)";

static const char sql_hosts[] =
    "SELECT name, address, port,"
    " state, reason, hostname, cores,"
    " load1, load5, load15, mem_total, mem_available, storage_backend,"
    " storage_total, storage_free, containers, uptime, version,"
    " last_seen, cpu_busy, cpu_total, cpu_use, drained FROM hosts"
    " ORDER BY name";

static const char sql_containers[] =
    "SELECT host, name, state, ipv4, autostart, mem_used, mem_limit,"
    " cpu_usec, backend, rootfs_bytes, last_seen, ipv4_config FROM containers"
    " WHERE (?1 = '' OR name = ?1) AND (?2 = '' OR host = ?2)"
    " ORDER BY name, host";

static const char sql_history[] =
    "SELECT t, load1, mem_available FROM load_history WHERE host = ?1"
    " ORDER BY t DESC, rowid DESC LIMIT ?2";

/* ---- writes ---- */

static int
check_host_cfg(struct inventory *inv, const struct inv_host_cfg *h,
    size_t i)
{
	if (h->name == NULL || *h->name == '\0') {
		inv_set_err(inv, "host %zu: empty name", i);
		return -1;
	}
	if (strlen(h->name) >= PROTO_NAME_MAX) {
		inv_set_err(inv, "host %s: name longer than %d bytes", h->name,
		    PROTO_NAME_MAX - 1);
		return -1;
	}
	if (h->address == NULL || strlen(h->address) >= MSG_ADDR_MAX) {
		inv_set_err(inv, "host %s: address missing or longer than %d "
		    "bytes", h->name, MSG_ADDR_MAX - 1);
		return -1;
	}
	return 0;
}

/* The names in the table that v does not list; *names is allocated. */
static int
unlisted_hosts(struct inventory *inv, const struct inv_host_cfg *v,
    size_t n, char ***names, size_t *count)
{
	sqlite3_stmt *st;
	size_t cap = 0, i;
	const char *name;
	void *p;
	int rc;

	*names = NULL;
	*count = 0;
	if ((st = invdb_stmt(inv, sql_host_names)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, name) == 0)
				break;
		if (i < n)
			continue;
		if ((p = inv_grow(*names, &cap, *count, sizeof(**names))) == NULL)
			goto nomem;
		*names = p;
		if (((*names)[*count] = strdup(name)) == NULL)
			goto nomem;
		(*count)++;
	}
	if (rc != SQLITE_DONE) {
		inv_db_err(inv, "list hosts");
		inv_stmt_done(st);
		return -1;
	}
	inv_stmt_done(st);
	return 0;
nomem:
	inv_set_err(inv, "list hosts: out of memory");
	inv_stmt_done(st);
	return -1;
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
inventory_sync_hosts(struct inventory *inv, const struct inv_host_cfg *v,
    size_t n)
{
	sqlite3_stmt *st;
	char **gone = NULL;
	size_t i, n_gone = 0;
	int rc;

	if (n > 0 && v == NULL) {
		inv_set_err(inv, "sync hosts: no host list");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (check_host_cfg(inv, &v[i], i) != 0)
			return -1;
	if (inv_begin(inv) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((st = invdb_stmt(inv, sql_host_upsert)) == NULL)
			goto fail;
		if ((rc = inv_bind_str(st, 1, v[i].name)) != SQLITE_OK ||
		    (rc = inv_bind_str(st, 2, v[i].address)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(st, 3, v[i].port)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(st, 4, v[i].noselect != 0)) !=
		    SQLITE_OK) {
			inv_bind_fail(inv, st, "store host");
			goto fail;
		}
		if (inv_run(inv, st, "store host") != 0)
			goto fail;
	}
	if (unlisted_hosts(inv, v, n, &gone, &n_gone) != 0)
		goto fail;
	for (i = 0; i < n_gone; i++) {
		/* Its containers and history go with it (ON DELETE CASCADE). */
		if ((st = invdb_stmt(inv, sql_host_delete)) == NULL)
			goto fail;
		if (inv_bind_str(st, 1, gone[i]) != SQLITE_OK) {
			inv_bind_fail(inv, st, "delete host");
			goto fail;
		}
		if (inv_run(inv, st, "delete host") != 0)
			goto fail;
	}
	free_names(gone, n_gone);
	return inv_commit(inv);
fail:
	free_names(gone, n_gone);
	inv_rollback(inv);
	return -1;
}

uint32_t
inventory_cpu_use(uint64_t busy0, uint64_t total0, uint64_t busy1,
    uint64_t total1, uint32_t cores, uint32_t last)
{
	uint64_t full = (uint64_t)(cores ? cores : 1) * 1000, db, dt;

	if (total0 == 0 || total1 <= total0 || busy1 < busy0)
		return last;
	db = busy1 - busy0;
	dt = total1 - total0;
	if (db >= dt)
		return (uint32_t)full;
	/* db < dt: no overflow for any dt below 2^54 ticks */
	return (uint32_t)(full * db / dt);
}

/* The use between host's last report and m (0 for a host not seen). */
static int
host_cpu_use(struct inventory *inv, const char *host,
    const struct msg_host_info *m, uint32_t *use)
{
	sqlite3_stmt *st;
	int rc;

	*use = 0;
	if ((st = invdb_stmt(inv, sql_host_cpu)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, host) != SQLITE_OK)
		return inv_bind_fail(inv, st, "host cpu");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*use = inventory_cpu_use(inv_col_u64(st, 0), inv_col_u64(st, 1),
		    m->cpu_busy, m->cpu_total, m->cores, inv_col_u32(st, 2));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		inv_set_err(inv, "host cpu: %s", sqlite3_errmsg(inv->db));
		return -1;
	}
	return 0;
}

static int
store_host_info(struct inventory *inv, const char *host,
    const struct msg_host_info *m, int64_t now)
{
	sqlite3_stmt *st;
	uint32_t use;
	int rc;

	if (host_cpu_use(inv, host, m, &use) != 0 ||
	    (st = invdb_stmt(inv, sql_host_up)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 2, m->hostname, sizeof(m->hostname))) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, m->cores)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 4, m->load1)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, m->load5)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, m->load15)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 7, m->mem_total)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 8, m->mem_available)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 9, m->storage_backend,
	    sizeof(m->storage_backend))) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 10, m->storage_total)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 11, m->storage_free)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 12, m->containers)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 13, m->uptime)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 14, m->version, sizeof(m->version))) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 15, now)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 16, m->cpu_busy)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 17, m->cpu_total)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 18, use)) != SQLITE_OK)
		return inv_bind_fail(inv, st, "update host");
	if (inv_run(inv, st, "update host") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		inv_set_err(inv, "%s: no such host in the inventory", host);
		return -1;
	}
	return 0;
}

static int
store_container(struct inventory *inv, const char *host,
    const struct msg_ct_info *c, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = invdb_stmt(inv, sql_ct_insert)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 2, c->name, sizeof(c->name))) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 3, c->state, sizeof(c->state))) !=
	    SQLITE_OK ||
	    (rc = inv_bind_field(st, 4, c->ipv4, sizeof(c->ipv4))) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, c->autostart)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 6, c->mem_used)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 7, c->mem_limit)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 8, c->cpu_usec)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 9, c->backend, sizeof(c->backend))) !=
	    SQLITE_OK ||
	    (rc = inv_bind_u64(st, 10, c->rootfs_bytes)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 11, now)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 12, c->ipv4_config,
	    sizeof(c->ipv4_config))) != SQLITE_OK)
		return inv_bind_fail(inv, st, "store container");
	if (inv_run(inv, st, "store container") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		inv_set_err(inv, "store container: %.*s reported twice (UNIQUE "
		    "host and name)", (int)sizeof(c->name), c->name);
		return -1;
	}
	return 0;
}

static int
store_history(struct inventory *inv, const char *host,
    const struct msg_host_info *m, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = invdb_stmt(inv, sql_hist_insert)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, m->load1)) != SQLITE_OK ||
	    (rc = inv_bind_u64(st, 4, m->mem_available)) != SQLITE_OK)
		return inv_bind_fail(inv, st, "store load sample");
	if (inv_run(inv, st, "store load sample") != 0)
		return -1;
	if ((st = invdb_stmt(inv, sql_hist_prune)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 2, INVENTORY_HISTORY_MAX)) != SQLITE_OK)
		return inv_bind_fail(inv, st, "prune load history");
	return inv_run(inv, st, "prune load history");
}

int
inventory_host_up(struct inventory *inv, const char *host,
    const struct msg_host_info *info, const struct msg_ct_info *cts,
    size_t n_cts, int64_t now)
{
	sqlite3_stmt *st;
	size_t i;

	if (host == NULL || info == NULL || (n_cts > 0 && cts == NULL)) {
		inv_set_err(inv, "host up: missing argument");
		return -1;
	}
	if (inv_begin(inv) != 0)
		return -1;
	if (store_host_info(inv, host, info, now) != 0)
		goto fail;
	if ((st = invdb_stmt(inv, sql_ct_mark)) == NULL)
		goto fail;
	if (inv_bind_str(st, 1, host) != SQLITE_OK) {
		inv_bind_fail(inv, st, "mark containers");
		goto fail;
	}
	if (inv_run(inv, st, "mark containers") != 0)
		goto fail;
	for (i = 0; i < n_cts; i++)
		if (store_container(inv, host, &cts[i], now) != 0)
			goto fail;
	if ((st = invdb_stmt(inv, sql_ct_delete)) == NULL)
		goto fail;
	if (inv_bind_str(st, 1, host) != SQLITE_OK) {
		inv_bind_fail(inv, st, "forget containers");
		goto fail;
	}
	if (inv_run(inv, st, "forget containers") != 0)
		goto fail;
	if (store_history(inv, host, info, now) != 0)
		goto fail;
	return inv_commit(inv);
fail:
	inv_rollback(inv);
	return -1;
}

int
inventory_host_down(struct inventory *inv, const char *host,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	(void)now;  /* last_seen stays the time of the last success */
	if (host == NULL) {
		inv_set_err(inv, "host down: missing host");
		return -1;
	}
	if (reason == NULL)
		reason = "";
	if ((st = invdb_stmt(inv, sql_host_down)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = inv_bind_field(st, 2, reason, MSG_REASON_MAX - 1)) != SQLITE_OK)
		return inv_bind_fail(inv, st, "mark host down");
	if (inv_run(inv, st, "mark host down") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		inv_set_err(inv, "%s: no such host in the inventory", host);
		return -1;
	}
	return 0;
}

/* ---- reads ---- */

static void
read_host(sqlite3_stmt *st, void *row)
{
	struct msg_host_rec *r = row;
	struct msg_host_info *m = &r->info;

	memset(r, 0, sizeof(*r));
	inv_col_text(st, 0, r->name, sizeof(r->name));
	inv_col_text(st, 1, r->address, sizeof(r->address));
	r->port = (uint16_t)sqlite3_column_int(st, 2);
	inv_col_text(st, 3, r->state, sizeof(r->state));
	inv_col_text(st, 4, r->reason, sizeof(r->reason));
	inv_col_text(st, 5, m->hostname, sizeof(m->hostname));
	m->cores = inv_col_u32(st, 6);
	m->load1 = inv_col_u32(st, 7);
	m->load5 = inv_col_u32(st, 8);
	m->load15 = inv_col_u32(st, 9);
	m->mem_total = inv_col_u64(st, 10);
	m->mem_available = inv_col_u64(st, 11);
	inv_col_text(st, 12, m->storage_backend, sizeof(m->storage_backend));
	m->storage_total = inv_col_u64(st, 13);
	m->storage_free = inv_col_u64(st, 14);
	m->containers = inv_col_u32(st, 15);
	m->uptime = inv_col_u64(st, 16);
	inv_col_text(st, 17, m->version, sizeof(m->version));
	r->last_seen = sqlite3_column_int64(st, 18);
	m->cpu_busy = inv_col_u64(st, 19);
	m->cpu_total = inv_col_u64(st, 20);
	r->cpu_use = inv_col_u32(st, 21);
	r->drained = sqlite3_column_int(st, 22) != 0;
}

int
inventory_hosts(struct inventory *inv, struct msg_host_list *out)
{
	sqlite3_stmt *st;
	void *v;
	int r;

	out->v = NULL;
	out->n = 0;
	if ((st = invdb_stmt(inv, sql_hosts)) == NULL)
		return -1;
	r = inv_rows(inv, st, "list hosts", sizeof(*out->v), &v, &out->n,
	    read_host);
	out->v = v;
	return r;
}

static void
read_container(sqlite3_stmt *st, void *row)
{
	struct msg_ct_rec *r = row;
	struct msg_ct_info *c = &r->ct;

	memset(r, 0, sizeof(*r));
	inv_col_text(st, 0, r->host, sizeof(r->host));
	inv_col_text(st, 1, c->name, sizeof(c->name));
	inv_col_text(st, 2, c->state, sizeof(c->state));
	inv_col_text(st, 3, c->ipv4, sizeof(c->ipv4));
	c->autostart = sqlite3_column_int(st, 4) != 0;
	c->mem_used = inv_col_u64(st, 5);
	c->mem_limit = inv_col_u64(st, 6);
	c->cpu_usec = inv_col_u64(st, 7);
	inv_col_text(st, 8, c->backend, sizeof(c->backend));
	c->rootfs_bytes = inv_col_u64(st, 9);
	r->last_seen = sqlite3_column_int64(st, 10);
	inv_col_text(st, 11, c->ipv4_config, sizeof(c->ipv4_config));
}

int
inventory_containers(struct inventory *inv, const char *name,
    const char *host, struct msg_ct_rec_list *out)
{
	sqlite3_stmt *st;
	void *v;
	int r;

	out->v = NULL;
	out->n = 0;
	if ((st = invdb_stmt(inv, sql_containers)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, name) != SQLITE_OK ||
	    inv_bind_str(st, 2, host) != SQLITE_OK)
		return inv_bind_fail(inv, st, "list containers");
	r = inv_rows(inv, st, "list containers", sizeof(*out->v), &v,
	    &out->n, read_container);
	out->v = v;
	return r;
}

int
inventory_load_history(struct inventory *inv, const char *host,
    struct inv_load_sample *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (host == NULL || (max > 0 && out == NULL)) {
		inv_set_err(inv, "load history: missing argument");
		return -1;
	}
	if (max == 0)
		return 0;
	if ((st = invdb_stmt(inv, sql_history)) == NULL)
		return -1;
	if ((rc = inv_bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, max > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)max)) != SQLITE_OK) {
		inv_db_err(inv, "load history");
		inv_stmt_done(st);
		return -1;
	}
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[*n].t = sqlite3_column_int64(st, 0);
		out[*n].load1 = inv_col_u32(st, 1);
		out[*n].mem_available = inv_col_u64(st, 2);
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		inv_db_err(inv, "load history");
		inv_stmt_done(st);
		*n = 0;
		return -1;
	}
	inv_stmt_done(st);
	return 0;
}
