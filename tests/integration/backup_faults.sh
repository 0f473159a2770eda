#!/usr/bin/env bash
# corral backup under faults, with real daemons (btrfs storage, the store
# on btrfs): a hot backup of a container writing all along is one point in
# time, its snapshot's (the oracle against a copy of the very snapshot the
# send took, made while the slave waits on it: CORRAL_TEST_SEND_PAUSE),
# and a restore of it equals it; a master killed with -9 in the middle of a
# backup leaves no partial version and the run resumes at its next start
# (sending only what had not arrived); the source slave killed in the
# middle fails that container's job naming the host, the earlier versions
# intact, and the next backup resumes; the link to the source cut in the
# middle (pool.sh link h1 down) fails it naming h1, no partial version
# visible, and the rerun sends only what is missing (bytes sent in its
# report); a full store fails the backup naming the store and the space
# the version still needed, earlier versions intact, nothing left behind.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
L1=$("$POOLSH" lxcpath h1)
STORE=$("$POOLSH" store)
BACKUP_CONF=$(sed -n 's/^backup *= *//p' "$CORRAL_CONF")

nversions() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' 2>/dev/null | wc -l; }
newest() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n' | sort | tail -n 1; }
restart_master() { master_again "$@" -- h1; }   # [VAR=VALUE ...]
# slow_backup: h1's transfers paced to 20 MB/s (the master restarted), nv
# the versions of web now, a backup started in the background ($bpid)
slow_backup() {
	sed -i 's/^h1:.*/&,bwlimit=20m/' "$POOL/master/slaves.conf"
	restart_master
	nv=$(nversions web)
	corral backup >"$POOL/backup.out" 2>&1 &
	bpid=$!
}
# backup_failed WHAT: that backup ended with exit 1 naming h1, no version made
backup_failed() {
	local rc=0
	wait "$bpid" || rc=$?
	[ "$rc" = 1 ] || fail "a backup whose $1: exit $rc: $(cat "$POOL/backup.out")"
	grep -q "web.*failed.*h1" "$POOL/backup.out" || fail "$1: the report does not name h1: $(cat "$POOL/backup.out")"
	[ "$(nversions web)" = "$nv" ] || fail "a backup whose $1 made a version"
}
cp "$POOL/master/slaves.conf" "$POOL/slaves.conf.orig"
echo "web:hot" >"$BACKUP_CONF"
restart_master

# ---- a container writing all along, backed up hot: its snapshot's tree
"$POOLSH" stop h1 >/dev/null
CORRAL_TEST_SEND_PAUSE=3 "$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "h1 not up after its restart"
"$POOLSH" create h1 web >/dev/null
# (lxc-attach stays in the background: the writer's parent)
"$POOLSH" exec h1 lxc-attach -P "$L1" -n web -- /bin/sh -c \
	'while :; do date >>/clock; echo x >>/churn; usleep 50000; done' >/dev/null 2>&1 &
wait_until 100 test -s "$S1/web/clock" || fail "the writer does not write"
corral backup --json >"$POOL/backup.out" 2>&1 &
bpid=$!
wait_until 100 grep -q "web: snapshot taken for a send; pausing" "$POOL/h1/slave.log" ||
	fail "the send took no snapshot: $(tail -n 5 "$POOL/h1/slave.log")"
cp -a "$S1/.corral-snap/web" "$POOL/web-snap"   # times to the ns, symlinks too
wait "$bpid" || fail "backup: $(cat "$POOL/backup.out")"
out=$(cat "$POOL/backup.out")
echo "$out" | jq -e '.[0].container == "web" and .[0].result == "done" and .[0].mode == "hot"' >/dev/null ||
	fail "backup said: $out"
v1=$(newest web)
bash "$SAME" "$POOL/web-snap" "$STORE/web/$v1/rootfs" || fail "version $v1 is not the snapshot's tree"
rm -rf "$POOL/web-snap"
sleep 0.3
[ "$(stat -c %s "$S1/web/clock")" -gt "$(stat -c %s "$STORE/web/$v1/rootfs/clock")" ] ||
	fail "the writer stopped, or the version is not a point in time before now"
"$POOLSH" stop h1 >/dev/null
"$POOLSH" start h1 >/dev/null
wait_until 300 host_up h1 || fail "h1 not up after its restart"
corral restore web --to h2 --as web-r >/dev/null 2>&1 || fail "restore: $(corral restore web --to h2 --as web-r 2>&1)"
bash "$SAME" "$STORE/web/$v1/rootfs" "$S2/web-r" || fail "the restore differs from version $v1"
no_leftovers h1
ok "a hot backup of a writing container is its snapshot's tree; the restore equals it"

# ---- the master killed in the middle of a backup: resumed at its start
mkdir -p "$S1/web/big"
head -c 120M /dev/zero | openssl enc -aes-128-ctr -pass pass:k -nosalt 2>/dev/null |
	split -b 4M - "$S1/web/big/f"
slow_backup
wait_until 600 sh -c "corral jobs --json | jq -e '.[] | select(.kind == \"backup\" and .step == \"copy\" and .bytes_done > 20000000)'" ||
	fail "the backup never got into the copy: $(corral jobs)"
id=$(corral jobs --json | jq -r '.[] | select(.kind == "backup" and .state == "running") | .id')
kill_master
wait "$bpid" || true      # the CLI loses its master
[ "$(nversions web)" = "$nv" ] || fail "a killed backup left a version"
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
"$POOLSH" start master >/dev/null
wait_until 1200 ended "$id" || fail "backup job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "done"' >/dev/null || fail "job $id: $(corral job "$id")"
[ "$(nversions web)" = $((nv + 1)) ] || fail "no version after the resumed backup"
v2=$(newest web)
cmp "$S1/web/big/fad" "$STORE/web/$v2/rootfs/big/fad" || fail "the resumed version's data differs"
wire=$(corral job "$id" --json | jq -r .job.result | sed -n 's/.*wire=\([0-9]*\).*/\1/p')
[ -n "$wire" ] && [ "$wire" -lt 110000000 ] || fail "the resumed backup sent everything again ($wire)"
[ ! -e "$STORE/web/.incoming" ] || fail ".incoming left after the resumed backup"
no_leftovers h1
ok "a master killed during a backup: no partial version; resumed at its start ($wire bytes)"

# ---- the source slave killed in the middle: failed, earlier versions intact
head -c 120M /dev/urandom >"$S1/web/big/new"
slow_backup
wait_until 600 sh -c "corral jobs --json | jq -e '.[] | select(.kind == \"backup\" and .step == \"copy\" and .bytes_done > 10000000)'" ||
	fail "the backup never got into the copy: $(corral jobs)"
# the listener and its workers (the transfer's sender among them)
"$POOLSH" exec h1 pkill -KILL -f "corral-slave -f -c $POOL/h1/"
backup_failed "source died"
"$POOLSH" stop h1 >/dev/null 2>&1 || true
"$POOLSH" start h1 >/dev/null
wait_until 600 host_up h1 || fail "h1 did not come back"
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
restart_master
corral backup >/dev/null || fail "the backup after h1's restart"
[ "$(nversions web)" = $((nv + 1)) ] || fail "no version after h1's restart"
cmp "$S1/web/big/new" "$STORE/web/$(newest web)/rootfs/big/new" || fail "the new version's data differs"
no_leftovers h1
ok "the source slave killed during a backup: that job failed naming h1; the next backup completes"

# ---- the link to the source cut in the middle of a backup: that job
# fails naming h1, no partial version is visible, the earlier versions
# verify; the rerun sends only what had not arrived
head -c 120M /dev/urandom | split -b 4M - "$S1/web/big/cut"
# a cut link shows as a transfer without progress: 10 s of it, not the
# default 120, fail the job
cp "$POOL/master/corral.conf" "$POOL/corral.conf.orig"
echo "stall_timeout = 10" >>"$POOL/master/corral.conf"
slow_backup
# (whole files of the new data in .incoming: what the rerun must not send)
wait_until 600 sh -c "[ \$(ls '$STORE/web/.incoming/rootfs/big' 2>/dev/null | grep -c '^cut[a-z][a-z]\$') -ge 8 ]" ||
	fail "the backup never got 32 MiB into the copy: $(corral jobs)"
"$POOLSH" link h1 down
backup_failed "link was cut"
"$POOLSH" link h1 up
[ "$(corral backups web --json | jq length)" = "$nv" ] || fail "a backup cut off lists a version: $(corral backups web)"
corral verify web >/dev/null || fail "the newest version does not verify after the cut"
wait_until 600 host_up h1 || fail "h1 not back after the relink"
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
cp "$POOL/corral.conf.orig" "$POOL/master/corral.conf"
restart_master
corral backup --json >"$POOL/backup.json" || fail "the backup after the relink: $(cat "$POOL/backup.json")"
[ "$(nversions web)" = $((nv + 1)) ] || fail "no version after the relink"
sent=$(jq -r '.[] | select(.container == "web") | .bytes_sent' "$POOL/backup.json")
[ -n "$sent" ] && [ "$sent" -lt 100000000 ] || fail "the rerun sent everything again ($sent bytes)"
cmp "$S1/web/big/cutad" "$STORE/web/$(newest web)/rootfs/big/cutad" || fail "the rerun's data differs"
[ ! -e "$STORE/web/.incoming" ] || fail ".incoming left after the rerun"
no_leftovers h1
ok "the link cut during a backup: failed naming h1, no partial version; the rerun sent $sent bytes, not 120 MiB"

# ---- a full store: fails naming the store, earlier versions intact
head -c 100M /dev/urandom >"$S1/web/big/new2"
free=$(df -B1 --output=avail "$STORE" | tail -n 1)
fallocate -l $((free - 40 * 1024 * 1024)) "$STORE/filler"
btrfs filesystem sync "$STORE" >/dev/null
nv=$(nversions web)
rc=0; out=$(corral backup 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a backup into a full store: exit $rc: $out"
# (a full btrfs says ENOSPC, or EIO when its metadata cannot grow)
echo "$out" | grep -q "$STORE/web/.incoming: .*cannot write .*\(No space left on device\|I/O error\)" ||
	fail "the report does not name the store: $out"
# and the space needed: this version's bytes still to come, and the store's free space
echo "$out" | grep -Eq "the store $STORE needs [1-9][0-9]* MiB more for this version \(still to come of its [0-9]+ MiB\), it has [0-9]+ MiB free" ||
	fail "the report does not say the space needed: $out"
[ "$(nversions web)" = "$nv" ] || fail "a backup into a full store made a version"
for v in $(find "$STORE/web" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n'); do
	corral verify web --version "$v" >/dev/null || fail "version $v does not verify after the full store"
done
rm -f "$STORE/filler"
no_leftovers h1
ok "a backup into a full store: the error names the store's path, every earlier version verifies"
