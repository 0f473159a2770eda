#!/usr/bin/env bash
# Build a test tree with every kind of entry and metadata a container rootfs
# can hold, for the transfer engine's tests.  The same SEED gives the same
# tree (contents, names, modes, owners, xattrs, ACLs, mtimes), so two runs
# compare equal with tests/tree/same.sh.
#
#   tests/tree/mktree.sh DIR [SEED=1]     (root; DIR must not exist or be empty)
#   MKTREE_BIG=8M   size of files/big.bin (any `truncate -s` size)
#
# Layout: files/ (empty, small, 1 MiB random, big, sparse, zeros), names/
# (spaces, UTF-8, invalid UTF-8, newline, leading dash, 255 bytes, files
# and directories named ..., a..b, ..a, b..), deep/
# (depth 20), links/ (symlinks of every sort), hard/ (3 names of one inode
# across directories), special/ (char and block device, FIFO, socket),
# owners/ (uid/gid not in /etc/passwd), modes/ (setuid, setgid, sticky, 0000),
# times/ (nanoseconds, before 1970, 2100), xattrs/, acl/.
# Needs coreutils, openssl, attr, acl, libcap2-bin (installed when missing).
set -euo pipefail
umask 022
export LC_ALL=C
DIR=${1:?usage: mktree.sh DIR [SEED]}
SEED=${2:-1}
BIG=${MKTREE_BIG:-8M}
[ "$(id -u)" -eq 0 ] || { echo "mktree.sh: must run as root" >&2; exit 1; }

# Install a missing tool's Debian package (attr, acl, libcap2-bin, openssl).
need() {
	command -v "$1" >/dev/null && return 0
	echo "mktree.sh: installing $2 for $1" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
}
need openssl openssl; need setfattr attr; need setfacl acl; need setcap libcap2-bin

# Seeded pseudo-random numbers (64-bit LCG, the same on every bash):
# rnd N sets REPLY to 0..N-1.
R=$((0x$(printf '%s' "$SEED" | sha256sum | cut -c1-15)))
rnd() { R=$(( R * 6364136223846793005 + 1442695040888963407 )); REPLY=$(( ((R >> 17) & 0x3fffffffffff) % $1 )); }
# bytes LABEL SIZE: SIZE pseudo-random bytes, fixed by SEED and LABEL
# (AES-CTR of zeros, fast enough for large files).
bytes() {
	head -c "$2" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K "$(printf '%s/%s' "$SEED" "$1" | sha256sum | cut -c1-32)" -iv 00000000000000000000000000000000
}
# poke FILE OFFSET LEN: write LEN seeded bytes at OFFSET without truncating.
poke() { bytes "$1@$2" "$3" | dd of="$1" bs=64k seek="$2" oflag=seek_bytes conv=notrunc status=none; }

if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
	echo "mktree.sh: $DIR exists and is not empty" >&2; exit 1
fi
mkdir -p "$DIR"
cd "$DIR"
chmod 0755 .
mkdir files names deep links hard special owners modes times xattrs acl

# --- regular files
: >files/empty
printf 'hello corral, seed %s\n' "$SEED" >files/small.txt
bytes random-1M 1M >files/random-1M
bytes big "$(numfmt --from=iec "$BIG")" >files/big.bin
head -c 1M /dev/zero >files/zeros-1M            # allocated zeros, not a hole
truncate -s 64M files/sparse-64M                # data in the middle, holes around
poke files/sparse-64M 0 4096
poke files/sparse-64M $((20 << 20)) $((64 << 10))
poke files/sparse-64M $(((33 << 20) + 123)) 5000
truncate -s 16M files/hole-only                  # nothing but a hole
truncate -s 8M files/sparse-tail                 # a hole, then data at the end
poke files/sparse-tail $(((8 << 20) - 4096)) 4096

# --- names
for n in 'with space' ' leading space' 'trailing space ' 'ünïcødé-日本語-😀' \
	$'latin1-caf\xe9' $'new\nline' $'tab\there' 'back\slash' '*?[glob]' \
	'-leading-dash' '--' '.hidden' '..dots' "$(printf 'L%.0s' $(seq 255))"; do
	printf '%s\n' "$n" >"names/$n"
done
mkdir 'names/dir with ünïcødé'
: >'names/dir with ünïcødé/-n'
# names that merely contain "..": ordinary names, files and directories
# at any depth (only a whole ".." component may be refused)
mkdir -p names/.../a..b/..a/b.. names/a..b names/..a names/b..
for d in names/... names/.../a..b names/.../a..b/..a names/.../a..b/..a/b.. \
	names/a..b names/..a names/b..; do
	for n in ... a..b ..a b.. f; do
		[ -e "$d/$n" ] || printf '%s\n' "$d/$n" >"$d/$n"
	done
done

# --- depth 20, a file on every level
p=deep
for i in $(seq -w 1 20); do
	p=$p/d$i
	mkdir "$p"
	bytes "$p" $((10#$i * 100)) >"$p/f"
done

# --- symlinks
ln -s ../files/small.txt links/rel
ln -s /usr/bin/env links/abs
ln -s does/not/exist links/dangling
ln -s /etc/passwd links/passwd
ln -s ../../.. links/up
ln -s ../deep/d01 links/dir
ln -s self links/self
ln -s "$(printf 't%.0s' $(seq 1000))" links/long-target
ln -s ../files/big.bin links/owned
chown -h 12345:54321 links/owned

# --- hard links: 3 names of one inode in 3 directories
bytes hard 3000 >hard/a
ln hard/a deep/d01/hl-b
ln hard/a links/hl-c
chmod 0640 hard/a

# --- special files
mknod special/char c 1 3
mknod special/block b 7 200
mkfifo special/fifo
chmod 0620 special/char
if perl -MIO::Socket::UNIX -e '$s = IO::Socket::UNIX->new(Type => SOCK_STREAM(),
	Local => $ARGV[0], Listen => 1) or die "$!\n"' special/socket 2>/dev/null; then :
elif command -v python3 >/dev/null; then
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' special/socket
else
	echo "mktree.sh: note: no perl IO::Socket::UNIX nor python3, no socket made" >&2
fi

# --- owners not in /etc/passwd (chown before chmod: chown clears setuid)
printf 'owned\n' >owners/ids
chown 12345:54321 owners/ids
mkdir owners/dir
printf 'inside\n' >owners/dir/f
chown 54321:12345 owners/dir owners/dir/f
chown 0:54321 special/fifo

# --- modes
printf '#!/bin/sh\n' >modes/setuid; chown 12345:0 modes/setuid; chmod 4755 modes/setuid
printf '#!/bin/sh\n' >modes/setgid; chown 0:54321 modes/setgid; chmod 2755 modes/setgid
mkdir modes/sticky; : >modes/sticky/other; chown 12345:12345 modes/sticky/other; chmod 1777 modes/sticky
mkdir modes/setgid-dir; chmod 2775 modes/setgid-dir; : >modes/setgid-dir/f
printf 'secret\n' >modes/none; chmod 0000 modes/none
printf 'x\n' >modes/exec-only; chmod 0111 modes/exec-only
mkdir modes/ro-dir; printf 'ro\n' >modes/ro-dir/f; chmod 0555 modes/ro-dir
mkdir modes/no-dir; printf 'hidden\n' >modes/no-dir/f; chmod 0000 modes/no-dir

# --- xattrs (user.* binary and empty, trusted.*, security.capability)
printf 'x\n' >xattrs/file
setfattr -n user.bin -v 0x00ff7f80000a0d "xattrs/file"
setfattr -n user.empty xattrs/file
setfattr -n user.long -v "0x$(bytes xattr-long 2000 | od -An -tx1 -v | tr -d ' \n')" xattrs/file
setfattr -n trusted.corral -v root-only xattrs/file
mkdir xattrs/dir
setfattr -n user.on-dir -v 'dir value' xattrs/dir
ln -s file xattrs/link
setfattr -h -n trusted.on-link -v 'link value' xattrs/link
printf '#!/bin/sh\n' >xattrs/cap
chmod 0755 xattrs/cap
setcap cap_net_raw+ep xattrs/cap 2>/dev/null ||
	echo "mktree.sh: note: setcap failed here, no security.capability" >&2

# --- POSIX ACLs: access ACLs on a file, access + default on a directory
printf 'acl\n' >acl/file
setfacl -m u:12345:rw-,g:54321:r--,m::rw- acl/file
mkdir acl/dir
setfacl -m u:12345:rwx,g:54321:r-x acl/dir
setfacl -d -m u:12345:rwx,g:54321:r-x,o::--- acl/dir
printf 'inherits\n' >acl/dir/inherited      # gets the default ACL
mkdir acl/dir/sub                            # gets access and default ACL

# --- mtimes: every entry gets a seeded time in 2001..2020 with nanoseconds
# (directories last, so nothing changes them afterwards); times/ then gets
# the odd ones: before 1970, the epoch, 2100, nanoseconds only.
printf 'ns\n' >times/ns; printf 'past\n' >times/past
printf 'epoch\n' >times/epoch; printf 'future\n' >times/future
ln -s ns times/link-ns
find . -print0 | sort -z | while IFS= read -r -d '' f; do
	rnd 600000000; s=$((978307200 + REPLY)); rnd 1000000000
	touch -h -d "@$s.$(printf %09d "$REPLY")" -- "$f"
done
touch -h -d @1616821567.123456789 times/ns
touch -h -d @-86399.5 times/past
touch -h -d @0 times/epoch
touch -h -d @4102444800.999999999 times/future
touch -h -d @1500000000.000000001 times/link-ns
touch -h -d @1234567890.987654321 times .
