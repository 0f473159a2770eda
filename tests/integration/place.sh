#!/usr/bin/env bash
# corral place, corral host drain/undrain and corral balance through the
# real master, CLI and slaves (dir storage, three hosts):
# place on the pool names an eligible host and gives every host a score and
# a reason (drained, memory); a drained host is never chosen; draining a
# host with running containers moves them, running, to the other hosts;
# balance --apply on a skewed pool (every container on one host) moves real
# containers, which keep running, and the plan after it is smaller, and
# a pair of hosts whose destination is drained while an earlier pair's
# moves run is not run (its recheck); a drain while one move runs toward
# the host and another is queued toward it names both, exits 1, and the
# queued one is refused at its start; one that starts as the host is
# drained, before its check, is named refused and the drain exits 0, and
# named arriving (exit 1) if the host is undrained before that check; a
# drain --detach prints its move's job id at once, a real job that ends
# done; a drain tells each of its jobs on stderr as it is queued and as
# it ends; balance --apply --detach is refused (its pairs are queued one
# after the other); bad input is a one-line error and changes nothing.  The hosts of the pool
# share this machine's memory and CPU figures: what tells them apart here
# is their container count (the score's count term).
. "$(dirname "$0")/lib.bash"
pool_up 3 >/dev/null

where() { lxc_truth | grep ":$1:" | cut -d: -f1,3 | tr '\n' ' '; }
count_on() { lxc_truth | grep -c "^$1:.*:running$" || true; }

# ---- place on an empty pool: a host, three candidates
json=$(corral place --json) || fail "place: exit $?: $json"
echo "$json" | jq -e '(.host | test("^h[123]$")) and (.candidates | length == 3)
    and all(.candidates[]; .excluded == null and (.score | type == "number"))
    and .candidates[0].name == .host' >/dev/null || fail "place --json: $json"
out=$(corral place --memory 256 --disk 1G) || fail "place: $out"
echo "$out" | grep -q "<- chosen" || fail "place said: $out"
ok "place: a host chosen, every host a candidate with a score"

# too big for any host: no host, each excluded for memory, exit 1
rc=0; json=$(corral place --memory 100000G --json) || rc=$?
[ "$rc" -eq 1 ] || fail "place --memory 100000G: exit $rc"
echo "$json" | jq -e '.host == null and all(.candidates[]; .excluded == "memory")' \
    >/dev/null || fail "place --memory 100000G: $json"
ok "place: a container too big for every host: null, reason memory, exit 1"

# ---- bad input: one line, nothing changed
before=$(lxc_truth)
expect_exit 2 "--memory '0': must be more than 0" corral place --memory 0
expect_exit 2 "is not a size" corral place --disk lots
expect_exit 2 "unexpected argument" corral place h1
expect_exit 1 "no host h9" corral host drain h9
expect_exit 1 "no host h9" corral host undrain h9
expect_exit 1 "not a valid host name" corral host drain 'bad/name'
expect_exit 2 "usage" corral host drain
expect_exit 2 "exclude each other" corral balance --dry-run --apply
expect_exit 2 "not a number from 1 to 1000" corral balance --max-moves 0
expect_exit 2 "not a number from 1 to 1000" corral balance --max-moves x
expect_exit 2 "--detach: --apply queues each pair" corral balance --apply --detach
expect_exit 2 "exclude each other" corral host drain h1 --dry-run --detach
[ "$(lxc_truth)" = "$before" ] || fail "bad input changed something"
[ "$(host_field h1 state)" = up ] || fail "h1 is $(host_field h1 state)"
ok "bad input: unknown host, --memory 0, bad sizes and counts: one line, nothing changed"

# ---- drain h1 with two running containers
"$POOLSH" create h1 d1 >/dev/null
"$POOLSH" create h1 d2 >/dev/null
[ "$(where d1)$(where d2)" = "h1:running h1:running " ] || fail "d1, d2 not running on h1"
plan=$(corral host drain h1 --dry-run --json) || fail "drain --dry-run: $plan"
echo "$plan" | jq -e '(.moves | length) == 2 and all(.moves[]; .from == "h1"
    and (.to == "h2" or .to == "h3") and .job == null)' >/dev/null ||
	fail "drain --dry-run: $plan"
[ "$(host_field h1 drained)" = false ] || fail "a dry run marked h1 drained"
[ "$(where d1)$(where d2)" = "h1:running h1:running " ] || fail "the dry run moved something"
json=$(corral host drain h1 --json) || fail "drain h1: exit $?: $json"
echo "$json" | jq -e '(.moves | length) == 2 and all(.moves[]; .note == "done"
    and (.job | type == "number"))' >/dev/null || fail "drain h1: $json"
for c in d1 d2; do
	w=$(where $c)
	[ "$w" = "h2:running " ] || [ "$w" = "h3:running " ] ||
		fail "$c is at '$w', not running on h2 or h3 alone"
done
# drained beside its state, which stays up (the three of corral hosts)
[ "$(host_field h1 drained)" = true ] && [ "$(host_field h1 state)" = up ] ||
	fail "h1 is $(host_field h1 state), drained $(host_field h1 drained), not up and drained"
corral hosts | grep -q '^h1 .* drained$' || fail "corral hosts does not say h1 is drained: $(corral hosts)"
json=$(corral place --json) || fail "place: $json"
echo "$json" | jq -e '.host != "h1" and (.candidates[] | select(.name == "h1") |
    .excluded == "drained")' >/dev/null || fail "place after the drain: $json"
# named as a destination: refused up front, nothing queued
before=$(lxc_truth)
jobs_before=$(corral jobs --json | jq length)
expect_exit 1 "h1 is drained (corral host undrain h1 first)" corral move d1 --to h1
expect_exit 1 "h1 is drained (corral host undrain h1 first)" corral create h1 dz
[ "$(lxc_truth)" = "$before" ] && [ "$(corral jobs --json | jq length)" = "$jobs_before" ] ||
	fail "a refused move or create to drained h1 changed something"
ok "drain: h1's running containers run on h2/h3; h1 drained, never chosen, refused as a destination"

out=$(corral host undrain h1) || fail "undrain: $out"
[ "$out" = "h1: undrained" ] || fail "undrain said: $out"
[ "$(host_field h1 drained)" = false ] || fail "h1 still drained after undrain"
ok "undrain: h1 a candidate again"

# ---- drain --detach: the id of its move job at once, a real job that
# ends done (dd removed after: the balance below counts containers)
"$POOLSH" create h1 dd >/dev/null
jd=$(corral host drain h1 --detach) || fail "drain h1 --detach: exit $?: $jd"
[[ $jd =~ ^[0-9]+$ ]] || fail "drain h1 --detach said: $jd"
jq_of '.job.kind == "move" and .job.container == "dd" and .job.src == "h1"' \
    corral job "$jd" --json || fail "job $jd: $(corral job "$jd" --json)"
wait_until 100 ended "$jd" || fail "job $jd never ended: $(corral job "$jd")"
jq_of '.job.state == "done"' corral job "$jd" --json || fail "job $jd: $(corral job "$jd")"
w=$(where dd)
[ "$w" = "h2:running " ] || [ "$w" = "h3:running " ] || fail "dd is at '$w', not running on h2 or h3"
[ "$(host_field h1 drained)" = true ] || fail "drain --detach did not mark h1 drained"
corral host undrain h1 >/dev/null || fail "undrain h1"
corral remove dd --host "${w%%:*}" --force >/dev/null 2>&1 || fail "remove dd"
ok "drain --detach: job $jd's id at once, its move of dd done"

# ---- balance on a skewed pool: everything on h2
for c in d1 d2; do
	[ "$(where $c)" = "h2:running " ] || corral move $c --to h2 >/dev/null ||
		fail "move $c to h2"
done
for c in b1 b2 b3 b4; do "$POOLSH" create h2 $c >/dev/null; done
[ "$(count_on h2)" -eq 6 ] || fail "h2 runs $(count_on h2) containers, not 6"
# the master with the pause hook of the jobs (an empty file: none yet)
PAUSEF=$POOL/job-pause
: >"$PAUSEF"
master_again CORRAL_TEST_JOB_PAUSE="$PAUSEF" -- h1 h2 h3
before=$(lxc_truth)
plan=$(corral balance --json) || fail "balance: $plan"
n=$(echo "$plan" | jq '.moves | length')
echo "$plan" | jq -e '(.moves | length) > 0 and .imbalance_after < .imbalance_before
    and all(.moves[]; .from == "h2" and (.to == "h1" or .to == "h3") and .gain > 1
    and .from_after < .from_before and .to_after > .to_before and .job == null)' \
    >/dev/null || fail "balance plan: $plan"
[ "$(lxc_truth)" = "$before" ] || fail "balance --dry-run changed something"
ok "balance --dry-run: a plan of $n moves off h2, nothing changed"

# --apply runs one pair of hosts at a time, each rechecked just before its
# moves are queued: the second pair's destination, drained while the
# first pair's moves run (held at their volume step), is not run, and
# nothing goes there; the first pair's moves are done
echo "volume:10" >"$PAUSEF"
corral balance --apply --json >"$POOL/balance.json" 2>"$POOL/balance.err" &
bpid=$!
wait_until 100 jq_of 'any(.[]; .kind == "move" and .state == "running" and .step == "volume")' \
    corral jobs --json || fail "no move of balance at its volume step: $(corral jobs)"
: >"$PAUSEF"
# the first pair's destination is the running moves' (h1 and h3 tie)
first=$(corral jobs --json | jq -r '[.[] | select(.kind == "move" and .state == "running")][0].dst')
case $first in h1) other=h3 ;; h3) other=h1 ;; *) fail "a move of balance to '$first'" ;; esac
out=$(corral host drain "$other") || fail "drain $other (empty): exit $?: $out"
rc=0; wait "$bpid" || rc=$?
json=$(cat "$POOL/balance.json")
[ "$rc" -eq 0 ] || fail "balance --apply with $other drained: exit $rc: $json $(cat "$POOL/balance.err")"
echo "$json" | jq -e --arg o "$other" --arg f "$first" '.error == null and
    any(.moves[]; .to == $o) and any(.moves[]; .to == $f) and
    all(.moves[]; if .to == $o then .job == null and
        .note == "not run: \($o) may not take it now (drained)"
    else .note == "done" end)' >/dev/null || fail "balance --apply, $other drained: $json"
! lxc_truth | grep -q "^$other:" || fail "something went to drained $other: $(lxc_truth)"
out=$(corral host undrain "$other") || fail "undrain $other: $out"
ok "balance --apply: the pair toward $other, drained meanwhile, not run; the pair toward $first done"

json=$(corral balance --apply --json) || fail "balance --apply: exit $?: $json"
echo "$json" | jq -e '.error == null and (.moves | length) > 0 and
    all(.moves[]; .note == "done")' >/dev/null || fail "balance --apply: $json"
for m in $(echo "$json" | jq -r '.moves[] | "\(.container):\(.to)"'); do
	[ "$(where "${m%%:*}")" = "${m#*:}:running " ] ||
		fail "${m%%:*} is at '$(where "${m%%:*}")', not running on ${m#*:}"
done
[ "$(count_on h2)" -lt 6 ] || fail "h2 still runs 6"
[ "$(lxc_truth | grep -c ':running$')" -eq 6 ] || fail "not 6 running: $(lxc_truth)"
# those just moved are in their cooldown: the next plan is smaller
plan=$(corral balance --json) || fail "balance after: $plan"
moved=$(echo "$json" | jq -c '[.moves[].container]')
echo "$plan" | jq -e --argjson moved "$moved" --argjson n "$n" '(.moves | length) < $n
    and all(.moves[]; .container as $c | $moved | index($c) == null)' >/dev/null ||
	fail "the plan after --apply: $plan (moved: $moved)"
ok "balance --apply: $(echo "$json" | jq '.moves | length') containers moved off h2, all running; moved ones in their cooldown"

# ---- a drain while jobs bring containers to h1.  A move toward h1 held
# at its volume step (the master's pause hook, before it makes anything
# there) runs through the drain: the drain names it arriving and exits 1.
# A move toward h1 queued before the drain (held by jobs_per_host = 1) is
# named as queued, and refused at its start once h1 is drained: a2 still
# runs on h3, nothing of it on h1.  A second drain, once the first move
# has ended, empties h1.
"$POOLSH" create h2 a1 >/dev/null
"$POOLSH" create h3 a2 >/dev/null
echo "volume:20" >"$PAUSEF"
echo "jobs_per_host = 1" >>"$CORRAL_CONF"
master_again CORRAL_TEST_JOB_PAUSE="$PAUSEF" -- h1 h2 h3
ja=$(corral move a1 --to h1 --detach) || fail "move a1 --detach: $ja"
wait_until 100 jq_of '.job.step == "volume"' corral job "$ja" --json ||
	fail "job $ja never at its volume step: $(corral job "$ja")"
jb=$(corral move a2 --to h1 --detach) || fail "move a2 --detach: $jb"
jq_of '.job.state == "queued"' corral job "$jb" --json ||
	fail "job $jb not held by jobs_per_host = 1: $(corral job "$jb")"
# the dry run names both, as text, and exits 1
rc=0; out=$(corral host drain h1 --dry-run) || rc=$?
[ "$rc" -eq 1 ] || fail "drain --dry-run with job $ja arriving: exit $rc: $out"
echo "$out" | grep -qx "job $ja move a1: arriving on h1: drain again once it ends" ||
	fail "drain --dry-run does not name job $ja arriving: $out"
echo "$out" | grep -qx "job $jb move a2: queued toward h1: would be refused" ||
	fail "drain --dry-run does not name job $jb queued: $out"
echo "$out" | tail -n 1 | grep -q "; 1 more arriving$" || fail "drain --dry-run said: $out"
[ "$(host_field h1 drained)" = false ] || fail "a dry run marked h1 drained"
corral host drain h1 --json >"$POOL/drain.json" 2>"$POOL/drain.err" &
dpid=$!
h1_drained() { [ "$(host_field h1 drained)" = true ]; }
wait_until 100 h1_drained || fail "h1 not drained: $(corral hosts)"
: >"$PAUSEF"        # the drain's own moves do not wait
rc=0; wait "$dpid" || rc=$?
json=$(cat "$POOL/drain.json")
[ "$rc" -eq 1 ] || fail "drain h1 with job $ja arriving: exit $rc: $json $(cat "$POOL/drain.err")"
echo "$json" | jq -e --argjson a "$ja" --argjson b "$jb" '.arriving == [
    {"job": $a, "kind": "move", "container": "a1", "state": "running",
     "note": "arriving on h1: drain again once it ends"},
    {"job": $b, "kind": "move", "container": "a2", "state": "queued",
     "note": "queued toward h1: will be refused"}]
    and all(.moves[]; .note == "done")' >/dev/null || fail "drain h1: $json"
jq_of '.job.state == "done"' corral job "$ja" --json || fail "job $ja: $(corral job "$ja")"
[ "$(where a1)" = "h1:running " ] || fail "a1 is at '$(where a1)', not running on h1"
ok "drain: a move running toward h1 is named arriving (exit 1), one queued as refused"

wait_until 100 ended "$jb" || fail "job $jb never ended: $(corral job "$jb")"
jq_of '.job.state == "failed" and .job.step == "" and .job.error ==
    "h1 is drained (corral host undrain h1 first): a2 not brought there; nothing changed"' \
    corral job "$jb" --json || fail "job $jb: $(corral job "$jb" --json)"
[ "$(where a2)" = "h3:running " ] || fail "a2 is at '$(where a2)', not running on h3 alone"
[ ! -e "$("$POOLSH" storage h1)/a2" ] && [ ! -e "$("$POOLSH" lxcpath h1)/a2" ] ||
	fail "something of a2 is on h1"
ok "a move queued toward h1 before its drain is refused at its start: a2 on h3, nothing on h1"

sed -i '/^jobs_per_host = 1$/d' "$CORRAL_CONF"
master_again CORRAL_TEST_JOB_PAUSE="$PAUSEF" -- h2 h3
wait_until 100 h1_drained || fail "h1 not drained after the master's restart: $(corral hosts)"
out=$(corral host drain h1 2>"$POOL/drain-again.err") || fail "drain h1 again: exit $?: $out"
echo "$out" | tail -n 1 | grep -qx "h1: drained; 1 of 1 containers moved" || fail "drain h1 again: $out"
# its job on stderr (not a terminal) as queued and as ended, the same id
err=$(cat "$POOL/drain-again.err")
jq=$(echo "$err" | sed -n 's/^job \([0-9]*\) queued: move a1 h1 -> h[23]$/\1/p')
[ -n "$jq" ] && echo "$err" | grep -Eqx "job $jq done: move a1 h1 -> h[23]" ||
	fail "drain h1 again: its job not told on stderr: $err"
! lxc_truth | grep -q "^h1:" || fail "h1 not empty: $(lxc_truth)"
ok "drain again once the move has ended: h1 empty"

# ---- a move that starts toward h1 just as h1 is drained: running, held
# before its check of a drained destination (the pause hook "admit").  The
# drain's mark comes first, so the check refuses it: nothing arrives, the
# drain names it refused and exits 0 (it was named arriving, exit 1)
# h1 undrained, a move of a1 toward it running, held 15 s before its
# check (the hook's file emptied: its other steps go on): its id
move_held_at_admit() {
	local out id
	out=$(corral host undrain h1) || fail "undrain h1: $out"
	echo "admit:15" >"$PAUSEF"
	id=$(corral move a1 --to h1 --detach) || fail "move a1 --detach: $id"
	wait_until 100 jq_of '.job.state == "running" and .job.step == ""' corral job "$id" --json ||
		fail "job $id never running before its check: $(corral job "$id")"
	: >"$PAUSEF"
	echo "$id"
}
jc=$(move_held_at_admit) || exit 1   # its fail said why
rc=0; json=$(corral host drain h1 --json) || rc=$?
[ "$rc" -eq 0 ] || fail "drain h1 with job $jc starting toward it: exit $rc: $json"
echo "$json" | jq -e --argjson c "$jc" '.arriving == [
    {"job": $c, "kind": "move", "container": "a1", "state": "failed",
     "note": "refused at its start: h1 is drained"}] and .moves == []' >/dev/null ||
	fail "drain h1: $json"
jq_of '.job.state == "failed" and .job.step == "" and .job.error ==
    "h1 is drained (corral host undrain h1 first): a1 not brought there; nothing changed"' \
    corral job "$jc" --json || fail "job $jc: $(corral job "$jc" --json)"
! lxc_truth | grep -q "^h1:" || fail "h1 not empty: $(lxc_truth)"
ok "drain: a move starting toward h1 as it is drained is named refused at its start, exit 0; h1 empty"

# ---- the same, but h1 undrained before the move's check: the move passes
# it and runs, so the drain, which waits only for that check, names it
# arriving and exits 1 (it waited for the move's end and named it refused
# at its start, state done, exit 0, with a1 landed on h1)
jd=$(move_held_at_admit) || exit 1
drainout=$POOL/drain-undrained.json
rc=0; corral host drain h1 --json >"$drainout" & dpid=$!
wait_until 100 h1_drained || fail "h1 never drained: $(corral hosts)"
out=$(corral host undrain h1) || fail "undrain h1: $out"
wait "$dpid" || rc=$?
json=$(cat "$drainout")
[ "$rc" -eq 1 ] || fail "drain h1, undrained before job $jd's check: exit $rc: $json"
echo "$json" | jq -e --argjson d "$jd" '.arriving == [
    {"job": $d, "kind": "move", "container": "a1", "state": "running",
     "note": "arriving on h1: drain again once it ends"}]' >/dev/null ||
	fail "drain h1: $json"
wait_until 300 ended "$jd" || fail "job $jd never ended: $(corral job "$jd")"
jq_of '.job.state == "done"' corral job "$jd" --json || fail "job $jd: $(corral job "$jd" --json)"
[ "$(where a1)" = "h1:running " ] || fail "a1 is at '$(where a1)', not running on h1"
ok "drain: a move that passes its check as h1 is undrained meanwhile is named arriving (exit 1) while it runs"
