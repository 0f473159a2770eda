#!/usr/bin/env bash
# A qemu VM with Debian's own kernel, for what this machine's kernel cannot
# do (device-mapper, hence LVM).  Software emulation (-accel tcg), no KVM.
#
#   vm.sh start [--disk-mb N] [--fwd HOSTPORT:GUESTPORT]... [--cgroup v1]
#               [--back GUESTPORT:HOSTPORT]...
#         boot in the background, return once the guest's agent answers
#         (nothing printed then); the guest has a blank virtio disk of N MiB
#         (default 1024) as /dev/vda; each --fwd forwards 127.0.0.1:HOSTPORT
#         on this machine to GUESTPORT in the guest (TCP); each --back the
#         other way: 10.0.2.100:GUESTPORT in the guest to 127.0.0.1:HOSTPORT
#         here (a busybox nc per connection); --cgroup v1: cgroup v1
#         hierarchies (memory, cpu+cpuacct, pids) instead of v2
#   vm.sh exec CMD...
#         run CMD with bash -c in the guest as root (arguments joined with
#         spaces, as ssh does), in this directory if the guest has it, else
#         in /; prints its stdout and stderr once it has ended and exits
#         with its status (255: no answer from the guest)
#   vm.sh stop      power off, remove the VM's files; idempotent
#   vm.sh console [path]
#         print the guest's console log (kernel and init messages), or its path
#
# The guest runs this machine's own root file system (read-only over 9p,
# with a tmpfs overlay for its writes): every program, library and build
# here is at the same path there, /tmp included; its /run is its own.
# /host in the guest is this machine's tree as it is now: read what this
# machine writes after the boot through /host.  The guest's network
# (10.0.2.15/24) is qemu's user mode, restricted: it reaches nothing
# outside, only the forwarded ports reach it (and --back's ports reach out).  Boot: about 5 s.  See
# tests/vm/README for the design and how to debug.
#
# Env: CORRAL_VM_DIR      the VM's files (default /run/corral-vm): one VM
#                         per directory, several can run at once
#      CORRAL_VM_MEM      MiB of memory (1024)     CORRAL_VM_CPUS (2)
#      CORRAL_VM_AGENT_PORT  host port of the agent (default: a free one)
#      CORRAL_VM_BOOT_TIMEOUT (s, 120)   CORRAL_VM_EXEC_TIMEOUT (s, 900)
#      CORRAL_VM_VERBOSE=1   every kernel message on the console
#      CORRAL_VM_CACHE    kernels and initramfs (/var/cache/corral-vm)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VMDIR=${CORRAL_VM_DIR:-/run/corral-vm}
CACHE=${CORRAL_VM_CACHE:-/var/cache/corral-vm}
MEM=${CORRAL_VM_MEM:-1024}
CPUS=${CORRAL_VM_CPUS:-2}
BOOT_TIMEOUT=${CORRAL_VM_BOOT_TIMEOUT:-120}
EXEC_TIMEOUT=${CORRAL_VM_EXEC_TIMEOUT:-900}

die() { echo "vm.sh: $*" >&2; exit 1; }
usage() { die "usage: vm.sh start [--disk-mb N] [--fwd HOSTPORT:GUESTPORT]... [--back GUESTPORT:HOSTPORT]... [--cgroup v1] | exec CMD... | stop | console [path]"; }

# the pid of this directory's qemu while it runs (never another process
# that got the pid after it)
qemu_pid() {
	local pid
	pid=$(cat "$VMDIR/qemu.pid" 2>/dev/null) && [ -n "$pid" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "file=$VMDIR/disk.img," || return 1
	echo "$pid"
}

free_port() {
	local p
	for p in $(seq 17222 17421); do
		[ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	die "no free TCP port in 17222-17421 for the guest agent"
}

# agent PORT TIMEOUT CMD: run CMD through the guest agent (agent.sh); when
# no answer came, returns 255 with the reason in NOANSWER
NOANSWER="" ANS=""
trap 'rm -f "$ANS"' EXIT    # vm.sh exec interrupted
agent() {
	local port=$1 tmo=$2 rc=0
	NOANSWER=""
	if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
		NOANSWER="cannot connect to the guest agent (127.0.0.1:$port)"
		return 255
	fi
	# the request; a guest that is not listening yet has closed already
	if ! (trap '' PIPE; printf '%s %s\n' "$(printf '%s' "$PWD" | base64 -w0)" \
		"$(printf '%s' "$3" | base64 -w0)" >&3) 2>/dev/null; then
		exec 3<&-
		NOANSWER="the guest agent closed the connection"
		return 255
	fi
	ANS=$(mktemp "${TMPDIR:-/tmp}/corral-vm-exec.XXXXXX")
	timeout "$tmo" cat <&3 >"$ANS" || rc=$?
	exec 3<&-
	if [ $rc -eq 124 ]; then
		rm -f "$ANS"
		NOANSWER="no answer from the guest within ${tmo}s (CORRAL_VM_EXEC_TIMEOUT)"
		return 255
	fi
	rc=$(sed -n 's/^RC \([0-9][0-9]*\)$/\1/p' "$ANS")
	if [ -z "$rc" ]; then
		rm -f "$ANS"
		NOANSWER="the guest agent closed the connection without an answer"
		return 255
	fi
	sed -n 's/^OUT //p' "$ANS" | base64 -d
	sed -n 's/^ERR //p' "$ANS" | base64 -d >&2
	rm -f "$ANS"
	return "$rc"
}

cmd_start() {
	local disk_mb=1024 fwd="" port kv dir initrd deadline hp gp quiet cgroup=v2 VMLINUZ KMODS VMLINUX
	while [ $# -gt 0 ]; do
		case $1 in
		--disk-mb)
			[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "start: --disk-mb needs a number of MiB"
			disk_mb=$2; shift 2 ;;
		--fwd)
			[[ ${2:-} =~ ^[0-9]+:[0-9]+$ ]] || die "start: --fwd needs HOSTPORT:GUESTPORT"
			hp=${2%%:*} gp=${2#*:}
			fwd="$fwd,hostfwd=tcp:127.0.0.1:$hp-:$gp"; shift 2 ;;
		--cgroup)
			[[ ${2:-} =~ ^v[12]$ ]] || die "start: --cgroup needs v1 or v2"
			cgroup=$2; shift 2 ;;
		--back)
			[[ ${2:-} =~ ^[0-9]+:[0-9]+$ ]] || die "start: --back needs GUESTPORT:HOSTPORT"
			gp=${2%%:*} hp=${2#*:}
			# restrict=on leaves explicit forwards alone
			fwd="$fwd,guestfwd=tcp:10.0.2.100:$gp-cmd:busybox nc 127.0.0.1 $hp"; shift 2 ;;
		*) usage ;;
		esac
	done
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
	[ -z "$(qemu_pid)" ] || die "a VM runs already in $VMDIR (vm.sh stop first)"
	[[ $HERE$VMDIR != *[[:space:]]* ]] || die "paths with spaces are not supported: $HERE, $VMDIR"

	kv=$("$HERE/kernel.sh") || die "no kernel (tests/vm/kernel.sh failed)"
	VMLINUX=""
	eval "$kv"    # KVER VMLINUZ KMODS [VMLINUX]
	dir=${KMODS%/root/lib/modules/*}
	initrd=$dir/initrd.gz
	"$HERE/initramfs.sh" "$KMODS" "$initrd" || die "no initramfs (tests/vm/initramfs.sh failed)"

	quiet=quiet
	[ "${CORRAL_VM_VERBOSE:-0}" = 0 ] || quiet=""
	mkdir -p "$VMDIR"
	rm -f "$VMDIR/disk.img" "$VMDIR/console.log" "$VMDIR/qemu.pid" "$VMDIR/agent.port"
	truncate -s "${disk_mb}M" "$VMDIR/disk.img" || die "cannot make $VMDIR/disk.img"
	# one start at a time picks a port and binds it
	exec 8>"$CACHE/.start-lock"
	flock 8
	port=${CORRAL_VM_AGENT_PORT:-$(free_port)}
	qemu-system-x86_64 -name corral-vm -accel tcg,thread=multi -cpu max \
		-smp "$CPUS" -m "$MEM" -nodefaults -no-user-config -display none -no-reboot \
		-kernel "${VMLINUX:-$VMLINUZ}" -initrd "$initrd" \
		-append "console=ttyS0 $quiet mitigations=off panic=-1 apparmor=0 corral.init=$HERE/guest-init.sh corral.kmods=$KMODS corral.cgroup=$cgroup" \
		-serial "file:$VMDIR/console.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path=/,mount_tag=hostlive,security_model=none,readonly=on,multidevs=remap \
		-drive "file=$VMDIR/disk.img,if=virtio,format=raw,cache=unsafe,discard=unmap" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:2222$fwd" \
		-device virtio-net-pci,netdev=n0 -device virtio-rng-pci \
		-pidfile "$VMDIR/qemu.pid" -daemonize ||
		{ cmd_stop; die "qemu-system-x86_64 did not start (see its message above)"; }
	exec 8>&-
	echo "$port" >"$VMDIR/agent.port"

	# guest-init.sh says "corral-vm: up" on the console once the agent
	# listens (before, qemu would hold a connection until the guest answers)
	deadline=$((SECONDS + BOOT_TIMEOUT))
	while [ $SECONDS -lt $deadline ] && qemu_pid >/dev/null; do
		if grep -q '^corral-vm: up' "$VMDIR/console.log" 2>/dev/null &&
			[ "$(agent "$port" 5 'echo up' 2>/dev/null)" = up ]; then
			return 0
		fi
		sleep 0.1
	done
	{
		if [ -n "$(qemu_pid)" ]; then
			echo "vm.sh: the guest agent did not answer within ${BOOT_TIMEOUT}s"
		else
			echo "vm.sh: the VM stopped while booting"
		fi
		echo "--- $VMDIR/console.log (tail; CORRAL_VM_VERBOSE=1 for every kernel message)"
		tail -n 25 "$VMDIR/console.log" 2>/dev/null
	} >&2
	cmd_stop
	exit 1
}

cmd_stop() {
	local pid
	if pid=$(qemu_pid); then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
		[ ! -d "/proc/$pid" ] || kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$VMDIR/disk.img" "$VMDIR/console.log" "$VMDIR/qemu.pid" "$VMDIR/agent.port"
	[ ! -d "$VMDIR" ] || rmdir "$VMDIR" 2>/dev/null || echo "vm.sh: $VMDIR kept, it holds other files" >&2
}

cmd_exec() {
	local port rc=0
	[ $# -gt 0 ] || usage
	port=$(cat "$VMDIR/agent.port" 2>/dev/null) && [ -n "$(qemu_pid)" ] ||
		die "no VM runs in $VMDIR (vm.sh start first)"
	agent "$port" "$EXEC_TIMEOUT" "$*" || rc=$?
	if [ -n "$NOANSWER" ]; then
		echo "vm.sh: $NOANSWER" >&2
		[ -n "$(qemu_pid)" ] || echo "vm.sh: the VM is gone (vm.sh console)" >&2
	fi
	exit $rc
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
exec) shift; cmd_exec "$@" ;;
stop) cmd_stop ;;
console)
	[ -f "$VMDIR/console.log" ] || die "no console log in $VMDIR"
	if [ "${2:-}" = path ]; then echo "$VMDIR/console.log"; else cat "$VMDIR/console.log"; fi ;;
*) usage ;;
esac
