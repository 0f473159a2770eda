#!/usr/bin/env bash
# corral remove through the real master, CLI and slaves: refused while the
# container runs and when it is kept nowhere else (the pool's store is
# empty), allowed with --force or when another host has a container of
# that name (also a whole copy a failed put left there); --dry-run
# changes nothing and says what would happen; bad
# names, unknown hosts and containers: one line, nothing changed; corral
# jobs shows the job and its steps; a master killed -9 at the stop step
# starts the container again at its next start; one killed during the
# remove step recovers the job at its next start and finishes the removal.
. "$(dirname "$0")/lib.bash"
pool_up 2 >/dev/null
L1=$("$POOLSH" lxcpath h1)
S1=$("$POOLSH" storage h1)
state_of() { lxc_truth | grep "^$1:$2:" | cut -d: -f3; }
gone() {  # gone CT: nothing of CT left on h1
	[ -z "$(state_of h1 "$1")" ] && [ ! -e "$L1/$1" ] && [ ! -e "$S1/$1" ] &&
		! ls -A "$L1" | grep -q "corral-removing" ||
		fail "$1: left on h1: $(ls -A "$L1" "$S1")"
}
# refused CMD... PATTERN: a job that fails at check, its last line naming
# the rule
refused() {
	local pat=$1 rc=0 err; shift
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq 1 ] || fail "$*: exit $rc, not 1 ($err)"
	echo "$err" | tail -n 1 | grep -q "job [0-9]* failed during check: $pat" ||
		fail "$*: said '$err', not /$pat/"
}

"$POOLSH" create h1 run1 >/dev/null
"$POOLSH" create h1 solo --stopped >/dev/null
[ "$(state_of h1 run1)" = running ] && [ "$(state_of h1 solo)" = stopped ] ||
	fail "setup: $(lxc_truth)"

# bad input: one line, nothing changed
expect_exit 2 "usage" corral remove run1
expect_exit 2 "usage" corral remove --host h1
expect_exit 1 "'../x' is not a valid container name" corral remove ../x --host h1
expect_exit 1 "no host 'h9'" corral remove run1 --host h9
expect_exit 1 "no container nosuch on h1" corral remove nosuch --host h1
expect_exit 1 "no container nosuch on h1" corral remove nosuch --host h1 --dry-run
corral remove --help | grep -q "^usage: corral remove CONTAINER --host HOST" ||
	fail "remove --help"
ok "bad names, unknown hosts and containers refused in one line"

# refused while running, the container named
refused "run1 on h1 is running" corral remove run1 --host h1
[ "$(state_of h1 run1)" = running ] || fail "run1 changed: $(lxc_truth)"
ok "refused while running, nothing changed"

# kept nowhere else: refused; --dry-run says so too
refused "solo on h1: not removed: no other host has solo and the store holds no verified version" \
	corral remove solo --host h1
expect_exit 1 "no other host has solo" corral remove solo --host h1 --dry-run
[ "$(state_of h1 solo)" = stopped ] && [ -d "$S1/solo" ] || fail "solo changed"
ok "refused when kept nowhere else"

# --dry-run: what would happen, nothing done
njobs=$(corral jobs --json | jq length)
out=$(corral remove run1 --host h1 --force --dry-run) || fail "dry-run: $out"
echo "$out" | grep -q "^check: run1 on h1 is running; --force" &&
	echo "$out" | grep -q "^stop: run1 on h1 would be stopped cleanly" &&
	echo "$out" | grep -q "^remove: run1's config, volume and LXC directory on h1 would be removed" ||
	fail "dry-run said: $out"
corral remove run1 --host h1 --force --dry-run --json |
	jq -e '.dry_run and (.plan | length == 3)' >/dev/null || fail "dry-run --json"
[ "$(state_of h1 run1)" = running ] || fail "dry-run changed run1"
[ "$(corral jobs --json | jq length)" -eq "$njobs" ] || fail "a dry run made a job: $(corral jobs)"
ok "--dry-run says what would happen and changes nothing"

# --force: stopped cleanly, then removed; the job and its steps
out=$(corral remove run1 --host h1 --force --json) || fail "remove --force: $out"
id=$(echo "$out" | jq -r '.id')
echo "$out" | jq -e '.state == "done" and .kind == "remove" and .container == "run1"' >/dev/null ||
	fail "remove --force --json: $out"
gone run1
js=$(corral job "$id" --json)
echo "$js" | jq -e '[.steps[].step] == ["check", "stop", "remove", "done"]' >/dev/null ||
	fail "steps: $js"
corral jobs | grep -Eq "^ *$id +remove +run1 .*done" || fail "corral jobs: $(corral jobs)"
ok "--force stops it, removes it; corral jobs shows the job done with its steps"

# another host has a container of that name: allowed without --force
"$POOLSH" create h2 solo --stopped >/dev/null
out=$(corral remove solo --host h1 2>&1) || fail "remove solo with h2's copy: $out"
gone solo
[ "$(state_of h2 solo)" = stopped ] || fail "h2's solo touched"
ok "allowed when another host has it"

# a failed job's copy counts when it is whole: a put whose start fails
# leaves twin stopped but whole on h2 (a copy a job left partial does not
# count: move_fault.sh)
"$POOLSH" create h1 bad --stopped >/dev/null
echo "lxc.init.cmd = /no/such/init" >>"$L1/bad/config"
# no address: a copy that would start on bad's (stopped) one is refused
sed -i '/^lxc.net.0.ipv4/d' "$L1/bad/config"
corral get bad >/dev/null 2>&1 || fail "get bad"
"$POOLSH" create h1 twin --stopped >/dev/null
rc=0; out=$(corral put bad --as twin --host h2 --start 2>&1) || rc=$?
[ "$rc" -eq 1 ] && [ "$(state_of h2 twin)" = stopped ] ||
	fail "put --start of a container that cannot start: exit $rc ($out), $(lxc_truth)"
out=$(corral remove twin --host h1 2>&1) || fail "remove twin with h2's whole copy: $out"
gone twin
[ "$(state_of h2 twin)" = stopped ] || fail "h2's twin touched"
ok "a whole copy a failed put left on another host counts"

# --detach prints the id
"$POOLSH" create h1 det --stopped >/dev/null
id=$(corral remove det --host h1 --force --detach) || fail "detach"
[[ "$id" =~ ^[0-9]+$ ]] || fail "--detach printed '$id'"
corral job "$id" --wait >/dev/null || fail "job $id: $(corral job "$id")"
gone det
ok "--detach prints the job id"

# a master killed -9 at the stop step (k0 stopped by then, here by hand):
# its recovery starts k0 again and fails the job, nothing removed (it
# left k0 stopped)
"$POOLSH" create h1 k0 >/dev/null
"$POOLSH" stop master
CORRAL_TEST_JOB_PAUSE=stop:30 "$POOLSH" start master
wait_until 100 host_up h1 || fail "h1 not up after the master's restart"
id=$(corral remove k0 --host h1 --force --detach) || fail "remove k0"
wait_until 150 grep -q "remove k0: step stop: pausing" "$POOL/master/master.log" ||
	fail "remove of k0 never paused at stop"
"$POOLSH" exec h1 lxc-stop -P "$L1" -n k0 -k
kill_master
"$POOLSH" start master
wait_until 300 ended "$id" || fail "job $id did not end after the restart"
corral job "$id" --json | jq -e '.job.state == "failed" and (.job.error | test("master restarted during stop: nothing removed, running again"))' >/dev/null ||
	fail "job $id: $(corral job "$id")"
[ "$(state_of h1 k0)" = running ] || fail "k0 is '$(state_of h1 k0)' after the recovery"
ok "master killed -9 at the stop step: the recovery starts k0 again, nothing removed"

# a master killed -9 during the remove step: recovered at its next start
"$POOLSH" create h1 k1 --stopped >/dev/null
"$POOLSH" stop h1
env CORRAL_TEST_REMOVE_PAUSE=4 "$POOLSH" start h1
id=$(corral remove k1 --host h1 --force --detach) || fail "remove k1"
wait_until 150 grep -q "k1: config renamed; pausing" "$POOL/h1/slave.log" ||
	fail "REMOVE of k1 did not pause"
kill_master
"$POOLSH" start master
wait_until 100 corral jobs || fail "master not back: $(tail -n 5 "$POOL/master/master.log")"
wait_until 300 sh -c "corral job $id --json | jq -e '.job.state == \"done\"'" ||
	fail "job $id after the restart: $(corral job "$id")"
grep -q "job $id remove k1: resumed: the REMOVE on h1 is issued again" "$POOL/master/master.log" ||
	fail "recovery not logged: $(grep "job $id" "$POOL/master/master.log")"
gone k1
[ ! -e "$L1/k1/config.removing" ] || fail "config.removing left"
corral jobs | grep -Eq "^ *$id +remove +k1 .*done" || fail "corral jobs: $(corral jobs)"
ok "master killed -9 during remove: the job recovered, k1 gone, nothing left"
