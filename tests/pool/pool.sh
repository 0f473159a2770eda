#!/usr/bin/env bash
# A corral pool on one machine: one network namespace per slave host, veth
# links to a bridge in the root namespace, each slave with its own lxcpath,
# storage, keys and config; one master in the root namespace.
# Containers have two networks: br0 in each host, $CTNET.K.0/24 (host K's
# own), and ctbr0 in each host, all joined into one layer-2 segment by a
# bridge in the root namespace, $SHNET.0.0/16 (gateway .0.1 in the root
# namespace, host K's ctbr0 .255.K): an address there answers on any host.
# The master's networks.conf lists both kinds, its create.conf puts
# containers on br0 by default.
#
#   pool.sh up N [--storage KIND] [--store-fs FS]
#                                       start h1..hN (namespaces corral-h1..)
#                                       and a master; write $POOL/env
#   pool.sh down                        remove everything `up` made
#   pool.sh stop|start hK|master        stop or start one daemon
#   pool.sh lxcpath hK                  print hK's lxcpath
#   pool.sh storage hK                  print hK's storage root
#   pool.sh store                       print the master's store
#   pool.sh exec hK CMD [ARG...]        run CMD inside hK's namespace
#   pool.sh link hK down|up             cut or restore hK's link (its veth
#                                       on the bridge): its daemons keep
#                                       running, every packet is lost
#   pool.sh create hK NAME [--stopped]  a busybox container on hK, started
#   pool.sh status                      what is running
#
# The interface is fixed: benchmarks and outside checks drive it.  `up`
# twice, or `down` with nothing up, is harmless.  $POOL is /run/corral-pool
# (CORRAL_POOL_DIR overrides it); env holds CORRAL_CONF and PATH.
# KIND: dir (the default: the dir backend in $POOL, on whatever file system
# holds it), btrfs (the btrfs backend), ext4, xfs or btrfs-dir (the dir
# backend on a file system of its own: ext4, xfs, btrfs).  Every kind but
# dir gets a loop device of $CORRAL_POOL_FS_SIZE (2G;
# $CORRAL_POOL_BTRFS_SIZE is the older name) with a fresh file system.
# The master's store is a file system of its own: FS is btrfs (the
# default), xfs or ext4, on a loop device of
# $CORRAL_POOL_STORE_SIZE (4G).  `create` passes $CREATE_SIZE to `corral
# create --size` when set.
# $CORRAL_POOL_ID (0 to 4, 0 by default) lets pools run side by side:
# pool N > 0 has its own directory (/run/corral-poolN), namespaces and
# links (corralN-hK, ...) and networks (10.(213+10N).0/24, ...); env
# gives its host links' prefix (CORRAL_POOL_NET: the master .1, hK
# .(10+K)), its shared segment's (CORRAL_POOL_SHNET) and its namespaces'
# prefix (CORRAL_POOL_NS: hK's is $CORRAL_POOL_NS-hK).
set -euo pipefail
# the slaves refuse key files and directories that group or others may write
umask 022

ID=${CORRAL_POOL_ID:-0}
case "$ID" in [0-4]) ;; *) echo "pool.sh: CORRAL_POOL_ID must be 0..4" >&2; exit 2 ;; esac
SFX=${ID#0}           # "" for pool 0: its names as they always were
POOL=${CORRAL_POOL_DIR:-/run/corral-pool$SFX}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CORRAL_BUILD:-$ROOT/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd || echo "$BUILD")
TAG=corral$SFX        # namespaces $TAG-hK, root-side links $TAG-hK, $TAG-sK
BR=$TAG-br0
NET=10.$((213 + 10 * ID)).0     # host links: master .1, hK .(10+K)
CTNET=10.$((214 + 10 * ID))     # containers of hK: $CTNET.K.0/24, bridge .1
SHBR=$TAG-ct0         # the shared container segment's root bridge
SHNET=10.$((215 + 10 * ID))     # containers of any host: $SHNET.0.0/16 on ctbr0
PORT=7022
POLL_INTERVAL=${CORRAL_POOL_POLL:-2}

die() { echo "pool.sh: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

# Wait until a command succeeds, polling, for at most $1 tenths of a second.
wait_for() {
	local n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# alive PID: running, not a zombie waiting to be reaped
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

host_num() {
	case "$1" in
	h[0-9]*) echo "${1#h}" ;;
	*) die "'$1' is not a pool host (h1, h2, ...)" ;;
	esac
}
host_dir() { echo "$POOL/$1"; }

# `ip netns exec` mounts a fresh sysfs on /sys for the namespace's devices,
# which hides the cgroup file systems under it: without them LXC gives the
# host's containers no cgroup (no limits, no freezer).  The root
# namespace's cgroup mounts are mounted again there, the same hierarchies.
mirror_cgroups() {
	local id par dev root mnt opts rest fstype src sopts
	mountpoint -q /sys/fs/cgroup && return 0
	while read -r id par dev root mnt opts rest; do
		fstype=${rest#*- }; fstype=${fstype%% *}
		sopts=${rest##* }
		case "$fstype:$mnt" in
		tmpfs:/sys/fs/cgroup) mount -t tmpfs -o mode=755 cgroup "$mnt" ;;
		cgroup2:/sys/fs/cgroup*|cgroup:/sys/fs/cgroup/*)
			mkdir -p "$mnt"; mount -t "$fstype" -o "$sopts" cgroup "$mnt" ;;
		esac
	done </proc/1/mountinfo
}
# ns_exec NS CMD...: CMD in namespace NS, with the cgroups mounted, in
# place of the calling shell (a daemon keeps the PID `$!` gave)
ns_exec() {
	local ns=$1; shift
	exec ip netns exec "$ns" bash -c "$(declare -f mirror_cgroups); mirror_cgroups; exec \"\$@\"" ns_exec "$@"
}
host_ns() { echo "$TAG-$1"; }
nhosts() { cat "$POOL/hosts" 2>/dev/null || echo 0; }

write_slave_conf() {
	local h=$1 d storage_spec
	d=$(host_dir "$h")
	storage_spec="dir:$d/storage"
	[ "$(cat "$POOL/storage")" = btrfs ] && storage_spec="btrfs:$d/storage"
	cat >"$d/corral.conf" <<EOF
# corral-slave $h of the test pool
listen = 0.0.0.0
port = $PORT
host_key = $d/ssh_host_ed25519_key
authorized_keys = $d/authorized_keys
lxcpath = $d/lxc
storage = $storage_spec
log_level = info
EOF
}

# A fresh file system FS in image IMG of SIZE on a loop device, mounted at
# DIR; the loop device is written to LOOPFILE for `down`.
fs_on_loop() {
	local fs=$1 img=$2 size=$3 dir=$4 loopfile=$5 loop
	mkdir -p "$dir"
	truncate -s "$size" "$img"
	case "$fs" in
	btrfs) mkfs.btrfs -q "$img" >/dev/null ;;
	ext4) mkfs.ext4 -q -F "$img" >/dev/null ;;
	xfs) mkfs.xfs -q -f "$img" >/dev/null ;;
	esac
	# direct I/O: the image's pages are not cached a second time
	loop=$(losetup --find --show --direct-io=on "$img")
	echo "$loop" >"$loopfile"
	mount "$loop" "$dir"
}

# networks.conf: each host's own network, then the shared one; create.conf:
# busybox containers, on br0 unless networks.conf says otherwise.
write_net_confs() {
	local n=$1 k
	{
		echo "# the test pool's container networks"
		for k in $(seq 1 "$n"); do
			echo "br0,$CTNET.$k.0/24,$CTNET.$k.1"
		done
		echo "ctbr0,$SHNET.0.0/16,$SHNET.0.1,pool.test"
	} >"$POOL/master/networks.conf"
	cat >"$POOL/master/create.conf" <<EOF
# defaults of containers made in the test pool
device = br0
method = lxc-template
template = busybox
EOF
}

setup_storage() {
	local h=$1 d kind
	d=$(host_dir "$h")
	kind=$(cat "$POOL/storage")
	mkdir -p "$d/storage" "$d/lxc"
	[ "$kind" != dir ] || return 0
	[ "$kind" != btrfs-dir ] || kind=btrfs
	fs_on_loop "$kind" "$d/$kind.img" \
		"${CORRAL_POOL_FS_SIZE:-${CORRAL_POOL_BTRFS_SIZE:-2G}}" \
		"$d/storage" "$d/loop"
}

# The master's store: a fresh file system of its own on a loop device.
setup_store() {
	local d=$POOL/master
	fs_on_loop "$1" "$d/store.img" "${CORRAL_POOL_STORE_SIZE:-4G}" \
		"$d/store" "$d/store.loop"
	chmod 0700 "$d/store"
}

start_slave() {
	local h=$1 d ns
	d=$(host_dir "$h")
	ns=$(host_ns "$h")
	if [ -f "$d/slave.pid" ] && alive "$(cat "$d/slave.pid")"; then
		return 0
	fi
	# the daemons outlive this script: they must not inherit its other
	# descriptors (a caller's flock on the pool lock would stay held)
	ns_exec "$ns" "$BUILD/corral-slave" -f -c "$d/corral.conf" \
		>>"$d/slave.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- 10>&- 11>&- 12>&- &
	echo $! >"$d/slave.pid"
	wait_for 100 ip netns exec "$ns" sh -c "ss -ltn | grep -q ':$PORT '" ||
		die "$h: corral-slave did not start (see $d/slave.log)"
}

stop_pid() {
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		wait_for 100 sh -c "! kill -0 $pid 2>/dev/null || grep -q ') Z' /proc/$pid/stat" ||
			kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

start_master() {
	local d=$POOL/master
	if [ -f "$d/master.pid" ] && alive "$(cat "$d/master.pid")"; then
		return 0
	fi
	# a dead master's socket: the new one's own, or its start failed
	# (one still exiting holds it: "another corral-master is serving")
	rm -f "$d/master.sock"
	"$BUILD/corral-master" -f -c "$d/corral.conf" >>"$d/master.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- 10>&- 11>&- 12>&- &
	echo $! >"$d/master.pid"
	wait_for 100 test -S "$d/master.sock" ||
		die "corral-master did not start (see $d/master.log)"
}

cmd_up() {
	local n=${1:-}; shift || true
	local storage=dir storefs=btrfs k h d ns
	while [ $# -gt 0 ]; do
		case "$1" in
		--storage) storage=${2:-}; shift 2 ;;
		--storage=*) storage=${1#*=}; shift ;;
		--store-fs) storefs=${2:-}; shift 2 ;;
		--store-fs=*) storefs=${1#*=}; shift ;;
		*) die "up: unknown option '$1'" ;;
		esac
	done
	case "$n" in ''|*[!0-9]*) die "usage: pool.sh up N [--storage dir|btrfs|ext4|xfs|btrfs-dir] [--store-fs btrfs|xfs|ext4]" ;; esac
	[ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "up: N must be 1..200"
	case "$storage" in dir|btrfs|ext4|xfs|btrfs-dir) ;; *) die "up: --storage must be dir, btrfs, ext4, xfs or btrfs-dir" ;; esac
	case "$storefs" in btrfs|ext4|xfs) ;; *) die "up: --store-fs must be btrfs, xfs or ext4" ;; esac
	need_root
	if [ -f "$POOL/hosts" ]; then
		[ "$(nhosts)" = "$n" ] && [ "$(cat "$POOL/storage")" = "$storage" ] &&
			[ "$(cat "$POOL/store-fs")" = "$storefs" ] ||
			die "a pool of $(nhosts) hosts ($(cat "$POOL/storage"), store on $(cat "$POOL/store-fs")) is up; run 'pool.sh down' first"
		# already up: make sure every daemon runs
		for k in $(seq 1 "$n"); do start_slave "h$k"; done
		start_master
		return 0
	fi
	for b in corral-slave corral-master corral; do
		[ -x "$BUILD/$b" ] || make -s -C "$ROOT" all >/dev/null
	done
	mkdir -p "$POOL/master"
	echo "$storage" >"$POOL/storage"
	echo "$storefs" >"$POOL/store-fs"
	echo "$n" >"$POOL/hosts"
	setup_store "$storefs"
	# the master's identity and the root-namespace bridge
	ssh-keygen -q -t ed25519 -N '' -C corral-master -f "$POOL/master/id_ed25519"
	ip link add "$BR" type bridge 2>/dev/null || true
	ip addr replace "$NET.1/24" dev "$BR"
	ip link set "$BR" up
	ip link add "$SHBR" type bridge 2>/dev/null || true
	ip addr replace "$SHNET.0.1/16" dev "$SHBR"
	ip link set "$SHBR" up
	: >"$POOL/master/slaves.conf"
	write_net_confs "$n"
	for k in $(seq 1 "$n"); do
		h=h$k; d=$(host_dir "$h"); ns=$(host_ns "$h")
		mkdir -p "$d"
		ip netns add "$ns"
		ip link add "$TAG-$h" type veth peer name eth0 netns "$ns"
		ip link set "$TAG-$h" master "$BR" up
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$NET.$((10 + k))/24" dev eth0
		ip -n "$ns" link set eth0 up
		# the bridge containers of this host attach to
		ip -n "$ns" link add br0 type bridge
		ip -n "$ns" addr add "$CTNET.$k.1/24" dev br0
		ip -n "$ns" link set br0 up
		# and its leg of the shared segment
		ip link add "$TAG-s$k" type veth peer name eth1 netns "$ns"
		ip link set "$TAG-s$k" master "$SHBR" up
		ip -n "$ns" link add ctbr0 type bridge
		ip -n "$ns" link set eth1 master ctbr0 up
		ip -n "$ns" addr add "$SHNET.255.$k/16" dev ctbr0
		ip -n "$ns" link set ctbr0 up
		setup_storage "$h"
		cp "$POOL/master/id_ed25519.pub" "$d/authorized_keys"
		write_slave_conf "$h"
		echo "$h:address=$NET.$((10 + k)),port=$PORT" >>"$POOL/master/slaves.conf"
	done
	cat >"$POOL/master/corral.conf" <<EOF
# corral-master of the test pool
socket = $POOL/master/master.sock
inventory = $POOL/master/inventory.db
slaves = $POOL/master/slaves.conf
backup = $POOL/master/backup.conf
backup_store = $POOL/master/backup
store = $POOL/master/store
key = $POOL/master/id_ed25519
known_hosts = $POOL/master/known_hosts
poll_interval = $POLL_INTERVAL
timeout = 3
port = $PORT
log_level = info
networks = $POOL/master/networks.conf
create = $POOL/master/create.conf
EOF
	mkdir -p "$POOL/master/backup"
	cat >"$POOL/env" <<EOF
CORRAL_CONF=$POOL/master/corral.conf
CORRAL_POOL_DIR=$POOL
CORRAL_POOL_HOSTS=$n
CORRAL_POOL_ID=$ID
CORRAL_POOL_NET=$NET
CORRAL_POOL_SHNET=$SHNET
CORRAL_POOL_NS=$TAG
PATH=$BUILD:\$PATH
EOF
	for k in $(seq 1 "$n"); do start_slave "h$k"; done
	start_master
	# accept each slave's freshly made host key, as an admin would: the
	# fingerprint read on the slave itself
	for k in $(seq 1 "$n"); do
		fp=$("$BUILD/corral-slave" -c "$(host_dir "h$k")/corral.conf" --fingerprint) ||
			die "h$k: cannot read its host key's fingerprint"
		CORRAL_CONF=$POOL/master/corral.conf "$BUILD/corral" host trust "h$k" \
			--fingerprint "$fp" >/dev/null ||
			die "h$k: could not trust its host key (see $POOL/master/master.log)"
	done
}

cmd_create() {
	local h=${1:-} name=${2:-} stopped=${3:-} k d ns ip idx rootfs
	[ -n "$h" ] && [ -n "$name" ] || die "usage: pool.sh create hK NAME [--stopped]"
	k=$(host_num "$h"); d=$(host_dir "$h"); ns=$(host_ns "$h")
	[ -d "$d" ] || die "$h is not up"
	# container addresses: .10, .11, ... in order of creation on this host
	idx=$(($(cat "$d/ct-count" 2>/dev/null || echo 0) + 1))
	echo "$idx" >"$d/ct-count"
	ip="$CTNET.$k.$((9 + idx))"
	# made by the slave on its storage backend, as an admin would
	CORRAL_CONF=$POOL/master/corral.conf "$BUILD/corral" create "$h" "$name" \
		${CREATE_SIZE:+--size "$CREATE_SIZE"} >>"$d/lxc.log" 2>&1 ||
		die "$h: corral create $name failed (see $d/lxc.log)"
	rootfs=$(sed -n 's/^lxc.rootfs.path = \(dir:\)\{0,1\}//p' "$d/lxc/$name/config" | tail -1)
	# static address on the host's bridge; busybox's udhcpc would flush it
	sed -i '/^lxc.net.0/d' "$d/lxc/$name/config"
	cat >>"$d/lxc/$name/config" <<EOF
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = $ip/24
lxc.net.0.ipv4.gateway = $CTNET.$k.1
EOF
	sed -i '/udhcpc/d' "$rootfs/etc/init.d/rcS"
	if [ "$stopped" != --stopped ]; then
		(ns_exec "$ns" lxc-start -P "$d/lxc" -n "$name") ||
			die "$h: lxc-start $name failed"
		wait_for 50 sh -c "ip netns exec $ns lxc-info -P $d/lxc -n $name -iH | grep -q ." ||
			die "$h: $name has no address"
	fi
	echo "$ip"
}

cmd_down() {
	local n k h d ns c
	need_root
	[ -d "$POOL" ] || return 0
	n=$(nhosts)
	stop_pid "$POOL/master/master.pid"
	for k in $(seq 1 "$n"); do
		h=h$k; d=$(host_dir "$h"); ns=$(host_ns "$h")
		stop_pid "$d/slave.pid"
		if [ -d "$d/lxc" ] && ip netns list | grep -qw "$ns"; then
			for c in $(ip netns exec "$ns" lxc-ls -P "$d/lxc" 2>/dev/null); do
				(ns_exec "$ns" lxc-stop -P "$d/lxc" -n "$c" -k) >/dev/null 2>&1 || true
			done
		fi
		if [ -f "$d/loop" ]; then
			umount "$d/storage" 2>/dev/null || umount -l "$d/storage" 2>/dev/null || true
			losetup -d "$(cat "$d/loop")" 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
		ip link del "$TAG-$h" 2>/dev/null || true
		ip link del "$TAG-s$k" 2>/dev/null || true
	done
	ip link del "$BR" 2>/dev/null || true
	ip link del "$SHBR" 2>/dev/null || true
	if [ -f "$POOL/master/store.loop" ]; then
		umount "$POOL/master/store" 2>/dev/null || umount -l "$POOL/master/store" 2>/dev/null || true
		losetup -d "$(cat "$POOL/master/store.loop")" 2>/dev/null || true
	fi
	rm -rf "$POOL"
}

cmd_stop() {
	case "${1:-}" in
	master) stop_pid "$POOL/master/master.pid" ;;
	h*) host_num "$1" >/dev/null; stop_pid "$(host_dir "$1")/slave.pid" ;;
	*) die "usage: pool.sh stop hK|master" ;;
	esac
}

cmd_start() {
	case "${1:-}" in
	master) start_master ;;
	h*) host_num "$1" >/dev/null; [ -d "$(host_dir "$1")" ] || die "$1 is not up"
	    start_slave "$1" ;;
	*) die "usage: pool.sh start hK|master" ;;
	esac
}

cmd_link() {
	local h=${1:-} how=${2:-}
	case "$how" in up|down) ;; *) die "usage: pool.sh link hK down|up" ;; esac
	host_num "$h" >/dev/null
	[ -d "$(host_dir "$h")" ] || die "$h is not up"
	need_root
	ip link set "$TAG-$h" "$how"
}

cmd_status() {
	local n k d
	[ -f "$POOL/hosts" ] || { echo "no pool"; return 0; }
	n=$(nhosts)
	echo "pool: $n hosts, storage $(cat "$POOL/storage"), store on $(cat "$POOL/store-fs"), env $POOL/env"
	for k in $(seq 1 "$n"); do
		d=$(host_dir "h$k")
		if [ -f "$d/slave.pid" ] && alive "$(cat "$d/slave.pid")"; then
			echo "h$k: running"
		else
			echo "h$k: stopped"
		fi
	done
	if [ -f "$POOL/master/master.pid" ] && alive "$(cat "$POOL/master/master.pid")"; then
		echo "master: running"
	else
		echo "master: stopped"
	fi
}

verb=${1:-}
shift || true
case "$verb" in
up) cmd_up "$@" ;;
down) cmd_down ;;
stop) cmd_stop "$@" ;;
start) cmd_start "$@" ;;
lxcpath) host_num "${1:-}" >/dev/null; echo "$(host_dir "$1")/lxc" ;;
storage) host_num "${1:-}" >/dev/null; echo "$(host_dir "$1")/storage" ;;
store) [ -f "$POOL/hosts" ] || die "no pool is up"; echo "$POOL/master/store" ;;
exec) h=${1:-}; host_num "$h" >/dev/null; shift; ns_exec "$(host_ns "$h")" "$@" ;;
create) cmd_create "$@" ;;
link) cmd_link "$@" ;;
status) cmd_status ;;
-h|--help|help) sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//' ;;
*) sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
