#!/usr/bin/env bash
# Apply one incremental change set to a tree made by tests/tree/mktree.sh,
# as a re-sync would meet it: adds, deletes, renames, small content edits
# and 4 KiB / 64 KiB writes at seeded offsets inside files/big.bin, a write
# into a hole, chmod/chown, xattr change and removal, ACL change, type
# changes (file->dir, dir->symlink, symlink->file, socket->FIFO), hard-link
# changes, a changed symlink target and device number, an mtime-only
# change, a new sparse file.  Every changed entry then gets a seeded mtime
# in 2022..2023 (mktree's are in 2001..2020), so the result is fixed by SEED.
#
#   tests/tree/mutate.sh DIR [SEED=1]     (root; once per mktree.sh tree)
#   MUTATE_SNEAKY=1   also change one file's content keeping its size and
#                     mtime: only a --checksum sync finds that one
set -euo pipefail
umask 022
export LC_ALL=C
DIR=${1:?usage: mutate.sh DIR [SEED]}
SEED=${2:-1}
[ -d "$DIR/files" ] && [ -d "$DIR/hard" ] || { echo "mutate.sh: $DIR is not a mktree.sh tree" >&2; exit 1; }
[ -e "$DIR/.mutated" ] && { echo "mutate.sh: $DIR was mutated already" >&2; exit 1; }

# the same seeded helpers as mktree.sh (rnd N -> REPLY in 0..N-1; bytes; poke)
R=$((0x$(printf 'mutate/%s' "$SEED" | sha256sum | cut -c1-15)))
rnd() { R=$(( R * 6364136223846793005 + 1442695040888963407 )); REPLY=$(( ((R >> 17) & 0x3fffffffffff) % $1 )); }
bytes() {
	head -c "$2" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K "$(printf 'm%s/%s' "$SEED" "$1" | sha256sum | cut -c1-32)" -iv 00000000000000000000000000000000
}
poke() { bytes "$1@$2" "$3" | dd of="$1" bs=64k seek="$2" oflag=seek_bytes conv=notrunc status=none; }

cd "$DIR"
# entries changed between these two marks get seeded mtimes (and not
# mktree's times/future of 2100)
mark=$(mktemp /tmp/mutate.XXXXXX) end=$(mktemp /tmp/mutate.XXXXXX)
trap 'rm -f "$mark" "$end"' EXIT
touch -d '-1 second' "$mark"

# --- adds: files, a directory with content, a new UTF-8 name, deep down
printf 'new small\n' >files/new-small
bytes new-64k 65536 >files/new-64k
mkdir -p newdir/sub
for i in 1 2 3 4 5; do bytes "newdir/$i" $((i * 1000)) >"newdir/f$i"; done
printf 'sub\n' >newdir/sub/g
printf 'neu\n' >'names/neu ünïcødé'
printf 'deep add\n' >deep/d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/added
mkdir 'names/.../a..b/..a/c..d'; printf 'dotted add\n' >'names/.../a..b/..a/c..d/...'

# --- deletes: a file, a FIFO, dotted names, the bottom of deep/ (d16..d20)
rm 'names/with space' special/fifo
rm -r 'names/b..' 'names/.../a..b/..a/b../..a'
rm -r deep/d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12/d13/d14/d15/d16

# --- renames: a file (links/rel now dangles), a dashed name, a directory
mv files/small.txt files/small-renamed.txt
mv -- names/-leading-dash names/--renamed-dash
mv owners/dir owners/dir-renamed

# --- content: small edits, appends, a shrink, seeded writes into big.bin,
# a write into a hole of the sparse file
rnd 1000000; poke files/random-1M "$REPLY" 100
printf 'appended\n' >>names/.hidden
printf 'appended\n' >>'names/.../a..b/..a/b../a..b'
truncate -s 512K files/zeros-1M
big=$(stat -c %s files/big.bin)
for i in $(seq 8); do rnd $((big - 4096)); poke files/big.bin "$REPLY" 4096; done
rnd $((big - 65536)); poke files/big.bin "$REPLY" 65536
poke files/sparse-64M $((40 << 20)) 4096

# --- metadata: modes, owners, xattrs, ACLs
chmod 0755 modes/setuid                 # drops setuid
chmod 0644 modes/none
chmod 0700 modes/sticky
chown 23456:65432 owners/ids
chown -h 0:0 links/owned
setfattr -n user.bin -v 0x0102030405 xattrs/file
setfattr -x user.empty xattrs/file
setfattr -n user.added -v added files/random-1M
setcap -r xattrs/cap 2>/dev/null || true
setfacl -m u:23456:r-- acl/file
setfacl -x g:54321 acl/file
setfacl -k acl/dir                      # drop the default ACL

# --- type changes
rm files/empty; mkdir files/empty; printf 'was a file\n' >files/empty/now-a-dir
rm -r modes/ro-dir; ln -s ../files modes/ro-dir               # dir -> symlink
rm links/dangling; printf 'was a symlink\n' >links/dangling    # symlink -> file
rm special/socket; mkfifo special/socket                       # socket -> FIFO

# --- hard links: break one name off, add a link, move a name to another inode
rm links/hl-c; cp -a hard/a links/hl-c
ln files/random-1M hard/link-to-random
rm deep/d01/hl-b; ln files/big.bin deep/d01/hl-b

# --- symlink target, device number
rm links/abs; ln -s /usr/bin/true links/abs
rm special/block; mknod special/block b 7 201

# --- a new sparse file
truncate -s 32M files/sparse-new
poke files/sparse-new $((8 << 20)) 8192

# --- the sneaky one (opt-in): same size, same mtime, other bytes
if [ "${MUTATE_SNEAKY:-0}" = 1 ]; then
	t=$(stat -c %y names/..dots)
	printf 'DOTS\n' | dd of=names/..dots conv=notrunc status=none
	touch -d "$t" names/..dots
fi

# --- seeded mtimes for everything changed, then one mtime-only change
: >.mutated
touch -d '+1 second' "$end"
find . -newer "$mark" ! -newer "$end" -print0 | sort -z | while IFS= read -r -d '' f; do
	rnd 60000000; s=$((1640995200 + REPLY)); rnd 1000000000
	touch -h -d "@$s.$(printf %09d "$REPLY")" -- "$f"
done
touch -d @1700000000.5 times/ns
