/* corral-master: the inventory's SQLite connection: open, configure,
 * migrate, close; statements prepared once; bind/column/transaction
 * helpers shared by inventory.c and jobs.c.  WAL mode with
 * synchronous=FULL: a commit survives a power loss. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "inventory.h"
#include "invdb.h"

#define INV_BUSY_MS  5000

/* ---- errors ---- */

void
inv_set_err(struct inventory *inv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inv->err, sizeof(inv->err), fmt, ap);
	va_end(ap);
}

void
inv_db_err(struct inventory *inv, const char *what)
{
	inv_set_err(inv, "%s: %s", what, sqlite3_errmsg(inv->db));
}

const char *
inventory_errmsg(struct inventory *inv)
{
	return inv != NULL ? inv->err : "no inventory";
}

/* ---- statements ---- */

sqlite3_stmt *
invdb_stmt(struct inventory *inv, const char *sql)
{
	size_t i;

	for (i = 0; i < INV_STMT_MAX && inv->st[i].sql != NULL; i++)
		if (inv->st[i].sql == sql)
			return inv->st[i].st;
	if (i == INV_STMT_MAX) {
		inv_set_err(inv, "prepare: more than %d statements",
		    INV_STMT_MAX);
		return NULL;
	}
	if (sqlite3_prepare_v3(inv->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &inv->st[i].st, NULL) != SQLITE_OK) {
		inv_db_err(inv, "prepare");
		inv->st[i].st = NULL;
		return NULL;
	}
	inv->st[i].sql = sql;
	return inv->st[i].st;
}

void
inv_stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
inv_run(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		inv_db_err(inv, what);
	inv_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
inv_bind_fail(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	inv_db_err(inv, what);
	inv_stmt_done(st);
	return -1;
}

int
inv_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

int
inv_bind_field(sqlite3_stmt *st, int i, const char *s, size_t cap)
{
	return sqlite3_bind_text(st, i, s, (int)strnlen(s, cap),
	    SQLITE_STATIC);
}

int
inv_bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

void
inv_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = s != NULL ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

uint64_t
inv_col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

uint32_t
inv_col_u32(sqlite3_stmt *st, int i)
{
	return (uint32_t)sqlite3_column_int64(st, i);
}

void *
inv_grow(void *v, size_t *cap, size_t n, size_t size)
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

int
inv_exec_i64(struct inventory *inv, const char *sql, const char *what,
    int n, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int i, rc = SQLITE_OK;

	if ((st = invdb_stmt(inv, sql)) == NULL)
		return -1;
	va_start(ap, n);
	for (i = 1; i <= n && rc == SQLITE_OK; i++)
		rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
	va_end(ap);
	if (rc != SQLITE_OK)
		return inv_bind_fail(inv, st, what);
	return inv_run(inv, st, what);
}

int
inv_rows(struct inventory *inv, sqlite3_stmt *st, const char *what,
    size_t size, void **v, size_t *n, void (*read)(sqlite3_stmt *, void *))
{
	size_t cap = 0;
	void *p;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((p = inv_grow(*v, &cap, *n, size)) == NULL) {
			inv_set_err(inv, "%s: out of memory", what);
			goto fail;
		}
		*v = p;
		read(st, (char *)p + *n * size);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		inv_db_err(inv, what);
		goto fail;
	}
	inv_stmt_done(st);
	return 0;
fail:
	inv_stmt_done(st);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

/* ---- transactions ---- */

int
inv_begin(struct inventory *inv)
{
	if (sqlite3_exec(inv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		inv_db_err(inv, "begin");
		return -1;
	}
	return 0;
}

void
inv_rollback(struct inventory *inv)
{
	if (!sqlite3_get_autocommit(inv->db))
		sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
}

int
inv_commit(struct inventory *inv)
{
	if (sqlite3_exec(inv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		inv_db_err(inv, "commit");
		inv_rollback(inv);
		return -1;
	}
	return 0;
}

/* ---- open, migrate, close ---- */

static const char sql_user_version[] = "PRAGMA user_version";

static int
user_version(struct inventory *inv, int *v)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_user_version)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		inv_db_err(inv, "read user_version");
		inv_stmt_done(st);
		return -1;
	}
	*v = sqlite3_column_int(st, 0);
	inv_stmt_done(st);
	return 0;
}

static int
migrate(struct inventory *inv)
{
	int v, i;

	if (user_version(inv, &v) != 0)
		return -1;
	if (v == inv_schema_version)
		return 0;
	/* Another process may be migrating too: look again under the lock. */
	if (inv_begin(inv) != 0 || user_version(inv, &v) != 0)
		goto fail;
	if (v < 0 || v > inv_schema_version) {
		inv_set_err(inv, "schema version %d is not one this program "
		    "knows (1 to %d)", v, inv_schema_version);
		goto fail;
	}
	for (i = v; i < inv_schema_version; i++) {
		if (sqlite3_exec(inv->db, inv_migrations[i], NULL, NULL,
		    NULL) != SQLITE_OK) {
			inv_set_err(inv, "migration to schema version %d: %s",
			    i + 1, sqlite3_errmsg(inv->db));
			goto fail;
		}
		if (user_version(inv, &v) != 0)
			goto fail;
		if (v != i + 1) {
			inv_set_err(inv, "migration to schema version %d left "
			    "version %d", i + 1, v);
			goto fail;
		}
	}
	return inv_commit(inv);
fail:
	inv_rollback(inv);
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
		inv_db_err(inv, "busy_timeout");
		return -1;
	}
	/* journal_mode answers with the mode in effect: check it. */
	if (sqlite3_prepare_v2(inv->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		inv_db_err(inv, "journal_mode");
		sqlite3_finalize(st);
		return -1;
	}
	mode = sqlite3_column_text(st, 0);
	ok = mode != NULL && strcasecmp((const char *)mode, "wal") == 0;
	if (!ok)
		inv_set_err(inv, "journal_mode: WAL refused, mode is %s",
		    mode != NULL ? (const char *)mode : "unknown");
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	if (sqlite3_exec(inv->db, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;", NULL, NULL, NULL) != SQLITE_OK) {
		inv_db_err(inv, "pragma");
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
			inv_db_err(inv, "open");
		else
			inv_set_err(inv, "open: out of memory");
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
	for (i = 0; i < INV_STMT_MAX && inv->st[i].sql != NULL; i++)
		sqlite3_finalize(inv->st[i].st);
	sqlite3_close(inv->db);
	free(inv);
}
