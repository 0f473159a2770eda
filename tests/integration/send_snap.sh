#!/usr/bin/env bash
# The snapshots a send takes, and what a killed master's job recovery does
# with them (btrfs storage, the store on btrfs, a small running container):
# (a) an admin's snapshot of C (corral snapshot) taken while a get waits
# before its copy, the master killed there with -9: its recovery keeps
# that snapshot (the get refuses it, naming it), and once it is dropped a
# get works; (b) a backup whose master is killed -9 while the source
# slave holds the snapshot its send took, the slave not noticing (its
# connection process stopped, so its worker, paused after the take by
# CORRAL_TEST_SEND_PAUSE, lives on: half-open): the restarted master's
# recovery drops that snapshot as its own dead send's (the slave says the
# worker still runs), takes its own, finishes with a version, and once
# the old worker has ended no snapshot, hold or temp file is left; (c) a
# snapshot a killed worker's send left (the worker gone, the master
# alive): corral snapshot --status names it a send's that is over, and
# the next get drops it and runs, while an admin's is never dropped (a
# slave's restart drops every snapshot, as corral-slave(8) says); (d) a
# move's send marks its snapshot with the move's job.
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1)
STORE=$("$POOLSH" store)
PAUSEF=$POOL/job-pause
: >"$PAUSEF"
BACKUP_CONF=$(sed -n 's/^backup *= *//p' "$CORRAL_CONF")
master_start() { CORRAL_TEST_JOB_PAUSE=$PAUSEF "$POOLSH" start master >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
versions() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' 2>/dev/null | wc -l; }
snap_state() { corral snapshot h1 web --status --json | jq -r "$1"; }
"$POOLSH" stop master >/dev/null
master_start
wait_until 100 host_up h1 || fail "h1 not up: $(corral hosts)"
"$POOLSH" create h1 web >/dev/null
mkdir "$S1/web/data"
for i in $(seq 1 20); do echo "file $i" >"$S1/web/data/f$i"; done
corral get web >/dev/null || fail "the first get"

# ---- (a) an admin's snapshot present while a get's recovery runs
CASE="(a) get: master killed before its copy, an admin's snapshot taken"
nv=$(versions web)
echo "copy:4" >"$PAUSEF"
id=$(corral get web --detach) || fail "$CASE: get --detach: $id"
wait_until 100 jq_of '.job.step == "copy"' corral job "$id" --json ||
	fail "$CASE: job $id never reached copy: $(corral job "$id")"
corral snapshot h1 web >/dev/null || fail "$CASE: corral snapshot h1 web"
kill_master
: >"$PAUSEF"
master_start
wait_until 200 host_up h1 || fail "$CASE: h1 not up"
wait_until 600 ended "$id" || fail "$CASE: job $id did not end: $(corral job "$id")"
[ "$(snap_state .state)" = snapshot ] ||
	fail "$CASE: the recovery dropped the admin's snapshot: $(corral snapshot h1 web --status); job $id: $(corral job "$id")"
jq_of '.job.state == "failed" and (.job.error | test("web has a snapshot on h1 \\(corral snapshot\\)"))' corral job "$id" --json ||
	fail "$CASE: job $id: $(corral job "$id")"
[ "$(versions web)" = "$nv" ] || fail "$CASE: a version was made of the admin's snapshot"
[ "$(snap_state .taken_by)" = admin ] || fail "$CASE: the admin's snapshot is not said to be: $(corral snapshot h1 web --status --json)"
corral snapshot h1 web --drop >/dev/null || fail "$CASE: dropping the admin's snapshot"
corral get web >/dev/null || fail "$CASE: the get once it was dropped"
no_leftovers h1
ok "$CASE: kept, the get refused it; dropped, the get works"

# ---- (b) a backup's master killed while the slave, half-open, holds its
# send's snapshot
CASE="(b) backup: master killed during the copy, the slave half-open"
echo "web:hot" >"$BACKUP_CONF"
"$POOLSH" stop h1 >/dev/null
CORRAL_TEST_SEND_PAUSE=8 "$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "$CASE: h1 not up after its restart"
nv=$(versions web)
from=$(wc -l <"$POOL/h1/slave.log")
corral backup >/dev/null 2>&1 &
bpid=$!
wait_until 200 sh -c "tail -n +$from '$POOL/h1/slave.log' | grep -q 'web: snapshot taken for a send; pausing'" ||
	fail "$CASE: the send took no snapshot: $(tail -n 5 "$POOL/h1/slave.log")"
worker=$(tail -n +"$from" "$POOL/h1/slave.log" | sed -n 's/.*web: snapshot taken for a send; pausing .*pid \([0-9]*\)).*/\1/p' | head -n 1)
[ -n "$worker" ] || fail "$CASE: no worker pid in the slave's log"
conn=$(ps -o ppid= -p "$worker" | tr -d ' ')
id=$(corral jobs --json | jq -r '.[] | select(.kind == "backup" and .state == "running") | .id')
[ -n "$id" ] || fail "$CASE: no running backup job: $(corral jobs)"
snap_state '.taken_by == "send" and .job == '"$id"' and .pid == '"$worker" | grep -qx true ||
	fail "$CASE: the send's snapshot is not said to be job $id's at work: $(corral snapshot h1 web --status --json)"
# the connection process stopped: it does not see the master's connection
# close, and its worker lives on with the snapshot
kill -STOP "$conn"
kill_master
wait "$bpid" || true      # the CLI loses its master
master_start
wait_until 300 host_up h1 || fail "$CASE: h1 not up after the master's restart"
wait_until 600 ended "$id" || fail "$CASE: job $id did not end: $(corral job "$id")"
jq_of '.job.state == "done"' corral job "$id" --json || { kill -CONT "$conn"; fail "$CASE: job $id: $(corral job "$id")"; }
kill -0 "$worker" 2>/dev/null || fail "$CASE: the old worker ended before the recovery: not half-open"
tail -n +"$from" "$POOL/h1/slave.log" | grep -q "web: dropped the snapshot a send of job $id took, which is over (its worker $worker still running" ||
	fail "$CASE: the slave did not drop the old send's snapshot as its job's: $(tail -n 8 "$POOL/h1/slave.log")"
[ "$(versions web)" = $((nv + 1)) ] || fail "$CASE: no version after the resumed backup"
kill -CONT "$conn"
wait_until 300 gone "$worker" || fail "$CASE: the old worker did not end once its connection was let go"
no_leftovers h1
"$POOLSH" stop h1 >/dev/null
"$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "$CASE: h1 not up after its restart"
no_leftovers h1
ok "$CASE: the stale send's snapshot dropped, the backup resumed and finished, nothing left"

# ---- (c) a snapshot a killed worker's send left, the master alive: a
# send's that is over, which the next get drops; an admin's never
CASE="(c) a killed worker's snapshot"
"$POOLSH" stop h1 >/dev/null
CORRAL_TEST_SEND_PAUSE=10 "$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "$CASE: h1 not up after its restart"
from=$(wc -l <"$POOL/h1/slave.log")
id=$(corral get web --detach) || fail "$CASE: get --detach: $id"
wait_until 200 sh -c "tail -n +$from '$POOL/h1/slave.log' | grep -q 'web: snapshot taken for a send; pausing'" ||
	fail "$CASE: the send took no snapshot"
worker=$(tail -n +"$from" "$POOL/h1/slave.log" | sed -n 's/.*web: snapshot taken for a send; pausing .*pid \([0-9]*\)).*/\1/p' | head -n 1)
kill -KILL "$worker"
wait_until 600 ended "$id" || fail "$CASE: job $id did not end with its sender killed"
jq_of '.job.state == "failed"' corral job "$id" --json || fail "$CASE: job $id: $(corral job "$id")"
snap_state '.state == "snapshot" and .taken_by == "stale send" and .job == '"$id" | grep -qx true ||
	fail "$CASE: the killed send's snapshot is not said to be one that is over: $(corral snapshot h1 web --status --json)"
corral snapshot h1 web --status | grep -q "taken by a send of job $id, which is over" ||
	fail "$CASE: --status says: $(corral snapshot h1 web --status)"
id=$(corral get web --detach) || fail "$CASE: get --detach: $id"
wait_until 600 ended "$id" || fail "$CASE: job $id did not end"
jq_of '.job.state == "done"' corral job "$id" --json || fail "$CASE: job $id: $(corral job "$id")"
grep -q "job $id.*dropped the snapshot of web a send that is over left on h1" "$POOL/master/master.log" ||
	fail "$CASE: the get did not say it dropped the stale snapshot"
no_leftovers h1
corral snapshot h1 web >/dev/null || fail "$CASE: corral snapshot h1 web"
rc=0; err=$(corral get web 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] && echo "$err" | tail -n 1 | grep -q "web has a snapshot on h1 (corral snapshot)" ||
	fail "$CASE: a get with an admin's snapshot: exit $rc: $err"
[ "$(snap_state .state)" = snapshot ] || fail "$CASE: a get dropped the admin's snapshot"
corral snapshot h1 web --drop >/dev/null || fail "$CASE: dropping the admin's snapshot"
no_leftovers h1
ok "$CASE: named a send's that is over, dropped by the next get; an admin's kept"

# ---- (d) a move's send: its snapshot is marked with the move's job, which
# a recovery of that move (its drop-stale at config) looks for
CASE="(d) move: its send's snapshot"
"$POOLSH" stop h1 >/dev/null
CORRAL_TEST_SEND_PAUSE=6 "$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "$CASE: h1 not up after its restart"
from=$(wc -l <"$POOL/h1/slave.log")
id=$(corral move web --to h2 --detach) || fail "$CASE: move --detach: $id"
wait_until 200 sh -c "tail -n +$from '$POOL/h1/slave.log' | grep -q 'web: snapshot taken for a send; pausing'" ||
	fail "$CASE: the send took no snapshot: $(tail -n 5 "$POOL/h1/slave.log")"
snap_state '.taken_by == "send" and .job == '"$id" | grep -qx true ||
	fail "$CASE: the move's send's snapshot is not said to be job $id's: $(corral snapshot h1 web --status --json)"
wait_until 900 ended "$id" || fail "$CASE: job $id did not end: $(corral job "$id")"
jq_of '.job.state == "done"' corral job "$id" --json || fail "$CASE: job $id: $(corral job "$id")"
no_leftovers h1
no_leftovers h2
ok "$CASE: marked as the move's (job $id), the move done, nothing left"
