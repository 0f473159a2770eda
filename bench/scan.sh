#!/usr/bin/env bash
# Benchmark: `corral scan` against a pool of N slaves (processes on
# loopback, one lxcpath each with two stopped busybox containers).
# Prints the wall time of a refreshed scan and of --cached (median of R
# runs), and the master's peak memory.  Targets (issue 3): refreshed scan of
# 50 slaves < 1 s, cached < 50 ms, on a 2-core machine.
# Usage: bench/scan.sh [N=50] [R=7]       (root; builds if needed)
set -euo pipefail
N=${1:-50}
R=${2:-7}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CORRAL_BUILD:-$ROOT/build}
[ -x "$BUILD/corral-master" ] || make -s -C "$ROOT" all
# not under /tmp: the slaves refuse keys below a directory others can write
W=$(mktemp -d /run/corral-bench-scan.XXXXXX)
BASE=17100
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$W/id"
# one template container, copied into every slave's lxcpath
lxc-create -P "$W/tpl" -n ct -t busybox >/dev/null 2>&1
: >"$W/slaves.conf"
for i in $(seq 1 "$N"); do
	d=$W/s$i
	mkdir -p "$d/lxc" "$d/store"
	for c in a$i b$i; do
		cp -a "$W/tpl/ct" "$d/lxc/$c"
		sed -i "s|$W/tpl/ct|$d/lxc/$c|g; s|lxc.uts.name = .*|lxc.uts.name = $c|" "$d/lxc/$c/config"
	done
	cp "$W/id.pub" "$d/authorized_keys"
	cat >"$d/corral.conf" <<EOC
listen = 127.0.0.1
port = $((BASE + i))
host_key = $d/host_key
authorized_keys = $d/authorized_keys
lxcpath = $d/lxc
storage = dir:$d/store
log_level = warning
EOC
	"$BUILD/corral-slave" -f -c "$d/corral.conf" 2>>"$W/slaves.log" &
	pids+=($!)
	echo "s$i:address=127.0.0.1,port=$((BASE + i))" >>"$W/slaves.conf"
done
cat >"$W/corral.conf" <<EOC
socket = $W/master.sock
inventory = $W/inventory.db
slaves = $W/slaves.conf
key = $W/id
known_hosts = $W/known_hosts
poll_interval = 3600
timeout = 5
log_level = warning
EOC
export CORRAL_CONF=$W/corral.conf
"$BUILD/corral-master" -f -c "$W/corral.conf" 2>>"$W/master.log" &
mpid=$!
pids+=($mpid)
for _ in $(seq 100); do [ -S "$W/master.sock" ] && break; sleep 0.1; done
for i in $(seq 1 "$N"); do
	fp=$("$BUILD/corral-slave" -c "$W/s$i/corral.conf" --fingerprint)
	"$BUILD/corral" host trust "s$i" --fingerprint "$fp" >/dev/null
done

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lines=$("$BUILD/corral" scan | wc -l)
[ "$lines" -eq $((2 * N)) ] || { echo "bench: scan saw $lines containers, want $((2 * N))" >&2; exit 1; }
refreshed=$(for _ in $(seq "$R"); do ms "$BUILD/corral" scan; done | median)
cached=$(for _ in $(seq "$R"); do ms "$BUILD/corral" scan --cached; done | median)
peak=$(awk '/VmHWM/ { print $2 }' "/proc/$mpid/status")
echo "corral scan, $N slaves, $((2 * N)) containers, median of $R runs"
echo "  refreshed scan: ${refreshed} ms   (target < 1000 ms)"
echo "  cached scan:    ${cached} ms   (target < 50 ms)"
echo "  master peak RSS: $((peak / 1024)) MiB"
