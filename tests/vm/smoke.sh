#!/usr/bin/env bash
# The VM harness itself (tests/vm/vm.sh), for real: Debian's kernel boots
# under TCG, the agent runs commands faithfully, device-mapper snapshots
# work on the virtio disk (fill, overflow to Invalid), LXC runs a container
# with a veth on a bridge, a forwarded port reaches the guest, and this
# build's corral-slave runs there.  Usage: smoke.sh [BUILD_DIR]
. "$(dirname "$0")/../integration/lib.bash"
VMSH=$ROOT/tests/vm/vm.sh
export CORRAL_VM_DIR=${CORRAL_VM_SMOKE_DIR:-/run/corral-vm-smoke}
FWD=${CORRAL_VM_SMOKE_PORT:-17123}
P=/srv/smoke-lxc             # the guest's lxcpath
errf=$(mktemp)

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps.sh)"
vm() { "$VMSH" exec "$@"; }
cleanup() {
	local rc=$?
	if [ $rc -ne 0 ] && [ -f "$CORRAL_VM_DIR/console.log" ]; then
		echo "--- guest console (tail)"; tail -n 20 "$CORRAL_VM_DIR/console.log"
	fi
	rm -f "$errf"
	"$VMSH" stop || rc=1
	[ ! -e "$CORRAL_VM_DIR" ] || { echo "FAIL: $CORRAL_VM_DIR left behind" >&2; rc=1; }
	exit $rc
}
trap cleanup EXIT

t0=$EPOCHREALTIME
"$VMSH" start --disk-mb 256 --fwd "$FWD:7022" || fail "the VM did not start"
boot=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
kver=$(vm uname -r) || fail "uname -r in the guest"
[ "$kver" != "$(uname -r)" ] || fail "the guest runs this machine's kernel"
ok "VM up in ${boot}s with Debian's kernel $kver"

# the agent: stdout and stderr apart, exit status, exact bytes, many calls,
# a long command
out=$(vm 'echo out; echo err >&2; exit 7' 2>"$errf") && fail "exit 7 came back as 0"
[ $? -eq 7 ] || fail "exit status not passed"
[ "$out" = out ] && [ "$(cat "$errf")" = err ] || fail "stdout/stderr mixed: '$out' '$(cat "$errf")'"
for i in $(seq 1 20); do
	[ "$(vm "echo $i")" = "$i" ] || fail "exec $i of 20 lost its output"
done
want=$(vm 'head -c 262144 /dev/urandom >/tmp/r; printf "\0\n" >>/tmp/r; sha256sum </tmp/r')
[ "$(vm 'cat /tmp/r' | sha256sum)" = "$want" ] || fail "256 KiB of binary output changed on the way"
[ "$(vm 'sleep 15; echo done')" = done ] || fail "a 15 s command"
ok "exec: stdout, stderr, exit status, exact bytes, 20 calls in a row, 15 s command"

# device-mapper: modules load on demand from the unpacked kernel
vm 'modprobe dm-snapshot && grep -q "^dm_snapshot " /proc/modules' || fail "modprobe dm-snapshot"
ok "modprobe dm-snapshot"

# LVM on the virtio disk, an ext4 volume, a snapshot of it
vm '{ pvcreate /dev/vda && vgcreate smoke /dev/vda && lvcreate -L 64M -n data smoke; } >/dev/null' ||
	fail "pvcreate/vgcreate/lvcreate on /dev/vda"
vm 'mkfs.ext4 -q /dev/smoke/data && mkdir -p /mnt/data && mount /dev/smoke/data /mnt/data &&
	head -c 4M /dev/urandom >/mnt/data/a && sync' || fail "ext4 on the volume"
vm 'lvcreate -s -L 8M -n snap smoke/data >/dev/null' || fail "lvcreate -s"
st=$(vm 'dmsetup status smoke-snap') || fail "dmsetup status"
# "0 131072 snapshot USED/TOTAL METADATA" in 512-byte sectors
[[ $st =~ ^0\ [0-9]+\ snapshot\ ([0-9]+)/16384\ [0-9]+$ ]] || fail "snapshot status: $st"
used0=${BASH_REMATCH[1]}
vm 'mkdir -p /mnt/snap && mount -o ro /dev/smoke/snap /mnt/snap && cmp /mnt/data/a /mnt/snap/a &&
	umount /mnt/snap' || fail "the snapshot does not hold the origin's data"
vm 'head -c 2M /dev/urandom >/mnt/data/a && sync' || fail "write to the origin"
st=$(vm 'dmsetup status smoke-snap')
[[ $st =~ \ snapshot\ ([0-9]+)/16384\  ]] && [ "${BASH_REMATCH[1]}" -gt $((used0 + 2048)) ] ||
	fail "the snapshot's fill did not grow by 1 MiB: $used0 -> $st"
ok "LVM snapshot of a mounted ext4 volume, fill $used0 -> ${BASH_REMATCH[1]} of 16384 sectors"

vm 'head -c 16M /dev/urandom >/mnt/data/b && sync' || fail "write 16 MiB to the origin"
st=$(vm 'dmsetup status smoke-snap')
[ "$st" = "0 131072 snapshot Invalid" ] || fail "overflowed snapshot: $st"
vm 'lvs --noheadings -o lv_attr smoke/snap | grep -q "^ *s.*I"' || fail "lvs does not show it invalid"
vm '{ lvremove -f smoke/snap && umount /mnt/data && lvremove -f smoke/data && vgremove smoke; } >/dev/null' ||
	fail "lvremove/vgremove"
[ -z "$(vm 'dmsetup ls | grep smoke')" ] || fail "device-mapper devices left"
ok "snapshot overflowed to Invalid, volumes removed"

# LXC: a busybox container with a veth on a bridge
vm "ip link add br0 type bridge && ip addr add 10.0.3.1/24 dev br0 && ip link set br0 up &&
	mkdir -p $P && printf 'lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0.flags = up\n' >$P.conf" ||
	fail "a bridge in the guest"
vm "lxc-create -n t -t busybox -P $P -f $P.conf >/tmp/lxc-create.log 2>&1" ||
	fail "lxc-create -t busybox: $(vm 'tail -n 5 /tmp/lxc-create.log')"
vm "lxc-start -n t -P $P -l INFO -o /tmp/lxc-t.log" || fail "lxc-start: $(vm 'tail -n 5 /tmp/lxc-t.log')"
[ "$(vm "lxc-attach -n t -P $P -- echo hi")" = hi ] || fail "lxc-attach -- echo hi"
vm "lxc-attach -n t -P $P -- ip addr add 10.0.3.2/24 dev eth0 &&
	lxc-attach -n t -P $P -- ping -c 1 -W 5 10.0.3.1 >/dev/null" || fail "no network from the container to br0"
vm "lxc-stop -n t -P $P -k && lxc-destroy -n t -P $P" || fail "lxc-stop/lxc-destroy"
ok "LXC in the guest: busybox container started, attached, veth on a bridge, stopped"

# a forwarded port reaches a listener in the guest
vm 'busybox nc -l -p 7022 >/tmp/fwd.out 2>&1 </dev/null &' || fail "listener in the guest"
wait_until 100 vm "grep -q ':1B6E .* 0A ' /proc/net/tcp /proc/net/tcp6" || fail "no listener on guest port 7022"
{ exec 3<>"/dev/tcp/127.0.0.1/$FWD"; } 2>/dev/null || fail "cannot connect to 127.0.0.1:$FWD"
echo "hello through $FWD" >&3
exec 3<&-
wait_until 100 vm "grep -qx 'hello through $FWD' /tmp/fwd.out" || fail "nothing arrived in the guest"
ok "host port $FWD reaches guest port 7022"

# this build runs in the guest unchanged
[ "$(vm "$BUILD/corral-slave --version")" = "$("$BUILD/corral-slave" --version)" ] ||
	fail "$BUILD/corral-slave does not run in the guest"
ok "$BUILD/corral-slave runs in the guest"
