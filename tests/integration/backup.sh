#!/usr/bin/env bash
# corral backup on the pool (btrfs hosts, the store on btrfs): the
# containers of backup.conf into the store, each its own job:
#   - --dry-run prints the plan (host, hot or cold, a cold running one
#     skipped, one found on no host missing, one on two hosts refused
#     naming both) and queues nothing;
#   - the run: a running hot one through its snapshot (it keeps running,
#     no snapshot left), a stopped cold one exact against the oracle, a
#     running cold one skipped and still running, the missing and the
#     refused reported while the others are backed up, exit 1;
#   - --host and named containers limit the run; each job on stderr as
#     it is queued and as it ends, the report unchanged;
#   - --detach: the jobs' ids at once (--json: the jobs), real jobs that
#     end done; a cold running one skipped is said (exit 0), a missing
#     one is an error (exit 1);
#   - corral backups lists the versions (kinds hot and cold), verify is
#     good, a file changed behind corral's back fails it and is named;
#     with keep_last 1, prune --dry-run names what would go and removes
#     nothing, and the next backup applies retention;
#   - restore: a version onto another host under another name, exact;
#     a name the host has, a bad version: refused;
#   - backup_at: a run missed while the master was down is made when it
#     starts (daily_runs set back a day), and logged; switched off, then
#     on again, it first runs at the next slot, not at start.
# Run under the pool lock: flock -o /tmp/corral-pool.lock ...
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2 --storage btrfs --store-fs btrfs >/dev/null
# scratch files in the pool's directory: pool_cleanup's down removes them
T=$POOL/backup-test
mkdir "$T"
S1=$("$POOLSH" storage h1)
STORE=$("$POOLSH" store)
BCONF=$POOL/master/backup.conf
where() { lxc_truth | grep ":$1:" | cut -d: -f1,3 | tr '\n' ' '; }
item() { jq -e --arg c "$1" ".[] | select(.container == \$c) | $2" "$3" >/dev/null; }
nversions() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' 2>/dev/null | wc -l; }

"$POOLSH" create h1 web >/dev/null
"$POOLSH" create h1 tmpl --stopped >/dev/null
MKTREE_BIG=1M bash "$ROOT/tests/tree/mktree.sh" "$S1/tmpl/data" 2 >/dev/null
"$POOLSH" create h2 db >/dev/null
"$POOLSH" create h2 coldrun >/dev/null
"$POOLSH" create h1 dup --stopped >/dev/null
"$POOLSH" create h2 dup --stopped >/dev/null
cat >"$BCONF" <<CONF
# the pool's containers
web:hot
tmpl:cold
db:hot
coldrun:cold
gone:hot
dup:cold
CONF

# ---- the plan
rc=0; corral backup --dry-run --json >"$T/plan.json" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || fail "backup --dry-run: exit $rc: $(cat "$T/plan.json" "$T/err")"
P=$T/plan.json
item web '.host == "h1" and .mode == "hot" and .result == "planned"' "$P" &&
item tmpl '.host == "h1" and .mode == "cold" and .result == "planned"' "$P" &&
item db '.host == "h2" and .result == "planned"' "$P" &&
item coldrun '.host == "h2" and .mode == "cold" and .result == "skipped" and
    (.reason | test("running"))' "$P" &&
item gone '.host == null and .result == "missing"' "$P" &&
item dup '.result == "refused" and (.reason | test("h1")) and (.reason | test("h2"))' "$P" ||
	fail "the plan: $(cat "$P")"
grep -q "gone: missing" "$T/err" && grep -q "dup: refused" "$T/err" || fail "dry run stderr: $(cat "$T/err")"
[ ! -e "$STORE/web" ] || [ "$(nversions web)" = 0 ] || fail "the dry run made a version"
[ "$(corral jobs --json | jq 'map(select(.kind == "backup")) | length')" = 0 ] ||
	fail "the dry run queued jobs: $(corral jobs)"
corral backup --dry-run >"$T/plan.txt" 2>/dev/null || true
grep -Eq "^coldrun +h2 +cold +skipped +running on h2" "$T/plan.txt" ||
	fail "dry run table: $(cat "$T/plan.txt")"
ok "backup --dry-run: the plan (hot, cold, skipped, missing, refused naming both), nothing queued"

# ---- the run
rc=0; corral backup --json >"$T/run.json" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || fail "backup: exit $rc: $(cat "$T/run.json" "$T/err")"
R=$T/run.json
item web '.result == "done" and .job > 0 and (.version | test("^[0-9]{8}T[0-9]{6}Z")) and
    .files > 0 and .bytes_sent > 0 and .bytes_stored > 0 and .seconds > 0' "$R" &&
item tmpl '.result == "done"' "$R" && item db '.result == "done"' "$R" &&
item coldrun '.result == "skipped" and .job == 0' "$R" &&
item gone '.result == "missing"' "$R" && item dup '.result == "refused"' "$R" ||
	fail "the report: $(cat "$R")"
[ "$(where web)" = "h1:running " ] && [ "$(where coldrun)" = "h2:running " ] &&
	[ "$(where tmpl)" = "h1:stopped " ] || fail "backup changed a container: $(lxc_truth)"
[ -z "$(ls -A "$S1/.corral-snap" 2>/dev/null)" ] || fail "a snapshot is left on h1"
vt=$(jq -r '.[] | select(.container == "tmpl") | .version' "$R")
bash "$SAME" "$S1/tmpl" "$STORE/tmpl/$vt/rootfs" || fail "tmpl's version differs from its rootfs"
[ ! -e "$STORE/coldrun" ] || [ "$(nversions coldrun)" = 0 ] || fail "a version of the cold running one"
[ "$(corral jobs --json | jq '[.[] | select(.kind == "backup" and .state == "done")] | length')" = 3 ] ||
	fail "jobs: $(corral jobs)"
ok "backup: hot and cold into the store, each a job; a cold running one skipped and left running; missing and refused reported"

# ---- --host and names
corral backup --host h2 --dry-run --json >"$T/h2.json" 2>/dev/null || true
jq -e 'map(.container) | sort == ["coldrun", "db", "dup"]' "$T/h2.json" >/dev/null ||
	fail "--host h2 plan: $(cat "$T/h2.json")"
corral backup web --json >"$T/one.json" || fail "backup web: $(cat "$T/one.json")"
jq -e 'length == 1 and .[0].result == "done" and .[0].mode == "hot"' "$T/one.json" >/dev/null ||
	fail "backup web: $(cat "$T/one.json")"
[ "$(nversions web)" = 2 ] || fail "web has $(nversions web) versions"
expect_exit 1 "no host h9" corral backup --host h9
ok "backup --host and named containers limit the run"

# ---- each job told on stderr as it runs; the report as it was
corral backup db >"$T/db.txt" 2>"$T/err" || fail "backup db: $(cat "$T/db.txt" "$T/err")"
head -n 1 "$T/db.txt" | grep -q "^CONTAINER  *HOST  *MODE  *RESULT  *VERSION" &&
	[ "$(wc -l <"$T/db.txt")" = 2 ] && grep -Eq "^db +h2 +hot +done " "$T/db.txt" ||
	fail "backup db: $(cat "$T/db.txt")"
jdb=$(sed -n 's/^job \([0-9]*\) queued: backup db h2$/\1/p' "$T/err")
[ -n "$jdb" ] && grep -qx "job $jdb done: backup db h2" "$T/err" ||
	fail "backup db: its job not told on stderr: $(cat "$T/err")"
ok "backup: its job on stderr as queued and as ended (job $jdb), the report unchanged"

# ---- --detach
rc=0; out=$(corral backup db coldrun --detach 2>"$T/err") || rc=$?
[ $rc -eq 0 ] && [[ $out =~ ^[0-9]+$ ]] || fail "backup --detach: exit $rc: $out $(cat "$T/err")"
grep -q "coldrun on h2: skipped: running on h2" "$T/err" || fail "backup --detach: $(cat "$T/err")"
jq_of '.job.kind == "backup" and .job.container == "db" and .job.src == "h2"' \
    corral job "$out" --json || fail "job $out: $(corral job "$out" --json)"
done_job() {
	wait_until 100 ended "$1" || fail "job $1 never ended: $(corral job "$1")"
	jq_of '.job.state == "done"' corral job "$1" --json || fail "job $1: $(corral job "$1")"
}
done_job "$out"
rc=0; corral backup db gone --detach --json >"$T/d.json" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "gone: missing" "$T/err" || fail "backup --detach gone: exit $rc: $(cat "$T/err")"
jd=$(jq -r 'if length == 1 and .[0].kind == "backup" and .[0].container == "db" and
    .[0].id > 0 then .[0].id else empty end' "$T/d.json")
[ -n "$jd" ] || fail "backup --detach --json: $(cat "$T/d.json")"
done_job "$jd"
ok "backup --detach: jobs $out and $jd at once, each done; skipped said, missing an error"

# ---- the listing, verify
corral backups --json >"$T/b.json" || fail "backups"
jq -e '(map(select(.container == "web")) | length == 2 and all(.kind == "hot" and .host == "h1")) and
    (map(select(.container == "tmpl")) | length == 1 and .[0].kind == "cold") and
    all(.verified == null and (.created | test("Z$")))' "$T/b.json" >/dev/null ||
	fail "backups: $(cat "$T/b.json")"
corral verify tmpl >/dev/null || fail "verify tmpl"
vdir=$STORE/tmpl/$vt
btrfs property set -ts "$vdir" ro false
f=$(find "$vdir/rootfs/data" -type f -size +4k | head -n 1)
rel=${f#"$vdir/"}
printf 'corrupt' | dd of="$f" bs=1 seek=10 conv=notrunc status=none
rc=0; out=$(corral verify tmpl 2>/dev/null) || rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "^tmpl $vt: $rel: " || fail "verify of a changed file: $rc: $out"
corral backups tmpl --json | jq -e '.[0].bad' >/dev/null || fail "tmpl not marked bad"
ok "backups lists them; verify is good, then names a file changed behind corral's back"

# ---- retention: keep_last 1
echo "keep_last = 1" >>"$CORRAL_CONF"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
wait_until 300 corral hosts || fail "the master did not come back"
corral prune web --dry-run --json >"$T/p.json" || fail "prune --dry-run: $(cat "$T/p.json")"
jq -e '[.[].action] == ["remove", "keep"] and .[1].reason == "last 1"' "$T/p.json" >/dev/null ||
	fail "prune --dry-run: $(cat "$T/p.json")"
[ "$(nversions web)" = 2 ] || fail "the dry run removed a version"
corral backup web >/dev/null || fail "backup web (retention)"
[ "$(nversions web)" = 1 ] || fail "retention after the backup: web has $(nversions web) versions"
ok "prune --dry-run names what retention would drop; the next backup applies it"

# ---- restore: a put from a version, as a job of kind restore
expect_exit 1 "h1 has a container web already" corral restore web --to h1
expect_exit 1 "marked bad" corral restore tmpl --to h2
expect_exit 2 "usage" corral restore web
out=$(corral restore web --to h2 --as web2) || fail "restore: $out"
echo "$out" | tail -n 1 | grep -q "^restore web on h2 as web2 from version " || fail "restore said: $out"
[ "$(where web2)" = "h2:stopped " ] || fail "web2 on h2: $(lxc_truth)"
vw=$(corral backups web --json | jq -r '.[-1].version')
bash "$SAME" "$STORE/web/$vw/rootfs" "$("$POOLSH" storage h2)/web2" || fail "web2 differs from its version"
corral jobs --json | jq -e 'any(.[]; .kind == "restore" and .container == "web2" and .state == "done")' >/dev/null ||
	fail "no restore job: $(corral jobs)"
ok "restore: a version made a container again on another host, as a job; refusals change nothing"

# ---- backup_at: a run missed while the master was down
"$POOLSH" stop master >/dev/null
at=$(date -u -d '-10 min' +%H:%M)
echo "backup_at = $at" >>"$CORRAL_CONF"
echo "web:hot" >"$BCONF"
inv=$(sed -n 's/^inventory *= *//p' "$CORRAL_CONF")
sqlite3 "$inv" "INSERT INTO daily_runs (name, last_run) VALUES ('backup@$at', strftime('%s', 'now') - 90000)
    ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run"
newest() { find "$STORE/web" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n' | sort | tail -n 1; }
v0=$(newest)
replaced() { [ "$(newest)" != "$v0" ]; }
"$POOLSH" start master >/dev/null
# keep_last 1: the run's version replaces the one before
wait_until 600 replaced || fail "no run at start: $(tail -n 20 "$POOL/master/master.log")"
wait_until 300 grep -q "backup run: 1 containers, 1 backed up" "$POOL/master/master.log" ||
	fail "no report logged: $(tail -n 20 "$POOL/master/master.log")"
grep -q "backup_at $at: the daily backup starts (missed while the master was down)" "$POOL/master/master.log" ||
	fail "the missed run not logged: $(grep backup_at "$POOL/master/master.log")"
last=$(sqlite3 "$inv" "SELECT last_run FROM daily_runs WHERE name = 'backup@$at'")
[ $(( $(date +%s) - last )) -lt 600 ] || fail "daily_runs not updated: $last"
ok "backup_at: the run missed while the master was down is made at its start, recorded and logged"

# switched off for a while (a master started so), then on again at the
# same time: not a missed run, the first is at the next slot (it ran at
# once, the old run's record taken for a miss)
"$POOLSH" stop master >/dev/null
sed -i '/^backup_at = /d' "$CORRAL_CONF"
"$POOLSH" start master >/dev/null
# (the master forgets them as it starts its daily tasks, which may be
# just after its socket is up)
no_runs() { [ -z "$(sqlite3 "$inv" "SELECT name FROM daily_runs WHERE name LIKE 'backup%'")" ]; }
wait_until 100 no_runs || fail "backup_at off: its runs are still on record"
"$POOLSH" stop master >/dev/null
echo "backup_at = $at" >>"$CORRAL_CONF"
n=$(grep -c "the daily backup starts" "$POOL/master/master.log")
said=$(grep -c "backup_at $at: the next daily backup is at" "$POOL/master/master.log")
"$POOLSH" start master >/dev/null
# said once the master has decided whether a run is due (after it, if so)
next_said() { [ "$(grep -c "backup_at $at: the next daily backup is at" "$POOL/master/master.log")" -gt "$said" ]; }
wait_until 300 next_said || fail "backup_at on again: no decision logged"
[ "$(grep -c "the daily backup starts" "$POOL/master/master.log")" = "$n" ] ||
	fail "backup_at on again: a run at start: $(grep backup_at "$POOL/master/master.log" | tail -n 3)"
ok "backup_at off, then on again: the first run is at the next slot, not at start"
