/* corral-master: the inventory's schema.  Step i takes PRAGMA user_version
 * from i to i + 1 and ends by setting it, so a later version appends one
 * string; a string once released never changes. */
#include "invdb.h"

const char *const inv_migrations[] = {
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
	/* 1 -> 2: jobs and the times of their steps.  Times in jobs and
	 * job_steps are milliseconds since the epoch.  The partial index is
	 * the rule "two jobs never touch the same container at once": a second
	 * active job of a container fails to insert. */
	"CREATE TABLE jobs ("
	"  id              INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind            TEXT NOT NULL,"
	"  container       TEXT NOT NULL DEFAULT '',"
	"  src             TEXT NOT NULL DEFAULT '',"
	"  dst             TEXT NOT NULL DEFAULT '',"
	"  args            TEXT NOT NULL DEFAULT '',"
	"  state           TEXT NOT NULL DEFAULT 'queued',"
	"  step            TEXT NOT NULL DEFAULT '',"
	"  bytes_done      INTEGER NOT NULL DEFAULT 0,"
	"  bytes_total     INTEGER NOT NULL DEFAULT 0,"
	"  error           TEXT NOT NULL DEFAULT '',"
	"  cancel          INTEGER NOT NULL DEFAULT 0,"
	"  created         INTEGER NOT NULL,"
	"  started         INTEGER NOT NULL DEFAULT 0,"
	"  ended           INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE UNIQUE INDEX jobs_active_container ON jobs (container)"
	"  WHERE state IN ('queued', 'running') AND container <> '';"
	"CREATE INDEX jobs_state ON jobs (state);"
	"CREATE TABLE job_steps ("
	"  job             INTEGER NOT NULL"
	"                  REFERENCES jobs(id) ON DELETE CASCADE,"
	"  seq             INTEGER NOT NULL,"
	"  step            TEXT NOT NULL,"
	"  started         INTEGER NOT NULL,"
	"  ended           INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (job, seq)"
	");"
	"PRAGMA user_version = 2;",
	/* 2 -> 3: what a job found, for its CLI: "key=value ..." (get: the
	 * version it made). */
	"ALTER TABLE jobs ADD COLUMN result TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 3;",
	/* 3 -> 4: placement and balance.  hosts.drained: corral host drain
	 * (never chosen until undrained); containers.cpu_milli: CPU in use in
	 * thousandths of a core, from cpu_usec between the last two polls;
	 * containers.unseen: set before a poll's
	 * list is stored, cleared by it; load_history.cpu_milli: the sum of the host's containers'; moves
	 * balance queued (its cooldown); when each daily task (backup_at,
	 * balance_at: master/daily.h) last began, so that a restart does not
	 * run it twice. */
	"ALTER TABLE hosts ADD COLUMN drained INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN cpu_milli INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN unseen INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE load_history ADD COLUMN cpu_milli INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE balance_moves ("
	"  container       TEXT NOT NULL,"
	"  t               INTEGER NOT NULL"
	");"
	"CREATE INDEX balance_moves_t ON balance_moves (t);"
	"CREATE TABLE daily_runs ("
	"  name            TEXT PRIMARY KEY NOT NULL,"
	"  last_run        INTEGER NOT NULL"
	");"
	"PRAGMA user_version = 4;",
	/* 4 -> 5: the host's own CPU.  hosts.cpu_busy and cpu_total: its
	 * last report's counters (HOST_INFO, clock ticks since boot);
	 * hosts.cpu_use: its CPU in use between its last two reports, in
	 * thousandths of a core (inventory_cpu_use); load_history.
	 * host_cpu_milli: that, at each sample (placement's 15-minute
	 * average). */
	"ALTER TABLE hosts ADD COLUMN cpu_busy INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hosts ADD COLUMN cpu_total INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hosts ADD COLUMN cpu_use INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE load_history ADD COLUMN host_cpu_milli INTEGER NOT NULL"
	"  DEFAULT 0;"
	"PRAGMA user_version = 5;",
	/* 5 -> 6: containers.ipv4_config: the IPv4 addresses its config
	 * gives a container, running or not (CT_LIST's ipv4_config; ipv4 is
	 * a running one's), which the address checks of create and put see
	 * (addrown.c). */
	"ALTER TABLE containers ADD COLUMN ipv4_config TEXT NOT NULL"
	"  DEFAULT '';"
	"PRAGMA user_version = 6;",
};

const int inv_schema_version =
    (int)(sizeof(inv_migrations) / sizeof(inv_migrations[0]));
