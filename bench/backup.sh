#!/usr/bin/env bash
# Benchmark: backing up the containers of two pool hosts into the master's
# store, `corral backup` against what admins use today, in one run on the
# same data.
#
#   bench/backup.sh [--json]   (root; run it alone, under the pool lock:
#                              `make bench-backup` takes it)
#
# The workload: BENCH_CONTAINERS (10) stopped containers, odd ones on h1,
# even ones on h2, each a Debian bookworm minbase rootfs (bench/minbase.bash)
# in place of the busybox template's tree; the first also holds a
# BENCH_BIG (256 MiB) random "database" /bench/db.bin.  The hosts' storage
# is BENCH_STORAGE (ext4, a file system of its own), the master's store
# BENCH_STORE_FS (btrfs; xfs works too).  Each tool makes a first backup of
# every container, then the data change: 1% of each container's regular
# files rewritten whole with new bytes of the same size, and 32 blocks of
# 64 KiB at random offsets of db.bin; then each tool makes a second,
# incremental backup.  Then one container (the one with db.bin) is restored
# onto h2 by each tool.
# The tools, each from the hosts (their namespaces, h1's and h2's at once,
# a host's containers one after another) to a repository of its own on the
# store's file system, over OpenSSH to an sshd in the master's namespace:
#   corral   `corral backup --json` (backup.conf lists the containers:cold);
#            restore: `corral restore C --to h2 --as C-corral`
#   rsync    rsync -aHAX --numeric-ids --delete, the second run with
#            --link-dest= the first (the usual snapshot script); restore:
#            rsync of the second copy from the master onto h2's storage
#   restic   restic backup over sftp, one repository (its defaults: 0.14,
#            encrypted, no compression); restore: restic restore latest
#   borg     borg create over ssh, one repository per host (its lock is
#            exclusive; defaults: repokey, lz4); restore: borg extract
# Measured per tool: wall time of the first and of the incremental run,
# bytes on the wire (both hosts' links, either way, from the kernel's
# counters), space the incremental run added to the store's file system
# (df's used bytes before and after, each after a sync and, on btrfs, a
# transaction commit: data and metadata, btrfs's DUP metadata counted
# twice, as df does; on btrfs split into the two from `btrfs filesystem
# df`), the restore's wall time; for corral also its jobs' steps and its
# new versions' manifests' size, on stderr.  Before each run the page
# cache holds the sources (as in bench/transfer.sh).  Targets: corral's
# incremental <= 0.5x the rsync script's and faster than restic and borg;
# its space added <= the changed bytes + 5% (btrfs or xfs store); its
# restore <= the rsync copy's time.  Output: a table, or with --json one
# object: workload, changed_bytes, rows (tool, first_s, incr_s,
# first_wire, incr_wire, incr_space, incr_data, incr_meta, restore_s;
# incr_data and incr_meta 0 unless btrfs), ratios.
#
# Env: BENCH_CONTAINERS=10 BENCH_BIG=256M BENCH_STORAGE=ext4
# BENCH_STORE_FS=btrfs BENCH_SSH_PORT=2222 BENCH_SEED=1 BENCH_TOOLS="corral
# rsync restic borg" BENCH_WARM_MB=1024 BENCH_MIRROR CORRAL_BUILD.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
POOLSH=$ROOT/tests/pool/pool.sh
POOL=${CORRAL_POOL_DIR:-/run/corral-pool}
N=${BENCH_CONTAINERS:-10}
BIG=${BENCH_BIG:-256M}
STORAGE=${BENCH_STORAGE:-ext4}
STOREFS=${BENCH_STORE_FS:-btrfs}
PORT=${BENCH_SSH_PORT:-2222}
SEED=${BENCH_SEED:-1}
TOOLS=${BENCH_TOOLS:-corral rsync restic borg}
WARM_MB=${BENCH_WARM_MB:-1024}
MIP=10.213.0.1                       # pool.sh: the master's address
. "$ROOT/bench/minbase.bash"
. "$ROOT/bench/sshd.bash"

json=0
case "${1:-}" in
--json) json=1 ;;
"") ;;
-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
*) echo "usage: bench/backup.sh [--json]" >&2; exit 2 ;;
esac
die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in debootstrap rsync jq sshd restic borg filefrag; do
	command -v "$t" >/dev/null || die "$t is missing: scripts/deps.sh --bench"
done
[ ! -e "$POOL/hosts" ] || die "a pool is up in $POOL: run '$POOLSH down' first"

W=$(mktemp -d /tmp/corral-bench-backup.XXXXXX)
sshd_pid='' made_run_sshd='' pool_up=''
cleanup() {
	local rc=$?
	[ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null || true
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
ratio() { awk -v c="$1" -v r="$2" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

minbase_tarball "$W" || die "no Debian minbase rootfs (debootstrap failed)"

say "starting a pool of 2 hosts ($STORAGE storage, the store on $STOREFS)"
CORRAL_POOL_POLL=3600 CORRAL_POOL_FS_SIZE=6G CORRAL_POOL_STORE_SIZE=16G \
	"$POOLSH" up 2 --storage "$STORAGE" --store-fs "$STOREFS" >/dev/null
set -a; . "$POOL/env"; set +a
pool_up=$(cat "$POOL/master/master.pid")
STORE=$("$POOLSH" store)
BACKUP_CONF=$(sed -n 's/^backup *= *//p' "$CORRAL_CONF")

host_of() { echo "h$(( ($1 - 1) % 2 + 1 ))"; }   # host_of I
rootfs_of() {  # rootfs_of HOST CT
	sed -n 's/^lxc.rootfs.path *= *\(dir:\)\{0,1\}//p' "$("$POOLSH" lxcpath "$1")/$2/config" | tail -n 1
}

# ---- the workload
say "making $N minbase containers"
: >"$BACKUP_CONF"
for i in $(seq 1 "$N"); do
	h=$(host_of "$i"); c=b$i
	"$POOLSH" create "$h" "$c" --stopped >/dev/null
	r=$(rootfs_of "$h" "$c")
	find "$r" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
	minbase_unpack "$r"
	echo "$c:cold" >>"$BACKUP_CONF"
done
mkdir -p "$(rootfs_of h1 b1)/bench"
head -c "$BIG" /dev/urandom >"$(rootfs_of h1 b1)/bench/db.bin"
# backup.conf is read at the master's start
"$POOLSH" stop master >/dev/null; "$POOLSH" start master >/dev/null
pool_up=$(cat "$POOL/master/master.pid")
wait_until 300 sh -c "corral hosts --json | jq -e 'all(.[]; .state == \"up\")'" ||
	die "the hosts are not up after the master's restart"
sync

# ---- the peers' side: sshd in the master's namespace, repositories
bench_sshd_start - "$MIP" corral-h1
R=$STORE/bench
mkdir -p "$R/restic" "$R/borg-h1" "$R/borg-h2"
for i in $(seq 1 "$N"); do mkdir -p "$R/rsync/b$i"; done
export RESTIC_PASSWORD=bench BORG_PASSPHRASE=bench BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
RESTIC_REPO=sftp:root@$MIP:$R/restic
RESTIC_SFTP="sftp.command=$SSH root@$MIP -s sftp"
in_ns() { local h=$1; shift; ip netns exec "corral-$h" "$@"; }
in_ns h1 restic -q -r "$RESTIC_REPO" -o "$RESTIC_SFTP" init >/dev/null
for h in h1 h2; do
	in_ns "$h" borg init -e repokey --rsh "$SSH" "root@$MIP:$R/borg-$h" >/dev/null 2>&1 ||
		die "borg init for $h failed"
done

# the containers of host H, one a line: "NAME ROOTFS"
cts_of() {
	local i
	for i in $(seq 1 "$N"); do
		[ "$(host_of "$i")" = "$1" ] && echo "b$i $(rootfs_of "$1" "b$i")"
	done
	return 0
}

# One tool's backup of host H's containers, round K (1, 2), inside H.
peer_backup() {  # peer_backup TOOL H K
	local tool=$1 h=$2 k=$3 c r
	while read -r c r; do
		case "$tool" in
		rsync)
			local ld=()
			[ "$k" = 1 ] || ld=(--link-dest="$R/rsync/$c/1")
			in_ns "$h" rsync -aHAX --numeric-ids --delete -e "$SSH" "${ld[@]}" \
				"$r/" "root@$MIP:$R/rsync/$c/$k/" ;;
		restic)
			in_ns "$h" env RESTIC_CACHE_DIR="$W/restic-cache-$h" \
				restic -q -r "$RESTIC_REPO" -o "$RESTIC_SFTP" backup \
				--host "$h" --tag "$c" "$r" >/dev/null ;;
		borg)
			(cd "$r" && in_ns "$h" env BORG_CACHE_DIR="$W/borg-cache-$h" \
				borg create --rsh "$SSH" "root@$MIP:$R/borg-$h::$c-$k" .) ;;
		esac || return 1
	done < <(cts_of "$h")
}

# The same start for every tool: nothing left to write back, the sources
# in the page cache, warm free pages (see bench/transfer.sh).
warm() {
	local h
	sync
	for h in h1 h2; do
		find "$("$POOLSH" storage "$h")" -xdev -type f -print0 | xargs -0 -r cat >/dev/null 2>&1 || true
	done
	[ "$WARM_MB" -gt 0 ] && [ -d /dev/shm ] || return 0
	dd if=/dev/zero of=/dev/shm/corral-bench-warm bs=1M count="$WARM_MB" 2>/dev/null || true
	rm -f /dev/shm/corral-bench-warm
}
wire() {  # both hosts' links, bytes either way
	local h n=0 d
	for h in h1 h2; do
		for d in rx_bytes tx_bytes; do
			n=$((n + $(cat "/sys/class/net/corral-$h/statistics/$d")))
		done
	done
	echo "$n"
}
used() {  # bytes used on the store's file system, once written out
	sync
	[ "$STOREFS" != btrfs ] || btrfs filesystem sync "$STORE" >/dev/null
	df -B1 --output=used "$STORE" | tail -n 1 | tr -d ' '
}

# btrfs only: "DATA META" bytes in use, as `btrfs filesystem df` has
# them, each times its profile's copies (DUP: 2), so that their sum is
# what df counts; elsewhere "0 0"
split() {
	[ "$STOREFS" = btrfs ] || { echo "0 0"; return 0; }
	btrfs filesystem df -b "$STORE" | awk '
		function used(s) { sub(/.*used=/, "", s); return s + 0 }
		function copies(s) { return s ~ /DUP|RAID1/ ? 2 : 1 }
		/^Data,/ { d += used($0) * copies($2) }
		/^(Metadata|System),/ { m += used($0) * copies($2) }
		END { printf "%.0f %.0f\n", d, m }'
}

# corral round K (started at T0): the jobs' steps, each summed over the
# jobs, and when the first began and the last ended, from T0 (to stderr)
steps() {  # steps K T0
	local id
	for id in $(jq -r '.[].job // empty' "$W/corral-$1.json"); do
		corral job "$id" --json
	done | jq -rs --arg t0 "$2" '
		[.[].steps[]] as $s | ($t0 | tonumber * 1000) as $z |
		($s | group_by(.step) | map("\(.[0].step) \(map(.seconds) | add * 100 | round / 100)")
			| join(", ")) + "; first step at \(($s | map(.started_ms) | min) - $z | round / 1000) s,"
			+ " last end at \(($s | map(.ended_ms) | max) - $z | round / 1000) s"' |
		sed "s/^/bench: corral round $1 steps (s, summed over the jobs): /" >&2 || true
}

declare -A RES
# run TOOL K: round K of TOOL; RES[TOOL,s K] RES[TOOL,wire K] RES[TOOL,space K]
# (and on btrfs RES[TOOL,data K] RES[TOOL,meta K], its two parts)
run() {
	local tool=$1 k=$2 w0 u0 t0 rc=0 d0 m0 d1 m1
	warm
	w0=$(wire); u0=$(used); read -r d0 m0 < <(split); t0=$EPOCHREALTIME
	if [ "$tool" = corral ]; then
		corral backup --json >"$W/corral-$k.json" 2>"$W/corral-$k.err" || rc=$?
		[ "$rc" = 0 ] || die "corral backup failed: $(tail -n 3 "$W/corral-$k.err")"
		jq -e 'all(.[]; .result == "done")' "$W/corral-$k.json" >/dev/null ||
			die "corral backup: $(cat "$W/corral-$k.json")"
	else
		peer_backup "$tool" h1 "$k" >"$W/$tool-h1-$k.log" 2>&1 & local p1=$!
		peer_backup "$tool" h2 "$k" >"$W/$tool-h2-$k.log" 2>&1 & local p2=$!
		wait "$p1" || rc=1; wait "$p2" || rc=1
		[ "$rc" = 0 ] || die "$tool, round $k: $(tail -n 3 "$W/$tool"-h?-"$k".log)"
	fi
	RES[$tool,s$k]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	[ "$tool" != corral ] || steps "$k" "$t0"
	RES[$tool,wire$k]=$(( $(wire) - w0 ))
	RES[$tool,space$k]=$(( $(used) - u0 ))
	read -r d1 m1 < <(split)
	RES[$tool,data$k]=$((d1 - d0)); RES[$tool,meta$k]=$((m1 - m0))
	say "$tool round $k: ${RES[$tool,s$k]} s, $(mib "${RES[$tool,wire$k]}") MiB on the wire, $(mib "${RES[$tool,space$k]}") MiB more in the store ($(mib "${RES[$tool,data$k]}") data, $(mib "${RES[$tool,meta$k]}") metadata)"
}

for t in $TOOLS; do run "$t" 1; done

# ---- the change: 1% of each container's files, 32 blocks of db.bin
say "changing 1% of the files and 32 blocks of db.bin"
changed=0
for i in $(seq 1 "$N"); do
	h=$(host_of "$i"); r=$(rootfs_of "$h" "b$i")
	mapfile -t files < <(find "$r" -xdev -type f ! -path "$r/bench/*" | sort |
		shuf -n "$(( $(find "$r" -xdev -type f | wc -l) / 100 + 1 ))" \
			--random-source=<(openssl enc -aes-128-ctr -pass "pass:$SEED$i" -nosalt </dev/zero 2>/dev/null))
	for f in "${files[@]}"; do
		sz=$(stat -c %s "$f")
		head -c "$sz" /dev/urandom >"$f"
		changed=$((changed + sz))
	done
done
db=$(rootfs_of h1 b1)/bench/db.bin
blocks=$(( $(stat -c %s "$db") / 65536 ))
for j in $(seq 1 32); do
	dd if=/dev/urandom of="$db" bs=64K count=1 seek=$(( (j * 7919 + SEED * 104729) % blocks )) \
		conv=notrunc status=none
	changed=$((changed + 65536))
done
sync

for t in $TOOLS; do run "$t" 2; done
case " $TOOLS " in
*" corral "*)
	mf=0 own=0
	for i in $(seq 1 "$N"); do
		v=$(find "$STORE/b$i" -mindepth 1 -maxdepth 1 -name '2*' ! -name '*.*' | sort | tail -n 1)
		mf=$((mf + $(stat -c %s "$v/manifest")))
		# blocks not shared with the version before (reflinks)
		own=$((own + $(filefrag -v "$v/manifest" | awk '$1 ~ /^[0-9]+:$/ &&
			$0 !~ /shared/ { n += $6 } END { print (n + 0) * 4096 }')))
	done
	say "corral: the incremental run's manifests: $(mib "$mf") MiB, of which $(mib "$own") MiB their own blocks" ;;
esac

# ---- restore of b1 (the one with db.bin) onto h2
S2=$("$POOLSH" storage h2)
restore() {  # restore TOOL
	local tool=$1 t0 d=$S2/b1-$1
	warm
	t0=$EPOCHREALTIME
	case "$tool" in
	corral) corral restore b1 --to h2 --as b1-corral >/dev/null 2>"$W/restore.err" ||
			die "corral restore: $(tail -n 2 "$W/restore.err")" ;;
	rsync) mkdir -p "$d"; in_ns h2 rsync -aHAX --numeric-ids -e "$SSH" "root@$MIP:$R/rsync/b1/2/" "$d/" ;;
	restic) mkdir -p "$d"; in_ns h2 env RESTIC_CACHE_DIR="$W/restic-cache-h2" \
			restic -q -r "$RESTIC_REPO" -o "$RESTIC_SFTP" restore latest --tag b1 --target "$d" >/dev/null ;;
	borg) mkdir -p "$d"; (cd "$d" && in_ns h2 env BORG_CACHE_DIR="$W/borg-cache-h2" \
			borg extract --rsh "$SSH" "root@$MIP:$R/borg-h1::b1-2") ;;
	esac
	sync
	RES[$tool,restore]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	say "$tool restore: ${RES[$tool,restore]} s"
}
for t in $TOOLS; do restore "$t"; done

# ---- report
val() { echo "${RES[$1,$2]:-null}"; }
if [ "$json" = 1 ]; then
	{
		printf '{"workload": {"containers": %d, "big": "%s", "storage": "%s", "store_fs": "%s"}, ' \
			"$N" "$BIG" "$STORAGE" "$STOREFS"
		printf '"changed_bytes": %d, "rows": [' "$changed"
		sep=''
		for t in $TOOLS; do
			printf '%s{"tool": "%s", "first_s": %s, "incr_s": %s, "first_wire": %s, "incr_wire": %s, "incr_space": %s, "incr_data": %s, "incr_meta": %s, "restore_s": %s}' \
				"$sep" "$t" "$(val "$t" s1)" "$(val "$t" s2)" "$(val "$t" wire1)" \
				"$(val "$t" wire2)" "$(val "$t" space2)" "$(val "$t" data2)" \
				"$(val "$t" meta2)" "$(val "$t" restore)"
			sep=', '
		done
		printf '], "ratios": {'
		sep=''
		for t in rsync restic borg; do
			[ -n "${RES[$t,s2]:-}" ] && [ -n "${RES[corral,s2]:-}" ] || continue
			printf '%s"incr_vs_%s": %s, "restore_vs_%s": %s' "$sep" "$t" \
				"$(ratio "${RES[corral,s2]}" "${RES[$t,s2]}")" "$t" \
				"$(ratio "${RES[corral,restore]}" "${RES[$t,restore]}")"
			sep=', '
		done
		printf '%s"space_vs_changed": %s}}\n' "$sep" \
			"$(ratio "${RES[corral,space2]:-0}" "$changed")"
	}
else
	printf '%d containers (minbase, one with a %s db), %s hosts, %s store; changed: %s MiB\n' \
		"$N" "$BIG" "$STORAGE" "$STOREFS" "$(mib "$changed")"
	printf '%-8s %9s %9s %11s %11s %12s %10s %10s %10s\n' tool first_s incr_s first_MiB \
		incr_MiB incr_space incr_data incr_meta restore_s
	for t in $TOOLS; do
		printf '%-8s %9s %9s %11s %11s %12s %10s %10s %10s\n' "$t" "$(val "$t" s1)" \
			"$(val "$t" s2)" "$(mib "$(val "$t" wire1)")" "$(mib "$(val "$t" wire2)")" \
			"$(mib "$(val "$t" space2)")" "$(mib "$(val "$t" data2)")" \
			"$(mib "$(val "$t" meta2)")" "$(val "$t" restore)"
	done
fi
