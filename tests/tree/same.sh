#!/usr/bin/env bash
# The oracle of the transfer tests: are two trees the same?
#
#   tests/tree/same.sh SRC DST       (root, for owners, devices, trusted.*)
#
# Exit 0 when they are, 1 when they differ (and say how: rsync's itemized
# lines and sparseness faults, at most 50 of each), 2 on an error.
#  1. `rsync -aHAX --numeric-ids --checksum --delete --dry-run
#     --itemize-changes --modify-window=-1 SRC/ DST/` prints nothing: same
#     names, types, contents, symlink targets, devices, hard-link groups,
#     modes, owners, mtimes to the nanosecond (--modify-window=-1; rsync
#     ignores nanoseconds without it), xattrs, ACLs, nothing extra in DST.
#  2. Sparseness, which rsync does not compare: no regular file takes more
#     disk in DST than in SRC plus 64 KiB plus 1/64 (so a copy that fills
#     the holes of a sparse file fails; one that makes holes passes).
set -euo pipefail
export LC_ALL=C
[ $# -eq 2 ] || { echo "usage: same.sh SRC DST" >&2; exit 2; }
SRC=$1 DST=$2
for d in "$SRC" "$DST"; do
	[ -d "$d" ] || { echo "same.sh: $d is not a directory" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/same.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0

# 1. rsync's view; its exit status 0 or a diff is fine, anything else an error
# (xfs lists its POSIX ACLs also as trusted.SGI_ACL_*: the same ACLs, which
# -A compares, not xattrs of their own)
if ! rsync -aHAX --numeric-ids --checksum --delete --dry-run --itemize-changes --modify-window=-1 \
	--filter='-x trusted.SGI_ACL_*' "$SRC/" "$DST/" >"$tmp/items" 2>"$tmp/err"; then
	echo "same.sh: rsync failed:" >&2; head -n 20 "$tmp/err" | cut -c1-300 >&2; exit 2
fi
if [ -s "$tmp/items" ]; then
	echo "differ: $(wc -l <"$tmp/items") itemized changes (rsync SRC/ DST/ would do):"
	head -n 50 "$tmp/items"
	[ "$(wc -l <"$tmp/items")" -le 50 ] || echo "... (more left off)"
	rc=1
fi

# 2. allocated blocks of every regular file on both sides, joined by name
# (NUL-separated, so any name works)
find "$SRC" -type f -printf '%s %b %P\0' >"$tmp/src"
find "$DST" -type f -printf '%s %b %P\0' >"$tmp/dst"
perl -0 -ne '
	my ($size, $blocks, $name) = /^(\d+) (\d+) (.*)\0$/s or next;
	if ($ARGV =~ /src$/) { $src{$name} = [$size, $blocks * 512]; next }
	my $s = $src{$name} or next;
	my ($alloc, $want) = ($blocks * 512, $s->[1]);
	next if $alloc <= $want + 65536 + $want / 64;
	(my $shown = $name) =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord $1)/ge;
	printf "sparse: %s: %d bytes, %d KiB allocated in DST, %d KiB in SRC\n",
		$shown, $size, $alloc / 1024, $want / 1024;
' "$tmp/src" "$tmp/dst" >"$tmp/sparse"
if [ -s "$tmp/sparse" ]; then
	echo "differ: $(wc -l <"$tmp/sparse") files take more disk in DST than in SRC (holes filled):"
	head -n 50 "$tmp/sparse"
	rc=1
fi
exit $rc
