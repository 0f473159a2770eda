#!/usr/bin/env bash
# A master killed with -9 while `corral sync h1:@C h2:copy` reads a running
# container: each slave's worker is told to stop when its connection
# drops, and releases what the transfer held within seconds: on h1 no
# snapshot or freeze left (the next @C read takes a fresh one), the
# container running with no process stopped; on h2 no temp file.  btrfs
# (a snapshot) then dir (a freeze).
. "$(dirname "$0")/lib.bash"

for B in btrfs dir; do
	pool_up 2 --storage "$B" >/dev/null
	S1=$("$POOLSH" storage h1)
	S2=$("$POOLSH" storage h2)
	"$POOLSH" create h1 k1 >/dev/null
	dd if=/dev/urandom of="$S1/k1/big" bs=1M count=200 status=none
	corral sync h1:@k1 h2:copy >/dev/null 2>&1 &
	cpid=$!
	wait_until 300 sh -c "ls -A '$S2/copy' 2>/dev/null | grep -q '^\.corral-'" ||
		fail "$B: no transfer in progress to kill"
	kill_master
	wait "$cpid" 2>/dev/null && fail "$B: the sync survived its master"
	# a few seconds: the workers' stop, well inside the 5 s before SIGKILL
	wait_until 80 sh -c "[ -z \"\$(ls -A '$S1/.corral-snap')\" ]" ||
		fail "$B: left in .corral-snap: $(ls -A "$S1/.corral-snap")"
	! grep -q "$S1/.corral-snap" /proc/self/mountinfo || fail "$B: a snapshot is still mounted"
	wait_until 50 sh -c "! ls -A '$S2/copy' 2>/dev/null | grep -q '^\.corral-'" ||
		fail "$B: temp files left on h2: $(ls -A "$S2/copy" | grep '^\.corral-')"
	state=$("$POOLSH" exec h1 lxc-info -P "$("$POOLSH" lxcpath h1)" -n k1 -s -H)
	[ "$state" = RUNNING ] || fail "$B: k1 is $state, not RUNNING"
	init=$("$POOLSH" exec h1 lxc-info -P "$("$POOLSH" lxcpath h1)" -n k1 -p -H)
	for p in $(ps -eo pid=,ppid= | awk -v i="$init" '$1 == i || $2 == i { print $1 }'); do
		st=$(ps -o stat= -p "$p" || true)
		case "$st" in T*) fail "$B: process $p of k1 is stopped ($st)";; esac
	done
	! grep -q "killing it" "$POOL/h1/slave.log" "$POOL/h2/slave.log" ||
		fail "$B: a worker had to be killed"
	"$POOLSH" start master >/dev/null
	wait_until 100 sh -c "corral snapshot h1 k1 --status 2>/dev/null | grep -q 'no snapshot'" ||
		fail "$B: snapshot status: $(corral snapshot h1 k1 --status 2>&1)"
	# the next read takes (and drops) a snapshot of its own
	corral sync h1:@k1 h2:copy >/dev/null || fail "$B: the sync after the kill failed"
	cmp -s "$S1/k1/big" "$S2/copy/big" || fail "$B: the copy after the kill differs"
	[ -z "$(ls -A "$S1/.corral-snap")" ] || fail "$B: the second sync left a snapshot"
	ok "$B: master killed mid-sync: no snapshot, freeze or temp file left behind"
	"$POOLSH" down
done
