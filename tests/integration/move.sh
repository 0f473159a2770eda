#!/usr/bin/env bash
# corral move through the real master, CLI and slaves (dir
# storage): a stopped container moved whole (the oracle: rsync --checksum
# between its volume saved before and the one on the destination), its
# config equal but for the hosts' paths; a running one moved --cold runs
# on the destination only, its downtime printed; a running one moved hot
# (precopy rounds from its snapshot) as well; refusals (unknown container
# or host, the same host, --from wrong, a container on two hosts, a down
# host either side, bad names and usage) change nothing, a noselect host
# may be named; a container an admin froze is refused (it cannot stop
# cleanly);
# a master killed with -9 during the copy rolls the move back at its next
# start: the container on its source alone, with all its data, no volume
# left on the destination (move_fault.sh has the other recoveries);
# a config with a command LXC would run on the destination as root (a
# hook, a network script: what a compromised source could hand over) is
# refused by the destination at config-set, by a move and by a put of a
# version got from the source, rolled back and never run, and taken once
# the destination's corral.conf says carry_hooks = yes.
. "$(dirname "$0")/lib.bash"
pool_up 3 >/dev/null
L1=$("$POOLSH" lxcpath h1); L2=$("$POOLSH" lxcpath h2)
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
SAVE=$POOL/move-saved
mkdir -p "$SAVE"



# ---- a stopped container, cold
"$POOLSH" create h1 m1 --stopped >/dev/null
echo hello >"$S1/m1/root/note"
rsync -aHAX --numeric-ids "$S1/m1/" "$SAVE/m1/"
cp "$L1/m1/config" "$SAVE/m1.config"
out=$(corral move m1 --to h2 --dry-run) || fail "dry run: $out"
[ "$out" = "would move m1 from h1 to h2" ] || fail "dry run said: $out"
[ "$(where m1)" = "h1:stopped " ] || fail "the dry run changed something: $(where m1)"
json=$(corral move m1 --to h2 --json) || fail "move m1: exit $?: $json"
echo "$json" | jq -e '.container == "m1" and .from == "h1" and .to == "h2" and
    .downtime_s == 0 and .total_s > 0 and .bytes_on_wire > 0 and
    ([.steps[].step] | index("copy") != null and index("remove-source") != null)' >/dev/null ||
	fail "move --json: $json"
[ "$(where m1)" = "h2:stopped " ] || fail "m1 is at $(where m1), not on h2 alone"
[ ! -e "$S1/m1" ] || fail "m1's volume is still on h1"
diff=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete "$SAVE/m1/" "$S2/m1/")
[ -z "$diff" ] || fail "the copy on h2 differs: $diff"
diff <(sed -e "s#$L1#LXC#g" -e "s#$S1#STORE#g" "$SAVE/m1.config") \
    <(sed -e "s#$L2#LXC#g" -e "s#$S2#STORE#g" "$L2/m1/config") >"$SAVE/cdiff" ||
	fail "configs differ beyond the hosts' paths: $(cat "$SAVE/cdiff")"
ok "a stopped container moved cold: the same tree, the same config, gone from h1"

# ---- a running one, --cold
"$POOLSH" create h1 m2 >/dev/null
[ "$(where m2)" = "h1:running " ] || fail "m2 does not run on h1"
out=$(corral move m2 --to h2 --cold) || fail "move m2 --cold: $out"
echo "$out" | tail -n 1 | grep -Eq "^moved m2 from h1 to h2: downtime [0-9.]+ s, total [0-9.]+ s, .* on the wire$" ||
	fail "move m2 said: $out"
echo "$out" | grep -Eq "^  (stop|copy|start) " || fail "no step times: $out"
[ "$(where m2)" = "h2:running " ] || fail "m2 is at $(where m2), not running on h2 alone"
ok "a running container moved --cold runs on h2 alone, downtime printed"

# ---- a running one, hot: precopy rounds from its snapshot while it runs
"$POOLSH" create h1 m4 >/dev/null
corral control m4 --enable >/dev/null || fail "control m4 --enable"
json=$(corral move m4 --to h2 --json) || fail "move m4 (hot): $json"
echo "$json" | jq -e '([.steps[].step] | index("precopy") != null) and
    .downtime_s > 0 and .bytes_on_wire > 0' >/dev/null || fail "move m4 --json: $json"
[ "$(where m4)" = "h2:running " ] || fail "m4 is at $(where m4), not running on h2 alone"
# its autostart goes with it, set on h2 at the switch (its copy there is
# never autostarted before)
[ "$(grep -c '^lxc.start.auto' "$L2/m4/config")" = 1 ] && grep -q '^lxc.start.auto = 1$' "$L2/m4/config" ||
	fail "m4's autostart on h2: $(grep '^lxc.start' "$L2/m4/config")"
ok "a running container moved hot runs on h2 alone, its autostart with it: $(echo "$json" | jq .downtime_s) s down"

# ---- a container an admin froze (corral snapshot on dir): a move would
# stop it, and a frozen container's init never sees the halt signal (a
# kill after the time limit): refused, named, nothing changed; thawed, it
# moves
"$POOLSH" create h1 fz >/dev/null
corral snapshot h1 fz >/dev/null || fail "corral snapshot h1 fz (a freeze)"
rc=0; out=$(corral move fz --to h2 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "move of a frozen fz: exit $rc: $out"
echo "$out" | tail -n 1 | grep -q "fz is frozen on h1 (corral snapshot).*corral snapshot h1 fz --drop; nothing changed" ||
	fail "move of a frozen fz said: $out"
corral snapshot h1 fz --status --json | jq -e '.state == "frozen"' >/dev/null ||
	fail "the refused move thawed fz: $(corral snapshot h1 fz --status)"
[ -z "$(where fz | grep h2)" ] && [ ! -e "$S2/fz" ] || fail "the refused move left fz on h2"
corral snapshot h1 fz --drop >/dev/null || fail "thaw fz"
corral move fz --to h2 >/dev/null || fail "move fz after the thaw"
[ "$(where fz)" = "h2:running " ] || fail "fz is at $(where fz), not running on h2 alone"
ok "a frozen container is not moved (it cannot stop cleanly): refused, named; thawed, it moves"

# ---- refusals: one line, exit 1 or 2, nothing changed
"$POOLSH" create h3 m5 --stopped >/dev/null        # on a host that goes down
"$POOLSH" create h1 m6 --stopped >/dev/null        # on two hosts
"$POOLSH" create h2 m6 --stopped >/dev/null
wait_until 100 jq_of '[.[] | select(.name == "m6")] | length == 2' corral scan --json ||
	fail "m6 not seen on two hosts: $(corral scan)"
before=$(lxc_truth)
jobs_before=$(corral jobs --all --json | jq length)
expect_exit 1 "no container nosuch" corral move nosuch --to h2
expect_exit 1 "no container nosuch" corral move nosuch --to h2 --json
expect_exit 1 "m1 is on h2 already" corral move m1 --to h2
expect_exit 1 "m1 is on h2 already" corral move m1 --to h2 --from h2
expect_exit 1 "no container m1 on h1" corral move m1 --to h3 --from h1
expect_exit 1 "no host h9" corral move m1 --to h1 --from h9
expect_exit 1 "m6 is on both h1 and h2: name one with --from" corral move m6 --to h3
expect_exit 2 "not a valid name" corral move 'bad/name' --to h2
expect_exit 2 "'..' is not a valid name" corral move m1 --to ..
expect_exit 2 "'h/1' is not a valid name" corral move m1 --to h1 --from h/1
expect_exit 2 'is not a valid name' corral move $'m1\nm2' --to h1
expect_exit 2 'is not a valid name' corral move "$(printf 'x%.0s' $(seq 1 300))" --to h1
expect_exit 2 "usage" corral move m1
expect_exit 2 "usage" corral move --to h1
expect_exit 2 "usage" corral move m1 m2 --to h1
expect_exit 2 "" corral move m1 --to h1 --bogus
# a noselect host may be named: it is only never chosen automatically
sed -i 's/^h3:.*/&,noselect/' "$POOL/master/slaves.conf"
kill -HUP "$(cat "$POOL/master/master.pid")"
wait_until 300 jq_of '.[] | select(.name == "h3") | .state == "noselect"' corral hosts --json ||
	fail "h3 not seen noselect: $(corral hosts)"
out=$(corral move m1 --to h3 --dry-run) || fail "a move to a noselect host refused: $out"
[ "$out" = "would move m1 from h2 to h3" ] || fail "dry run to noselect h3 said: $out"
"$POOLSH" stop h3 >/dev/null
wait_until 300 jq_of '.[] | select(.name == "h3") | .state == "down"' corral hosts --json ||
	fail "h3 not seen down"
expect_exit 1 "h3 is down" corral move m1 --to h3
expect_exit 1 "m5 is on h3, which is down" corral move m5 --to h1
expect_exit 1 "no host h9" corral move m1 --to h9
[ "$(lxc_truth)" = "$before" ] || fail "a refusal changed something"
[ "$(corral jobs --all --json | jq length)" = "$jobs_before" ] || fail "a refusal made a job: $(corral jobs --all)"
ok "refusals: unknown container or host, the same host, --from wrong, on two hosts, a down host (to or from), bad names and usage; a noselect host may be named"

# ---- kill -9 of the master during the copy
"$POOLSH" create h1 m3 --stopped >/dev/null
dd if=/dev/urandom of="$S1/m3/big" bs=1M count=200 status=none
sum=$(sha256sum <"$S1/m3/big")
id=$(corral move m3 --to h2 --detach) || fail "move --detach: $id"
wait_until 600 jq_of ".[] | select(.id == $id and .step == \"copy\")" corral jobs --json ||
	fail "job $id never reached copy: $(corral jobs)"
kill_master
"$POOLSH" start master >/dev/null
wait_until 1200 jq_of '.job.state != "running" and .job.state != "queued"' corral job "$id" --json ||
	fail "job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("rolled back"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
grep -q "job $id move m3: master restarted during copy: rolled back" "$POOL/master/master.log" ||
	fail "the roll back is not logged"
[ "$(where m3)" = "h1:stopped " ] || fail "m3 is at $(where m3), not on h1 alone"
[ ! -e "$S2/m3" ] || fail "a volume of m3 is left on h2"
[ "$(sha256sum <"$S1/m3/big")" = "$sum" ] || fail "m3 lost data"
ok "a master killed during the copy: rolled back at restart, m3 whole on h1 alone"

# ---- hooks and network scripts: refused by the destination, which would
# run them as root at the container's start, unless its admin takes them
MARK=$POOL/hook-ran      # made by the command, were it ever run
HOOK="lxc.hook.pre-start = /bin/sh -c 'touch $MARK'"
SCRIPT="  lxc.net.0.script.up=/bin/sh -c 'touch $MARK'"   # as LXC reads it too
CMD="a command LXC runs on this host as root"
refusal() {  # refusal C KEY [WHAT]: the start of h2's error
	echo "h2: CONF_SET $1: $1's config has $2 (${3:-$CMD}): refused; carry_hooks = yes in this slave's corral.conf accepts it;"
}
# failed_at ID WANT_START WANT_END: job ID failed at config-set, its
# error starting and ending so
failed_at() {
	wait_until 600 ended "$1" || fail "job $1 did not end: $(corral job "$1")"
	corral job "$1" --json | jq -e --arg s "$2" --arg e "$3" '.job.state == "failed" and
	    .job.step == "config-set" and (.job.error | startswith($s) and endswith($e))' >/dev/null ||
		fail "job $1: $(corral job "$1" --json | jq -c '.job | {kind, state, step, error}')"
}
"$POOLSH" create h1 hk --stopped >/dev/null
echo kept >"$S1/hk/root/note"
cp "$L1/hk/config" "$SAVE/hk.config"
# refused_move C KEY: C moved to h2 fails at config-set naming KEY and
# h2, rolled back: C whole on h1 (its config as it was), nothing of it on
# h2
refused_move() {  # C KEY [WHAT]
	local c=$1 k=$2 what=${3:-$CMD}
	cp "$L1/$c/config" "$SAVE/$c.before"
	RID=$(corral move "$c" --to h2 --detach) || fail "move $c --detach: $RID"
	failed_at "$RID" "config-set: $(refusal "$c" "$k" "$what")" "; rolled back: $c is on h1 as before"
	[ "$(where "$c")" = "h1:stopped " ] || fail "$c is at $(where "$c") after the refused move"
	cmp -s "$SAVE/$c.before" "$L1/$c/config" || fail "the refused move changed $c's config on h1"
	[ "$(cat "$S1/$c/root/note")" = kept ] || fail "the refused move changed $c's volume on h1"
	[ ! -e "$L2/$c" ] && [ ! -e "$S2/$c" ] || fail "the refused move left $c on h2: $(ls -d "$L2/$c" "$S2/$c" 2>&1)"
	grep -qF "CONF_SET $c: $c's config has $k ($what)" "$POOL/h2/slave.log" || fail "h2 did not log the refusal of $k"
}
echo "$HOOK" >>"$L1/hk/config"
refused_move hk lxc.hook.pre-start
ok "a move of hk with lxc.hook.pre-start: refused by h2 at config-set (job $RID), rolled back, hk whole on h1, nothing on h2"
cp "$SAVE/hk.config" "$L1/hk/config"
echo "$SCRIPT" >>"$L1/hk/config"
refused_move hk lxc.net.0.script.up
ok "a move of hk with lxc.net.0.script.up (indented, no blanks around '='): refused alike (job $RID)"
# files of the host: an include from outside LXC's own configs (one in
# the container's tree could hold hooks), a log LXC would append the
# container's output to as root
FILE="a file of this host LXC reads as its config or writes as root"
echo "lxc.uts.name = hk" >"$S1/hk/root/evil.conf"   # a hook, were it evil
for line in "lxc.include = $S1/hk/root/evil.conf" "lxc.console.logfile = /etc/cron.d/corral-test"; do
	cp "$SAVE/hk.config" "$L1/hk/config"
	echo "$line" >>"$L1/hk/config"
	refused_move hk "$line" "$FILE"
done
[ ! -e /etc/cron.d/corral-test ] || fail "h2 wrote the console log into /etc/cron.d"
cp "$SAVE/hk.config" "$L1/hk/config"
echo "$SCRIPT" >>"$L1/hk/config"         # as the cases below expect it
ok "a move of hk with an include from its own tree, or a console log in /etc/cron.d: refused alike (job $RID)"

# a get then a put: the version's config came from h1 too
echo "$HOOK" >>"$L1/hk/config"
corral get hk >/dev/null || fail "get hk"
RID=$(corral put hk --host h2 --as hkp --detach) || fail "put hk --detach: $RID"
failed_at "$RID" "config-set on h2: $(refusal hkp lxc.net.0.script.up)" "; rolled back: nothing of hkp left on h2"
[ ! -e "$L2/hkp" ] && [ ! -e "$S2/hkp" ] && [ -z "$(where hkp)" ] || fail "the refused put left hkp on h2"
ok "a put of hk's version (a script and a hook, its config from h1): refused by h2 at config-set (job $RID), rolled back"

# the admin of h2 takes them
echo "carry_hooks = yes" >>"$POOL/h2/corral.conf"
"$POOLSH" stop h2
"$POOLSH" start h2
wait_until 300 host_up h2 || fail "h2 not up again: $(corral hosts)"
out=$(corral move hk --to h2) || fail "move hk to h2 with carry_hooks = yes: $out"
[ "$(where hk)" = "h2:stopped " ] || fail "hk is at $(where hk), not on h2 alone"
grep -qxF "$HOOK" "$L2/hk/config" && grep -qxF "$SCRIPT" "$L2/hk/config" ||
	fail "hk's hook or script is not in h2's config: $(grep -e hook -e script "$L2/hk/config")"
[ "$(cat "$S2/hk/root/note")" = kept ] || fail "hk's volume on h2 lacks its note"
corral put hk --host h2 --as hkp >/dev/null || fail "put hk on h2 as hkp with carry_hooks = yes"
grep -qxF "$HOOK" "$L2/hkp/config" || fail "hkp's hook is not in h2's config"
[ ! -e "$MARK" ] || fail "a carried hook or script ran"
ok "carry_hooks = yes on h2: hk moved and put there with its hook and script; none ever ran"

rm -rf "$SAVE"
