#!/usr/bin/env bash
# Benchmark: moving a running container from h1 to h2 of the test pool,
# `corral move` against what admins script today.
#
#   bench/move.sh [--json]     (root; run it alone, under the pool lock:
#                              `make bench-move` takes it)
#
# The workload, one container per tool, made the same way on h1: a Debian
# bookworm minbase rootfs (bench/minbase.bash: debootstrap once, cached in
# /var/cache/corral-bench/) plus a 256 MiB random /bench/big.bin, made with
# `corral create` (pool.sh create) and the pool network, its busybox
# template replaced by minbase.  Its PID 1 is /bench/init (lxc.init.cmd), a
# shell script that starts two writers of bench/moveload.c (built static
# here: minbase has no compiler) and waits:
#   clock: appends the time to /bench/clock.log every 50 ms.  The log moves
#          with the container: the largest gap between two stamps is the
#          downtime seen from inside;
#   churn: from the move's start (/bench/go) rewrites an 80 KiB block of
#          big.bin at a random offset every BENCH_CHURN_MS ms, a steady
#          rate: about 1% of big.bin (32 blocks) in the rsync script's live
#          copy (about 2 s here; the writes stop while the container is
#          down), fewer in a shorter move.
# The rsync script, run from h1's namespace over OpenSSH to an sshd in h2's
# (port BENCH_SSH_PORT, 2222, a throwaway host key and client key):
#   rsync -aHAX --numeric-ids --delete of the rootfs and of the config
#   directory while the container runs; lxc-stop; the same two rsyncs
#   again; on h2 (over ssh) lxc.rootfs.path and the lxcpath rewritten in
#   the config, lxc-start.
# corral's side (run_corral): `corral move CT --to h2 --json`, skipped with
# "corral move: not built yet" while `corral move --help` fails.
# Measured per tool: total time (from the move's start until the tool has
# returned and the container's clock runs on h2: the first stamp after the
# log's largest gap), the downtime from inside (that gap), the
# downtime the tool reports (rsync script: lxc-stop issued -> lxc-start
# returned; corral: downtime_s of its JSON), bytes (rsync --stats sent +
# received of all four runs; corral: bytes_on_wire), churn writes during
# the move.  Targets: corral's inside downtime < 1 s and <= 0.5x rsync's;
# total <= 0.8x.  Output: a table, or with --json one object: workload,
# rows (tool, total_s, downtime_inside_s, downtime_reported_s,
# total_reported_s, bytes, churn_writes), ratios corral/rsync (or null).
#
# Env: BENCH_STORAGE=ext4|xfs|btrfs|dir (the pool hosts', see
# bench/transfer.sh)  BENCH_BIG=256M  BENCH_CHURN_MS=60  BENCH_CHURN_KIB=80
# BENCH_CLOCK_MS=50  BENCH_SSH_PORT=2222  BENCH_TIMEOUT=600 (s, per move)
# BENCH_WARM_MB=1024 (see bench/transfer.sh)  BENCH_MIRROR  CORRAL_BUILD.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
POOLSH=$ROOT/tests/pool/pool.sh
POOL=${CORRAL_POOL_DIR:-/run/corral-pool}
STORAGE=${BENCH_STORAGE:-ext4}
BIG=${BENCH_BIG:-256M}
CHURN_MS=${BENCH_CHURN_MS:-60}
CHURN_KIB=${BENCH_CHURN_KIB:-80}
CLOCK_MS=${BENCH_CLOCK_MS:-50}
PORT=${BENCH_SSH_PORT:-2222}
TIMEOUT=${BENCH_TIMEOUT:-600}
WARM_MB=${BENCH_WARM_MB:-1024}
H2IP=10.213.0.12                     # pool.sh: hK is 10.213.0.(10+K)
. "$ROOT/bench/minbase.bash"
. "$ROOT/bench/sshd.bash"

json=0
case "${1:-}" in
--json) json=1 ;;
"") ;;
-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
*) echo "usage: bench/move.sh [--json]" >&2; exit 2 ;;
esac
die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in debootstrap rsync jq sshd cc; do
	command -v "$t" >/dev/null || die "$t is missing: scripts/deps.sh --bench"
done
[ ! -e "$POOL/hosts" ] || die "a pool is up in $POOL: run '$POOLSH down' first"

W=$(mktemp -d /tmp/corral-bench-move.XXXXXX)
sshd_pid='' made_run_sshd='' pool_up=''
cleanup() {
	local rc=$?
	[ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null || true
	# only our own pool (pool.sh down stops every container on it)
	if [ -n "$pool_up" ] && [ "$(cat "$POOL/master/master.pid" 2>/dev/null)" = "$pool_up" ]; then
		"$POOLSH" down >&2 || true
	fi
	rm -rf --one-file-system "$W"
	exit $rc
}
trap cleanup EXIT

wait_until() {  # wait_until TENTHS CMD...
	local n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
grown() { [ "$(lines "$1")" -gt "$2" ]; }       # grown FILE N: more than N lines
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
f3() {  # f3 VALUE [DIVISOR [FORMAT]]: a number formatted, or VALUE as it is
	awk -v v="$1" -v d="${2:-1}" -v f="${3:-%.3f}" \
		'BEGIN { if (v ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) printf f, v / d; else printf "%s", v }'
}
ratio() { awk -v c="$1" -v r="$2" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }'; }

# The same start for both tools (see bench/transfer.sh): nothing left to
# write back, the container's tree in the page cache, warm free pages.
warm() {
	sync
	find "$1" -xdev -type f -print0 | xargs -0 -r cat >/dev/null 2>&1 || true
	[ "$WARM_MB" -gt 0 ] && [ -d /dev/shm ] || return 0
	dd if=/dev/zero of=/dev/shm/corral-bench-warm bs=1M count="$WARM_MB" 2>/dev/null || true
	rm -f /dev/shm/corral-bench-warm
}

# ---- the workload's parts
minbase_tarball "$W" || die "no Debian minbase rootfs (debootstrap failed): the container needs one"
cc -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$W/moveload" \
	"$ROOT/bench/moveload.c" || die "cannot build bench/moveload.c static (libc6-dev has libc.a)"

say "starting a pool of 2 hosts ($STORAGE storage)"
# polling every hour: the links carry only the moves
CORRAL_POOL_POLL=3600 CORRAL_POOL_FS_SIZE=4G "$POOLSH" up 2 --storage "$STORAGE" >/dev/null
set -a; . "$POOL/env"; set +a
pool_up=$(cat "$POOL/master/master.pid")
S2=$("$POOLSH" storage h2)
L1=$("$POOLSH" lxcpath h1) L2=$("$POOLSH" lxcpath h2)

# rootfs_of LXCPATH CT: the host directory of the container's rootfs
rootfs_of() {
	sed -n 's/^lxc.rootfs.path *= *\(dir:\)\{0,1\}//p' "$1/$2/config" | tail -n 1
}

# make_ct CT: the workload's container on h1, running, its clock going
make_ct() {
	local ct=$1 r
	"$POOLSH" create h1 "$ct" --stopped >/dev/null
	r=$(rootfs_of "$L1" "$ct")
	[ -d "$r" ] || die "$ct: no rootfs directory ($r)"
	# the busybox template's tree, replaced by minbase
	find "$r" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
	minbase_unpack "$r"
	mkdir -p "$r/bench"
	head -c "$BIG" /dev/urandom >"$r/bench/big.bin"
	install -m 0755 "$W/moveload" "$r/bench/moveload"
	cat >"$r/bench/init" <<EOF
#!/bin/sh
# PID 1 of bench/move.sh's container: the clock and the churn, then wait.
/bench/moveload clock /bench/clock.log $CLOCK_MS &
c=\$!
/bench/moveload churn /bench/big.bin /bench/go $CHURN_MS $CHURN_KIB /bench/churn.log &
w=\$!
# lxc-stop sends lxc.signal.halt (SIGTERM): end the writers, then the container
trap 'kill \$c \$w 2>/dev/null; exit 0' TERM INT
while :; do sleep 3600 & wait \$!; done
EOF
	chmod 0755 "$r/bench/init"
	# the busybox template bind-mounts the host's libraries and halts
	# busybox's init with SIGUSR1: minbase has its own, and a shell init
	sed -i -e '/^lxc.mount.entry = \/\(usr\/\)\{0,1\}lib\(64\)\{0,1\} /d' \
		-e '/^lxc.signal.halt/d' -e '/^lxc.init.cmd/d' "$L1/$ct/config"
	printf 'lxc.signal.halt = SIGTERM\nlxc.init.cmd = /bench/init\n' >>"$L1/$ct/config"
	"$POOLSH" exec h1 lxc-start -P "$L1" -n "$ct" || die "$ct: lxc-start on h1 failed"
	wait_until 100 grown "$r/bench/clock.log" 20 || die "$ct: its clock does not run"
}

# gap LOG: "SECONDS FROM TO" of the largest gap between two consecutive
# stamps: its length, the last stamp before it and the first after it
gap() {
	awk 'NR > 1 && $1 - p > m { m = $1 - p; at = p; to = $1 } { p = $1 }
		END { printf "%.3f %.6f %.6f\n", m, at, to }' "$1"
}
# between LOG T0 T1: stamps of LOG in [T0, T1]
between() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { n++ } END { print n + 0 }' "$1"; }
# newer LOG T: the last stamp of LOG is T or later
newer() { [ -s "$1" ] && tail -n 1 "$1" | awk -v t="$2" '{ exit !($1 >= t) }'; }

declare -A RES                          # RES[tool,field]
# finish TOOL CT T0 TRET: the move began at T0, the tool returned at TRET;
# wait until CT's clock on h2 writes, fill RES.  A stamp after TRET was
# written on h2 (the source is stopped by then), so the log then holds the
# whole gap: its end is when the container ran again, and the move's total
# is until that and the tool's return, whichever is later.
finish() {
	local tool=$1 ct=$2 t0=$3 tret=$4 r log g at to
	r=$(rootfs_of "$L2" "$ct")
	[ -n "$r" ] || die "$tool: $ct has no config on h2"
	log=$r/bench/clock.log
	wait_until 300 newer "$log" "$tret" || die "$tool: $ct's clock does not run on h2"
	"$POOLSH" exec h2 lxc-info -P "$L2" -n "$ct" -sH | grep -qx RUNNING || die "$tool: $ct is not running on h2"
	read -r g at to < <(gap "$log")
	RES[$tool,inside]=$g
	RES[$tool,total]=$(awk -v s="$t0" -v a="$tret" -v b="$to" 'BEGIN { printf "%.3f", (a > b ? a : b) - s }')
	# a gap outside the move would be the machine's, not the tool's
	awk -v a="$at" -v s="$t0" -v e="$tret" 'BEGIN { exit !(a >= s - 1 && a <= e) }' ||
		say "$tool: NOTE: the largest gap starts at $at, outside the move ($t0..$tret)"
	RES[$tool,writes]=$(between "$r/bench/churn.log" "$t0" "$tret")
}

# ---- the rsync script, over OpenSSH from h1's namespace to h2's
bench_sshd_start

# The admin's script, written out as one would keep it; prints its own
# clock at each step.  rsync's 24 (files vanished while copied) is a
# success for a live copy.
write_rsync_script() {  # write_rsync_script CT R1 R2 FILE
	local ct=$1 r1=$2 r2=$3
	cat >"$4" <<EOF
#!/bin/bash
# Move running container $ct from this host to $H2IP with rsync (bench/move.sh).
set -uo pipefail
SSH="$SSH"
rs() { local r=0; rsync -aHAX --numeric-ids --delete --stats -e "\$SSH" "\$@" || r=\$?; [ \$r = 0 ] || [ \$r = 24 ]; }
set -e
echo "start \$EPOCHREALTIME"
rs $r1/ root@$H2IP:$r2/ >$W/rsync-1-rootfs.log
rs $L1/$ct/ root@$H2IP:$L2/$ct/ >$W/rsync-1-config.log
echo "stop \$EPOCHREALTIME"
lxc-stop -P $L1 -n $ct
echo "stopped \$EPOCHREALTIME"
rs $r1/ root@$H2IP:$r2/ >$W/rsync-2-rootfs.log
rs $L1/$ct/ root@$H2IP:$L2/$ct/ >$W/rsync-2-config.log
echo "synced \$EPOCHREALTIME"
\$SSH root@$H2IP "sed -i -e 's|$r1|$r2|g' -e 's|$L1|$L2|g' $L2/$ct/config && lxc-start -P $L2 -n $ct"
echo "started \$EPOCHREALTIME"
EOF
}

run_rsync() {
	local ct=mvr r t0 tret a b c
	say "rsync: the workload on h1"
	make_ct "$ct"
	r=$(rootfs_of "$L1" "$ct")
	write_rsync_script "$ct" "$r" "$S2/$ct" "$W/rsync-move.sh"
	warm "$r"
	say "rsync: moving $ct with rsync, lxc-stop, rsync, lxc-start"
	touch "$r/bench/go"; t0=$EPOCHREALTIME
	ip netns exec corral-h1 timeout "$TIMEOUT" bash "$W/rsync-move.sh" >"$W/rsync-steps" 2>"$W/rsync-move.err" ||
		die "the rsync script failed: $(tail -n 3 "$W/rsync-move.err")"
	tret=$EPOCHREALTIME
	step() { awk -v s="$1" '$1 == s { print $2 }' "$W/rsync-steps"; }
	a=$(step start) b=$(step stop) c=$(step started)
	finish rsync "$ct" "$t0" "$tret"
	RES[rsync,reported]=$(sub "$b" "$c")
	RES[rsync,own_total]=$(sub "$a" "$c")
	RES[rsync,steps]="live rsync $(sub "$a" "$b") s, lxc-stop $(sub "$b" "$(step stopped)") s,"
	RES[rsync,steps]+=" second rsync $(sub "$(step stopped)" "$(step synced)") s, lxc-start $(sub "$(step synced)" "$c") s"
	RES[rsync,bytes]=$(cat "$W"/rsync-[12]-*.log |
		awk -F': ' '/^Total bytes (sent|received)/ { gsub(",", "", $2); n += $2 } END { print n + 0 }')
	# gone before corral's turn: its writers would load the machine, and
	# the stopped source would be a second container of the same name
	"$POOLSH" exec h2 lxc-stop -P "$L2" -n "$ct" -k >/dev/null 2>&1 || true
	"$POOLSH" exec h2 lxc-destroy -P "$L2" -n "$ct" >/dev/null 2>&1 || true
	"$POOLSH" exec h1 lxc-destroy -P "$L1" -n "$ct" >/dev/null 2>&1 || true
}

# ---- corral's side --------------------------------------------------------
# run_corral: `corral move` of the same workload; skipped until it exists.
run_corral() {
	local ct=mvc r t0 tret js
	if ! corral move --help >/dev/null 2>&1; then
		say "corral move: not built yet"
		RES[corral,na]="corral move: not built yet"
		return 0
	fi
	say "corral: the workload on h1"
	make_ct "$ct"
	r=$(rootfs_of "$L1" "$ct")
	corral scan >/dev/null      # the inventory sees it now (polling is hourly)
	warm "$r"
	say "corral: corral move $ct --to h2"
	touch "$r/bench/go"; t0=$EPOCHREALTIME
	if ! timeout "$TIMEOUT" corral move "$ct" --to h2 --json >"$W/corral.json" 2>"$W/corral.err"; then
		RES[corral,na]="corral move failed: $(tail -n 1 "$W/corral.err")"
		return 0
	fi
	tret=$EPOCHREALTIME
	finish corral "$ct" "$t0" "$tret"
	js=$(jq -c 'if type == "array" then .[0] else . end' "$W/corral.json")
	RES[corral,reported]=$(jq -r '.downtime_s // "null"' <<<"$js")
	RES[corral,own_total]=$(jq -r '.total_s // "null"' <<<"$js")
	RES[corral,bytes]=$(jq -r '.bytes_on_wire // "null"' <<<"$js")
}
# ---------------------------------------------------------------------------

run_rsync
run_corral

# ---- report
have_corral=0
[ -z "${RES[corral,na]:-}" ] && have_corral=1
if [ "$have_corral" = 1 ]; then
	r_total=$(ratio "${RES[corral,total]}" "${RES[rsync,total]}")
	r_down=$(ratio "${RES[corral,inside]}" "${RES[rsync,inside]}")
fi
if [ "$json" = 1 ]; then
	row() {  # row TOOL: one object
		jq -n --arg tool "$1" --argjson total "${RES[$1,total]}" --argjson inside "${RES[$1,inside]}" \
			--argjson reported "${RES[$1,reported]}" --argjson own "${RES[$1,own_total]}" \
			--argjson bytes "${RES[$1,bytes]}" --argjson writes "${RES[$1,writes]}" \
			--arg steps "${RES[$1,steps]:-}" \
			'{tool: $tool, total_s: $total, downtime_inside_s: $inside, downtime_reported_s: $reported,
			  total_reported_s: $own, bytes: $bytes, churn_writes: $writes}
			 + (if $steps == "" then {} else {steps: $steps} end)'
	}
	{
		row rsync
		if [ "$have_corral" = 1 ]; then row corral; fi
	} | jq -s --arg storage "$STORAGE" --arg big "$BIG" --argjson churn_ms "$CHURN_MS" \
		--argjson churn_kib "$CHURN_KIB" --argjson clock_ms "$CLOCK_MS" \
		--arg corral "${RES[corral,na]:-}" --arg rt "${r_total:-}" --arg rd "${r_down:-}" \
		'{workload: {rootfs: "Debian bookworm minbase", big: $big, storage: $storage,
		   clock_ms: $clock_ms, churn_ms: $churn_ms, churn_kib: $churn_kib},
		  rows: ., corral: (if $corral == "" then "measured" else $corral end),
		  ratios: (if $rt == "" then null else {total: ($rt | tonumber), downtime_inside: ($rd | tonumber)} end)}'
	exit 0
fi
echo
echo "workload: Debian bookworm minbase + big.bin $BIG on $STORAGE; clock every $CLOCK_MS ms;"
echo "  churn: $CHURN_KIB KiB of big.bin every $CHURN_MS ms from the move's start"
printf '%-7s %8s %18s %20s %15s %10s %7s\n' tool total_s downtime_inside_s downtime_reported_s \
	total_reported_s "bytes MB" writes
for tool in rsync corral; do
	if [ -n "${RES[$tool,na]:-}" ]; then printf '%-7s %s\n' "$tool" "${RES[$tool,na]}"; continue; fi
	printf '%-7s %8s %18s %20s %15s %10s %7s\n' "$tool" "${RES[$tool,total]}" "${RES[$tool,inside]}" \
		"$(f3 "${RES[$tool,reported]}")" "$(f3 "${RES[$tool,own_total]}")" \
		"$(f3 "${RES[$tool,bytes]}" 1e6 %.1f)" "${RES[$tool,writes]}"
done
echo "(total: move start -> the tool returned and the clock runs on h2; inside: the log's largest gap;"
echo " reported: rsync script lxc-stop -> lxc-start returned, corral downtime_s; total_reported:"
echo " rsync script start -> lxc-start returned, corral total_s; bytes: rsync --stats, corral"
echo " bytes_on_wire; writes: churn writes during the move)"
echo "rsync script: ${RES[rsync,steps]}"
if [ "$have_corral" = 1 ]; then
	met=0 missed=0
	judge() {  # judge LABEL VALUE OP LIMIT (OP: < or <=)
		if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !(op == "<" ? v < l : v <= l) }'; then
			echo "  $1: $2 (target $3 $4) met"; met=$((met + 1))
		else
			echo "  $1: $2 (target $3 $4) MISSED"; missed=$((missed + 1))
		fi
	}
	echo "targets:"
	judge "corral downtime inside, s" "${RES[corral,inside]}" '<' 1
	judge "downtime inside corral/rsync" "$r_down" '<=' 0.5
	judge "total corral/rsync" "$r_total" '<=' 0.8
	echo "targets: $met met, $missed missed"
fi
