#!/bin/sh
# Install every Debian package corral's build, tests and demo need.
# Does nothing when they are all present.  Run as root (or via sudo).
#   scripts/deps.sh            everything (build + tests + demo)
#   scripts/deps.sh --build    only what `make` needs
#   scripts/deps.sh --bench    also what bench/ needs (sshd for rsync, debootstrap,
#                              Ganeti's hbal for bench/balance.sh, restic
#                              and borg for bench/backup.sh)
#   scripts/deps.sh --list     print the package list and exit
set -eu

BUILD_PKGS="build-essential pkg-config lxc-dev libssh-dev libdevmapper-dev
zlib1g-dev libsqlite3-dev librsync-dev libxxhash-dev"
TEST_PKGS="libcmocka-dev clang libclang-rt-14-dev lxc lxc-templates
busybox-static openssh-client rsync iproute2 nftables sqlite3 util-linux procps
jq btrfs-progs openssl attr acl libcap2-bin libssl-dev
qemu-system-x86 lvm2 kmod cpio xfsprogs e2fsprogs xz-utils python3-paramiko"

BENCH_PKGS="openssh-server debootstrap time ganeti-htools restic borgbackup"

case "${1:-}" in
--build) PKGS=$BUILD_PKGS ;;
--bench) PKGS="$BUILD_PKGS $TEST_PKGS $BENCH_PKGS" ;;
--list) echo $BUILD_PKGS $TEST_PKGS; exit 0 ;;
"") PKGS="$BUILD_PKGS $TEST_PKGS" ;;
*) echo "usage: $0 [--build|--bench|--list]" >&2; exit 2 ;;
esac

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
