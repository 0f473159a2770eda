#!/usr/bin/env bash
# corral sync between two slaves of the pool, direct between them (the
# default) or relayed by the master: exact copies of a tree with every kind
# of entry (checked by rsync's itemized dry run), incremental resyncs,
# --dry-run, --checksum, --json, paths refused, a kill -9 in the middle
# then a rerun, a hostile tree whose symlinks must never be followed, the
# bandwidth limit, `transfer = relay`, and the fallback to the relay when
# the receiver cannot be reached.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2
S1=$("$POOLSH" storage h1)
S2=$("$POOLSH" storage h2)
MKTREE_BIG=4M bash "$ROOT/tests/tree/mktree.sh" "$S1/src" 7 >/dev/null

# first copy, then nothing to do
js=$(corral sync h1:src h2:dst --json)
bash "$SAME" "$S1/src" "$S2/dst" || fail "first copy differs"
for f in files files_changed bytes_on_wire literal_bytes matched_bytes seconds; do
	echo "$js" | jq -e --arg f "$f" 'has($f)' >/dev/null || fail "json field $f missing: $js"
done
echo "$js" | jq -e '.files > 50 and .files_changed == .files' >/dev/null || fail "first copy counts: $js"
grep -q 'sync h1:src -> h2:dst started (direct)' "$CORRAL_POOL_DIR/master/master.log" ||
	fail "the first copy was not direct: $(tail -n 3 "$CORRAL_POOL_DIR/master/master.log")"
js=$(corral sync h1:src h2:dst --json)
echo "$js" | jq -e '.files_changed == 0 and .deleted == 0 and .literal_bytes == 0' >/dev/null ||
	fail "second run changed things: $js"
ok "exact copy, then nothing to resend"

# an incremental change set: dry run first (reports, changes nothing)
bash "$ROOT/tests/tree/mutate.sh" "$S1/src" 8 >/dev/null
before=$(cd "$S2/dst" && find . -printf '%p %s %T@ %m\n' | sort | md5sum)
js=$(corral sync h1:src h2:dst --dry-run --json)
echo "$js" | jq -e '.files_changed > 0 and .dry_run == true' >/dev/null || fail "dry run: $js"
after=$(cd "$S2/dst" && find . -printf '%p %s %T@ %m\n' | sort | md5sum)
[ "$before" = "$after" ] || fail "the dry run changed the destination"
js=$(corral sync h1:src h2:dst --json)
bash "$SAME" "$S1/src" "$S2/dst" || fail "incremental run differs"
echo "$js" | jq -e '.matched_bytes > 0' >/dev/null || fail "no delta used: $js"
ok "dry run, then incremental run with deltas"

# same size and mtime, other content: only --checksum sees it
f=$(cd "$S1/src" && find . -type f -size +10k -links 1 | head -n 1)
cp -p "$S1/src/$f" "$S1/ref"
printf 'X' | dd of="$S1/src/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
touch -r "$S1/ref" "$S1/src/$f"
rm -f "$S1/ref"
corral sync h1:src h2:dst >/dev/null
cmp -s "$S1/src/$f" "$S2/dst/$f" && fail "quick check saw a same-size same-mtime change"
corral sync h1:src h2:dst --checksum >/dev/null
cmp -s "$S1/src/$f" "$S2/dst/$f" || fail "--checksum missed the change"
ok "--checksum compares content"

# paths that leave the storage root are refused, on both ends
ln -s / "$S1/escape"
for bad in "h1:/etc h2:x" "h1:../x h2:x" "h1:src h2:../x" "h1:escape h2:x" "h1:nosuch h2:x" "h9:src h2:x"; do
	if corral sync $bad >/dev/null 2>"$CORRAL_POOL_DIR/err"; then fail "accepted: $bad"; fi
	[ -s "$CORRAL_POOL_DIR/err" ] || fail "no message for: $bad"
done
[ ! -e "$S2/x" ] || fail "a refused sync created something"
ok "paths outside the storage root refused"

# kill -9 of the sender in the middle, then a rerun finishes the job
head -c 400M /dev/zero | openssl enc -aes-128-ctr -pass pass:k -nosalt 2>/dev/null >"$S1/src/huge.bin"
corral sync h1:src h2:dst >/dev/null 2>&1 &
cpid=$!
wait_until 300 sh -c "ls -a '$S2/dst' | grep -q '^\.corral-'" || fail "no transfer in progress to kill"
ip netns pids "$CORRAL_POOL_NS-h1" | xargs -r kill -9
wait "$cpid" 2>/dev/null && fail "the killed sync reported success"
[ ! -e "$S2/dst/huge.bin" ] || fail "a half-written file is visible under its name"
"$POOLSH" start h1
bash "$SAME" "$S1/src" "$S2/dst" >/dev/null && fail "nothing left to do after the kill?"
corral sync h1:src h2:dst >/dev/null
bash "$SAME" "$S1/src" "$S2/dst" || fail "rerun after kill -9 differs"
ls -a "$S2/dst" | grep -q '^\.corral-' && fail "temporary files left behind"
ok "kill -9 of the sender mid-transfer, rerun ends identical"

# the same with the receiver killed
head -c 300M /dev/zero | openssl enc -aes-128-ctr -pass pass:k2 -nosalt 2>/dev/null >"$S1/src/huge2.bin"
corral sync h1:src h2:dst >/dev/null 2>&1 &
cpid=$!
wait_until 300 sh -c "ls -a '$S2/dst' | grep -q '^\.corral-'" || fail "no transfer in progress to kill"
ip netns pids "$CORRAL_POOL_NS-h2" | xargs -r kill -9
wait "$cpid" 2>/dev/null && fail "the killed sync reported success"
[ ! -e "$S2/dst/huge2.bin" ] || fail "a half-written file is visible under its name"
"$POOLSH" start h2
corral sync h1:src h2:dst >/dev/null
bash "$SAME" "$S1/src" "$S2/dst" || fail "rerun after killing the receiver differs"
ls -a "$S2/dst" | grep -q '^\.corral-' && fail "temporary files left behind"
ok "kill -9 of the receiver mid-transfer, rerun ends identical"

# a hostile source: its symlinks are copied, never followed on either side
mkdir -p "$S1/evil/sub" "$CORRAL_POOL_DIR/outside"
echo canary >"$CORRAL_POOL_DIR/outside/file"
ln -s / "$S1/evil/rootfs"
ln -s "$CORRAL_POOL_DIR/outside" "$S1/evil/sub/out"
mkdir -p "$S2/evilcopy"
ln -s "$CORRAL_POOL_DIR/outside" "$S2/evilcopy/sub"   # the destination lies too
echo data >"$S1/evil/sub/file"
corral sync h1:evil h2:evilcopy >/dev/null
bash "$SAME" "$S1/evil" "$S2/evilcopy" || fail "hostile tree copy differs"
[ "$(ls "$CORRAL_POOL_DIR/outside")" = file ] && [ "$(cat "$CORRAL_POOL_DIR/outside/file")" = canary ] ||
	fail "something outside the destination changed"
[ -d "$S2/evilcopy/sub" ] && [ ! -L "$S2/evilcopy/sub" ] || fail "the destination's symlink was followed"
ok "hostile symlinks neither followed nor escaped"

# slaves.conf's bwlimit holds the transfer back; on a terminal the CLI
# shows progress against totals the sender counts while it sends
cp "$CORRAL_POOL_DIR/master/slaves.conf" "$CORRAL_POOL_DIR/slaves.conf.orig"
sed -i 's/^h2:.*/&,bwlimit=10m/' "$CORRAL_POOL_DIR/master/slaves.conf"
kill -HUP "$(cat "$CORRAL_POOL_DIR/master/master.pid")"
mkdir -p "$S1/slow"
for i in 1 2 3 4 5 6; do head -c 5M /dev/urandom >"$S1/slow/f$i"; done
t0=$(date +%s%N)
script -qec 'corral sync h1:slow h2:slow' /dev/null >"$CORRAL_POOL_DIR/progress.out" ||
	fail "the limited sync failed: $(cat "$CORRAL_POOL_DIR/progress.out")"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 2000 ] || fail "30 MiB at 10 MiB/s took only $ms ms: bwlimit ignored"
tr '\r' '\n' <"$CORRAL_POOL_DIR/progress.out" | grep -Eq '^[0-9]+/7 files, .* of 30\.0M \(([1-9]|[1-9][0-9])%\)' ||
	fail "no progress against totals: $(tr '\r' '\n' <"$CORRAL_POOL_DIR/progress.out" | head -n 5)"
bash "$SAME" "$S1/slow" "$S2/slow" || fail "limited copy differs"
cp "$CORRAL_POOL_DIR/slaves.conf.orig" "$CORRAL_POOL_DIR/master/slaves.conf"
kill -HUP "$(cat "$CORRAL_POOL_DIR/master/master.pid")"
ok "bwlimit honoured ($ms ms for 30 MiB at 10 MiB/s); progress shows done/total"

# a large file (aligned blocks: its copies and its install run in the
# receiver's copier thread) with a hard link in a later directory: the link
# and its directory's mtime must still come out right
mkdir -p "$S1/lg/a" "$S1/lg/b"
head -c 40M /dev/urandom >"$S1/lg/a/img"
ln "$S1/lg/a/img" "$S1/lg/b/link"
corral sync h1:lg h2:lg >/dev/null || fail "large file: first copy failed"
printf 'changed' | dd of="$S1/lg/a/img" bs=1 seek=$((20 << 20)) conv=notrunc status=none
touch -d '2001-02-03 04:05:06' "$S1/lg/a"
js=$(corral sync h1:lg h2:lg --json) || fail "large file: resync failed"
echo "$js" | jq -e '.matched_bytes > 40000000 and .literal_bytes < 100000' >/dev/null ||
	fail "large file: not rebuilt from its blocks: $js"
bash "$SAME" "$S1/lg" "$S2/lg" || fail "large file: copy differs"
[ "$(stat -c %i "$S2/lg/a/img")" = "$(stat -c %i "$S2/lg/b/link")" ] || fail "large file: hard link lost"
ls -a "$S2/lg/a" | grep -q '^\.corral-' && fail "large file: temporary left behind"
ok "large file rebuilt from its blocks: link and directory mtime right"

# transfer = relay: the same copy, through the master
conf=$CORRAL_POOL_DIR/master/corral.conf
cp "$conf" "$CORRAL_POOL_DIR/corral.conf.orig"
echo "transfer = relay" >>"$conf"
"$POOLSH" stop master && "$POOLSH" start master
corral sync h1:src h2:relayed >/dev/null || fail "the relayed sync failed"
bash "$SAME" "$S1/src" "$S2/relayed" || fail "the relayed copy differs"
grep -q 'sync h1:src -> h2:relayed started (relayed)' "$CORRAL_POOL_DIR/master/master.log" ||
	fail "transfer = relay did not relay"
cp "$CORRAL_POOL_DIR/corral.conf.orig" "$conf"
"$POOLSH" stop master && "$POOLSH" start master
ok "transfer = relay copies through the master"

# h2 takes no new connection but its SSH port's (a firewall between the
# slaves): the sender cannot reach the receiver, and the master relays
ip netns exec "$CORRAL_POOL_NS-h2" nft -f - <<EOF || fail "nft"
table inet corral_test {
	chain input {
		type filter hook input priority 0;
		tcp dport != 7022 ct state new reject with tcp reset
	}
}
EOF
corral sync h1:src h2:fallback >/dev/null || fail "the sync with h2 unreachable failed"
bash "$SAME" "$S1/src" "$S2/fallback" || fail "the fallback copy differs"
grep -q "sync h1 -> h2: h1: .*cannot connect to the receiver at $CORRAL_POOL_NET.12.*relaying it instead" \
	"$CORRAL_POOL_DIR/master/master.log" || fail "no fallback to the relay logged"
ok "receiver unreachable directly: relayed instead, and logged why"

# data_ports on h2: its receiver listens where the firewall lets senders in
ip netns exec "$CORRAL_POOL_NS-h2" nft delete table inet corral_test
ip netns exec "$CORRAL_POOL_NS-h2" nft -f - <<EOF || fail "nft"
table inet corral_test {
	chain input {
		type filter hook input priority 0;
		tcp dport != { 7022, 7100-7109 } ct state new reject with tcp reset
	}
}
EOF
echo "data_ports = 7100-7109" >>"$CORRAL_POOL_DIR/h2/corral.conf"
"$POOLSH" stop h2 && "$POOLSH" start h2
n=$(grep -c 'relaying it instead' "$CORRAL_POOL_DIR/master/master.log")
corral sync h1:src h2:ranged >/dev/null || fail "the sync into data_ports failed"
bash "$SAME" "$S1/src" "$S2/ranged" || fail "the data_ports copy differs"
[ "$(grep -c 'relaying it instead' "$CORRAL_POOL_DIR/master/master.log")" = "$n" ] ||
	fail "relayed although data_ports are open"
ip netns exec "$CORRAL_POOL_NS-h2" nft delete table inet corral_test
ok "data_ports: a direct transfer through a firewall that opens only them"
