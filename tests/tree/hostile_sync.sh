#!/usr/bin/env bash
# The engine over hostile source trees (tests/tree/hostile.sh builds them),
# sender and receiver on this host (build/xfer-local):
#  - a symlink to / is copied as a symlink, the host not walked;
#  - a directory that becomes a symlink to /tmp between two syncs into one
#    destination: the link replaces the directory, nothing lands in /tmp;
#  - FIFOs named like files: copied as FIFOs, the sender never blocks;
#  - link loops, a link to .. and to its own directory: copied as links;
#  - depth 300 (short names, then names making a 6 KB path) and depth
#    10,000: the sender refuses the tree (256 levels at most) with one
#    error, the receiver writes nothing;
#  - 20,000 entries in one directory: all copied;
#  - a file system mounted in the tree, and a btrfs subvolume nested in a
#    tree read live (a device of its own, no mount): copied as an empty
#    directory (like rsync -x); with --refuse-mounts (a container's tree)
#    the sender fails naming its path and what it is.
#
#   tests/tree/hostile_sync.sh [BUILD_DIR=build]      (root)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
B=${1:-build}
XL=$B/xfer-local
[ "$(id -u)" -eq 0 ] || { echo "hostile_sync.sh: must run as root"; exit 77; }
[ -x "$XL" ] || { echo "hostile_sync.sh: no $XL (make tests)" >&2; exit 2; }
T=$(mktemp -d /tmp/hostile.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
H=$T/h
bash tests/tree/hostile.sh "$H"

# sync CASE [SRC]: the case's tree (or SRC) into $T/d-CASE, 60 s at most
sync() {
	local d=$T/d-$1
	mkdir -p "$d"
	timeout 60 "$XL" "${2:-$H/$1}" "$d" >"$T/$1.out" 2>&1
}
# what a tree holds, as find sees it (rsync cannot read past PATH_MAX)
listing() { (cd "$1" && find . -mindepth 1 -printf '%p %y %s %m %l\n' | sort); }

sync rootfs-link || fail "rootfs-link: $(cat "$T/rootfs-link.out")"
[ -L "$T/d-rootfs-link/rootfs" ] && [ "$(readlink "$T/d-rootfs-link/rootfs")" = / ] ||
	fail "rootfs-link: rootfs is not the link to /"
[ "$(ls -A "$T/d-rootfs-link")" = rootfs ] || fail "rootfs-link: copied $(ls -A "$T/d-rootfs-link")"
ok "a symlink to / copied as a link, the host not walked"

[ ! -e /tmp/corral-hostile ] || fail "/tmp/corral-hostile exists before the test"
sync dir-to-link "$H/dir-to-link/v1" || fail "dir-to-link v1: $(cat "$T/dir-to-link.out")"
[ -f "$T/d-dir-to-link/etc/corral-hostile" ] || fail "dir-to-link v1: etc/corral-hostile missing"
sync dir-to-link "$H/dir-to-link/v2" || fail "dir-to-link v2: $(cat "$T/dir-to-link.out")"
[ -L "$T/d-dir-to-link/etc" ] && [ "$(readlink "$T/d-dir-to-link/etc")" = /tmp ] ||
	fail "dir-to-link: etc is not the link to /tmp"
[ ! -e /tmp/corral-hostile ] || fail "dir-to-link: a file landed in /tmp"
grep -qx 'must not reach /tmp' "$T/d-dir-to-link/etc2/passwd" || fail "dir-to-link: etc2/passwd"
ok "a directory turned into a link to /tmp between syncs: replaced, nothing written through it"

sync fifo-as-file || fail "fifo-as-file (blocked or failed): $(cat "$T/fifo-as-file.out")"
[ -p "$T/d-fifo-as-file/etc/passwd" ] && [ -p "$T/d-fifo-as-file/data.bin" ] ||
	fail "fifo-as-file: the FIFOs are not FIFOs"
grep -qx 'a regular one' "$T/d-fifo-as-file/regular.txt" || fail "fifo-as-file: regular.txt"
ok "FIFOs named as files copied as FIFOs, never opened"

sync link-loops || fail "link-loops: $(cat "$T/link-loops.out")"
[ "$(listing "$H/link-loops")" = "$(listing "$T/d-link-loops")" ] ||
	fail "link-loops: $(diff <(listing "$H/link-loops") <(listing "$T/d-link-loops") | head -n5)"
ok "link loops, a link to .. and to itself copied as links"

for c in deep deep-long deep-10k; do
	if sync "$c"; then fail "$c: a tree deeper than 256 levels was sent"; fi
	grep -q "sender: tree deeper than 256 directories" "$T/$c.out" ||
		fail "$c: said $(cat "$T/$c.out")"
	[ -z "$(ls -A "$T/d-$c")" ] || fail "$c: the receiver wrote $(ls -A "$T/d-$c" | head -n3)"
done
ok "depth 300, a 6 KB path and depth 10,000 refused by the sender in one error, nothing written"

sync wide || fail "wide: $(cat "$T/wide.out")"
[ "$(ls -A "$T/d-wide" | wc -l)" -eq 20000 ] || fail "wide: $(ls -A "$T/d-wide" | wc -l) entries"
[ "$(listing "$H/wide")" = "$(listing "$T/d-wide")" ] || fail "wide: the listings differ"
ok "20,000 entries in one directory copied"

# a tmpfs mounted in the tree, in a mount namespace of the case's own (the
# mount goes with it); the checks are made outside, on what was written
mkdir -p "$T/mnt/a/b/m" "$T/mnt/z" "$T/d-mnt" "$T/d-mnt-refused"
echo keep >"$T/mnt/a/keep"
echo keep >"$T/mnt/z/after"
rc=0
unshare -m --propagation private sh -c '
	mount -t tmpfs corral-test "$1/mnt/a/b/m" || exit 3
	echo lost >"$1/mnt/a/b/m/f"
	timeout 60 "$2" "$1/mnt" "$1/d-mnt" >"$1/mnt.out" 2>&1 || exit 4
	timeout 60 "$2" "$1/mnt" "$1/d-mnt-refused" --refuse-mounts \
	    >"$1/mnt-refused.out" 2>&1 && exit 5
	exit 0' - "$T" "$XL" || rc=$?
case $rc in
0) ;;
3) fail "mount: no tmpfs mounted in a namespace of its own" ;;
4) fail "mount: the sync failed: $(cat "$T/mnt.out")" ;;
5) fail "mount: --refuse-mounts sent a tree with a mount in it: $(cat "$T/mnt-refused.out")" ;;
*) fail "mount: exit $rc" ;;
esac
[ -d "$T/d-mnt/a/b/m" ] && [ -z "$(ls -A "$T/d-mnt/a/b/m")" ] &&
	[ "$(cat "$T/d-mnt/a/keep" "$T/d-mnt/z/after")" = "$(printf 'keep\nkeep')" ] ||
	fail "mount: not copied with its mount point empty: $(cd "$T/d-mnt" && find . | sort | tr '\n' ' ')"
grep -q "sender: a/b/m: a file system mounted in the container's tree" "$T/mnt-refused.out" ||
	fail "mount: --refuse-mounts said $(cat "$T/mnt-refused.out")"
[ ! -e "$T/d-mnt-refused/a/b/m/f" ] || fail "mount: the refused send copied the mount's content"
ok "a file system mounted in the tree: copied as an empty directory; with --refuse-mounts the send fails naming a/b/m"

# a btrfs subvolume nested in a tree read live (a dir volume on btrfs) is
# on a device of its own with no mount there: refused as a subvolume; the
# same subvolume bind-mounted into a tree is a mount.  The btrfs is
# mounted from a loop file in the case's namespace (the loop device is
# freed with the mount, when the namespace goes)
truncate -s 128M "$T/btrfs.img"
mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 || fail "subvolume: mkfs.btrfs"
mkdir -p "$T/bt" "$T/bind/m" "$T/d-sub" "$T/d-sub-refused" "$T/d-bind-refused"
rc=0
unshare -m --propagation private sh -c '
	mount -o loop "$1/btrfs.img" "$1/bt" || exit 3
	btrfs subvolume create "$1/bt/tree" >/dev/null &&
	    mkdir "$1/bt/tree/a" && echo keep >"$1/bt/tree/a/keep" &&
	    btrfs subvolume create "$1/bt/tree/a/sub" >/dev/null &&
	    echo lost >"$1/bt/tree/a/sub/f" &&
	    mount --bind "$1/bt/tree/a/sub" "$1/bind/m" || exit 3
	timeout 60 "$2" "$1/bt/tree" "$1/d-sub" >"$1/sub.out" 2>&1 || exit 4
	timeout 60 "$2" "$1/bt/tree" "$1/d-sub-refused" --refuse-mounts \
	    >"$1/sub-refused.out" 2>&1 && exit 5
	timeout 60 "$2" "$1/bind" "$1/d-bind-refused" --refuse-mounts \
	    >"$1/bind-refused.out" 2>&1 && exit 5
	exit 0' - "$T" "$XL" || rc=$?
case $rc in
0) ;;
3) fail "subvolume: no btrfs with a nested subvolume made" ;;
4) fail "subvolume: the sync failed: $(cat "$T/sub.out")" ;;
5) fail "subvolume: --refuse-mounts sent it: $(cat "$T/sub-refused.out" "$T/bind-refused.out")" ;;
*) fail "subvolume: exit $rc" ;;
esac
[ -d "$T/d-sub/a/sub" ] && [ -z "$(ls -A "$T/d-sub/a/sub")" ] && [ "$(cat "$T/d-sub/a/keep")" = keep ] ||
	fail "subvolume: not copied with the subvolume empty: $(cd "$T/d-sub" && find . | sort | tr '\n' ' ')"
grep -q "sender: a/sub: a btrfs subvolume nested in the tree" "$T/sub-refused.out" ||
	fail "subvolume: --refuse-mounts said $(cat "$T/sub-refused.out")"
grep -q "sender: m: a file system mounted in the container's tree" "$T/bind-refused.out" ||
	fail "subvolume: bind-mounted, --refuse-mounts said $(cat "$T/bind-refused.out")"
ok "a btrfs subvolume nested in a tree read live: copied as an empty directory; with --refuse-mounts the send fails naming a/sub a subvolume, and one bind-mounted a mount"
