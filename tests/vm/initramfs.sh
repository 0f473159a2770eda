#!/usr/bin/env bash
# The test VM's initramfs (tests/vm/vm.sh): a static busybox, the modules
# that reach the host's tree (virtio PCI, 9p over virtio, overlayfs, the
# random number device) and tests/vm/init as /init; cpio newc, gzip.
#   initramfs.sh KMODS OUT    KMODS as printed by kernel.sh
# Rebuilt only when OUT is missing or older than this script or the init.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT_MODULES="virtio_pci 9p 9pnet_virtio overlay virtio_rng virtio_net virtio_blk dm_mod"

die() { echo "initramfs.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: initramfs.sh KMODS OUT"
kmods=$1 out=$2 kver=$(basename "$1")
root=${kmods%/lib/modules/*}
if [ -f "$out" ] && [ "$out" -nt "$HERE/initramfs.sh" ] && [ "$out" -nt "$HERE/init" ]; then
	exit 0
fi
busybox=$(command -v busybox) || die "no busybox (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked (apt-get install busybox-static)"

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/bin" "$w/dev" "$w/proc" "$w/sys" "$w/modules" "$w/newroot"
cp "$busybox" "$w/bin/busybox"
cp "$HERE/init" "$w/init"
chmod 755 "$w/init"
# each module after what it needs (modprobe's own order), each once; one
# name per call, further names would be taken as module parameters
for m in $BOOT_MODULES; do
	modprobe -d "$root" -S "$kver" --show-depends "$m" || die "module $m not in $kmods"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$w/paths"
: >"$w/modules/order"
while read -r p; do
	b=$(basename "$p")
	case $p in   # Debian 12 ships plain .ko; busybox insmod wants them so
	*.ko) cp "$p" "$w/modules/$b" ;;
	*.ko.xz) b=${b%.xz}; xz -dc "$p" >"$w/modules/$b" ;;
	*.ko.zst) b=${b%.zst}; zstd -qdc "$p" >"$w/modules/$b" ;;
	*.ko.gz) b=${b%.gz}; gzip -dc "$p" >"$w/modules/$b" ;;
	*) die "unknown module format: $p" ;;
	esac || die "cannot copy $p"
	echo "$b" >>"$w/modules/order"
done <"$w/paths"
rm "$w/paths"
(cd "$w" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -6) >"$out.tmp.$$" ||
	die "cpio of the initramfs failed"
mv "$out.tmp.$$" "$out"
