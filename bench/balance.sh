#!/usr/bin/env bash
# Benchmark: the balance plan of `corral balance` against Ganeti's hbal on
# one synthetic pool.
#
#   bench/balance.sh [--json]       (`make bench-balance`; no pool, no root)
#
# The pool (build/balance-sim gen, bench/balancesim.c; seed BENCH_SEED,
# 42): BENCH_HOSTS hosts (1,000) of 16/32/64 cores, 64/128/256 GiB and
# 2/4/8 TiB, and BENCH_CTS containers (20,000) of 256 MiB to 8 GiB of
# memory, 2 to 32 GiB of disk and 0.05 to 3.05 cores of CPU (most of them
# small), placed on a skew: the low-numbered hosts take most, within
# corral.conf's default limits.  It is written twice: as the master's
# inventory, which a corral-master started with --no-poll serves as it is
# (HACKING.md), and as hbal's text backend (-t: a node per host, an
# instance per container with the same memory and disk, vCPUs its CPU use
# rounded up, shared storage so that every instance may move; -U gives
# hbal the exact CPU use).
# Measured: the wall time of `corral balance --dry-run --json` with
# --max-moves BENCH_MOVES (50) and without a limit (the plan ends when no
# move gains more than balance_min_gain, 1000 moves at most), and of
# `hbal -t -U -C -l MOVES`; each plan applied to the pool and scored by
# build/balance-sim score: corral's imbalance (the standard deviation of
# the host scores), the standard deviations of memory and CPU use (% of
# each host's), hosts over a limit.  Targets: corral's 50-move plan in
# under 1 s, its imbalance after no worse than hbal's with as many moves.
# BENCH_HBAL=0 skips hbal (it takes minutes on this pool).
# BENCH_HBAL_SECONDS=S cuts hbal after S seconds (SIGINT, on which it
# prints what it has): its plan is then the moves it found by then, and
# corral's plan with as many moves is scored beside it, the comparison the
# target asks for on a pool where hbal cannot finish 50 moves.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$ROOT/build}
SEED=${BENCH_SEED:-42}
HOSTS=${BENCH_HOSTS:-1000}
CTS=${BENCH_CTS:-20000}
MOVES=${BENCH_MOVES:-50}
HBAL=${BENCH_HBAL:-1}
HBAL_SECONDS=${BENCH_HBAL_SECONDS:-0}
JSON=0
[ "${1:-}" = --json ] && JSON=1

die() { echo "bench/balance.sh: $*" >&2; exit 1; }
for t in "$B/corral" "$B/corral-master" "$B/balance-sim"; do
	[ -x "$t" ] || die "$t missing: make all $B/balance-sim"
done
command -v jq >/dev/null || die "jq missing: scripts/deps.sh"
if [ "$HBAL" = 1 ] && ! command -v hbal >/dev/null; then
	die "hbal missing: scripts/deps.sh --bench (ganeti-htools)"
fi

W=$(mktemp -d /tmp/corral-bench-balance.XXXXXX)
MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

"$B/balance-sim" gen "$SEED" "$HOSTS" "$CTS" "$W/inv.db" "$W/hbal.txt" \
    "$W/util.txt" 2>"$W/gen.log" || die "$(cat "$W/gen.log")"
: >"$W/slaves.conf"
cat >"$W/corral.conf" <<EOF
socket = $W/master.sock
inventory = $W/inv.db
slaves = $W/slaves.conf
backup = $W/backup.conf
store = $W/store
key = $W/id
known_hosts = $W/known_hosts
log_level = warning
EOF
"$B/corral-master" -c "$W/corral.conf" -f --no-poll 2>"$W/master.log" &
MPID=$!
export CORRAL_CONF=$W/corral.conf
for _ in $(seq 50); do [ -S "$W/master.sock" ] && break; sleep 0.1; done
[ -S "$W/master.sock" ] || die "corral-master did not start: $(cat "$W/master.log")"

# corral: the best of three runs of each (the first warms the cache)
corral_plan() { # NAME MAXMOVES
	local best= t s e
	for _ in 1 2 3; do
		s=$(now)
		if [ "$2" = 0 ]; then
			"$B/corral" balance --dry-run --json >"$W/$1.json"
		else
			"$B/corral" balance --dry-run --json --max-moves "$2" \
			    >"$W/$1.json"
		fi
		e=$(now)
		t=$(secs "$s" "$e")
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then
			best=$t
		fi
	done
	jq -r '.moves[] | "\(.container) \(.to)"' "$W/$1.json" >"$W/$1.moves"
	echo "$best"
}

score() { "$B/balance-sim" score "$W/inv.db" "$@"; }
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

rows=()
row() { # TOOL SECONDS SCORELINE
	rows+=("$1|$2|$(field "$3" moves)|$(field "$3" imbalance)|$(field "$3" mem_sd)|$(field "$3" cpu_sd)|$(field "$3" over_limit)")
}

row "before" 0 "$(score)"
t=$(corral_plan corral_n "$MOVES")
row "corral --max-moves $MOVES" "$t" "$(score "$W/corral_n.moves")"
t=$(corral_plan corral_all 0)
row "corral (no limit)" "$t" "$(score "$W/corral_all.moves")"
if [ "$HBAL" = 1 ]; then
	tool="hbal -l $MOVES" rc=0
	s=$(now)
	if [ "$HBAL_SECONDS" -gt 0 ]; then
		timeout -s INT "$HBAL_SECONDS" hbal -t "$W/hbal.txt" \
		    -U "$W/util.txt" -C -l "$MOVES" >"$W/hbal.out" 2>&1 || rc=$?
	else
		hbal -t "$W/hbal.txt" -U "$W/util.txt" -C -l "$MOVES" \
		    >"$W/hbal.out" 2>&1 || rc=$?
	fi
	e=$(now)
	if [ "$rc" = 124 ]; then
		tool="hbal -l $MOVES, cut at ${HBAL_SECONDS} s"
	elif [ "$rc" != 0 ]; then
		die "hbal failed: $(tail -3 "$W/hbal.out")"
	fi
	# its steps as it finds them: "  1. INSTANCE FROM => TO SCORE a=..."
	awk '$1 ~ /^[0-9]+\.$/ && $4 == "=>" { print $2, $5 }' \
	    "$W/hbal.out" >"$W/hbal.moves"
	n=$(wc -l <"$W/hbal.moves")
	row "$tool" "$(secs "$s" "$e")" "$(score "$W/hbal.moves")"
	if [ "$n" -gt 0 ] && [ "$n" -lt "$MOVES" ]; then
		# the same number of moves for corral
		t=$(corral_plan corral_h "$n")
		row "corral --max-moves $n" "$t" "$(score "$W/corral_h.moves")"
	fi
fi

if [ "$JSON" = 1 ]; then
	printf '{"workload": {"seed": %s, "hosts": %s, "containers": %s}, "rows": [' \
	    "$SEED" "$HOSTS" "$CTS"
	sep=
	for r in "${rows[@]}"; do
		IFS='|' read -r tool sec mv imb msd csd over <<<"$r"
		printf '%s\n  {"tool": "%s", "plan_s": %s, "moves": %s, "imbalance": %s, "mem_sd": %s, "cpu_sd": %s, "over_limit": %s}' \
		    "$sep" "$tool" "$sec" "$mv" "$imb" "$msd" "$csd" "$over"
		sep=,
	done
	printf '\n]}\n'
else
	echo "pool: seed $SEED, $HOSTS hosts, $CTS containers ($(tail -1 "$W/gen.log"))"
	printf '%-24s %8s %6s %10s %8s %8s %6s\n' TOOL PLAN_S MOVES IMBALANCE \
	    MEM_SD CPU_SD OVER
	for r in "${rows[@]}"; do
		IFS='|' read -r tool sec mv imb msd csd over <<<"$r"
		printf '%-24s %8.3f %6s %10s %8s %8s %6s\n' "$tool" "$sec" "$mv" \
		    "$imb" "$msd" "$csd" "$over"
	done
fi
