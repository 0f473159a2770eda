/* corral-master: the inventory of hosts and containers, in SQLite.
 *
 * The schema is migrations[]: step i takes PRAGMA user_version from i to
 * i + 1 and ends by setting it, so a later version appends one string.
 * Every statement that touches data is in stmt_sql[], prepared once per
 * connection and run with bound parameters; the only SQL run unprepared is
 * constant text (PRAGMAs, BEGIN/COMMIT/ROLLBACK, the migrations).
 *
 * Errors: every public function returns 0 or -1; on -1 inv->err holds the
 * context and the SQLite message, copied before any ROLLBACK can replace it.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "inventory.h"

#define INV_ERR_MAX  512
#define INV_BUSY_MS  5000

/* ---- schema ---- */

static const char *const migrations[] = {
	/* 0 -> 1: hosts, their containers, their load history. */
	"CREATE TABLE hosts ("
	"  name            TEXT PRIMARY KEY NOT NULL,"
	"  address         TEXT NOT NULL,"
	"  port            INTEGER NOT NULL,"
	"  noselect        INTEGER NOT NULL DEFAULT 0,"
	"  state           TEXT NOT NULL DEFAULT 'down',"
	"  reason          TEXT NOT NULL DEFAULT '',"
	"  hostname        TEXT NOT NULL DEFAULT '',"
	"  cores           INTEGER NOT NULL DEFAULT 0,"
	"  load1           INTEGER NOT NULL DEFAULT 0,"
	"  load5           INTEGER NOT NULL DEFAULT 0,"
	"  load15          INTEGER NOT NULL DEFAULT 0,"
	"  mem_total       INTEGER NOT NULL DEFAULT 0,"
	"  mem_available   INTEGER NOT NULL DEFAULT 0,"
	"  storage_backend TEXT NOT NULL DEFAULT '',"
	"  storage_total   INTEGER NOT NULL DEFAULT 0,"
	"  storage_free    INTEGER NOT NULL DEFAULT 0,"
	"  containers      INTEGER NOT NULL DEFAULT 0,"
	"  uptime          INTEGER NOT NULL DEFAULT 0,"
	"  version         TEXT NOT NULL DEFAULT '',"
	"  last_seen       INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE containers ("
	"  host            TEXT NOT NULL"
	"                  REFERENCES hosts(name) ON DELETE CASCADE,"
	"  name            TEXT NOT NULL,"
	"  state           TEXT NOT NULL DEFAULT '',"
	"  ipv4            TEXT NOT NULL DEFAULT '',"
	"  autostart       INTEGER NOT NULL DEFAULT 0,"
	"  mem_used        INTEGER NOT NULL DEFAULT 0,"
	"  mem_limit       INTEGER NOT NULL DEFAULT 0,"
	"  cpu_usec        INTEGER NOT NULL DEFAULT 0,"
	"  backend         TEXT NOT NULL DEFAULT '',"
	"  rootfs_bytes    INTEGER NOT NULL DEFAULT 0,"
	"  last_seen       INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (host, name)"
	");"
	"CREATE TABLE load_history ("
	"  host            TEXT NOT NULL"
	"                  REFERENCES hosts(name) ON DELETE CASCADE,"
	"  t               INTEGER NOT NULL,"
	"  load1           INTEGER NOT NULL,"
	"  mem_available   INTEGER NOT NULL"
	");"
	"CREATE INDEX load_history_host_t ON load_history (host, t);"
	"PRAGMA user_version = 1;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements ---- */

enum inv_stmt {
	ST_USER_VERSION,
	ST_HOST_NAMES,
	ST_HOST_UPSERT,
	ST_HOST_DELETE,
	ST_HOST_UP,
	ST_HOST_DOWN,
	ST_CT_DELETE,
	ST_CT_INSERT,
	ST_HIST_INSERT,
	ST_HIST_PRUNE,
	ST_HOSTS,
	ST_CONTAINERS,
	ST_HISTORY,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_USER_VERSION] = "PRAGMA user_version",
	[ST_HOST_NAMES] = "SELECT name FROM hosts",
	/* A known host keeps its state, except that up and noselect follow
	 * the noselect flag: they both mean "answered the last poll". */
	[ST_HOST_UPSERT] =
	    "INSERT INTO hosts (name, address, port, noselect, state, reason)"
	    " VALUES (?1, ?2, ?3, ?4, 'down', 'never contacted')"
	    " ON CONFLICT (name) DO UPDATE SET"
	    "  address = excluded.address, port = excluded.port,"
	    "  noselect = excluded.noselect,"
	    "  state = CASE WHEN state = 'down' THEN 'down'"
	    "   WHEN excluded.noselect THEN 'noselect' ELSE 'up' END",
	[ST_HOST_DELETE] = "DELETE FROM hosts WHERE name = ?1",
	[ST_HOST_UP] =
	    "UPDATE hosts SET"
	    " state = CASE WHEN noselect THEN 'noselect' ELSE 'up' END,"
	    " reason = '', hostname = ?2, cores = ?3, load1 = ?4, load5 = ?5,"
	    " load15 = ?6, mem_total = ?7, mem_available = ?8,"
	    " storage_backend = ?9, storage_total = ?10, storage_free = ?11,"
	    " containers = ?12, uptime = ?13, version = ?14, last_seen = ?15"
	    " WHERE name = ?1",
	[ST_HOST_DOWN] =
	    "UPDATE hosts SET state = 'down', reason = ?2 WHERE name = ?1",
	[ST_CT_DELETE] = "DELETE FROM containers WHERE host = ?1",
	[ST_CT_INSERT] =
	    "INSERT INTO containers (host, name, state, ipv4, autostart,"
	    " mem_used, mem_limit, cpu_usec, backend, rootfs_bytes, last_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_HIST_INSERT] =
	    "INSERT INTO load_history (host, t, load1, mem_available)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_HIST_PRUNE] =
	    "DELETE FROM load_history WHERE host = ?1 AND rowid IN"
	    " (SELECT rowid FROM load_history WHERE host = ?1"
	    "  ORDER BY t DESC, rowid DESC LIMIT -1 OFFSET ?2)",
	[ST_HOSTS] =
	    "SELECT name, address, port, state, reason, hostname, cores,"
	    " load1, load5, load15, mem_total, mem_available, storage_backend,"
	    " storage_total, storage_free, containers, uptime, version,"
	    " last_seen FROM hosts ORDER BY name",
	[ST_CONTAINERS] =
	    "SELECT host, name, state, ipv4, autostart, mem_used, mem_limit,"
	    " cpu_usec, backend, rootfs_bytes, last_seen FROM containers"
	    " WHERE (?1 = '' OR name = ?1) AND (?2 = '' OR host = ?2)"
	    " ORDER BY name, host",
	[ST_HISTORY] =
	    "SELECT t, load1, mem_available FROM load_history WHERE host = ?1"
	    " ORDER BY t DESC, rowid DESC LIMIT ?2",
};

struct inventory {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char err[INV_ERR_MAX];
};

/* ---- errors ---- */

static void __attribute__((format(printf, 2, 3)))
set_err(struct inventory *inv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inv->err, sizeof(inv->err), fmt, ap);
	va_end(ap);
}

/* "what: <SQLite's message>" */
static void
db_err(struct inventory *inv, const char *what)
{
	set_err(inv, "%s: %s", what, sqlite3_errmsg(inv->db));
}

/* ---- statement helpers ---- */

static sqlite3_stmt *
stmt(struct inventory *inv, enum inv_stmt id)
{
	if (inv->st[id] == NULL &&
	    sqlite3_prepare_v3(inv->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &inv->st[id], NULL) != SQLITE_OK) {
		db_err(inv, "prepare");
		return NULL;
	}
	return inv->st[id];
}

/* Ready st for its next use; no binding outlives the call that made it. */
static void
stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a statement that returns no rows (or whose rows are not wanted). */
static int
run(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		db_err(inv, what);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A bind failed: report it and leave st ready for its next use. */
static int
bind_fail(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	db_err(inv, what);
	stmt_done(st);
	return -1;
}

/* A C string of the caller. */
static int
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

/* A fixed-size field: never read past cap, terminated or not. */
static int
bind_field(sqlite3_stmt *st, int i, const char *s, size_t cap)
{
	return sqlite3_bind_text(st, i, s, (int)strnlen(s, cap),
	    SQLITE_STATIC);
}

/* SQLite integers are signed 64-bit: a u64 is stored by its bit pattern
 * and read back by col_u64(). */
static int
bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = s != NULL ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

static uint64_t
col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

static uint32_t
col_u32(sqlite3_stmt *st, int i)
{
	return (uint32_t)sqlite3_column_int64(st, i);
}

/* Room for element n of an array v of *cap elements of size: v itself,
 * or a larger copy, or NULL (v untouched) when memory runs out. */
static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((p = realloc(v, ncap * size)) == NULL)
		return NULL;
	*cap = ncap;
	return p;
}

/* ---- transactions ---- */

static int
tx_begin(struct inventory *inv)
{
	if (sqlite3_exec(inv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		db_err(inv, "begin");
		return -1;
	}
	return 0;
}

static void
tx_rollback(struct inventory *inv)
{
	if (!sqlite3_get_autocommit(inv->db))
		sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
tx_commit(struct inventory *inv)
{
	if (sqlite3_exec(inv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(inv, "commit");
		tx_rollback(inv);
		return -1;
	}
	return 0;
}

/* ---- open, migrate, close ---- */

static int
user_version(struct inventory *inv, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(inv, ST_USER_VERSION)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_err(inv, "read user_version");
		stmt_done(st);
		return -1;
	}
	*v = sqlite3_column_int(st, 0);
	stmt_done(st);
	return 0;
}

static int
migrate(struct inventory *inv)
{
	int v, i;

	if (user_version(inv, &v) != 0)
		return -1;
	if (v == SCHEMA_VERSION)
		return 0;
	/* Another process may be migrating too: look again under the lock. */
	if (tx_begin(inv) != 0 || user_version(inv, &v) != 0)
		goto fail;
	if (v < 0 || v > SCHEMA_VERSION) {
		set_err(inv, "schema version %d is not one this program knows "
		    "(1 to %d)", v, SCHEMA_VERSION);
		goto fail;
	}
	for (i = v; i < SCHEMA_VERSION; i++) {
		if (sqlite3_exec(inv->db, migrations[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			set_err(inv, "migration to schema version %d: %s",
			    i + 1, sqlite3_errmsg(inv->db));
			goto fail;
		}
		if (user_version(inv, &v) != 0)
			goto fail;
		if (v != i + 1) {
			set_err(inv, "migration to schema version %d left "
			    "version %d", i + 1, v);
			goto fail;
		}
	}
	return tx_commit(inv);
fail:
	tx_rollback(inv);
	return -1;
}

static int
configure(struct inventory *inv)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int ok;

	sqlite3_extended_result_codes(inv->db, 1);
	if (sqlite3_busy_timeout(inv->db, INV_BUSY_MS) != SQLITE_OK) {
		db_err(inv, "busy_timeout");
		return -1;
	}
	/* journal_mode answers with the mode in effect: check it. */
	if (sqlite3_prepare_v2(inv->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		db_err(inv, "journal_mode");
		sqlite3_finalize(st);
		return -1;
	}
	mode = sqlite3_column_text(st, 0);
	ok = mode != NULL && strcasecmp((const char *)mode, "wal") == 0;
	if (!ok)
		set_err(inv, "journal_mode: WAL refused, mode is %s",
		    mode != NULL ? (const char *)mode : "unknown");
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	if (sqlite3_exec(inv->db, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(inv, "pragma");
		return -1;
	}
	return 0;
}

/* SQLite would only say "unable to open database file": name the
 * directory that is missing. */
static int
check_dir(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	char *copy, *dir;
	int r = 0;

	if ((copy = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	dir = dirname(copy);
	if (stat(dir, &sb) != 0) {
		snprintf(err, errlen, "%s: directory %s: %s", path, dir,
		    strerror(errno));
		r = -1;
	} else if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", path, dir);
		r = -1;
	}
	free(copy);
	return r;
}

struct inventory *
inventory_open(const char *path, char *err, size_t errlen)
{
	struct inventory *inv;
	char dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "inventory: no database path");
		return NULL;
	}
	if (check_dir(path, err, errlen) != 0)
		return NULL;
	if ((inv = calloc(1, sizeof(*inv))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &inv->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (inv->db != NULL)
			db_err(inv, "open");
		else
			set_err(inv, "open: out of memory");
		goto fail;
	}
	if (configure(inv) != 0 || migrate(inv) != 0)
		goto fail;
	return inv;
fail:
	snprintf(err, errlen, "%s: %s", path, inv->err);
	inventory_close(inv);
	return NULL;
}

void
inventory_close(struct inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(inv->st[i]);
	sqlite3_close(inv->db);
	free(inv);
}

const char *
inventory_errmsg(struct inventory *inv)
{
	return inv != NULL ? inv->err : "no inventory";
}

/* ---- writes ---- */

static int
check_host_cfg(struct inventory *inv, const struct inv_host_cfg *h,
    size_t i)
{
	if (h->name == NULL || *h->name == '\0') {
		set_err(inv, "host %zu: empty name", i);
		return -1;
	}
	if (strlen(h->name) >= PROTO_NAME_MAX) {
		set_err(inv, "host %s: name longer than %d bytes", h->name,
		    PROTO_NAME_MAX - 1);
		return -1;
	}
	if (h->address == NULL || strlen(h->address) >= MSG_ADDR_MAX) {
		set_err(inv, "host %s: address missing or longer than %d "
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
	if ((st = stmt(inv, ST_HOST_NAMES)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, name) == 0)
				break;
		if (i < n)
			continue;
		if ((p = grow(*names, &cap, *count, sizeof(**names))) == NULL)
			goto nomem;
		*names = p;
		if (((*names)[*count] = strdup(name)) == NULL)
			goto nomem;
		(*count)++;
	}
	if (rc != SQLITE_DONE) {
		db_err(inv, "list hosts");
		stmt_done(st);
		return -1;
	}
	stmt_done(st);
	return 0;
nomem:
	set_err(inv, "list hosts: out of memory");
	stmt_done(st);
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
		set_err(inv, "sync hosts: no host list");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (check_host_cfg(inv, &v[i], i) != 0)
			return -1;
	if (tx_begin(inv) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((st = stmt(inv, ST_HOST_UPSERT)) == NULL)
			goto fail;
		if ((rc = bind_str(st, 1, v[i].name)) != SQLITE_OK ||
		    (rc = bind_str(st, 2, v[i].address)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(st, 3, v[i].port)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(st, 4, v[i].noselect != 0)) !=
		    SQLITE_OK) {
			bind_fail(inv, st, "store host");
			goto fail;
		}
		if (run(inv, st, "store host") != 0)
			goto fail;
	}
	if (unlisted_hosts(inv, v, n, &gone, &n_gone) != 0)
		goto fail;
	for (i = 0; i < n_gone; i++) {
		/* Its containers and history go with it (ON DELETE CASCADE). */
		if ((st = stmt(inv, ST_HOST_DELETE)) == NULL)
			goto fail;
		if (bind_str(st, 1, gone[i]) != SQLITE_OK) {
			bind_fail(inv, st, "delete host");
			goto fail;
		}
		if (run(inv, st, "delete host") != 0)
			goto fail;
	}
	free_names(gone, n_gone);
	return tx_commit(inv);
fail:
	free_names(gone, n_gone);
	tx_rollback(inv);
	return -1;
}

static int
store_host_info(struct inventory *inv, const char *host,
    const struct msg_host_info *m, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(inv, ST_HOST_UP)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = bind_field(st, 2, m->hostname, sizeof(m->hostname))) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, m->cores)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 4, m->load1)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, m->load5)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, m->load15)) != SQLITE_OK ||
	    (rc = bind_u64(st, 7, m->mem_total)) != SQLITE_OK ||
	    (rc = bind_u64(st, 8, m->mem_available)) != SQLITE_OK ||
	    (rc = bind_field(st, 9, m->storage_backend,
	    sizeof(m->storage_backend))) != SQLITE_OK ||
	    (rc = bind_u64(st, 10, m->storage_total)) != SQLITE_OK ||
	    (rc = bind_u64(st, 11, m->storage_free)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 12, m->containers)) != SQLITE_OK ||
	    (rc = bind_u64(st, 13, m->uptime)) != SQLITE_OK ||
	    (rc = bind_field(st, 14, m->version, sizeof(m->version))) !=
	    SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 15, now)) != SQLITE_OK)
		return bind_fail(inv, st, "update host");
	if (run(inv, st, "update host") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		set_err(inv, "%s: no such host in the inventory", host);
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

	if ((st = stmt(inv, ST_CT_INSERT)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = bind_field(st, 2, c->name, sizeof(c->name))) != SQLITE_OK ||
	    (rc = bind_field(st, 3, c->state, sizeof(c->state))) !=
	    SQLITE_OK ||
	    (rc = bind_field(st, 4, c->ipv4, sizeof(c->ipv4))) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, c->autostart)) != SQLITE_OK ||
	    (rc = bind_u64(st, 6, c->mem_used)) != SQLITE_OK ||
	    (rc = bind_u64(st, 7, c->mem_limit)) != SQLITE_OK ||
	    (rc = bind_u64(st, 8, c->cpu_usec)) != SQLITE_OK ||
	    (rc = bind_field(st, 9, c->backend, sizeof(c->backend))) !=
	    SQLITE_OK ||
	    (rc = bind_u64(st, 10, c->rootfs_bytes)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 11, now)) != SQLITE_OK)
		return bind_fail(inv, st, "store container");
	return run(inv, st, "store container");
}

static int
store_history(struct inventory *inv, const char *host,
    const struct msg_host_info *m, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(inv, ST_HIST_INSERT)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, now)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, m->load1)) != SQLITE_OK ||
	    (rc = bind_u64(st, 4, m->mem_available)) != SQLITE_OK)
		return bind_fail(inv, st, "store load sample");
	if (run(inv, st, "store load sample") != 0)
		return -1;
	if ((st = stmt(inv, ST_HIST_PRUNE)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 2, INVENTORY_HISTORY_MAX)) != SQLITE_OK)
		return bind_fail(inv, st, "prune load history");
	return run(inv, st, "prune load history");
}

int
inventory_host_up(struct inventory *inv, const char *host,
    const struct msg_host_info *info, const struct msg_ct_info *cts,
    size_t n_cts, int64_t now)
{
	sqlite3_stmt *st;
	size_t i;

	if (host == NULL || info == NULL || (n_cts > 0 && cts == NULL)) {
		set_err(inv, "host up: missing argument");
		return -1;
	}
	if (tx_begin(inv) != 0)
		return -1;
	if (store_host_info(inv, host, info, now) != 0)
		goto fail;
	if ((st = stmt(inv, ST_CT_DELETE)) == NULL)
		goto fail;
	if (bind_str(st, 1, host) != SQLITE_OK) {
		bind_fail(inv, st, "forget containers");
		goto fail;
	}
	if (run(inv, st, "forget containers") != 0)
		goto fail;
	for (i = 0; i < n_cts; i++)
		if (store_container(inv, host, &cts[i], now) != 0)
			goto fail;
	if (store_history(inv, host, info, now) != 0)
		goto fail;
	return tx_commit(inv);
fail:
	tx_rollback(inv);
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
		set_err(inv, "host down: missing host");
		return -1;
	}
	if (reason == NULL)
		reason = "";
	if ((st = stmt(inv, ST_HOST_DOWN)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = bind_field(st, 2, reason, MSG_REASON_MAX - 1)) != SQLITE_OK)
		return bind_fail(inv, st, "mark host down");
	if (run(inv, st, "mark host down") != 0)
		return -1;
	if (sqlite3_changes(inv->db) == 0) {
		set_err(inv, "%s: no such host in the inventory", host);
		return -1;
	}
	return 0;
}

/* ---- reads ---- */

static void
read_host(sqlite3_stmt *st, struct msg_host_rec *r)
{
	struct msg_host_info *m = &r->info;

	memset(r, 0, sizeof(*r));
	col_text(st, 0, r->name, sizeof(r->name));
	col_text(st, 1, r->address, sizeof(r->address));
	r->port = (uint16_t)sqlite3_column_int(st, 2);
	col_text(st, 3, r->state, sizeof(r->state));
	col_text(st, 4, r->reason, sizeof(r->reason));
	col_text(st, 5, m->hostname, sizeof(m->hostname));
	m->cores = col_u32(st, 6);
	m->load1 = col_u32(st, 7);
	m->load5 = col_u32(st, 8);
	m->load15 = col_u32(st, 9);
	m->mem_total = col_u64(st, 10);
	m->mem_available = col_u64(st, 11);
	col_text(st, 12, m->storage_backend, sizeof(m->storage_backend));
	m->storage_total = col_u64(st, 13);
	m->storage_free = col_u64(st, 14);
	m->containers = col_u32(st, 15);
	m->uptime = col_u64(st, 16);
	col_text(st, 17, m->version, sizeof(m->version));
	r->last_seen = sqlite3_column_int64(st, 18);
}

int
inventory_hosts(struct inventory *inv, struct msg_host_list *out)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	void *p;
	int rc;

	out->v = NULL;
	out->n = 0;
	if ((st = stmt(inv, ST_HOSTS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((p = grow(out->v, &cap, out->n, sizeof(*out->v))) == NULL) {
			set_err(inv, "list hosts: out of memory");
			goto fail;
		}
		out->v = p;
		read_host(st, &out->v[out->n++]);
	}
	if (rc != SQLITE_DONE) {
		db_err(inv, "list hosts");
		goto fail;
	}
	stmt_done(st);
	return 0;
fail:
	stmt_done(st);
	msg_host_list_free(out);
	return -1;
}

static void
read_container(sqlite3_stmt *st, struct msg_ct_rec *r)
{
	struct msg_ct_info *c = &r->ct;

	memset(r, 0, sizeof(*r));
	col_text(st, 0, r->host, sizeof(r->host));
	col_text(st, 1, c->name, sizeof(c->name));
	col_text(st, 2, c->state, sizeof(c->state));
	col_text(st, 3, c->ipv4, sizeof(c->ipv4));
	c->autostart = sqlite3_column_int(st, 4) != 0;
	c->mem_used = col_u64(st, 5);
	c->mem_limit = col_u64(st, 6);
	c->cpu_usec = col_u64(st, 7);
	col_text(st, 8, c->backend, sizeof(c->backend));
	c->rootfs_bytes = col_u64(st, 9);
	r->last_seen = sqlite3_column_int64(st, 10);
}

int
inventory_containers(struct inventory *inv, const char *name,
    const char *host, struct msg_ct_rec_list *out)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	void *p;
	int rc;

	out->v = NULL;
	out->n = 0;
	if ((st = stmt(inv, ST_CONTAINERS)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, name)) != SQLITE_OK ||
	    (rc = bind_str(st, 2, host)) != SQLITE_OK) {
		db_err(inv, "list containers");
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((p = grow(out->v, &cap, out->n, sizeof(*out->v))) == NULL) {
			set_err(inv, "list containers: out of memory");
			goto fail;
		}
		out->v = p;
		read_container(st, &out->v[out->n++]);
	}
	if (rc != SQLITE_DONE) {
		db_err(inv, "list containers");
		goto fail;
	}
	stmt_done(st);
	return 0;
fail:
	stmt_done(st);
	msg_ct_rec_list_free(out);
	return -1;
}

int
inventory_load_history(struct inventory *inv, const char *host,
    struct inv_load_sample *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (host == NULL || (max > 0 && out == NULL)) {
		set_err(inv, "load history: missing argument");
		return -1;
	}
	if (max == 0)
		return 0;
	if ((st = stmt(inv, ST_HISTORY)) == NULL)
		return -1;
	if ((rc = bind_str(st, 1, host)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 2, max > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)max)) != SQLITE_OK) {
		db_err(inv, "load history");
		stmt_done(st);
		return -1;
	}
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[*n].t = sqlite3_column_int64(st, 0);
		out[*n].load1 = col_u32(st, 1);
		out[*n].mem_available = col_u64(st, 2);
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(inv, "load history");
		stmt_done(st);
		*n = 0;
		return -1;
	}
	stmt_done(st);
	return 0;
}
