#!/usr/bin/env bash
# Two sessions at one container (slave/ctlock.c).  A START from another
# session while a forced REMOVE is past its checks (held there by
# CORRAL_TEST_REMOVE_PAUSE) waits for it and finds no container: never C
# running without its config (the old code started it there).  A second
# REMOVE while one is paused waits and finds nothing to remove (the old
# code finished it under the first, which then failed).  A START held in
# LXC's pre-start hook (LXC's start blocks until RUNNING or failure)
# while another session asks for a forced REMOVE, a STOP, a CONF_SET or a
# RENAME: each waits for the START, then acts on the state it left.  One
# held longer than the wait (CORRAL_TEST_LOCK_WAIT) is refused, naming
# the container, and changes nothing.  A started container holds no lock
# (the next request does not wait); no lock file is left.  A slave
# started again while a worker it orphaned is at a removal leaves that
# container to the worker.  Usage: ct_lock.sh BUILD.
. "$(dirname "$0")/lib.bash"
CTL=$BUILD/ctl-tool
[ -x "$CTL" ] || fail "$CTL is missing (make tests)"
ctl() { "$CTL" "$@"; }
restart_slave() {  # [ENV=VAL]...: h1's slave again, with ENV
	"$POOLSH" stop h1 2>/dev/null || true
	env "$@" "$POOLSH" start h1 >/dev/null
}
state_of() { lxc_truth | grep "^$1:$2:" | cut -d: -f3; }

pool_up 1 --storage dir >/dev/null
L1=$("$POOLSH" lxcpath h1); S1=$("$POOLSH" storage h1)
HOOK=$POOL/slow-start.sh
# the hook says it began, then holds the start HOLD s
cat >"$HOOK" <<EOF
#!/bin/sh
touch "$POOL/hook.\$1"
sleep \$(cat "$POOL/hold" 2>/dev/null || echo 4)
EOF
chmod 755 "$HOOK"
slow() { echo "lxc.hook.pre-start = $HOOK" >>"$L1/$1/config"; }
unslow() { sed -i "\|^lxc.hook.pre-start = $HOOK\$|d" "$L1/$1/config"; }
# start_held CT: a START of CT from its own session, in the background
# (its output in $POOL/start.CT), once its hook runs
start_held() {
	rm -f "$POOL/hook.$1"
	ctl h1 start "$1" >"$POOL/start.$1" 2>&1 &
	START_PID=$!
	wait_until 200 test -e "$POOL/hook.$1" ||
		fail "the START of $1 did not reach its hook: $(cat "$POOL/start.$1")"
}
# no process of CT's left on h1, by LXC's own name for its monitor
no_ct_process() {
	! pgrep -f "\[lxc monitor\] $L1 $1\$" >/dev/null ||
		fail "$1: its LXC monitor runs still: $(pgrep -af "lxc monitor")"
}

# REMOVE -f while a START is held: it waits, then stops and removes
"$POOLSH" create h1 r1 --stopped >/dev/null
slow r1
start_held r1
out=$(ctl h1 remove r1 -f 2>&1) || fail "REMOVE during a START: $out"
wait "$START_PID" || fail "the START: $(cat "$POOL/start.r1")"
grep -q "^running	running after" "$POOL/start.r1" || fail "the START: $(cat "$POOL/start.r1")"
echo "$out" | grep -q "^absent	removed, first stopped cleanly" || fail "REMOVE: $out"
[ -z "$(state_of h1 r1)" ] && [ ! -e "$L1/r1" ] && [ ! -e "$S1/r1" ] ||
	fail "r1 left: $(state_of h1 r1) $(ls -A "$L1" "$S1")"
no_ct_process r1
ok "a forced REMOVE during a START waits for it, then stops and removes it"

# STOP while a START is held: stopped once the START is done
"$POOLSH" create h1 s1 --stopped >/dev/null
slow s1
start_held s1
out=$(ctl h1 stop s1 2>&1) || fail "STOP during a START: $out"
wait "$START_PID" || fail "the START: $(cat "$POOL/start.s1")"
echo "$out" | grep -q "^stopped	stopped cleanly" || fail "STOP: $out"
[ "$(state_of h1 s1)" = stopped ] || fail "s1 is $(state_of h1 s1) after its STOP"
ok "a STOP during a START waits for it, then stops it"

# CONF_SET (replace) and RENAME while a START is held: refused once it
# runs, its config as it was
unslow s1    # (a carried config's hook is refused before its state)
ctl h1 conf-get s1 >"$POOL/s1.neutral" 2>/dev/null || fail "conf-get s1"
slow s1
cp "$L1/s1/config" "$POOL/s1.config"
start_held s1
out=$(ctl h1 conf-set s1 -r <"$POOL/s1.neutral" 2>&1) && fail "CONF_SET during a START: $out"
echo "$out" | grep -q "s1 is running" || fail "CONF_SET: $out"
wait "$START_PID" || fail "the START: $(cat "$POOL/start.s1")"
cmp -s "$L1/s1/config" "$POOL/s1.config" || fail "the refused CONF_SET changed the config"
ctl h1 stop s1 >/dev/null || fail "stop s1"
start_held s1
ctl h1 stop s1 >/dev/null 2>&1 &
STOP_PID=$!
out=$(ctl h1 rename s1 -n s2 2>&1) || true
wait "$START_PID" || fail "the START: $(cat "$POOL/start.s1")"
wait "$STOP_PID" || fail "the STOP after the START"
# the STOP and the RENAME in either order, each on a settled state
case "$out" in
*"renamed s2"*) [ -f "$L1/s2/config" ] && [ ! -e "$L1/s1" ] && [ "$(state_of h1 s2)" = stopped ] ||
		fail "renamed, but: $(lxc_truth) $(ls -A "$L1")" ;;
*"it is running: stop it first"*) [ "$(state_of h1 s1)" = stopped ] && [ -f "$L1/s1/config" ] ||
		fail "refused, but: $(lxc_truth) $(ls -A "$L1")" ;;
*) fail "RENAME during a START and a STOP: $out" ;;
esac
ok "CONF_SET and RENAME during a START: on the state it left"

# a START while a forced REMOVE is past its checks: it waits for the
# REMOVE, then finds no container
restart_slave CORRAL_TEST_REMOVE_PAUSE=3
"$POOLSH" create h1 p1 --stopped >/dev/null
ctl h1 remove p1 -f >"$POOL/remove.p1" 2>&1 &
RM_PID=$!
wait_until 100 grep -q "p1: checked; pausing" "$POOL/h1/slave.log" || fail "REMOVE p1 did not pause"
out=$(ctl h1 start p1 2>&1) && fail "a START during a REMOVE: $out"
echo "$out" | grep -q "START p1: no container p1 on this host" || fail "START during a REMOVE: $out"
wait "$RM_PID" || fail "the REMOVE: $(cat "$POOL/remove.p1")"
grep -q "^absent	removed" "$POOL/remove.p1" || fail "the REMOVE: $(cat "$POOL/remove.p1")"
[ -z "$(state_of h1 p1)" ] && [ ! -e "$L1/p1" ] && [ ! -e "$S1/p1" ] ||
	fail "p1 left: $(lxc_truth) $(ls -A "$L1" "$S1")"
no_ct_process p1
ok "a START during a forced REMOVE waits for it: no container runs without its config"

# a second REMOVE while one is paused: it waits, finds nothing; the first
# finishes its own removal
"$POOLSH" create h1 p2 --stopped >/dev/null
ctl h1 remove p2 >"$POOL/remove.p2" 2>&1 &
RM_PID=$!
wait_until 100 grep -q "p2: config renamed; pausing" "$POOL/h1/slave.log" || fail "REMOVE p2 did not pause"
out=$(ctl h1 remove p2 2>&1) || fail "the second REMOVE: $out"
echo "$out" | grep -q "^absent	no container p2 (nothing to remove)" || fail "the second REMOVE: $out"
wait "$RM_PID" || fail "the first REMOVE: $(cat "$POOL/remove.p2")"
grep -q "^absent	removed" "$POOL/remove.p2" || fail "the first REMOVE: $(cat "$POOL/remove.p2")"
[ ! -e "$L1/p2" ] && [ ! -e "$S1/p2" ] || fail "p2 left: $(ls -A "$L1" "$S1")"
ok "a second REMOVE waits for the first, which finishes its own"

# a START held past the wait (3 s here, not its 60): the other is
# refused, naming the container
restart_slave CORRAL_TEST_LOCK_WAIT=3
"$POOLSH" create h1 t1 --stopped >/dev/null
slow t1
echo 8 >"$POOL/hold"
start_held t1
t0=$SECONDS
out=$(ctl h1 remove t1 -f 2>&1) && fail "a REMOVE not refused past the wait: $out"
echo "$out" | grep -q "REMOVE t1: another operation on t1 is at work (waited 3 s" ||
	fail "unclear refusal: $out"
[ $((SECONDS - t0)) -ge 3 ] || fail "refused after $((SECONDS - t0)) s, before the wait"
wait "$START_PID" || fail "the START: $(cat "$POOL/start.t1")"
rm -f "$POOL/hold"
[ "$(state_of h1 t1)" = running ] && [ -f "$L1/t1/config" ] && [ -d "$S1/t1" ] ||
	fail "the refused REMOVE changed t1: $(lxc_truth) $(ls -A "$L1/t1")"
ok "one held past the wait: refused, naming the container, nothing changed"

# the lock is not the started container's: the next request at once
unslow t1
t0=$SECONDS
out=$(ctl h1 remove t1 -f 2>&1) || fail "REMOVE t1: $out"
[ $((SECONDS - t0)) -lt 30 ] || fail "a REMOVE after a START waited $((SECONDS - t0)) s"
[ -z "$(ls -A "$S1/.corral-snap")" ] || fail "left in .corral-snap: $(ls -A "$S1/.corral-snap")"
no_leftovers h1
ok "a started container holds no lock; no lock file left"

# a slave started again while a worker it orphaned is at a removal (its
# listener and connection killed, the worker not): its sweep leaves that
# container to the worker, which finishes its own removal
"$POOLSH" create h1 k1 --stopped >/dev/null
restart_slave CORRAL_TEST_REMOVE_PAUSE=5
ctl h1 remove k1 >/dev/null 2>&1 &
RM_PID=$!
wait_until 100 grep -q "k1: config renamed; pausing" "$POOL/h1/slave.log" || fail "REMOVE k1 did not pause"
worker=$(grep "k1: config renamed; pausing" "$POOL/h1/slave.log" | sed 's/.*pid \([0-9]*\)).*/\1/')
pid=$(cat "$POOL/h1/slave.pid")
for p in $(tree_pids "$pid"); do [ "$p" = "$worker" ] || kill -KILL "$p" 2>/dev/null || true; done
wait "$RM_PID" || true
kill -0 "$worker" || fail "the REMOVE's worker did not outlive its slave"
restart_slave
grep -q "k1: not swept at start: another operation on k1 is at work" "$POOL/h1/slave.log" ||
	fail "the sweep did not leave k1 to its worker: $(grep k1 "$POOL/h1/slave.log")"
wait_until 300 sh -c "! kill -0 $worker 2>/dev/null || grep -q ') Z' /proc/$worker/stat" ||
	fail "the orphaned worker did not end: $(grep k1 "$POOL/h1/slave.log")"
[ ! -e "$L1/k1" ] && [ ! -e "$S1/k1" ] || fail "k1's removal not finished: $(ls -A "$L1" "$S1")"
! grep -q "k1: leftover removal" "$POOL/h1/slave.log" || fail "the sweep and the worker both removed k1"
[ -z "$(ls -A "$S1/.corral-snap")" ] || fail "left in .corral-snap: $(ls -A "$S1/.corral-snap")"
ok "a start's sweep leaves a container an orphaned worker is at work on to it"
