/* corral-master: the daily tasks' last runs in the inventory (table
 * daily_runs; see daily.h). */
#include <stdio.h>

#include "inventory.h"
#include "invdb.h"

static const char sql_get[] =
    "SELECT last_run FROM daily_runs WHERE name = ?1";
static const char sql_forget[] =
    "DELETE FROM daily_runs WHERE name = ?1 OR name LIKE ?1 || '@%'";
static const char sql_set[] =
    "INSERT INTO daily_runs (name, last_run) VALUES (?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run";

int
inventory_daily_last(struct inventory *inv, const char *name, int64_t *last)
{
	sqlite3_stmt *st;
	int r;

	if ((st = invdb_stmt(inv, sql_get)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, name) != SQLITE_OK)
		return inv_bind_fail(inv, st, "daily_runs");
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*last = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		inv_db_err(inv, "daily_runs");
	inv_stmt_done(st);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
inventory_daily_set(struct inventory *inv, const char *name, int64_t last)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_set)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, name) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, last) != SQLITE_OK)
		return inv_bind_fail(inv, st, "daily_runs");
	return inv_run(inv, st, "daily_runs");
}

int
inventory_daily_forget(struct inventory *inv, const char *name)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_forget)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, name) != SQLITE_OK)
		return inv_bind_fail(inv, st, "daily_runs");
	return inv_run(inv, st, "daily_runs");
}
