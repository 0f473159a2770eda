# Sourced by the tree tests that need a fresh file system of a given type
# (root): loopfs_mount TYPE SIZE DIR makes one (mkfs.TYPE on DIR.img, a
# loop device) and mounts it on DIR; loopfs_cleanup, from the caller's
# EXIT trap, unmounts it and frees the device (the caller removes DIR.img).
loopfs_mnt= loopfs_loop=
loopfs_mount() {
	truncate -s "$2" "$3.img"
	"mkfs.$1" -q -f "$3.img" >/dev/null
	loopfs_loop=$(losetup --find --show "$3.img")
	mkdir "$3"
	mount "$loopfs_loop" "$3"
	loopfs_mnt=$3
}
loopfs_cleanup() {
	[ -z "$loopfs_mnt" ] || umount "$loopfs_mnt" 2>/dev/null ||
		umount -l "$loopfs_mnt" || true
	[ -z "$loopfs_loop" ] || losetup -d "$loopfs_loop" 2>/dev/null || true
}
