#!/usr/bin/env bash
# A qemu VM with Debian's own kernel, for what this machine's kernel cannot
# do (device-mapper, hence LVM).  Software emulation (-accel tcg), no KVM.
#
#   vm.sh start [--disk-mb N] [--fwd HOSTPORT:GUESTPORT]...
#                        boot in the background; returns once the guest
#                        answers (a virtio disk of N MiB, default 512, is
#                        /dev/vda in the guest)
#   vm.sh exec CMD       run CMD (bash) in the guest as root; its stdout,
#                        stderr and exit status are this command's
#   vm.sh stop           power off and remove the VM's files (idempotent)
#   vm.sh console        print the guest's console log
#
# How: the kernel package linux-image-*-amd64 is fetched with apt-get
# download (cached in /var/cache/corral-vm) and unpacked, not installed.
# A small initramfs (busybox, the virtio/9p/overlay modules) mounts this
# machine's root file system read-only over 9p with a tmpfs overlay on top,
# so every program and library here (lvm2, liblxc, the corral build) runs
# unchanged in the guest; the host's tree is also at /host in the guest.
# tests/vm/guest-init.sh then sets up the guest and serves commands on
# guest port 2222 (tests/vm/agent.sh), forwarded to a host port.
# Env: CORRAL_VM_DIR (state, default /run/corral-vm), CORRAL_VM_AGENT_PORT
# (default 17222), CORRAL_VM_MEM (MiB, 1024).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=/var/cache/corral-vm
VMDIR=${CORRAL_VM_DIR:-/run/corral-vm}
AGENT_PORT=${CORRAL_VM_AGENT_PORT:-17222}
MEM=${CORRAL_VM_MEM:-1024}
FLAVOUR=amd64                 # the cloud flavour has no 9p
BOOT_MODS="virtio_pci virtio_blk virtio_net 9p 9pnet_virtio overlay"

die() { echo "vm.sh: $*" >&2; exit 1; }

# The newest Debian kernel package of the flavour, unpacked once.
kernel() {
	local pkg ver
	pkg=$(apt-cache depends "linux-image-$FLAVOUR" 2>/dev/null |
		sed -n "s/.*Depends: \(linux-image-[0-9].*-$FLAVOUR\)$/\1/p" | head -n1)
	[ -n "$pkg" ] || die "no linux-image-$FLAVOUR in the package lists (apt-get update?)"
	ver=${pkg#linux-image-}
	if [ ! -f "$CACHE/$ver/done" ]; then
		mkdir -p "$CACHE/$ver"
		# as root in a root-owned cache: apt's own user could not write it
		(cd "$CACHE/$ver" && rm -f ./*.deb &&
			apt-get -o APT::Sandbox::User=root download "$pkg" >/dev/null) ||
			die "apt-get download $pkg failed"
		dpkg-deb -x "$CACHE/$ver"/*.deb "$CACHE/$ver/root" || die "cannot unpack $pkg"
		depmod -b "$CACHE/$ver/root" "$ver" || die "depmod failed"
		rm -f "$CACHE/$ver"/*.deb
		touch "$CACHE/$ver/done"
	fi
	echo "$ver"
}

# busybox and the modules that mount the host's tree; /init does the rest.
initramfs() {
	local ver=$1 kroot=$CACHE/$1/root out=$CACHE/$1/initrd.gz w m mods
	[ -f "$out" ] && [ "$out" -nt "$ROOT/tests/vm/vm.sh" ] && { echo "$out"; return; }
	w=$(mktemp -d)
	mkdir -p "$w/bin" "$w/proc" "$w/sys" "$w/dev" "$w/mnt" "$w/mods"
	cp /bin/busybox "$w/bin/busybox"
	! ldd /bin/busybox >/dev/null 2>&1 || die "/bin/busybox is not static (install busybox-static)"
	: >"$w/mods/list"
	# one module per call: further names would be taken as its parameters
	mods=$(for m in $BOOT_MODS; do modprobe -d "$kroot" -S "$1" --show-depends "$m" ||
		echo "FAIL $m"; done)
	! echo "$mods" | grep -q '^FAIL' || die "modules missing: $(echo "$mods" | grep '^FAIL')"
	for m in $(echo "$mods" | awk '$1 == "insmod" { print $2 }'); do
		grep -qx "/mods/$(basename "$m")" "$w/mods/list" && continue
		cp "$m" "$w/mods/"
		echo "/mods/$(basename "$m")" >>"$w/mods/list"
	done
	cat >"$w/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/list); do insmod "$m" 2>/dev/null; done
mkdir -p /mnt/lower /mnt/rw /mnt/root
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,ro hostroot /mnt/lower ||
	{ echo "init: cannot mount the host's tree"; poweroff -f; }
mount -t tmpfs -o size=50% tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /mnt/root ||
	{ echo "init: overlay failed"; poweroff -f; }
mkdir -p /mnt/root/host
mount --bind /mnt/lower /mnt/root/host
gi=$(sed -n 's/.*corral.init=\([^ ]*\).*/\1/p' /proc/cmdline)
umount /proc /sys /dev
exec switch_root /mnt/root /bin/bash "$gi"
EOF
	chmod +x "$w/init"
	(cd "$w" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" || die "cpio failed"
	mv "$out.tmp" "$out"
	rm -rf "$w"
	echo "$out"
}

agent() {  # agent CMD: one command through the guest agent
	local cmd64 tag val out='' err='' rc=255
	cmd64=$(printf '%s' "$1" | base64 -w0)
	exec 3<>"/dev/tcp/127.0.0.1/$AGENT_PORT" || return 255
	printf '%s\n' "$cmd64" >&3
	while read -r tag val <&3; do
		case $tag in
		OUT) out=$val ;;
		ERR) err=$val ;;
		RC) rc=$val ;;
		esac
	done
	exec 3<&-
	printf '%s' "$out" | base64 -d
	printf '%s' "$err" | base64 -d >&2
	return "$rc"
}

cmd_start() {
	local disk_mb=512 fwd="hostfwd=tcp:127.0.0.1:$AGENT_PORT-:2222" ver kroot initrd n
	while [ $# -gt 0 ]; do
		case $1 in
		--disk-mb) disk_mb=$2; shift 2 ;;
		--fwd) fwd="$fwd,hostfwd=tcp:127.0.0.1:${2%%:*}-:${2#*:}"; shift 2 ;;
		*) die "start: unknown option '$1'" ;;
		esac
	done
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	[ ! -f "$VMDIR/qemu.pid" ] || ! kill -0 "$(cat "$VMDIR/qemu.pid")" 2>/dev/null ||
		die "a VM runs already ($VMDIR); vm.sh stop first"
	ver=$(kernel) || exit 1
	kroot=$CACHE/$ver/root
	initrd=$(initramfs "$ver") || exit 1
	mkdir -p "$VMDIR"
	rm -f "$VMDIR/disk.img" "$VMDIR/console.log"
	truncate -s "${disk_mb}M" "$VMDIR/disk.img"
	echo "$ver" >"$VMDIR/kernel"
	qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m "$MEM" -nodefaults \
		-display none -no-reboot \
		-kernel "$kroot/boot/vmlinuz-$ver" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet apparmor=0 corral.init=$ROOT/tests/vm/guest-init.sh corral.kmod=$kroot/lib/modules/$ver" \
		-serial "file:$VMDIR/console.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-drive "file=$VMDIR/disk.img,if=virtio,format=raw,cache=unsafe" \
		-netdev "user,id=n0,$fwd" -device virtio-net-pci,netdev=n0 \
		-pidfile "$VMDIR/qemu.pid" -daemonize ||
		die "qemu did not start"
	for n in $(seq 1 600); do
		if [ "$(agent 'echo up' 2>/dev/null)" = up ]; then
			return 0
		fi
		kill -0 "$(cat "$VMDIR/qemu.pid" 2>/dev/null)" 2>/dev/null || break
		sleep 0.2
	done
	echo "--- console (tail)"; tail -n 30 "$VMDIR/console.log" >&2 || true
	cmd_stop
	die "the guest did not come up"
}

cmd_stop() {
	local pid
	if [ -f "$VMDIR/qemu.pid" ]; then
		pid=$(cat "$VMDIR/qemu.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$VMDIR"
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
exec) shift; [ $# -gt 0 ] || die "usage: vm.sh exec CMD"; agent "$*" ;;
stop) cmd_stop ;;
console) cat "$VMDIR/console.log" ;;
*) die "usage: vm.sh start [--disk-mb N] [--fwd HOST:GUEST]... | exec CMD | stop | console" ;;
esac
