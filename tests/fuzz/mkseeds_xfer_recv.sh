#!/usr/bin/env bash
# The seed corpus of fuzz_xfer_recv: real senders' streams, captured by
# build/xfer-local --dump from small trees, each then replayed through
# build/replay/fuzz_xfer_recv, which must end it as a whole transfer.
#
#   tests/fuzz/mkseeds_xfer_recv.sh [BUILD_DIR=build]     (root)
#
# Writes tests/fuzz/corpus/fuzz_xfer_recv/ anew.  Seeds marked basis ran
# against the target's basis tree (made here as fuzz_xfer_recv.c's
# make_basis() makes it: keep the two alike): deltas, files kept and
# deleted.
set -euo pipefail
export LC_ALL=C
umask 022
cd "$(dirname "$0")/../.."
B=${1:-build}
XL=$B/xfer-local RP=$B/replay/fuzz_xfer_recv
OUT=tests/fuzz/corpus/fuzz_xfer_recv
[ "$(id -u)" -eq 0 ] || { echo "mkseeds_xfer_recv.sh: must run as root"; exit 77; }
[ -x "$XL" ] && [ -x "$RP" ] || { echo "no $XL or $RP (make tests)" >&2; exit 2; }
T=$(mktemp -d /tmp/mkseeds.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

basis() {   # DIR: fuzz_xfer_recv.c's make_basis()
	mkdir -p "$1/dir"
	seq 0 2999 | sed 's/^/line /' >"$1/big"
	printf 'small\n' >"$1/small"
	printf 'f\n' >"$1/dir/f"
	ln -s big "$1/link"
	chmod 0644 "$1/big" "$1/small" "$1/dir/f"
	chmod 0755 "$1/dir"
	touch -h -d @1500000000 "$1/big" "$1/small" "$1/dir/f" "$1/link" "$1/dir"
}
# seed NAME SRC [--basis] [xfer-local options...]
seed() {
	local name=$1 src=$2 dst=$T/dst; shift 2
	rm -rf "$dst"
	mkdir "$dst"
	[ "${1:-}" != --basis ] || basis "$dst"
	"$XL" "$src" "$dst" --dump "$OUT/$name" "$@" >/dev/null ||
		fail "$name: xfer-local"
	CORRAL_FUZZ_VERBOSE=1 "$RP" "$OUT/$name" 2>&1 | grep -q '^xfer_recv: done (0)' ||
		fail "$name: not a whole transfer in the fuzz target: $(CORRAL_FUZZ_VERBOSE=1 "$RP" "$OUT/$name" 2>&1)"
	echo "$name $(stat -c %s "$OUT/$name")"
}

rm -rf "$OUT"
mkdir -p "$OUT"

# every kind of entry, a little of each
S=$T/kinds
mkdir -p "$S/d/e" "$S/empty"
printf 'hello\n' >"$S/a"
: >"$S/zero"
ln "$S/a" "$S/d/hard"
ln -s a "$S/sym"
ln -s /nowhere "$S/d/dangling"
mkfifo "$S/fifo"
mknod "$S/null" c 1 3
mknod "$S/blk" b 7 200
chmod 4755 "$S/d/e"
printf 'x\n' >"$S/d/e/suid"
chmod 4711 "$S/d/e/suid"
chown 1234:5678 "$S/d/e/suid"
setfattr -n user.note -v hello "$S/a"
setfattr -h -n trusted.t -v sym "$S/sym" 2>/dev/null || true
setfacl -m u:1234:rw "$S/zero"
setfacl -d -m g:55:rx "$S/d"
touch -h -d '@1600000000.123456789' "$S"/* "$S"/d/*
seed kinds "$S"
seed kinds_shared "$S" --shared-inodes
seed kinds_dry "$S" --dry-run
seed kinds_changes "$S" --changes /dev/null
# the same stream into a root made when it starts
cp "$OUT/kinds" "$OUT/kinds_create"
printf '\x04' | dd of="$OUT/kinds_create" bs=1 count=1 conv=notrunc 2>/dev/null

# (entries go compressed whenever it pays, --compress or not)
# file data, plain and compressed (DATA frames of deflated chunks)
S=$T/data
mkdir "$S"
seq 0 1999 | sed 's/^/data line /' >"$S/lines"
head -c 4000 /dev/urandom >"$S/random"
seed data "$S"
seed data_z "$S" --compress
seed data_checksum "$S" --checksum

# many entries, a deep path
S=$T/many
mkdir -p "$S/w/$(printf 'd/%.0s' $(seq 1 30))"
for i in $(seq 1 200); do printf '%d\n' "$i" >"$S/w/f$i"; done
seed many "$S"

# against the basis: a delta, one file kept, one rewritten, dir/ gone
S=$T/changed
basis "$S"
sed -i 's/^line 1500$/changed line/' "$S/big"
printf 'new\n' >"$S/new"
printf 'SMALL\n' >"$S/small"
rm -r "$S/dir"
touch -h -d @1500000000 "$S/small"
seed basis_delta "$S" --basis
seed basis_delta_shared "$S" --basis --shared-inodes
seed basis_delta_dry "$S" --basis --dry-run
# the basis itself: nothing to send
S=$T/same
basis "$S"
seed basis_same "$S" --basis
