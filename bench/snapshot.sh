#!/usr/bin/env bash
# Benchmark (not a test: no targets): `corral snapshot` per storage backend,
# on a running busybox container.
#
#   bench/snapshot.sh [--json] [--runs N]      (root; N = BENCH_RUNS = 10)
#
# Backends: btrfs and dir on the test pool (tests/pool/pool.sh up 1), lvm on
# a slave in the qemu VM of tests/vm/vm.sh (as tests/vm/lvm.sh does; when
# the VM cannot start the lvm part is skipped, and the output says so).
# Every backend gets a fresh pool (and VM) of its own; all is taken down at
# the end, whatever happens.  Refuses to run while a pool is up.
#
# Measured, median of N runs each:
#  1. the wall time of `corral snapshot H C` (take) and `--drop`, CLI ->
#     master -> slave and back, on the idle running container; beside them
#     `--status` (the same round trip, no storage work): take - status is
#     what the backend itself costs.  dir: take = freeze, drop = thaw.
#  2. a writer in the container (busybox, timed inside it), without and with
#     a snapshot held, each "with" run on a fresh snapshot (the first write
#     to a block after a snapshot is the one that pays), the two orders
#     alternating:
#       stream: dd if=/dev/zero bs=1M count=BENCH_MB (64) conv=notrunc,fsync
#               rewriting a file in place, MiB/s;
#       small:  BENCH_FILES (200) files of 16 KiB rewritten in place, one
#               `dd conv=notrunc,fsync` process each, files/s.
#     dir has no snapshots: the container is frozen while "held".  There the
#     writer runs as a loop (stream: 1 MiB chunks, each fsync'ed; small: one
#     file per write) logging a timestamp per write; the bench takes the
#     "snapshot", holds it BENCH_HOLD (1) s, drops it, and reads from the log
#     what was written while held (0 when frozen) and the writer's longest
#     stall (how long the freeze lasted for it).
#
# Output: a table, or with --json one object.  Progress goes to stderr.
# Env: BENCH_RUNS=10 BENCH_BACKENDS="btrfs dir lvm" BENCH_MB=64
# BENCH_FILES=200 BENCH_HOLD=1 (s) BENCH_LVM_SIZE=256M (the container's LV)
# BENCH_VM_DISK_MB=1024 BENCH_VM_DIR=/run/corral-vm-bench
# BENCH_VM_PORT=17031 (first port tried for the guest slave) CORRAL_BUILD.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF=$ROOT/bench/snapshot.sh
POOLSH=$ROOT/tests/pool/pool.sh
VMSH=$ROOT/tests/vm/vm.sh
POOL=${CORRAL_POOL_DIR:-/run/corral-pool}
BUILD=${CORRAL_BUILD:-$ROOT/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd || echo "$BUILD")   # the guest runs /host$BUILD/...
RUNS=${BENCH_RUNS:-10}
BACKENDS=${BENCH_BACKENDS:-btrfs dir lvm}
MB=${BENCH_MB:-64}
FILES=${BENCH_FILES:-200}
HOLD=${BENCH_HOLD:-1}
LVM_SIZE=${BENCH_LVM_SIZE:-256M}
VM_DISK_MB=${BENCH_VM_DISK_MB:-1024}
export CORRAL_VM_DIR=${BENCH_VM_DIR:-/run/corral-vm-bench}
CT=bench
G=/srv/corral-bench                      # the guest slave's files (lvm)

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
usage() { sed -n '5p' "$0" | sed 's/^# *//' >&2; exit 2; }

json=0 one="" out=""
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=1; shift ;;
	--runs|-n) RUNS=${2:-}; shift 2 || usage ;;
	--runs=*) RUNS=${1#*=}; shift ;;
	--backend) one=${2:-}; out=${3:-}; shift 3 || usage ;;  # internal: one backend
	-h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs needs a number >= 1"
export BENCH_RUNS=$RUNS
[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"

# ---- helpers
median() {  # median V...: the middle value (mean of the two middle ones)
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "null"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
# timed CMD...: run CMD (output dropped), its wall time in ms into T
timed() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null || return 1
	t1=$EPOCHREALTIME
	T=$(ms "$t0" "$t1")
}
wait_until() {  # wait_until TENTHS CMD...
	local n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
jarr() { printf '%s\n' "$@" | jq -s -c .; }   # numbers -> JSON array
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }

# The writer, run in the container by busybox sh (its ash has
# $EPOCHREALTIME, the same clock as the host's).  Files under /bench.
WRITER='# bench/snapshot.sh: the writer (busybox sh, in the container)
mode=$1
case $mode in
init)   # the files the runs rewrite in place: init MB FILES
	mkdir -p /bench/s || exit 1
	dd if=/dev/zero of=/bench/stream bs=1M count=$2 conv=fsync 2>/dev/null || exit 1
	i=0
	while [ $i -lt $3 ]; do
		dd if=/dev/zero of=/bench/s/$i bs=16k count=1 conv=fsync 2>/dev/null || exit 1
		i=$((i + 1))
	done ;;
stream) # stream MB: one dd rewriting the file, fsync at its end
	t0=$EPOCHREALTIME
	dd if=/dev/zero of=/bench/stream bs=1M count=$2 conv=notrunc,fsync 2>/dev/null || exit 1
	echo "$t0 $EPOCHREALTIME" ;;
small)  # small FILES: each file rewritten by a dd of its own, fsync each
	t0=$EPOCHREALTIME; i=0
	while [ $i -lt $2 ]; do
		dd if=/dev/zero of=/bench/s/$i bs=16k count=1 conv=notrunc,fsync 2>/dev/null || exit 1
		i=$((i + 1))
	done
	echo "$t0 $EPOCHREALTIME" ;;
beat)   # beat stream MB | beat small FILES: write until /bench/stop, a
	# timestamp per write (1 MiB chunk or 16 KiB file) into /bench/beats
	rm -f /bench/stop /bench/beats; i=0
	while [ ! -e /bench/stop ]; do
		if [ "$2" = stream ]; then
			dd if=/dev/zero of=/bench/stream bs=1M count=1 seek=$((i % $3)) conv=notrunc,fsync 2>/dev/null || exit 1
		else
			dd if=/dev/zero of=/bench/s/$((i % $3)) bs=16k count=1 conv=notrunc,fsync 2>/dev/null || exit 1
		fi
		echo $EPOCHREALTIME >>/bench/beats
		i=$((i + 1))
	done ;;
*) echo "writer: unknown mode $mode" >&2; exit 2 ;;
esac
'

# ======================================================================
# One backend, in a process of its own (--backend B OUT): brings up its pool
# (and VM), writes its results as one JSON object into OUT, takes it all
# down.  Exit 3: skipped (the reason in OUT.skip).
if [ -n "$one" ]; then
	[ -n "$out" ] || usage
	pool_master="" vm_started="" bg=""
	cleanup() {
		local rc=$?
		set +e
		[ -z "$bg" ] || { kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; }
		if [ -n "$vm_started" ]; then
			"$VMSH" stop >/dev/null 2>&1 || say "vm.sh stop failed"
		fi
		# only our own pool (another run may have replaced it)
		if [ -n "$pool_master" ] && [ "$(cat "$POOL/master/master.pid" 2>/dev/null)" = "$pool_master" ]; then
			"$POOLSH" down >/dev/null 2>&1 || say "pool.sh down failed"
		fi
		rm -f "$out.pool" "$out.vm"
		exit $rc
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP

	pool_up() {  # pool_up STORAGE
		[ ! -e "$POOL/hosts" ] || die "a pool is up in $POOL: run '$POOLSH down' first"
		CORRAL_POOL_POLL=3600 "$POOLSH" up 1 --storage "$1" >/dev/null ||
			die "pool.sh up 1 --storage $1 failed"
		pool_master=$(cat "$POOL/master/master.pid")
		echo "$pool_master" >"$out.pool"     # for the parent's clean-up
		set -a; . "$POOL/env"; set +a
	}
	corral() { "$BUILD/corral" "$@"; }

	case $one in
	btrfs|dir)
		HOST=h1
		say "$one: pool of 1 host"
		pool_up "$one"
		LXCP=$("$POOLSH" lxcpath h1)
		"$POOLSH" create h1 "$CT" >/dev/null || die "$one: pool.sh create h1 $CT failed"
		RFS=$(sed -n 's/^lxc.rootfs.path = \(dir:\)\{0,1\}//p' "$LXCP/$CT/config" | tail -n 1)
		HOLDF=$("$POOLSH" storage h1)/.corral-snap/.hold.$CT
		ct() { "$POOLSH" exec h1 lxc-attach -P "$LXCP" -n "$CT" -- sh /bench/w.sh "$@"; }
		ct_put() { "$POOLSH" exec h1 lxc-attach -P "$LXCP" -n "$CT" -- sh -c 'mkdir -p /bench && cat >/bench/w.sh'; }
		;;
	lvm)
		HOST=vm
		[ -x "$VMSH" ] || { echo "no $VMSH" >"$out.skip"; exit 3; }
		command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64" >"$out.skip"; exit 3; }
		vm() { "$VMSH" exec "$@"; }
		# a free port on 127.0.0.1 for the guest slave (tests/vm/lvm.sh
		# uses 17022, smoke.sh 17123, vm.sh's agents 17222-17421)
		port=${BENCH_VM_PORT:-17031}
		while [ -n "$(ss -Htln "sport = :$port")" ]; do
			port=$((port + 1)); [ "$port" -lt 17100 ] || die "lvm: no free port for the guest slave"
		done
		say "lvm: pool of 1 host (for its master), VM in $CORRAL_VM_DIR"
		pool_up dir
		[ -z "$("$VMSH" console path 2>/dev/null)" ] || die "lvm: a VM runs in $CORRAL_VM_DIR already"
		vm_started=1; : >"$out.vm"
		if ! "$VMSH" start --disk-mb "$VM_DISK_MB" --fwd "$port:7022" >"$out.vmlog" 2>&1; then
			{ echo "vm.sh start failed:"; tail -n 5 "$out.vmlog"; } >"$out.skip"
			exit 3
		fi
		# the guest slave, as tests/vm/lvm.sh makes it
		. "$ROOT/tests/vm/lvm-slave.bash"
		lvm_slave_setup 2>"$out.vmlog" ||
			{ { echo "guest set-up:"; tail -n 3 "$out.vmlog"; } >"$out.skip"; exit 3; }
		lvm_slave_start || die "lvm: the guest slave did not start"
		lvm_slave_join "$port" || die "lvm: the guest slave did not join"
		say "lvm: corral create vm $CT --size $LVM_SIZE --start (lxc-create under TCG: ~30 s)"
		corral create vm "$CT" --size "$LVM_SIZE" --start >/dev/null || die "lvm: corral create failed"
		wait_until 300 vm "lxc-attach -P $G/lxc -n $CT -- true" || die "lvm: cannot attach to $CT"
		ct() { vm "lxc-attach -P $G/lxc -n $CT -- sh /bench/w.sh $*"; }
		ct_put() {
			vm "echo $(base64 -w0) | base64 -d | lxc-attach -P $G/lxc -n $CT -- sh -c 'mkdir -p /bench && cat >/bench/w.sh'"
		}
		;;
	*) die "unknown backend '$one' (btrfs, dir, lvm)" ;;
	esac

	printf '%s' "$WRITER" | ct_put || die "$one: cannot put the writer into the container"
	say "$one: writing the files ($MB MiB + $FILES x 16 KiB)"
	ct init "$MB" "$FILES" || die "$one: the writer's init failed"
	js=$(corral snapshot "$HOST" "$CT" --status --json) || die "$one: snapshot --status: $js"
	backend=$(jq -r .backend <<<"$js")
	[ "$backend" = "$one" ] || die "$one: the slave reports backend '$backend'"
	snap() { corral snapshot "$HOST" "$CT" "$@"; }

	# ---- 1. take / drop / status round trips, idle running container
	say "$one: take/drop/status x $RUNS"
	st=() tk=() dr=() kind="" how=""
	for i in $(seq "$RUNS"); do
		timed snap --status || die "$one: snapshot --status failed"; st+=("$T")
		timed snap || die "$one: snapshot (take) failed"; tk+=("$T")
		if [ "$i" = 1 ]; then
			kind=$(snap --status --json | jq -r .state)
			case $kind in snapshot|frozen) ;; *) die "$one: the snapshot's state is '$kind'" ;; esac
			# dir: how the slave froze it (its hold file's first line)
			[ "$one" != dir ] || how=$(head -n 1 "$HOLDF" 2>/dev/null || true)
		fi
		timed snap --drop || die "$one: snapshot --drop failed"; dr+=("$T")
	done

	# ---- 2. the writer without and with a snapshot held
	rate() {  # rate AMOUNT "T0 T1": AMOUNT per second
		local a b; read -r a b <<<"$2"
		[ -n "$b" ] || return 1
		awk -v n="$1" -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", n / (b - a) }'
	}
	sn=() sh=() fn=() fh=() dh=() r=""
	plain() {
		r=$(ct stream "$MB") && r=$(rate "$MB" "$r") || die "$one: stream writer failed"; sn+=("$r")
		r=$(ct small "$FILES") && r=$(rate "$FILES" "$r") || die "$one: small writer failed"; fn+=("$r")
	}
	held() {
		snap >/dev/null || die "$one: snapshot (take) failed"
		r=$(ct stream "$MB") && r=$(rate "$MB" "$r") || die "$one: stream writer failed"; sh+=("$r")
		r=$(ct small "$FILES") && r=$(rate "$FILES" "$r") || die "$one: small writer failed"; fh+=("$r")
		timed snap --drop || die "$one: snapshot --drop failed"; dh+=("$T")
	}
	# dir: held = frozen; the writer loops, logging a timestamp per write
	fz_s=() fz_f=() in_s=() in_f=() pre_s=() pre_f=() span=()
	frozen() {  # frozen stream|small
		local k=$1 n t0 ta tb t1 res
		[ "$k" = stream ] && n=$MB || n=$FILES
		rm -f "$RFS/bench/beats" "$RFS/bench/stop"
		ct beat "$k" "$n" </dev/null >/dev/null 2>&1 &
		bg=$!
		# 0.5 s of writing first
		wait_until 100 test -s "$RFS/bench/beats" || die "dir: the $k writer did not start"
		sleep 0.5
		t0=$EPOCHREALTIME; snap >/dev/null || die "dir: snapshot (freeze) failed"; ta=$EPOCHREALTIME
		sleep "$HOLD"
		tb=$EPOCHREALTIME; snap --drop >/dev/null || die "dir: snapshot --drop failed"; t1=$EPOCHREALTIME
		sleep 0.5
		touch "$RFS/bench/stop"
		wait "$bg" || die "dir: the $k writer failed"
		bg=""
		# writes while held (after the freeze returned, before the drop
		# began); the longest pause between two writes; the rate before
		res=$(awk -v t0="$t0" -v ta="$ta" -v tb="$tb" '
			{ if ($1 > ta && $1 < tb) held++
			  if (NR > 1 && $1 - prev > gap) gap = $1 - prev
			  if (NR == 1) first = $1
			  if ($1 < t0) { pre++; last = $1 }
			  prev = $1 }
			END { printf "%d %.3f %.2f\n", held, gap, (last > first ? (pre - 1) / (last - first) : 0) }' \
			"$RFS/bench/beats")
		read -r a b c <<<"$res"
		if [ "$k" = stream ]; then in_s+=("$a"); fz_s+=("$b"); pre_s+=("$c")
		else in_f+=("$a"); fz_f+=("$b"); pre_f+=("$c"); fi
		span+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
	}
	say "$one: writers without and with a snapshot x $RUNS"
	for i in $(seq "$RUNS"); do
		if [ "$one" = dir ]; then
			plain; frozen stream; frozen small
		elif [ $((i % 2)) = 1 ]; then
			plain; held
		else
			held; plain
		fi
	done

	m() { median "$@"; }
	common=$(jq -n --arg b "$one" --arg host "$HOST" --arg kind "$kind" \
		--argjson st "$(m "${st[@]}")" --argjson tk "$(m "${tk[@]}")" --argjson dr "$(m "${dr[@]}")" \
		--argjson sn "$(m "${sn[@]}")" --argjson fn "$(m "${fn[@]}")" \
		--argjson sts "$(jarr "${st[@]}")" --argjson tks "$(jarr "${tk[@]}")" --argjson drs "$(jarr "${dr[@]}")" \
		--argjson sns "$(jarr "${sn[@]}")" --argjson fns "$(jarr "${fn[@]}")" \
		'{backend: $b, host: $host, held_as: $kind,
		  status_ms: $st, take_ms: $tk, drop_ms: $dr,
		  take_minus_status_ms: (($tk - $st) * 10 | round / 10),
		  drop_minus_status_ms: (($dr - $st) * 10 | round / 10),
		  stream_mibps: $sn, small_fps: $fn,
		  samples: {status_ms: $sts, take_ms: $tks, drop_ms: $drs, stream_mibps: $sns, small_fps: $fns}}')
	if [ "$one" = dir ]; then
		# held: what the looping writer wrote while frozen, per second
		ws=$(sum "${in_s[@]}") wf=$(sum "${in_f[@]}")
		hs=$(awk -v n="$ws" -v h="$HOLD" -v r="$RUNS" 'BEGIN { printf "%.2f", n / (h * r) }')
		hf=$(awk -v n="$wf" -v h="$HOLD" -v r="$RUNS" 'BEGIN { printf "%.2f", n / (h * r) }')
		jq -n --argjson c "$common" --arg how "$how" --argjson hold "$HOLD" \
			--argjson hs "$hs" --argjson hf "$hf" --argjson ws "$ws" --argjson wf "$wf" \
			--argjson fzs "$(m "${fz_s[@]}")" --argjson fzf "$(m "${fz_f[@]}")" \
			--argjson ps "$(m "${pre_s[@]}")" --argjson pf "$(m "${pre_f[@]}")" \
			--argjson sp "$(m "${span[@]}")" \
			--argjson fzss "$(jarr "${fz_s[@]}")" --argjson fzfs "$(jarr "${fz_f[@]}")" \
			'$c + {freeze_method: (if $how == "lxc" then "liblxc freezer" elif ($how | startswith("sigstop")) then "SIGSTOP" else $how end),
			  stream_mibps_held: $hs, small_fps_held: $hf,
			  stream_ratio: (if $c.stream_mibps > 0 then $hs / $c.stream_mibps else 0 end),
			  small_ratio: (if $c.small_fps > 0 then $hf / $c.small_fps else 0 end),
			  frozen: {hold_s: $hold, take_to_drop_s: $sp,
			    writer_stall_s: {stream: $fzs, small: $fzf},
			    writes_while_held: {stream_chunks: $ws, small_files: $wf},
			    loop_rate_before: {stream_mibps: $ps, small_fps: $pf}},
			  samples: ($c.samples + {stall_stream_s: $fzss, stall_small_s: $fzfs})}' >"$out"
	else
		jq -n --argjson c "$common" \
			--argjson sh "$(m "${sh[@]}")" --argjson fh "$(m "${fh[@]}")" --argjson dh "$(m "${dh[@]}")" \
			--argjson shs "$(jarr "${sh[@]}")" --argjson fhs "$(jarr "${fh[@]}")" --argjson dhs "$(jarr "${dh[@]}")" \
			'$c + {stream_mibps_held: $sh, small_fps_held: $fh,
			  stream_ratio: ($sh / $c.stream_mibps * 100 | round / 100),
			  small_ratio: ($fh / $c.small_fps * 100 | round / 100),
			  drop_after_writes_ms: $dh,
			  samples: ($c.samples + {stream_mibps_held: $shs, small_fps_held: $fhs, drop_after_writes_ms: $dhs})}' >"$out"
	fi
	say "$one: done"
	exit 0
fi

# ======================================================================
# The whole run: each backend in a child process, then the report.
[ ! -e "$POOL/hosts" ] || die "a pool is up in $POOL ($(cat "$POOL/hosts") hosts): run '$POOLSH down' first"
for b in corral corral-master corral-slave; do
	[ -x "$BUILD/$b" ] || { make -s -C "$ROOT" all >&2; break; }
done
W=$(mktemp -d /tmp/corral-bench-snapshot.XXXXXX)
child=""
main_cleanup() {
	local rc=$? f
	set +e
	if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
	# a child killed hard leaves its pool (and VM): take down what is ours
	for f in "$W"/*.pool; do
		[ -f "$f" ] || continue
		[ "$(cat "$POOL/master/master.pid" 2>/dev/null)" != "$(cat "$f")" ] || "$POOLSH" down >/dev/null 2>&1
	done
	[ ! -e "$W/lvm.json.vm" ] || "$VMSH" stop >/dev/null 2>&1
	rm -rf "$W"
	exit $rc
}
trap main_cleanup EXIT
trap 'exit 130' INT TERM HUP

declare -A STATUS
for b in $BACKENDS; do
	rc=0
	"$BASH" "$SELF" --backend "$b" "$W/$b.json" &
	child=$!
	wait "$child" || rc=$?
	child=""
	case $rc in
	0) STATUS[$b]=ok ;;
	3) STATUS[$b]="skipped (tests/vm not available)"
	   say "lvm: skipped (tests/vm not available): $(tr '\n' ' ' <"$W/$b.json.skip")"
	   jq -n --arg b "$b" --arg r "$(cat "$W/$b.json.skip")" \
		'{backend: $b, skipped: "tests/vm not available", reason: $r}' >"$W/$b.json" ;;
	130) exit 130 ;;
	*) STATUS[$b]="failed (exit $rc, see the messages above)"
	   jq -n --arg b "$b" --arg r "${STATUS[$b]}" '{backend: $b, failed: $r}' >"$W/$b.json" ;;
	esac
done

report=$(for b in $BACKENDS; do cat "$W/$b.json"; done |
	jq -s --argjson runs "$RUNS" --argjson mb "$MB" --argjson files "$FILES" --argjson hold "$HOLD" \
		--arg cpus "$(nproc)" --arg kernel "$(uname -r)" \
		'{bench: "snapshot", runs: $runs, stream_mib: $mb, small_files: $files, small_kib: 16,
		  hold_s: $hold, cpus: ($cpus | tonumber), kernel: $kernel,
		  backends: (map({key: .backend, value: (del(.backend))}) | from_entries)}')
if [ "$json" = 1 ]; then
	echo "$report"
	exit 0
fi

f() { jq -r "$1" <<<"$report"; }
echo "corral snapshot of a running busybox container, median of $RUNS runs ($(nproc) CPUs)"
echo
echo "1. round trips, CLI -> master -> slave -> back (ms)"
printf '%-7s %9s %9s %9s %12s %12s\n' backend status take drop "take-status" "drop-status"
for b in $BACKENDS; do
	if [ "${STATUS[$b]}" != ok ]; then printf '%-7s %s\n' "$b" "${STATUS[$b]}"; continue; fi
	f ".backends.$b | [\"$b\", .status_ms, .take_ms, .drop_ms, .take_minus_status_ms, .drop_minus_status_ms] | @tsv" |
		awk -F'\t' '{ printf "%-7s %9.1f %9.1f %9.1f %12.1f %12.1f\n", $1, $2, $3, $4, $5, $6 }'
done
echo "   (dir: take = freeze, drop = thaw; lvm: the slave runs in a VM under TCG, behind qemu's port forwarding)"
echo
echo "2. writer in the container without / with a snapshot held"
printf '%-7s %27s   %30s\n' "" "stream: MiB/s ($MB MiB, fsync)" "small: files/s (16 KiB, fsync)"
printf '%-7s %9s %9s %7s   %10s %10s %7s\n' backend none held ratio none held ratio
for b in $BACKENDS; do
	[ "${STATUS[$b]}" = ok ] || { printf '%-7s %s\n' "$b" "${STATUS[$b]}"; continue; }
	f ".backends.$b | [\"$b\", .stream_mibps, .stream_mibps_held, .stream_ratio, .small_fps, .small_fps_held, .small_ratio] | @tsv" |
		awk -F'\t' '{ printf "%-7s %9.1f %9.1f %7.2f   %10.1f %10.1f %7.2f\n", $1, $2, $3, $4, $5, $6, $7 }'
done
for b in $BACKENDS; do
	[ "${STATUS[$b]}" = ok ] || continue
	case $(f ".backends.$b.held_as") in
	frozen)
		f "def r(n): . * pow(10; n) | round / pow(10; n);
		   .backends.$b | \"   $b: held = the container frozen (\(.freeze_method)), here for \(.frozen.hold_s) s: the writer stops;
      written while held: \(.frozen.writes_while_held.stream_chunks) chunks, \(.frozen.writes_while_held.small_files) files (in $RUNS runs);
      the freeze as the writer saw it (its longest stall): \(.frozen.writer_stall_s.stream | r(2)) s (stream), \(.frozen.writer_stall_s.small | r(2)) s (small),
      take to drop done: \(.frozen.take_to_drop_s | r(2)) s; before it the looping writer ran at
      \(.frozen.loop_rate_before.stream_mibps | r(1)) MiB/s (1 MiB chunks, fsync each) and \(.frozen.loop_rate_before.small_fps | r(1)) files/s\"" ;;
	snapshot)
		f ".backends.$b | \"   $b: each held run on a fresh snapshot; drop after the writes \(.drop_after_writes_ms * 10 | round / 10) ms\"" ;;
	esac
done
for b in $BACKENDS; do
	case ${STATUS[$b]} in skipped*) echo "$b: ${STATUS[$b]}" ;; esac
done
