#!/usr/bin/env bash
# The soak's verdict on the master from its samples (soak.sh writes them,
# one line every 5 s: seconds, RSS KiB, descriptors, threads, the oldest
# poll's age in s).  Prints the figures; exit 1 if:
# - a slave went more than 3 s without a poll;
# - descriptors or threads at the end exceed the first sample's by more
#   than the CLI's 64 threads can explain (SQLite defers closing a
#   connection's file while others hold locks on it, and reuses the
#   descriptor at the next open: one per CLI thread at most);
# - in runs of 2 minutes or more, the second half is not flat: more than 2
#   descriptors or threads, or 5% + 4 MiB of RSS, above the middle sample
#   (RSS not for a master from the ASan build: "asan", third argument).
#
#   tests/soak/judge.sh SAMPLES SECONDS [asan]
set -euo pipefail
S=$1 SECS=$2 SAN=${3:-}
[ -s "$S" ] || { echo "judge.sh: $S: no samples" >&2; exit 2; }
read -r _ rss0 fd0 th0 _ < <(head -n1 "$S")
read -r tm rssm fdm thm _ < <(awk -v h=$(( SECS / 2 )) '$1 >= h' "$S" | head -n1)
read -r t1 rss1 fd1 th1 _ < <(tail -n1 "$S")
rssmax=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$S")
agemax=$(awk '{ if ($5 > m) m = $5 } END { print m }' "$S")
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "soak: oldest poll at a sample: $agemax s"
echo "soak: master RSS $(mib "$rss0") first, $(mib "$rssm") at ${tm} s, $(mib "$rss1") at ${t1} s, $(mib "$rssmax") at most"
echo "soak: master descriptors $fd0 -> $fdm -> $fd1, threads $th0 -> $thm -> $th1"
bad=0
no() { echo "soak: FAIL: $*"; bad=1; }
[ "$agemax" -le 3 ] || no "a slave went $agemax s without a poll"
[ "$fd1" -le $(( fd0 + 66 )) ] || no "descriptors grew past the CLI threads: $fd0 -> $fd1"
[ "$th1" -le $(( th0 + 2 )) ] || no "threads grew: $th0 -> $th1"
if [ "$SECS" -ge 120 ]; then
	[ "$fd1" -le $(( fdm + 2 )) ] || no "descriptors grew in the second half: $fdm -> $fd1"
	[ "$th1" -le $(( thm + 2 )) ] || no "threads grew in the second half: $thm -> $th1"
	if [ "$SAN" = asan ]; then
		echo "soak: RSS not judged (an ASan build's allocator caches and shadow memory): see the normal build's run"
	else
		[ "$rss1" -le $(( rssm + rssm / 20 + 4096 )) ] ||
			no "RSS grew in the second half: $(mib "$rssm") -> $(mib "$rss1")"
	fi
fi
exit $bad
