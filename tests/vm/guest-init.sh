#!/bin/bash
# PID 1 of the test VM (tests/vm/vm.sh), on the overlay of the host's tree:
# the guest's own /proc, /sys, /dev, /run, /tmp, cgroups, the kernel's
# modules, the network of qemu's user mode, then the command agent.
set -u
# the project as the host sees it: /tmp and /var/tmp get tmpfs mounts here
agent=/host$(cd "$(dirname "$0")" && pwd)/agent.sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
kmod=$(sed -n 's/.*corral.kmod=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p "/lib/modules/$(uname -r)"
mount --bind "$kmod" "/lib/modules/$(uname -r)"
hostname corral-vm
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
# no udev here: LVM and libdevmapper make the /dev nodes themselves
export DM_DISABLE_UDEV=1
echo "corral-vm: up" >/dev/ttyS0
busybox nc -ll -p 2222 -e /bin/bash "$agent" &
# PID 1 reaps orphans until the VM is killed
while :; do wait -n 2>/dev/null || sleep 1; done
