#!/usr/bin/env bash
# corral limit on cgroup v1, for real: this machine's kernel is cgroup v2
# only, so the qemu VM of tests/vm/vm.sh boots with the v1 hierarchies
# memory, cpu,cpuacct and pids instead (vm.sh start --cgroup v1).  A
# corral-slave in it (dir storage) joins the master of a one-host test
# pool; a busybox container made there and started; then `corral limit`
# changes memory, CPU and processes while it runs: the values show in its
# v1 files (memory.limit_in_bytes, cpu.cfs_quota_us and cpu.cfs_period_us,
# pids.max), in its config as lxc.cgroup.* keys, in limit's own line, and
# they are there again after a stop and a start.
. "$(dirname "$0")/../integration/lib.bash"
VMSH=$ROOT/tests/vm/vm.sh
FWD=${CORRAL_VM_PORT:-17023}
G=/srv/corral            # the slave's files inside the guest

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
export CORRAL_VM_DIR=${CORRAL_VM_DIR:-/run/corral-vm-cgroup1}
vm() { "$VMSH" exec "$@"; }
cleanup_all() {
	local rc=$?
	set +e    # a failing step here must not skip the pool's teardown
	if [ $rc -ne 0 ]; then
		echo "--- guest slave.log (tail)"; vm "tail -n 30 $G/slave.log" 2>/dev/null || true
	fi
	"$VMSH" stop >/dev/null 2>&1 || true
	trap - EXIT
	(exit $rc); pool_cleanup
}

pool_up 1 >/dev/null
trap cleanup_all EXIT
"$VMSH" start --cgroup v1 --disk-mb 16 --fwd "$FWD:7022"
[ "$(vm 'stat -fc %T /sys/fs/cgroup')" = tmpfs ] || fail "the guest's /sys/fs/cgroup is no v1 tmpfs"
for c in memory cpu,cpuacct pids; do
	vm "grep -q ' /sys/fs/cgroup/$c cgroup ' /proc/mounts" || fail "no v1 hierarchy $c in the guest"
done
! vm "grep -q ' cgroup2 ' /proc/mounts" || fail "a cgroup2 hierarchy is mounted in the guest"
ok "the VM boots with cgroup v1 hierarchies (memory, cpu,cpuacct, pids), no v2"

# a slave on dir storage in the guest, joined to the pool's master
vm "mkdir -p $G/lxc $G/storage /etc/lxc && echo 'lxc.net.0.type = empty' >/etc/lxc/default.conf" ||
	fail "cannot write the guest's LXC defaults"
printf '%s\n' "listen = 0.0.0.0" "port = 7022" "host_key = $G/ssh_host_ed25519_key" \
	"authorized_keys = $G/authorized_keys" "lxcpath = $G/lxc" \
	"storage = dir:$G/storage" "log_level = info" >"$POOL/vm-corral.conf"
vm "cp /host$POOL/master/id_ed25519.pub $G/authorized_keys && cp /host$POOL/vm-corral.conf $G/corral.conf" ||
	fail "cannot set up the guest slave"
. "$ROOT/tests/vm/lvm-slave.bash"    # lvm_slave_start and _join serve any storage
lvm_slave_start || fail "guest slave"
lvm_slave_join "$FWD" || fail "the guest slave did not join: $(corral hosts)"

# a container, running (the busybox template: 25-40 s under TCG)
corral create vm c1 --start >/dev/null || fail "create vm c1"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'c1 *RUNNING'" || fail "c1 does not run in the VM"
cg() { vm "lxc-cgroup -P $G/lxc -n c1 $1"; }
# its v1 files, read through liblxc and straight from the hierarchy
v1file() { vm "cat /sys/fs/cgroup/$1/\$(awk -F: '\$2 ~ /(^|,)$2(,|\$)/ { print \$3 }' /proc/\$(lxc-info -P $G/lxc -n c1 -p -H)/cgroup)/$3"; }

out=$(corral limit c1 --memory 100 --cpu 1/2 --proc 40) || fail "limit c1: $out"
[ "$out" = "vm:c1:100:0:40:1/2" ] || fail "limit c1 said: $out"
[ "$(cg memory.limit_in_bytes)" = $((100 << 20)) ] || fail "memory.limit_in_bytes: $(cg memory.limit_in_bytes)"
[ "$(v1file memory memory memory.limit_in_bytes)" = $((100 << 20)) ] ||
	fail "c1's memory hierarchy: $(v1file memory memory memory.limit_in_bytes)"
[ "$(cg cpu.cfs_quota_us)" = 50000 ] || fail "cpu.cfs_quota_us: $(cg cpu.cfs_quota_us)"
[ "$(cg cpu.cfs_period_us)" = 100000 ] || fail "cpu.cfs_period_us: $(cg cpu.cfs_period_us)"
[ "$(v1file cpu,cpuacct cpu cpu.cfs_quota_us)" = 50000 ] || fail "c1's cpu hierarchy: $(v1file cpu,cpuacct cpu cpu.cfs_quota_us)"
[ "$(cg pids.max)" = 40 ] || fail "pids.max: $(cg pids.max)"
[ "$(v1file pids pids pids.max)" = 40 ] || fail "c1's pids hierarchy: $(v1file pids pids pids.max)"
conf=$(vm "grep '^lxc.cgroup' $G/lxc/c1/config")
for kv in "lxc.cgroup.memory.limit_in_bytes = $((100 << 20))" "lxc.cgroup.cpu.cfs_quota_us = 50000" \
	"lxc.cgroup.cpu.cfs_period_us = 100000" "lxc.cgroup.pids.max = 40"; do
	grep -qx "$kv" <<<"$conf" || fail "'$kv' not in c1's config: $conf"
done
! grep -q '^lxc.cgroup2' <<<"$conf" || fail "v2 keys in c1's config on a v1 host: $conf"
jq_of 'any(.[]; .kind == "limit" and .container == "c1" and .src == "vm" and .state == "done")' corral jobs --all --json ||
	fail "no limit job of c1: $(corral jobs --all)"
ok "limit changes memory, cpu and proc in c1's v1 cgroup files and as lxc.cgroup keys of its config"

# lower: the v1 files follow
[ "$(corral limit c1 --memory 64 --cpu 1/4)" = "vm:c1:64:0:40:1/4" ] || fail "limit --memory 64 --cpu 1/4"
[ "$(cg memory.limit_in_bytes)" = $((64 << 20)) ] || fail "memory 64: $(cg memory.limit_in_bytes)"
[ "$(cg cpu.cfs_quota_us)" = 25000 ] || fail "cpu 1/4: $(cg cpu.cfs_quota_us)"
ok "limit lowers memory and the cpu quota on v1"

# over a restart: the config's keys are the limits again
[ "$(corral control c1 --stop)" = "vm:c1:disabled:stopped" ] || fail "control --stop"
[ "$(corral control c1 --start)" = "vm:c1:disabled:running" ] || fail "control --start"
[ "$(cg memory.limit_in_bytes)" = $((64 << 20)) ] && [ "$(cg pids.max)" = 40 ] ||
	fail "limits lost over a restart: $(cg memory.limit_in_bytes) $(cg pids.max)"
ok "v1 limits last a stop and a start"
