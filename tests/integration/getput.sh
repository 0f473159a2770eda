#!/usr/bin/env bash
# corral get and corral put through the real master, CLI and slaves
# (btrfs storage, the store on btrfs): a stopped container into a version,
# exact (the oracle tests/tree/same.sh) with its config; a running one
# through its snapshot, none left after; the newest version put onto
# another host under another name and started there (`lxc-ls` sees an
# ordinary container, its config with that host's paths); a copy that
# would start on a running container's address, on one a stopped
# container's config gives it, or on the one a create job not ended yet is
# making a container on, refused; made without --start, the CLI warns of
# it (stderr, --json's address_taken) and its control --start is refused
# while the other runs on it; refusals change nothing; a master killed with -9 during a get resumes it at its next
# start (the version exact, nothing sent twice beyond what had not
# arrived), during a put rolls it back (nothing left on the host); a
# cancelled get leaves the earlier versions as they were.
. "$(dirname "$0")/lib.bash"
SAME=$ROOT/tests/tree/same.sh
pool_up 2 --storage btrfs >/dev/null
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
L1=$("$POOLSH" lxcpath h1); L2=$("$POOLSH" lxcpath h2)
STORE=$("$POOLSH" store)

nversions() { { [ ! -d "$STORE/$1" ] || find "$STORE/$1" -mindepth 1 -maxdepth 1 -type d -name '2*'; } | wc -l; }

# ---- get: a stopped container
"$POOLSH" create h1 web --stopped >/dev/null
MKTREE_BIG=2M bash "$ROOT/tests/tree/mktree.sh" "$S1/web/data" 3 >/dev/null
out=$(corral get web --dry-run) || fail "get --dry-run: $out"
[ "$out" = "would get web from h1 into the store" ] || fail "get --dry-run said: $out"
[ ! -e "$STORE/web" ] || [ "$(nversions web)" = 0 ] || fail "the dry run made a version"
json=$(corral get web --json) || fail "get web: exit $?: $json"
echo "$json" | jq -e '.container == "web" and .host == "h1" and .kind == "get" and
    (.version | test("^[0-9]{8}T[0-9]{6}Z")) and .files > 50 and .bytes_on_wire > 0 and
    .stored > 0 and ([.steps[].step] | index("copy") != null and index("commit") != null)' \
    >/dev/null || fail "get --json: $json"
v1=$(echo "$json" | jq -r .version)
bash "$SAME" "$S1/web" "$STORE/web/$v1/rootfs" || fail "version $v1 differs from web's rootfs"
grep -Eq '^lxc.uts.name = "?web"?$' "$STORE/web/$v1/config" || fail "no config in the version: $(ls "$STORE/web/$v1")"
! grep -q "$S1\|$L1" "$STORE/web/$v1/config" || fail "h1's own paths in the stored config"
[ "$(where web)" = "h1:stopped " ] || fail "get changed web: $(where web)"
ok "get of a stopped container: a version, exact, with its config in neutral form"

# ---- get: a running one, through its snapshot
"$POOLSH" create h1 run1 >/dev/null
[ "$(where run1)" = "h1:running " ] || fail "run1 does not run"
out=$(corral get run1 --host h1) || fail "get run1: $out"
echo "$out" | tail -n 1 | grep -Eq "^got run1 from h1: version [0-9T]+Z, [0-9]+ files, .* on the wire, .* stored, [0-9.]+ s$" ||
	fail "get run1 said: $out"
[ "$(where run1)" = "h1:running " ] || fail "run1 stopped by the get"
no_leftovers h1
ok "get of a running container through its snapshot, dropped after; it kept running"

# ---- put: the newest version of web onto h2 as web2, started
out=$(corral put web --host h2 --as web2 --dry-run) || fail "put --dry-run: $out"
[ "$out" = "would put web on h2 as web2" ] || fail "put --dry-run said: $out"
[ -z "$(where web2)" ] || fail "the dry run made web2"
out=$(corral put web --host h2 --as web2) || fail "put: exit $?: $out"
echo "$out" | tail -n 1 | grep -Eq "^put web on h2 as web2 from version $v1: .* on the wire, [0-9.]+ s$" ||
	fail "put said: $out"
[ "$(where web2)" = "h2:stopped " ] || fail "web2 is at '$(where web2)', not stopped on h2"
bash "$SAME" "$STORE/web/$v1/rootfs" "$S2/web2" || fail "web2 on h2 differs from version $v1"
grep -Eq '^lxc.uts.name = "?web2"?$' "$L2/web2/config" || fail "web2's config does not name it: $(grep uts "$L2/web2/config")"
grep -q "^lxc.rootfs.path = .*$S2/web2" "$L2/web2/config" || fail "web2's rootfs is not h2's: $(grep rootfs "$L2/web2/config")"
! grep -q "$S1\|$L1" "$L2/web2/config" || fail "h1's paths in web2's config"
# web (on h1) and web2 are stopped on the version's address: a copy that
# would start on it is refused, naming the first (the inventory's order)
waddr=$(sed -n 's/^lxc.net.0.ipv4.address = \([^/]*\).*/\1/p' "$L1/web/config")
[ -n "$waddr" ] || fail "web has no address: $(grep lxc.net "$L1/web/config")"
wait_until 100 jq_of "any(.[]; .name == \"web2\" and .ipv4_config == \"$waddr\")" corral scan --json ||
	fail "the inventory has no configured address of web2: $(corral scan --json)"
expect_exit 1 "put web: $waddr is the address of container web on h1 too: web3 would start on it" \
	corral put web --host h2 --as web3 --start
[ -z "$(where web3)" ] || fail "the refused put made web3: $(where web3)"
# configured elsewhere, they leave it to the copy
sed -i "s|^lxc.net.0.ipv4.address = $waddr/|lxc.net.0.ipv4.address = ${waddr%.*}.201/|" "$L1/web/config"
sed -i "s|^lxc.net.0.ipv4.address = $waddr/|lxc.net.0.ipv4.address = ${waddr%.*}.202/|" "$L2/web2/config"
wait_until 100 jq_of "all(.[]; .ipv4_config != \"$waddr\")" corral scan --json ||
	fail "the inventory still has $waddr: $(corral scan --json)"
# ... but not while a create job makes a container on it (h1's slave
# paused in the midst: not in the inventory yet)
"$POOLSH" stop h1 >/dev/null
CORRAL_TEST_CREATE_PAUSE=20 "$POOLSH" start h1 >/dev/null
wait_until 100 host_up h1 || fail "h1 is not up again"
cid=$(corral create mk --ip "$waddr" --host h1 --detach) || fail "create mk --detach: $cid"
wait_until 100 grep -q "mk: volume made; pausing" "$POOL/h1/slave.log" ||
	fail "h1's slave never began making mk"
expect_exit 1 "put web: $waddr is the address of container mk, which job $cid is making on h1: web3 would start on it" \
	corral put web --host h2 --as web3 --start
[ -z "$(where web3)" ] || fail "the refused put made web3: $(where web3)"
wait_until 300 ended "$cid" || fail "create job $cid did not end"
jq_of '.job.state == "done"' corral job "$cid" --json || fail "create job $cid: $(corral job "$cid")"
corral remove mk --host h1 --force >/dev/null || fail "remove mk"
"$POOLSH" stop h1 >/dev/null; "$POOLSH" start h1 >/dev/null
wait_until 100 host_up h1 || fail "h1 is not up again"
wait_until 100 jq_of "all(.[]; .ipv4_config != \"$waddr\")" corral scan --json ||
	fail "the inventory still has $waddr: $(corral scan --json)"
json=$(corral put web --host h2 --as web3 --start --json) || fail "put --start: exit $?: $json"
echo "$json" | jq -e --arg v "$v1" '.container == "web" and .name == "web3" and
    .host == "h2" and .version == $v and .started == true and
    ([.steps[].step] | index("volume") != null and index("config-set") != null and
    index("start") != null)' >/dev/null || fail "put --json: $json"
[ "$(where web3)" = "h2:running " ] || fail "web3 is at '$(where web3)', not running on h2"
ok "put onto h2 as web2: exact, its config with h2's paths; as web3 --start: refused on web's and web2's configured address, and on the one a create job is making a container on, then it runs"

# ---- a copy of a running container's version, started, would take its
# address: refused before anything is done; not started, it is said
addr=$(sed -n 's/^lxc.net.0.ipv4.address = \([^/]*\).*/\1/p' "$L1/run1/config")
[ -n "$addr" ] || fail "run1 has no address: $(grep lxc.net "$L1/run1/config")"
wait_until 100 sh -c "corral scan --name run1 | grep -q ':$addr\$'" || fail "the inventory has no address of run1: $(corral scan --name run1)"
before=$(lxc_truth); njobs=$(corral jobs --all --json | jq length)
expect_exit 1 "put run1: $addr is the address of container run1 on h1 too: run1b would start on it" \
	corral put run1 --host h2 --as run1b --start
[ "$(lxc_truth)" = "$before" ] || fail "a refused put changed something: $(lxc_truth)"
[ "$(corral jobs --all --json | jq length)" = "$njobs" ] || fail "a refused put made a job"
json=$(corral put run1 --host h2 --as run1b --json 2>"$POOL/put.err") || fail "put run1 as run1b: $json"
[ "$(where run1b)" = "h2:stopped " ] || fail "run1b is at '$(where run1b)'"
grep -q "put run1b: $addr is the address of container run1 on h1 too: change one of them before run1b starts" \
	"$POOL/master/master.log" || fail "the shared address is not logged"
# said to the admin too: a warning line on stderr, the address in --json
[ "$(grep -c warning "$POOL/put.err")" = 1 ] &&
	grep -qx "corral: put: warning: $addr is the address of container run1 on h1 too: change one of them before run1b starts" "$POOL/put.err" ||
	fail "put without --start warned: '$(cat "$POOL/put.err")'"
echo "$json" | jq -e --arg a "$addr" '.address_taken == {"address": $a, "container": "run1", "host": "h1"}' >/dev/null ||
	fail "put --json has no address_taken: $json"
# and its start is refused while run1 runs on that address
expect_exit 1 "h2:run1b: $addr is the address of container run1 on h1 too: run1b would start on it" \
	corral control run1b --start
[ "$(where run1b)" = "h2:stopped " ] || fail "the refused start changed run1b: $(where run1b)"
# both stopped, both started at once: one runs, the other's start is
# refused (both passed the check, each reading the other as stopped)
corral control run1 --stop >/dev/null || fail "control run1 --stop"
ja=$(corral control run1 --start --detach) && jb=$(corral control run1b --start --detach) ||
	fail "control --start --detach: '$ja' '$jb'"
wait_until 600 ended "$ja" && wait_until 600 ended "$jb" || fail "the two starts did not end: $(corral jobs)"
[ "$(lxc_truth | grep -c -e '^h1:run1:running$' -e '^h2:run1b:running$')" = 1 ] ||
	fail "run1 and run1b on $addr: $(where run1) $(where run1b)"
corral jobs --all --json | jq -e --argjson a "$ja" --argjson b "$jb" '[.[] | select(.id == $a or .id == $b)] |
    (map(select(.state == "done")) | length) == 1 and
    (map(select(.state == "failed" and (.error | test("is the address of")))) | length) == 1' >/dev/null ||
	fail "the two starts: $(corral job "$ja"; corral job "$jb")"
if [ "$(where run1b)" = "h2:running " ]; then
	corral control run1b --stop >/dev/null && corral control run1 --start >/dev/null || fail "run1 back"
fi
corral remove run1b --host h2 --force >/dev/null || fail "remove run1b"
ok "put --start of a copy with a running container's address: refused, nothing changed; without --start: made, warned on stderr and in --json, its start refused; both started at once, one runs"

# ---- refusals: one line, exit 1 or 2, nothing changed
before=$(lxc_truth); nv=$(nversions web)
expect_exit 1 "h2 has a container web2 already" corral put web --host h2 --as web2
expect_exit 2 "usage" corral put web
expect_exit 1 "not a version name" corral put web --host h2 --as web3 --version 2026-bad
expect_exit 1 "no container nosuch" corral get nosuch
expect_exit 2 "not a valid name" corral get 'bad/name'
expect_exit 1 "no host h9" corral put web --host h9
expect_exit 1 "nosuch" corral put nosuch --host h2
out=$(corral put web --host h2 2>&1 >/dev/null) || fail "put web on h2: $out"
echo "$out" | grep -qx "corral: put: warning: $waddr is the address of container web3 on h2 too: change one of them before web starts" ||
	fail "put web on h2 (web3 runs on its address) warned: '$out'"
expect_exit 1 "web is on both h1 and h2: name one with --host" corral get web
[ "$(lxc_truth)" = "$( (echo "$before"; echo h2:web:stopped) | sort)" ] ||
	fail "a refusal changed something: $(lxc_truth)"
[ "$(nversions web)" = "$nv" ] || fail "a refusal made a version"
ok "refusals: a name taken, no host, a bad version or name, unknown, on two hosts"

# ---- kill -9 of the master during a get: resumed at the next start
"$POOLSH" create h1 big --stopped >/dev/null
mkdir "$S1/big/big"
head -c 160M /dev/zero | openssl enc -aes-128-ctr -pass pass:k -nosalt 2>/dev/null |
	split -b 4M - "$S1/big/big/f"
cp "$POOL/master/slaves.conf" "$POOL/slaves.conf.orig"
sed -i 's/^h1:.*/&,bwlimit=40m/' "$POOL/master/slaves.conf"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
id=$(corral get big --detach) || fail "get --detach: $id"
wait_until 600 jq_of ".job.step == \"copy\" and .job.bytes_done > 40000000" corral job "$id" --json ||
	fail "job $id never got far into the copy: $(corral job "$id")"
kill_master
[ "$(nversions big)" = 0 ] || fail "a killed get left a version"
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
"$POOLSH" start master >/dev/null
wait_until 1200 jq_of '.job.state != "running" and .job.state != "queued"' corral job "$id" --json ||
	fail "job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "done" and (.job.result | test("version="))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
grep -q "job $id get big: master restarted during copy: resuming" "$POOL/master/master.log" ||
	fail "the resume is not logged"
vb=$(corral job "$id" --json | jq -r '.job.result' | sed 's/.*version=\([^ ]*\).*/\1/')
bash "$SAME" "$S1/big" "$STORE/big/$vb/rootfs" || fail "the resumed version differs"
wire=$(corral job "$id" --json | jq -r '.job.result' | sed 's/.*wire=\([0-9]*\).*/\1/')
[ "$wire" -lt 150000000 ] || fail "the resumed get sent everything again ($wire bytes)"
[ ! -e "$STORE/big/.incoming" ] || fail ".incoming left after the resumed get"
no_leftovers h1
ok "a master killed during a get: resumed at restart, the version exact ($wire bytes on resume)"

# ---- kill -9 of the master during a put: rolled back at the next start
sed -i 's/^h2:.*/&,bwlimit=40m/' "$POOL/master/slaves.conf"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
id=$(corral put big --host h2 --detach) || fail "put --detach: $id"
wait_until 600 jq_of ".job.step == \"copy\" and .job.bytes_done > 20000000" corral job "$id" --json ||
	fail "put job $id never got into the copy: $(corral job "$id")"
kill_master
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
"$POOLSH" start master >/dev/null
wait_until 1200 jq_of '.job.state != "running" and .job.state != "queued"' corral job "$id" --json ||
	fail "put job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("rolled back"))' >/dev/null ||
	fail "put job $id: $(corral job "$id")"
[ -z "$(where big | grep h2)" ] || fail "big is on h2 after the roll back: $(where big)"
[ ! -e "$S2/big" ] || fail "a volume of big is left on h2"
no_leftovers h2
ok "a master killed during a put: rolled back at restart, nothing left on h2"

# ---- a cancelled get: the earlier versions as they were
sed -i 's/^h1:.*/&,bwlimit=20m/' "$POOL/master/slaves.conf"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
echo change >"$S1/big/big/new"
head -c 40M /dev/urandom >"$S1/big/big/more"
nv=$(nversions big)
id=$(corral get big --detach) || fail "get --detach: $id"
wait_until 600 jq_of '.job.step == "copy"' corral job "$id" --json || fail "job $id never copied"
corral cancel "$id" >/dev/null || fail "cancel $id"
wait_until 600 jq_of '.job.state == "cancelled"' corral job "$id" --json ||
	fail "job $id was not cancelled: $(corral job "$id")"
[ "$(nversions big)" = "$nv" ] || fail "a cancelled get made a version"
[ ! -e "$STORE/big/$vb/rootfs/big/new" ] || fail "the cancelled get changed version $vb"
cp "$POOL/slaves.conf.orig" "$POOL/master/slaves.conf"
no_leftovers h1
ok "a cancelled get: no version made, the earlier ones unchanged"

# ---- a snapshot an admin holds (corral snapshot) is an earlier instant:
# get, backup and move copy a container as it is now, so they refuse,
# naming it and how to drop it, and change nothing (a move that read it
# would have carried the container over without what it wrote since);
# (getput_steps.sh: the slave refuses one taken between the check and the
# copy)
"$POOLSH" create h1 held >/dev/null
echo before >"$S1/held/mark"
corral snapshot h1 held >/dev/null || fail "corral snapshot h1 held"
echo after >"$S1/held/mark"
nv=0
out=$(corral get held 2>&1) && fail "get read the admin's snapshot: $out"
echo "$out" | grep -q "held has a snapshot on h1 (corral snapshot.*corral snapshot h1 held --drop" ||
	fail "get's refusal does not name the snapshot: $out"
out=$(corral backup held 2>&1) && fail "backup read the admin's snapshot: $out"
echo "$out" | grep -q "held has a snapshot on h1" || fail "backup's report does not name the snapshot: $out"
[ "$(nversions held)" = "$nv" ] || fail "a refused get or backup made a version"
out=$(corral move held --to h2 2>&1) && fail "move read the admin's snapshot: $out"
echo "$out" | grep -q "held has a snapshot on h1" || fail "move's refusal does not name the snapshot: $out"
[ "$(where held)" = "h1:running " ] || fail "the refused move changed held: $(where held)"
[ ! -e "$S2/held" ] || fail "the refused move left a volume on h2"
corral snapshot h1 held --status | grep -q . || fail "the admin's snapshot is gone"
[ "$(cat "$S1/.corral-snap/held/mark")" = before ] || fail "the admin's snapshot changed"
corral snapshot h1 held --drop >/dev/null || fail "snapshot --drop"
# dropped: each copies held as it is now
json=$(corral get held --json) || fail "get held after the drop: $json"
v=$(echo "$json" | jq -r .version)
[ "$(cat "$STORE/held/$v/rootfs/mark")" = after ] || fail "version $v is not held as it is now"
corral move held --to h2 >/dev/null || fail "move held after the drop"
[ "$(cat "$S2/held/mark")" = after ] || fail "held moved without what it wrote last"
no_leftovers h1
no_leftovers h2
ok "a snapshot an admin holds is never a job's source: get, backup and move refuse, naming it; once dropped they copy the container as it is now"
