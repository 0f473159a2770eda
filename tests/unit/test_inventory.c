/* Unit tests: the master's SQLite inventory (master/inventory.c), on real
 * database files in a fresh mkdtemp() directory per test. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "addrown.h"
#include "conf.h"
#include "inventory.h"
#include "jobs.h"
#include "msg.h"
#include "placedb.h"
#include "store.h"

struct fixture {
	char dir[256];
	char path[300];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/corral-inv-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/inventory.db", f->dir);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The database, its -wal and -shm, a store: everything in the
 * directory. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	(void)nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct inventory *
open_ok(const struct fixture *f)
{
	char err[512] = "";
	struct inventory *inv = inventory_open(f->path, err, sizeof(err));

	if (inv == NULL)
		fail_msg("inventory_open: %s", err);
	return inv;
}

static void
must(struct inventory *inv, int r)
{
	if (r != 0)
		fail_msg("inventory: %s", inventory_errmsg(inv));
}

/* An integer answered by a query on a raw SQLite connection. */
static int64_t
raw_int(const struct fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
sync3(struct inventory *inv, int noselect_b)
{
	const struct inv_host_cfg cfg[] = {
		{ "alpha", "10.0.0.1", 22, 0 },
		{ "bravo", "bravo.example.org", 2222, noselect_b },
		{ "charlie", "10.0.0.3", 22, 0 },
	};

	must(inv, inventory_sync_hosts(inv, cfg, 3));
}

static void
fill_info(struct msg_host_info *m, uint32_t seed)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->hostname, sizeof(m->hostname), "node%u.example.org",
	    seed);
	m->cores = 8 + seed;
	m->load1 = 1000 + seed;
	m->load5 = 2000 + seed;
	m->load15 = 3000 + seed;
	m->mem_total = 64ULL << 30;
	m->mem_available = (32ULL << 30) + seed;
	snprintf(m->storage_backend, sizeof(m->storage_backend), "btrfs");
	m->storage_total = UINT64_MAX;            /* above INT64_MAX */
	m->storage_free = (1ULL << 63) + seed;
	m->containers = 3;
	m->uptime = 86400ULL * 365 + seed;
	snprintf(m->version, sizeof(m->version), "corral-slave 0.1.%u",
	    seed);
}

static void
fill_ct(struct msg_ct_info *c, const char *name, const char *state,
    uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->state, sizeof(c->state), "%s", state);
	snprintf(c->ipv4, sizeof(c->ipv4), "10.0.3.%u,10.0.4.%u",
	    (unsigned)seed, (unsigned)seed);
	c->autostart = (uint8_t)(seed % 2);
	c->mem_used = 1000 * seed;
	c->mem_limit = seed % 2 ? 0 : UINT64_MAX - seed;
	c->cpu_usec = 123456789ULL * seed;
	snprintf(c->backend, sizeof(c->backend), "%s",
	    seed % 2 ? "dir" : "lvm");
	c->rootfs_bytes = (1ULL << 33) + seed;
	snprintf(c->ipv4_config, sizeof(c->ipv4_config), "10.0.3.%u",
	    (unsigned)seed);
}

static void
assert_info_equal(const struct msg_host_info *a, const struct msg_host_info *b)
{
	assert_string_equal(a->hostname, b->hostname);
	assert_int_equal(a->cores, b->cores);
	assert_int_equal(a->load1, b->load1);
	assert_int_equal(a->load5, b->load5);
	assert_int_equal(a->load15, b->load15);
	assert_true(a->mem_total == b->mem_total);
	assert_true(a->mem_available == b->mem_available);
	assert_string_equal(a->storage_backend, b->storage_backend);
	assert_true(a->storage_total == b->storage_total);
	assert_true(a->storage_free == b->storage_free);
	assert_int_equal(a->containers, b->containers);
	assert_true(a->uptime == b->uptime);
	assert_string_equal(a->version, b->version);
}

static void
assert_ct_equal(const struct msg_ct_info *a, const struct msg_ct_info *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->state, b->state);
	assert_string_equal(a->ipv4, b->ipv4);
	assert_string_equal(a->ipv4_config, b->ipv4_config);
	assert_int_equal(a->autostart, b->autostart);
	assert_true(a->mem_used == b->mem_used);
	assert_true(a->mem_limit == b->mem_limit);
	assert_true(a->cpu_usec == b->cpu_usec);
	assert_string_equal(a->backend, b->backend);
	assert_true(a->rootfs_bytes == b->rootfs_bytes);
}

static const struct msg_host_rec *
find_host(const struct msg_host_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	fail_msg("host %s is not listed", name);
	return NULL;
}

static void
test_open_creates_schema(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_list hl;
	struct stat sb;

	inv = open_ok(f);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name IN"
	    " ('hosts', 'containers', 'load_history')"), 3);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND tbl_name = 'load_history'"), 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM"
	    " pragma_index_info('load_history_host_t')"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM"
	    " pragma_foreign_key_list('containers')"
	    " WHERE \"table\" = 'hosts' AND on_delete = 'CASCADE'"), 1);
	/* the columns of every msg_host_info field */
	assert_int_equal(raw_int(f, "SELECT count(*) FROM"
	    " pragma_table_info('hosts') WHERE name IN ('hostname', 'cores',"
	    " 'load1', 'load5', 'load15', 'mem_total', 'mem_available',"
	    " 'storage_backend', 'storage_total', 'storage_free',"
	    " 'containers', 'uptime', 'version', 'last_seen')"), 14);
	assert_int_equal(raw_int(f, "SELECT journal_mode = 'wal' FROM"
	    " pragma_journal_mode"), 1);
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 0);
	msg_host_list_free(&hl);
	inventory_close(inv);
}

/* the daily tasks' last runs: none, then set, then replaced */
static void
test_daily_runs(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = open_ok(f);
	int64_t last = 7;

	assert_int_equal(inventory_daily_last(inv, "backup", &last), 1);
	assert_int_equal(last, 7);
	must(inv, inventory_daily_set(inv, "backup", 1796524200));
	assert_int_equal(inventory_daily_last(inv, "backup", &last), 0);
	assert_int_equal(last, 1796524200);
	must(inv, inventory_daily_set(inv, "backup", 1796610600));
	must(inv, inventory_daily_set(inv, "balance", 5));
	inventory_close(inv);
	inv = open_ok(f);                   /* it survives a restart */
	assert_int_equal(inventory_daily_last(inv, "backup", &last), 0);
	assert_int_equal(last, 1796610600);
	assert_int_equal(inventory_daily_last(inv, "balance", &last), 0);
	assert_int_equal(last, 5);
	inventory_close(inv);
}

static void
test_user_version(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	char err[512] = "";
	sqlite3 *db;

	inv = open_ok(f);
	assert_int_equal(raw_int(f, "PRAGMA user_version"), 6);
	inventory_close(inv);
	inv = open_ok(f);                   /* nothing to migrate again */
	assert_int_equal(raw_int(f, "PRAGMA user_version"), 6);
	inventory_close(inv);

	/* A schema from a newer corral is refused, not damaged. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(inventory_open(f->path, err, sizeof(err)));
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "99"));
	assert_int_equal(raw_int(f, "PRAGMA user_version"), 99);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info, none;
	struct msg_ct_info cts[2];
	struct msg_host_list hl;
	struct msg_ct_rec_list cl;
	struct inv_load_sample s[4];
	size_t n;

	fill_info(&info, 1);
	fill_ct(&cts[0], "db", "running", 1);
	fill_ct(&cts[1], "web", "stopped", 2);
	inv = open_ok(f);
	sync3(inv, 0);
	must(inv, inventory_host_up(inv, "alpha", &info, cts, 2, 1000));
	inventory_close(inv);

	inv = open_ok(f);
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 3);
	assert_string_equal(hl.v[0].name, "alpha");  /* ordered by name */
	assert_string_equal(hl.v[1].name, "bravo");
	assert_string_equal(hl.v[2].name, "charlie");
	assert_string_equal(hl.v[0].address, "10.0.0.1");
	assert_int_equal(hl.v[0].port, 22);
	assert_string_equal(hl.v[0].state, "up");
	assert_string_equal(hl.v[0].reason, "");
	assert_true(hl.v[0].last_seen == 1000);
	assert_info_equal(&hl.v[0].info, &info);
	assert_string_equal(hl.v[1].address, "bravo.example.org");
	assert_int_equal(hl.v[1].port, 2222);
	assert_string_equal(hl.v[1].state, "down");
	assert_string_equal(hl.v[1].reason, "never contacted");
	assert_true(hl.v[1].last_seen == 0);
	memset(&none, 0, sizeof(none));
	assert_info_equal(&hl.v[1].info, &none);   /* zero if never seen */
	msg_host_list_free(&hl);
	must(inv, inventory_containers(inv, NULL, NULL, &cl));
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.v[0].host, "alpha");
	assert_ct_equal(&cl.v[0].ct, &cts[0]);
	assert_ct_equal(&cl.v[1].ct, &cts[1]);
	assert_true(cl.v[1].last_seen == 1000);
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_load_history(inv, "alpha", s, 4, &n));
	assert_int_equal(n, 1);
	assert_true(s[0].t == 1000);
	inventory_close(inv);
}

static void
test_sync_hosts(void **state)
{
	struct fixture *f = *state;
	const struct inv_host_cfg cfg2[] = {
		{ "bravo", "10.9.9.9", 2200, 0 },
		{ "delta", "10.0.0.4", 22, 1 },
		{ "alpha", "10.0.0.1", 22, 0 },
	};
	const struct inv_host_cfg bad[] = {
		{ "echo", "10.0.0.5", 22, 0 },
		{ "", "10.0.0.6", 22, 0 },
	};
	struct inventory *inv;
	struct msg_host_info info;
	struct msg_ct_info cts[2];
	struct msg_host_list hl;
	struct msg_ct_rec_list cl;
	const struct msg_host_rec *h;
	struct inv_load_sample s[2];
	size_t n;

	inv = open_ok(f);
	sync3(inv, 0);
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 3);
	msg_host_list_free(&hl);

	fill_info(&info, 3);
	fill_ct(&cts[0], "c1", "running", 1);
	fill_ct(&cts[1], "c2", "running", 2);
	must(inv, inventory_host_up(inv, "charlie", &info, cts, 2, 50));
	must(inv, inventory_host_up(inv, "bravo", &info, cts, 1, 50));

	/* charlie leaves, delta arrives, bravo moves */
	must(inv, inventory_sync_hosts(inv, cfg2, 3));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 3);
	assert_string_equal(hl.v[0].name, "alpha");
	assert_string_equal(hl.v[1].name, "bravo");
	assert_string_equal(hl.v[2].name, "delta");
	h = find_host(&hl, "bravo");
	assert_string_equal(h->address, "10.9.9.9");
	assert_int_equal(h->port, 2200);
	assert_string_equal(h->state, "up");        /* state kept */
	assert_true(h->last_seen == 50);
	assert_info_equal(&h->info, &info);
	h = find_host(&hl, "delta");
	assert_string_equal(h->state, "down");
	assert_string_equal(h->reason, "never contacted");
	msg_host_list_free(&hl);

	must(inv, inventory_containers(inv, NULL, "charlie", &cl));
	assert_int_equal(cl.n, 0);
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_containers(inv, NULL, NULL, &cl));
	assert_int_equal(cl.n, 1);                  /* bravo's c1 */
	assert_string_equal(cl.v[0].host, "bravo");
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_load_history(inv, "charlie", s, 2, &n));
	assert_int_equal(n, 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM containers"
	    " WHERE host = 'charlie'"), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM load_history"
	    " WHERE host = 'charlie'"), 0);

	/* A bad entry changes nothing: one transaction. */
	assert_int_equal(inventory_sync_hosts(inv, bad, 2), -1);
	assert_true(strlen(inventory_errmsg(inv)) > 0);
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 3);
	msg_host_list_free(&hl);

	/* An empty list empties the inventory. */
	must(inv, inventory_sync_hosts(inv, NULL, 0));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 0);
	msg_host_list_free(&hl);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM containers"), 0);
	inventory_close(inv);
}

static void
test_host_up_replaces(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info1, info2;
	struct msg_ct_info cts[3], cts2[3], dup[2];
	struct msg_host_list hl;
	struct msg_ct_rec_list cl;
	const struct msg_host_rec *h;
	size_t i;

	inv = open_ok(f);
	sync3(inv, 0);
	fill_info(&info1, 1);
	fill_ct(&cts[0], "a", "running", 1);
	fill_ct(&cts[1], "b", "stopped", 2);
	fill_ct(&cts[2], "c", "frozen", 3);
	must(inv, inventory_host_up(inv, "alpha", &info1, cts, 3, 100));
	must(inv, inventory_hosts(inv, &hl));
	h = find_host(&hl, "alpha");
	assert_string_equal(h->state, "up");
	assert_true(h->last_seen == 100);
	assert_info_equal(&h->info, &info1);
	msg_host_list_free(&hl);
	must(inv, inventory_containers(inv, "", "", &cl));
	assert_int_equal(cl.n, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(cl.v[i].host, "alpha");
		assert_ct_equal(&cl.v[i].ct, &cts[i]);
		assert_true(cl.v[i].last_seen == 100);
	}
	msg_ct_rec_list_free(&cl);

	/* Next poll: b is gone, c changed, d is new. */
	fill_info(&info2, 2);
	cts2[0] = cts[0];
	fill_ct(&cts2[1], "c", "running", 7);
	fill_ct(&cts2[2], "d", "stopped", 4);
	must(inv, inventory_host_up(inv, "alpha", &info2, cts2, 3, 160));
	must(inv, inventory_hosts(inv, &hl));
	h = find_host(&hl, "alpha");
	assert_true(h->last_seen == 160);
	assert_info_equal(&h->info, &info2);        /* as last reported */
	msg_host_list_free(&hl);
	must(inv, inventory_containers(inv, NULL, "alpha", &cl));
	assert_int_equal(cl.n, 3);
	for (i = 0; i < 3; i++) {
		assert_ct_equal(&cl.v[i].ct, &cts2[i]);
		assert_true(cl.v[i].last_seen == 160);
	}
	msg_ct_rec_list_free(&cl);

	/* A failing poll report (two containers of one name) is rolled back
	 * whole and the error is SQLite's. */
	fill_ct(&dup[0], "x", "running", 1);
	fill_ct(&dup[1], "x", "running", 2);
	assert_int_equal(inventory_host_up(inv, "alpha", &info1, dup, 2, 200),
	    -1);
	assert_non_null(strstr(inventory_errmsg(inv), "UNIQUE"));
	must(inv, inventory_containers(inv, NULL, NULL, &cl));
	assert_int_equal(cl.n, 3);
	assert_string_equal(cl.v[0].ct.name, "a");
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_hosts(inv, &hl));
	assert_true(find_host(&hl, "alpha")->last_seen == 160);
	msg_host_list_free(&hl);

	/* An empty report empties the host's list. */
	must(inv, inventory_host_up(inv, "alpha", &info2, NULL, 0, 220));
	must(inv, inventory_containers(inv, NULL, NULL, &cl));
	assert_int_equal(cl.n, 0);
	msg_ct_rec_list_free(&cl);

	/* A host that is not in the inventory. */
	assert_int_equal(inventory_host_up(inv, "zulu", &info1, cts, 1, 300),
	    -1);
	assert_non_null(strstr(inventory_errmsg(inv), "zulu"));
	assert_int_equal(inventory_host_down(inv, "zulu", "gone", 300), -1);
	inventory_close(inv);
}

static void
test_host_down(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info;
	struct msg_ct_info cts[2];
	struct msg_host_list hl;
	struct msg_ct_rec_list cl;
	const struct msg_host_rec *h;
	char longreason[1000];

	inv = open_ok(f);
	sync3(inv, 0);
	fill_info(&info, 5);
	fill_ct(&cts[0], "a", "running", 1);
	fill_ct(&cts[1], "b", "running", 2);
	must(inv, inventory_host_up(inv, "alpha", &info, cts, 2, 100));
	must(inv, inventory_host_down(inv, "alpha",
	    "connect: Connection refused", 200));
	must(inv, inventory_hosts(inv, &hl));
	h = find_host(&hl, "alpha");
	assert_string_equal(h->state, "down");
	assert_string_equal(h->reason, "connect: Connection refused");
	assert_true(h->last_seen == 100);
	assert_info_equal(&h->info, &info);         /* last report kept */
	msg_host_list_free(&hl);
	must(inv, inventory_containers(inv, NULL, "alpha", &cl));
	assert_int_equal(cl.n, 2);
	assert_ct_equal(&cl.v[0].ct, &cts[0]);
	assert_true(cl.v[0].last_seen == 100);
	assert_true(cl.v[1].last_seen == 100);
	msg_ct_rec_list_free(&cl);

	/* A reason too long for the record is cut, not overflowed. */
	memset(longreason, 'r', sizeof(longreason) - 1);
	longreason[sizeof(longreason) - 1] = '\0';
	must(inv, inventory_host_down(inv, "alpha", longreason, 250));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(strlen(find_host(&hl, "alpha")->reason),
	    MSG_REASON_MAX - 1);
	msg_host_list_free(&hl);

	/* Back up: the reason is cleared. */
	must(inv, inventory_host_up(inv, "alpha", &info, cts, 2, 300));
	must(inv, inventory_hosts(inv, &hl));
	h = find_host(&hl, "alpha");
	assert_string_equal(h->state, "up");
	assert_string_equal(h->reason, "");
	assert_true(h->last_seen == 300);
	msg_host_list_free(&hl);
	inventory_close(inv);
}

static void
test_noselect(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info;
	struct msg_host_list hl;

	inv = open_ok(f);
	sync3(inv, 1);
	fill_info(&info, 2);
	must(inv, inventory_hosts(inv, &hl));
	assert_string_equal(find_host(&hl, "bravo")->state, "down");
	msg_host_list_free(&hl);
	must(inv, inventory_host_up(inv, "bravo", &info, NULL, 0, 10));
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 10));
	must(inv, inventory_hosts(inv, &hl));
	assert_string_equal(find_host(&hl, "bravo")->state, "noselect");
	assert_string_equal(find_host(&hl, "bravo")->reason, "");
	assert_string_equal(find_host(&hl, "alpha")->state, "up");
	msg_host_list_free(&hl);

	/* slaves.conf drops noselect: the host answers, so it is up. */
	sync3(inv, 0);
	must(inv, inventory_hosts(inv, &hl));
	assert_string_equal(find_host(&hl, "bravo")->state, "up");
	msg_host_list_free(&hl);
	/* and a host that is down stays down whatever the flag */
	must(inv, inventory_host_down(inv, "bravo", "timeout", 20));
	sync3(inv, 1);
	must(inv, inventory_hosts(inv, &hl));
	assert_string_equal(find_host(&hl, "bravo")->state, "down");
	msg_host_list_free(&hl);
	must(inv, inventory_host_up(inv, "bravo", &info, NULL, 0, 30));
	must(inv, inventory_hosts(inv, &hl));
	assert_string_equal(find_host(&hl, "bravo")->state, "noselect");
	msg_host_list_free(&hl);
	inventory_close(inv);
}

static void
test_container_filters(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info;
	struct msg_ct_info a[2], b[2];
	struct msg_ct_rec_list cl;

	inv = open_ok(f);
	sync3(inv, 0);
	fill_info(&info, 1);
	fill_ct(&a[0], "web", "running", 1);
	fill_ct(&a[1], "db", "running", 2);
	fill_ct(&b[0], "web", "stopped", 3);
	fill_ct(&b[1], "cache", "running", 4);
	must(inv, inventory_host_up(inv, "alpha", &info, a, 2, 10));
	must(inv, inventory_host_up(inv, "bravo", &info, b, 2, 10));

	/* none: ordered by name then host */
	must(inv, inventory_containers(inv, NULL, NULL, &cl));
	assert_int_equal(cl.n, 4);
	assert_string_equal(cl.v[0].ct.name, "cache");
	assert_string_equal(cl.v[1].ct.name, "db");
	assert_string_equal(cl.v[2].ct.name, "web");
	assert_string_equal(cl.v[2].host, "alpha");
	assert_string_equal(cl.v[3].ct.name, "web");
	assert_string_equal(cl.v[3].host, "bravo");
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_containers(inv, "", "", &cl));
	assert_int_equal(cl.n, 4);
	msg_ct_rec_list_free(&cl);

	/* by name: a name on two hosts gives two records (a conflict) */
	must(inv, inventory_containers(inv, "web", NULL, &cl));
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.v[0].host, "alpha");
	assert_ct_equal(&cl.v[0].ct, &a[0]);
	assert_string_equal(cl.v[1].host, "bravo");
	assert_ct_equal(&cl.v[1].ct, &b[0]);
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_containers(inv, "db", "", &cl));
	assert_int_equal(cl.n, 1);
	assert_string_equal(cl.v[0].host, "alpha");
	msg_ct_rec_list_free(&cl);

	/* by host */
	must(inv, inventory_containers(inv, NULL, "bravo", &cl));
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.v[0].ct.name, "cache");
	assert_string_equal(cl.v[1].ct.name, "web");
	msg_ct_rec_list_free(&cl);

	/* both */
	must(inv, inventory_containers(inv, "web", "bravo", &cl));
	assert_int_equal(cl.n, 1);
	assert_ct_equal(&cl.v[0].ct, &b[0]);
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_containers(inv, "db", "bravo", &cl));
	assert_int_equal(cl.n, 0);
	assert_null(cl.v);
	msg_ct_rec_list_free(&cl);

	/* nothing matches; SQL-looking names are only data */
	must(inv, inventory_containers(inv, "nope", NULL, &cl));
	assert_int_equal(cl.n, 0);
	msg_ct_rec_list_free(&cl);
	must(inv, inventory_containers(inv, "' OR 1=1 --", NULL, &cl));
	assert_int_equal(cl.n, 0);
	msg_ct_rec_list_free(&cl);
	inventory_close(inv);
}

static void
test_load_history(void **state)
{
	struct fixture *f = *state;
	const size_t extra = 10, total = INVENTORY_HISTORY_MAX + 10;
	struct inventory *inv;
	struct msg_host_info info;
	struct inv_load_sample *s;
	size_t i, n;

	s = calloc(total, sizeof(*s));
	assert_non_null(s);
	inv = open_ok(f);
	sync3(inv, 0);
	fill_info(&info, 0);
	must(inv, inventory_host_up(inv, "bravo", &info, NULL, 0, 5));
	for (i = 0; i < total; i++) {
		info.load1 = (uint32_t)(i * 10);
		info.mem_available = 1000000 + i;
		must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0,
		    (int64_t)(1000 + i)));
	}
	assert_int_equal(raw_int(f, "SELECT count(*) FROM load_history"
	    " WHERE host = 'alpha'"), INVENTORY_HISTORY_MAX);

	must(inv, inventory_load_history(inv, "alpha", s, total, &n));
	assert_int_equal(n, INVENTORY_HISTORY_MAX);
	for (i = 0; i < n; i++) {
		size_t k = total - 1 - i;          /* newest first */

		assert_true(s[i].t == (int64_t)(1000 + k));
		assert_int_equal(s[i].load1, k * 10);
		assert_true(s[i].mem_available == 1000000 + k);
	}
	assert_true(s[n - 1].t == (int64_t)(1000 + extra));

	must(inv, inventory_load_history(inv, "alpha", s, 3, &n));
	assert_int_equal(n, 3);
	assert_true(s[0].t == (int64_t)(1000 + total - 1));
	assert_true(s[2].t == (int64_t)(1000 + total - 3));
	must(inv, inventory_load_history(inv, "alpha", s, 0, &n));
	assert_int_equal(n, 0);

	/* pruning is per host */
	must(inv, inventory_load_history(inv, "bravo", s, total, &n));
	assert_int_equal(n, 1);
	assert_true(s[0].t == 5);
	must(inv, inventory_load_history(inv, "charlie", s, total, &n));
	assert_int_equal(n, 0);
	inventory_close(inv);
	free(s);
}

static void
test_open_missing_dir(void **state)
{
	struct fixture *f = *state;
	char path[400], err[512] = "";
	struct stat sb;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/missing/inventory.db", f->dir);
	assert_null(inventory_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file or directory"));
	snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(stat(path, &sb), -1);       /* not created */

	/* a file where the directory should be */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/x.db", f->path);
	assert_null(inventory_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_null(inventory_open("", err, sizeof(err)));
	assert_true(strlen(err) > 0);
}

/* addr_owner of text (running: running ones only): its result, with
 * "host:name" (":job N" for a create job's) in who */
static int
owner_of(struct inventory *inv, const char *text, const char *skip_host,
    const char *const *skip, bool running, char who[160])
{
	struct addr_owner o;
	char err[256];
	struct net_addr a;
	int r;

	assert_int_equal(conf_parse_ip(text, &a), 0);
	r = addr_owner(inv, &a, skip_host, skip, running, &o, err,
	    sizeof(err));
	if (r == 1 && o.job != 0)
		snprintf(who, 160, "%s:%s:job %lld", o.host, o.name,
		    (long long)o.job);
	else
		snprintf(who, 160, "%s:%s", r == 1 ? o.host : "",
		    r == 1 ? o.name : "");
	return r;
}

static int
owner(struct inventory *inv, const char *text, const char *skip_host,
    const char *const *skip, char who[160])
{
	return owner_of(inv, text, skip_host, skip, false, who);
}

/* Which container has an address (addrown.c): the inventory's lists, a
 * running one's or a stopped one's configured address, the one a restore
 * --force replaces (and its temporary and set-aside names) skipped; an
 * LXC config's addresses, however its lines are written. */
static void
test_addr_owner(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv;
	struct msg_host_info info;
	struct msg_ct_info cts[3];
	const char *const web[] = { "web", NULL };
	const char *const web_mail[] = { "web-new-1", "web", "mail", NULL };
	struct net_addr a;
	struct job j;
	int64_t busy;
	char who[160], text[64];
	const char *config =
	    "lxc.uts.name = web\n"
	    "  lxc.net.0.ipv4.address=10.0.3.7/24  \n"
	    "# lxc.net.0.ipv4.address = 10.9.9.9/24\n"
	    "lxc.net.0.ipv4.gateway = 10.0.3.1\n"
	    "lxc.net.12.ipv6.address = fd00::7/64\r"
	    "lxc.net.0.ipv4.addressX = 10.8.8.8\n"
	    "lxc.net.x.ipv4.address = 10.8.8.9\n"
	    "lxc.net.1.ipv4.address = not-an-address\n"
	    "lxc.net.1.ipv4.address = 10.0.4.9";
	size_t pos = 0;

	fill_info(&info, 1);
	fill_ct(&cts[0], "db", "running", 1);      /* 10.0.3.1,10.0.4.1 */
	fill_ct(&cts[1], "web", "running", 2);     /* 10.0.3.2,10.0.4.2 */
	/* stopped: no address but the one its config gives it */
	fill_ct(&cts[2], "mail", "stopped", 3);
	cts[2].ipv4[0] = '\0';
	snprintf(cts[2].ipv4_config, sizeof(cts[2].ipv4_config),
	    "10.0.5.3,10.0.6.3");
	inv = open_ok(f);
	sync3(inv, 0);
	must(inv, inventory_host_up(inv, "alpha", &info, cts, 3, 1000));

	assert_int_equal(owner(inv, "10.0.4.2", NULL, NULL, who), 1);
	assert_string_equal(who, "alpha:web");
	/* the container being replaced does not count, another would */
	assert_int_equal(owner(inv, "10.0.4.2", "alpha", web, who), 0);
	assert_int_equal(owner(inv, "10.0.4.2", "bravo", web, who), 1);
	/* a stopped container's configured addresses, each of its list */
	assert_int_equal(owner(inv, "10.0.6.3", NULL, NULL, who), 1);
	assert_string_equal(who, "alpha:mail");
	assert_int_equal(owner(inv, "10.0.5.3", "alpha", web, who), 1);
	assert_int_equal(owner(inv, "10.0.6.3", "alpha", web_mail, who), 0);
	/* a prefix of one */
	assert_int_equal(owner(inv, "10.0.3.20", NULL, NULL, who), 0);
	/* running ones only (a start's check): mail's is free */
	assert_int_equal(owner_of(inv, "10.0.6.3", NULL, NULL, true, who), 0);
	assert_int_equal(owner_of(inv, "10.0.4.2", NULL, NULL, true, who), 1);
	assert_string_equal(who, "alpha:web");

	/* a create job not ended yet: its container is not in the
	 * inventory, its address is taken all the same (a put's check, a
	 * start's); once ended, the inventory says */
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "create");
	snprintf(j.container, sizeof(j.container), "new1");
	snprintf(j.dst, sizeof(j.dst), "bravo");
	snprintf(j.args, sizeof(j.args), "form=ip addr=10.0.7.5/24 link=br0");
	assert_int_equal(job_add(inv, &j, 1, &busy), 0);
	assert_int_equal(owner(inv, "10.0.7.5", NULL, NULL, who), 1);
	snprintf(text, sizeof(text), "bravo:new1:job %lld", (long long)j.id);
	assert_string_equal(who, text);
	assert_int_equal(owner_of(inv, "10.0.7.5", NULL, NULL, true, who), 1);
	assert_int_equal(owner(inv, "10.0.7.50", NULL, NULL, who), 0);
	assert_int_equal(owner(inv, "10.0.7.5", "alpha", web, who), 1);
	assert_int_equal(owner(inv, "10.0.7.5", "bravo",
	    (const char *const[]){ "new1", NULL }, who), 0);
	must(inv, job_finish(inv, j.id, JOB_FAILED, "no", 2));
	assert_int_equal(owner(inv, "10.0.7.5", NULL, NULL, who), 0);

	assert_int_equal(config_next_addr(config, &pos, &a, text,
	    sizeof(text)), 1);
	assert_string_equal(text, "10.0.3.7");
	assert_int_equal(config_next_addr(config, &pos, &a, text,
	    sizeof(text)), 1);
	assert_string_equal(text, "fd00::7");
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(config_next_addr(config, &pos, &a, text,
	    sizeof(text)), 1);
	assert_string_equal(text, "10.0.4.9");
	assert_int_equal(config_next_addr(config, &pos, &a, text,
	    sizeof(text)), 0);
	assert_int_equal(config_next_addr(config, &pos, &a, text,
	    sizeof(text)), 0);
	inventory_close(inv);
}

static void
test_two_connections(void **state)
{
	struct fixture *f = *state;
	struct inventory *a, *b;
	struct msg_host_info info;
	struct msg_ct_info ct;
	struct msg_host_list hl;
	struct msg_ct_rec_list cl;

	a = open_ok(f);
	b = open_ok(f);
	sync3(a, 0);
	must(b, inventory_hosts(b, &hl));
	assert_int_equal(hl.n, 3);
	msg_host_list_free(&hl);

	fill_info(&info, 9);
	fill_ct(&ct, "web", "running", 1);
	must(b, inventory_host_up(b, "charlie", &info, &ct, 1, 77));
	must(a, inventory_containers(a, "web", NULL, &cl));
	assert_int_equal(cl.n, 1);
	assert_string_equal(cl.v[0].host, "charlie");
	assert_true(cl.v[0].last_seen == 77);
	msg_ct_rec_list_free(&cl);
	must(a, inventory_hosts(a, &hl));
	assert_string_equal(find_host(&hl, "charlie")->state, "up");
	assert_info_equal(&find_host(&hl, "charlie")->info, &info);
	msg_host_list_free(&hl);

	must(a, inventory_host_down(a, "charlie", "timeout", 90));
	must(b, inventory_hosts(b, &hl));
	assert_string_equal(find_host(&hl, "charlie")->state, "down");
	assert_string_equal(find_host(&hl, "charlie")->reason, "timeout");
	msg_host_list_free(&hl);
	inventory_close(a);
	inventory_close(b);
}

/* The pool placement reads: a container's CPU rate from its counter
 * between two polls, its memory committed (its limit, else its use), the
 * host drained or not (drained wins over up, down over drained), and a
 * container pinned while balance's cooldown or a job holds it. */
static void
test_placedb(void **state)
{
	struct fixture *f = *state;
	struct inv_host_cfg hc[2] = { { "alpha", "10.0.0.1", 22, 0 },
	    { "beta", "10.0.0.2", 22, 0 } };
	struct msg_host_info info;
	struct msg_ct_info ct[2];
	struct corral_conf conf;
	struct place_pool p;
	struct msg_host_list hl;
	struct inventory *inv = open_ok(f);
	struct job j = { .kind = "move", .container = "c2", .src = "alpha",
	    .dst = "beta" };
	struct job jc = { .kind = "create", .container = "c3", .dst = "beta",
	    .args = "memory=512 disk=1024" };
	uint64_t disk0;
	int64_t busy;

	corral_conf_defaults(&conf);
	must(inv, inventory_sync_hosts(inv, hc, 2));
	fill_info(&info, 1);
	fill_ct(&ct[0], "c1", "running", 1);
	fill_ct(&ct[1], "c2", "running", 2);
	ct[0].cpu_usec = 1000000;           /* 1 s of CPU */
	ct[0].mem_limit = 0;
	ct[1].mem_limit = 5000;
	must(inv, inventory_host_up(inv, "alpha", &info, ct, 2, 100));
	ct[0].cpu_usec += 5000000;          /* 5 s more in 10 s: half a core */
	must(inv, inventory_host_up(inv, "alpha", &info, ct, 2, 110));
	must(inv, inventory_host_up(inv, "beta", &info, NULL, 0, 110));
	must(inv, placedb_load(inv, &conf, 110, &p));
	assert_int_equal(p.nh, 2);
	assert_int_equal(p.nc, 2);
	assert_string_equal(p.h[0].name, "alpha");
	assert_string_equal(p.c[0].name, "c1");
	assert_true(p.c[0].cpu > 0.499 && p.c[0].cpu < 0.501);
	assert_int_equal(p.c[0].mem_commit, ct[0].mem_used);
	assert_int_equal(p.c[1].mem_commit, 5000);
	assert_int_equal(p.h[0].mem_committed, ct[0].mem_used + 5000);
	assert_int_equal(p.h[0].n_ct, 2);
	assert_int_equal(p.h[0].state, PLACE_OK);
	assert_false(p.c[0].pinned || p.c[1].pinned);
	disk0 = p.h[1].disk_used;
	assert_int_equal(p.h[1].mem_committed, 0);
	placedb_free(&p);

	/* drained; balance moved c1 at 110 (cooldown 21600 s); a job on c2 */
	must(inv, placedb_set_drained(inv, "beta", true));
	assert_int_equal(placedb_set_drained(inv, "gamma", true), -1);
	assert_non_null(strstr(inventory_errmsg(inv), "no host gamma"));
	must(inv, placedb_balance_moved(inv, "c1", 110));
	assert_int_equal(job_add(inv, &j, 1, &busy), 0);
	must(inv, placedb_load(inv, &conf, 120, &p));
	assert_int_equal(p.h[1].state, PLACE_DRAINED);
	assert_true(p.c[0].pinned && p.c[1].pinned);
	/* corral hosts: beta keeps its state (up), drained beside it */
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.n, 2);
	assert_string_equal(hl.v[1].state, "up");
	assert_true(hl.v[1].drained && !hl.v[0].drained);
	msg_host_list_free(&hl);
	/* the queued move of c2 counts on beta already, as does a create
	 * there of 512 MiB and 1 GiB: a plan made meanwhile leaves the room */
	assert_int_equal(p.h[1].mem_committed, 5000);
	assert_int_equal(p.h[1].disk_used, disk0 + ct[1].rootfs_bytes);
	assert_int_equal(p.h[1].n_ct, 1);
	placedb_free(&p);
	assert_int_equal(job_add(inv, &jc, 1, &busy), 0);
	must(inv, placedb_load(inv, &conf, 120, &p));
	assert_int_equal(p.h[1].mem_committed, 5000 + (512ULL << 20));
	assert_int_equal(p.h[1].disk_used, disk0 + ct[1].rootfs_bytes +
	    (1024ULL << 20));
	assert_int_equal(p.h[1].n_ct, 2);
	placedb_free(&p);
	/* the move past its volume step: beta's report carries the disk,
	 * the memory counts until a poll shows c2 there */
	must(inv, job_start(inv, j.id, 121));
	must(inv, job_set_step(inv, j.id, "copy", 122));
	must(inv, placedb_load(inv, &conf, 120, &p));
	assert_int_equal(p.h[1].mem_committed, 5000 + (512ULL << 20));
	assert_int_equal(p.h[1].disk_used, disk0 + (1024ULL << 20));
	assert_int_equal(p.h[1].n_ct, 2);
	placedb_free(&p);
	must(inv, placedb_load(inv, &conf, 110 + 21601, &p));
	assert_false(p.c[0].pinned);        /* its cooldown is over */
	placedb_free(&p);
	must(inv, inventory_host_down(inv, "beta", "gone", 130));
	must(inv, placedb_load(inv, &conf, 130, &p));
	assert_int_equal(p.h[1].state, PLACE_DOWN);
	placedb_free(&p);
	must(inv, placedb_set_drained(inv, "beta", false));
	inventory_close(inv);
}

/* A version of ct in the store at path: its config text and one file of
 * bytes bytes; its name into version. */
static void
store_version(const char *path, const char *ct, const char *config,
    size_t bytes, char version[STORE_VERSION_MAX])
{
	struct store_meta meta = { .host = "alpha", .kind = STORE_GET };
	const struct store_tx_info *in;
	struct store_tx *tx;
	struct store *s;
	char note[256], err[512], *buf;
	int fd;

	if ((s = store_open(path, note, sizeof(note), err, sizeof(err))) ==
	    NULL || store_begin(s, ct, &tx, err, sizeof(err)) != 0)
		fail_msg("store: %s", err);
	in = store_tx_info(tx);
	/* new files: the last version's are linked into .incoming */
	(void)unlinkat(in->dir_fd, STORE_CONFIG, 0);
	(void)unlinkat(in->rootfs_fd, "data", 0);
	fd = openat(in->dir_fd, STORE_CONFIG, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, config, strlen(config)),
	    (ssize_t)strlen(config));
	close(fd);
	buf = calloc(1, bytes + 1);
	assert_non_null(buf);
	fd = openat(in->rootfs_fd, "data", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, bytes), (ssize_t)bytes);
	close(fd);
	free(buf);
	if (store_commit(tx, &meta, NULL, err, sizeof(err)) != 0)
		fail_msg("store: %s", err);
	snprintf(version, STORE_VERSION_MAX, "%s", meta.version);
	store_close(s);
}

static int64_t
queue_put(struct inventory *inv, const char *kind, const char *ct,
    const char *dst, const char *args)
{
	struct job j = { 0 };
	int64_t busy;

	snprintf(j.kind, sizeof(j.kind), "%s", kind);
	snprintf(j.container, sizeof(j.container), "%s", ct);
	snprintf(j.dst, sizeof(j.dst), "%s", dst);
	snprintf(j.args, sizeof(j.args), "%s", args);
	assert_int_equal(job_add(inv, &j, 1, &busy), 0);
	return j.id;
}

/* The apparent bytes of version of ct as the store lists it; the one
 * version's reading (store_version_need: placement's with the memory
 * limit, a put's volume and the CLI's --size check without) says the
 * same. */
static uint64_t
version_bytes(const char *path, const char *ct, const char *version)
{
	struct store_version *v = NULL;
	struct store *s;
	char note[256], err[512];
	uint64_t bytes = 0, need = 1, need_mem = 1, mem;
	size_t i, n = 0;

	if ((s = store_open(path, note, sizeof(note), err, sizeof(err))) ==
	    NULL || store_versions(s, ct, &v, &n, err, sizeof(err)) != 0 ||
	    store_version_need(s, ct, version, &need, NULL, err,
	    sizeof(err)) != 0 || store_version_need(s, ct, version,
	    &need_mem, &mem, err, sizeof(err)) != 0)
		fail_msg("store: %s", err);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, version) == 0)
			bytes = v[i].bytes;
	free(v);
	store_close(s);
	assert_int_equal(need, bytes);
	assert_int_equal(need_mem, bytes);
	return bytes;
}

/* beta's memory committed, disk used and containers, beyond base */
static void
assert_beta(struct inventory *inv, const struct corral_conf *conf,
    const struct place_host *base, uint64_t mem, uint64_t disk, uint32_t n)
{
	struct place_pool p;

	must(inv, placedb_load(inv, conf, 120, &p));
	assert_string_equal(p.h[1].name, "beta");
	assert_int_equal(p.h[1].mem_committed, base->mem_committed + mem);
	assert_int_equal(p.h[1].disk_used, base->disk_used + disk);
	assert_int_equal(p.h[1].n_ct, base->n_ct + n);
	placedb_free(&p);
}

/* A put or restore queued or running toward a host counts there as a
 * move does, its figures from the master's store: its version's bytes
 * (or --size), and the memory limit of the version's config when it
 * starts there (a stopped container commits none); the newest version
 * when it names none; one over a container there already (restore
 * --force) counts as that container.  Past the step that makes its
 * volume, its disk is the host's own report's: memory alone counts. */
static void
test_placedb_puts(void **state)
{
	struct fixture *f = *state;
	struct inv_host_cfg hc[2] = { { "alpha", "10.0.0.1", 22, 0 },
	    { "beta", "10.0.0.2", 22, 0 } };
	struct msg_host_info info;
	struct msg_ct_info ct;
	struct corral_conf conf;
	struct place_host base;
	struct place_pool p;
	struct inventory *inv = open_ok(f);
	char v1[STORE_VERSION_MAX], v2[STORE_VERSION_MAX], args[256];
	uint64_t b1, b2;
	int64_t web;

	corral_conf_defaults(&conf);
	snprintf(conf.store, sizeof(conf.store), "%s/store", f->dir);
	assert_int_equal(mkdir(conf.store, 0700), 0);
	store_version(conf.store, "web", "lxc.uts.name = web\n"
	    "lxc.cgroup.memory.limit_in_bytes = 128M\n", 3000, v1);
	store_version(conf.store, "web", "lxc.uts.name = web\n"
	    "lxc.cgroup2.memory.max = 100000\r"
	    "  lxc.cgroup2.memory.max=\"268435456\"\n", 5000, v2);
	b1 = version_bytes(conf.store, "web", v1);
	b2 = version_bytes(conf.store, "web", v2);
	assert_true(b1 > 3000 && b2 > 5000);        /* the config too */
	must(inv, inventory_sync_hosts(inv, hc, 2));
	fill_info(&info, 1);
	fill_ct(&ct, "old", "running", 2);
	ct.mem_limit = 7000;
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 110));
	must(inv, inventory_host_up(inv, "beta", &info, &ct, 1, 110));
	must(inv, placedb_load(inv, &conf, 120, &p));
	base = p.h[1];
	placedb_free(&p);

	/* the newest version, started: its bytes, 256 MiB */
	web = queue_put(inv, "put", "web", "beta", "from=web version= "
	    "start=1 size=0");
	assert_beta(inv, &conf, &base, 256ULL << 20, b2, 1);
	/* v1 under another name, stopped, with --size: 1 GiB, no memory */
	snprintf(args, sizeof(args), "from=web version=%s start=0 "
	    "size=1073741824", v1);
	queue_put(inv, "put", "web2", "beta", args);
	assert_beta(inv, &conf, &base, 256ULL << 20, b2 + (1ULL << 30), 2);
	/* a restore of v1, started: 128 MiB and its bytes */
	snprintf(args, sizeof(args), "from=web version=%s start=1 size=0", v1);
	queue_put(inv, "restore", "web3", "beta", args);
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    b2 + (1ULL << 30) + b1, 3);
	/* restore --force over old, there already: old as it is */
	snprintf(args, sizeof(args), "from=web version=%s start=1 size=0 "
	    "force=1", v2);
	queue_put(inv, "restore", "old", "beta", args);
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    b2 + (1ULL << 30) + b1, 3);
	/* a version the store does not have: its --size alone (none) */
	queue_put(inv, "put", "web4", "beta", "from=nosuch version= start=1 "
	    "size=0");
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    b2 + (1ULL << 30) + b1, 4);
	/* web's put running: up to its volume step, all of it; from its
	 * copy on, its memory alone (beta's free space shows the volume) */
	must(inv, job_start(inv, web, 130));
	must(inv, job_set_step(inv, web, "check", 131));
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    b2 + (1ULL << 30) + b1, 4);
	must(inv, job_set_step(inv, web, "volume", 132));
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    b2 + (1ULL << 30) + b1, 4);
	must(inv, job_set_step(inv, web, "copy", 133));
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    (1ULL << 30) + b1, 4);
	must(inv, job_set_step(inv, web, "start", 134));
	assert_beta(inv, &conf, &base, (256ULL + 128) << 20,
	    (1ULL << 30) + b1, 4);
	inventory_close(inv);
}

/* stderr into path from here on: the saved one, for stderr_back. */
static int
stderr_to(const char *path)
{
	int saved, fd;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	return saved;
}

/* stderr back; the lines written to path meanwhile that hold what */
static int
stderr_back(int saved, const char *path, const char *what)
{
	char line[2048];
	FILE *fp;
	int n = 0;

	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, what) != NULL;
	fclose(fp);
	return n;
}

/* Placement reads the store and writes nothing there (its mode as it
 * is, nothing made in it); a store it cannot open is tried once a load,
 * said once (its path and why), and the puts count their --size alone. */
static void
test_placedb_store_ro(void **state)
{
	struct fixture *f = *state;
	struct inv_host_cfg hc[2] = { { "alpha", "10.0.0.1", 22, 0 },
	    { "beta", "10.0.0.2", 22, 0 } };
	struct msg_host_info info;
	struct corral_conf conf;
	struct place_host base;
	struct place_pool p;
	struct inventory *inv = open_ok(f);
	char v1[STORE_VERSION_MAX], log[4200], want[4200], gone[4200];
	char err[512];
	struct store_tx *tx;
	struct store *s;
	struct stat st;
	uint64_t b1;
	int saved;

	corral_conf_defaults(&conf);
	snprintf(conf.store, sizeof(conf.store), "%s/store", f->dir);
	snprintf(log, sizeof(log), "%s/stderr", f->dir);
	snprintf(gone, sizeof(gone), "%s/store.gone", f->dir);
	assert_int_equal(mkdir(conf.store, 0700), 0);
	store_version(conf.store, "web", "lxc.uts.name = web\n", 3000, v1);
	b1 = version_bytes(conf.store, "web", v1);
	assert_int_equal(chmod(conf.store, 0750), 0);
	must(inv, inventory_sync_hosts(inv, hc, 2));
	fill_info(&info, 1);
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 110));
	must(inv, inventory_host_up(inv, "beta", &info, NULL, 0, 110));
	must(inv, placedb_load(inv, &conf, 120, &p));
	base = p.h[1];
	placedb_free(&p);
	queue_put(inv, "put", "web", "beta", "from=web version= start=0 "
	    "size=0");
	queue_put(inv, "put", "web2", "beta", "from=web version= start=0 "
	    "size=1073741824");
	queue_put(inv, "restore", "web3", "beta", "from=web version= "
	    "start=0 size=0");
	saved = stderr_to(log);
	assert_beta(inv, &conf, &base, 0, 2 * b1 + (1ULL << 30), 3);
	assert_int_equal(stderr_back(saved, log, "placement"), 0);
	assert_int_equal(stat(conf.store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);     /* as it was */
	assert_int_equal(st.st_nlink, 3);               /* ., .., web */
	/* and a writer's call on such a handle fails, writing nothing */
	assert_non_null(s = store_open_ro(conf.store, err, sizeof(err)));
	assert_int_equal(store_begin(s, "new", &tx, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read-only"));
	store_close(s);
	assert_int_equal(stat(conf.store, &st), 0);
	assert_int_equal(st.st_nlink, 3);
	/* gone: its --size alone, said once a load */
	assert_int_equal(rename(conf.store, gone), 0);
	snprintf(want, sizeof(want), "placement: store %s: ", conf.store);
	saved = stderr_to(log);
	assert_beta(inv, &conf, &base, 0, 1ULL << 30, 3);
	assert_int_equal(stderr_back(saved, log, want), 1);
	assert_int_equal(stderr_back(stderr_to(log), log, "placement"), 0);
	inventory_close(inv);
}

/* The host's CPU in use from two reports of its counters: the busy share
 * of the time between them times its cores; nothing to compare with, no
 * time between them or counters that went back (a reboot): the last
 * figure; never over its cores. */
static void
test_cpu_use(void **state)
{
	(void)state;
	/* 750 of 1000 ticks busy on 4 cores: 3 cores */
	assert_int_equal(inventory_cpu_use(1000, 10000, 1750, 11000, 4, 0),
	    3000);
	assert_int_equal(inventory_cpu_use(0, 0, 1750, 11000, 4, 7), 7);
	assert_int_equal(inventory_cpu_use(1000, 10000, 1000, 10000, 4, 7), 7);
	assert_int_equal(inventory_cpu_use(1000, 10000, 10, 100, 4, 7), 7);
	assert_int_equal(inventory_cpu_use(1000, 10000, 900, 11000, 4, 7), 7);
	assert_int_equal(inventory_cpu_use(1000, 10000, 1000, 11000, 4, 7), 0);
	assert_int_equal(inventory_cpu_use(1000, 10000, 3000, 11000, 4, 0),
	    4000);
	assert_int_equal(inventory_cpu_use(5, 10, 6, 13, 0, 0), 333);
	/* counters of years of ticks: no overflow */
	assert_int_equal(inventory_cpu_use(UINT64_C(1) << 50,
	    UINT64_C(1) << 52, (UINT64_C(1) << 50) + 1000,
	    (UINT64_C(1) << 52) + 8000, 64, 0), 8000);
}

/* A host's reports through the inventory: cpu_use in its record, in its
 * history, and in placement's CPU when it is the busiest view. */
static void
test_host_cpu(void **state)
{
	struct fixture *f = *state;
	struct inv_host_cfg hc[1] = { { "alpha", "10.0.0.1", 22, 0 } };
	struct msg_host_list hl = { 0 };
	struct msg_host_info info;
	struct corral_conf conf;
	struct place_pool p;
	struct inventory *inv = open_ok(f);

	corral_conf_defaults(&conf);
	must(inv, inventory_sync_hosts(inv, hc, 1));
	fill_info(&info, 1);                /* 9 cores, load15 3.001 */
	info.cpu_busy = 1000;
	info.cpu_total = 10000;
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 100));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.v[0].cpu_use, 0);          /* one report */
	assert_int_equal(hl.v[0].info.cpu_busy, 1000);
	assert_int_equal(hl.v[0].info.cpu_total, 10000);
	msg_host_list_free(&hl);
	info.cpu_busy += 750;               /* 3/4 of 9 cores */
	info.cpu_total += 1000;
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 110));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.v[0].cpu_use, 6750);
	msg_host_list_free(&hl);
	/* the 15-minute average (0 and 6750) is over the load average */
	must(inv, placedb_load(inv, &conf, 110, &p));
	assert_true(p.h[0].cpu > 3.374 && p.h[0].cpu < 3.376);
	placedb_free(&p);
	/* a reboot: its counters start again, the figure stays */
	info.cpu_busy = 10;
	info.cpu_total = 100;
	must(inv, inventory_host_up(inv, "alpha", &info, NULL, 0, 120));
	must(inv, inventory_hosts(inv, &hl));
	assert_int_equal(hl.v[0].cpu_use, 6750);
	msg_host_list_free(&hl);
	inventory_close(inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_runs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_user_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_hosts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_placedb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placedb_store_ro, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_placedb_puts, setup,
		    teardown),
		cmocka_unit_test(test_cpu_use),
		cmocka_unit_test_setup_teardown(test_host_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_up_replaces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_host_down, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_noselect, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_container_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_addr_owner, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
