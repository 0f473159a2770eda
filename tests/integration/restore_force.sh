#!/usr/bin/env bash
# corral restore --force on the pool (btrfs hosts, the store on btrfs): a
# version restored over a container that exists and runs, the old one
# kept until the restored one is whole and verified:
#   - refusals are one line and change nothing: without --force, put
#     --force, no --to;
#   - --force over the running container: it runs again, equals the
#     version (the rsync oracle), exactly one of that name, the old one
#     and the temporary name gone;
#   - the master killed (-9) before the swap (at verify): its restart
#     rolls back, the old one runs untouched (its data as it was), no
#     temporary container or volume left; the same when the host's link
#     is cut then (the job's own roll back, once the host answers again);
#   - the master killed in the middle of the swap (the old one set aside,
#     the restored one not yet renamed): its restart finishes the swap;
#   - a restored container that does not start is swapped back, asked
#     again while the host's link is cut, the old one running untouched;
#   - a version whose address another container has by now, restored
#     --force over the running one (so started): refused up front.
# Faults are placed through the master's CORRAL_TEST_JOB_PAUSE hook.
# Run under the pool lock: flock -o /tmp/corral-pool.lock ...
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); L1=$("$POOLSH" lxcpath h1)
STORE=$("$POOLSH" store)
PAUSE=20
T=$POOL/restore-test
mkdir "$T"

master_with() {   # STEP [S]: the master again, pausing S s at STEP ('' none)
	"$POOLSH" stop master >/dev/null
	if [ -n "$1" ]; then
		CORRAL_TEST_JOB_PAUSE="$1:${2:-$PAUSE}" "$POOLSH" start master >/dev/null
	else
		"$POOLSH" start master >/dev/null
	fi
	wait_until 300 host_up h1 || fail "h1 not up after the master's restart"
}
# rsync's view of two trees but what busybox writes while it runs
differs() {
	rsync -aHAX --numeric-ids --checksum --dry-run -i --delete --exclude=/var/ \
		--exclude=/run/ --exclude=/tmp/ "$1/" "$2/" | grep -vx '\.d\.\.t\.\.\.\.\.\. \./' || true
}
# only web of its names on h1, running; no volume, config or temp file of
# the job's temporary names
only_web() {
	local what=$1 extra
	[ "$(lxc_truth | grep -c '^h1:web')" = 1 ] && [ "$(where web)" = "h1:running " ] ||
		fail "$what: h1 has $(lxc_truth | grep '^h1:' | tr '\n' ' ')"
	extra=$(ls -A "$S1" "$L1" | grep -E '^web-(new|old)-' || true)
	[ -z "$extra" ] || fail "$what: left on h1: $extra"
	no_leftovers h1
}
# failed_back CPID OUT ERRRE WHAT BEFORE: the restore job $id (its CLI
# CPID, its output in OUT) ends failed, exit 1, its error matching ERRRE;
# h1 back, web alone and running there, its tree still BEFORE's
failed_back() {
	local rc=0 d
	wait "$1" || rc=$?
	[ "$rc" = 1 ] || fail "$4: exit $rc: $(cat "$2")"
	corral job "$id" --json | jq -e --arg re "$3" '.job.state == "failed" and (.job.error | test($re))' >/dev/null ||
		fail "$4: job $id: $(corral job "$id")"
	wait_until 300 host_up h1 || fail "$4: h1 not back"
	only_web "$4"
	d=$(differs "$5" "$S1/web")
	[ -z "$d" ] || fail "$4: the old web changed: $(echo "$d" | head -n 5)"
}
last_restore() { corral jobs --json | jq -r '[.[] | select(.kind == "restore")] | max_by(.id) | .id'; }

# web runs on h1 with data; its version in the store; then it changes
"$POOLSH" create h1 web >/dev/null
MKTREE_BIG=1M bash "$ROOT/tests/tree/mktree.sh" "$S1/web/data" 2 >/dev/null
corral get web >/dev/null || fail "get web: $(corral get web 2>&1)"
V=$(corral backups web --json | jq -r '.[-1].version')
[ -d "$STORE/web/$V/rootfs/data" ] || fail "no version of web in the store"
changed() {   # web's live tree made to differ from the version
	echo "after the version" >"$S1/web/marker"
	rm -f "$(find "$S1/web/data" -type f | sort | head -n 1)"
}
changed

# ---- refusals
expect_exit 1 "h1 has a container web already (--force replaces it" corral restore web --to h1
expect_exit 2 "unrecognized option '--force'" corral put web --host h1 --force
expect_exit 2 "usage" corral restore web --force
[ "$(where web)" = "h1:running " ] && [ -f "$S1/web/marker" ] || fail "a refusal changed web"
ok "restore over an existing container: refused without --force, one line each, nothing changed"

# ---- --force over the running container
out=$(corral restore web --to h1 --force 2>&1) || fail "restore --force: $out"
echo "$out" | tail -n 1 | grep -q "^restore web on h1 from version $V" || fail "restore --force said: $out"
only_web "restore --force"
[ ! -e "$S1/web/marker" ] || fail "the old tree is still there"
d=$(differs "$STORE/web/$V/rootfs" "$S1/web")
[ -z "$d" ] || fail "web differs from version $V: $(echo "$d" | head -n 5)"
id=$(last_restore)
corral job "$id" --json | jq -e '.job.state == "done" and
    ([.steps[].step] | index("verify") != null and index("aside") != null and
     index("swap") != null and index("cleanup") != null)' >/dev/null ||
	fail "job $id: $(corral job "$id")"
ok "restore --force over a running container: verified, swapped, running, equal to version $V, the old one gone"

# killed_at STEP CHECK: restore --force paused at STEP, CHECK run there
# (the job's id in $id), the master killed (-9) and started again, the job
# ended by its recover
killed_at() {
	local cpid
	master_with "$1"
	corral restore web --to h1 --force >/dev/null 2>&1 &
	cpid=$!
	wait_until 600 grep -q "restore web: step $1: pausing" "$POOL/master/master.log" ||
		fail "the restore never reached $1: $(tail -n 5 "$POOL/master/master.log")"
	id=$(last_restore)
	"$2"
	kill_master
	wait "$cpid" || true
	master_with ''
	wait_until 600 ended "$id" || fail "restore job $id did not end after the restart"
}

# ---- the master killed before the swap: the old one untouched
changed
rsync -aHAX --delete --exclude=/var/ --exclude=/run/ --exclude=/tmp/ "$S1/web/" "$T/before/"
at_verify() {
	[ "$(where "web-new-$id")" = "h1:stopped " ] || fail "no restored copy web-new-$id before verify: $(lxc_truth)"
}
killed_at verify at_verify
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("rolled back: web is the old one"))' >/dev/null ||
	fail "job $id after the restart: $(corral job "$id")"
only_web "killed at verify"
d=$(differs "$T/before" "$S1/web")
[ -z "$d" ] || fail "the old web changed: $(echo "$d" | head -n 5)"
ok "the master killed before the swap: rolled back at its restart, the old one running untouched"

# ---- h1's link cut before the verify: that fails, the job rolls back
# once h1 answers again, the old one running untouched
master_with verify 4
corral restore web --to h1 --force >"$T/cut.out" 2>&1 &
cpid=$!
wait_until 600 grep -q "restore web: step verify: pausing 4 s" "$POOL/master/master.log" ||
	fail "the restore never reached verify: $(tail -n 5 "$POOL/master/master.log")"
id=$(last_restore)
"$POOLSH" link h1 down
sleep 10
"$POOLSH" link h1 up
failed_back "$cpid" "$T/cut.out" "^verify on h1: .*rolled back: web is the old one" \
	"cut at verify" "$T/before"
ok "h1's link cut before the verify: the job failed and rolled back, the old one running untouched"

# ---- the master killed in the middle of the swap: finished at its restart
at_swap() {
	[ -z "$(where web)" ] && [ "$(where "web-old-$id")" = "h1:stopped " ] &&
	    [ "$(where "web-new-$id")" = "h1:stopped " ] || fail "mid-swap: $(lxc_truth)"
}
killed_at swap at_swap
corral job "$id" --json | jq -e '.job.state == "done"' >/dev/null || fail "job $id after the restart: $(corral job "$id")"
only_web "killed mid-swap"
d=$(differs "$STORE/web/$V/rootfs" "$S1/web")
[ -z "$d" ] || fail "web differs from version $V after the finished swap: $(echo "$d" | head -n 5)"
ok "the master killed mid-swap (the old one set aside): its restart finished the swap, web equals version $V"

# ---- a restored web that does not start: swapped back; h1's link cut
# then, the swap back is asked again until h1 answers (it failed at once,
# leaving the old one aside as web-old-ID and nothing running)
echo "lxc.init.cmd = /no/such/init" >>"$L1/web/config"
corral get web >/dev/null 2>&1 || fail "get web with an init that cannot start"
sed -i '/^lxc.init.cmd = \/no\/such\/init$/d' "$L1/web/config"
V2=$(corral backups web --json | jq -r '.[-1].version')
changed
rsync -aHAX --delete --exclude=/var/ --exclude=/run/ --exclude=/tmp/ "$S1/web/" "$T/before2/"
master_with swap-back 3
corral restore web --to h1 --force --version "$V2" >"$T/back.out" 2>&1 &
cpid=$!
wait_until 900 grep -q "restore web: step swap-back: pausing 3 s" "$POOL/master/master.log" ||
	fail "the restore never reached swap-back: $(tail -n 5 "$POOL/master/master.log")"
id=$(last_restore)
"$POOLSH" link h1 down
wait_until 300 grep -q "job $id restore web: swap-back on h1: .*trying again" "$POOL/master/master.log" ||
	fail "the swap back was not asked again: $(tail -n 5 "$POOL/master/master.log")"
"$POOLSH" link h1 up
failed_back "$cpid" "$T/back.out" \
	"^swap-back on h1: start of the restored web: .*rolled back: web is the old one, running again" \
	"swap-back with h1 cut off" "$T/before2"
ok "a restored web that did not start, h1 cut off during the swap back: asked again, the old one running untouched"

# ---- a restore --force over the running web, whose version's address is
# another container's by now: refused up front (the restored web would
# start on it), nothing changed
old=$(sed -n 's/^lxc.net.0.ipv4.address = \([^/]*\).*/\1/p' "$L1/web/config")
[ -n "$old" ] || fail "web has no address: $(grep lxc.net "$L1/web/config")"
new=${old%.*}.250
sed -i "s|^lxc.net.0.ipv4.address = $old/|lxc.net.0.ipv4.address = $new/|" "$L1/web/config"
corral control web --stop >/dev/null && corral control web --start >/dev/null || fail "web's restart"
wait_until 100 sh -c "corral scan --name web | grep -q ':$new\$'" || fail "web's new address unseen: $(corral scan --name web)"
corral create twin --ip "$old" --host h1 --start >/dev/null 2>&1 ||
	fail "create twin: $(corral create twin --ip "$old" --host h1 --start 2>&1)"
wait_until 100 sh -c "corral scan --name twin | grep -q ':$old\$'" || fail "twin unseen: $(corral scan --name twin)"
njobs=$(corral jobs --all --json | jq length)
expect_exit 1 "restore web: $old is the address of container twin on h1 too: web would start on it" \
	corral restore web --to h1 --force --version "$V"
[ "$(corral jobs --all --json | jq length)" = "$njobs" ] || fail "a refused restore made a job"
[ "$(where web)" = "h1:running " ] || fail "the refused restore changed web: $(where web)"
ok "restore --force of a version whose address is another container's now: refused, one line, no job, web untouched"
