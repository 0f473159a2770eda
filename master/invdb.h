/* corral-master: the inventory's SQLite connection and the helpers its
 * modules (inventory.c, jobs.c, dailydb.c) share.  Private to those modules.
 *
 * Each module keeps its SQL as constant strings; invdb_stmt() prepares one
 * once per connection and caches it by the string's address.  Errors: on
 * -1 inv->err holds the context and SQLite's message, copied before any
 * ROLLBACK can replace it.
 */
#ifndef CORRAL_INVDB_H
#define CORRAL_INVDB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define INV_ERR_MAX   512
#define INV_STMT_MAX  48      /* statements cached per connection */

struct inventory {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} st[INV_STMT_MAX];
	char err[INV_ERR_MAX];
};

/* The schema, step i taking PRAGMA user_version from i to i + 1 (schema.c). */
extern const char *const inv_migrations[];
extern const int inv_schema_version;

void inv_set_err(struct inventory *inv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "what: <SQLite's message>" */
void inv_db_err(struct inventory *inv, const char *what);

/* The prepared statement of sql (a constant string), or NULL (err set). */
sqlite3_stmt *invdb_stmt(struct inventory *inv, const char *sql);
/* Ready st for its next use; no binding outlives the call that made it. */
void inv_stmt_done(sqlite3_stmt *st);
/* Run a statement whose rows are not wanted: 0 or -1. */
int inv_run(struct inventory *inv, sqlite3_stmt *st, const char *what);
/* A bind failed: report it, ready st, return -1. */
int inv_bind_fail(struct inventory *inv, sqlite3_stmt *st, const char *what);

int inv_bind_str(sqlite3_stmt *st, int i, const char *s);
/* a fixed-size field: never read past cap, terminated or not */
int inv_bind_field(sqlite3_stmt *st, int i, const char *s, size_t cap);
/* SQLite integers are signed 64-bit: a u64 is stored by its bit pattern */
int inv_bind_u64(sqlite3_stmt *st, int i, uint64_t v);
void inv_col_text(sqlite3_stmt *st, int i, char *dst, size_t cap);
uint64_t inv_col_u64(sqlite3_stmt *st, int i);
uint32_t inv_col_u32(sqlite3_stmt *st, int i);

/* Room for element n of an array v of *cap elements of size: v itself, or
 * a larger copy, or NULL (v untouched) when memory runs out. */
void *inv_grow(void *v, size_t *cap, size_t n, size_t size);

/* Prepare sql, bind the n int64 arguments as ?1..?n and run it: 0 or -1. */
int inv_exec_i64(struct inventory *inv, const char *sql, const char *what,
    int n, ...);

/* Step st (bound by the caller) to its end, appending each row, as read
 * by read(), to the array *v of *n elements of size; st is ready for its
 * next use after.  0, or -1 with *v freed and NULL. */
int inv_rows(struct inventory *inv, sqlite3_stmt *st, const char *what,
    size_t size, void **v, size_t *n, void (*read)(sqlite3_stmt *, void *));

int inv_begin(struct inventory *inv);
void inv_rollback(struct inventory *inv);
int inv_commit(struct inventory *inv);

#endif
