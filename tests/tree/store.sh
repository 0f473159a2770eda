#!/usr/bin/env bash
# The master's store (master/store*.c through build/store-tool) on btrfs,
# xfs and ext4, each a fresh file system on a loop device: the store's
# method is snapshots, reflinks, hard links.
#
#   tests/tree/store.sh [BUILD_DIR=build]      (root)
#
# For each file system:
#  1. version 1 from a mktree.sh tree: `rsync -aHAXS --numeric-ids` into
#     .incoming/rootfs stands in for the engine (an empty .incoming shares
#     nothing yet); commit; the version lists and verifies, and is the tree;
#  2. a begin killed in the middle of its clone (reflink, links) leaves
#     no new version, and the next begin makes .incoming again; a commit
#     killed just before its rename leaves no new version either, and the
#     next begin resumes .incoming, brought to the mutated tree by rsync
#     (btrfs, xfs: nothing there is shared in place) or, on the links
#     store, by the engine itself with its change report (xfer-local
#     --shared-inodes: a default rsync writes changed files anew but
#     changes a linked file's owner, mode or times in place, in every
#     version sharing it); a second transfer after the resume has no data
#     left to send; commit version 2;
#  3. version 1 is still the first tree, version 2 the mutated one, both
#     verify, and version 2 took far less new space than a copy (the file
#     system's used bytes, and the manifest's own figure); short of
#     descriptors (prlimit, every limit from too few to enough) a listing
#     and a check fail or answer right, never say or record bad;
#  3b. (btrfs, xfs) a third version by the engine with --in-place (as the
#     master runs it there), two files rewritten with their sizes: they
#     keep their inodes, version 2 its data; version 3 is the tree,
#     verifies, and its manifest shares all but the blocks of its header
#     and of the changed entries with version 2's; removed again;
#  4. removing version 1 leaves version 2 whole; a begin then discard
#     leaves no .incoming; a begin while another holds the container fails
#     as busy;
#  5. one byte changed in version 2 behind the store's back (its btrfs
#     subvolume made writable first): verify fails naming that file, and
#     the listing marks it bad; an extended attribute added to two files
#     (the manifest records them): verify names both;
#  6. (xfs) a full store's reflink probe says it cannot tell.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
B=${1:-build}
ST=$B/store-tool XL=$B/xfer-local SAME=tests/tree/same.sh
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "store.sh: must run as root"; exit 77; }
[ -x "$ST" ] && [ -x "$XL" ] || { echo "store.sh: no $ST or $XL (make tests)" >&2; exit 2; }
for t in mkfs.btrfs mkfs.xfs mkfs.ext4 btrfs losetup rsync; do
	command -v "$t" >/dev/null || { echo "store.sh: no $t (scripts/deps.sh)"; exit 77; }
done

T=/tmp/corral-store-test-$$
mounts=() loops=()
cleanup() {
	local m l
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T"

# the trees: src, then src2 = src mutated; a 32 MiB file neither touches,
# so that sharing shows in the space figures
MKTREE_BIG=4M bash tests/tree/mktree.sh "$T/src" 7 >/dev/null
head -c 32M /dev/urandom >"$T/src/unchanged.bin"
# older than mutate.sh's mark; the root's time back to mktree.sh's (rsync
# does not set a time of the current second that it compares as equal)
touch -d @1000000000 "$T/src/unchanged.bin"
touch -d @1234567890.987654321 "$T/src"
cp -a "$T/src" "$T/src2"
bash tests/tree/mutate.sh "$T/src2" 7
full=$(du -s --block-size=1 "$T/src2" | cut -f1)

# xfs lists POSIX ACLs also as trusted.SGI_ACL_* xattrs: rsync -X would
# remove them (the source has no such xattr) and with them the ACLs
RSYNC=(-aHAXS --numeric-ids --filter='-x trusted.SGI_ACL_*')
# same SRC DST: tests/tree/same.sh, but for a tree rsync wrote on xfs
# (WRITER=rsync): there rsync -S leaves more blocks allocated to a sparse
# file than the source has, which is rsync's doing, not the store's; then
# rsync's view alone
same() {
	if [ "$fs" = xfs ] && [ "${WRITER:-}" = rsync ]; then
		local d
		d=$(rsync -aHAX --numeric-ids --checksum --delete --dry-run -i --modify-window=-1 \
			--filter='-x trusted.SGI_ACL_*' "$1/" "$2/")
		[ -z "$d" ] || { echo "$d" | head -n 20; return 1; }
	else
		bash "$SAME" "$1" "$2"
	fi
}
used() { sync -f "$1"; echo $(( $(stat -f -c '%b - %f' "$1") * $(stat -f -c %S "$1") )); }
# transfer REPORT: bring .incoming/rootfs to src2; print the files whose
# data was sent.  The links store needs the engine (--shared-inodes), the
# others take rsync, whose names changes[] leaves out
transfer() {
	if [ "$fs" = ext4 ]; then
		changes=(--changes "$1")
		"$XL" "$T/src2" "$inc/rootfs" --shared-inodes --changes "$1" |
			grep -v ' literal 0 ' || true
	else
		changes=()
		rsync "${RSYNC[@]}" --delete --out-format='%i %n' "$T/src2/" "$inc/rootfs/" |
			grep '^>f' || true
	fi
}
field() { awk -v k="$1" '$1 == k { print $2 }'; }
nversions() { "$ST" "$S" versions web | wc -l; }

for fs in btrfs xfs ext4; do
	echo "== $fs"
	img=$T/$fs.img mnt=$T/$fs
	truncate -s 1G "$img"
	case $fs in
	btrfs) mkfs.btrfs -q "$img" >/dev/null; want=btrfs ;;
	xfs) mkfs.xfs -q -f "$img" >/dev/null; want=reflink ;;
	ext4) mkfs.ext4 -q -F "$img" >/dev/null; want=links ;;
	esac
	loop=$(losetup --find --show "$img")
	loops+=("$loop")
	mkdir "$mnt"
	mount "$loop" "$mnt"
	mounts+=("$mnt")
	S=$mnt/store
	mkdir -m 0755 "$S"

	# 1. version 1
	out=$("$ST" "$S" begin web 2>"$T/note")
	grep -q "mode was 0755, made 0700" "$T/note" || fail "$fs: no note of the mode: $(cat "$T/note")"
	[ "$(stat -c %a "$S")" = 700 ] || fail "$fs: store mode $(stat -c %a "$S")"
	[ "$(echo "$out" | field method)" = "$want" ] || fail "$fs: method: $out"
	inc=$(echo "$out" | field path)
	[ "$inc" = "$S/web/.incoming" ] || fail "$fs: path: $out"
	rsync "${RSYNC[@]}" "$T/src/" "$inc/rootfs/"
	printf 'lxc.uts.name = web\n' >"$inc/config"
	printf '#!/bin/sh\n' >"$inc/lxc/hook"
	v1=$("$ST" "$S" commit web --host h1 --kind cold)
	[ "$(nversions)" = 1 ] || fail "$fs: versions after the first commit: $("$ST" "$S" versions web)"
	[ ! -e "$S/web/.incoming" ] || fail "$fs: .incoming left after a commit"
	"$ST" "$S" versions web | grep -q "^$v1 cold h1 .* ok$" || fail "$fs: listing: $("$ST" "$S" versions web)"
	bash "$SAME" "$T/src" "$S/web/$v1/rootfs" || fail "$fs: version 1 is not the tree"
	[ "$("$ST" "$S" verify web)" = good ] || fail "$fs: version 1 does not verify"
	if [ $fs = btrfs ]; then
		[ "$(btrfs property get -ts "$S/web/$v1" ro)" = ro=true ] || fail "btrfs: version 1 is not read-only"
	fi
	echo "ok: version 1 $v1 ($want)"

	# 2. killed runs, resumed
	sleep 1       # another second: the names differ without a number
	used0=$(used "$mnt")
	if [ $fs != btrfs ]; then
		rc=0; "$ST" "$S" begin web --kill-at clone:40 >/dev/null || rc=$?
		[ $rc = 137 ] || fail "$fs: begin was not killed ($rc)"
		[ -d "$S/web/.incoming" ] && [ "$(nversions)" = 1 ] || fail "$fs: after a killed begin"
		# a clone cut short holds no transfer's data: made again, whole
		out=$("$ST" "$S" begin web)
		[ "$(echo "$out" | field resumed)" = 0 ] || fail "$fs: a killed clone was resumed: $out"
	else
		out=$("$ST" "$S" begin web)
	fi
	[ "$(echo "$out" | field base)" = "$v1" ] || fail "$fs: base: $out"
	transfer "$T/changes.$fs" >/dev/null
	rc=0; "$ST" "$S" commit web --host h1 --kind hot "${changes[@]}" --kill-at publish >/dev/null || rc=$?
	[ $rc = 137 ] || fail "$fs: commit was not killed ($rc)"
	[ "$(nversions)" = 1 ] || fail "$fs: a killed commit left a version: $("$ST" "$S" versions web)"
	out=$("$ST" "$S" begin web)
	[ "$(echo "$out" | field resumed)" = 1 ] || fail "$fs: a killed commit not resumed: $out"
	again=$(transfer "$T/changes2.$fs")
	[ -z "$again" ] || fail "$fs: the resumed transfer sent data again: $again"
	# ext4: the resumed run's report only; files the first run wrote are
	# found by their ctime.  Elsewhere no report: every file is hashed.
	v2=$("$ST" "$S" commit web --host h1 --kind hot "${changes[@]}")
	[ "$(nversions)" = 2 ] && [ "$("$ST" "$S" versions web | tail -n1 | cut -d' ' -f1)" = "$v2" ] ||
		fail "$fs: versions: $("$ST" "$S" versions web)"
	echo "ok: killed begin and commit resumed, version 2 $v2"

	# 3. both versions right, sharing
	bash "$SAME" "$T/src" "$S/web/$v1/rootfs" || fail "$fs: version 1 changed"
	WRITER=rsync same "$T/src2" "$S/web/$v2/rootfs" || fail "$fs: version 2 is not the mutated tree"
	[ "$("$ST" "$S" verify web "$v1")" = good ] || fail "$fs: version 1 does not verify"
	[ "$("$ST" "$S" verify web "$v2")" = good ] || fail "$fs: version 2 does not verify"
	took=$(( $(used "$mnt") - used0 ))
	stored=$("$ST" "$S" versions web | tail -n1 | cut -d' ' -f7)
	echo "ok: both verify; version 2 took $took bytes (manifest: $stored), a copy $full"
	[ "$took" -lt $((full / 2)) ] || fail "$fs: version 2 took $took bytes of a $full copy"
	[ "$stored" -gt 0 ] && [ "$stored" -lt $((full / 2)) ] || fail "$fs: stored $stored of a $full copy"

	# 3. short of descriptors (each limit from too few to enough): a
	# listing and a check fail or answer right, never take a sound
	# version for bad (retention would remove it), nor record it so
	for k in $(seq 4 40); do
		out=$(prlimit --nofile=$k "$ST" "$S" verify web "$v1" 2>/dev/null) || true
		[ "$(echo "$out" | tail -n1)" != bad ] || fail "$fs: verify with $k descriptors: bad"
		out=$(prlimit --nofile=$k "$ST" "$S" versions web 2>/dev/null) || true
		! echo "$out" | grep -q ' bad$' || fail "$fs: versions with $k descriptors: $out"
	done
	! "$ST" "$S" versions web | grep -q ' bad$' || fail "$fs: a version left bad: $("$ST" "$S" versions web)"
	echo "ok: short of descriptors, no sound version taken or recorded bad"

	# 3b. (btrfs, xfs) version 3 by the engine as the master runs it
	# there (--in-place): two files rewritten with their sizes, a small
	# one (copied into its inode) and the 32 MiB one (one block changed:
	# aligned blocks, reflinked into its inode).  Each keeps its inode;
	# version 2 keeps its data; version 3 is the tree and verifies; every
	# manifest line keeps its length, so its manifest is version 2's but
	# for the blocks of the header and of the two entries; removed again
	if [ $fs != ext4 ]; then
		sleep 1
		rm -rf "$T/src3"; cp -a "$T/src2" "$T/src3"
		g=$(cd "$T/src2" && find files -type f -links 1 -size +4k -size -1000k | sort | head -n 1)
		[ -n "$g" ] || fail "$fs: no small file of one name in the tree"
		head -c "$(stat -c %s "$T/src3/$g")" /dev/urandom >"$T/src3/$g"
		printf 'changed block' | dd of="$T/src3/unchanged.bin" bs=1 seek=5000000 conv=notrunc status=none
		"$ST" "$S" begin web >/dev/null
		i1=$(stat -c %i "$inc/rootfs/$g") i2=$(stat -c %i "$inc/rootfs/unchanged.bin")
		"$XL" "$T/src3" "$inc/rootfs" --in-place --changes "$T/changes3.$fs" >/dev/null
		v3=$("$ST" "$S" commit web --host h1 --kind hot --changes "$T/changes3.$fs")
		[ "$(stat -c %i "$S/web/$v3/rootfs/$g") $(stat -c %i "$S/web/$v3/rootfs/unchanged.bin")" = "$i1 $i2" ] ||
			fail "$fs: version 3's changed files have new inodes"
		WRITER=rsync same "$T/src3" "$S/web/$v3/rootfs" || fail "$fs: version 3 is not the tree"
		WRITER=rsync same "$T/src2" "$S/web/$v2/rootfs" || fail "$fs: version 3's writes changed version 2"
		[ "$("$ST" "$S" verify web "$v3")" = good ] || fail "$fs: version 3 does not verify"
		sync -f "$S"
		own=$(filefrag -v "$S/web/$v3/manifest" |
			awk '$1 ~ /^[0-9]+:$/ && $0 !~ /shared/ { n += $6 + 0 } END { print n + 0 }')
		all=$(( ($(stat -c %s "$S/web/$v3/manifest") + 4095) / 4096 ))
		[ "$all" -ge 4 ] && [ "$own" -ge 1 ] && [ "$own" -le 3 ] ||
			fail "$fs: version 3's manifest has $own of its $all blocks of its own"
		"$ST" "$S" remove web "$v3"
		[ "$("$ST" "$S" verify web "$v2")" = good ] || fail "$fs: removing version 3 changed version 2"
		echo "ok: in place, inodes kept; $own of the manifest's $all blocks its own"
	fi

	# 4. removal, discard
	"$ST" "$S" remove web "$v1"
	[ "$(nversions)" = 1 ] && [ ! -e "$S/web/$v1" ] && [ ! -e "$S/web/$v1.verified" ] ||
		fail "$fs: remove: $(ls -a "$S/web")"
	WRITER=rsync same "$T/src2" "$S/web/$v2/rootfs" || fail "$fs: removing version 1 changed version 2"
	"$ST" "$S" begin web >/dev/null
	"$ST" "$S" discard web
	[ ! -e "$S/web/.incoming" ] || fail "$fs: discard left .incoming"
	# one transaction of a container at a time
	# (-o: the sleep does not keep the store open, so it can be unmounted)
	flock -o "$S/web" sleep 30 &
	holder=$!
	while flock -n "$S/web" true; do sleep 0.1; done
	rc=0; "$ST" "$S" begin web >/dev/null 2>"$T/busy" || rc=$?
	pkill -P "$holder" sleep || true
	wait "$holder" 2>/dev/null || true
	[ $rc = 1 ] && grep -q busy "$T/busy" || fail "$fs: a second begin: exit $rc, $(cat "$T/busy")"
	[ ! -e "$S/web/.incoming" ] || fail "$fs: a busy begin made .incoming"
	echo "ok: remove, discard, busy"

	# 5. damage behind the store's back
	f=$S/web/$v2/rootfs/files/random-1M
	[ $fs = btrfs ] && btrfs property set -ts "$S/web/$v2" ro false
	t=$(stat -c %.9Y "$f")
	printf 'X' | dd of="$f" bs=1 seek=1000 conv=notrunc status=none
	touch -d "@$t" "$f"
	rc=0; out=$("$ST" "$S" verify web "$v2") || rc=$?
	[ $rc = 1 ] || fail "$fs: verify of a damaged version: exit $rc: $out"
	echo "$out" | grep -qx "content rootfs/files/random-1M" || fail "$fs: the damaged file not named: $out"
	[ "$(echo "$out" | tail -n1)" = bad ] || fail "$fs: verify output: $out"
	"$ST" "$S" versions web | grep -q "^$v2 .* bad$" || fail "$fs: not marked bad: $("$ST" "$S" versions web)"
	echo "ok: a changed byte found: $(echo "$out" | head -n1)"
	# an extended attribute added, and one changed, behind its back (the
	# manifest records them: format 2)
	head -n1 "$S/web/$v2/manifest" | grep -qx "corral-store-manifest 2" ||
		fail "$fs: manifest format: $(head -n1 "$S/web/$v2/manifest")"
	d=$S/web/$v2/rootfs/files
	setfattr -n user.added -v 1 "$d/random-1M"
	g=$(find "$d" -type f ! -name random-1M | sort | head -n1)
	rel=${g#"$S/web/$v2/"}
	setfattr -n user.changed -v 1 "$g"
	rc=0; out=$("$ST" "$S" verify web "$v2") || rc=$?
	[ $rc = 1 ] || fail "$fs: verify with an added xattr: exit $rc: $out"
	echo "$out" | grep -qx "xattrs rootfs/files/random-1M" || fail "$fs: the added xattr not named: $out"
	echo "$out" | grep -qx "xattrs $rel" || fail "$fs: the xattr on $rel not named: $out"
	echo "ok: added extended attributes found"

	# 6. (xfs) a full store: its reflink probe cannot write its block, so
	# the method is links for that open, and said so, where it was
	# silently links; room again: reflinks
	if [ $fs = xfs ]; then
		fallocate -l "$(( $(stat -f -c '%a * %S' "$mnt") ))" "$mnt/filler" 2>/dev/null || true
		while head -c 1M /dev/zero >>"$mnt/filler" 2>/dev/null; do :; done
		"$ST" "$S" containers >/dev/null 2>"$T/note" || true
		grep -q "cannot tell whether it shares blocks (No space left on device)" "$T/note" ||
			fail "$fs: a full store's probe said nothing: $(cat "$T/note")"
		rm "$mnt/filler"
		"$ST" "$S" containers >/dev/null 2>"$T/note"
		[ ! -s "$T/note" ] || fail "$fs: a note with room again: $(cat "$T/note")"
		echo "ok: a full store's probe says it cannot tell"
	fi

	umount "$mnt"
	unset 'mounts[-1]'
	losetup -d "$loop"
	unset 'loops[-1]'
	rm -f "$img"
done
echo "store: btrfs, xfs and ext4 pass"
