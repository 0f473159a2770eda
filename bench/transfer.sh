#!/usr/bin/env bash
# Benchmark (issue 4): `corral sync` against `rsync -aHAX -e ssh` between two
# hosts of the test pool, on a container rootfs plus one big file.
#
#   bench/transfer.sh          (root; brings up `pool.sh up 2`, takes it down)
#   bench/transfer.sh --corpus DIR     only build the corpus in DIR
#
# Corpus on h1's storage root, in corpus/: a Debian bookworm minbase rootfs
# (debootstrap from apt's mirror, cached as a tar under /var/cache/corral-bench/
# by bench/minbase.bash, so only the first run downloads; without a mirror
# a ~300 MB copy of this machine's /usr, and the output says so) plus a
# 256 MiB incompressible big.bin.  Phases, each run by corral into h2:copy
# and by rsync into h2's copy-rsync, each copy checked with tests/tree/same.sh:
#   (a) first full copy
#   (b) re-sync after a ~1% change: 60 small edits, 32 writes of 64 KiB at
#       random offsets into big.bin, 20 files added, 20 deleted
#   (c) re-sync with nothing changed
# Measured for both tools the same way: wall time; bytes on the links
# (veth counters, see wire()); CPU seconds of the sending side, the receiving
# side and (corral) the master; peak memory (VmHWM).  Targets, corral/rsync:
# (a) wall <= 0.8x; (b) wall <= 0.5x and bytes <= 1.1x; (c) wall <= 0.5x;
# peak memory of the sending and the receiving side <= 64 MiB.
#
# rsync runs from h1's namespace over OpenSSH to an sshd started in h2's
# namespace (own host key and authorized_keys, port $BENCH_SSH_PORT=2222).
# Env: BENCH_WARM_MB=1024 (memory touched before each run, see below)
# BENCH_STORAGE=ext4|xfs|btrfs|dir (the pool hosts' storage, see pool.sh:
# a fresh 4G file system each on a loop device, or dir: the pool directory
# on this machine's root file system; on btrfs unchanged blocks of a big
# file are reflinked, not copied)  BENCH_BIG=256M  BENCH_SEED=1
# BENCH_MIRROR=URL (debootstrap's mirror; a dead one tests the fallback)
# BENCH_TIMEOUT=900 (s, per transfer)  CORRAL_BUILD=build dir.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
POOLSH=$ROOT/tests/pool/pool.sh
SAME=$ROOT/tests/tree/same.sh
POOL=${CORRAL_POOL_DIR:-/run/corral-pool}
BIG=${BENCH_BIG:-256M}
SEED=${BENCH_SEED:-1}
PORT=${BENCH_SSH_PORT:-2222}
# ext4 by default: on a fresh journalled file system, as a host's storage
# would be.  This machine's root is an ext4 without a journal, where
# creating inodes after many deletions scans past every inode deleted in the
# last minutes (ext4's recently_deleted(), only without a journal): a
# copy's time then depends on what ran before it (seen: 2x either way).
STORAGE=${BENCH_STORAGE:-ext4}
TIMEOUT=${BENCH_TIMEOUT:-900}        # seconds; a hung corral sync fails its phase
H2IP=10.213.0.12                     # pool.sh: hK is 10.213.0.(10+K)
TCK=$(getconf CLK_TCK)

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v sshd >/dev/null || die "no sshd: apt-get install openssh-server"
for t in debootstrap:debootstrap rsync:rsync jq:jq /usr/bin/time:time; do
	command -v "${t%%:*}" >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${t#*:}" >/dev/null
done

W=$(mktemp -d /tmp/corral-bench-transfer.XXXXXX)
sshd_pid='' made_run_sshd='' pool_up=''
cleanup() {
	local rc=$? m
	[ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null || true
	# a failed debootstrap may leave proc/sys mounted in its target
	for m in $(findmnt -rn -o TARGET | grep "^$W/" | sort -r); do umount -l "$m" || true; done
	rm -rf --one-file-system "$W"
	# take down only our own pool (another test may have replaced it)
	if [ -n "$pool_up" ] && [ "$(cat "$POOL/master/master.pid" 2>/dev/null)" = "$pool_up" ]; then
		"$POOLSH" down || true
	fi
	exit $rc
}
trap cleanup EXIT

# poll CMD until it succeeds, for at most $1 tenths of a second
wait_until() {
	local n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# ---- process accounting from /proc
tree() {  # tree PID: PID and all its descendants
	local p=$1 c
	[ -d "/proc/$p" ] || return 0
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
# CPU ticks of a process tree: utime+stime of each process plus cutime+
# cstime, the times of the children it has reaped (workers that ended)
cpu_ticks() {
	local p s f sum=0
	for p in $(tree "$1"); do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		read -r -a f <<<"${s##*) }"    # f[0] is field 3 (state)
		sum=$((sum + f[11] + f[12] + f[13] + f[14]))
	done
	echo "$sum"
}
hwm_kb() {  # the highest VmHWM (kB) in a process tree
	local p v max=0
	for p in $(tree "$1"); do
		v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
		[ "${v:-0}" -le "$max" ] || max=$v
	done
	echo "$max"
}
# Bytes on the links, counted on the root namespace's ends of the veth
# pairs, corral-h1 and corral-h2 (bridge ports; rx+tx of each, Ethernet
# frames).  rsync's traffic goes h1 -> bridge -> h2, so it crosses both
# ports once and both count the same.  corral's data is relayed by the
# master in the root namespace: h1 -> master crosses corral-h1, master -> h2
# crosses corral-h2.  So for both tools the h1 link carries what left or
# reached the sender and the h2 link what reached or left the receiver, and
# "bytes on the wire" is the busier of the two links: what a real network
# between two hosts (or between a host and the master) would carry.
wire() {
	local i s=""
	for i in corral-h1 corral-h2; do
		s="$s $(($(cat /sys/class/net/$i/statistics/rx_bytes) + $(cat /sys/class/net/$i/statistics/tx_bytes)))"
	done
	echo "$s"
}
settled() { [ "$(tree "$1" | wc -l)" -le "$2" ]; }  # settled PID N: tree of <= N
now() { date +%s%N; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
secs() { awk -v t="$1" 'BEGIN { printf "%.2f", t / 1e9 }'; }
cpus() { awk -v t="$1" -v h="$TCK" 'BEGIN { printf "%.2f", t / h }'; }

# ---- the corpus: make_corpus DIR (sets $kind)
. "$ROOT/bench/minbase.bash"
. "$ROOT/bench/sshd.bash"
make_corpus() {
	local dir=$1 total=0 d s
	minbase_tarball "$W" || true
	mkdir "$dir"
	if [ -s "$MINBASE_TAR" ]; then
		minbase_unpack "$dir"
		kind="Debian bookworm minbase rootfs (debootstrap)"
	else
		# directories of /usr, whole, until about 300 MB
		for d in /usr/bin /usr/sbin /usr/share/* /usr/lib/*; do
			[ -d "$d" ] && [ ! -L "$d" ] || continue
			s=$(du -sxm "$d" | cut -f1)
			[ $((total + s)) -le 330 ] || continue
			mkdir -p "$dir${d%/*}"
			cp -a "$d" "$dir${d%/*}/"
			total=$((total + s))
			[ "$total" -lt 300 ] || break
		done
		kind="NOT a Debian rootfs: debootstrap could not reach a mirror, so a copy of this machine's /usr"
		echo "bench: NOTE: corpus is $kind"
	fi
	head -c "$BIG" /dev/urandom >"$dir/big.bin"
	nfiles=$(find "$dir" | wc -l)
	echo "bench: corpus: $kind, $(du -sm "$dir" | cut -f1) MB in $nfiles entries, with big.bin ($BIG)"
}
if [ "${1:-}" = --corpus ]; then          # only build the corpus (fills the cache)
	make_corpus "${2:?usage: transfer.sh --corpus DIR}"
	exit 0
fi

# ---- memory warm-up: this VM's balloon reports free pages back to the
# hypervisor (virtio-balloon free page reporting) a few seconds after they
# are freed, and the next first touch of such a page costs ~1.3-3 ns/byte
# (measured here: a 256 MiB file rebuilt in 0.24 s warm, 0.45-0.53 s cold).
# That would land on whichever tool happens to fill page cache from cold
# pages, so right before each tool's run the bench touches and frees
# WARM_MB of memory: both start on warm pages.
WARM_MB=${BENCH_WARM_MB:-1024}
# The VM also runs DAMON with a "pageout" scheme (kdamond): page cache
# left idle for a few seconds is dropped, so whichever tool ran second
# would find the source tree cached by the first.  warm DIR... reads the
# trees a tool is about to work on (its source and its own destination),
# the same for both tools, so both start from a warm cache.
warm() {
	local d
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -type f -print0 | xargs -0 -r cat >/dev/null
	done
	[ "$WARM_MB" -gt 0 ] && [ -d /dev/shm ] || return 0
	dd if=/dev/zero of=/dev/shm/corral-bench-warm bs=1M count="$WARM_MB" 2>/dev/null || true
	rm -f /dev/shm/corral-bench-warm
}

# ---- the pool, with polling every hour: the links carry only the transfers
[ ! -e "$POOL/hosts" ] || die "a pool is up in $POOL: run '$POOLSH down' first"
echo "bench: starting a pool of 2 hosts ($STORAGE storage)"
CORRAL_POOL_POLL=3600 CORRAL_POOL_FS_SIZE=4G "$POOLSH" up 2 --storage "$STORAGE" >/dev/null
set -a; . "$POOL/env"; set +a
S1=$("$POOLSH" storage h1) S2=$("$POOLSH" storage h2)
slave1=$(cat "$POOL/h1/slave.pid") slave2=$(cat "$POOL/h2/slave.pid") master=$(cat "$POOL/master/master.pid")
pool_up=$master                           # ours while this master runs it

make_corpus "$S1/corpus"

# the ~1% change of phase (b), seeded by BENCH_SEED
mutate_corpus() {
	local c=$S1/corpus files n i f size
	RANDOM=$SEED
	rnd() { REPLY=$(((RANDOM << 15 | RANDOM) % $1)); }
	mapfile -d '' files < <(find "$c" -type f -size +4k ! -name big.bin -print0 | sort -z)
	n=${#files[@]}
	for i in $(seq 60); do             # small edits, in place
		rnd "$n"; f=${files[REPLY]}; size=$(stat -c %s "$f"); rnd $((size - 32))
		printf 'corral bench edit %04d' "$i" | dd of="$f" bs=32 seek="$REPLY" oflag=seek_bytes conv=notrunc status=none
	done
	size=$(stat -c %s "$c/big.bin")
	for i in $(seq 32); do             # 64 KiB writes into the big file
		rnd $((size - 65536))
		head -c 64K /dev/urandom | dd of="$c/big.bin" bs=64k seek="$REPLY" oflag=seek_bytes conv=notrunc status=none
	done
	mkdir -p "$c/bench-added"
	for i in $(seq 20); do rnd 65536; head -c $((REPLY + 1)) /dev/urandom >"$c/bench-added/f$i"; done
	for i in $(seq 20); do rnd "$n"; rm -f "${files[REPLY]}"; done
}

# ---- rsync over OpenSSH, h1's namespace -> sshd in h2's namespace
bench_sshd_start

declare -A RES                            # RES[tool,phase,field]
run_rsync() {  # run_rsync PHASE
	local ph=$1 w0 w1 c0 c1 t0 t1 rt
	w0=$(wire); c0=$(cpu_ticks "$sshd_pid"); t0=$(now)
	ip netns exec corral-h1 /usr/bin/time -o "$W/client.time" -f '%U %S %M' \
		rsync -aHAX --numeric-ids --delete --stats --timeout="$TIMEOUT" -e "$SSH" \
		--rsync-path="/usr/bin/time -o $W/server.time -f '%U %S %M' rsync" \
		"$S1/corpus/" "root@$H2IP:$S2/copy-rsync/" >"$W/rsync-$ph.log" 2>&1 ||
		die "rsync ($ph) failed: $(tail -n 5 "$W/rsync-$ph.log")"
	t1=$(now)
	# the server side is done when sshd has reaped its session
	wait_until 100 settled "$sshd_pid" 1 || die "sshd session did not end"
	w1=$(wire); c1=$(cpu_ticks "$sshd_pid")
	read -r -a a <<<"$w0"; read -r -a b <<<"$w1"
	RES[rsync,$ph,wall]=$((t1 - t0))
	RES[rsync,$ph,h1]=$((b[0] - a[0])) RES[rsync,$ph,h2]=$((b[1] - a[1]))
	read -r u s m < <(tail -n 1 "$W/client.time")
	RES[rsync,$ph,cpu_src]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	RES[rsync,$ph,mem_src]=$((m / 1024))
	RES[rsync,$ph,cpu_dst]=$(cpus $((c1 - c0)))   # sshd session + rsync server
	read -r u s m < <(tail -n 1 "$W/server.time")
	RES[rsync,$ph,mem_dst]=$((m / 1024))
	RES[rsync,$ph,cpu_master]=- RES[rsync,$ph,mem_master]=-
	rt=$(awk -F': ' '/^Total bytes (sent|received)/ { gsub(",", "", $2); n += $2 } END { print n }' "$W/rsync-$ph.log")
	RES[rsync,$ph,payload]=$rt
}

have_sync=0
corral sync --help >/dev/null 2>&1 && have_sync=1
run_corral() {  # run_corral PHASE
	local ph=$1 w0 w1 t0 t1 s10 s20 m0 n1 n2 js
	[ "$have_sync" = 1 ] || { RES[corral,$ph,na]="n/a (corral sync missing)"; return 0; }
	w0=$(wire); s10=$(cpu_ticks "$slave1"); s20=$(cpu_ticks "$slave2"); m0=$(cpu_ticks "$master")
	n1=$(tree "$slave1" | wc -l); n2=$(tree "$slave2" | wc -l)   # daemon + sessions
	# peak memory of short-lived workers: sample the slave trees while it runs
	( while :; do echo "$(hwm_kb "$slave1") $(hwm_kb "$slave2")"; sleep 0.1; done ) >"$W/hwm-$ph" &
	local sampler=$!
	t0=$(now)
	if ! /usr/bin/time -o "$W/cli.time" -f '%U %S %M' timeout "$TIMEOUT" corral sync h1:corpus h2:copy --json \
		>"$W/corral-$ph.json" 2>"$W/corral-$ph.err"; then
		kill "$sampler"; wait "$sampler" 2>/dev/null || true
		RES[corral,$ph,na]="failed: $(tail -n 1 "$W/corral-$ph.err")"; return 0
	fi
	t1=$(now)
	# done when the slaves' per-job workers have ended (a session the
	# master opened for the job may stay: wait 3 s at most)
	wait_until 30 settled "$slave1" "$n1" || true
	wait_until 30 settled "$slave2" "$n2" || true
	kill "$sampler"; wait "$sampler" 2>/dev/null || true
	w1=$(wire)
	read -r -a a <<<"$w0"; read -r -a b <<<"$w1"
	RES[corral,$ph,wall]=$((t1 - t0))
	RES[corral,$ph,h1]=$((b[0] - a[0])) RES[corral,$ph,h2]=$((b[1] - a[1]))
	RES[corral,$ph,cpu_src]=$(cpus $(($(cpu_ticks "$slave1") - s10)))
	RES[corral,$ph,cpu_dst]=$(cpus $(($(cpu_ticks "$slave2") - s20)))
	read -r u s m < <(tail -n 1 "$W/cli.time")
	RES[corral,$ph,cpu_master]=$(awk -v t="$(cpus $(($(cpu_ticks "$master") - m0)))" -v u="$u" -v s="$s" \
		'BEGIN { printf "%.2f", t + u + s }')                # master + the CLI
	RES[corral,$ph,mem_src]=$(( $( (cut -d' ' -f1 "$W/hwm-$ph"; hwm_kb "$slave1") | sort -n | tail -n 1) / 1024 ))
	RES[corral,$ph,mem_dst]=$(( $( (cut -d' ' -f2 "$W/hwm-$ph"; hwm_kb "$slave2") | sort -n | tail -n 1) / 1024 ))
	RES[corral,$ph,mem_master]=$(( $(hwm_kb "$master") / 1024 ))
	js=$(jq -c 'if type == "array" then .[0] else . end' "$W/corral-$ph.json")
	RES[corral,$ph,payload]=$(jq -r '.bytes_on_wire // 0' <<<"$js")
	RES[corral,$ph,reported]=$(jq -r '.seconds // (.usec // 0) / 1e6' <<<"$js")
}

verify() {  # verify PHASE: both copies equal the corpus
	local ph=$1
	"$SAME" "$S1/corpus" "$S2/copy-rsync" >"$W/same-rsync-$ph" ||
		die "rsync's copy differs after ($ph): $(head -n 5 "$W/same-rsync-$ph")"
	RES[rsync,$ph,ok]=same
	if [ -z "${RES[corral,$ph,na]:-}" ]; then
		if "$SAME" "$S1/corpus" "$S2/copy" >"$W/same-corral-$ph"; then RES[corral,$ph,ok]=same
		else RES[corral,$ph,ok]=DIFFERS; sed 's/^/    corral: /' "$W/same-corral-$ph" | head -n 10; fi
	fi
}

for ph in a b c; do
	[ "$(cat "$POOL/master/master.pid" 2>/dev/null)" = "$master" ] ||
		die "the pool was taken down or replaced by someone else: run the bench alone"
	case $ph in
	a) echo "bench: (a) full copy" ;;
	b) echo "bench: (b) re-sync after a 1% change"; mutate_corpus ;;
	c) echo "bench: (c) re-sync, nothing changed" ;;
	esac
	# each tool starts with nothing left to write back, its trees in the
	# page cache and warm free pages
	sync; warm "$S1/corpus" "$S2/copy"; run_corral "$ph"
	sync; warm "$S1/corpus" "$S2/copy-rsync"; run_rsync "$ph"
	verify "$ph"
done

# ---- report
declare -A names
names=([a]="(a) full copy" [b]="(b) 1% change" [c]="(c) no change")
echo
echo "corpus: $kind; $nfiles entries + big.bin $BIG"
printf '%-15s %-7s %8s %19s %10s %20s %17s %7s\n' phase tool "wall s" "link MB h1/h2" "payload MB" \
	"CPU s src/dst/mst" "peak MiB s/d/m" check
for ph in a b c; do
	for tool in corral rsync; do
		label=${names[$ph]}; [ "$tool" = corral ] || label=""
		if [ -n "${RES[$tool,$ph,na]:-}" ]; then
			printf '%-15s %-7s %s\n' "$label" "$tool" "${RES[$tool,$ph,na]}"; continue
		fi
		printf '%-15s %-7s %8s %19s %10s %20s %17s %7s\n' "$label" "$tool" "$(secs "${RES[$tool,$ph,wall]}")" \
			"$(mb "${RES[$tool,$ph,h1]}")/$(mb "${RES[$tool,$ph,h2]}")" "$(mb "${RES[$tool,$ph,payload]}")" \
			"${RES[$tool,$ph,cpu_src]}/${RES[$tool,$ph,cpu_dst]}/${RES[$tool,$ph,cpu_master]}" \
			"${RES[$tool,$ph,mem_src]}/${RES[$tool,$ph,mem_dst]}/${RES[$tool,$ph,mem_master]}" \
			"${RES[$tool,$ph,ok]:-}"
	done
done
echo "(link MB: both directions on h1's and h2's veth; payload: rsync --stats sent+received, corral bytes_on_wire;"
echo " CPU src/dst: rsync client+ssh / sshd+rsync server, corral slave h1 / slave h2; mst: corral master+CLI)"
[ -z "${RES[corral,a,reported]:-}" ] ||
	echo "corral's own seconds (json): (a) ${RES[corral,a,reported]} (b) ${RES[corral,b,reported]:-} (c) ${RES[corral,c,reported]:-}"
echo
echo "targets, corral/rsync (wire = the busier link):"
met=0 missed=0
ratio() {  # ratio CORRAL RSYNC
	awk -v c="$1" -v r="$2" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }'
}
judge() {  # judge LABEL VALUE LIMIT
	if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
		echo "  $1: $2 (target <= $3) met"; met=$((met + 1))
	else
		echo "  $1: $2 (target <= $3) MISSED"; missed=$((missed + 1))
	fi
}
busy() {  # busy TOOL PHASE: bytes on the busier link
	local x=${RES[$1,$2,h1]} y=${RES[$1,$2,h2]}
	echo $((x > y ? x : y))
}
if [ "$have_sync" = 0 ] || [ -n "${RES[corral,a,na]:-}${RES[corral,b,na]:-}${RES[corral,c,na]:-}" ]; then
	echo "  n/a (corral sync missing or failed); rsync baseline above"
else
	judge "(a) wall" "$(ratio "${RES[corral,a,wall]}" "${RES[rsync,a,wall]}")" 0.8
	judge "(b) wall" "$(ratio "${RES[corral,b,wall]}" "${RES[rsync,b,wall]}")" 0.5
	judge "(b) bytes" "$(ratio "$(busy corral b)" "$(busy rsync b)")" 1.1
	judge "(c) wall" "$(ratio "${RES[corral,c,wall]}" "${RES[rsync,c,wall]}")" 0.5
	for ph in a b c; do
		judge "($ph) peak MiB sender" "${RES[corral,$ph,mem_src]}" 64
		judge "($ph) peak MiB receiver" "${RES[corral,$ph,mem_dst]}" 64
	done
	echo "  (master peak: ${RES[corral,c,mem_master]} MiB)"
	echo "targets: $met met, $missed missed"
fi
