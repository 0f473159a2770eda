#!/usr/bin/env bash
# Storage backends on the pool, btrfs then dir: `corral create` puts the
# container's rootfs on the slave's backend; a snapshot of a running
# container while a process writes is one point in time (btrfs: read-only
# subvolume; dir: the container frozen); `corral sync H:@C` copies it
# exactly; dropping leaves no subvolume, mount or stopped process behind;
# a subvolume nested in a container's volume (btrfs, or dir on btrfs) is
# refused by a copy or move, never copied empty, and by a remove or a
# volume's destroy, named, before anything goes (a dir remove emptied the
# volume around it, its config gone; a running container, which a forced
# remove stopped first, runs again), as a file system mounted in a
# container's volume is; a file system mounted in a container's volume fails a
# copy or move of the container naming it (a move rolled back before its
# switch), never copied empty, while a path sync copies the mount point
# empty (rsync -x); a slave restart drops a crashed job's leftovers, and
# thaws a container a slave killed in the middle of freezing it left
# frozen; hot_dir = refuse.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh

# The writer keeps the 10 newest of /seq/1, /seq/2, ... (11 between its
# write and its rm): a point-in-time copy holds one run of 10 or 11
# consecutive numbers, with no gap.
writer() {
	"$POOLSH" exec h1 lxc-attach -P "$("$POOLSH" lxcpath h1)" -n w1 -- sh -c \
		'mkdir -p /seq; i=0; while :; do i=$((i+1)); echo $i >/seq/$i; rm -f /seq/$((i-10)); done' \
		</dev/null >/dev/null 2>&1 &
	wait_until 50 past 20 || fail "the writer did not start"
}
past() { [ "$(newest "$S1/w1/seq" 2>/dev/null || echo 0)" -gt "$1" ]; }
window_ok() {  # window_ok DIR: 10 consecutive numbers, 11 between write and rm
	local first last n
	n=$(ls "$1" | wc -l)
	first=$(ls "$1" | sort -n | head -n1); last=$(ls "$1" | sort -n | tail -n1)
	{ [ "$n" -eq 10 ] || [ "$n" -eq 11 ]; } && [ $((last - first + 1)) -eq "$n" ]
}
newest() { ls "$1" | sort -n | tail -n1 | grep .; }
# in_slave HOST CMD...: CMD in the mount namespace HOST's slave runs in
# (pool.sh exec makes a new one each time: a mount there goes with CMD)
in_slave() { local h=$1; shift; nsenter -t "$(cat "$POOL/$h/slave.pid")" -m "$@"; }
no_leftovers() {
	[ -z "$(ls -A "$S1/.corral-snap")" ] || fail "$B: left in .corral-snap: $(ls -A "$S1/.corral-snap")"
	! grep -q "$S1/.corral-snap" /proc/self/mountinfo || fail "$B: a snapshot is still mounted"
	! ps -eo stat=,args= | grep -v grep | grep -q '^T.*seq' || fail "$B: the writer is still stopped"
}

CTL=$BUILD/ctl-tool
for B in btrfs dir btrfs-dir; do
	pool_up 2 --storage "$B" >/dev/null
	S1=$("$POOLSH" storage h1)
	S2=$("$POOLSH" storage h2)
	# pool.sh made the storage root with mode 0755: the slave made it 0700
	for d in "$S1" "$S1/.corral-snap"; do
		[ "$(stat -c %a "$d")" = 700 ] || fail "$B: $d has mode $(stat -c %a "$d"), not 700"
	done
	grep -q "$S1 had mode 0755: set to 0700" "$POOL/h1/slave.log" ||
		fail "$B: the slave did not log the loose storage root"
	ok "$B: an existing storage root with loose permissions is set to 0700"

	if [ "$B" = btrfs-dir ]; then
		# the dir backend on btrfs: a subvolume a container made in its
		# rootfs (systemd's /var/lib/machines) is another st_dev to rm
		# --one-file-system, which skipped it and failed, the config
		# gone, the rest of the volume emptied: refused before, naming
		# it, and so is a copy of it (read live, frozen or stopped)
		L1=$("$POOLSH" lxcpath h1)
		"$POOLSH" create h1 nd1 --stopped >/dev/null
		"$POOLSH" create h1 nd2 >/dev/null
		for c in nd1 nd2; do
			mkdir -p "$S1/$c/var/lib"
			btrfs subvolume create "$S1/$c/var/lib/machines" >/dev/null
			echo keep >"$S1/$c/var/lib/machines/f"
		done
		btrfs subvolume create "$S1/nd2/var/lib/machines/inner" >/dev/null
		whole() {  # whole C STATE: C's config, volume and subvolume as they were
			[ -f "$L1/$1/config" ] && [ ! -e "$L1/$1/config.removing" ] && [ -d "$S1/$1/bin" ] &&
				[ "$(cat "$S1/$1/var/lib/machines/f")" = keep ] && [ "$(where "$1")" = "h1:$2 " ]
		}
		sub="its volume $S1/nd1 has a btrfs subvolume at $S1/nd1/var/lib/machines"
		out=$(corral remove nd1 --host h1 --force 2>&1) && fail "btrfs-dir: removed with a subvolume inside: $out"
		echo "$out" | tail -n 1 | grep -qF "$sub: not removed (btrfs subvolume delete first)" ||
			fail "btrfs-dir: a remove of nd1 said: $out"
		whole nd1 stopped || fail "btrfs-dir: the refused remove touched nd1: $(where nd1), $(ls -A "$L1/nd1" "$S1/nd1")"
		out=$(corral sync h1:@nd1 h2:ndcopy 2>&1) && fail "btrfs-dir: a subvolume copied: $out"
		echo "$out" | grep -qF "nd1: $sub, which no snapshot of the volume holds: not copied" ||
			fail "btrfs-dir: a sync of @nd1 said: $out"
		sub="its volume $S1/nd2 has a btrfs subvolume at $S1/nd2/var/lib/machines"
		out=$(corral sync h1:@nd2 h2:ndcopy 2>&1) && fail "btrfs-dir: a subvolume of a running container copied: $out"
		echo "$out" | grep -qF "nd2: $sub, which no snapshot" || fail "btrfs-dir: a sync of @nd2 said: $out"
		out=$(corral move nd2 --to h2 2>&1) && fail "btrfs-dir: a move with a subvolume inside: $out"
		echo "$out" | grep -qF "nd2: $sub, which no snapshot" || fail "btrfs-dir: a move of nd2 said: $out"
		whole nd2 running && [ -z "$(ls -A "$S2" | grep -v '^\.corral-snap$')" ] &&
			[ ! -e "$("$POOLSH" lxcpath h2)/nd2" ] || fail "btrfs-dir: nd2 after the refused move: $(where nd2), $(ls -A "$S2")"
		no_leftovers
		# running: the job stops it first; the slave refuses, and the
		# job starts nd2 again (it ended stopped): whole, running
		out=$(corral remove nd2 --host h1 --force 2>&1) && fail "btrfs-dir: removed running with a subvolume inside: $out"
		echo "$out" | tail -n 1 | grep -qF "$sub: not removed (btrfs subvolume delete first); nothing removed, running again" ||
			fail "btrfs-dir: a remove of nd2 said: $out"
		whole nd2 running || fail "btrfs-dir: the refused remove of a running nd2 left it: $(where nd2), $(ls -A "$L1/nd2" "$S1/nd2")"
		[ "$(stat -c %i "$S1/nd2/var/lib/machines/inner")" = 256 ] || fail "btrfs-dir: nd2's inner subvolume is gone after the refused remove"
		# the master killed -9 at the remove step (held there by the pause
		# hook): its recovery asks the REMOVE again, refused again, and
		# starts nd2 again, which the job had stopped (it stayed stopped)
		master_again CORRAL_TEST_JOB_PAUSE=remove:30 -- h1 h2
		rid=$(corral remove nd2 --host h1 --force --detach) || fail "btrfs-dir: remove nd2 --detach: $rid"
		wait_until 300 jq_of '.job.step == "remove"' corral job "$rid" --json ||
			fail "btrfs-dir: job $rid never at remove: $(corral job "$rid")"
		kill_master
		master_again -- h1 h2
		wait_until 900 ended "$rid" || fail "btrfs-dir: job $rid did not end after the restart: $(corral job "$rid")"
		jq_of '.job.state == "failed" and (.job.error | test("nothing removed, running again$"))' corral job "$rid" --json ||
			fail "btrfs-dir: job $rid after the restart: $(corral job "$rid")"
		whole nd2 running || fail "btrfs-dir: the recovered remove left nd2: $(where nd2)"
		no_leftovers
		ok "btrfs-dir: a subvolume nested in a container's volume: a remove (stopped, running with --force) is refused naming it, the container whole (a running one running again); a copy (cold, frozen) and a move fail naming it, nothing on h2"
		# VOL_DESTROY (a job's roll back of a volume it made) likewise
		"$CTL" h1 vol-create vd1 >/dev/null
		echo keep >"$S1/vd1/f"
		mkdir "$S1/vd1/a"
		btrfs subvolume create "$S1/vd1/a/sub" >/dev/null
		echo keep >"$S1/vd1/a/sub/g"
		out=$("$CTL" h1 vol-destroy vd1 2>&1) && fail "btrfs-dir: a volume destroyed with a subvolume inside: $out"
		echo "$out" | grep -qF "its volume $S1/vd1 has a btrfs subvolume at $S1/vd1/a/sub: not removed (btrfs subvolume delete first)" ||
			fail "btrfs-dir: VOL_DESTROY vd1 said: $out"
		[ "$(cat "$S1/vd1/f")" = keep ] && [ "$(cat "$S1/vd1/a/sub/g")" = keep ] ||
			fail "btrfs-dir: the refused VOL_DESTROY emptied vd1: $(ls -A "$S1/vd1")"
		corral control nd2 --stop >/dev/null || fail "btrfs-dir: control nd2 --stop"
		btrfs subvolume delete "$S1/vd1/a/sub" "$S1/nd2/var/lib/machines/inner" "$S1/nd2/var/lib/machines" \
			"$S1/nd1/var/lib/machines" >/dev/null
		"$CTL" h1 vol-destroy vd1 >/dev/null || fail "btrfs-dir: VOL_DESTROY vd1 once its subvolume is gone"
		corral move nd2 --to h2 >/dev/null || fail "btrfs-dir: move nd2 once its subvolume is gone"
		corral remove nd1 --host h1 --force >/dev/null 2>&1 || fail "btrfs-dir: remove nd1 once its subvolume is gone"
		[ "$(where nd2)" = "h2:stopped " ] && [ -z "$(where nd1)" ] && [ ! -e "$S1/nd1" ] && [ ! -e "$S1/vd1" ] &&
			[ -z "$(btrfs subvolume list "$S1")" ] || fail "btrfs-dir: after the subvolumes' delete: $(where nd1) $(where nd2), $(ls -A "$S1")"
		ok "btrfs-dir: VOL_DESTROY refused naming a subvolume in the volume, nothing emptied; all done once the subvolumes are gone"
		"$POOLSH" down
		trap - EXIT
		continue
	fi

	# created on the backend, seen by LXC and by the inventory
	"$POOLSH" create h1 w1 >/dev/null
	grep -q "^lxc.rootfs.path = dir:$S1/w1\$" "$("$POOLSH" lxcpath h1)/w1/config" ||
		fail "$B: w1's rootfs is not on the storage"
	if [ "$B" = btrfs ]; then
		[ "$(stat -c %i "$S1/w1")" = 256 ] || fail "btrfs: $S1/w1 is not a subvolume"
	fi
	lxc_truth | grep -qx "h1:w1:running" || fail "$B: lxc-ls does not see w1 running"
	corral scan --name w1 --json | jq -e '.[0].host == "h1" and .[0].backend == "dir" or .[0].backend == "btrfs"' >/dev/null ||
		fail "$B: scan: $(corral scan --name w1 --json)"
	ok "$B: corral create puts the rootfs on the backend"

	writer
	js=$(corral snapshot h1 w1 --json)
	if [ "$B" = btrfs ]; then
		echo "$js" | jq -e '.state == "snapshot" and .valid and .path == ".corral-snap/w1"' >/dev/null ||
			fail "btrfs: snapshot: $js"
		SRC=$S1/.corral-snap/w1
		[ "$(stat -c %i "$SRC")" = 256 ] || fail "btrfs: the snapshot is not a subvolume"
		! touch "$SRC/x" 2>/dev/null || fail "btrfs: the snapshot is writable"
	else
		echo "$js" | jq -e '.state == "frozen" and .path == "w1"' >/dev/null || fail "dir: snapshot: $js"
		SRC=$S1/w1
	fi
	window_ok "$SRC/seq" || fail "$B: not one point in time: $(ls "$SRC/seq" | sort -n | tr '\n' ' ')"
	a=$(newest "$SRC/seq"); sleep 0.5; b=$(newest "$SRC/seq")
	[ "$a" = "$b" ] || fail "$B: the snapshot changed while held ($a -> $b)"
	if [ "$B" = btrfs ]; then
		[ "$(newest "$S1/w1/seq")" -gt "$a" ] || fail "btrfs: the container stopped writing"
	fi
	ok "$B: snapshot of a running writer is one point in time"

	corral snapshot h1 w1 >/dev/null 2>&1 && fail "$B: a second snapshot was taken"
	corral snapshot h1 w1 --status --json | jq -e '.state != "none"' >/dev/null || fail "$B: status"
	corral sync h1:@w1 h2:copy >/dev/null || fail "$B: sync from the snapshot failed"
	bash "$SAME" "$SRC" "$S2/copy" || fail "$B: the copy differs from the snapshot"
	corral snapshot h1 w1 --status --json | jq -e '.state != "none"' >/dev/null ||
		fail "$B: sync dropped the snapshot the admin took"
	corral snapshot h1 w1 --drop --json | jq -e '.dropped != "none"' >/dev/null || fail "$B: drop"
	no_leftovers
	c=$(newest "$S1/w1/seq"); wait_until 50 past $((c + 50)) ||
		fail "$B: the writer does not go on after the drop"
	corral snapshot h1 w1 --drop --json | jq -e '.dropped == "none"' >/dev/null || fail "$B: second drop"
	ok "$B: sync H:@C copies the held snapshot exactly; drop leaves nothing behind"

	# without a snapshot, sync takes one of its own and drops it
	js=$(corral sync h1:@w1 h2:copy2 --json) || fail "$B: sync h1:@w1"
	window_ok "$S2/copy2/seq" || fail "$B: sync @w1 is not one point in time"
	no_leftovers
	ok "$B: sync H:@C through a snapshot of its own"

	# refused: a path into the snapshots, a container that is not there
	corral sync h2:copy h1:.corral-snap/x 2>/dev/null && fail "$B: wrote into .corral-snap"
	out=$(corral sync h2:copy h1:w1/tmp/x 2>&1) && fail "$B: wrote into a running container"
	echo "$out" | grep -q "w1 is running" || fail "$B: unclear refusal: $out"
	out=$(corral sync h2:copy h1:@w1 2>&1) && fail "$B: wrote into @w1 while it runs"
	echo "$out" | grep -q "w1 is running" || fail "$B: unclear refusal: $out"
	corral sync h2:copy h1:@w1/sub 2>/dev/null && fail "$B: @w1/sub accepted"
	out=$(corral snapshot h1 nosuch 2>&1) && fail "$B: snapshot of nothing"
	echo "$out" | grep -q "nosuch" || fail "$B: unclear error: $out"
	out=$(corral create h1 'bad/name' 2>&1) && fail "$B: a bad name was accepted"
	echo "$out" | grep -q "not a valid container name" || fail "$B: unclear error: $out"
	ok "$B: bad requests refused with clear errors"

	# a crashed job's snapshot is dropped when the slave starts again
	corral snapshot h1 w1 >/dev/null
	chmod 0755 "$S1/.corral-snap"
	"$POOLSH" stop h1
	"$POOLSH" start h1
	no_leftovers
	[ "$(stat -c %a "$S1/.corral-snap")" = 700 ] || fail "$B: .corral-snap left loose at slave start"
	grep -q "leftover" "$("$POOLSH" storage h1)/../slave.log" ||
		fail "$B: the slave did not log the leftover"
	ok "$B: leftover snapshot dropped at slave start"

	if [ "$B" = btrfs ]; then
		# a btrfs subvolume nested in a container's volume is in no
		# snapshot of it (an empty directory there): a copy of the
		# container fails naming it, and a move leaves it where it
		# is (it moved it empty, then removed the source)
		"$POOLSH" create h1 ns1 --stopped >/dev/null
		btrfs subvolume create "$S1/ns1/machines" >/dev/null
		echo keep >"$S1/ns1/machines/f"
		sub="its volume $S1/ns1 has a btrfs subvolume at $S1/ns1/machines"
		out=$(corral sync h1:@ns1 h2:nscopy 2>&1) && fail "btrfs: a nested subvolume copied: $out"
		echo "$out" | grep -qF "ns1: $sub, which no snapshot of the volume holds: not copied" || fail "btrfs: unclear error: $out"
		out=$(corral move ns1 --to h2 2>&1) && fail "btrfs: a move with a nested subvolume: $out"
		echo "$out" | grep -qF "ns1: $sub, which no snapshot" || fail "btrfs: unclear error: $out"
		[ "$(cat "$S1/ns1/machines/f")" = keep ] && [ "$(where ns1)" = "h1:stopped " ] ||
			fail "btrfs: ns1 after the refused move: $(where ns1)"
		# nor is it removed half: refused before anything goes (its
		# destroy failed after the config was gone, at every try)
		L1=$("$POOLSH" lxcpath h1)
		out=$(corral remove ns1 --host h1 --force 2>&1) && fail "btrfs: removed with a nested subvolume: $out"
		echo "$out" | tail -n 1 | grep -qF "$sub: not removed (btrfs subvolume delete first)" ||
			fail "btrfs: unclear refusal: $out"
		[ -f "$L1/ns1/config" ] && [ "$(cat "$S1/ns1/machines/f")" = keep ] || fail "btrfs: the refused remove touched ns1"
		btrfs subvolume delete "$S1/ns1/machines" >/dev/null
		corral remove ns1 --host h1 --force >/dev/null 2>&1 || fail "btrfs: remove ns1 once its subvolume is gone"
		[ ! -e "$L1/ns1" ] && [ ! -e "$S1/ns1" ] || fail "btrfs: ns1 not removed"
		ok "btrfs: a subvolume nested in a container: a copy fails naming it, a move leaves the container whole on h1, a remove is refused before anything goes"

		# a file system mounted in a container's volume (where the
		# slave runs, which LXC binds into the container with it) is
		# in no snapshot of the volume, an empty directory there: a
		# copy or a move fails naming it (a sync copied it empty; a
		# move too, then deleted the source, the mount detached)
		MNTB=$S1/mb1/srv
		trap 'rc=$?; set +e; in_slave h1 umount "$MNTB" 2>/dev/null; (exit $rc); pool_cleanup' EXIT
		"$POOLSH" create h1 mb1 --stopped >/dev/null
		mkdir "$MNTB"
		in_slave h1 mount -t tmpfs corral-test "$MNTB"
		in_slave h1 sh -c 'echo keep >"$1/g"' - "$MNTB"
		want="mb1: its volume $S1/mb1 has a file system mounted at $MNTB, whose content is not the volume's: not copied; unmount it first"
		out=$(corral sync h1:@mb1 h2:mbcopy 2>&1) && fail "btrfs: a mount in a container copied: $out"
		echo "$out" | grep -qF "$want" || fail "btrfs: a sync of mb1 said: $out"
		out=$(corral move mb1 --to h2 2>&1) && fail "btrfs: a move with a mount inside: $out"
		echo "$out" | grep -qF "$want" || fail "btrfs: a move of mb1 said: $out"
		[ "$(where mb1)" = "h1:stopped " ] && [ ! -e "$S2/mb1" ] && [ "$(in_slave h1 cat "$MNTB/g")" = keep ] ||
			fail "btrfs: mb1 after the refused move: $(where mb1), $(ls -A "$S2")"
		# a remove too (the subvolume's delete detached the mount)
		out=$(corral remove mb1 --host h1 --force 2>&1) && fail "btrfs: removed with a mount inside: $out"
		echo "$out" | tail -n 1 | grep -qF "mb1: its volume $S1/mb1 has a file system mounted at $MNTB: not removed (unmount first)" ||
			fail "btrfs: a remove of mb1 said: $out"
		[ "$(where mb1)" = "h1:stopped " ] && [ "$(in_slave h1 cat "$MNTB/g")" = keep ] ||
			fail "btrfs: mb1 after the refused remove: $(where mb1)"
		in_slave h1 umount "$MNTB"
		corral move mb1 --to h2 >/dev/null || fail "btrfs: move mb1 once unmounted"
		[ "$(where mb1)" = "h2:stopped " ] || fail "btrfs: mb1 is at $(where mb1) after its move"
		trap pool_cleanup EXIT
		ok "btrfs: a file system mounted in a container's volume: a copy, a move and a remove fail naming it, mb1 whole on h1; moved once unmounted"
	fi
	if [ "$B" = dir ]; then
		# a file system mounted inside a stopped container's volume
		# (an admin's tmpfs or bind mount, where the slave runs): a
		# remove is refused before anything goes (its destroy failed
		# on the mount after the config was gone, at every try)
		L1=$("$POOLSH" lxcpath h1)
		MNT="$S1/md1/mnt point"    # mountinfo escapes the space: \040
		MNT2=$L1/md2/rootfs/data
		MNT3=$S1/mc1/srv/data
		MNT4=$S1/vd1/srv
		trap 'rc=$?; set +e; in_slave h1 umount "$MNT" "$MNT2" "$MNT3" "$MNT4" 2>/dev/null; (exit $rc); pool_cleanup' EXIT
		"$POOLSH" create h1 md1 --stopped >/dev/null
		echo keep >"$S1/md1/f"
		mkdir "$MNT"
		in_slave h1 mount -t tmpfs corral-test "$MNT"
		in_slave h1 sh -c 'echo keep >"$1/g"' - "$MNT"
		out=$(corral remove md1 --host h1 --force 2>&1) && fail "dir: removed with a mount inside: $out"
		echo "$out" | tail -n 1 | grep -qF "md1: its volume $S1/md1 has a file system mounted at $MNT: not removed (unmount first)" ||
			fail "dir: unclear refusal: $out"
		[ -f "$L1/md1/config" ] && [ ! -e "$L1/md1/config.removing" ] && [ "$(where md1)" = "h1:stopped " ] &&
			[ "$(cat "$S1/md1/f")" = keep ] && [ "$(in_slave h1 cat "$MNT/g")" = keep ] ||
			fail "dir: the refused remove touched md1: $(where md1), $(ls -A "$L1/md1" "$S1/md1")"
		in_slave h1 umount "$MNT"
		corral remove md1 --host h1 --force >/dev/null 2>&1 || fail "dir: remove md1 once unmounted"
		[ ! -e "$L1/md1" ] && [ ! -e "$S1/md1" ] && [ -z "$(where md1)" ] || fail "dir: md1 not removed"
		ok "dir: a file system mounted in a container's volume: a remove is refused before anything goes, done once it is unmounted"
		# the same in a rootfs inside the container's directory (LXC's
		# own default): the removal's last step, that directory's rm,
		# failed on the mount (the config renamed, the rootfs emptied)
		"$POOLSH" create h1 md2 --stopped >/dev/null
		rmdir "$L1/md2/rootfs"
		mv "$S1/md2" "$L1/md2/rootfs"
		sed -i "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$L1/md2/rootfs|" "$L1/md2/config"
		mkdir "$MNT2"
		in_slave h1 mount -t tmpfs corral-test "$MNT2"
		out=$(corral remove md2 --host h1 --force 2>&1) && fail "dir: removed with a mount in its directory: $out"
		echo "$out" | tail -n 1 | grep -qF "md2: its directory $L1/md2 has a file system mounted at $MNT2: not removed (unmount first)" ||
			fail "dir: unclear refusal: $out"
		[ -f "$L1/md2/config" ] && [ ! -e "$L1/md2/config.removing" ] && [ "$(where md2)" = "h1:stopped " ] &&
			[ -d "$L1/md2/rootfs/bin" ] || fail "dir: the refused remove touched md2: $(where md2), $(ls -A "$L1/md2")"
		in_slave h1 umount "$MNT2"
		corral remove md2 --host h1 --force >/dev/null 2>&1 || fail "dir: remove md2 once unmounted"
		[ ! -e "$L1/md2" ] && [ -z "$(where md2)" ] || fail "dir: md2 not removed"
		ok "dir: a file system mounted in a rootfs inside the container's directory: a remove is refused before anything goes, done once it is unmounted"
		# VOL_DESTROY (a job's roll back of a volume it made): its rm
		# emptied the volume around a mount, then failed on it
		"$CTL" h1 vol-create vd1 >/dev/null
		echo keep >"$S1/vd1/f"
		mkdir "$MNT4"
		in_slave h1 mount -t tmpfs corral-test "$MNT4"
		in_slave h1 sh -c 'echo keep >"$1/g"' - "$MNT4"
		out=$("$CTL" h1 vol-destroy vd1 2>&1) && fail "dir: a volume destroyed with a mount inside: $out"
		echo "$out" | grep -qF "its volume $S1/vd1 has a file system mounted at $MNT4: not removed (unmount first)" ||
			fail "dir: VOL_DESTROY vd1 said: $out"
		[ "$(cat "$S1/vd1/f")" = keep ] && [ "$(in_slave h1 cat "$MNT4/g")" = keep ] ||
			fail "dir: the refused VOL_DESTROY emptied vd1: $(ls -A "$S1/vd1")"
		in_slave h1 umount "$MNT4"
		"$CTL" h1 vol-destroy vd1 >/dev/null && [ ! -e "$S1/vd1" ] || fail "dir: VOL_DESTROY vd1 once unmounted"
		ok "dir: VOL_DESTROY refused naming a file system mounted in the volume, nothing emptied; done once it is unmounted"

		# a file system mounted in a running container's volume: a move
		# fails before its switch naming it, mc1 running on h1 alone
		# (it moved it with the mount point empty, ran it on h2, and
		# failed at remove-source), and so does a sync of @mc1; a path
		# sync copies the mount point empty (rsync -x)
		"$POOLSH" create h1 mc1 >/dev/null
		mkdir -p "$MNT3"
		echo keep >"$S1/mc1/srv/f"
		in_slave h1 mount -t tmpfs corral-test "$MNT3"
		in_slave h1 sh -c 'echo keep >"$1/g"' - "$MNT3"
		want="mc1: its volume $S1/mc1 has a file system mounted at $MNT3, whose content is not the volume's: not copied; unmount it first"
		out=$(corral move mc1 --to h2 2>&1) && fail "dir: a move with a mount inside: $out"
		echo "$out" | grep -qF "$want" || fail "dir: a move of mc1 said: $out"
		[ "$(where mc1)" = "h1:running " ] && [ ! -e "$S2/mc1" ] && [ ! -e "$("$POOLSH" lxcpath h2)/mc1" ] &&
			[ "$(in_slave h1 cat "$MNT3/g")" = keep ] || fail "dir: mc1 after the refused move: $(where mc1), $(ls -A "$S2")"
		out=$(corral sync h1:@mc1 h2:mccopy 2>&1) && fail "dir: a mount in a container copied: $out"
		echo "$out" | grep -qF "$want" || fail "dir: a sync of @mc1 said: $out"
		corral sync h1:mc1 h2:mcpath >/dev/null || fail "dir: the path sync h1:mc1"
		[ -d "$S2/mcpath/srv/data" ] && [ -z "$(ls -A "$S2/mcpath/srv/data")" ] &&
			[ "$(cat "$S2/mcpath/srv/f")" = keep ] && [ -d "$S2/mcpath/etc" ] ||
			fail "dir: the path sync of mc1: $(ls -A "$S2/mcpath/srv" "$S2/mcpath/srv/data")"
		ok "dir: a file system mounted in a running container: a move fails before its switch naming it (mc1 runs on h1 alone), a sync of @mc1 too; a path sync copies the mount point empty"
		in_slave h1 umount "$MNT3"
		# a bind mount from the volume's own file system: no other
		# device to the sender, named by the mount table all the same
		mkdir -p "$S1/mc1/srv/other"
		in_slave h1 mount --bind "$S1/mc1/srv/other" "$MNT3"
		out=$(corral move mc1 --to h2 2>&1) && fail "dir: a move with a bind mount inside: $out"
		echo "$out" | grep -qF "$want" || fail "dir: a move of mc1 with a bind mount said: $out"
		[ "$(where mc1)" = "h1:running " ] || fail "dir: mc1 after the refused move: $(where mc1)"
		in_slave h1 umount "$MNT3"
		corral move mc1 --to h2 >/dev/null || fail "dir: move mc1 once unmounted"
		[ "$(where mc1)" = "h2:running " ] && [ "$(cat "$S2/mc1/srv/f")" = keep ] ||
			fail "dir: mc1 is at $(where mc1) after its move"
		ok "dir: a bind mount from the volume's own file system refused alike; mc1 moved once unmounted"
		trap pool_cleanup EXIT

		# a slave killed -9 with w1 frozen and its hold not yet in
		# place: what it froze was on record first, its next start
		# thaws w1 (it stayed frozen, the record lost)
		L1=$("$POOLSH" lxcpath h1)
		"$POOLSH" stop h1
		CORRAL_TEST_HOLD_PAUSE=30 "$POOLSH" start h1
		wait_until 200 host_up h1 || fail "dir: h1 not up"
		corral snapshot h1 w1 >/dev/null 2>&1 &
		wait_until 100 grep -q "w1: frozen, hold not yet in place; pausing" "$POOL/h1/slave.log" ||
			fail "dir: the snapshot never froze w1"
		[ "$("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H)" = FROZEN ] ||
			fail "dir: w1 not frozen during the pause"
		# all of it, as systemd would: its workers (the take among
		# them, which holds w1's lock) too
		sp=$(cat "$POOL/h1/slave.pid")
		# (the take may run deeper than a grandchild: the whole tree)
		kill -KILL $(tree_pids "$sp") 2>/dev/null || true
		wait %2 2>/dev/null || true
		"$POOLSH" start h1
		wait_until 100 sh -c "[ \"\$('$POOLSH' exec h1 lxc-info -P '$L1' -n w1 -s -H)\" = RUNNING ]" ||
			fail "dir: w1 is $("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H) after the slave's restart"
		no_leftovers
		ok "dir: a slave killed with w1 frozen, its hold not in place: its next start thaws w1"

		# two takes of w1 at once (two sessions): the second waits for
		# the first (w1's operation lock, slave/ctlock.c) and is then
		# refused, the first's temp file left whole (it once truncated
		# the first's record of what it froze, and one of them failed
		# at its rename)
		"$POOLSH" stop h1
		CORRAL_TEST_HOLD_PAUSE=5 "$POOLSH" start h1
		wait_until 200 host_up h1 || fail "dir: h1 not up"
		n=$(grep -c "w1: frozen, hold not yet in place; pausing" "$POOL/h1/slave.log" || true)
		corral snapshot h1 w1 >/dev/null 2>"$POOL/take1.err" &
		tp=$!
		wait_until 100 sh -c "[ \$(grep -c 'w1: frozen, hold not yet in place; pausing' '$POOL/h1/slave.log') -gt $n ]" ||
			fail "dir: the first snapshot never froze w1"
		out=$(corral snapshot h1 w1 2>&1) && fail "dir: a second snapshot of w1 taken during the first"
		echo "$out" | grep -q "w1 has a snapshot already" || fail "dir: unclear refusal: $out"
		wait "$tp" || fail "dir: the first snapshot failed: $(cat "$POOL/take1.err")"
		corral snapshot h1 w1 --status --json | jq -e '.state == "frozen"' >/dev/null ||
			fail "dir: w1 after the two takes: $(corral snapshot h1 w1 --status 2>&1)"
		corral snapshot h1 w1 --drop >/dev/null || fail "dir: drop after the two takes"
		[ "$("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H)" = RUNNING ] ||
			fail "dir: w1 is $("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H) after the drop"
		no_leftovers
		# the worker of a take killed half-way (its session gone): its
		# file stays, w1 frozen, the lock goes with it: a drop thaws
		# what it froze, and so does the next take, which is taken (it
		# was refused for good)
		killed_take() {
			local n tp
			n=$(grep -c "w1: frozen, hold not yet in place; pausing" "$POOL/h1/slave.log" || true)
			corral snapshot h1 w1 >/dev/null 2>&1 &
			tp=$!
			wait_until 100 sh -c "[ \$(grep -c 'w1: frozen, hold not yet in place; pausing' '$POOL/h1/slave.log') -gt $n ]" ||
				fail "dir: the take to kill never froze w1"
			# the workers: a connection's children, the slave's grandchildren
			for cp in $(pgrep -P "$(cat "$POOL/h1/slave.pid")"); do pkill -KILL -P "$cp" || true; done
			wait "$tp" 2>/dev/null || true
			[ "$("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H)" = FROZEN ] ||
				fail "dir: w1 not frozen after its take was killed"
		}
		released() { grep -c "w1: released what a take killed half-way froze" "$POOL/h1/slave.log" || true; }
		killed_take
		# the status shows it (it said "no snapshot", w1 frozen)
		corral snapshot h1 w1 --status --json | jq -e '.state == "none" and .leftover' >/dev/null &&
			corral snapshot h1 w1 --status | grep -q "w1: frozen by a snapshot take killed half-way" ||
			fail "dir: the status does not show the killed take: $(corral snapshot h1 w1 --status)"
		corral snapshot h1 w1 --drop >/dev/null || fail "dir: drop after the killed take"
		[ "$("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H)" = RUNNING ] && [ "$(released)" = 1 ] ||
			fail "dir: the drop did not release the killed take: $(tail -n 3 "$POOL/h1/slave.log")"
		no_leftovers
		killed_take
		corral snapshot h1 w1 >/dev/null 2>"$POOL/take2.err" ||
			fail "dir: a take after a killed one: $(cat "$POOL/take2.err")"
		[ "$(released)" = 2 ] || fail "dir: the take did not release the killed one: $(tail -n 3 "$POOL/h1/slave.log")"
		corral snapshot h1 w1 --drop >/dev/null || fail "dir: drop after the killed take"
		[ "$("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H)" = RUNNING ] ||
			fail "dir: w1 is $("$POOLSH" exec h1 lxc-info -P "$L1" -n w1 -s -H) after the drop"
		no_leftovers
		ok "dir: a snapshot asked while another is being taken: refused, the first whole and dropped; a take whose worker was killed half-way: the status shows it, a drop, or the next take, releases it"

		echo "hot_dir = refuse" >>"$POOL/h1/corral.conf"
		"$POOLSH" stop h1
		"$POOLSH" start h1
		out=$(corral snapshot h1 w1 2>&1) && fail "dir: hot_dir = refuse took a snapshot"
		echo "$out" | grep -q "hot_dir = refuse" || fail "dir: unclear refusal: $out"
		corral sync h1:@w1 h2:copy3 >/dev/null 2>&1 && fail "dir: refused sync went ahead"
		ok "dir: hot_dir = refuse refuses a running container"
	fi
	kill %1 2>/dev/null || true
	"$POOLSH" down
	trap - EXIT
done
