#!/usr/bin/env bash
# corral create NAME --ip ADDR, corral limit and corral control on a pool of
# two hosts with real containers: bad input refused with one line naming
# the value and nothing made (an address in no network, a network without
# a gateway, --memory 0, --cpu 11/10, an unknown host, an address in use);
# without --host the container lands on an eligible host (h1 down: h2) and
# answers a ping on its address on the shared network from its host and
# from the other, running with the MAC its config keeps (a fixed one: a
# neighbour's ARP cache stays right over a restart); an address a
# stopped container's config gives it is in use too (scan --json's
# ipv4_config); limits show in its cgroup and config and last a restart;
# control --stop then --start (and --enable) work, the address kept; a move
# to the other host keeps it answering; create HOST NAME still works.
# create, limit and control are jobs: listed with kind and outcome, logged
# with their ids, --detach gives the id; a change to a container a move is
# at work on is refused naming the move; a master killed -9 while a slave
# makes a container leaves none of it once the job has recovered (rolled
# back: no config, volume or LXC directory).  corral hosts --json gives
# each host's own CPU in use.
. "$(dirname "$0")/lib.bash"

pool_up 2 >/dev/null
NETS=$POOL/master/networks.conf
L1=$("$POOLSH" lxcpath h1); L2=$("$POOLSH" lxcpath h2)
S1=$("$POOLSH" storage h1); S2=$("$POOLSH" storage h2)
IP=$CORRAL_POOL_SHNET.1.20

ping_from() {  # HOST ADDR: one echo answered
	"$POOLSH" exec "$1" busybox ping -c 1 -W 1 "$2"
}
# nothing made anywhere: no container, no volume
nothing_made() {
	[ -z "$(lxc_truth)" ] || fail "$1: containers appeared: $(lxc_truth)"
	[ -z "$(ls -A "$S1" "$S2" | grep -v -e '^\.' -e ':$' -e '^$')" ] ||
		fail "$1: volumes appeared: $(ls -A "$S1" "$S2")"
}
cgroup() {  # HOST CT KEY: its running cgroup's value
	"$POOLSH" exec "$1" lxc-cgroup -P "$("$POOLSH" lxcpath "$1")" -n "$2" "$3"
}

# ---- bad input: one line naming the value, nothing made
expect_exit 1 "10.99.0.5 is in no network of $NETS" \
	corral create bad --ip 10.99.0.5
cp "$NETS" "$NETS.good"
echo "ctbr9,10.216.0.0/24" >>"$NETS"
expect_exit 1 "networks.conf:$(wc -l <"$NETS"): network 10.216.0.0/24 has no gateway" \
	corral create bad --ip 10.216.0.5
mv "$NETS.good" "$NETS"
expect_exit 2 "--memory '0': must be more than 0" corral create bad --ip "$IP" --memory 0
expect_exit 2 "--cpu '11/10' is not a share of one CPU" corral create bad --ip "$IP" --cpu 11/10
expect_exit 1 "--host 'h9' is not a host of" corral create bad --ip "$IP" --host h9
expect_exit 1 "$CORRAL_POOL_SHNET.0.1 is the gateway of $CORRAL_POOL_SHNET.0.0/16" corral create bad --ip "$CORRAL_POOL_SHNET.0.1"
expect_exit 1 "'bad/x' is not a valid container name" corral create bad/x --ip "$IP"
expect_exit 2 "NAME needs --ip ADDR" corral create bad
nothing_made "bad input"
ok "bad input refused with one line naming it, nothing made"

# ---- placement: h1 down, so h2 is the only eligible host
"$POOLSH" stop h1
out=$(corral create web --ip "$IP" --memory 128 --cpu 1/2 --start --json) ||
	fail "create web: $out"
[ "$(echo "$out" | jq -r .host)" = h2 ] || fail "web not on h2 with h1 down: $out"
[ "$(echo "$out" | jq -r .address)" = "$IP/16" ] || fail "web's address: $out"
[ "$(echo "$out" | jq -r .link)" = ctbr0 ] || fail "web's link: $out"
"$POOLSH" start h1
lxc_truth | grep -qx "h2:web:running" || fail "web is not running on h2: $(lxc_truth)"
grep -q "^lxc.net.0.ipv4.address = $IP/16$" "$L2/web/config" || fail "web's config has no address"
grep -q "^lxc.net.0.ipv4.gateway = $CORRAL_POOL_SHNET.0.1$" "$L2/web/config" || fail "web's config has no gateway"
grep -q "^search pool.test$" "$S2/web/etc/resolv.conf" || fail "web's resolv.conf has no domain"
ok "without --host, web lands on h2 (h1 down) with networks.conf's settings"

wait_until 150 ping_from h2 "$IP" || fail "web does not answer a ping on $IP from h2"
wait_until 50 ping_from h1 "$IP" || fail "web does not answer a ping on $IP from h1 (shared network)"
# the MAC it runs with is the one its config keeps (the next start's)
mac=$(sed -n 's/^lxc.net.0.hwaddr = //p' "$L2/web/config")
run_mac=$("$POOLSH" exec h2 lxc-attach -P "$L2" -n web -- cat /sys/class/net/eth0/address)
[ -n "$mac" ] && [ "$run_mac" = "$mac" ] || fail "web runs with MAC '$run_mac', its config has '$mac'"
ok "web answers on $IP from its host and from the other, with its config's MAC"

# each host's own CPU (from /proc/stat between two polls): within its cores
jq_of 'length == 2 and all(.[]; .cpu_use >= 0 and .cpu_use <= .cores)' corral hosts --json ||
	fail "cpu_use out of its range: $(corral hosts --json)"
wait_until 100 jq_of 'any(.[]; .cpu_use > 0)' corral hosts --json ||
	fail "no host reports CPU in use: $(corral hosts --json | jq -c 'map({name, cpu_use})')"
ok "corral hosts --json gives each host's CPU in use (cpu_use)"

expect_exit 1 "$IP is the address of container web on h2" corral create web2 --ip "$IP"
expect_exit 1 "container web exists on h2" corral create web --ip "$CORRAL_POOL_SHNET.1.21"
[ "$(lxc_truth)" = "h2:web:running" ] || fail "an address in use made something: $(lxc_truth)"
ok "an address or a name in use is refused, naming the container"

# a stopped container's configured address is taken too: its ipv4 is
# empty (scan's contract), its ipv4_config has it
IPS=$CORRAL_POOL_SHNET.1.22
out=$(corral create st1 --ip "$IPS" --host h1) || fail "create st1 (stopped): $out"
lxc_truth | grep -qx "h1:st1:stopped" || fail "st1 is not there stopped: $(lxc_truth)"
corral scan | grep -qx "h1:st1:stopped:" || fail "scan shows a stopped st1's address: $(corral scan)"
jq_of "any(.[]; .name == \"st1\" and .ipv4 == \"\" and .ipv4_config == \"$IPS\")" \
	corral scan --json || fail "scan --json has no ipv4_config of st1: $(corral scan --json)"
expect_exit 1 "$IPS is the address of container st1 on h1" corral create st2 --ip "$IPS" --host h2
expect_exit 1 "$IPS is the address of container st1 on h1" corral create st2 --ip "$IPS" --start
! lxc_truth | grep -q ":st2:" || fail "a stopped one's address in use made st2: $(lxc_truth)"
corral remove st1 --host h1 --force >/dev/null || fail "remove st1"
[ "$(lxc_truth)" = "h2:web:running" ] || fail "left after st1: $(lxc_truth)"
ok "a stopped container's configured address is refused, naming it; nothing made"

# ---- limit: shown, changed live and in the config, kept over a restart
[ "$(corral limit web)" = "h2:web:128:0:0:1/2" ] || fail "limit web: $(corral limit web)"
[ "$(cgroup h2 web memory.limit_in_bytes)" = $((128 << 20)) ] ||
	fail "web's cgroup memory: $(cgroup h2 web memory.limit_in_bytes)"
out=$(corral limit web --memory 200 --cpu 1/4 --proc 50) || fail "limit web --memory 200: $out"
[ "$out" = "h2:web:200:0:50:1/4" ] || fail "limit web after the change: $out"
[ "$(cgroup h2 web memory.limit_in_bytes)" = $((200 << 20)) ] || fail "memory not changed in its cgroup"
[ "$(cgroup h2 web cpu.cfs_quota_us)" = 25000 ] || fail "cpu not changed in its cgroup: $(cgroup h2 web cpu.cfs_quota_us)"
[ "$(cgroup h2 web pids.max)" = 50 ] || fail "proc not changed in its cgroup: $(cgroup h2 web pids.max)"
grep -q "^lxc.cgroup.memory.limit_in_bytes = $((200 << 20))$" "$L2/web/config" ||
	fail "memory not in web's config"
[ "$(grep -c '^lxc.cgroup.memory.limit_in_bytes' "$L2/web/config")" = 1 ] || fail "memory twice in web's config"
expect_exit 2 "--memory '0': must be more than 0" corral limit web --memory 0
expect_exit 2 "--cpu '11/10'" corral limit web --cpu 11/10
expect_exit 1 "no container nosuch in the inventory" corral limit nosuch
expect_exit 1 "the dir backend's volumes have no size" corral limit web --disk 512
[ "$(corral limit web --json | jq -r '.[0].memory')" = 200 ] || fail "limit --json"
ok "limit shows and changes memory, cpu and proc in web's cgroup and config"

# ---- create and limit are jobs
all_jobs() { corral jobs --all --json; }
jq_of 'any(.[]; .kind == "create" and .container == "web" and .dst == "h2" and .state == "done")' all_jobs ||
	fail "no create job of web done: $(corral jobs --all)"
jq_of 'any(.[]; .kind == "limit" and .container == "web" and .src == "h2" and .state == "done")' all_jobs ||
	fail "no limit job of web done: $(corral jobs --all)"
jq_of 'any(.[]; .kind == "limit" and .container == "web" and .state == "failed" and (.error | test("no size")))' all_jobs ||
	fail "the refused --disk is no failed limit job: $(corral jobs --all)"
id=$(corral limit web --proc 60 --detach) || fail "limit --detach: $id"
[ "$id" -gt 0 ] 2>/dev/null || fail "limit --detach printed '$id', not a job id"
wait_until 100 ended "$id" || fail "limit job $id did not end"
jq_of '.job.kind == "limit" and .job.state == "done" and .job.container == "web"' corral job "$id" --json ||
	fail "job $id: $(corral job "$id")"
[ "$(corral limit web)" = "h2:web:200:0:60:1/4" ] || fail "after the detached limit: $(corral limit web)"
[ "$(cgroup h2 web pids.max)" = 60 ] || fail "the detached limit is not in web's cgroup"
grep -q "job $id limit web: step limit" "$POOL/master/master.log" &&
	grep -q "job $id limit web: done" "$POOL/master/master.log" ||
	fail "job $id's steps and outcome are not logged: $(grep "job $id " "$POOL/master/master.log")"
expect_exit 2 "--detach goes with a change" corral limit web --detach
ok "create and limit are jobs: listed with kind and outcome, logged, --detach gives the id"

# ---- control: state and autostart; a clean stop, a start, the address kept
[ "$(corral control web)" = "h2:web:disabled:running" ] || fail "control web: $(corral control web)"
out=$(corral control web --stop) || fail "control --stop: $out"
[ "$out" = "h2:web:disabled:stopped" ] || fail "control --stop said: $out"
lxc_truth | grep -qx "h2:web:stopped" || fail "web still runs after --stop"
grep -q "CONTROL web: stopped cleanly" "$POOL/h2/slave.log" || fail "the stop was not clean"
out=$(corral control web --start --enable) || fail "control --start: $out"
[ "$out" = "h2:web:enabled:running" ] || fail "control --start --enable said: $out"
grep -q "^lxc.start.auto = 1$" "$L2/web/config" || fail "autostart not in web's config"
[ "$(cgroup h2 web memory.limit_in_bytes)" = $((200 << 20)) ] || fail "memory limit lost over a restart"
wait_until 150 ping_from h1 "$IP" || fail "web does not answer on $IP after a restart"
expect_exit 2 "together" corral control web --start --stop
expect_exit 1 "no container nosuch in the inventory" corral control nosuch --stop
ok "control --stop (clean) then --start --enable; limits and address kept"
jq_of '[.[] | select(.kind == "control" and .container == "web" and .state == "done")] | length >= 2' all_jobs ||
	fail "control's changes are no jobs: $(corral jobs --all)"
ok "control's changes are jobs"

# ---- the older form, --all, and a move keeping the address
"$POOLSH" create h1 old1 >/dev/null
lxc_truth | grep -qx "h1:old1:running" || fail "create h1 old1 did not make it"
out=$(corral control --all) || fail "control --all: $out"
[ "$out" = "$(printf 'h1:old1:disabled:running\nh2:web:enabled:running')" ] ||
	fail "control --all said: $out"
[ "$(corral limit --all | wc -l)" = 2 ] || fail "limit --all: $(corral limit --all)"
ok "create HOST NAME still works; control and limit --all list every container"

# a move at work on web: a change to web is refused naming it
dd if=/dev/urandom of="$S2/web/big" bs=1M count=150 status=none
mid=$(corral move web --to h1 --detach) || fail "move --detach: $mid"
expect_exit 1 "web: job $mid is at work on it" corral limit web --memory 300
expect_exit 1 "web: job $mid is at work on it" corral control web --stop
jq_of '.job.state == "running" or .job.state == "queued"' corral job "$mid" --json ||
	fail "the move ended before the conflicting requests: the test proves nothing"
wait_until 1200 ended "$mid" || fail "the move did not end"
jq_of '.job.state == "done"' corral job "$mid" --json || fail "move: $(corral job "$mid")"
[ "$(corral limit web)" = "h1:web:200:0:60:1/4" ] || fail "a refused change changed web: $(corral limit web)"
ok "changes to a container a move is at work on are refused naming the move"
lxc_truth | grep -qx "h1:web:running" || fail "web is not running on h1 after the move"
wait_until 150 ping_from h2 "$IP" || fail "web does not answer on $IP from h2 after its move"
ok "moved to h1, web answers on $IP from h2"

# ---- a master killed -9 while h1's slave makes a container: rolled back
"$POOLSH" stop h1
CORRAL_TEST_CREATE_PAUSE=3 "$POOLSH" start h1
wait_until 100 host_up h1 || fail "h1 is not up again"
cid=$(corral create kc --ip "$CORRAL_POOL_SHNET.1.30" --host h1 --detach) || fail "create --detach: $cid"
wait_until 100 grep -q "kc: volume made; pausing" "$POOL/h1/slave.log" ||
	fail "h1's slave never began making kc"
kill_master
"$POOLSH" start master >/dev/null
wait_until 300 ended "$cid" || fail "create job $cid did not end after the restart"
jq_of '.job.state == "failed" and (.job.error | test("master restarted during create; rolled back"))' \
	corral job "$cid" --json || fail "create job $cid: $(corral job "$cid")"
grep -q "job $cid create kc: master restarted during create: rolling back" "$POOL/master/master.log" ||
	fail "the recovery is not logged"
! lxc_truth | grep -q ":kc:" || fail "kc is left on a host: $(lxc_truth)"
[ ! -e "$L1/kc" ] || fail "kc's LXC directory is left on h1: $(ls -A "$L1/kc")"
[ ! -e "$S1/kc" ] || fail "kc's volume is left on h1"
ok "a master killed during a create: the half-made container rolled back on restart"
