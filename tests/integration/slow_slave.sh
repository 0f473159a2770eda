#!/usr/bin/env bash
# A slave that answers slowly (its processes stopped with SIGSTOP, then
# continued: a host stalled by swapping or I/O), at the step of a job that
# talks to it, while the job waits before that step (the master's
# CORRAL_TEST_JOB_PAUSE hook, from a file):
#  - stalled less than corral.conf `timeout` (the pool's: 3 s) before a
#    get's copy and a put's volume: the job waits and ends done, exact;
#  - stalled past it before a get's copy: the job fails naming the host
#    and the step, no partial version shows; once the slave answers
#    again the rerun makes the version, exact, and .incoming is gone.
# The source keeps running on its host alone, nothing is left behind, and
# the poller sees the host up again.
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1)
STORE=$("$POOLSH" store)
PAUSEF=$POOL/job-pause
: >"$PAUSEF"
master_again CORRAL_TEST_JOB_PAUSE="$PAUSEF" -- h1 h2
# stalls shorter and longer than the master's timeout for an answer
T=$(sed -n 's/^timeout *= *\([0-9]*\)$/\1/p' "$POOL/master/corral.conf" | tail -n 1)
[ -n "$T" ] && [ "$T" -ge 2 ] || fail "no timeout of 2 s or more in the pool's corral.conf"
SHORT=$((T - 1)) LONG=$((T * 3 + 2))

"$POOLSH" create h1 sl >/dev/null
# its copy (sp) starts on h2 beside it: no address in its config, which a
# started copy would take from it (the put refuses that)
sed -i '/^lxc.net.0.ipv4/d' "$("$POOLSH" lxcpath h1)/sl/config"
mkdir "$S1/sl/data"
for i in $(seq 1 40); do echo "file $i" >"$S1/sl/data/f$i"; done

versions() { [ -d "$STORE/$1" ] || return 0; find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n' | sort; }
nversions() { versions "$1" | wc -l; }
# same A B: B's tree is A's (the rsync oracle), but for what a running
# busybox writes (/var, /run, /tmp) and the root's time
same() {
	local d
	d=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete --exclude=/var/ \
		--exclude=/run/ --exclude=/tmp/ "$1/" "$2/" | grep -vx '\.d\.\.t\.\.\.\.\.\. \./' || true)
	[ -z "$d" ] || fail "$CASE: $2 differs from $1: $(echo "$d" | head -n 5)"
}
signal() { kill -"$1" $(tree_pids "$(cat "$POOL/$2/slave.pid")") 2>/dev/null || true; }

# stall HOST SECONDS STEP JOBARGS...: the job, paused before STEP, meets
# HOST stopped for SECONDS; its id in ID, its end in STATE and ERR
stall() {
	local h=$1 secs=$2 step=$3; shift 3
	echo "$step:1" >"$PAUSEF"
	ID=$(corral "$@" --detach) || fail "$CASE: $*: $ID"
	wait_until 100 jq_of ".job.step == \"$step\"" corral job "$ID" --json ||
		fail "$CASE: job $ID never reached $step: $(corral job "$ID")"
	: >"$PAUSEF"
	signal STOP "$h"
	sleep "$secs"
	signal CONT "$h"
	wait_until 600 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
	STATE=$(corral job "$ID" --json | jq -r .job.state)
	ERR=$(corral job "$ID" --json | jq -r '.job.error // ""')
	wait_until 300 host_up "$h" || fail "$CASE: $h not up again: $(corral hosts)"
}
clean() {
	[ "$(where sl)" = "h1:running " ] || fail "$CASE: sl is at '$(where sl)', not running on h1 alone"
	no_leftovers h1
	no_leftovers h2
}

CASE="get, h1 stalled $SHORT s before the copy"
nv=$(nversions sl)
stall h1 "$SHORT" copy get sl
[ "$STATE" = done ] || fail "$CASE: job $ID $STATE: $ERR"
[ "$(nversions sl)" = $((nv + 1)) ] || fail "$CASE: $(nversions sl) versions, not $((nv + 1))"
same "$S1/sl" "$STORE/sl/$(versions sl | tail -n 1)/rootfs"
clean
ok "$CASE: the job waited, done, exact"

CASE="put, h2 stalled $SHORT s before the volume"
stall h2 "$SHORT" volume put sl --host h2 --as sp --start
[ "$STATE" = done ] || fail "$CASE: job $ID $STATE: $ERR"
[ "$(where sp)" = "h2:running " ] || fail "$CASE: sp is at '$(where sp)'"
same "$STORE/sl/$(versions sl | tail -n 1)/rootfs" "$("$POOLSH" storage h2)/sp"
clean
ok "$CASE: the job waited, done, sp running on h2, exact"

CASE="get, h1 stalled $LONG s before the copy"
nv=$(nversions sl)
stall h1 "$LONG" copy get sl
[ "$STATE" = failed ] || fail "$CASE: job $ID $STATE, not failed (${ERR:-no error})"
echo "$ERR" | grep -q "h1" || fail "$CASE: the error does not name h1: $ERR"
corral job "$ID" --json | jq -e '.job.step == "copy"' >/dev/null ||
	fail "$CASE: not failed at the copy: $(corral job "$ID")"
# (what arrived stays in the store's .incoming for the rerun to resume:
# no version shows it)
[ "$(nversions sl)" = "$nv" ] || fail "$CASE: the failed job left a version"
corral get sl >/dev/null 2>"$POOL/rerun.log" || fail "$CASE: the rerun: $(cat "$POOL/rerun.log")"
[ "$(nversions sl)" = $((nv + 1)) ] || fail "$CASE: $(nversions sl) versions after the rerun"
[ ! -e "$STORE/sl/.incoming" ] || fail "$CASE: .incoming left after the rerun"
same "$S1/sl" "$STORE/sl/$(versions sl | tail -n 1)/rootfs"
clean
ok "$CASE: failed at the copy naming h1 ($ERR), no version; the rerun exact"
