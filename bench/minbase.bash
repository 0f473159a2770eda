# The Debian bookworm minbase root file system of the benchmarks (sourced
# by bench/transfer.sh and bench/move.sh): made once with debootstrap and
# kept as a tar in /var/cache/corral-bench/, so only the first run
# downloads.  The mirror: BENCH_MIRROR, else the first one apt's sources
# name for bookworm, else debootstrap's default.
MINBASE_CACHE=/var/cache/corral-bench
MINBASE_TAR=$MINBASE_CACHE/bookworm-minbase.tar
MINBASE_TAR_OPTS=(--numeric-owner --xattrs --xattrs-include='*' --acls)

# minbase_mirror: print the mirror (nothing: debootstrap's default)
minbase_mirror() {
	local f
	if [ -n "${BENCH_MIRROR:-}" ]; then echo "$BENCH_MIRROR"; return 0; fi
	# one-line style: deb [options] URI SUITE COMPONENTS...
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") { print $i; found = 1; exit } }
			END { exit !found }' "$f" && return 0
	done
	# deb822 style: a paragraph with Types: deb, Suites: bookworm, URIs:
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = "" }
			/(^|\n)Types:[^\n]*[ \t]deb([ \t]|\n|$)/ && /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ {
				n = split($0, l, "\n")
				for (i = 1; i <= n; i++) if (l[i] ~ /^URIs:/) { split(l[i], u, /[ \t]+/); print u[2]; found = 1; exit }
			}
			END { exit !found }' "$f" && return 0
	done
	return 0
}

# minbase_tarball WORKDIR: make $MINBASE_TAR unless it is there (debootstrap
# into WORKDIR/rootfs, removed after); 1 with its log's tail if it failed
minbase_tarball() {
	local w=$1 mirror m
	[ ! -s "$MINBASE_TAR" ] || return 0
	mirror=$(minbase_mirror)
	echo "bench: debootstrap --variant=minbase bookworm ${mirror:-(default mirror)} (once; cached in $MINBASE_TAR)" >&2
	mkdir -p "$MINBASE_CACHE"
	if timeout 1800 debootstrap --variant=minbase bookworm "$w/rootfs" $mirror \
		>"$w/debootstrap.log" 2>&1; then
		tar "${MINBASE_TAR_OPTS[@]}" --sparse -C "$w/rootfs" -cf "$MINBASE_TAR.part" . &&
			mv "$MINBASE_TAR.part" "$MINBASE_TAR"
	else
		echo "bench: debootstrap failed:" >&2; tail -n 3 "$w/debootstrap.log" | sed 's/^/    /' >&2
	fi
	# a failed debootstrap may leave proc/sys mounted in its target
	for m in $(findmnt -rn -o TARGET | grep "^$w/rootfs" | sort -r); do umount -l "$m" || true; done
	rm -rf --one-file-system "$w/rootfs"
	[ -s "$MINBASE_TAR" ]
}

# minbase_unpack DIR: the cached rootfs into DIR (which exists)
minbase_unpack() {
	tar "${MINBASE_TAR_OPTS[@]}" -xpf "$MINBASE_TAR" -C "$1"
}
