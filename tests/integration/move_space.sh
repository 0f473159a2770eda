#!/usr/bin/env bash
# A hot move to a host whose file system is too small (ext4 of its own,
# a few hundred MiB): refused at the volume step when the space is short
# from the start, failed mid-copy (ENOSPC) when it runs out during the
# pre-copy; either way one clear error naming the host and the path, the
# container running on its source, untouched (the rsync oracle), and no
# volume, config or temp file left on the destination.
. "$(dirname "$0")/lib.bash"
CORRAL_POOL_FS_SIZE=400M pool_up 2 --storage ext4 >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
L2=$("$POOLSH" lxcpath h2)
SAVE=$POOL/space-saved

where() { lxc_truth | grep ":$1:" | cut -d: -f1,3 | tr '\n' ' '; }
jq_of() {
	local out q=$1; shift
	out=$("$@" 2>/dev/null) && [ -n "$out" ] && echo "$out" | jq -e "$q" >/dev/null
}
# fill h2 until about $1 MiB stay free
fill_h2() {
	local avail
	avail=$(df -m --output=avail "$S2" | tail -n 1)
	fallocate -l "$(((avail - $1) * 1024 * 1024))" "$S2/filler"
}

C=sp1
"$POOLSH" create h1 "$C" >/dev/null
dd if=/dev/urandom of="$S1/$C/big" bs=1M count=100 status=none
mkdir -p "$SAVE"
ex=(--exclude=/var/ --exclude=/run/ --exclude=/tmp/)
rsync -aHAX --numeric-ids "${ex[@]}" "$S1/$C/" "$SAVE/"
untouched() {
	[ "$(where "$C")" = "h1:running " ] || fail "$1: $C is at '$(where "$C")', not running on h1 alone"
	diff=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete "${ex[@]}" "$SAVE/" "$S1/$C/")
	[ -z "$diff" ] || fail "$1: $C changed on h1: $(echo "$diff" | head -n 5)"
	[ ! -e "$S2/$C" ] && [ ! -e "$L2/$C" ] || fail "$1: $C's volume or config is left on h2"
	[ -z "$(find "$S2" "$L2" -xdev -name '.corral-*' ! -name .corral-snap 2>/dev/null)" ] ||
		fail "$1: temp files left on h2: $(find "$S2" "$L2" -xdev -name '.corral-*')"
	[ -z "$(ls -A "$S1/.corral-snap" 2>/dev/null)" ] || fail "$1: a snapshot is left on h1"
}

# ---- short from the start: refused at the volume step
fill_h2 60
out=$(corral move "$C" --to h2 2>&1) && fail "a move to a full h2 succeeded: $out"
err=$(echo "$out" | grep '^corral' | tail -n 1)
echo "$err"
echo "$err" | grep -q "h2" && echo "$err" | grep -q "$S2" || fail "the error names not h2 and $S2: $out"
untouched "short from the start"
ok "destination short of space at the start: '$err'; $C runs on h1 untouched, nothing left on h2"

# ---- running out during the pre-copy (filled while the step pauses)
rm -f "$S2/filler"
master_again CORRAL_TEST_JOB_PAUSE=precopy:3 -- h2
id=$(corral move "$C" --to h2 --detach) || fail "move --detach: $id"
wait_until 300 jq_of '.job.step == "precopy"' corral job "$id" --json || fail "job $id never reached precopy"
fill_h2 30
wait_until 900 jq_of '.job.state != "running" and .job.state != "queued"' corral job "$id" --json ||
	fail "job $id did not end"
js=$(corral job "$id" --json)
err=$(echo "$js" | jq -r .job.error)
echo "job $id: $err"
echo "$js" | jq -e '.job.state == "failed"' >/dev/null || fail "job $id: $(echo "$js" | jq -r .job.state)"
echo "$err" | grep -q "h2" && echo "$err" | grep -q "$S2" && echo "$err" | grep -qi "space" ||
	fail "the error names not h2, $S2 and the lack of space: $err"
echo "$err" | grep -q "rolled back: $C is on h1 as before" || fail "no roll back said: $err"
untouched "short mid-copy"
rm -f "$S2/filler"
ok "destination out of space mid-pre-copy: '$err'; $C runs on h1 untouched, nothing left on h2"
rm -rf "$SAVE"
