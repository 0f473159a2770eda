/* corral: the few btrfs ioctls the slave's storage backend and the
 * master's store use: subvolumes, snapshots, the read-only flag.  Straight
 * ioctls on directory fds: no helper program, no path resolved again.
 * Each returns 0, or -1 with errno set; callers name the path. */
#ifndef CORRAL_BTRFS_H
#define CORRAL_BTRFS_H

#include <stdbool.h>
#include <sys/stat.h>

/* The root inode of every subvolume. */
#define BTRFS_SUBVOL_INO 256

/* fd lies on a btrfs file system (statfs magic). */
bool btrfs_is_fs(int fd);
/* st (from fstat/fstatat without following) is a subvolume's root. */
bool btrfs_is_subvol(const struct stat *st);

/* A new, empty subvolume name in directory dirfd. */
int btrfs_subvol_create(int dirfd, const char *name);
/* A snapshot name in dirfd of the subvolume open as srcfd. */
int btrfs_subvol_snapshot(int dirfd, const char *name, int srcfd,
    bool readonly);
/* Delete subvolume name of dirfd (read-only ones too). */
int btrfs_subvol_delete(int dirfd, const char *name);
/* Set or clear the read-only flag of the subvolume open as fd. */
int btrfs_subvol_set_readonly(int fd, bool readonly);
/* The subvolumes beneath the directory fd (not fd's own): those of the
 * subvolume holding fd whose directory lies beneath it (one nested
 * deeper is inside one of them).  *n their count, first the path of the
 * first under fd, its name last (".../" and the tail when it does not fit
 * len).  Found in the file system's trees (tree searches: CAP_SYS_ADMIN)
 * within a bounded budget, whatever other directories of that subvolume
 * hold; past it, by a walk down fd's own tree: BTRFS_TOO_BIG when that
 * is BTRFS_DOWN_DEPTH levels deep or more, or holds more than
 * BTRFS_DOWN_ENTRIES directories (fd's tree too big to check).  *work, if
 * not NULL: the searches and directories it took, its cost, bounded
 * whatever the subvolume's other directories hold (tests assert it).  0,
 * or -1 with errno. */
#define BTRFS_DOWN_DEPTH 256     /* open directories at once */
#define BTRFS_DOWN_ENTRIES (1u << 21)
#define BTRFS_TOO_BIG (-2)
int btrfs_subvols_beneath(int fd, size_t *n, char *first, size_t len,
    size_t *work);

#endif
