#!/bin/busybox sh
# PID 1 of the test VM (tests/vm/vm.sh) once the initramfs has put the
# overlay of the host's tree in place: the guest's own /run, /dev/pts,
# cgroups (v2, or v1 with corral.cgroup=v1 on the kernel's command line),
# the kernel's modules at /lib/modules/$(uname -r), LVM without udev, the network of qemu's user mode (10.0.2.15/24, gateway 10.0.2.2),
# then the command agent (agent.sh) on guest port 2222.  busybox sh runs
# its own applets (mount, ip, ...): static, they start ten times faster
# than dynamic programs under TCG.
exec </dev/null >/dev/console 2>&1
# /tmp stays the overlay's: the host's /tmp (a work tree there, say) is
# seen at the same path, and what the guest writes stays in the guest
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
say() { echo "corral-vm: $*"; }
arg() { sed -n "s/.* corral\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/lock /run/lvm
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
if [ "$(arg cgroup)" = v1 ]; then
	# vm.sh start --cgroup v1: the legacy hierarchies corral's limits
	# use, each of its own under a tmpfs (a controller attached here
	# cannot be in a v2 hierarchy too: none is mounted)
	mount -t tmpfs -o mode=0755,nosuid,nodev,noexec cgroup /sys/fs/cgroup
	for c in memory cpu,cpuacct pids; do
		mkdir -p "/sys/fs/cgroup/$c"
		mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" ||
			say "could not mount the cgroup v1 hierarchy $c"
	done
	ln -s cpu,cpuacct /sys/fs/cgroup/cpu
	ln -s cpu,cpuacct /sys/fs/cgroup/cpuacct
else
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	# every controller for LXC's cgroups
	sed 's/\([^ ]*\)/+\1/g' /sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control ||
		say "could not enable the cgroup controllers"
fi

# modprobe finds the unpacked kernel's modules (on the host's tree)
mkdir -p "/lib/modules/$(uname -r)"
mount --bind "$(arg kmods)" "/lib/modules/$(uname -r)" || say "no modules in '$(arg kmods)'"

# no udev here: libdevmapper and LVM make the /dev nodes themselves, and
# nothing runs dmeventd
export DM_DISABLE_UDEV=1
cat >/etc/lvm/lvmlocal.conf <<'LVM'
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
devices {
	obtain_device_list_from_udev = 0
}
LVM

hostname corral-vm
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up &&
	ip route add default via 10.0.2.2 || say "network setup failed"

# serve commands (a background job of this shell has SIGINT and SIGQUIT
# ignored, and busybox nc ignores SIGCHLD: every signal to its default)
/usr/bin/env --default-signal busybox nc -ll -p 2222 -e /bin/busybox sh "${0%/*}/agent.sh" &
# vm.sh start waits for this line (its port 2222 is 08AE in /proc/net/tcp*)
while ! cat /proc/net/tcp /proc/net/tcp6 | grep -q ':08AE 0*:0000 0A '; do sleep 0.1; done
say "up $(cut -d' ' -f1 /proc/uptime)s after boot"
# PID 1 reaps orphans until qemu is killed
while :; do wait; sleep 1; done
