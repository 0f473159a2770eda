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
#  - 20,000 entries in one directory: all copied.
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
