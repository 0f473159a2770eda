#!/usr/bin/env bash
# Debian's own kernel for the test VM (tests/vm/vm.sh): fetched with
# `apt-get download`, unpacked with `dpkg-deb -x` (never installed) under
# /var/cache/corral-vm/, checked for what the tests need.  Prints
#   KVER=6.1.0-NN-amd64
#   VMLINUZ=/var/cache/corral-vm/<package>_<version>/root/boot/vmlinuz-...
#   KMODS=/var/cache/corral-vm/<package>_<version>/root/lib/modules/<KVER>
#   VMLINUX=/var/cache/corral-vm/<package>_<version>/vmlinux   (if any: the
#           same kernel uncompressed, with a PVH entry; boots faster)
# for `eval "$(tests/vm/kernel.sh)"`.
#
# Flavours are tried in the order of CORRAL_VM_FLAVOURS (default
# "cloud-amd64 amd64"); the first whose kernel has every module and option
# below wins.  Debian 12's cloud kernel lacks 9p (CONFIG_NET_9P is not set),
# which the VM mounts the host's tree with, so the generic amd64 kernel is
# the one used today; the cloud one is fetched once, found unfit and
# remembered as such.  Without package lists (no `apt-get update`) the
# newest kernel already in the cache that passed is used.
set -euo pipefail
CACHE=${CORRAL_VM_CACHE:-/var/cache/corral-vm}
FLAVOURS=${CORRAL_VM_FLAVOURS:-cloud-amd64 amd64}
# modules (or built in): device-mapper and LVM snapshots, file systems, the
# virtio devices, the host's tree over 9p with an overlay on it, LXC's network
MODULES="dm-mod dm-snapshot dm-bufio ext4 virtio_pci virtio_blk virtio_net
virtio_rng 9p 9pnet_virtio overlay loop veth bridge"
OPTIONAL="xfs"   # reported when absent, not required
# built in: namespaces and cgroups for LXC, devtmpfs and tmpfs for the guest
OPTIONS="USER_NS PID_NS NET_NS UTS_NS IPC_NS CGROUPS MEMCG CGROUP_PIDS
CGROUP_BPF CGROUP_FREEZER SECCOMP DEVTMPFS TMPFS"

die() { echo "kernel.sh: $*" >&2; exit 1; }

# check DIR KVER: what the kernel unpacked in DIR lacks, nothing if fit
check() {
	local root=$1 kver=$2 m o lack=""
	for m in $MODULES; do
		modprobe -d "$root" -S "$kver" --show-depends "$m" >/dev/null 2>&1 || lack="$lack $m"
	done
	for o in $OPTIONS; do
		grep -q "^CONFIG_$o=y" "$root/boot/config-$kver" || lack="$lack CONFIG_$o"
	done
	echo "${lack# }"
}

# vmlinux VMLINUZ OUT: the kernel uncompressed, if it can boot without
# its decompressor (a PVH entry point, which qemu uses): this saves 2.5 s
# of each boot under TCG, where unpacking xz is slow
vmlinux() {
	local off
	off=$(grep -abo -m1 $'\xfd7zXZ\x00' "$1" | head -n1 | cut -d: -f1)
	if [ -n "$off" ] &&
		{ tail -c +$((off + 1)) "$1" || true; } | xz -dc --single-stream >"$2.tmp" 2>/dev/null &&
		readelf -n "$2.tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
		mv "$2.tmp" "$2"
	else
		rm -f "$2.tmp"
		touch "$2.none"    # the compressed one it is
	fi
}

# fetch PACKAGE VERSION: the package unpacked and checked in the cache;
# prints its directory, fails if the kernel lacks something
fetch() {
	local pkg=$1 ver=$2 dir=$CACHE/${1}_$2 kver=${1#linux-image-} lack m
	if [ ! -f "$dir/ok" ] && [ ! -f "$dir/unfit" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		# apt's sandbox user could not write the root-owned cache
		(cd "$dir.tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		dpkg-deb -x "$dir.tmp"/*.deb "$dir.tmp/root" || die "dpkg-deb -x of $pkg failed"
		rm -f "$dir.tmp"/*.deb
		[ -f "$dir.tmp/root/boot/vmlinuz-$kver" ] || die "$pkg has no boot/vmlinuz-$kver"
		depmod -b "$dir.tmp/root" "$kver" || die "depmod -b for $pkg failed"
		lack=$(check "$dir.tmp/root" "$kver")
		for m in $OPTIONAL; do
			modprobe -d "$dir.tmp/root" -S "$kver" --show-depends "$m" >/dev/null 2>&1 ||
				echo "kernel.sh: $pkg has no $m (optional)" >&2
		done
		if [ -n "$lack" ]; then
			# keep only the verdict, not 300 MB of modules we will not boot
			rm -rf "$dir.tmp/root"
			echo "$lack" >"$dir.tmp/unfit"
		else
			touch "$dir.tmp/ok"
		fi
		mv "$dir.tmp" "$dir"
		[ -f "$dir/ok" ] || echo "kernel.sh: $pkg lacks: $(cat "$dir/unfit"), not used" >&2
	fi
	[ -f "$dir/ok" ] || return 1
	echo "$dir"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9   # two VMs starting at once fetch once

# the last choice stands while the package lists have not changed
stamp=$CACHE/chosen
# shellcheck disable=SC2086,SC2116  # the flavours on one line, single spaces
key=$(echo $FLAVOURS)
dir=""
if [ -f "$stamp" ] && [ "$stamp" -nt /var/lib/apt/lists ] &&
	[ "$(sed -n 1p "$stamp")" = "$key" ]; then
	dir=$(sed -n 2p "$stamp")
	[ -f "$dir/ok" ] || dir=""
fi
# choose: the first flavour whose kernel, as apt would install it, is fit
choose() {
	local fl pkg ver
	for fl in $FLAVOURS; do
		# linux-image-amd64 depends on the versioned package, e.g.
		# linux-image-6.1.0-56-amd64
		pkg=$(apt-cache depends "linux-image-$fl" 2>/dev/null |
			sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-$fl\)$/\1/p" | head -n1)
		[ -n "$pkg" ] || continue
		ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || continue
		fetch "$pkg" "$ver" && return 0
	done
	return 1
}
if [ -z "$dir" ] && ! dir=$(choose); then
	# a machine whose package lists were never fetched: once, then again
	if ! ls "$CACHE"/linux-image-*_*/ok >/dev/null 2>&1 &&
		! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
		echo "kernel.sh: no package lists, running apt-get update" >&2
		apt-get update -qq >&2 || true
		dir=$(choose) || dir=""
	else
		dir=""
	fi
fi
[ -z "$dir" ] || printf '%s\n%s\n' "$key" "$dir" >"$stamp"
if [ -z "$dir" ]; then
	# offline or no package lists: the newest kernel that passed before
	dir=$(ls -d "$CACHE"/linux-image-*_* 2>/dev/null | sort -V |
		while read -r d; do [ -f "$d/ok" ] && echo "$d"; done | tail -n1)
	[ -n "$dir" ] || die "no fit kernel among flavours '$FLAVOURS' (run apt-get update?)"
	echo "kernel.sh: no fit kernel in the package lists, using cached $(basename "$dir")" >&2
fi
pkg=$(basename "$dir")
kver=${pkg%%_*}
kver=${kver#linux-image-}
[ -f "$dir/vmlinux" ] || [ -f "$dir/vmlinux.none" ] ||
	vmlinux "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinux"
echo "KVER=$kver"
echo "VMLINUZ=$dir/root/boot/vmlinuz-$kver"
echo "KMODS=$dir/root/lib/modules/$kver"
[ ! -f "$dir/vmlinux" ] || echo "VMLINUX=$dir/vmlinux"
