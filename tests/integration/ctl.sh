#!/usr/bin/env bash
# Container operations through the master's calls (master/ctl.c, driven by
# build/ctl-tool), on dir then btrfs storage: a clean STOP (the halt
# signal) and one that has to kill, START and a START that fails with
# LXC's log, a config read host-neutral on h1 and written on h2 under
# another name into a volume made for it and filled by a sync, the copy
# starting there; REMOVE refused while running, forced, with a snapshot
# held; slaves killed between REMOVE's steps, the removal finished by the
# next start (or by a REMOVE); CT_RENAME (restore --force's swap): its
# refusals, a rename, slaves killed between its steps and the next start
# finishing it (or dropping it, the container started meanwhile); bad
# names refused.
. "$(dirname "$0")/lib.bash"
CTL=$BUILD/ctl-tool
[ -x "$CTL" ] || fail "$CTL is missing (make tests)"

ctl() { "$CTL" "$@"; }
state_of() { lxc_truth | grep "^$1:$2:" | cut -d: -f3; }
slog() { cat "$POOL/$1/slave.log"; }

kill_slave() {  # kill -9 hK's slave and its workers, as a crash would
	local pid p
	pid=$(cat "$POOL/$1/slave.pid")
	for p in $(tree_pids "$pid"); do kill -KILL "$p" 2>/dev/null || true; done
	wait_until 50 sh -c "! kill -0 $pid 2>/dev/null" || fail "$1: the slave survived kill -9"
}
restart_slave() {  # hK [ENV=VAL]: a fresh slave, with ENV in its environment
	local h=$1; shift
	"$POOLSH" stop "$h" 2>/dev/null || true
	env "$@" "$POOLSH" start "$h"
}

# the ASan pass takes btrfs alone: the dir backend's code runs under ASan
# in storage.sh, and this test's two minutes a backend are make check's
# largest
storages="dir btrfs"
asan_build && storages=btrfs
for B in $storages; do
	pool_up 2 --storage "$B" >/dev/null
	L1=$("$POOLSH" lxcpath h1); L2=$("$POOLSH" lxcpath h2)
	S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
	"$POOLSH" create h1 w1 >/dev/null

	# STOP: busybox init halts on its lxc.signal.halt (SIGUSR1)
	out=$(ctl h1 stop w1) || fail "$B: stop: $out"
	echo "$out" | grep -q "^stopped	stopped cleanly in" || fail "$B: stop was not clean: $out"
	[ "$(state_of h1 w1)" = stopped ] || fail "$B: w1 still runs after STOP"
	out=$(ctl h1 stop w1) || fail "$B: second stop: $out"
	echo "$out" | grep -q "^stopped	not running" || fail "$B: second stop: $out"
	out=$(ctl h1 start w1) || fail "$B: start: $out"
	echo "$out" | grep -q "^running	running after" || fail "$B: start: $out"
	[ "$(state_of h1 w1)" = running ] || fail "$B: w1 does not run after START"
	ok "$B: STOP is clean (the halt signal), START brings it back"

	# a halt signal its init ignores: killed once the time is up
	# (stopped first with the signal it halts on: a stop with the ignored
	# one would wait out the default time limit)
	ctl h1 stop w1 >/dev/null || fail "$B: stop before SIGWINCH"
	sed -i 's/^lxc.signal.halt = SIGUSR1$/lxc.signal.halt = SIGWINCH/' "$L1/w1/config"
	ctl h1 start w1 >/dev/null || fail "$B: start with SIGWINCH"
	t0=$(date +%s)
	out=$(ctl h1 stop w1 -t 2) || fail "$B: stop -t 2: $out"
	echo "$out" | grep -q "^stopped	killed after 2 s" || fail "$B: not killed after 2 s: $out"
	[ $(( $(date +%s) - t0 )) -ge 2 ] || fail "$B: killed before its time"
	slog h1 | grep -q "w1: still running 2 s after its halt signal: killing it" ||
		fail "$B: the kill was not logged"
	sed -i 's/^lxc.signal.halt = SIGWINCH$/lxc.signal.halt = SIGUSR1/' "$L1/w1/config"
	ok "$B: STOP kills only after its time limit, and says so"

	# a start that fails: LXC's reason and its log's tail
	echo "lxc.hook.pre-start = /bin/false" >>"$L1/w1/config"
	out=$(ctl h1 start w1 2>&1) && fail "$B: a failing start succeeded: $out"
	echo "$out" | grep -q "START w1: did not start (state STOPPED" || fail "$B: start error: $out"
	echo "$out" | grep -q "$L1/w1/w1.log: .*hook" || fail "$B: no log tail: $out"
	sed -i '/^lxc.hook.pre-start = \/bin\/false$/d' "$L1/w1/config"
	rm -f "$L1/w1/w1.log"
	ctl h1 start w1 >/dev/null || fail "$B: start after the fix"
	ok "$B: a failed START names LXC's log and its last lines"

	# CONF: host-neutral; lines that are not the host's kept as they are
	cp "$L1/w1/config" "$POOL/w1.config.orig"
	{ echo "lxc.log.file = $L1/w1/console.log"; echo "# see $L1/w1/notes"
	  echo "lxc.mount.entry = /srv $L1/w1x none bind,optional 0 0"; } >>"$L1/w1/config"
	ctl h1 conf-get w1 >"$POOL/w1.neutral" 2>"$POOL/w1.meta" || fail "$B: conf-get: $(cat "$POOL/w1.meta")"
	grep -q "^running=1 rootfs_bytes=[1-9]" "$POOL/w1.meta" || fail "$B: conf-get meta: $(cat "$POOL/w1.meta")"
	grep -qx "lxc.rootfs.path = @ROOTFS@" "$POOL/w1.neutral" || fail "$B: no @ROOTFS@"
	grep -qx "lxc.log.file = @CTDIR@/console.log" "$POOL/w1.neutral" || fail "$B: no @CTDIR@"
	diff <(grep -v -e '^lxc.rootfs.path' -e '^lxc.log.file' "$L1/w1/config") \
	    <(grep -v -e '^lxc.rootfs.path' -e '^lxc.log.file' "$POOL/w1.neutral") >/dev/null ||
		fail "$B: lines changed that are not the host's: $(diff "$L1/w1/config" "$POOL/w1.neutral")"
	ok "$B: CONF reads the config host-neutral, every other line byte for byte"

	# put as another name on h2: a volume, its data, the config, a start
	out=$(ctl h2 conf-set copy -o w1 <"$POOL/w1.neutral" 2>&1) && fail "$B: CONF_SET without a volume"
	echo "$out" | grep -q "VOL_CREATE first" || fail "$B: unclear refusal: $out"
	out=$(ctl h2 vol-create copy) || fail "$B: vol-create: $out"
	echo "$out" | grep -q "^absent	volume .*$S2/copy made" || fail "$B: vol-create: $out"
	out=$(ctl h2 vol-create copy 2>&1) && fail "$B: a second vol-create"
	echo "$out" | grep -q "exists already" || fail "$B: unclear refusal: $out"
	corral sync h1:@w1 h2:@copy >/dev/null || fail "$B: sync into the new volume"
	out=$(echo "lxc.uts.name = x" | ctl h2 conf-set copy 2>&1) && fail "$B: a config without @ROOTFS@"
	echo "$out" | grep -q "no \"lxc.rootfs.path = @ROOTFS@\" line" || fail "$B: unclear refusal: $out"
	out=$(ctl h2 conf-set copy -o w1 <"$POOL/w1.neutral") || fail "$B: conf-set: $out"
	C2=$L2/copy/config
	grep -qx "lxc.rootfs.path = dir:$S2/copy" "$C2" || fail "$B: copy's rootfs: $(grep rootfs "$C2")"
	grep -qx "lxc.uts.name = copy" "$C2" || fail "$B: copy's uts.name: $(grep uts "$C2")"
	grep -qx "lxc.log.file = $L2/copy/console.log" "$C2" || fail "$B: copy's log.file"
	diff <(grep -v -e '^lxc.rootfs.path' -e '^lxc.uts.name' -e '^lxc.log.file' "$L1/w1/config") \
	    <(grep -v -e '^lxc.rootfs.path' -e '^lxc.uts.name' -e '^lxc.log.file' "$C2") >/dev/null ||
		fail "$B: the copy lost lines: $(diff "$L1/w1/config" "$C2")"
	! ls -A "$L2/copy" | grep -q corral-new || fail "$B: a temporary file was left"
	out=$(ctl h2 start copy) || fail "$B: the copy does not start: $out"
	[ "$(state_of h2 copy)" = running ] || fail "$B: lxc-ls does not see copy running on h2"
	[ "$("$POOLSH" exec h2 lxc-attach -P "$L2" -n copy -- hostname)" = copy ] ||
		fail "$B: the copy's host name is not copy"
	out=$(ctl h2 conf-set copy -o w1 <"$POOL/w1.neutral" 2>&1) && fail "$B: CONF_SET over a config"
	echo "$out" | grep -q "has a config already" || fail "$B: unclear refusal: $out"
	out=$(ctl h2 conf-set copy -o w1 -r <"$POOL/w1.neutral" 2>&1) && fail "$B: CONF_SET over a running one"
	echo "$out" | grep -q "is running" || fail "$B: unclear refusal: $out"
	ok "$B: VOL_CREATE, a sync, CONF_SET under a new name: the copy runs on h2"

	# REMOVE: refused while running, forced with a clean stop
	out=$(ctl h2 remove copy 2>&1) && fail "$B: REMOVE of a running container"
	echo "$out" | grep -q "it is running (force stops it first)" || fail "$B: unclear refusal: $out"
	[ "$(state_of h2 copy)" = running ] && [ -f "$C2" ] && [ -d "$S2/copy" ] ||
		fail "$B: a refused REMOVE changed something"
	out=$(ctl h2 remove copy -f) || fail "$B: remove -f: $out"
	echo "$out" | grep -q "^absent	removed, first stopped cleanly" || fail "$B: remove -f: $out"
	[ ! -e "$L2/copy" ] && [ ! -e "$S2/copy" ] || fail "$B: REMOVE left $(ls -A "$L2" "$S2")"
	[ -z "$(ls -A "$L2")" ] || fail "$B: REMOVE left $(ls -A "$L2")"
	[ -z "$(state_of h2 copy)" ] || fail "$B: lxc-ls still lists copy"
	out=$(ctl h2 remove copy) || fail "$B: remove of nothing: $out"
	echo "$out" | grep -q "^absent	no container copy" || fail "$B: remove of nothing: $out"
	ok "$B: REMOVE refused while running, forced: stopped cleanly, nothing left"

	# a snapshot held: dropped first
	"$POOLSH" create h1 w2 --stopped >/dev/null
	corral snapshot h1 w2 >/dev/null || fail "$B: snapshot w2"
	out=$(ctl h1 remove w2) || fail "$B: remove w2 with a snapshot: $out"
	[ -z "$(ls -A "$S1/.corral-snap")" ] || fail "$B: left in .corral-snap: $(ls -A "$S1/.corral-snap")"
	[ ! -e "$S1/w2" ] && [ ! -e "$L1/w2" ] || fail "$B: w2 not removed"
	ok "$B: REMOVE drops a snapshot first"

	# VOL_DESTROY: a volume without a config (a failed put's rollback)
	ctl h2 vol-create tmpv >/dev/null || fail "$B: vol-create tmpv"
	out=$(ctl h2 vol-destroy tmpv) || fail "$B: vol-destroy: $out"
	[ ! -e "$S2/tmpv" ] || fail "$B: vol-destroy left the volume"
	out=$(ctl h2 vol-destroy tmpv) || fail "$B: vol-destroy of nothing: $out"
	echo "$out" | grep -q "no volume" || fail "$B: $out"
	out=$(ctl h1 vol-destroy w1 2>&1) && fail "$B: vol-destroy of a container's volume"
	echo "$out" | grep -q "container w1 exists" || fail "$B: unclear refusal: $out"
	ok "$B: VOL_DESTROY a volume with no config, refused for a container's"

	# slaves killed between REMOVE's steps: the next start finishes it
	"$POOLSH" create h1 k1 --stopped >/dev/null
	"$POOLSH" create h1 k2 --stopped >/dev/null
	restart_slave h1 CORRAL_TEST_REMOVE_PAUSE=3
	ctl h1 remove k1 >/dev/null 2>&1 &
	wait_until 100 grep -q "k1: config renamed; pausing" "$POOL/h1/slave.log" || fail "$B: REMOVE k1 did not pause"
	kill_slave h1
	wait || true
	[ -f "$L1/k1/config.removing" ] && [ ! -e "$L1/k1/config" ] && [ -d "$S1/k1" ] ||
		fail "$B: after step 1: $(ls -A "$L1/k1" "$S1")"
	[ -z "$(state_of h1 k1)" ] || fail "$B: lxc-ls lists k1 once its config is renamed"
	restart_slave h1 CORRAL_TEST_REMOVE_PAUSE=3    # (finishes k1)
	ctl h1 remove k2 >/dev/null 2>&1 &
	wait_until 100 grep -q "k2: volume destroyed; pausing" "$POOL/h1/slave.log" || fail "$B: REMOVE k2 did not pause"
	kill_slave h1
	wait || true
	[ -f "$L1/k2/config.removing" ] && [ ! -e "$S1/k2" ] || fail "$B: after step 2: $(ls -A "$L1/k2" "$S1")"
	# and a config a killed CONF_SET left half-written
	mkdir "$L1/half"; echo "lxc.uts.name = half" >"$L1/half/config.corral-new"
	restart_slave h1
	[ ! -e "$L1/k1" ] && [ ! -e "$S1/k1" ] || fail "$B: k1's removal not finished at start"
	for c in k1 k2; do
		[ ! -e "$L1/$c" ] && [ ! -e "$S1/$c" ] || fail "$B: $c's removal not finished: $(ls -A "$L1" "$S1")"
		slog h1 | grep -q "$c: finished a removal a stopped slave left" || fail "$B: $c: not logged"
	done
	[ ! -e "$L1/half" ] || fail "$B: the half-written config is still there"
	! ls -A "$L1" | grep -q corral-removing || fail "$B: left $(ls -A "$L1")"
	ok "$B: a slave killed after each step of REMOVE: the next start finishes it"

	# a removal left by hand is finished by a REMOVE too
	"$POOLSH" create h1 k3 --stopped >/dev/null
	mv "$L1/k3/config" "$L1/k3/config.removing"
	out=$(ctl h1 remove k3) || fail "$B: REMOVE of a leftover: $out"
	echo "$out" | grep -q "an unfinished removal finished" || fail "$B: $out"
	[ ! -e "$L1/k3" ] && [ ! -e "$S1/k3" ] || fail "$B: k3 not removed"
	ok "$B: REMOVE finishes an unfinished removal"

	# a create of a name whose removal is unfinished (its volume gone
	# already) is refused: its config would sit beside the one being
	# removed, and the removal could never finish
	"$POOLSH" create h1 k4 --stopped >/dev/null
	mv "$L1/k4/config" "$L1/k4/config.removing"
	if [ "$B" = btrfs ]; then btrfs subvolume delete "$S1/k4" >/dev/null; else rm -rf "$S1/k4"; fi
	out=$(corral create h1 k4 2>&1) && fail "$B: create over an unfinished removal: $out"
	echo "$out" | grep -q "a removal of k4 is unfinished" || fail "$B: unclear refusal: $out"
	[ ! -e "$L1/k4/config" ] && [ ! -e "$S1/k4" ] || fail "$B: the refused create left $(ls -A "$L1/k4" "$S1")"
	ctl h1 remove k4 >/dev/null || fail "$B: REMOVE k4"
	[ ! -e "$L1/k4" ] || fail "$B: k4 not removed"
	ok "$B: a create over an unfinished removal is refused"

	# CT_RENAME: refusals change nothing; a rename takes the volume, the
	# LXC directory and the config along; a slave killed after each step
	# leaves what its next start finishes
	"$POOLSH" create h1 r0 >/dev/null
	for c in r1 r2 r3; do "$POOLSH" create h1 "$c" --stopped >/dev/null; done
	out=$(ctl h1 rename r0 -n r0b 2>&1) && fail "$B: a running container renamed"
	echo "$out" | grep -q "it is running" || fail "$B: $out"
	out=$(ctl h1 rename r1 -n r2 2>&1) && fail "$B: renamed over an existing one"
	echo "$out" | grep -q "exists already" || fail "$B: $out"
	out=$(ctl h1 rename r1 -n r1 2>&1) && fail "$B: renamed to itself"
	echo "$out" | grep -q "the same name" || fail "$B: $out"
	out=$(ctl h1 rename r1 -n .x 2>&1) && fail "$B: renamed to a bad name"
	echo "$out" | grep -q "not a valid container name" || fail "$B: $out"
	out=$(ctl h1 rename nosuch -n r9 2>&1) && fail "$B: renamed nothing"
	echo "$out" | grep -q "no container nosuch" || fail "$B: $out"
	out=$(ctl h1 rename r1 -n r1.corral-new 2>&1) && fail "$B: renamed to a temp file's name"
	echo "$out" | grep -q "a name ending in .corral-new" || fail "$B: $out"
	[ -f "$L1/r1/config" ] && [ -d "$S1/r1" ] && [ "$(state_of h1 r0)" = running ] ||
		fail "$B: a refused rename changed something"
	out=$(ctl h1 rename r1 -n r1b) || fail "$B: rename: $out"
	echo "$out" | grep -q "^stopped	renamed r1b" || fail "$B: rename said: $out"
	[ ! -e "$L1/r1" ] && [ ! -e "$S1/r1" ] && [ -d "$S1/r1b" ] || fail "$B: after the rename: $(ls -A "$L1" "$S1")"
	grep -qx "lxc.rootfs.path = dir:$S1/r1b" "$L1/r1b/config" && grep -qx "lxc.uts.name = r1b" "$L1/r1b/config" ||
		fail "$B: r1b's config: $(cat "$L1/r1b/config")"
	ctl h1 start r1b >/dev/null && [ "$(state_of h1 r1b)" = running ] || fail "$B: r1b does not start"
	ok "$B: CT_RENAME refused while running, over a name, to itself or a bad name; a rename moves all of it"
	killed_renaming() {   # CT STEP: RENAME CT to CTb, the slave killed after STEP
		ctl h1 rename "$1" -n "${1}b" >/dev/null 2>&1 &
		wait_until 100 grep -q "$1: $2; pausing" "$POOL/h1/slave.log" || fail "$B: RENAME $1 did not pause"
		kill_slave h1
		wait || true
	}
	restart_slave h1 CORRAL_TEST_RENAME_PAUSE=3
	killed_renaming r2 "intent written"
	[ -f "$L1/r2/config.rename-r2b" ] && [ -d "$S1/r2" ] && [ ! -e "$L1/r2b" ] ||
		fail "$B: after step 1: $(ls -A "$L1/r2" "$S1")"
	restart_slave h1 CORRAL_TEST_RENAME_PAUSE=3    # (finishes r2)
	killed_renaming r3 "volume renamed"
	[ -f "$L1/r3/config.rename-r3b" ] && [ -d "$S1/r3b" ] && [ ! -e "$S1/r3" ] ||
		fail "$B: after step 2: $(ls -A "$L1/r3" "$S1")"
	# and one killed while it wrote the intent (step 1's temp file)
	printf 'lxc.uts.name = r0' >"$L1/r0/config.rename-r0b.corral-new"
	restart_slave h1
	[ ! -e "$L1/r0/config.rename-r0b.corral-new" ] && [ -f "$L1/r0/config" ] &&
	    [ "$(state_of h1 r0)" = running ] || fail "$B: r0 after the start: $(ls -A "$L1/r0")"
	slog h1 | grep -q "r0: removed a half-written intent to rename it to r0b" || fail "$B: r0: not logged"
	for c in r2 r3; do
		[ ! -e "$L1/$c" ] && [ ! -e "$S1/$c" ] && [ -f "$L1/${c}b/config" ] && [ -d "$S1/${c}b" ] &&
		    ! ls "$L1/${c}b" | grep -q rename || fail "$B: $c's rename not finished: $(ls -A "$L1" "$S1")"
		grep -qx "lxc.rootfs.path = dir:$S1/${c}b" "$L1/${c}b/config" || fail "$B: ${c}b's config"
		slog h1 | grep -q "$c: finished a rename to ${c}b a stopped slave left" || fail "$B: $c: not logged"
	done
	ok "$B: a slave killed after each step of CT_RENAME: the next start finishes it, or drops a half-written intent"

	# started after step 1 while the slave was down (LXC's autostart at
	# boot): the next start drops the rename, r4 stays r4 and runs (it
	# renamed the volume of a running container)
	"$POOLSH" create h1 r4 --stopped >/dev/null
	restart_slave h1 CORRAL_TEST_RENAME_PAUSE=3
	killed_renaming r4 "intent written"
	"$POOLSH" exec h1 lxc-start -P "$L1" -n r4 || fail "$B: r4 does not start by hand"
	restart_slave h1
	[ "$(state_of h1 r4)" = running ] && [ -d "$S1/r4" ] && [ ! -e "$S1/r4b" ] &&
	    [ ! -e "$L1/r4b" ] && ! ls "$L1/r4" | grep -q rename ||
		fail "$B: r4 after the start: $(state_of h1 r4), $(ls -A "$L1/r4" "$S1")"
	slog h1 | grep -q "r4: runs: its rename to r4b is dropped" || fail "$B: r4: not logged"
	"$POOLSH" exec h1 lxc-stop -P "$L1" -n r4 -k
	ok "$B: a container started while its rename was half done: the rename is dropped, it runs as it was"

	# bad names, and a rootfs that is not this slave's to destroy
	# (64 bytes: the master refuses it before the slave sees it)
	for n in '../x' 'a b' '.hidden' '-x' "$(printf 'x%.0s' $(seq 64))"; do
		out=$(ctl h1 stop "$n" 2>&1) && fail "$B: stop '$n' accepted"
		echo "$out" | grep -Eq "not a valid container name|name too long" || fail "$B: '$n': $out"
		out=$(ctl h1 conf-get "$n" 2>&1) && fail "$B: conf-get '$n' accepted"
		echo "$out" | grep -Eq "not a valid container name|name too long" || fail "$B: '$n': $out"
	done
	out=$(ctl h2 conf-set ok -o '../w1' <"$POOL/w1.neutral" 2>&1) && fail "$B: a bad old name accepted"
	echo "$out" | grep -q "old name is not a valid" || fail "$B: $out"
	out=$(ctl h1 start nosuch 2>&1) && fail "$B: start of nothing"
	echo "$out" | grep -q "no container nosuch" || fail "$B: $out"
	"$POOLSH" create h1 w3 --stopped >/dev/null
	mkdir -p "$POOL/elsewhere"
	sed -i "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$POOL/elsewhere|" "$L1/w3/config"
	out=$(ctl h1 remove w3 2>&1) && fail "$B: REMOVE of a rootfs elsewhere"
	echo "$out" | grep -q "not removed" || fail "$B: $out"
	[ -f "$L1/w3/config" ] || fail "$B: a refused REMOVE touched w3's config"
	ok "$B: bad names and a rootfs elsewhere refused"

	"$POOLSH" down
	trap - EXIT
done
