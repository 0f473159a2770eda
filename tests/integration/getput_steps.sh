#!/usr/bin/env bash
# corral get and put with a fault at each of their steps (btrfs storage,
# the store on btrfs, a small running busybox container): kill -9 of the
# master (then its restart: the job's recovery), kill -9 of the slave
# involved (the source of a get, the destination of a put; then its
# restart) and its link cut (pool.sh link hK down, then up), at every step
# of get (check, config, copy, commit, done) and of put (check, volume,
# copy, config-set, start), each placed while the job waits before the
# step (the master's CORRAL_TEST_JOB_PAUSE hook, from a file: one master
# for the whole matrix, the recovery and the rerun unpaused).
# After the fault is lifted, the job's own end (a resume, a roll back) and
# a rerun if it failed: a get has made exactly one new version, equal to
# the container (the rsync oracle), none visible before the rerun, the
# store's .incoming gone, the first version intact; a put has the
# container running on the destination alone, equal to the version, or,
# rolled back, nothing of it left there and its rerun makes it so.  In
# every case the source runs on its host alone, and no host keeps a
# snapshot, a mount of one, a frozen container or a hidden temp file.
# Then a put whose volume is made on h2 and whose answer is lost (the
# slave's CORRAL_TEST_VOLUME_PAUSE hook, then kill -9): rolled back once
# h2 is back, nothing left (a move's the same); a master killed at a put's start whose
# recovery finds h2 out of reach: it waits and finishes, never rolls back;
# and a master killed before a get's copy while
# an admin holds a snapshot of the container: its recovery leaves that
# snapshot alone (and the get refuses it); and one taken between a get's
# check and its copy: the slave refuses it.
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
L2=$("$POOLSH" lxcpath h2)
STORE=$("$POOLSH" store)
PAUSEF=$POOL/job-pause     # STEP:N while a case places its fault
PAUSE=1                    # s: the paused step, time to place it
SAVED=$POOL/steps-saved
: >"$PAUSEF"
master_start() { CORRAL_TEST_JOB_PAUSE=$PAUSEF "$POOLSH" start master >/dev/null; }
"$POOLSH" stop master >/dev/null
master_start
wait_until 100 host_up h1 && wait_until 100 host_up h2 || fail "hosts not up: $(corral hosts)"

versions() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' -printf '%f\n' | sort; }
nversions() { versions "$1" | wc -l; }
newest() { versions "$1" | tail -n 1; }
# same A B: B's tree is A's (the rsync oracle), but for what a running
# busybox writes (/var, /run, /tmp) and the root's time
same() {
	local d
	d=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete --exclude=/var/ \
		--exclude=/run/ --exclude=/tmp/ "$1/" "$2/" | grep -vx '\.d\.\.t\.\.\.\.\.\. \./' || true)
	[ -z "$d" ] || fail "$CASE: $2 differs from $1: $(echo "$d" | head -n 5)"
}

# gc: small, running on h1, a few files and a hard link; its first
# version kept aside to show that no case touches it
"$POOLSH" create h1 gc >/dev/null
# its copies (pt) start on h2 beside it: no address in its config, which a
# started copy would take from it (the put refuses that)
sed -i '/^lxc.net.0.ipv4/d' "$("$POOLSH" lxcpath h1)/gc/config"
mkdir "$S1/gc/data"
for i in $(seq 1 40); do echo "file $i" >"$S1/gc/data/f$i"; done
ln "$S1/gc/data/f1" "$S1/gc/data/hard1"
v0=$(corral get gc --json | jq -r .version) || fail "the first get"
rsync -aHAX --numeric-ids "$STORE/gc/$v0/rootfs/" "$SAVED/"

place() {   # FAULT HOST
	case "$1" in
	master) kill -KILL "$(cat "$POOL/master/master.pid")" ;;
	kill) kill -KILL "$(cat "$POOL/$2/slave.pid")" ;;
	link) "$POOLSH" link "$2" down ;;
	esac
}
gone() { ! kill -0 "$1" 2>/dev/null; }
lift() {    # FAULT HOST: as systemd or the network would
	case "$1" in
	master) wait_until 50 gone "$(cat "$POOL/master/master.pid")" || fail "$CASE: the master survived -9"
		master_start ;;
	kill) wait_until 50 gone "$(cat "$POOL/$2/slave.pid")" || fail "$CASE: $2's slave survived -9"
		"$POOLSH" start "$2" >/dev/null ;;
	link) "$POOLSH" link "$2" up ;;
	esac
}
# the job has met the fault: it ended, or waits for the host to come back
met() { ended "$1" || grep -q "job $1 .*trying again" "$POOL/master/master.log"; }

# run KIND STEP FAULT: start the job (a get of gc from h1, a put of gc's
# newest version onto h2 as pt, started), place FAULT on the slave
# involved at STEP, lift it once the job has met it; the job's id in ID,
# its end in STATE and ERR
run() {
	local kind=$1 step=$2 fault=$3 victim
	[ "$kind" = get ] && victim=h1 || victim=h2
	echo "$step:$PAUSE" >"$PAUSEF"
	if [ "$kind" = get ]; then
		ID=$(corral get gc --detach) || fail "$CASE: get --detach: $ID"
	else
		ID=$(corral put gc --host h2 --as pt --start --detach) || fail "$CASE: put --detach: $ID"
	fi
	wait_until 100 jq_of ".job.step == \"$step\"" corral job "$ID" --json ||
		fail "$CASE: job $ID never reached $step: $(corral job "$ID")"
	place "$fault" "$victim"
	: >"$PAUSEF"
	[ "$fault" = master ] || wait_until $(((PAUSE + 8) * 10)) met "$ID" || true
	lift "$fault" "$victim"
	wait_until 200 host_up h1 && wait_until 200 host_up h2 || fail "$CASE: hosts not up: $(corral hosts)"
	wait_until 1200 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
	STATE=$(corral job "$ID" --json | jq -r .job.state)
	ERR=$(corral job "$ID" --json | jq -r '.job.error // ""')
	! echo "$ERR" | grep -q "ROLL BACK FAILED" || fail "$CASE: $ERR"
	[ "$STATE" = done ] || [ -n "$ERR" ] || fail "$CASE: job $ID $STATE without a reason"
}

# every host: the source on h1 alone, running, and nothing left behind
all_clean() {
	[ "$(where gc)" = "h1:running " ] || fail "$CASE: gc is at '$(where gc)', not running on h1 alone"
	no_leftovers h1
	no_leftovers h2
}

# a version made in this very second, so that the job started next shares
# it: the newest version's time alone then looks like the job's own (a
# master killed at the commit once took it for its version, done)
same_second() {
	local i
	for i in 1 2 3 4 5; do
		corral get gc >/dev/null || fail "$CASE: the get before the case"
		[ "$(newest gc | cut -c 1-16)" != "$(date -u +%Y%m%dT%H%M%SZ)" ] || return 0
	done
}

get_case() {    # STEP FAULT
	local nv new t0=$SECONDS
	CASE="get, $2 at $1"
	echo "$CASE" >"$S1/gc/marker"
	[ "$1:$2" != commit:master ] || same_second
	nv=$(nversions gc)
	run get "$1" "$2"
	if [ "$STATE" != done ]; then
		[ "$(nversions gc)" = "$nv" ] || fail "$CASE: the failed job $ID left a version: $(versions gc)"
		corral get gc >/dev/null 2>"$POOL/rerun.log" || fail "$CASE: the rerun failed: $(cat "$POOL/rerun.log")"
	fi
	[ "$(nversions gc)" = $((nv + 1)) ] || fail "$CASE: $(nversions gc) versions, not $((nv + 1))"
	new=$(newest gc)
	same "$S1/gc" "$STORE/gc/$new/rootfs"
	[ ! -e "$STORE/gc/.incoming" ] || fail "$CASE: the store keeps gc's .incoming"
	same "$SAVED" "$STORE/gc/$v0/rootfs"
	all_clean
	ok "$CASE: job $ID $STATE${ERR:+ ($ERR)}$([ "$STATE" = done ] || echo ', rerun'): version $new exact, nothing left ($((SECONDS - t0)) s)"
}

put_case() {    # STEP FAULT
	local ver t0=$SECONDS
	CASE="put, $2 at $1"
	ver=$(newest gc)
	run put "$1" "$2"
	if [ "$STATE" != done ]; then
		echo "$ERR" | grep -q "nothing changed\|rolled back" ||
			fail "$CASE: job $ID neither done nor rolled back: $ERR"
		[ -z "$(where pt)" ] || fail "$CASE: pt is at '$(where pt)' after the roll back"
		[ ! -e "$S2/pt" ] && [ ! -e "$L2/pt" ] || fail "$CASE: a volume or config of pt is left on h2"
		no_leftovers h2
		corral put gc --host h2 --as pt --start >/dev/null 2>"$POOL/rerun.log" ||
			fail "$CASE: the rerun failed: $(cat "$POOL/rerun.log")"
	fi
	[ "$(where pt)" = "h2:running " ] || fail "$CASE: pt is at '$(where pt)', not running on h2 alone"
	same "$STORE/gc/$ver/rootfs" "$S2/pt"
	all_clean
	ok "$CASE: job $ID $STATE${ERR:+ ($ERR)}$([ "$STATE" = done ] || echo ', rerun'): pt on h2 alone, exact, nothing left ($((SECONDS - t0)) s)"
	corral remove pt --host h2 --force >/dev/null 2>"$POOL/rerun.log" ||
		fail "$CASE: removing pt: $(cat "$POOL/rerun.log")"
	[ -z "$(where pt)" ] && [ ! -e "$S2/pt" ] || fail "$CASE: pt not removed: $(where pt)"
}

for s in check config copy commit done; do
	for f in master kill link; do get_case "$s" "$f"; done
done
for s in check volume copy config-set start; do
	for f in master kill link; do put_case "$s" "$f"; done
done
# a lost answer: h2's slave makes pt's volume and dies before it answers
# (kill -9 of the daemon and of the session at work); the put cannot know
# whether the volume was made, and the check saw none of that name: it
# rolls back once h2 is back, leaving nothing
CASE="put, the answer to its volume lost"
t0=$SECONDS
# h2's slave pausing once it has made a volume (before it answers)
volume_pause_h2() {
	"$POOLSH" stop h2 >/dev/null
	CORRAL_TEST_VOLUME_PAUSE=30 "$POOLSH" start h2 >/dev/null
	wait_until 200 host_up h2 || fail "$CASE: h2 not up"
}
# job $ID's volume CT made on h2: its slave killed -9 before it answers,
# then started again (no pause); the job ends with an error matching
# ERRPAT, CT where WHERE says (lxc_truth), nothing of it on h2
lose_volume_answer() {  # CT ERRPAT WHERE
	local sp
	wait_until 100 grep -q "$1: volume made; pausing" "$POOL/h2/slave.log" ||
		fail "$CASE: h2's slave never made $1's volume"
	[ -e "$S2/$1" ] || fail "$CASE: no volume of $1 on h2 during the pause"
	sp=$(cat "$POOL/h2/slave.pid")
	pkill -KILL -P "$sp"; kill -KILL "$sp"
	wait_until 50 gone "$sp" || fail "$CASE: h2's slave survived -9"
	"$POOLSH" start h2 >/dev/null
	wait_until 1200 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
	ERR=$(corral job "$ID" --json | jq -r '.job.error // ""')
	echo "$ERR" | grep -q "$2" || fail "$CASE: job $ID: $ERR"
	[ "$(where "$1")" = "$3" ] && [ ! -e "$S2/$1" ] && [ ! -e "$L2/$1" ] ||
		fail "$CASE: $1 at '$(where "$1")', on h2: $(ls -d "$S2/$1" "$L2/$1" 2>&1)"
	no_leftovers h2
	all_clean
	ok "$CASE: job $ID failed ($ERR), nothing left ($((SECONDS - t0)) s)"
}
volume_pause_h2
ID=$(corral put gc --host h2 --as pt --detach) || fail "$CASE: put --detach: $ID"
lose_volume_answer pt "^volume on h2: .*rolled back: nothing of pt left on h2" ""

# the same for a move: its volume made on h2, the answer lost: rolled back
# once h2 is back, the volume gone (it said "nothing changed" and left it,
# refusing the next move there)
CASE="move, the answer to its volume lost"
t0=$SECONDS
"$POOLSH" create h1 mvv --stopped >/dev/null
volume_pause_h2
ID=$(corral move mvv --to h2 --detach) || fail "$CASE: move --detach: $ID"
lose_volume_answer mvv "^volume: .*rolled back: mvv is on h1 as before" "h1:stopped "

# a put is whole from its start step on, and the container may run there
# and be written to: a master killed at that step whose recovery finds h2
# out of reach (its link cut) waits for it and finishes; it never rolls
# the container back (it did, once h2 answered: REMOVE --force)
CASE="put, the master killed at its start, h2 out of reach at the recovery"
t0=$SECONDS
ver=$(newest gc)
echo "start:$PAUSE" >"$PAUSEF"
ID=$(corral put gc --host h2 --as pt --start --detach) || fail "$CASE: put --detach: $ID"
wait_until 100 jq_of '.job.step == "start"' corral job "$ID" --json ||
	fail "$CASE: job $ID never reached start: $(corral job "$ID")"
"$POOLSH" link h2 down
place master
: >"$PAUSEF"
lift master
wait_until 600 grep -q "job $ID .*recovery: .*trying again" "$POOL/master/master.log" ||
	fail "$CASE: the recovery did not wait for h2: $(grep "job $ID " "$POOL/master/master.log" | tail -n 3)"
"$POOLSH" link h2 up
wait_until 200 host_up h2 || fail "$CASE: h2 not up"
wait_until 1200 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
jq_of '.job.state == "done"' corral job "$ID" --json || fail "$CASE: job $ID: $(corral job "$ID")"
[ "$(where pt)" = "h2:running " ] || fail "$CASE: pt is at '$(where pt)', not running on h2"
same "$STORE/gc/$ver/rootfs" "$S2/pt"
all_clean
corral remove pt --host h2 --force >/dev/null 2>"$POOL/rerun.log" ||
	fail "$CASE: removing pt: $(cat "$POOL/rerun.log")"
ok "$CASE: job $ID done, pt running on h2 ($((SECONDS - t0)) s)"

# an admin's snapshot (corral snapshot) is not the job's: a master killed
# while a get waits before its config step drops nothing at its recovery;
# the resumed get refuses that snapshot (a get copies the container as it
# is now) naming it, makes no version, and the admin's snapshot is still
# there after
CASE="get, the master killed before its copy, an admin's snapshot held"
t0=$SECONDS
corral snapshot h1 gc >/dev/null || fail "$CASE: corral snapshot h1 gc"
nv=$(nversions gc)
echo "config:$PAUSE" >"$PAUSEF"
ID=$(corral get gc --detach) || fail "$CASE: get --detach: $ID"
wait_until 100 jq_of '.job.step == "config"' corral job "$ID" --json ||
	fail "$CASE: job $ID never reached config: $(corral job "$ID")"
place master
: >"$PAUSEF"
lift master
wait_until 200 host_up h1 || fail "$CASE: h1 not up"
wait_until 1200 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
jq_of '.job.state == "failed" and (.job.error | test("gc has a snapshot on h1"))' corral job "$ID" --json ||
	fail "$CASE: job $ID: $(corral job "$ID")"
corral snapshot h1 gc --status --json | jq -e '.state != "none"' >/dev/null ||
	fail "$CASE: the admin's snapshot is gone: $(corral snapshot h1 gc --status)"
[ "$(nversions gc)" = "$nv" ] || fail "$CASE: $(nversions gc) versions, not $nv"
corral snapshot h1 gc --drop >/dev/null || fail "$CASE: dropping the admin's snapshot"
all_clean
ok "$CASE: job $ID refused it, the admin's snapshot kept ($((SECONDS - t0)) s)"

# an admin's snapshot taken between a get's check and its copy (the
# master's own look at its config step is past): the slave refuses it,
# the job fails naming it, no version, the admin's snapshot kept
CASE="get, an admin's snapshot taken before its copy"
t0=$SECONDS
nv=$(nversions gc)
echo "copy:6" >"$PAUSEF"
ID=$(corral get gc --detach) || fail "$CASE: get --detach: $ID"
wait_until 100 jq_of '.job.step == "copy"' corral job "$ID" --json ||
	fail "$CASE: job $ID never reached copy: $(corral job "$ID")"
corral snapshot h1 gc >/dev/null || fail "$CASE: corral snapshot h1 gc"
: >"$PAUSEF"
wait_until 300 ended "$ID" || fail "$CASE: job $ID did not end: $(corral job "$ID")"
jq_of '.job.state == "failed" and (.job.error | test("gc has a snapshot already"))' corral job "$ID" --json ||
	fail "$CASE: the slave read the admin's snapshot: $(corral job "$ID")"
[ "$(nversions gc)" = "$nv" ] || fail "$CASE: $(nversions gc) versions, not $nv"
corral snapshot h1 gc --status --json | jq -e '.state != "none"' >/dev/null ||
	fail "$CASE: the admin's snapshot is gone: $(corral snapshot h1 gc --status)"
corral snapshot h1 gc --drop >/dev/null || fail "$CASE: dropping the admin's snapshot"
all_clean
ok "$CASE: job $ID refused it at the copy, the admin's snapshot kept ($((SECONDS - t0)) s)"

# the versions every case made check against their manifests
for v in $(versions gc); do
	corral verify gc --version "$v" >/dev/null 2>"$POOL/rerun.log" ||
		fail "version $v of gc: $(cat "$POOL/rerun.log")"
done
rm -rf "$SAVED"
ok "get and put: every fault at every step ended whole, $(nversions gc) versions verified ($SECONDS s)"
