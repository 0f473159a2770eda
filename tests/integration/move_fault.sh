#!/usr/bin/env bash
# A hot move of a running container (btrfs: its pre-copy read through a
# snapshot) with a fault at one of its steps: kill -9 of the source
# slave, of the destination slave, or its link cut (pool.sh link hK
# down), or kill -9 of the master (move.sh has it during a cold copy).
# After the restart (or relink), the job's own roll back (or the master's
# recovery) and a rerun of the move where it rolled back, the container runs on exactly one host
# with all its data (the rsync oracle against what it had), and neither
# host keeps a snapshot, a mount of one, a frozen container, a volume or
# config of the container beside the one that runs, or a hidden temp file.
# The pre-copy is cut mid-transfer (a temp file on the destination), the
# other steps (the final copy sends little) just before they act, through
# the master's CORRAL_TEST_JOB_PAUSE hook.  A few cases by default; CORRAL_TEST_FULL=1: every fault
# at every step.  Then two recoveries of a master killed: at the start on
# the destination, whose copy ran and was written to meanwhile (kept: the
# move finishes), and before the volume step while the destination holds
# a container of that name of its own (left alone); a destination out of
# reach at the start: asked until it answers, through a cancel and a
# master's restart, the container started nowhere meanwhile; its slave
# stalled past the start's limit for an answer: asked likewise, then the
# move done.  Last, a container
# started again on the source during the copy: rolled back, never run on
# both hosts; an admin's snapshot taken during the copy: refused as its
# source, kept by the roll back; a move queued while a sync writes into
# its container: it waits for the sync; and a move cut off from its destination
# at the copy: the partial copy it leaves there does not count as the
# container kept elsewhere.
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
SAVE=$POOL/fault-saved
PAUSE=2     # s: a paused step, time to place the fault

other() { [ "$1" = h1 ] && echo h2 || echo h1; }

# C with a tree worth a transfer: 100 MiB of random data and small files
C=mv1
"$POOLSH" create h1 "$C" >/dev/null
S=$("$POOLSH" storage h1)
dd if=/dev/urandom of="$S/$C/big" bs=1M count=100 status=none
mkdir -p "$S/$C/small"
for i in $(seq 1 200); do echo "file $i" >"$S/$C/small/f$i"; done
ln "$S/$C/small/f1" "$S/$C/small/hard1"
mkdir -p "$SAVE"
# what it has now, but for what busybox itself writes while it runs (and
# the root's time: LXC's start makes and removes a directory there)
save() { rsync -aHAX --numeric-ids --delete --exclude=/var/ --exclude=/run/ --exclude=/tmp/ "$1/" "$SAVE/"; }
save "$S/$C"

# Nothing left on host H of a transfer or a move: no snapshot, mount,
# freeze, hidden temp file, and C's volume and config only where it is.
clean_on() {
	local h=$1 holds=$2 st lp
	st=$("$POOLSH" storage "$h"); lp=$("$POOLSH" lxcpath "$h")
	[ -z "$(ls -A "$st/.corral-snap" 2>/dev/null)" ] ||
		fail "$CASE: $h keeps a snapshot: $(ls -A "$st/.corral-snap")"
	! grep -q " $st/.corral-snap" /proc/self/mountinfo || fail "$CASE: $h keeps a snapshot mounted"
	local tmp
	tmp=$(find "$st" "$lp" -xdev -name '.corral-*' ! -path "$st/.corral-snap" 2>/dev/null | head -n 5)
	[ -z "$tmp" ] || fail "$CASE: $h keeps temp files: $tmp"
	if [ "$holds" = yes ]; then
		[ -d "$st/$C" ] && [ -f "$lp/$C/config" ] || fail "$CASE: $h lacks $C's volume or config"
		local state
		state=$("$POOLSH" exec "$h" lxc-info -P "$lp" -n "$C" -s -H)
		[ "$state" = RUNNING ] || fail "$CASE: $C is $state on $h"
	else
		[ ! -e "$st/$C" ] || fail "$CASE: a volume of $C is left on $h"
		[ ! -e "$lp/$C" ] || fail "$CASE: a config of $C is left on $h"
	fi
}

# C runs on exactly one host, the one named, with its data; both clean.
check_one() {
	local h=$1 st diff
	[ "$(where "$C")" = "$h:running " ] || fail "$CASE: $C is at '$(where "$C")', not running on $h alone"
	st=$("$POOLSH" storage "$h")
	diff=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete --exclude=/var/ \
		--exclude=/run/ --exclude=/tmp/ "$SAVE/" "$st/$C/" |
		grep -vx '\.d\.\.t\.\.\.\.\.\. \./' || true)
	[ -z "$diff" ] || fail "$CASE: $C on $h differs from what it had: $(echo "$diff" | head -n 5)"
	clean_on "$h" yes
	clean_on "$(other "$h")" no
}

# restart the master, with the pause hook at STEP ('' for none), for
# SECONDS ($PAUSE if not given)
master_with() {  # STEP [SECONDS]
	"$POOLSH" stop master >/dev/null
	if [ -n "$1" ]; then
		CORRAL_TEST_JOB_PAUSE="$1:${2:-$PAUSE}" "$POOLSH" start master >/dev/null
	else
		"$POOLSH" start master >/dev/null
	fi
	wait_until 300 host_up h1 && wait_until 300 host_up h2 || fail "hosts not up after the master's restart"
}

fault_on() {  # FAULT HOST: place it
	case "$1" in
	kill) kill -KILL "$(cat "$POOL/$2/slave.pid")" ;;
	link) "$POOLSH" link "$2" down ;;
	master) kill -KILL "$(cat "$POOL/master/master.pid")" ;;
	esac
}
fault_off() {  # FAULT HOST: undo it
	case "$1" in
	kill) wait_until 50 sh -c "! kill -0 $(cat "$POOL/$2/slave.pid") 2>/dev/null" || fail "$2's slave survived -9"
	      "$POOLSH" start "$2" >/dev/null ;;
	link) "$POOLSH" link "$2" up ;;
	master) wait_until 50 sh -c "! kill -0 $(cat "$POOL/master/master.pid") 2>/dev/null" || fail "the master survived -9"
		"$POOLSH" start master >/dev/null   # its recovery: roll back or finish
		wait_until 100 host_up h1 || fail "$CASE: h1 not up after the master's restart"
		wait_until 100 host_up h2 || fail "$CASE: h2 not up after the master's restart" ;;
	esac
	[ "$1" = master ] || wait_until 200 host_up "$2" || fail "$CASE: $2 not back up: $(corral hosts)"
}

# one case: FAULT (kill|link) on ROLE (src|dst) at STEP
one_case() {
	local fault=$1 role=$2 step=$3 from to victim id state t0
	from=$(where "$C" | cut -d: -f1); to=$(other "$from")
	[ "$role" = src ] && victim=$from || victim=$to
	CASE="$fault of $role ($victim) at $step, $from -> $to"
	[ "$fault" != master ] || CASE="kill of the master at $step, $from -> $to"
	t0=$SECONDS
	case "$step" in
	precopy) master_with "" ;;
	*) master_with "$step" ;;
	esac
	id=$(corral move "$C" --to "$to" --detach) || fail "$CASE: move --detach: $id"
	case "$step" in
	precopy)
		# mid-transfer: a temp file of the receiver in C's tree on TO
		wait_until 600 sh -c "corral job $id --json | jq -e '.job.step == \"$step\"' >/dev/null &&
			find '$("$POOLSH" storage "$to")/$C' -maxdepth 2 -name '.corral-*' | grep -q ." ||
			fail "$CASE: never mid-$step: $(corral job "$id")" ;;
	*)
		wait_until 300 jq_of ".job.step == \"$step\"" corral job "$id" --json ||
			fail "$CASE: job $id never reached $step: $(corral job "$id")" ;;
	esac
	fault_on "$fault" "$victim"
	# the job meets the fault (a paused step goes on after $PAUSE s): it
	# ends, or its roll back waits for the host (and says so); then the
	# host comes back, as systemd or the network would bring it
	met() {
		jq_of '.job.state != "running"' corral job "$id" --json ||
			grep -q "job $id .*trying again" "$POOL/master/master.log"
	}
	[ "$fault" = master ] || wait_until $(((PAUSE + 3) * 10)) met || true
	fault_off "$fault" "$victim"
	wait_until 900 jq_of '.job.state != "running" and .job.state != "queued"' corral job "$id" --json ||
		fail "$CASE: job $id did not end: $(corral job "$id")"
	state=$(corral job "$id" --json | jq -r .job.state)
	err=$(corral job "$id" --json | jq -r .job.error)
	echo "$CASE: job $id $state: $err"
	if [ "$state" != done ]; then
		[ -n "$err" ] || fail "$CASE: failed without a reason"
		! echo "$err" | grep -q "ROLL BACK FAILED" || fail "$CASE: $err"
		# the way back the job printed, if any, as an admin would take it
		way=$(echo "$err" | grep -o 'corral remove [^ ]* --host [^ ;]*\( --force\)\{0,1\}' || true)
		if [ -n "$way" ]; then
			$way >/dev/null 2>&1 || fail "$CASE: '$way' failed: $($way 2>&1)"
		fi
		if [ "$(where "$C")" != "$to:running " ]; then
			check_one "$from"
			master_with ""
			corral move "$C" --to "$to" >/dev/null 2>"$POOL/rerun.log" ||
				fail "$CASE: the rerun failed: $(cat "$POOL/rerun.log")"
		fi
	fi
	check_one "$to"
	ok "$CASE: job $id $state$([ "$state" = done ] || echo ", rerun"), $C on $to alone, whole, nothing left ($((SECONDS - t0)) s)"
}

if [ "${CORRAL_TEST_FULL:-0}" = 1 ]; then
	steps="check config volume config-set precopy stop copy start remove-source"
	for f in kill link; do
		for r in src dst; do
			for s in $steps; do one_case "$f" "$r" "$s"; done
		done
	done
	for s in $steps; do one_case master - "$s"; done
else
	one_case kill src precopy
	one_case kill dst copy
	one_case kill src stop
	one_case kill dst start
	one_case kill src remove-source
	one_case link dst config-set
	one_case link src copy
	one_case master - precopy
	one_case master - start
fi
# ---- the recoveries of other moves (their own containers, h1 -> h2)
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2); L2=$("$POOLSH" lxcpath h2)
# Move ms to TO, TO's link cut while the move is held at its start step,
# until the move asks TO again whether ms runs there; id is the job.
cut_at_start() {  # TO
	master_with start 8
	id=$(corral move ms --to "$1" --detach) || fail "move ms --detach: $id"
	wait_until 600 jq_of '.job.step == "start"' corral job "$id" --json || fail "job $id never reached start: $(corral job "$id")"
	"$POOLSH" link "$1" down
	wait_until 600 grep -q "job $id .*whether ms runs on $1: .*asking again" "$POOL/master/master.log" ||
		fail "job $id never asked $1 again: $(corral job "$id")"
}
# The master started again: move job ID of ms ends done, ms running on
# TO alone with what it wrote on h2, no volume left on FROM.
ms_done_on() {  # ID FROM TO
	local id=$1 from=$2 to=$3 sf st
	sf=$("$POOLSH" storage "$from"); st=$("$POOLSH" storage "$to")
	"$POOLSH" start master >/dev/null
	wait_until 1200 ended "$id" || fail "job $id did not end after the restart"
	jq_of '.job.state == "done"' corral job "$id" --json || fail "job $id: $(corral job "$id")"
	[ "$(where ms)" = "$to:running " ] || fail "ms is at $(where ms), not running on $to alone"
	[ "$(cat "$st/ms/late" 2>&1)" = "written on h2" ] || fail "what ms wrote on h2 is lost"
	[ ! -e "$sf/ms" ] || fail "a volume of ms is left on $from"
}
# ---- kill -9 of the master at the start on the destination: the copy
# there is whole, and may run and be written to while the master is down
# (here it is, then stopped): the recovery starts it there and finishes;
# it never removes it (it rolled back: what was written on h2 was lost)
"$POOLSH" create h1 ms >/dev/null
"$POOLSH" stop master >/dev/null
CORRAL_TEST_JOB_PAUSE=start:60 "$POOLSH" start master >/dev/null
wait_until 300 host_up h1 && wait_until 300 host_up h2 || fail "hosts not up after the master's restart"
id=$(corral move ms --to h2 --cold --detach) || fail "move ms --detach: $id"
wait_until 600 jq_of '.job.step == "start"' corral job "$id" --json || fail "job $id never reached start: $(corral job "$id")"
kill_master
"$POOLSH" exec h2 lxc-start -P "$L2" -n ms || fail "ms does not start on h2"
echo "written on h2" >"$S2/ms/late"
"$POOLSH" exec h2 lxc-stop -P "$L2" -n ms
ms_done_on "$id" h1 h2
ok "a master killed at a move's start: its recovery starts the copy on h2 and finishes, keeping what was written there"

# ---- the destination out of reach at the start (ms back to h1, h1's
# link cut while the step is paused): whether ms runs there is not
# known, so the move asks until h1 answers; a cancel does not cut that
# short (it failed the move at once, "MAY RUN ON h1"), a master stopped
# meanwhile leaves the job at its step, and its next start, the link
# back, finishes the move
cut_at_start h1
corral cancel "$id" >/dev/null || fail "cancel $id"
sleep 8
jq_of '.job.state == "running" and .job.step == "start"' corral job "$id" --json ||
	fail "a cancel ended the move's question to h1: $(corral job "$id")"
"$POOLSH" stop master >/dev/null
grep -q "job $id .*left during start, for its recovery" "$POOL/master/master.log" ||
	fail "job $id not left for the next start: $(grep "job $id " "$POOL/master/master.log" | tail -n 3)"
[ "$(where ms)" = "h1:stopped h2:stopped " ] || fail "ms is at '$(where ms)' while h1 is cut off: it must run nowhere"
"$POOLSH" link h1 up
ms_done_on "$id" h2 h1
ok "a move's destination out of reach at its start: asked until it answers, through a cancel and a master's restart; then done, on h1 alone"

# ---- the same, h2 never coming back: an admin gives it up by taking it
# out of slaves.conf (SIGHUP); the move then ends failed, loudly, ms
# started nowhere, with the way to finish by hand, which works
cut_at_start h2
cp "$POOL/master/slaves.conf" "$POOL/slaves.conf.saved"
grep -v '^h2:' "$POOL/slaves.conf.saved" >"$POOL/master/slaves.conf"
kill -HUP "$(cat "$POOL/master/master.pid")"
wait_until 300 ended "$id" || fail "job $id did not end once h2 left slaves.conf: $(corral job "$id")"
err=$(corral job "$id" --json | jq -r .job.error)
echo "$err" | grep -q "ms MAY RUN ON h2.*corral remove ms --host h1" || fail "job $id: $err"
cp "$POOL/slaves.conf.saved" "$POOL/master/slaves.conf"
kill -HUP "$(cat "$POOL/master/master.pid")"
"$POOLSH" link h2 up
wait_until 300 host_up h2 || fail "h2 not up once back in slaves.conf"
[ "$(where ms)" = "h1:stopped h2:stopped " ] || fail "ms is at '$(where ms)' after the failed move"
"$POOLSH" exec h2 lxc-start -P "$L2" -n ms || fail "ms does not start on h2 by hand"
corral remove ms --host h1 >/dev/null || fail "the way the job gave: corral remove ms --host h1"
[ "$(where ms)" = "h2:running " ] || fail "ms is at '$(where ms)', not running on h2 alone"
master_with ""
ok "a move's destination that never comes back: taken out of slaves.conf, the move fails loudly naming the way, which finishes it"

# ---- the destination's slave stalled (SIGSTOP of its process tree: a
# host swapping) while it starts ms, past the START's limit for an answer
# (shortened here: CORRAL_TEST_START_LIMIT): the move asks whether ms runs
# there every 2 s until the slave answers again, ms started nowhere else
# meanwhile; it runs there (its start went on), and the move goes on:
# done, ms on h1 alone, whole, nothing left on either host.  A pre-start
# hook added to ms's config on h1 at the paused step (taken out after)
# holds the START there until the slave is stopped in the middle of it
# (a gate file the test removes then; 60 s at most).
CASE="a move's start on h1 unanswered past its limit, h1's slave stalled"
L1=$("$POOLSH" lxcpath h1)
MARK=$POOL/ms-starting GATE=$POOL/ms-gate
signal() { kill -"$1" $(tree_pids "$(cat "$POOL/$2/slave.pid")") 2>/dev/null || true; }
C=ms    # check_one's container, its tree saved as mv1's was
save "$S2/ms"
"$POOLSH" stop master >/dev/null
CORRAL_TEST_JOB_PAUSE=start:8 CORRAL_TEST_START_LIMIT=4 "$POOLSH" start master >/dev/null
wait_until 300 host_up h1 && wait_until 300 host_up h2 || fail "$CASE: hosts not up after the master's restart"
id=$(corral move ms --to h1 --detach) || fail "$CASE: move ms --detach: $id"
wait_until 600 jq_of '.job.step == "start"' corral job "$id" --json || fail "$CASE: job $id never reached start: $(corral job "$id")"
touch "$GATE"
echo "lxc.hook.pre-start = /bin/sh -c 'touch $MARK; n=0; while [ -e $GATE ] && [ \$n -lt 600 ]; do sleep 0.1; n=\$((n + 1)); done'" >>"$L1/ms/config"
wait_until 300 test -e "$MARK" || fail "$CASE: h1 never began to start ms: $(corral job "$id")"
trap 'rc=$?; set +e; rm -f "$GATE"; signal CONT h1; (exit $rc); pool_cleanup' EXIT
signal STOP h1
rm -f "$GATE"
wait_until 600 grep -q "job $id .*whether ms runs on h1: .*asking again every 2 s until it answers" "$POOL/master/master.log" ||
	fail "$CASE: job $id never asked h1 again: $(corral job "$id")"
sleep 6    # it asks again, h1 stalled on
jq_of '.job.state == "running" and .job.step == "start"' corral job "$id" --json ||
	fail "$CASE: the move did not wait for h1's answer: $(corral job "$id")"
[ "$("$POOLSH" exec h2 lxc-info -P "$L2" -n ms -s -H)" = STOPPED ] || fail "$CASE: ms started again on h2 while h1 did not answer"
signal CONT h1
trap pool_cleanup EXIT
wait_until 1200 ended "$id" || fail "$CASE: job $id did not end once h1 answered: $(corral job "$id")"
jq_of '.job.state == "done"' corral job "$id" --json || fail "$CASE: job $id: $(corral job "$id")"
grep -q "job $id .*start failed (h1: CT_CTL_REQ: timed out), but ms runs on h1: going on" "$POOL/master/master.log" ||
	fail "$CASE: job $id did not say why it went on: $(grep "job $id " "$POOL/master/master.log" | tail -n 3)"
sed -i '/^lxc.hook.pre-start/d' "$L1/ms/config"
rm -f "$MARK"
check_one h1
no_leftovers h1
no_leftovers h2
[ -z "$(ls -A "$L1/ms" | grep -e '\.corral-new$' -e '^config\.removing$')" ] || fail "$CASE: left in $L1/ms: $(ls -A "$L1/ms")"
C=mv1
master_with ""
ok "$CASE: asked until it answered, ms started nowhere else meanwhile; then done, ms on h1 alone, whole, nothing left"

# ---- kill -9 of the master before a move's volume step: the job made
# nothing on the destination, which meanwhile holds a container of that
# name of its own: the roll back leaves it alone (it removed it)
"$POOLSH" create h1 mc --stopped >/dev/null
"$POOLSH" stop master >/dev/null
CORRAL_TEST_JOB_PAUSE=config:60 "$POOLSH" start master >/dev/null
wait_until 300 host_up h1 && wait_until 300 host_up h2 || fail "hosts not up after the master's restart"
id=$(corral move mc --to h2 --detach) || fail "move mc --detach: $id"
wait_until 600 jq_of '.job.step == "config"' corral job "$id" --json || fail "job $id never reached config: $(corral job "$id")"
kill_master
"$POOLSH" exec h2 lxc-create -P "$L2" -n mc -t busybox >/dev/null 2>&1 || fail "lxc-create mc on h2"
echo "h2's own" >"$L2/mc/rootfs/mine"
"$POOLSH" start master >/dev/null
wait_until 1200 ended "$id" || fail "job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("rolled back"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
[ "$(cat "$L2/mc/rootfs/mine" 2>&1)" = "h2's own" ] || fail "the roll back removed h2's own mc"
[ "$(where mc)" = "h1:stopped h2:stopped " ] || fail "mc is at '$(where mc)'"
"$POOLSH" exec h2 lxc-destroy -P "$L2" -n mc >/dev/null
ok "a master killed before a move's volume step: the roll back leaves a container of that name on h2 alone"

# ---- C started again on the source after the move stopped it (by an
# admin, or LXC's autostart on a source that rebooted): the copy on the
# destination is behind it, and the move rolls back instead of starting
# C there too (it ran on both hosts)
L1=$("$POOLSH" lxcpath h1)
"$POOLSH" create h1 ma >/dev/null
"$POOLSH" stop master >/dev/null
CORRAL_TEST_JOB_PAUSE=copy:5 "$POOLSH" start master >/dev/null
wait_until 300 host_up h1 && wait_until 300 host_up h2 || fail "hosts not up after the master's restart"
corral control ma --enable >/dev/null || fail "control ma --enable"
id=$(corral move ma --to h2 --detach) || fail "move ma --detach: $id"
wait_until 600 jq_of '.job.step == "copy"' corral job "$id" --json || fail "job $id never reached copy: $(corral job "$id")"
# stopped by the move, ma has no autostart on h1 (a reboot there must not
# start it: after the switch it runs on h2); the roll back turns it on
grep -q '^lxc.start.auto = 0$' "$L1/ma/config" ||
	fail "ma's autostart on h1 during the move: $(grep '^lxc.start' "$L1/ma/config")"
"$POOLSH" exec h1 lxc-start -P "$L1" -n ma || fail "ma does not start again on h1"
echo "written on h1" >"$S1/ma/late"
wait_until 1200 ended "$id" || fail "job $id did not end"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("ma runs on h1 again.*rolled back: ma is on h1 as before"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
[ "$(where ma)" = "h1:running " ] || fail "ma is at '$(where ma)', not running on h1 alone"
[ "$(cat "$S1/ma/late" 2>&1)" = "written on h1" ] || fail "what ma wrote on h1 is lost"
grep -q '^lxc.start.auto = 1$' "$L1/ma/config" ||
	fail "ma's autostart on h1 after the roll back: $(grep '^lxc.start' "$L1/ma/config")"
[ ! -e "$S2/ma" ] && [ ! -e "$L2/ma" ] || fail "the copy of ma is left on h2"
ok "a container started again on the source during the move's copy: rolled back, it runs on h1 alone, not on both, its autostart (off during the move) on again"

# ---- an admin's snapshot taken while the move has the container stopped:
# the final pass refuses to read it (the container would move without
# what it wrote since), and the roll back leaves it alone (it dropped it)
"$POOLSH" create h1 mb >/dev/null
id=$(corral move mb --to h2 --detach) || fail "move mb --detach: $id"
wait_until 600 jq_of '.job.step == "copy"' corral job "$id" --json || fail "job $id never reached copy: $(corral job "$id")"
# a sync into mb's volume on either host waits for the job (refused)
expect_exit 1 "h1:@mb: job $id (move) is at work on mb there: not written until it ends" \
	corral sync h2:x h1:@mb
expect_exit 1 "h2:mb/x: job $id (move) is at work on mb there" corral sync h1:x h2:mb/x
corral snapshot h1 mb >/dev/null || fail "the admin's snapshot of mb"
wait_until 1200 ended "$id" || fail "job $id did not end"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("has a snapshot already.*rolled back: mb is on h1 as before"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
[ "$(where mb)" = "h1:running " ] || fail "mb is at '$(where mb)', not running on h1 alone"
[ -d "$S1/.corral-snap/mb" ] || fail "the roll back dropped the admin's snapshot: $(corral snapshot h1 mb --status 2>&1)"
corral snapshot h1 mb --drop >/dev/null || fail "drop the admin's snapshot"
ok "an admin's snapshot taken during the move's copy: refused as its source, left alone by the roll back; a sync into mb refused while the job runs"

# ---- a move queued while a sync writes into the container (the sync's
# send held on its source by the slave's pause hook): the sync's check
# found no job, so the move waits in the queue until the sync ends (it
# started under it), then moves mw with what the sync wrote
"$POOLSH" create h1 mw --stopped >/dev/null
"$POOLSH" create h2 msrc --stopped >/dev/null
echo "from msrc" >"$S2/msrc/synced"
"$POOLSH" stop h2 >/dev/null
CORRAL_TEST_SEND_PAUSE=6 "$POOLSH" start h2 >/dev/null
wait_until 200 host_up h2 || fail "h2 not up with the send pause"
held() { grep -c "msrc: snapshot taken for a send; pausing" "$POOL/h2/slave.log" || true; }
n=$(held)
corral sync h2:@msrc h1:@mw >"$POOL/sync.out" 2>&1 &
sp=$!
wait_until 100 sh -c "[ \$(grep -c 'msrc: snapshot taken for a send; pausing' '$POOL/h2/slave.log') -gt $n ]" ||
	fail "the sync's send never paused: $(cat "$POOL/sync.out")"
id=$(corral move mw --to h2 --detach) || fail "move mw --detach: $id"
sleep 1
jq_of '.job.state == "queued"' corral job "$id" --json ||
	fail "job $id did not wait for the sync into mw: $(corral job "$id")"
wait "$sp" || fail "the sync into mw: $(cat "$POOL/sync.out")"
wait_until 1200 ended "$id" || fail "job $id did not end"
jq_of '.job.state == "done"' corral job "$id" --json || fail "job $id: $(corral job "$id")"
[ "$(where mw)" = "h2:stopped " ] || fail "mw is at '$(where mw)', not on h2 alone"
[ "$(cat "$S2/mw/synced" 2>&1)" = "from msrc" ] || fail "mw moved without what the sync wrote into it"
"$POOLSH" stop h2 >/dev/null
"$POOLSH" start h2 >/dev/null
wait_until 200 host_up h2 || fail "h2 not up after its restart"
ok "a move queued while a sync writes into its container waits for the sync, then moves what it wrote"

# ---- a move cut off from its destination at the copy: rolled back, its
# partial copy left on h2 (out of reach for the roll back's whole wait);
# that copy is not a copy: a remove of the source without --force is
# refused naming the job (it removed the only whole copy), and the way
# the job gave removes the partial one
"$POOLSH" create h1 mp --stopped >/dev/null
corral control mp --enable >/dev/null || fail "control mp --enable"
id=$(corral move mp --to h2 --detach) || fail "move mp --detach: $id"
wait_until 600 jq_of '.job.step == "copy"' corral job "$id" --json || fail "job $id never reached copy: $(corral job "$id")"
"$POOLSH" link h2 down
# the copy fails, then the roll back asks h2 for a minute (SETTLE_S)
wait_until 3000 ended "$id" || fail "job $id did not end: $(corral job "$id")"
"$POOLSH" link h2 up
err=$(corral job "$id" --json | jq -r .job.error)
echo "$err" | grep -q "rolled back: mp is on h1 as before, but its partial copy stays on h2" ||
	fail "job $id: $err"
wait_until 300 host_up h2 || fail "h2 not back"
[ "$(where mp)" = "h1:stopped h2:stopped " ] || fail "mp is at '$(where mp)'"
# a reboot of h2 would not start the partial copy: no autostart there
! grep -q '^lxc.start.auto *= *[^0]' "$L2/mp/config" ||
	fail "mp's partial copy on h2 may autostart: $(grep '^lxc.start' "$L2/mp/config")"
rc=0; out=$(corral remove mp --host h1 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] && echo "$out" | tail -n 1 | grep -q "failed during check: mp on h1: not removed: mp's copy on h2 may be partial (job $id, move, failed at copy)" ||
	fail "remove mp --host h1: exit $rc: $out"
[ -d "$S1/mp" ] || fail "the refused remove touched mp on h1"
way=$(echo "$err" | grep -o 'corral remove [^ ]* --host [^ ;]* --force')
$way >/dev/null 2>&1 || fail "'$way' failed: $($way 2>&1)"
[ "$(where mp)" = "h1:stopped " ] && [ ! -e "$S2/mp" ] || fail "mp is at '$(where mp)' after '$way'"
ok "a move cut off at its copy leaves a partial copy on h2, which does not count as mp kept elsewhere"
rm -rf "$SAVE"
