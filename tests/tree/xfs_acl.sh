#!/usr/bin/env bash
# POSIX ACLs on xfs, which lists them twice: as system.posix_acl_* and as
# its own trusted.SGI_ACL_FILE / trusted.SGI_ACL_DEFAULT xattrs.  The
# engine carries the ACLs as system.posix_acl_* alone: it never sends the
# SGI names, never removes them (that removes the ACL) and never compares
# them, whichever side is xfs.
#
#   tests/tree/xfs_acl.sh [BUILD_DIR=build]      (root)
#
# A file with an access ACL and a directory with an access and a default
# ACL (and a file made in it, which inherits), on ext4 (/tmp) and on a
# fresh xfs on a loop device, synced by build/xfer-local ext4 -> xfs,
# xfs -> xfs and xfs -> ext4, twice each: the second sync changes nothing,
# getfacl shows the source's ACLs on the destination after both, and no
# trusted.SGI_ACL_* reaches ext4.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
B=${1:-build}
XL=$B/xfer-local
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "xfs_acl.sh: must run as root"; exit 77; }
[ -x "$XL" ] || { echo "xfs_acl.sh: no $XL (make tests)" >&2; exit 2; }
for t in mkfs.xfs losetup setfacl getfacl getfattr; do
	command -v "$t" >/dev/null || { echo "xfs_acl.sh: no $t (scripts/deps.sh)"; exit 77; }
done

T=$(mktemp -d /tmp/corral-xfs-acl.XXXXXX)
. tests/tree/loopfs.sh
trap 'loopfs_cleanup; rm -rf "$T"' EXIT
loopfs_mount xfs 300M "$T/xfs"
X=$T/xfs

# make_src DIR: the tree with its ACLs
make_src() {
	mkdir -p "$1/d"
	printf 'acl\n' >"$1/f"
	setfacl -m u:1234:rw,g:4321:r "$1/f"
	setfacl -m u:99:rwx "$1/d"
	setfacl -d -m u:1234:rx,g:55:rx "$1/d"
	printf 'inherits\n' >"$1/d/g"
	touch -d @1600000000 "$1/f" "$1/d/g" "$1/d" "$1"
}
# acls DIR: every entry's ACLs, by relative path, sorted (readdir's order
# differs between file systems)
acls() { (cd "$1" && find . -print0 | sort -z | xargs -0 getfacl -p -n); }
# sync SRC DST: the changed count
sync_count() {
	local out
	out=$("$XL" "$1" "$2") || fail "xfer-local $1 -> $2: $out"
	echo "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "changed") print $(i + 1) }'
}

make_src "$T/ext"
make_src "$X/src"
getfacl -p "$X/src/d" | grep -q '^default:user:1234:r-x' || fail "setfacl on xfs"
getfattr -m - "$X/src/d" 2>/dev/null | grep -q trusted.SGI_ACL_DEFAULT ||
	fail "xfs does not list trusted.SGI_ACL_DEFAULT: nothing to test"

check() {   # name src dst
	local n
	mkdir "$3"
	n=$(sync_count "$2" "$3")
	[ "$n" -gt 0 ] || fail "$1: the first sync changed nothing"
	[ "$(acls "$2")" = "$(acls "$3")" ] || {
		diff <(acls "$2") <(acls "$3") | head -n 20
		fail "$1: ACLs differ after the first sync"
	}
	n=$(sync_count "$2" "$3")
	[ "$n" = 0 ] || fail "$1: the second sync changed $n"
	[ "$(acls "$2")" = "$(acls "$3")" ] || {
		diff <(acls "$2") <(acls "$3") | head -n 20
		fail "$1: ACLs differ after the second sync"
	}
	echo "ok $1"
}
check "ext4 -> xfs" "$T/ext" "$X/from-ext"
check "xfs -> xfs" "$X/src" "$X/from-xfs"
check "xfs -> ext4" "$X/src" "$T/to-ext"
if getfattr -R -m - "$T/to-ext" 2>/dev/null | grep -q SGI_ACL; then
	fail "trusted.SGI_ACL_* sent to ext4"
fi
echo "xfs_acl: all passed"
