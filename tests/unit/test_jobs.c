/* Unit tests: jobs in the master's inventory (master/jobs.c), on real
 * database files in a fresh mkdtemp() directory per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "inventory.h"
#include "jobs.h"
#include "tmpdir.h"

struct fixture {
	char dir[256];
	char path[300];
	struct inventory *inv;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	if (f == NULL)
		return -1;
	if (test_tmpdir("jobs", f->dir, sizeof(f->dir)) != 0) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/inventory.db", f->dir);
	if ((f->inv = inventory_open(f->path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	inventory_close(f->inv);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void
must(struct inventory *inv, int r)
{
	if (r != 0)
		fail_msg("%s", inventory_errmsg(inv));
}

static int64_t
add(struct inventory *inv, const char *kind, const char *ct, int64_t now)
{
	struct job j;
	int64_t busy;

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "%s", kind);
	snprintf(j.container, sizeof(j.container), "%s", ct);
	snprintf(j.src, sizeof(j.src), "h1");
	snprintf(j.dst, sizeof(j.dst), "h2");
	snprintf(j.args, sizeof(j.args), "cold=1");
	must(inv, job_add(inv, &j, now, &busy));
	assert_int_equal(busy, 0);
	assert_true(j.id > 0);
	assert_int_equal(j.state, JOB_QUEUED);
	return j.id;
}

static void
test_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	struct job_step *steps;
	struct job j;
	size_t n;
	int64_t id;

	id = add(inv, "move", "web", 1000);
	must(inv, job_start(inv, id, 1100));
	must(inv, job_set_step(inv, id, "copy", 1200));
	must(inv, job_set_bytes(inv, id, 10, 100));
	must(inv, job_set_step(inv, id, "switch", 1500));
	must(inv, job_finish(inv, id, JOB_DONE, "", 1700));

	must(inv, job_get(inv, id, &j, &steps, &n));
	assert_string_equal(j.kind, "move");
	assert_string_equal(j.container, "web");
	assert_string_equal(j.src, "h1");
	assert_string_equal(j.dst, "h2");
	assert_string_equal(j.args, "cold=1");
	assert_int_equal(j.state, JOB_DONE);
	assert_string_equal(j.step, "switch");
	assert_int_equal(j.bytes_done, 10);
	assert_int_equal(j.bytes_total, 100);
	assert_int_equal(j.created, 1000);
	assert_int_equal(j.started, 1100);
	assert_int_equal(j.ended, 1700);
	assert_int_equal(n, 2);
	assert_string_equal(steps[0].step, "copy");
	assert_int_equal(steps[0].started, 1200);
	assert_int_equal(steps[0].ended, 1500);
	assert_string_equal(steps[1].step, "switch");
	assert_int_equal(steps[1].started, 1500);
	assert_int_equal(steps[1].ended, 1700);
	free(steps);

	/* an ended job does not start, step or end again */
	assert_int_equal(job_start(inv, id, 1800), -1);
	assert_int_equal(job_set_step(inv, id, "again", 1800), -1);
	assert_int_equal(job_finish(inv, id, JOB_FAILED, "x", 1800), -1);
	must(inv, job_get(inv, id, &j, NULL, NULL));
	assert_int_equal(j.state, JOB_DONE);
	assert_int_equal(j.ended, 1700);
}

static void
test_one_job_per_container(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	struct job j;
	int64_t first, busy;

	first = add(inv, "get", "db", 1);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "move");
	snprintf(j.container, sizeof(j.container), "db");
	assert_int_equal(job_add(inv, &j, 2, &busy), JOB_BUSY);
	assert_int_equal(busy, first);
	assert_non_null(strstr(inventory_errmsg(inv), "db"));
	/* still one while running; another container is free */
	must(inv, job_start(inv, first, 3));
	assert_int_equal(job_add(inv, &j, 4, &busy), JOB_BUSY);
	add(inv, "get", "web", 5);
	/* jobs of no container never conflict */
	add(inv, "backup", "", 6);
	add(inv, "backup", "", 7);
	/* once the first ends, the container is free again */
	must(inv, job_finish(inv, first, JOB_FAILED, "link cut", 8));
	assert_int_equal(job_add(inv, &j, 9, &busy), 0);
	assert_int_equal(busy, 0);
}

static void
test_requeue(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	struct job_step *steps;
	struct job j;
	size_t n;
	int64_t id;

	id = add(inv, "move", "web", 1);
	/* only a running job goes back */
	assert_int_equal(job_requeue(inv, id, 2), -1);
	must(inv, job_start(inv, id, 3));
	must(inv, job_set_step(inv, id, "copy", 4));
	must(inv, job_set_bytes(inv, id, 5, 10));
	must(inv, job_requeue(inv, id, 6));
	must(inv, job_get(inv, id, &j, &steps, &n));
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.started, 0);
	assert_string_equal(j.step, "");
	assert_int_equal(j.bytes_done, 0);
	assert_int_equal(n, 1);
	assert_int_equal(steps[0].ended, 6);
	free(steps);
	/* and starts again */
	must(inv, job_start(inv, id, 7));
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	enum job_state st;
	struct job j;
	bool asked;
	int64_t q, r;

	q = add(inv, "put", "a", 1);
	r = add(inv, "put", "b", 2);
	must(inv, job_start(inv, r, 3));
	/* queued: cancelled at once */
	must(inv, job_cancel(inv, q, 4, &st));
	assert_int_equal(st, JOB_CANCELLED);
	must(inv, job_get(inv, q, &j, NULL, NULL));
	assert_int_equal(j.ended, 4);
	assert_true(j.cancel);
	/* running: flagged for the runner, still running */
	must(inv, job_cancel_asked(inv, r, &asked));
	assert_false(asked);
	must(inv, job_cancel(inv, r, 5, &st));
	assert_int_equal(st, JOB_RUNNING);
	must(inv, job_cancel_asked(inv, r, &asked));
	assert_true(asked);
	must(inv, job_finish(inv, r, JOB_CANCELLED, "cancelled", 6));
	/* ended: left as it is */
	must(inv, job_cancel(inv, r, 7, &st));
	assert_int_equal(st, JOB_CANCELLED);
	assert_int_equal(job_cancel(inv, 999, 8, &st), -1);
	assert_non_null(strstr(inventory_errmsg(inv), "no job 999"));
}

static void
test_list_and_prune(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	struct job *v;
	size_t n;
	int64_t a, b, c;

	a = add(inv, "get", "a", 10);
	b = add(inv, "get", "b", 20);
	c = add(inv, "get", "c", 30);
	must(inv, job_finish(inv, a, JOB_DONE, "", 100));
	must(inv, job_finish(inv, b, JOB_FAILED, "no space", 200));

	must(inv, job_list(inv, 0, &v, &n));
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, a);
	assert_int_equal(v[2].id, c);
	free(v);
	must(inv, job_list(inv, 150, &v, &n));       /* b ended after 150 */
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, b);
	assert_string_equal(v[0].error, "no space");
	assert_int_equal(v[1].id, c);
	free(v);
	must(inv, job_list(inv, INT64_MAX, &v, &n)); /* active only */
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, c);
	free(v);

	must(inv, job_prune(inv, 150));              /* a goes, c stays */
	must(inv, job_list(inv, 0, &v, &n));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, b);
	assert_int_equal(v[1].id, c);
	free(v);
}

/* A job survives its master: closed and reopened, it is found again,
 * still running at its step, so a new master can resume or roll back. */
static void
test_survives_reopen(void **state)
{
	struct fixture *f = *state;
	struct job_step *steps;
	struct job j;
	char err[512];
	size_t n;
	int64_t id;

	id = add(f->inv, "move", "web", 1);
	must(f->inv, job_start(f->inv, id, 2));
	must(f->inv, job_set_step(f->inv, id, "precopy", 3));
	inventory_close(f->inv);
	f->inv = inventory_open(f->path, err, sizeof(err));
	assert_non_null(f->inv);
	must(f->inv, job_get(f->inv, id, &j, &steps, &n));
	assert_int_equal(j.state, JOB_RUNNING);
	assert_string_equal(j.step, "precopy");
	assert_int_equal(n, 1);
	assert_int_equal(steps[0].ended, 0);
	free(steps);
}

/* A version 1 inventory (before jobs) is migrated and keeps its hosts. */
static void
test_migrate_from_v1(void **state)
{
	struct fixture *f = *state;
	struct inv_host_cfg h = { "alpha", "10.0.0.1", 22, 0 };
	struct msg_host_list hl;
	char err[512];
	sqlite3 *db;

	must(f->inv, inventory_sync_hosts(f->inv, &h, 1));
	inventory_close(f->inv);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE job_steps;"
	    "DROP TABLE jobs; DROP TABLE balance_moves; DROP TABLE daily_runs;"
	    "ALTER TABLE hosts DROP COLUMN drained;"
	    "ALTER TABLE containers DROP COLUMN cpu_milli;"
	    "ALTER TABLE containers DROP COLUMN unseen;"
	    "ALTER TABLE load_history DROP COLUMN cpu_milli;"
	    "ALTER TABLE hosts DROP COLUMN cpu_busy;"
	    "ALTER TABLE hosts DROP COLUMN cpu_total;"
	    "ALTER TABLE hosts DROP COLUMN cpu_use;"
	    "ALTER TABLE load_history DROP COLUMN host_cpu_milli;"
	    "ALTER TABLE containers DROP COLUMN ipv4_config;"
	    "PRAGMA user_version = 1", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	f->inv = inventory_open(f->path, err, sizeof(err));
	assert_non_null(f->inv);
	must(f->inv, inventory_hosts(f->inv, &hl));
	assert_int_equal(hl.n, 1);
	assert_string_equal(hl.v[0].name, "alpha");
	msg_host_list_free(&hl);
	add(f->inv, "get", "web", 1);
}

static void
test_bad_calls(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = f->inv;
	enum job_state s;
	struct job j;
	int64_t busy, id;

	memset(&j, 0, sizeof(j));
	assert_int_equal(job_add(inv, &j, 1, &busy), -1);      /* no kind */
	id = add(inv, "get", "a", 1);
	assert_int_equal(job_set_step(inv, id, "x", 2), -1);   /* queued */
	must(inv, job_start(inv, id, 2));
	assert_int_equal(job_set_step(inv, id, "", 3), -1);
	assert_int_equal(job_set_step(inv, id,
	    "a-step-name-much-longer-than-thirty-two-bytes", 3), -1);
	assert_int_equal(job_finish(inv, id, JOB_RUNNING, "", 4), -1);
	assert_int_equal(job_get(inv, 12345, &j, NULL, NULL), -1);
	assert_int_equal(job_state_parse("running", &s), 0);
	assert_int_equal(s, JOB_RUNNING);
	assert_int_equal(job_state_parse("Running", &s), -1);
	assert_string_equal(job_state_name(JOB_CANCELLED), "cancelled");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_job_per_container,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_requeue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_prune, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_survives_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_calls, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
