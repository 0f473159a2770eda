#!/usr/bin/env bash
# The test runner behind `make check`: unit tests (cmocka) on the normal
# build, then the integration tests on pool 0 (then the VM tests there),
# their longest ones on pool 2, while the ASan/UBSan pass of them runs on
# pool 1, and the unit tests on the ASan/UBSan
# build, the fuzz corpus replay, a short run of every fuzzer and the tree
# tests (tests/tree/farm.sh, store.sh, xfs_acl.sh, btrfs_deep.sh,
# hostile_sync.sh) beside them (the output of those two printed after).  --unit-only: the unit tests on both builds and the replay.
# Each runner prints its own summary; the last line counts everything:
# "N passed, N failed".
# Usage: tests/run.sh [--unit-only | --vm-only] [BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
unit_only=0 vm_only=0
if [ "${1:-}" = --unit-only ]; then unit_only=1; shift; fi
if [ "${1:-}" = --vm-only ]; then vm_only=1; shift; fi
build=${1:-build}
asan=build-asan
logdir=${CORRAL_TEST_LOGS:-$build/test-logs}
mkdir -p "$logdir"
pass=0 fail=0 skip=0

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..."
run_cmocka() {
	local bin=$1 tag=$2 out p f
	out=$("$bin" 2>&1); local rc=$?
	printf '%s\n' "$out" >"$logdir/$tag.log"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	p=${p:-0} f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # crashed before its summary
	printf '%s\n' "$out" | grep -E '^\[(==========|  PASSED  |  FAILED  )\]|^\[  ERROR   \]|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error' | sed "s|^|$tag: |"
	pass=$((pass + p)); fail=$((fail + f))
}

one() {  # one pass/fail test: name, command...
	local name=$1 t0=$SECONDS; shift
	if "$@" >"$logdir/$name.log" 2>&1; then
		# its time: what keeps make check within its budget
		echo "PASS $name ($((SECONDS - t0)) s)"; pass=$((pass + 1))
	else
		local rc=$?
		if [ $rc -eq 77 ]; then
			echo "SKIP $name: $(tail -n1 "$logdir/$name.log")"; skip=$((skip + 1))
		else
			echo "FAIL $name (exit $rc), last lines of $logdir/$name.log:"
			tail -n 20 "$logdir/$name.log" | sed 's/^/    /'
			fail=$((fail + 1))
		fi
	fi
}

# The pool's tests need /run/corral-pool to themselves: wait for another
# run's (the pool lock, as the bench and soak targets take it), and take down
# a pool a killed run left behind (none of its daemons alive) instead of
# failing every test on it.  A live pool nobody locks (a demo) is left alone:
# each test then says how to take it down.  pool_claim ID: pool ID of
# pool.sh (CORRAL_POOL_ID), its lock on descriptor 8 + ID (8 for pool 0),
# which pool.sh's daemons never inherit (it closes 3 to 12 for them).
pool_claim() {
	local id=${1:-0} fd lock
	lock=/tmp/corral-pool${id#0}.lock
	fd=$((8 + id))
	eval "exec $fd>$lock"
	if ! flock -n "$fd"; then
		echo "waiting for the pool lock ($lock)"
		flock -w "${CORRAL_POOL_WAIT:-3600}" "$fd" || echo "still locked: going on"
	fi
	if [ -e "/run/corral-pool${id#0}/hosts" ] &&
	    ! CORRAL_POOL_ID=$id tests/pool/pool.sh status | grep -q ': running$'; then
		echo "a pool left by a killed run (no daemon alive): taking it down"
		CORRAL_POOL_ID=$id tests/pool/pool.sh down >/dev/null 2>&1 ||
			echo "could not take it down"
	fi
}

# the qemu VM tests (LVM on Debian's kernel): the harness's own smoke test
# with --vm-only (make check-lvm); make check runs lvm.sh, which needs
# every part smoke.sh checks (dm snapshots and their overflow, LXC on a
# bridge, the forwarded port, the slave), and cgroup1.sh (cgroup v1)
run_vm() {
	echo "== LVM in a qemu VM (tests/vm)"
	for t in "$@"; do
		[ -f "$t" ] && one "vm-$(basename "$t" .sh)" bash "$t" "$build"
	done
}
if [ $vm_only -eq 1 ]; then
	pool_claim
	run_vm tests/vm/smoke.sh tests/vm/lvm.sh tests/vm/cgroup1.sh
	echo
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi

# what ASan/UBSan-built programs run with here: the unit tests and the
# pool's daemons of the ASan pass alike
if [ -d "$asan/tests" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
asan_units() {
	[ -d "$asan/tests" ] || return 0
	echo "== unit tests under ASan/UBSan ($asan)"
	for t in "$asan"/tests/test_*; do [ -x "$t" ] && run_cmocka "$t" "asan-$(basename "$t")"; done
}
replays() {
	echo "== fuzz corpus replay"
	for b in "$build" "$asan"; do
		for r in "$b"/replay/fuzz_*; do
			[ -x "$r" ] || continue
			n=$(basename "$r")
			one "replay-$(basename "$b")-$n" "$r" tests/fuzz/corpus/"$n"
		done
	done
}

echo "== unit tests ($build)"
for t in "$build"/tests/test_*; do [ -x "$t" ] && run_cmocka "$t" "$(basename "$t")"; done
if [ $unit_only -eq 1 ]; then
	asan_units
	replays
fi

# The ASan unit tests, the corpus replay, the fuzzers (built here when
# make check asks: CHECK_BUILD_FUZZ=1) and the tree tests need no pool:
# they run beside the pool's tests (which mostly wait on daemons and
# timeouts), niced so that those keep the CPU they need; their output and
# counts join at the end.
offpool() {
	renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
	asan_units
	replays
	if [ "${CHECK_BUILD_FUZZ:-0}" = 1 ]; then
		echo "== building the fuzzers"
		one "fuzz-build" make -j2 BUILD="$build" fuzz-bins
	fi
	if ls "$build"/fuzz/fuzz_* >/dev/null 2>&1; then
		echo "== fuzzers, ${CHECK_FUZZ_SECONDS:-5} s each"
		out=$(FUZZ_SECONDS=${CHECK_FUZZ_SECONDS:-5} tests/fuzz/run.sh "$build")
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | grep -c '^PASS'); f=$(printf '%s\n' "$out" | grep -c '^FAIL')
		pass=$((pass + p)); fail=$((fail + f))
	fi
	# the engine alone over trees on this host (xfer-local), no pool
	echo "== tree transfers (tests/tree)"
	for b in "$build" "$asan"; do
		[ -x "$b/xfer-local" ] || continue
		one "tree-farm-$(basename "$b")" bash tests/tree/farm.sh "$b"
		# the master's store on btrfs, xfs and ext4 (loop devices)
		[ -x "$b/store-tool" ] && one "tree-store-$(basename "$b")" bash tests/tree/store.sh "$b"
		# POSIX ACLs to, from and on xfs (a loop device)
		one "tree-xfs-acl-$(basename "$b")" bash tests/tree/xfs_acl.sh "$b"
		# the slave's btrfs subvolume search beside a hostile deep tree
		[ -x "$b/btrfs-tool" ] && one "tree-btrfs-deep-$(basename "$b")" bash tests/tree/btrfs_deep.sh "$b"
		# hostile source trees (tests/tree/hostile.sh)
		one "tree-hostile-$(basename "$b")" bash tests/tree/hostile_sync.sh "$b"
	done
}

# The ASan/UBSan pass of the pool's tests on pool 1 beside the normal
# pass on pools 0 and 2 (all mostly wait on daemons and timeouts).  The
# ASan/UBSan pass leaves out the fault-injection tests
# (kills, cut links, full disks: minutes each, what they check is the
# roll back's logic, which the normal pass covers) to keep make check
# within its time; CORRAL_TEST_ASAN_ALL=1 runs them too.
asan_pool() {
	local t
	if [ -x "$asan/corral-master" ] && ls tests/integration/*.sh >/dev/null 2>&1; then
		echo "== integration tests with ASan/UBSan daemons (pool 1)"
		for t in tests/integration/*.sh; do
			case "$(basename "$t" .sh)" in
			move_fault|move_space|getput_faults|getput_steps|backup_faults|send_snap|disk_full|slow_slave)
				[ "${CORRAL_TEST_ASAN_ALL:-0}" = 1 ] || continue ;;
			esac
			one "asan-$(basename "$t" .sh)" bash "$t" "$asan"
		done
	fi
}

# The normal pass's longest tests (some 12 of its 22 minutes, one after
# another) run on pool 2, beside the rest on pool 0: the critical path of
# make check was these on one pool.
long_tests="move_fault getput_steps place ctl"
is_long() { case " $long_tests " in *" $1 "*) return 0 ;; esac; return 1; }
long_pool() {
	local t
	echo "== the longest integration tests (pool 2)"
	for t in $long_tests; do
		[ -f "tests/integration/$t.sh" ] && one "$t" bash "tests/integration/$t.sh" "$build"
	done
}

# beside NAME FUNCTION [POOL]: FUNCTION in the background (with
# CORRAL_POOL_ID=POOL), its output and counts kept for join; its pid in $!
beside() {
	local name=$1 fn=$2 id=${3:-}
	rm -f "$logdir/$name.counts"
	(
		[ -z "$id" ] || export CORRAL_POOL_ID=$id
		pass=0 fail=0 skip=0
		"$fn"
		echo "$pass $fail $skip" >"$logdir/$name.counts"
	) >"$logdir/$name.out" 2>&1 &
}

# join BACKGROUND-PID NAME: its output, then its counts into ours
join() {
	wait "$1"
	cat "$logdir/$2.out"
	if read -r p f k <"$logdir/$2.counts"; then
		pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
	else
		echo "FAIL $2 ended without its counts"
		fail=$((fail + 1))
	fi
}

if [ $unit_only -eq 0 ]; then
	beside offpool offpool
	offpid=$!
	pool_claim 0
	pool_claim 1
	beside pool1 asan_pool 1
	pool1pid=$!
	pool_claim 2
	beside pool2 long_pool 2
	pool2pid=$!
	if ls tests/integration/*.sh >/dev/null 2>&1; then
		echo "== integration tests (pool 0)"
		# soak runs in the ASan pass alone (leaks checked too); make soak
		# runs both builds for 10 minutes.  hostile_peers (hostile input
		# to the SSH server and the receiver) runs in the ASan/UBSan pass
		# alone when it has a build: the same checks, and the memory
		# errors caught besides
		for t in tests/integration/*.sh; do
			case "$(basename "$t" .sh)" in
			soak) continue ;;
			hostile_peers) [ ! -x "$asan/corral-master" ] || continue ;;
			esac
			is_long "$(basename "$t" .sh)" && continue
			one "$(basename "$t" .sh)" bash "$t" "$build"
		done
	fi
	run_vm tests/vm/lvm.sh tests/vm/cgroup1.sh
	join "$pool2pid" pool2
	join "$pool1pid" pool1
	join "$offpid" offpool
fi

echo
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
