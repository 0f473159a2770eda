#!/usr/bin/env bash
# Jobs through the real master and CLI: an empty list, the errors of job
# and cancel, and the recovery at start: a master killed with -9 that left
# a job running finds it and marks it failed with its step named (a kind
# without a recover: one this build lacks), a queued job of a kind this master
# lacks fails, and both are logged with their ids; jobs_per_host holds a
# second job from the same host in the queue, and a SIGHUP that raises it
# starts that job while the first still runs.  The end-to-end job tests
# of move are tests/integration/move.sh.
. "$(dirname "$0")/lib.bash"
pool_up 1

out=$(corral jobs) || fail "corral jobs: exit $?"
[ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "^ID .*AGE/ERROR$" ||
	fail "jobs on an empty pool: $out"
[ "$(corral jobs --json)" = "[]" ] || fail "jobs --json: $(corral jobs --json)"
[ "$(corral jobs --all --json)" = "[]" ] || fail "jobs --all --json"
ok "no jobs"

expect_exit 1 "no job 999" corral job 999
expect_exit 1 "no job 999" corral job 999 --wait
expect_exit 1 "no job 999" corral cancel 999
expect_exit 2 "'abc' is not a job id" corral cancel abc
expect_exit 2 "'0' is not a job id" corral job 0
expect_exit 2 "'-3' is not a job id" corral job -- -3
expect_exit 2 "usage" corral cancel
corral jobs --help | grep -q "^usage: corral jobs" || fail "jobs --help"
corral job --help | grep -q "^usage: corral job ID" || fail "job --help"
corral cancel --help | grep -q "^usage: corral cancel ID" || fail "cancel --help"
ok "job and cancel refuse bad ids"

# A master killed in the middle of a job of a kind this build lacks (one
# without a recover): the inventory says running.
db=$POOL/master/inventory.db
kill_master
now=$(( $(date +%s) * 1000 ))
sqlite3 "$db" "
INSERT INTO jobs (kind, container, src, dst, state, step, bytes_done,
    bytes_total, created, started)
    VALUES ('gone', 'web', 'h1', 'h2', 'running', 'copy', 5, 10, $now, $now);
INSERT INTO job_steps (job, seq, step, started)
    VALUES (last_insert_rowid(), 1, 'copy', $now);
INSERT INTO jobs (kind, container, src, created)
    VALUES ('nosuch', 'db', 'h1', $now);"
run_id=$(sqlite3 "$db" "SELECT id FROM jobs WHERE container = 'web'")
q_id=$(sqlite3 "$db" "SELECT id FROM jobs WHERE container = 'db'")
"$POOLSH" start master
# the dead master's socket file is still there: wait for an answer
wait_until 100 corral jobs || fail "master not back after -9: $(tail -n 5 "$POOL/master/master.log")"

js=$(corral job "$run_id" --json)
echo "$js" | jq -e '.job.state == "failed" and .job.error == "master restarted during copy" and .job.step == "copy" and .job.ended_ms > 0' >/dev/null ||
	fail "running job after a restart: $js"
echo "$js" | jq -e '.steps | length == 1 and .[0].step == "copy" and .[0].ended_ms > 0' >/dev/null ||
	fail "its steps: $js"
wait_until 50 sh -c "corral job $q_id --json | jq -e '.job.state == \"failed\"'" ||
	fail "queued job of no kind: $(corral job "$q_id" --json)"
corral job "$q_id" | grep -q "^error .*no job kind 'nosuch'" || fail "its error: $(corral job "$q_id")"
grep -q "job $run_id gone web: failed: master restarted during copy" "$POOL/master/master.log" ||
	fail "recovery not logged"
grep -q "job $q_id nosuch db: failed: no job kind" "$POOL/master/master.log" ||
	fail "unknown kind not logged"
ok "a job left running is failed with its step, and logged"

# both are remembered: in the list, as JSON and as text
js=$(corral jobs --json)
echo "$js" | jq -e --argjson a "$run_id" --argjson b "$q_id" \
	'[.[].id] == [$a, $b] and all(.[]; has("cancel_requested") and has("created_ms") and has("bytes_total"))' >/dev/null ||
	fail "jobs --json: $js"
corral jobs | grep -q "^$run_id *gone *web *h1 *h2 *failed *copy *50% 5B/10B .*master restarted during copy" ||
	fail "jobs table: $(corral jobs)"
expect_exit 1 "job $run_id had already ended: failed" corral cancel "$run_id"
expect_exit 1 "job $run_id failed during copy: master restarted" corral job "$run_id" --wait
ok "jobs are listed and kept"

# ---- the job limits, and a SIGHUP that changes them: jobs_per_host = 1
# holds a second get from h1 in the queue while the first one waits at
# its copy (the master's pause hook, from a file); jobs_per_host = 2 and a
# SIGHUP start it while the first one still runs
"$POOLSH" create h1 la >/dev/null
"$POOLSH" create h1 lb >/dev/null
"$POOLSH" create h1 lc >/dev/null
PAUSEF=$POOL/job-pause
echo "copy:8" >"$PAUSEF"
echo "jobs_per_host = 1" >>"$CORRAL_CONF"
master_again CORRAL_TEST_JOB_PAUSE="$PAUSEF" -- h1
ja=$(corral get la --detach) || fail "get la --detach: $ja"
wait_until 100 jq_of '.job.step == "copy"' corral job "$ja" --json || fail "job $ja never at its copy"
jb=$(corral get lb --detach) || fail "get lb --detach: $jb"
sleep 1
jq_of '.job.state == "queued"' corral job "$jb" --json ||
	fail "job $jb not held by jobs_per_host = 1: $(corral job "$jb")"
# a CLI waiting on a queued job returns when another cancels it (it
# waited for the next job to start or end)
corral get lc >"$POOL/lc.out" 2>&1 &
lcpid=$!
queued_lc() { corral jobs --json | jq -e '.[] | select(.container == "lc" and .state == "queued")'; }
wait_until 50 queued_lc || fail "get lc not queued: $(corral jobs)"
jc=$(corral jobs --json | jq -r '.[] | select(.container == "lc" and .kind == "get") | .id')
corral cancel "$jc" >/dev/null || fail "cancel $jc"
wait_until 30 sh -c "! kill -0 $lcpid" || fail "the CLI waiting on job $jc hangs after its cancel"
rc=0; wait "$lcpid" || rc=$?
[ "$rc" -ne 0 ] && jq_of '.job.state == "cancelled"' corral job "$jc" --json ||
	fail "get lc: exit $rc ($(cat "$POOL/lc.out")), $(corral job "$jc")"
sed -i 's/^jobs_per_host = 1$/jobs_per_host = 2/' "$CORRAL_CONF"
kill -HUP "$(cat "$POOL/master/master.pid")"
wait_until 50 jq_of '.job.state == "running"' corral job "$jb" --json ||
	fail "job $jb not started after the SIGHUP: $(corral job "$jb")"
jq_of '.job.state == "running" and .job.step == "copy"' corral job "$ja" --json ||
	fail "job $ja no longer at its copy: the two did not run at once: $(corral job "$ja")"
grep -q "reloaded $CORRAL_CONF: jobs_max [0-9]*, jobs_per_host 2" "$POOL/master/master.log" ||
	fail "the reload is not logged: $(tail -n 3 "$POOL/master/master.log")"
: >"$PAUSEF"
for j in "$ja" "$jb"; do
	wait_until 300 jq_of '.job.state == "done"' corral job "$j" --json || fail "job $j: $(corral job "$j")"
done
ok "jobs_per_host holds a job in the queue (cancelled there, its waiting CLI returns); a SIGHUP re-reads it and the job starts"
