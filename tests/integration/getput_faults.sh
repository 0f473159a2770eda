#!/usr/bin/env bash
# Faults during corral get and put, with real daemons (btrfs storage, the
# store on btrfs): the source slave killed with -9 during a get (the job
# fails naming the host and the step; no version made, the earlier ones
# intact; once the slave is back the next get resumes and ends exact, no
# snapshot left); the destination slave killed during a put (the job
# waits for it to come back and rolls back: nothing left on it); a
# destination out of space (refused at the volume step naming its path,
# or out of space in the copy and rolled back) and a full store (the job
# fails naming the store's path; earlier versions kept); a link cut just
# before the copy (the master's CORRAL_TEST_JOB_PAUSE hook): the get fails
# with no version and its rerun works, the put rolls back once the link is
# back.  The source is untouched and running throughout.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
STORE=$("$POOLSH" store)

nversions() { find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*' 2>/dev/null | wc -l; }
slow() {   # HOST RATE: the master's transfers with HOST paced (restarts it)
	sed -i "s/^$1:.*/&,bwlimit=$2/" "$POOL/master/slaves.conf"
	"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
}
unslow() {
	cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
	"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
}
cp "$POOL/master/slaves.conf" "$POOL/slaves.conf.orig"

"$POOLSH" create h1 web >/dev/null
mkdir "$S1/web/big"
head -c 120M /dev/zero | openssl enc -aes-128-ctr -pass pass:k -nosalt 2>/dev/null |
	split -b 4M - "$S1/web/big/f"
v1=$(corral get web --json | jq -r .version) || fail "the first get"
echo more >"$S1/web/more"
[ "$(where web)" = "h1:running " ] || fail "web does not run on h1"

# ---- the source slave killed during a get
head -c 80M /dev/urandom >"$S1/web/big/new"
slow h1 20m
id=$(corral get web --detach) || fail "get --detach: $id"
wait_until 600 jq_of '.job.step == "copy" and .job.bytes_done > 10000000' corral job "$id" --json ||
	fail "job $id never got into the copy: $(corral job "$id")"
"$POOLSH" exec h1 pkill -KILL -f "corral-slave -f -c $POOL/h1/"
wait_until 900 ended "$id" || fail "job $id did not end with h1 killed"
corral job "$id" --json | jq -e '.job.state == "failed" and .job.step == "copy" and
    (.job.error | test("copy from h1"))' >/dev/null || fail "job $id: $(corral job "$id")"
[ "$(nversions web)" = 1 ] || fail "a get cut short made a version"
[ ! -e "$STORE/web/$v1/rootfs/big/new" ] || fail "version $v1 changed"
"$POOLSH" stop h1 >/dev/null 2>&1 || true
"$POOLSH" start h1 >/dev/null
wait_until 600 host_up h1 || fail "h1 did not come back"
[ "$(where web)" = "h1:running " ] || fail "web does not run on h1 after its slave's restart: $(where web)"
unslow
json=$(corral get web --json) || fail "the get after the kill: $json"
v2=$(echo "$json" | jq -r .version)
[ "$(nversions web)" = 2 ] || fail "$(nversions web) versions after the rerun"
grep -q "resuming the version an earlier run left" "$POOL/master/master.log" ||
	fail "the rerun did not resume what arrived"
cmp "$S1/web/big/new" "$STORE/web/$v2/rootfs/big/new" || fail "the resumed version's new file differs"
no_leftovers h1
ok "the source slave killed during a get: failed at copy naming h1, no version; the rerun resumes"

# ---- the destination slave killed during a put: rolled back once it is back
slow h2 20m
id=$(corral put web --host h2 --detach) || fail "put --detach: $id"
wait_until 600 jq_of '.job.step == "copy" and .job.bytes_done > 10000000' corral job "$id" --json ||
	fail "put job $id never got into the copy: $(corral job "$id")"
"$POOLSH" exec h2 pkill -KILL -f "corral-slave -f -c $POOL/h2/"
sleep 5
"$POOLSH" stop h2 >/dev/null 2>&1 || true
"$POOLSH" start h2 >/dev/null
wait_until 1200 ended "$id" || fail "put job $id did not end"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("copy on h2: .*rolled back: nothing of web left on h2"))' >/dev/null ||
	fail "put job $id: $(corral job "$id")"
[ -z "$(where web | grep h2)" ] || fail "web is on h2: $(where web)"
[ ! -e "$S2/web" ] || fail "a volume of web is left on h2"
no_leftovers h2
unslow
ok "the destination slave killed during a put: rolled back once it was back, nothing left"

# ---- the destination out of space: refused at the volume step (a
# --size below the version's files at the CLI), or filled during the
# copy (below) and rolled back
free=$(df -B1 --output=avail "$S2" | tail -1)
fallocate -l $((free - 60 * 1024 * 1024)) "$S2/filler"
before=$(lxc_truth)
rc=0; err=$(corral put web --host h2 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "put onto a full h2: exit $rc: $err"
err=$(echo "$err" | tail -n 1)   # before it: the job's progress lines
echo "$err" | grep -q "^corral: put: job [0-9]* failed during volume: volume on h2: .*not enough space in $S2: .*nothing changed" ||
	fail "put onto a full h2 said: $err"
expect_exit 1 "put web: --size 1 MiB is less than the [0-9]* MiB of files of version [0-9TZ]*$" \
	corral put web --host h2 --size 1M
[ "$(lxc_truth)" = "$before" ] || fail "a failed put changed the pool: $(lxc_truth)"
[ ! -e "$S2/web" ] || fail "a volume of web is left on the full h2"
[ "$(where web)" = "h1:running " ] || fail "web does not run on h1"
rm -f "$S2/filler"
# btrfs gives the space back after a commit, and its cleaner's pass
roomy() { btrfs filesystem sync "$1" >/dev/null; [ "$(df -B1 --output=avail "$1" | tail -n 1)" -gt $((600 << 20)) ]; }
wait_until 600 roomy "$S2" || fail "h2's space did not come back after the filler went"
no_leftovers h2
ok "a put onto a full host: refused at the volume naming h2's path; a --size below the files refused"

# ---- a link cut just before the copy (the master's pause hook): a get
# fails with no version and its rerun ends whole; a put rolls back once
# the link is back
PAUSE=4
paused() {
	"$POOLSH" stop master >/dev/null
	CORRAL_TEST_JOB_PAUSE="copy:$PAUSE" "$POOLSH" start master >/dev/null
	wait_until 200 host_up h1 && wait_until 200 host_up h2 || fail "hosts not up"
}
paused
nv=$(nversions web)
id=$(corral get web --detach) || fail "get --detach: $id"
wait_until 300 jq_of '.job.step == "copy"' corral job "$id" --json || fail "job $id never reached copy"
"$POOLSH" link h1 down
wait_until 900 ended "$id" || fail "job $id did not end with h1 cut off"
"$POOLSH" link h1 up
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("copy from h1"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
[ "$(nversions web)" = "$nv" ] || fail "a get cut off made a version"
wait_until 300 host_up h1 || fail "h1 not back"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
wait_until 200 host_up h1 || fail "h1 not up"
corral get web >/dev/null || fail "the get after the relink failed"
[ "$(nversions web)" = $((nv + 1)) ] || fail "no version after the relink"
no_leftovers h1
paused
id=$(corral put web --host h2 --detach) || fail "put --detach: $id"
wait_until 300 jq_of '.job.step == "copy"' corral job "$id" --json || fail "put job $id never reached copy"
"$POOLSH" link h2 down
sleep $((PAUSE + 6))
"$POOLSH" link h2 up
wait_until 1200 ended "$id" || fail "put job $id did not end"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("rolled back: nothing of web left on h2"))' >/dev/null ||
	fail "put job $id: $(corral job "$id")"
[ ! -e "$S2/web" ] || fail "a volume of web is left on h2"
no_leftovers h2
ok "a link cut before the copy: the get fails with no version and its rerun works; the put rolls back once h2 is back"
# h2 filled during the copy (the volume step found room)
id=$(corral put web --host h2 --detach) || fail "put --detach: $id"
wait_until 300 jq_of '.job.step == "copy"' corral job "$id" --json || fail "put job $id never reached copy"
free=$(df -B1 --output=avail "$S2" | tail -1)
fallocate -l $((free - 60 * 1024 * 1024)) "$S2/filler"
wait_until 1200 ended "$id" || fail "put job $id did not end"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("copy on h2: .*h2: receive @web.*No space left on device.*rolled back: nothing of web left on h2"))' >/dev/null ||
	fail "put job $id: $(corral job "$id")"
[ ! -e "$S2/web" ] || fail "a volume of web is left on the full h2"
[ "$(where web)" = "h1:running " ] || fail "web does not run on h1"
rm -f "$S2/filler"
wait_until 600 roomy "$S2" || fail "h2's space did not come back after the filler went"
no_leftovers h2
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
ok "h2 filled during a put's copy: out of space, rolled back, nothing left"

# ---- the store out of space
nv=$(nversions web)
head -c 100M /dev/urandom >"$S1/web/big/new2"
btrfs filesystem sync "$STORE" >/dev/null
free=$(df -B1 --output=avail "$STORE" | tail -1)
fallocate -l $((free - 40 * 1024 * 1024)) "$STORE/filler"
btrfs filesystem sync "$STORE" >/dev/null
rc=0; err=$(corral get web 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "get into a full store: exit $rc: $err"
err=$(echo "$err" | tail -n 1)   # before it: the job's progress lines
echo "$err" | grep -q "^corral: get: job [0-9]* failed during copy: copy from h1 into $STORE/web/.incoming: .*No space left on device" ||
	fail "get into a full store said: $err"
[ "$(nversions web)" = "$nv" ] || fail "a get into a full store made a version"
[ "$(where web)" = "h1:running " ] || fail "web does not run on h1"
no_leftovers h1
rm -f "$STORE/filler"
wait_until 600 roomy "$STORE" || fail "the store's space did not come back after the filler went"
ok "a get into a full store: one line naming the store and the lack of space, earlier versions kept"
