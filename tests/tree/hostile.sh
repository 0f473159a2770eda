#!/usr/bin/env bash
# Build hostile source trees for the transfer tests, one subdirectory of DIR
# per case.  A correct engine copies each as it is: it never follows a
# symlink out of the tree, never writes through one, never blocks on a FIFO,
# and copes with depth beyond PATH_MAX and with huge directories.
#
#   tests/tree/hostile.sh DIR      (root; DIR must not exist or be empty)
#
#   rootfs-link/rootfs -> /          sync PATH rootfs must not copy the host
#   dir-to-link/v1, v2               v1 has etc/ a directory with files; v2
#                                    has etc -> /tmp and the same file names
#                                    under etc2/: sync v1 then v2 into one
#                                    DST, nothing may land in /tmp
#   fifo-as-file/                    FIFOs named etc/passwd, data.bin; a
#                                    sender that opens them blocks
#   link-loops/                      a -> b -> a, self -> self, up -> ..
#   deep/                            depth 300, short names (600-byte path)
#   deep-long/                       depth 300, 20-byte names: 6.3 KB path,
#                                    beyond PATH_MAX (4096): openat() only;
#                                    rsync (so same.sh) fails on it ("filename
#                                    overflows max-path len"): compare it with
#                                    (cd X && find . -printf '%p %y %s %m\n')
#   deep-10k/                        depth 10,000 (names "d")
#   wide/                            one directory with 20000 entries
#
# Names that escape (.., /) cannot exist on a real filesystem: the protocol
# tests forge those.  A file that changes size while read is out of scope.
set -euo pipefail
umask 022
DIR=${1:?usage: hostile.sh DIR}
[ "$(id -u)" -eq 0 ] || { echo "hostile.sh: must run as root" >&2; exit 1; }
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
	echo "hostile.sh: $DIR exists and is not empty" >&2; exit 1
fi
mkdir -p "$DIR"
cd "$DIR"

mkdir rootfs-link
ln -s / rootfs-link/rootfs

mkdir -p dir-to-link/v1/etc dir-to-link/v2/etc2
for f in corral-hostile passwd; do
	printf 'must stay in the tree\n' >"dir-to-link/v1/etc/$f"
	printf 'must not reach /tmp\n' >"dir-to-link/v2/etc2/$f"
done
ln -s /tmp dir-to-link/v2/etc

mkdir -p fifo-as-file/etc
mkfifo fifo-as-file/etc/passwd fifo-as-file/data.bin
printf 'a regular one\n' >fifo-as-file/regular.txt

mkdir link-loops
ln -s b link-loops/a
ln -s a link-loops/b
ln -s self link-loops/self
ln -s .. link-loops/up
ln -s ../link-loops link-loops/again

# deep trees: walk down with relative mkdir/cd, which works past PATH_MAX
deep() {  # deep DIR NAME: 300 levels of NAME below DIR, a file at the bottom
	( mkdir "$1" && cd "$1" && for _ in $(seq 300); do mkdir "$2" && cd "$2"; done
	  printf 'bottom\n' >bottom )
}
deep deep d
deep deep-long dddddddddddddddddddd
# 10,000 levels: one process, not a mkdir each
python3 -c '
import os
os.mkdir("deep-10k"); os.chdir("deep-10k")
for _ in range(10000):
    os.mkdir("d"); os.chdir("d")
open("bottom", "w").write("bottom\n")
'

mkdir wide
( cd wide && for i in $(seq -w 1 20000); do : >"f$i"; done )
