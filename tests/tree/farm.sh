#!/usr/bin/env bash
# A store's new version as a hard-link farm of the last one, brought up to
# date by the engine's receiver with shared_inodes (build/xfer-local
# --shared-inodes): the way the master keeps container versions on a file
# system without snapshots or reflinks.
#
#   tests/tree/farm.sh [BUILD_DIR=build]      (root)
#
# v1 is a copy of a mktree.sh tree (with a few more hard links); v2 starts
# as `cp -al v1`; the source then changes (mutate.sh, and metadata-only
# changes of linked files, symlinks and specials, links made and broken)
# and is synced into v2.  Checks:
#  1. v2 is the source (same.sh), and its hard links are the source's:
#     names linked iff the source links them (rsync does not see extra
#     links on the receiving side);
#  2. v1 did not change: same.sh against a `cp -a` of it made before;
#  3. the change report names exactly what rsync's itemized dry run of
#     the source over v2 (made before the sync) names, deletions as such;
#  4. every regular file of v2 the report does not name still shares its
#     inode with v1's (nothing unchanged was copied), but the one name the
#     source no longer links to another;
#  5. without shared_inodes, a sync into a plain copy of v1 reports the
#     same changes.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
B=${1:-build}
XL=$B/xfer-local SAME=tests/tree/same.sh
[ "$(id -u)" -eq 0 ] || { echo "farm.sh: must run as root"; exit 77; }
[ -x "$XL" ] || { echo "farm.sh: no $XL (make tests)" >&2; exit 2; }
T=$(mktemp -d /tmp/farm.XXXXXX)
trap '[ -n "${FARM_KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# --- version 1: a tree with every kind of entry, and more hard links
MKTREE_BIG=4M bash tests/tree/mktree.sh "$T/src" 5 >/dev/null
(
	cd "$T/src"
	mkdir farm
	printf 'linked, chmod later\n' >farm/g1; ln farm/g1 farm/g2
	printf 'linked, broken later\n' >farm/p1; ln farm/p1 farm/p2
	printf 'q\n' >farm/q1; printf 'q\n' >farm/q2
	printf 'linked, left alone\n' >farm/u1; ln farm/u1 farm/u2
	printf 'xattr later\n' >farm/x
	mkfifo farm/fifo
	ln -s g1 farm/sym
	mknod farm/dev c 1 5
	touch -h -d @1600000000.25 farm/* farm
)
mkdir "$T/v1"
"$XL" "$T/src" "$T/v1" >/dev/null
bash "$SAME" "$T/src" "$T/v1" || fail "v1 is not a copy of the source"
cp -a "$T/v1" "$T/v1.before"
cp -a "$T/v1" "$T/v3"
cp -al "$T/v1" "$T/v2"

# --- the source changes
bash tests/tree/mutate.sh "$T/src" 5
(
	cd "$T/src"
	chmod 0600 farm/g1                           # a linked pair's mode
	rm farm/p2; cp -a farm/p1 farm/p2            # same bytes and times, unlinked
	rm farm/q2; ln farm/q1 farm/q2               # linked now
	setfattr -n user.new -v v farm/x             # xattr only
	chmod 0600 farm/fifo                         # a shared FIFO's mode
	setfattr -h -n trusted.t -v t farm/sym       # a shared symlink's xattrs
	chown 7:7 farm/dev                           # a shared device's owner
	touch -h -d @1600000000.25 farm/p2 farm/q1 farm/x farm/fifo farm/sym \
		farm/dev farm
)

# rsync's view of what the sync will do; names escaped as rsync does
rsync -aHAX --numeric-ids --checksum --delete --dry-run --modify-window=-1 \
	--out-format='%i %n' "$T/src/" "$T/v2/" >"$T/oracle"
expected() {
	perl -ne '
		chomp; my ($code, $name) = /^(.{11}) (.*)$/s or die "bad line: $_\n";
		$name =~ s{/$}{}; $name = "." if $name eq "";
		print(($code =~ /^\*deleting/ ? "deleted " : "changed "), "$name\n");
	' "$1" | sort -u
}
reported() {
	perl -0 -ne '
		chomp; my ($what, $name) = /^(\w+) (.*)$/s or die "bad record\n";
		$name =~ s/([^\x20-\x7e])/sprintf("\\#%03o", ord $1)/ge;
		$name = "." if $name eq "";
		print(($what eq "deleted" ? "deleted " : "changed "), "$name\n");
	' "$1" | sort -u
}
# link groups: the names of each inode with more than one, sorted
groups() {
	find "$1" -type f -links +1 -printf '%i %P\0' | perl -0 -ne '
		chomp; my ($ino, $name) = /^(\d+) (.*)$/s; push @{$g{$ino}}, $name;
		END { print join("|", sort @$_), "\n" for values %g }
	' | sort
}

# --- the sync into the farm
"$XL" "$T/src" "$T/v2" --shared-inodes --changes "$T/changes"

# 1. v2 is the source, its links the source's
bash "$SAME" "$T/src" "$T/v2" || fail "v2 differs from the source"
groups "$T/src" >"$T/groups.src"
# in v2 only the names within v2 count
find "$T/v2" -type f -printf '%i %P\0' | perl -0 -ne '
	chomp; my ($ino, $name) = /^(\d+) (.*)$/s; push @{$g{$ino}}, $name;
	END { for (values %g) { print join("|", sort @$_), "\n" if @$_ > 1 } }
' | sort >"$T/groups.v2"
diff "$T/groups.src" "$T/groups.v2" || fail "v2's hard links are not the source's"

# 2. v1 is untouched
bash "$SAME" "$T/v1.before" "$T/v1" || fail "v1 changed"

# 3. the report is what rsync would have done
expected "$T/oracle" >"$T/want"
reported "$T/changes" >"$T/got"
diff "$T/want" "$T/got" || fail "the change report differs from rsync's (< rsync, > reported)"
[ -s "$T/got" ] || fail "an empty change report"

# 4. what was not reported still shares v1's inode
find "$T/v2" -type f -printf '%i %P\0' | perl -0 -e '
	my %rep; open my $r, "<", $ARGV[0] or die;
	while (<$r>) { chomp; /^\w+ (.*)$/s and $rep{$1} = 1 }
	my $v1 = $ARGV[1]; my $bad = 0; local $/ = "\0";
	while (<STDIN>) {
		chomp; my ($ino, $name) = /^(\d+) (.*)$/s;
		next if $rep{$name} || $name eq "farm/p2" || $name eq "links/hl-c";
		my @st = lstat("$v1/$name");
		next if @st && $st[1] == $ino;
		print "copied though unchanged: $name\n"; $bad = 1;
	}
	exit $bad;
' "$T/changes" "$T/v1" || fail "unchanged files lost their shared inode"

# 5. the report without shared_inodes, into a copy of its own
"$XL" "$T/src" "$T/v3" --changes "$T/changes3" >/dev/null
bash "$SAME" "$T/src" "$T/v3" || fail "v3 differs from the source"
reported "$T/changes3" >"$T/got3"
diff "$T/want" "$T/got3" || fail "the change report without shared inodes differs"
echo "farm: v2 matches the source, v1 untouched, $(wc -l <"$T/got") changes reported as rsync itemizes them"
