# Shared helpers of the integration tests (sourced).  Each test brings up
# its own pool with tests/pool/pool.sh and tears it down on exit, whatever
# happens.  Waiting is always polling with a deadline, never a bare sleep.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-${CORRAL_BUILD:-$ROOT/build}}
BUILD=$(cd "$BUILD" && pwd)
export CORRAL_BUILD=$BUILD
POOLSH=$ROOT/tests/pool/pool.sh
# pool.sh's: pool 0 (/run/corral-pool), or CORRAL_POOL_ID's beside it
POOL_ID=${CORRAL_POOL_ID:-0}
POOL=${CORRAL_POOL_DIR:-/run/corral-pool${POOL_ID#0}}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
# with the seconds since the test began: where its time goes
ok() { echo "ok: $* [${SECONDS} s]"; }
# expect_exit CODE PATTERN CMD...: CMD exits CODE with one stderr line
# matching PATTERN
expect_exit() {
	local want=$1 pat=$2 rc=0 err; shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: exit $rc, not $want ($err)"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q -- "$pat" ||
		fail "$*: said '$err', not /$pat/"
}

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, LXC)"

# true when BUILD's daemons are the ASan/UBSan build (make check runs
# every integration test on both builds)
asan_build() { grep -q __asan_init "$BUILD/corral-slave"; }

pool_up() {
	[ ! -e "$POOL/hosts" ] || fail "a pool is already up in $POOL: run '$POOLSH down' first"
	trap pool_cleanup EXIT
	"$POOLSH" up "$@"
	set -a; . "$POOL/env"; set +a
}

pool_cleanup() {
	local rc=$?
	# daemons built with sanitizers report into their logs: that fails too
	if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$POOL"/*/*.log 2>/dev/null; then
		grep -hE -A20 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$POOL"/*/*.log | head -n 60
		rc=1
	fi
	if [ $rc -ne 0 ] && [ -d "$POOL/master" ]; then
		echo "--- master.log (tail)"; tail -n 20 "$POOL/master/master.log" || true
	fi
	"$POOLSH" down || true
	exit $rc
}

# wait_until TENTHS CMD...: poll until CMD succeeds.
# every process under pid $1, then $1 (a slave's connections, their
# workers and what those run are its children, grandchildren and below)
tree_pids() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do tree_pids "$c"; done
	echo "$1"
}

wait_until() {
	local n=$1; shift
	while [ "$n" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# The containers lxc-ls sees on every host, as host:name:state lines.
lxc_truth() {
	local k h
	for k in $(seq 1 "$CORRAL_POOL_HOSTS"); do
		h=h$k
		"$POOLSH" exec "$h" lxc-ls -P "$("$POOLSH" lxcpath "$h")" -f -F NAME,STATE |
			tail -n +2 | awk -v h="$h" 'NF { print h ":" $1 ":" tolower($2) }'
	done | sort
}

host_field() {  # host_field HOST FIELD: from corral hosts --json
	corral hosts --json | jq -r --arg h "$1" --arg f "$2" '.[] | select(.name == $h) | .[$f]'
}


# jq_of QUERY CMD...: CMD succeeds and jq -e QUERY holds on its output
jq_of() {
	local out q=$1; shift
	out=$("$@" 2>/dev/null) && [ -n "$out" ] && echo "$out" | jq -e "$q" >/dev/null
}
# where CT: "hK:state " for each host lxc-ls shows CT on
where() { lxc_truth | grep ":$1:" | cut -d: -f1,3 | tr '\n' ' '; }
# no_leftovers HOST: no snapshot (nor a mount of one), freeze hold,
# frozen container or temporary file or volume of ours in HOST's storage
# and lxcpath
no_leftovers() {
	local s l
	s=$("$POOLSH" storage "$1"); l=$("$POOLSH" lxcpath "$1")
	[ -z "$(ls -A "$s/.corral-snap" 2>/dev/null)" ] || fail "a snapshot is left on $1: $(ls -A "$s/.corral-snap")"
	! grep -q " $s/.corral-snap" /proc/self/mountinfo || fail "a snapshot is left mounted on $1"
	! find "$s" "$l" -xdev -name '.corral-*' ! -path "$s/.corral-snap" 2>/dev/null | grep -q . ||
		fail "temporary files left on $1: $(find "$s" "$l" -xdev -name '.corral-*' ! -path "$s/.corral-snap")"
	! lxc_truth | grep -q "^$1:.*:frozen$" || fail "a container is left frozen on $1: $(lxc_truth | grep "^$1:.*:frozen$")"
}
# host_up HOST: the master sees HOST up
host_up() { jq_of ".[] | select(.name == \"$1\") | .state == \"up\"" corral hosts --json; }
# ended ID: job ID is neither queued nor running
ended() { jq_of '.job.state != "running" and .job.state != "queued"' corral job "$1" --json; }
# master_again [VAR=VALUE ...] [-- HOST ...]: the master stopped and
# started again with that environment (a test hook: CORRAL_TEST_JOB_PAUSE,
# say), then each HOST seen up
master_again() {
	local envs=() h
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -eq 0 ] || shift
	"$POOLSH" stop master >/dev/null
	env "${envs[@]}" "$POOLSH" start master >/dev/null || fail "the master did not start again"
	for h in "$@"; do
		wait_until 300 host_up "$h" || fail "$h not up after the master's restart: $(corral hosts 2>&1)"
	done
}
# kill_master: the master killed -9, and gone (pool.sh's start would take
# a master still dying for a live one, and start none); a zombie is gone
# (PID 1 may reap it late) once its threads are: a multi-threaded
# process's leader is a zombie while the others still exit, its
# descriptors (the CLI socket) open until the last one has
dead() {
	[ -e "/proc/$1" ] || return 0
	! grep -qv ') Z ' "/proc/$1/stat" 2>/dev/null && [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -le 1 ]
}
kill_master() {
	local pid
	pid=$(cat "$POOL/master/master.pid")
	kill -KILL "$pid"
	wait_until 100 dead "$pid" || fail "${CASE:+$CASE: }the master survived -9"
}
