/* corral: btrfs subvolume ioctls (btrfs.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <linux/btrfs.h>
#include <linux/magic.h>

#include "btrfs.h"

bool
btrfs_is_fs(int fd)
{
	struct statfs f;

	return fstatfs(fd, &f) == 0 && f.f_type == BTRFS_SUPER_MAGIC;
}

bool
btrfs_is_subvol(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_ino == BTRFS_SUBVOL_INO;
}

/* The ioctls take a name of one component that fits their buffer. */
static int
check_name(const char *name, size_t max)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strlen(name) >= max) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* An ioctl on dirfd that takes the name of one of its entries. */
static int
vol_ioctl(int dirfd, const char *name, unsigned long req)
{
	struct btrfs_ioctl_vol_args a;

	memset(&a, 0, sizeof(a));
	if (check_name(name, sizeof(a.name)) != 0)
		return -1;
	memcpy(a.name, name, strlen(name) + 1);
	return ioctl(dirfd, req, &a) == 0 ? 0 : -1;
}

int
btrfs_subvol_create(int dirfd, const char *name)
{
	return vol_ioctl(dirfd, name, BTRFS_IOC_SUBVOL_CREATE);
}

int
btrfs_subvol_snapshot(int dirfd, const char *name, int srcfd, bool readonly)
{
	struct btrfs_ioctl_vol_args_v2 a;

	memset(&a, 0, sizeof(a));
	if (check_name(name, sizeof(a.name)) != 0)
		return -1;
	a.fd = srcfd;
	a.flags = readonly ? BTRFS_SUBVOL_RDONLY : 0;
	memcpy(a.name, name, strlen(name) + 1);
	return ioctl(dirfd, BTRFS_IOC_SNAP_CREATE_V2, &a) == 0 ? 0 : -1;
}

int
btrfs_subvol_delete(int dirfd, const char *name)
{
	return vol_ioctl(dirfd, name, BTRFS_IOC_SNAP_DESTROY);
}

int
btrfs_subvol_set_readonly(int fd, bool readonly)
{
	uint64_t flags;

	if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) != 0)
		return -1;
	flags = readonly ? flags | BTRFS_SUBVOL_RDONLY :
	    flags & ~(uint64_t)BTRFS_SUBVOL_RDONLY;
	return ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) == 0 ? 0 : -1;
}
