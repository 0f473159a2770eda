#!/usr/bin/env bash
# Trees between a slave and the master's store (master/storexfer*.c),
# driven by build/store-xfer (the master's own objects) until the get and
# put jobs call them; slaves on btrfs, the store on each of
# $STORE_XFER_FS (btrfs ext4): a stopped container read in place into a
# version, exact (the rsync oracle, with every kind of entry) and
# verified; after changes, a second version to which only the changes were
# sent and for which only they were hashed again; a running container read
# through a snapshot of the send's own (one an admin holds is refused); the
# newest version put into a volume
# on another host, exact; a master killed in the middle of a get leaves no
# version, and the next run resumes its .incoming; a cancel from the
# progress callback stops a get; corral get's config of a new version
# leaves the last version's untouched (ext4 shares its other files).
# (An xfs store is left out: the engine drops ACLs stored there as
# trusted.SGI_ACL_* on receiving, a known fault of xfer/.)
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
SX=$BUILD/store-xfer
ST=$BUILD/store-tool
val() { sed -n "s/^$1 //p" <<<"$2"; }   # val KEY OUTPUT
nversions() { "$ST" "$STORE" versions web | wc -l; }
for FS in ${STORE_XFER_FS:-btrfs ext4}; do
	pool_up 2 --storage btrfs --store-fs "$FS" >/dev/null
	NET_MASTER=$CORRAL_POOL_NET.1   # the master's address on the pool's bridge
	S1=$("$POOLSH" storage h1)
	S2=$("$POOLSH" storage h2)
	L1=$("$POOLSH" lxcpath h1)
	STORE=$("$POOLSH" store)
	"$POOLSH" create h1 web --stopped >/dev/null
	MKTREE_BIG=4M bash "$ROOT/tests/tree/mktree.sh" "$S1/web/data" 7 >/dev/null

	out=$("$SX" get h1 @web web --kind cold) || fail "$FS: the first get failed"
	v1=$(val version "$out")
	lit1=$(val literal "$out")
	[ "$(nversions)" = 1 ] || fail "$FS: $(nversions) versions after one get"
	bash "$SAME" "$S1/web" "$STORE/web/$v1/rootfs" || fail "$FS: version 1 differs from web's rootfs"
	[ "$("$ST" "$STORE" verify web "$v1")" = good ] || fail "$FS: version 1 does not verify"
	[ "$(val changes "$out")" -gt 100 ] && [ "$(val wire "$out")" -gt 4000000 ] ||
		fail "$FS: first get: $(echo $out)"
	ok "$FS: a stopped container's rootfs into a version, exact and verified"

	# a change set: only it is sent, and only it hashed at the commit
	bash "$ROOT/tests/tree/mutate.sh" "$S1/web/data" 8 >/dev/null
	files=$(find "$S1/web" | wc -l)
	out=$("$SX" get h1 @web web --kind cold) || fail "$FS: the second get failed"
	v2=$(val version "$out")
	[ "$v2" != "$v1" ] && [ "$(nversions)" = 2 ] || fail "$FS: no second version ($v1, $v2)"
	bash "$SAME" "$S1/web" "$STORE/web/$v2/rootfs" || fail "$FS: version 2 differs from web's rootfs"
	[ "$("$ST" "$STORE" verify web "$v2")" = good ] || fail "$FS: version 2 does not verify"
	[ "$("$ST" "$STORE" verify web "$v1")" = good ] || fail "$FS: version 1 changed under version 2"
	# the change set, and the directories holding it, no more
	ch=$(val changes "$out")
	[ "$ch" -gt 0 ] && [ "$ch" -le "$(($(val changed "$out") * 2))" ] && [ "$((ch * 4))" -lt "$files" ] ||
		fail "$FS: $ch of $files paths hashed again: $(echo $out)"
	[ "$(val changed "$out")" -lt "$((files / 4))" ] && [ "$(val literal "$out")" -lt "$lit1" ] &&
		[ "$(val matched "$out")" -gt 0 ] || fail "$FS: second get sent too much: $(echo $out)"
	ok "$FS: after changes, only they are sent and hashed again ($ch of $files paths)"

	# running: read through a snapshot the send takes, never the one an
	# admin holds (an earlier instant: refused, named); the reference is
	# a copy of the send's own, made while the slave waits on it
	"$POOLSH" exec h1 lxc-start -P "$L1" -n web
	corral snapshot h1 web >/dev/null
	out=$("$SX" get h1 @web web --kind hot 2>&1) && fail "$FS: the hot get read the admin's snapshot"
	echo "$out" | grep -q "web has a snapshot already" || fail "$FS: the refusal: $out"
	corral snapshot h1 web --drop >/dev/null
	"$POOLSH" stop h1 >/dev/null
	CORRAL_TEST_SEND_PAUSE=2 "$POOLSH" start h1 >/dev/null
	wait_until 300 host_up h1 || fail "$FS: h1 not up after its restart"
	"$SX" get h1 @web web --kind hot >"$POOL/sx.out" 2>&1 &
	sxpid=$!
	wait_until 100 grep -q "web: snapshot taken for a send; pausing" "$POOL/h1/slave.log" ||
		fail "$FS: the send took no snapshot: $(tail -n 5 "$POOL/h1/slave.log")"
	echo "after the snapshot" >"$S1/web/late"
	cp -a "$S1/.corral-snap/web" "$POOL/web-snap"
	wait "$sxpid" || fail "$FS: the hot get failed: $(cat "$POOL/sx.out")"
	out=$(cat "$POOL/sx.out")
	v3=$(val version "$out")
	bash "$SAME" "$POOL/web-snap" "$STORE/web/$v3/rootfs" ||
		fail "$FS: version 3 differs from the send's snapshot"
	[ ! -e "$STORE/web/$v3/rootfs/late" ] || fail "$FS: version 3 is not the snapshot's"
	rm -rf "$POOL/web-snap"
	"$POOLSH" stop h1 >/dev/null
	"$POOLSH" start h1 >/dev/null
	wait_until 300 host_up h1 || fail "$FS: h1 not up after its restart"
	"$ST" "$STORE" versions web | grep -q "^$v3 hot h1 " || fail "$FS: $("$ST" "$STORE" versions web)"
	"$POOLSH" exec h1 lxc-stop -P "$L1" -n web
	ok "$FS: a running container through its snapshot"

	# the newest version onto another host's volume
	"$POOLSH" create h2 copy --stopped >/dev/null
	echo stale >"$S2/copy/stale"
	out=$("$SX" put web - h2 @copy) || fail "$FS: put failed"
	[ "$(val version "$out")" = "$v3" ] || fail "$FS: put the wrong version: $(echo $out)"
	bash "$SAME" "$STORE/web/$v3/rootfs" "$S2/copy" || fail "$FS: the put volume differs from version 3"
	[ "$(val deleted "$out")" -ge 1 ] || fail "$FS: put deleted nothing: $(echo $out)"
	out=$("$SX" put web "$v1" h2 copy2) || fail "$FS: put of version 1 to a new path failed"
	bash "$SAME" "$STORE/web/$v1/rootfs" "$S2/copy2" || fail "$FS: copy2 differs from version 1"
	ok "$FS: versions put onto h2, exact"

	# a master killed in the middle: no version; the next run resumes.
	# h1's bwlimit (slaves.conf, read at start) keeps it going for seconds
	cp "$POOL/master/slaves.conf" "$POOL/slaves.conf.orig"
	sed -i 's/^h1:.*/&,bwlimit=40m/' "$POOL/master/slaves.conf"
	# (progress counts whole files: 40 of 5 MiB)
	mkdir "$S1/web/big"
	head -c 200M /dev/zero | openssl enc -aes-128-ctr -pass pass:k -nosalt 2>/dev/null |
		split -b 5M - "$S1/web/big/f"
	rc=0; "$SX" get h1 @web web --kill-at 120000000 >/dev/null 2>&1 || rc=$?
	[ "$rc" = 137 ] || fail "$FS: the get was not killed (exit $rc)"
	[ "$(nversions)" = 3 ] || fail "$FS: a killed get left a version"
	[ -d "$STORE/web/.incoming" ] || fail "$FS: a killed get left no .incoming"
	cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
	# the slave's worker, ended by SIGTERM when the master's connection
	# went, drops the snapshot it took (one left would make the next
	# job refuse it as an admin's)
	wait_until 100 sh -c "corral snapshot h1 web --status | grep -q 'no snapshot'" ||
		fail "$FS: the killed get's snapshot is left: $(corral snapshot h1 web --status)"
	out=$("$SX" get h1 @web web) || fail "$FS: the get after the kill failed"
	[ "$(val resumed "$out")" = 1 ] || fail "$FS: the rerun did not resume: $(echo $out)"
	v4=$(val version "$out")
	bash "$SAME" "$S1/web" "$STORE/web/$v4/rootfs" || fail "$FS: the resumed version differs"
	[ "$("$ST" "$STORE" verify web "$v4")" = good ] || fail "$FS: the resumed version does not verify"
	# killed past 120 MB of 200: the rerun sends the rest, not all
	[ "$(val literal "$out")" -lt 100000000 ] || fail "$FS: the rerun sent everything again: $(echo $out)"
	find "$STORE/web/$v4/rootfs" -name '.corral-*' | grep -q . && fail "$FS: temporary files in the version"
	ok "$FS: killed get leaves no version; the rerun resumes and ends exact"

	# a cancel from the progress callback
	mkdir "$S1/web/big2"
	head -c 100M /dev/zero | openssl enc -aes-128-ctr -pass pass:k2 -nosalt 2>/dev/null |
		split -b 5M - "$S1/web/big2/f"
	sed -i 's/^h1:.*/&,bwlimit=40m/' "$POOL/master/slaves.conf"
	rc=0; err=$("$SX" get h1 @web web --cancel-at 10000000 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 1 ] && echo "$err" | grep -q "h1:@web: cancelled" || fail "$FS: cancel: exit $rc, $err"
	[ "$(nversions)" = 4 ] || fail "$FS: a cancelled get left a version"
	cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
	ok "$FS: a cancelled get stops with no version"

	# refused and unreachable: one line naming the host and what failed
	rc=0; err=$("$SX" get h1 @nosuch web 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 1 ] && echo "$err" | grep -q "h1: send @nosuch: .*nosuch" || fail "$FS: @nosuch: exit $rc, $err"
	cp "$POOL/master/corral.conf" "$POOL/corral.conf.orig"
	echo "data_ports = 7190-7199" >>"$POOL/master/corral.conf"
	"$POOLSH" exec h1 nft -f - <<-EOF
		table inet storexfer {
			chain out {
				type filter hook output priority 0;
				ip daddr $NET_MASTER tcp dport 7190-7199 reject with tcp reset
			}
		}
	EOF
	rc=0; err=$("$SX" get h1 @web web 2>&1 >/dev/null) || rc=$?
	echo "$err" | grep -q "h1: .*$NET_MASTER port 7190.*never relayed.*reach the master at $NET_MASTER port 7190" ||
		fail "$FS: unreachable master: exit $rc, $err"
	"$POOLSH" exec h1 nft delete table inet storexfer
	cp "$POOL/corral.conf.orig" "$POOL/master/corral.conf"
	[ "$(nversions)" = 4 ] || fail "$FS: a failed get left a version"
	ok "$FS: a missing source and an unreachable master fail with the host, address and port"

	# corral get writes a version's config as a file of its own: on ext4
	# (a links store) .incoming's is a hard link of the last version's,
	# and a write into it rewrote every earlier version's config
	corral get web >/dev/null 2>&1 || fail "$FS: corral get web"
	va=$("$ST" "$STORE" versions web | tail -n 1 | cut -d' ' -f1)
	cp "$STORE/web/$va/config" "$POOL/config.a"
	echo "lxc.environment = CORRAL_TEST=$FS" >>"$L1/web/config"
	corral get web >/dev/null 2>&1 || fail "$FS: the second corral get web"
	vb=$("$ST" "$STORE" versions web | tail -n 1 | cut -d' ' -f1)
	[ "$va" != "$vb" ] && grep -q "CORRAL_TEST=$FS" "$STORE/web/$vb/config" ||
		fail "$FS: version $vb lacks the changed config"
	cmp -s "$POOL/config.a" "$STORE/web/$va/config" ||
		fail "$FS: the get of $vb changed $va's config: $(diff "$POOL/config.a" "$STORE/web/$va/config")"
	corral verify web --version "$va" >/dev/null || fail "$FS: $va does not verify after the next get"
	ok "$FS: a get writes its version's config anew, the last version's untouched"

	"$POOLSH" down >/dev/null
	trap - EXIT
done
