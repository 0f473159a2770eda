#!/usr/bin/env bash
# btrfs_subvols_beneath() (common/btrfs.c, through build/btrfs-tool) on a
# fresh btrfs on a loop device, as the dir volumes of a host on btrfs
# share one subvolume: a hostile volume's deep tree or many subvolumes
# cost another volume's check a bounded walk, never a failure.
#
#   tests/tree/btrfs_deep.sh [BUILD_DIR=build]      (root)
#
#  1. shallow: w/p/q holds 300 subvolumes: 300 found, p/q/s0 first (the
#     search of the file system's trees, each directory read once); y/a/b/sub
#     found; z (empty) none; u/ holding a chain of 3000 ending in a
#     subvolume: found, named ".../d/d/.../d/s0" (the old code cut the
#     name off the 4 KB path); v/ holding a subvolume beneath 20 names of
#     250 bytes: found, named by the path's tail.
#  2. x/ holds a chain of 300000 directories ending in a subvolume: the
#     check of y still finds a/b/sub, z none, w its 300, each within
#     MAX_WORK searches and directories (the old code walked the whole
#     chain for each: 300000 steps, about two seconds here), v found by
#     the walk down, named by the tail; x's
#     check refuses, its own tree too deep to check (exit 3), or finds
#     .../d/s0.
#  3. 300 subvolumes more at the bottom of a second such chain in x: y and
#     z still within MAX_WORK (the old code: 300 times the chain).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
B=${1:-build}
BT=$B/btrfs-tool
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "btrfs_deep.sh: must run as root"; exit 77; }
[ -x "$BT" ] || { echo "btrfs_deep.sh: no $BT (make tests)" >&2; exit 2; }
for t in mkfs.btrfs losetup; do
	command -v "$t" >/dev/null || { echo "btrfs_deep.sh: no $t (scripts/deps.sh)"; exit 77; }
done

. tests/tree/loopfs.sh
T=$(mktemp -d /tmp/corral-btrfs-deep.XXXXXX)
# the chains are far too deep to remove: the file system goes whole
trap 'loopfs_cleanup; rm -rf "$T"' EXIT
loopfs_mount btrfs 1G "$T/m"
M=$T/m
# a check's work (tree searches and directories read), whatever x holds:
# common/btrfs.c's UP_BUDGET (8192) searches up at most, then a walk down
# its own small tree (the old code searched up x's whole chain, 300000
# steps, for each check: about two seconds).  Work, not time: a test on
# a loaded machine asserts no time
MAX_WORK=9000
# one subvolume holds every volume, as /var/lib/lxc on a btrfs root
btrfs subvolume create "$M/lxc" >/dev/null
V=$M/lxc
mkdir -p "$V/w/p/q" "$V/y/a/b" "$V/z" "$V/x"
echo keep >"$V/y/a/file"
btrfs subvolume create "$V/y/a/b/sub" >/dev/null

# expect DIR N FIRST [MAX_WORK]: the check of DIR says N, FIRST first
expect() {
	local out n first ms work
	out=$(timeout 30 "$BT" check "$1" 2>&1) || fail "check $1 failed (exit $?): $out"
	read -r n first ms work <<<"$out"
	[ "$n" = "$2" ] && [ "$first" = "$3" ] ||
		fail "check $1: '$n $first', expected '$2 $3'"
	if [ -n "${4:-}" ] && [ "$work" -gt "$4" ]; then
		fail "check $1 took $work searches and directories (over $4)"
	fi
	echo "ok: $1: $n $first (work $work, $ms ms)"
}

# check_x: x refused (too big), or its deep subvolume found
check_x() {
	local out rc
	set +e
	out=$(timeout 30 "$BT" check "$V/x" 2>&1); rc=$?
	set -e
	case "$rc $out" in
	"3 $V/x: too big to check") echo "ok: x refused: $out" ;;
	"0 1 "*/d/s0\ *) echo "ok: x found: ...${out: -40}" ;;
	*) fail "check x: exit $rc (...${out: -200}), expected 3 or .../d/s0" ;;
	esac
}

# 1. shallow
"$BT" chain "$V/w/p/q" 0 300 || fail "300 subvolumes in w/p/q"
expect "$V/w" 300 p/q/s0
expect "$V/y" 1 a/b/sub
expect "$V/z" 0 -
expect "$V/x" 0 -

# a chain of 3000 in u ending in a subvolume: found by the search, its
# path's head cut, not its name (the old code cut the name off)
mkdir "$V/u"
"$BT" chain "$V/u" 3000 1 || fail "chain in u"
out=$("$BT" check "$V/u" 2>&1) || fail "check u failed: ${out: -200}"
case "$out" in
"1 .../d/d/"*/d/s0\ *) echo "ok: u: 1 ...${out: -30}" ;;
*) fail "check u: ${out:0:20}...${out: -60}, expected 1 .../d/s0" ;;
esac

# v: 20 levels of 250-byte names, a subvolume at the bottom (5 KB of
# path): named by its tail, its name whole, by either search
mkdir "$V/v"
long=$(printf 'n%.0s' $(seq 250))
(cd "$V/v" && for _ in $(seq 20); do mkdir "$long" && cd "$long"; done &&
	btrfs subvolume create s >/dev/null) || fail "long path in v"
expect_long() {
	out=$("$BT" check "$V/v" 2>&1) || fail "check v failed: ${out: -200}"
	case "$out" in
	"1 .../$long/"*"$long/s "*) echo "ok: v: 1 ...${out: -30}" ;;
	*) fail "check v: ${out:0:20}...${out: -60}, expected 1 .../$long/s" ;;
	esac
}
expect_long

# 2. a deep chain in x ending in a subvolume
"$BT" chain "$V/x" 300000 1 || fail "chain in x"
sync -f "$M"    # its writeback is no part of a check
expect "$V/y" 1 a/b/sub "$MAX_WORK"
expect "$V/z" 0 - "$MAX_WORK"
expect "$V/w" 300 p/q/s0 "$MAX_WORK"
expect_long
check_x

# 3. 300 subvolumes at the bottom of a second chain in x
mkdir "$V/x/e"
"$BT" chain "$V/x/e" 40000 300 || fail "second chain in x"
sync -f "$M"    # its writeback is no part of a check
expect "$V/y" 1 a/b/sub "$MAX_WORK"
expect "$V/z" 0 - "$MAX_WORK"
check_x
echo "PASS btrfs_deep"
