/* corral-master: jobs in the inventory's database (see jobs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "invdb.h"
#include "jobs.h"

static const char *const state_names[] = {
	[JOB_QUEUED]    = "queued",
	[JOB_RUNNING]   = "running",
	[JOB_DONE]      = "done",
	[JOB_FAILED]    = "failed",
	[JOB_CANCELLED] = "cancelled",
};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

/* ---- statements ---- */

static const char sql_insert[] =
    "INSERT INTO jobs (kind, container, src, dst, args, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_busy[] =
    "SELECT id FROM jobs WHERE container = ?1 AND container <> ''"
    " AND state IN ('queued', 'running')";
static const char sql_start[] =
    "UPDATE jobs SET state = 'running', started = ?2"
    " WHERE id = ?1 AND state = 'queued'";
static const char sql_step_close[] =
    "UPDATE job_steps SET ended = ?2 WHERE job = ?1 AND ended = 0";
static const char sql_step_open[] =
    "INSERT INTO job_steps (job, seq, step, started)"
    " SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3 FROM job_steps"
    " WHERE job = ?1";
static const char sql_set_step[] =
    "UPDATE jobs SET step = ?2 WHERE id = ?1 AND state = 'running'";
static const char sql_set_bytes[] =
    "UPDATE jobs SET bytes_done = ?2, bytes_total = ?3 WHERE id = ?1";
static const char sql_set_args[] =
    "UPDATE jobs SET args = ?2 WHERE id = ?1 AND state = 'running'";
static const char sql_set_result[] =
    "UPDATE jobs SET result = ?2 WHERE id = ?1 AND state = 'running'";
static const char sql_finish[] =
    "UPDATE jobs SET state = ?2, error = ?3, ended = ?4"
    " WHERE id = ?1 AND state IN ('queued', 'running')";
static const char sql_requeue[] =
    "UPDATE jobs SET state = 'queued', started = 0, step = '',"
    " bytes_done = 0, bytes_total = 0 WHERE id = ?1 AND state = 'running'";
static const char sql_cancel_queued[] =
    "UPDATE jobs SET state = 'cancelled', cancel = 1, ended = ?2,"
    " error = 'cancelled before it started'"
    " WHERE id = ?1 AND state = 'queued'";
static const char sql_cancel_running[] =
    "UPDATE jobs SET cancel = 1 WHERE id = ?1 AND state = 'running'";
static const char sql_get[] =
    "SELECT id, kind, container, src, dst, args, state, step, bytes_done,"
    " bytes_total, error, cancel, created, started, ended, result FROM jobs"
    " WHERE id = ?1";
static const char sql_steps[] =
    "SELECT step, started, ended FROM job_steps WHERE job = ?1"
    " ORDER BY seq";
static const char sql_list[] =
    "SELECT id, kind, container, src, dst, args, state, step, bytes_done,"
    " bytes_total, error, cancel, created, started, ended, result FROM jobs"
    " WHERE state IN ('queued', 'running') OR ended >= ?1 ORDER BY id";
static const char sql_prune[] =
    "DELETE FROM jobs WHERE state NOT IN ('queued', 'running')"
    " AND ended < ?1";

/* ---- states ---- */

const char *
job_state_name(enum job_state s)
{
	return (size_t)s < N_STATES ? state_names[s] : "unknown";
}

int
job_state_parse(const char *s, enum job_state *out)
{
	size_t i;

	for (i = 0; i < N_STATES; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	return -1;
}

bool
job_active(enum job_state s)
{
	return s == JOB_QUEUED || s == JOB_RUNNING;
}

bool
job_name_in(const char *name, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, v[i]) == 0)
			return true;
	return false;
}

/* ---- helpers ---- */

/* One bound id (and optionally a time) into st; -1 with err set. */
static int
bind_id(struct inventory *inv, sqlite3_stmt *st, int64_t id,
    const char *what)
{
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return inv_bind_fail(inv, st, what);
	return 0;
}

/* Run st and require that it changed a row of job id. */
/* The last statement must have changed a row of job id. */
static int
changed_one(struct inventory *inv, int64_t id, const char *what)
{
	if (sqlite3_changes(inv->db) == 0) {
		inv_set_err(inv, "%s: job %lld is not in a state for it", what,
		    (long long)id);
		return -1;
	}
	return 0;
}

/* Run st and require that it changed a row of job id. */
static int
run_one(struct inventory *inv, sqlite3_stmt *st, int64_t id,
    const char *what)
{
	if (inv_run(inv, st, what) != 0)
		return -1;
	return changed_one(inv, id, what);
}

static int
close_step(struct inventory *inv, int64_t id, int64_t now)
{
	return inv_exec_i64(inv, sql_step_close, "end step", 2, id, now);
}

static void
read_job(sqlite3_stmt *st, void *row)
{
	struct job *j = row;
	char state[16];

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	inv_col_text(st, 1, j->kind, sizeof(j->kind));
	inv_col_text(st, 2, j->container, sizeof(j->container));
	inv_col_text(st, 3, j->src, sizeof(j->src));
	inv_col_text(st, 4, j->dst, sizeof(j->dst));
	inv_col_text(st, 5, j->args, sizeof(j->args));
	inv_col_text(st, 6, state, sizeof(state));
	if (job_state_parse(state, &j->state) != 0)
		j->state = JOB_FAILED;   /* no other writer: cannot happen */
	inv_col_text(st, 7, j->step, sizeof(j->step));
	j->bytes_done = inv_col_u64(st, 8);
	j->bytes_total = inv_col_u64(st, 9);
	inv_col_text(st, 10, j->error, sizeof(j->error));
	j->cancel = sqlite3_column_int(st, 11) != 0;
	j->created = sqlite3_column_int64(st, 12);
	j->started = sqlite3_column_int64(st, 13);
	j->ended = sqlite3_column_int64(st, 14);
	inv_col_text(st, 15, j->result, sizeof(j->result));
}

/* ---- writes ---- */

static int
find_busy(struct inventory *inv, const char *ct, int64_t *busy_id)
{
	sqlite3_stmt *st;
	int rc;

	*busy_id = 0;
	if ((st = invdb_stmt(inv, sql_busy)) == NULL)
		return -1;
	if (inv_bind_str(st, 1, ct) != SQLITE_OK)
		return inv_bind_fail(inv, st, "find active job");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*busy_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		inv_db_err(inv, "find active job");
	inv_stmt_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
job_add(struct inventory *inv, struct job *j, int64_t now, int64_t *busy_id)
{
	sqlite3_stmt *st;

	*busy_id = 0;
	if (j->kind[0] == '\0') {
		inv_set_err(inv, "add job: no kind");
		return -1;
	}
	if (inv_begin(inv) != 0)
		return -1;
	/* the unique index would refuse it too; this names the holder */
	if (find_busy(inv, j->container, busy_id) != 0)
		goto fail;
	if (*busy_id != 0) {
		inv_set_err(inv, "%s: job %lld is at work on it", j->container,
		    (long long)*busy_id);
		inv_rollback(inv);
		return JOB_BUSY;
	}
	if ((st = invdb_stmt(inv, sql_insert)) == NULL)
		goto fail;
	if (inv_bind_field(st, 1, j->kind, sizeof(j->kind)) != SQLITE_OK ||
	    inv_bind_field(st, 2, j->container, sizeof(j->container)) !=
	    SQLITE_OK ||
	    inv_bind_field(st, 3, j->src, sizeof(j->src)) != SQLITE_OK ||
	    inv_bind_field(st, 4, j->dst, sizeof(j->dst)) != SQLITE_OK ||
	    inv_bind_field(st, 5, j->args, sizeof(j->args)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, now) != SQLITE_OK) {
		inv_bind_fail(inv, st, "add job");
		goto fail;
	}
	if (inv_run(inv, st, "add job") != 0)
		goto fail;
	j->id = sqlite3_last_insert_rowid(inv->db);
	if (inv_commit(inv) != 0)
		return -1;
	j->state = JOB_QUEUED;
	j->created = now;
	j->started = j->ended = 0;
	j->step[0] = j->error[0] = '\0';
	j->cancel = false;
	return 0;
fail:
	inv_rollback(inv);
	return -1;
}

int
job_start(struct inventory *inv, int64_t id, int64_t now)
{
	if (inv_exec_i64(inv, sql_start, "start job", 2, id, now) != 0)
		return -1;
	return changed_one(inv, id, "start job");
}

int
job_set_step(struct inventory *inv, int64_t id, const char *step,
    int64_t now)
{
	sqlite3_stmt *st;

	if (step == NULL || *step == '\0' || strlen(step) >= JOB_STEP_MAX) {
		inv_set_err(inv, "job %lld: bad step name", (long long)id);
		return -1;
	}
	if (inv_begin(inv) != 0)
		return -1;
	if ((st = invdb_stmt(inv, sql_set_step)) == NULL ||
	    bind_id(inv, st, id, "set step") != 0)
		goto fail;
	if (inv_bind_str(st, 2, step) != SQLITE_OK) {
		inv_bind_fail(inv, st, "set step");
		goto fail;
	}
	if (run_one(inv, st, id, "set step") != 0 ||
	    close_step(inv, id, now) != 0)
		goto fail;
	if ((st = invdb_stmt(inv, sql_step_open)) == NULL ||
	    bind_id(inv, st, id, "begin step") != 0)
		goto fail;
	if (inv_bind_str(st, 2, step) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK) {
		inv_bind_fail(inv, st, "begin step");
		goto fail;
	}
	if (inv_run(inv, st, "begin step") != 0)
		goto fail;
	return inv_commit(inv);
fail:
	inv_rollback(inv);
	return -1;
}

int
job_set_bytes(struct inventory *inv, int64_t id, uint64_t done,
    uint64_t total)
{
	sqlite3_stmt *st;

	if ((st = invdb_stmt(inv, sql_set_bytes)) == NULL ||
	    bind_id(inv, st, id, "job bytes") != 0)
		return -1;
	if (inv_bind_u64(st, 2, done) != SQLITE_OK ||
	    inv_bind_u64(st, 3, total) != SQLITE_OK)
		return inv_bind_fail(inv, st, "job bytes");
	return run_one(inv, st, id, "job bytes");
}

/* A running job's text column (sql: ?1 the id, ?2 the text). */
static int
set_text(struct inventory *inv, int64_t id, const char *sql,
    const char *text, size_t max, const char *what)
{
	sqlite3_stmt *st;

	if (strlen(text) >= max) {
		inv_set_err(inv, "job %lld: %s too long", (long long)id, what);
		return -1;
	}
	if ((st = invdb_stmt(inv, sql)) == NULL ||
	    bind_id(inv, st, id, what) != 0)
		return -1;
	if (inv_bind_str(st, 2, text) != SQLITE_OK)
		return inv_bind_fail(inv, st, what);
	return run_one(inv, st, id, what);
}

int
job_set_args(struct inventory *inv, int64_t id, const char *args)
{
	return set_text(inv, id, sql_set_args, args, JOB_ARGS_MAX, "job args");
}

int
job_set_result(struct inventory *inv, int64_t id, const char *result)
{
	return set_text(inv, id, sql_set_result, result, JOB_RESULT_MAX,
	    "job result");
}

int
job_finish(struct inventory *inv, int64_t id, enum job_state state,
    const char *error, int64_t now)
{
	sqlite3_stmt *st;

	if (job_active(state) || (size_t)state >= N_STATES) {
		inv_set_err(inv, "job %lld: cannot end as %s", (long long)id,
		    job_state_name(state));
		return -1;
	}
	if (inv_begin(inv) != 0)
		return -1;
	if ((st = invdb_stmt(inv, sql_finish)) == NULL ||
	    bind_id(inv, st, id, "end job") != 0)
		goto fail;
	if (inv_bind_str(st, 2, job_state_name(state)) != SQLITE_OK ||
	    inv_bind_field(st, 3, error != NULL ? error : "",
	    JOB_ERROR_MAX - 1) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
		inv_bind_fail(inv, st, "end job");
		goto fail;
	}
	if (run_one(inv, st, id, "end job") != 0 ||
	    close_step(inv, id, now) != 0)
		goto fail;
	return inv_commit(inv);
fail:
	inv_rollback(inv);
	return -1;
}

int
job_requeue(struct inventory *inv, int64_t id, int64_t now)
{
	if (inv_begin(inv) != 0)
		return -1;
	if (inv_exec_i64(inv, sql_requeue, "requeue job", 1, id) != 0 ||
	    changed_one(inv, id, "requeue job") != 0 ||
	    close_step(inv, id, now) != 0)
		goto fail;
	return inv_commit(inv);
fail:
	inv_rollback(inv);
	return -1;
}

int
job_cancel(struct inventory *inv, int64_t id, int64_t now,
    enum job_state *state)
{
	struct job j;

	if (inv_begin(inv) != 0)
		return -1;
	if (inv_exec_i64(inv, sql_cancel_queued, "cancel job", 2, id,
	    now) != 0 ||
	    inv_exec_i64(inv, sql_cancel_running, "cancel job", 1, id) != 0)
		goto fail;
	if (inv_commit(inv) != 0)
		return -1;
	if (job_get(inv, id, &j, NULL, NULL) != 0)
		return -1;
	*state = j.state;
	return 0;
fail:
	inv_rollback(inv);
	return -1;
}

int
job_cancel_asked(struct inventory *inv, int64_t id, bool *asked)
{
	struct job j;

	if (job_get(inv, id, &j, NULL, NULL) != 0)
		return -1;
	*asked = j.cancel;
	return 0;
}

int
job_prune(struct inventory *inv, int64_t before)
{
	return inv_exec_i64(inv, sql_prune, "prune jobs", 1, before);
}

/* ---- reads ---- */

static void
read_step(sqlite3_stmt *st, void *row)
{
	struct job_step *s = row;

	inv_col_text(st, 0, s->step, sizeof(s->step));
	s->started = sqlite3_column_int64(st, 1);
	s->ended = sqlite3_column_int64(st, 2);
}

static int
read_steps(struct inventory *inv, int64_t id, struct job_step **steps,
    size_t *n)
{
	sqlite3_stmt *st;
	void *v;
	int r;

	*steps = NULL;
	*n = 0;
	if ((st = invdb_stmt(inv, sql_steps)) == NULL ||
	    bind_id(inv, st, id, "job steps") != 0)
		return -1;
	r = inv_rows(inv, st, "job steps", sizeof(**steps), &v, n,
	    read_step);
	*steps = v;
	return r;
}

int
job_get(struct inventory *inv, int64_t id, struct job *j,
    struct job_step **steps, size_t *n_steps)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = invdb_stmt(inv, sql_get)) == NULL ||
	    bind_id(inv, st, id, "read job") != 0)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_job(st, j);
	else if (rc == SQLITE_DONE)
		inv_set_err(inv, "no job %lld", (long long)id);
	else
		inv_db_err(inv, "read job");
	inv_stmt_done(st);
	if (rc != SQLITE_ROW)
		return -1;
	if (steps != NULL)
		return read_steps(inv, id, steps, n_steps);
	return 0;
}

int
job_list(struct inventory *inv, int64_t ended_after, struct job **v,
    size_t *n)
{
	sqlite3_stmt *st;
	void *p;
	int r;

	*v = NULL;
	*n = 0;
	if ((st = invdb_stmt(inv, sql_list)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, ended_after) != SQLITE_OK)
		return inv_bind_fail(inv, st, "list jobs");
	r = inv_rows(inv, st, "list jobs", sizeof(**v), &p, n, read_job);
	*v = p;
	return r;
}
