#!/usr/bin/env bash
# A container writing to its root file system all along is moved hot
# (btrfs: pre-copy rounds from its snapshot while it writes): the copy on
# the destination equals the source's tree as it was at the stop, checked
# with the rsync oracle (`rsync -aHAX --numeric-ids --checksum --dry-run
# -i`) while the job waits before its start step (the master's
# CORRAL_TEST_JOB_PAUSE hook): the source is stopped then, its tree final;
# then it runs on the destination alone, the writes of its last moment
# there too.
. "$(dirname "$0")/lib.bash"
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
L1=$("$POOLSH" lxcpath h1)

master_again CORRAL_TEST_JOB_PAUSE=start:8 -- h1 h2

"$POOLSH" create h1 wr >/dev/null
dd if=/dev/urandom of="$S1/wr/big" bs=1M count=40 status=none
# the writer: a clock, a growing log and blocks rewritten in place in big
"$POOLSH" exec h1 lxc-attach -P "$L1" -n wr -- /bin/sh -c \
	'i=0; while :; do date >>/clock; echo "$i" >>/log;
	 dd if=/dev/urandom of=/big bs=4k count=1 seek=$((i % 10000)) conv=notrunc 2>/dev/null;
	 i=$((i + 1)); usleep 20000; done' >/dev/null 2>&1 &
wpid=$!
wait_until 100 test -s "$S1/wr/clock" || fail "the writer does not write"
id=$(corral move wr --to h2 --detach) || fail "move --detach: $id"
wait_until 1200 jq_of '.job.step == "start"' corral job "$id" --json ||
	fail "job $id never reached start: $(corral job "$id")"
# paused before the start: the source stopped, the destination's copy final
diff=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete "$S1/wr/" "$S2/wr/")
[ -z "$diff" ] || fail "the copy on h2 differs from the stopped source: $(echo "$diff" | head -n 5)"
lines=$(wc -l <"$S2/wr/log")
[ "$lines" -gt 5 ] || fail "the writer wrote only $lines lines before the stop"
wait_until 600 ended "$id" || fail "job $id did not end"
corral job "$id" --json | jq -e '.job.state == "done"' >/dev/null || fail "job $id: $(corral job "$id")"
[ "$(where wr)" = "h2:running " ] || fail "wr is at '$(where wr)', not running on h2 alone"
kill "$wpid" 2>/dev/null || true
no_leftovers h1
ok "a container writing all along moved hot: the copy equals its tree at the stop ($lines writes), it runs on h2 alone"
