#!/usr/bin/env bash
# LVM storage for real, inside a qemu VM booted with Debian's own kernel
# (this machine's kernel has no device-mapper; tests/vm/vm.sh).  A
# corral-slave in the VM with storage = lvm:corral joins the master of a
# one-host test pool through qemu's port forwarding; then:
#   create an LVM-backed container, start it, write to it, snapshot it while
#   it runs, copy the snapshot out of the VM with the transfer engine and
#   check the copy against the snapshot, watch the fill libdevmapper
#   reports, overflow a small snapshot: the copy fails cleanly, the source
#   stays intact; snapshot_share refuses an LV too large; a leftover
#   snapshot is dropped when the slave starts again; a running LVM-backed
#   container hot-moved to h1 (its pre-copy read through an LVM snapshot,
#   dropped afterwards) and back, equal to what it had (the rsync
#   oracle); a hot backup of it through an LVM snapshot (dropped after),
#   restored to h1 (the oracle against the version) and restored over
#   itself with --force (its LV renamed by lvrename); a snapshot that
#   overflows during the pre-copy (the volume group nearly full, a writer
#   in the container) fails the move cleanly, the container still running
#   in the VM.
. "$(dirname "$0")/../integration/lib.bash"
VMSH=$ROOT/tests/vm/vm.sh
FWD=${CORRAL_VM_PORT:-17022}
G=/srv/corral            # the slave's files inside the guest
# the guest sees this machine's tree at /host (its /tmp is its own)

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
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
# the store's transfers (backup, restore) are direct connections between
# the master and the slave: the master's data port reached from the guest
# (its 127.0.0.1:MP, the address the master gives, forwarded by a busybox
# nc to 10.0.2.100:MP, qemu's --back to this machine), the guest slave's
# data port forwarded in (--fwd)
MP=$((FWD + 1)) SP=$((FWD + 2))
echo "data_ports = $MP-$MP" >>"$CORRAL_CONF"
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
wait_until 300 host_up h1 || fail "h1 not up after the master's restart"
"$VMSH" start --disk-mb 512 --fwd "$FWD:7022" --fwd "$SP:$SP" --back "$MP:$MP"
# (nc -e runs a program without arguments)
vm "printf '#!/bin/sh\nexec busybox nc 10.0.2.100 $MP\n' >/root/to-master && chmod +x /root/to-master &&
    { busybox nc -ll -p $MP -e /root/to-master >/dev/null 2>&1 </dev/null & }" || fail "the guest's forward"

# the guest: a volume group on the virtio disk, a slave serving it
. "$ROOT/tests/vm/lvm-slave.bash"
lvm_slave_setup "snapshot_fill_warn = 50" "data_ports = $SP-$SP" || fail "guest set-up failed"
start_guest_slave() { lvm_slave_start || fail "guest slave"; }
start_guest_slave
lvm_slave_join "$FWD" || fail "the guest slave did not join: $(corral hosts)"
[ "$(host_field vm storage_backend)" = lvm ] || fail "the guest does not report lvm: $(corral hosts --json)"
ok "a slave with lvm storage in the VM joins the pool"

# an LVM-backed container, started, seen by LXC
corral create vm ct1 --size 64M --start >/dev/null || fail "create on lvm"
vm "lvs --noheadings -o lv_name corral | grep -qw ct1" || fail "no LV ct1"
vm "grep -qx 'lxc.rootfs.path = lvm:/dev/corral/ct1' $G/lxc/ct1/config" || fail "ct1's config does not name its LV"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct1 *RUNNING'" || fail "lxc-ls does not see ct1 running"
vm "lxc-attach -P $G/lxc -n ct1 -- sh -c 'dd if=/dev/urandom of=/data bs=1024 count=2048 2>/dev/null; sync'" ||
	fail "cannot write in ct1"
# its backend and disk, as placement counts it: lvm and the LV's size
# (it was dir and 0: liblxc gives its rootfs path back without "lvm:")
sz=$(vm "lvs --noheadings --units b --nosuffix -o lv_size corral/ct1" | tr -d ' ')
got=$(corral scan --name ct1 --json | jq -r '.[0] | "\(.backend) \(.rootfs_bytes)"')
[ -n "$sz" ] && [ "$got" = "lvm $sz" ] || fail "ct1 is '$got' in scan, not 'lvm $sz'"
ok "LVM-backed container created, started and written to; its size its LV's"

# a snapshot while it runs; the copy out of the VM equals the snapshot
js=$(corral snapshot vm ct1 --size 16M --json) || fail "snapshot: $js"
echo "$js" | jq -e '.state == "snapshot" and .valid and .path == ".corral-snap/ct1"' >/dev/null ||
	fail "snapshot: $js"
vm "lvs --noheadings -o lv_name corral | grep -q 'ct1+snap'" || fail "no snapshot LV"
corral sync vm:@ct1 h1:ct1copy --json >/dev/null || fail "copy of the snapshot failed"
manifest='find . -printf "%y %m %U %G %T@ %p %l\n" | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum'
S1=$("$POOLSH" storage h1)
want=$(vm "cd $G/mnt/.corral-snap/ct1 && { $manifest; }")
got=$(cd "$S1/ct1copy" && eval "$manifest")
[ -n "$want" ] && [ "$want" = "$got" ] || {
	diff <(echo "$want") <(echo "$got") | head -n 20
	fail "the copy differs from the snapshot"
}
ok "snapshot of the running container copied out of the VM, identical"

# the fill, as libdevmapper reports it, grows with writes to the origin
f0=$(corral snapshot vm ct1 --status --json | jq -r .fill_percent)
vm "lxc-attach -P $G/lxc -n ct1 -- sh -c 'dd if=/dev/urandom of=/more bs=1024 count=10240 2>/dev/null; sync'"
js=$(corral snapshot vm ct1 --status --json)
f1=$(echo "$js" | jq -r .fill_percent)
awk -v a="$f0" -v b="$f1" 'BEGIN { exit !(b > a && b > 20) }' || fail "fill did not grow: $f0 -> $f1"
echo "$js" | jq -e '.fill_warning == true' >/dev/null || fail "no warning past 50%: $js"
ok "snapshot fill read through libdevmapper: $f0% -> $f1%, warned"

# overflow it: invalid, never a source; the container is intact
sum=$(vm "lxc-attach -P $G/lxc -n ct1 -- sha256sum /data" | cut -d' ' -f1)
vm "lxc-attach -P $G/lxc -n ct1 -- sh -c 'dd if=/dev/urandom of=/flood bs=1024 count=20480 2>/dev/null; sync'" || true
js=$(corral snapshot vm ct1 --status --json) && fail "status of an overflowed snapshot exits 0: $js"
echo "$js" | jq -e '.valid == false' >/dev/null || fail "overflow not seen: $js"
out=$(corral sync vm:@ct1 h1:bad 2>&1) && fail "an invalid snapshot was used as a source"
echo "$out" | grep -q "overflowed" || fail "unclear error: $out"
[ ! -e "$S1/bad" ] || [ -z "$(ls -A "$S1/bad")" ] || fail "the failed copy left files behind"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct1 *RUNNING'" || fail "ct1 stopped"
[ "$(vm "lxc-attach -P $G/lxc -n ct1 -- sha256sum /data" | cut -d' ' -f1)" = "$sum" ] ||
	fail "the container's data changed"
corral snapshot vm ct1 --drop >/dev/null || fail "drop of the invalid snapshot"
vm "! lvs --noheadings -o lv_name corral | grep -q '+snap'" || fail "snapshot LV left"
vm "! grep -q ' $G/mnt/.corral-snap' /proc/mounts" || fail "snapshot still mounted"
ok "overflowed snapshot: job fails cleanly, source intact, dropped"

# volumes never take more than snapshot_share (90%) of the VG
out=$(corral create vm huge --size 480M 2>&1) && fail "an LV past snapshot_share was made"
echo "$out" | grep -q "snapshot_share" || fail "unclear refusal: $out"
vm "! lvs --noheadings -o lv_name corral | grep -qw huge" || fail "LV huge exists"
ok "snapshot_share refuses a volume too large"

# a sync from a path inside ct1's LV that is not there: refused, and the
# LV the slave mounted to look is unmounted again (it stayed mounted)
corral sync vm:ct1/no/such h1:nosuch >/dev/null 2>&1 && fail "a sync of a missing path went ahead"
vm "! grep -q ' $G/mnt/ct1 ' /proc/mounts" || fail "ct1's LV left mounted by a refused sync"
ok "a refused sync from inside an LV leaves it unmounted"

# a crashed job's snapshot is dropped when the slave starts
corral snapshot vm ct1 --size 8M >/dev/null || fail "snapshot for the crash"
vm "kill -9 \$(cat $G/slave.pid)"
start_guest_slave
wait_until 100 vm "! lvs --noheadings -o lv_name corral | grep -q '+snap'" ||
	fail "leftover snapshot not dropped at start"
vm "grep -q 'leftover snapshot of ct1' $G/slave.log" || fail "the drop was not logged"
ok "leftover snapshot dropped at slave start"

# ---- hot move of a running LVM-backed container to h1 and back
corral create vm ct2 --size 64M --start >/dev/null || fail "create ct2 on lvm"
vm "lxc-attach -P $G/lxc -n ct2 -- sh -c 'dd if=/dev/urandom of=/data bs=1024 count=8192 2>/dev/null; mkdir /d; for i in 1 2 3 4 5 6 7 8; do echo \$i >/d/f\$i; done; ln /d/f1 /d/h1; sync'" ||
	fail "cannot write in ct2"
# what it has, read through a snapshot of its own (trusted above)
corral sync vm:@ct2 h1:ct2ref >/dev/null || fail "reference copy of ct2"
ex=(--exclude=/var/ --exclude=/run/ --exclude=/tmp/)
same_as_ref() {  # DIR: the rsync oracle against ct2ref, LXC's mark on / aside
	local d
	d=$(rsync -aHAX --numeric-ids --checksum --dry-run -i --delete "${ex[@]}" --exclude=/lost+found/ \
		"$S1/ct2ref/" "$1/" | grep -vx '\.d\.\.t\.\.\.\.\.\. \./' || true)
	[ -z "$d" ] || fail "$1 differs from what ct2 had: $(echo "$d" | head -n 5)"
}
vm_clean() {  # no snapshot LV, no mount of a snapshot or of ct2 left in the VM
	vm "! lvs --noheadings -o lv_name corral | grep -q '+snap'" || fail "$1: a snapshot LV is left"
	vm "! grep -q ' $G/mnt/.corral-snap' /proc/mounts" || fail "$1: a snapshot is still mounted"
}
# a relayed sync ends for the master once its sender has dropped its
# snapshot (master/relay.c await_sender; it once ended before, and a
# transfer starting then reused that snapshot as it was dropped)
vm_clean "right after the relayed reference copy"
t0=$SECONDS
js=$(corral move ct2 --to h1 --json) || fail "move ct2 vm -> h1: $js"
echo "$js" | jq -e '([.steps[].step] | index("precopy") != null) and .downtime_s > 0' >/dev/null ||
	fail "move ct2 --json: $js"
vm "grep -q 'ct2: snapshot taken (lvm)' $G/slave.log" || fail "the pre-copy did not read an LVM snapshot"
vm_clean "after the move to h1"
vm "! lvs --noheadings -o lv_name corral | grep -qw ct2" || fail "ct2's LV is left in the VM"
vm "! grep -q ' $G/mnt/ct2 ' /proc/mounts" || fail "ct2's volume is still mounted in the VM"
"$POOLSH" exec h1 lxc-info -P "$("$POOLSH" lxcpath h1)" -n ct2 -s -H | grep -qx RUNNING || fail "ct2 does not run on h1"
same_as_ref "$S1/ct2"
js=$(corral move ct2 --to vm --json) || fail "move ct2 h1 -> vm: $js"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct2 *RUNNING'" || fail "ct2 does not run in the VM"
vm "grep -qx 'lxc.rootfs.path = lvm:/dev/corral/ct2' $G/lxc/ct2/config" || fail "ct2's config does not name its LV"
[ ! -e "$S1/ct2" ] && [ ! -e "$("$POOLSH" lxcpath h1)/ct2" ] || fail "ct2 is left on h1"
corral sync vm:@ct2 h1:ct2back >/dev/null || fail "copy of ct2 back"
same_as_ref "$S1/ct2back"
vm_clean "after the move back"
ok "LVM-backed ct2 hot-moved to h1 through an LVM snapshot and back, whole, nothing left ($((SECONDS - t0)) s)"

# ---- a hot backup of the running LVM-backed ct2 through an LVM snapshot
# (dropped after), restored to h1 (the oracle); then restored over itself
# in the VM with --force (its LV renamed aside, the new one renamed in)
echo "ct2:hot" >"$(sed -n 's/^backup *= *//p' "$CORRAL_CONF")"
t0=$SECONDS
nsnap=$(vm "grep -c 'ct2: snapshot taken (lvm)' $G/slave.log" || true)
js=$(corral backup ct2 --json) || fail "backup ct2: $js"
echo "$js" | jq -e '.[0].container == "ct2" and .[0].result == "done" and .[0].mode == "hot"' >/dev/null ||
	fail "backup ct2 --json: $js"
[ "$(vm "grep -c 'ct2: snapshot taken (lvm)' $G/slave.log")" -gt "${nsnap:-0}" ] ||
	fail "the backup did not read an LVM snapshot"
vm_clean "after the backup"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct2 *RUNNING'" || fail "ct2 stopped during its backup"
STORE=$("$POOLSH" store)
v=$(corral backups ct2 --json | jq -r '.[-1] | select(.kind == "hot") | .version')
[ -n "$v" ] || fail "no hot version of ct2: $(corral backups ct2)"
same_as_ref "$STORE/ct2/$v/rootfs"
corral restore ct2 --to h1 --as ct2r >/dev/null || fail "restore ct2 to h1: $(corral restore ct2 --to h1 --as ct2r 2>&1)"
bash "$ROOT/tests/tree/same.sh" "$STORE/ct2/$v/rootfs" "$S1/ct2r" || fail "the restore on h1 differs from version $v"
corral restore ct2 --to vm --force >/dev/null || fail "restore --force in the VM: $(corral jobs)"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct2 *RUNNING'" || fail "ct2 does not run after restore --force"
vm "lvs --noheadings -o lv_name corral | tr -d ' ' | grep -qx ct2" && ! vm "lvs --noheadings -o lv_name corral | grep -q 'ct2-'" ||
	fail "LVs after restore --force: $(vm "lvs --noheadings -o lv_name corral")"
vm "grep -qx 'lxc.rootfs.path = lvm:/dev/corral/ct2' $G/lxc/ct2/config && ! ls $G/lxc | grep -q 'ct2-'" ||
	fail "ct2's config after restore --force: $(vm "ls $G/lxc; cat $G/lxc/ct2/config")"
[ "$(vm "lxc-attach -P $G/lxc -n ct2 -- sha256sum /data" | cut -d' ' -f1)" = \
    "$(sha256sum "$STORE/ct2/$v/rootfs/data" | cut -d' ' -f1)" ] || fail "ct2's data after restore --force"
vm_clean "after restore --force"
ok "hot backup of LVM-backed ct2 through an LVM snapshot (dropped), restored to h1 exact, restored over itself with --force ($((SECONDS - t0)) s)"

# ---- a snapshot that overflows during the pre-copy: the move fails, ct2 runs on
free=$(vm "vgs --noheadings --units b --nosuffix -o vg_free corral" | tr -d ' ')
vm "lvcreate -q -n filler -L $((free / 1048576 - 8))m corral" >/dev/null || fail "filler LV"
vm "lxc-attach -P $G/lxc -n ct2 -- sh -c 'while [ ! -e /stop ]; do for i in 1 2 3 4; do dd if=/dev/zero of=/w\$i bs=1M count=4 conv=fsync 2>/dev/null; done; done' >/dev/null 2>&1 &"
t0=$SECONDS
out=$(corral move ct2 --to h1 2>&1) && fail "a move whose snapshot overflowed succeeded: $out"
echo "$out" | tail -n 1
vm "lxc-attach -P $G/lxc -n ct2 -- touch /stop" || true
echo "$out" | grep -q "overflowed" && echo "$out" | grep -q "rolled back: ct2 is on vm as before" ||
	fail "unclear error: $out"
vm "lxc-ls -P $G/lxc -f -F NAME,STATE | grep -q 'ct2 *RUNNING'" || fail "ct2 no longer runs in the VM"
[ ! -e "$S1/ct2" ] && [ ! -e "$("$POOLSH" lxcpath h1)/ct2" ] || fail "the failed move left ct2 on h1"
vm_clean "after the overflow"
vm "lvremove -q -f corral/filler" >/dev/null || true
ok "a snapshot overflowed during the pre-copy: the move failed cleanly, ct2 runs in the VM ($((SECONDS - t0)) s)"
