/* corral-slave: the lvm backend — a logical volume per container (ext4 or
 * xfs), snapshots with lvcreate -s, their fill read through libdevmapper.
 *
 * Volumes get at most snapshot_share % of the volume group; the rest is
 * what snapshots live on while a hot copy runs (VS-Tools' rule).  The LVM
 * tools are run with an argument vector, never through a shell.  Volume C
 * is mounted at ROOT/C when the slave reads or writes it, its snapshot
 * C+snap read-only at ROOT/.corral-snap/C. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dmstatus.h"
#include "log.h"
#include "run.h"
#include "storage.h"

#define SNAP_SUFFIX "+snap"    /* '+' is in no container name */
#define LVM_TIMEOUT 300
#define VG_MAX 128

/* lvm's own settings, s->priv: from storage = lvm:VG, lvm_fs and
 * snapshot_share. */
struct lvm {
	char vg[VG_MAX];
	char fs[8];                   /* ext4 | xfs */
	uint32_t share;               /* % of the VG for volumes */
};

static const char *const file_systems[] = { "ext4", "xfs" };

static const struct lvm *
lvm_of(const struct storage *s)
{
	return s->priv;
}

static const char *
vg(const struct storage *s)
{
	return lvm_of(s)->vg;
}

static bool
is_xfs(const struct storage *s)
{
	return strcmp(lvm_of(s)->fs, "xfs") == 0;
}

/* ---- corral.conf ---- */

/* A volume group name as lvm(8) accepts it. */
static bool
lvm_valid_arg(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '-' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= VG_MAX - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '_' ||
		    c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int
lvm_check_key(const char *key, const char *val, char *why, size_t whylen)
{
	size_t i;

	if (strcmp(key, "lvm_fs") != 0)
		return 0;
	for (i = 0; i < sizeof(file_systems) / sizeof(file_systems[0]); i++)
		if (strcmp(val, file_systems[i]) == 0)
			return 0;
	snprintf(why, whylen, "'%s' is not ext4 or xfs", val);
	return -1;
}

static int
lvm_setup(struct storage *s, const char *arg, const struct corral_conf *c,
    char *err, size_t errlen)
{
	struct lvm *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->priv = l;
	snprintf(l->vg, sizeof(l->vg), "%s", arg);
	snprintf(l->fs, sizeof(l->fs), "%s", c->lvm_fs);
	l->share = c->snapshot_share;
	if ((size_t)snprintf(s->root, sizeof(s->root), "%s", c->mount_root) >=
	    sizeof(s->root)) {
		snprintf(err, errlen, "storage 'lvm:%s': path too long", arg);
		return -1;
	}
	return 0;
}

/* "lvm:/dev/VG/LV", or the bare device path liblxc's get_config_item
 * gives back for it (it drops the type): a block device, no directory */
static bool
lvm_owns_rootfs(const char *rootfs, char *dir, size_t len)
{
	struct stat st;

	(void)dir; (void)len;
	if (storage_arg(&storage_lvm_ops, rootfs) != NULL)
		return true;
	return strncmp(rootfs, "/dev/", 5) == 0 && stat(rootfs, &st) == 0 &&
	    S_ISBLK(st.st_mode);
}

/* The space the volume takes: its size, from sysfs by its device
 * number (no lvs run per container and poll, no open of a device that
 * may be suspended); 0 if it cannot be read. */
static uint64_t
lvm_rootfs_bytes(const char *rootfs)
{
	const char *dev = storage_arg(&storage_lvm_ops, rootfs);
	unsigned long long sectors = 0;
	char path[64];
	struct stat st;
	FILE *f;

	if (dev == NULL)
		dev = rootfs;               /* as liblxc gives it: no type */
	if (stat(dev, &st) != 0 || !S_ISBLK(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size",
	    major(st.st_rdev), minor(st.st_rdev));
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &sectors) != 1 || sectors > UINT64_MAX / 512)
		sectors = 0;
	fclose(f);
	return (uint64_t)sectors * 512;     /* sysfs counts 512-byte sectors */
}

/* ---- volumes ---- */

static void
lv_of(const struct storage *s, const char *ct, bool snap, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s/%s%s", vg(s), ct, snap ? SNAP_SUFFIX : "");
}

static void
dev_of(const struct storage *s, const char *ct, bool snap, char *buf,
    size_t len)
{
	snprintf(buf, len, "/dev/%s/%s%s", vg(s), ct, snap ? SNAP_SUFFIX : "");
}

/* VG size and free bytes, and the extent size. */
static int
vg_sizes(const struct storage *s, uint64_t *size, uint64_t *vfree,
    uint64_t *extent, char *err, size_t errlen)
{
	const char *argv[] = { "vgs", "--noheadings", "--nosuffix",
	    "--units", "b", "--separator", ":", "-o",
	    "vg_size,vg_free,vg_extent_size", vg(s), NULL };
	char out[512];

	if (run_argv(argv, LVM_TIMEOUT, out, sizeof(out), err, errlen) != 0)
		return -1;
	if (sscanf(out, " %" SCNu64 ":%" SCNu64 ":%" SCNu64, size, vfree,
	    extent) != 3 || *extent == 0) {
		snprintf(err, errlen, "vgs %s: unexpected output '%s'", vg(s),
		    out);
		return -1;
	}
	return 0;
}

/* Bytes given to volumes (snapshots not counted), and one LV's size. */
static int
lv_sizes(const struct storage *s, const char *ct, uint64_t *volumes,
    uint64_t *this_size, char *err, size_t errlen)
{
	const char *argv[] = { "lvs", "--noheadings", "--nosuffix", "--units",
	    "b", "--separator", ":", "-o", "lv_name,lv_size,origin", vg(s),
	    NULL };
	char *out, *line, *save = NULL;
	int ret = -1;

	*volumes = 0;
	if (this_size)
		*this_size = 0;
	if ((out = malloc(1 << 20)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (run_argv(argv, LVM_TIMEOUT, out, 1 << 20, err, errlen) != 0)
		goto out;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[256], origin[256] = "";
		uint64_t sz;

		if (sscanf(line, " %255[^:]:%" SCNu64 ":%255s", name, &sz,
		    origin) < 2)
			continue;
		if (origin[0] != '\0')
			continue;       /* a snapshot */
		*volumes += sz;
		if (this_size && ct && strcmp(name, ct) == 0)
			*this_size = sz;
	}
	ret = 0;
out:
	free(out);
	return ret;
}

/* Would adding bytes to the volumes pass the share of the VG? */
static int
check_share(const struct storage *s, uint64_t add, char *err, size_t errlen)
{
	uint64_t size, vfree, extent, volumes;

	if (vg_sizes(s, &size, &vfree, &extent, err, errlen) != 0 ||
	    lv_sizes(s, NULL, &volumes, NULL, err, errlen) != 0)
		return -1;
	if ((volumes + add) * 100 > size * lvm_of(s)->share) {
		snprintf(err, errlen, "volume group %s: %" PRIu64 " MiB more "
		    "for volumes would pass snapshot_share = %u%% of its %"
		    PRIu64 " MiB (%" PRIu64 " MiB given already)", vg(s),
		    add >> 20, lvm_of(s)->share, size >> 20, volumes >> 20);
		return -1;
	}
	return 0;
}

static int
lvm_init(struct storage *s, char *err, size_t errlen)
{
	uint64_t size, vfree, extent;
	char p[PATH_MAX];

	if (vg_sizes(s, &size, &vfree, &extent, err, errlen) != 0)
		return -1;
	if (storage_private_dir(s->root, true, err, errlen) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/%s", s->root, STORAGE_SNAPDIR);
	return storage_private_dir(p, false, err, errlen);
}

static bool
lvm_exists(struct storage *s, const char *ct)
{
	char dev[PATH_MAX];
	struct stat st;

	dev_of(s, ct, false, dev, sizeof(dev));
	return stat(dev, &st) == 0 && S_ISBLK(st.st_mode);
}

static int
lvm_remove(struct storage *s, const char *ct, bool snap, char *err,
    size_t errlen)
{
	char lv[PATH_MAX];
	const char *argv[] = { "lvremove", "-q", "-f", lv, NULL };

	lv_of(s, ct, snap, lv, sizeof(lv));
	return run_argv(argv, LVM_TIMEOUT, NULL, 0, err, errlen);
}

static int
lvm_create(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	char size[32], dev[PATH_MAX], e2[256];
	const char *lc[] = { "lvcreate", "-q", "-y", "-W", "y", "-Z", "y",
	    "-L", size, "-n", ct, vg(s), NULL };
	const char *mk_ext4[] = { "mkfs.ext4", "-q", "-F", dev, NULL };
	const char *mk_xfs[] = { "mkfs.xfs", "-q", "-f", dev, NULL };

	if (bytes == 0) {
		snprintf(err, errlen, "%s: an lvm volume needs a size", ct);
		return -1;
	}
	if (lvm_exists(s, ct)) {
		snprintf(err, errlen, "%s: volume %s/%s exists already", ct,
		    vg(s), ct);
		return -1;
	}
	/* lvcreate refuses a size in bytes that is no multiple of 512 (a
	 * put's: the version's bytes and some): whole MiB, as extents are */
	bytes = (bytes + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	if (check_share(s, bytes, err, errlen) != 0)
		return -1;
	snprintf(size, sizeof(size), "%" PRIu64 "b", bytes);
	if (run_argv(lc, LVM_TIMEOUT, NULL, 0, err, errlen) != 0)
		return -1;
	dev_of(s, ct, false, dev, sizeof(dev));
	if (run_argv(is_xfs(s) ? mk_xfs : mk_ext4, 600, NULL, 0, err,
	    errlen) != 0) {
		if (lvm_remove(s, ct, false, e2, sizeof(e2)) != 0)
			log_warn("storage: %s", e2);
		return -1;
	}
	return 0;
}

static int
lvm_mount(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char dev[PATH_MAX], p[PATH_MAX];

	if (storage_path(s, ct, false, p, sizeof(p)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	if (storage_is_mountpoint(p))
		return 0;
	if (storage_mkdir(p, err, errlen) != 0)
		return -1;
	dev_of(s, ct, false, dev, sizeof(dev));
	if (mount(dev, p, lvm_of(s)->fs, MS_NOSUID | MS_NODEV, NULL) != 0) {
		snprintf(err, errlen, "mount %s on %s: %s", dev, p,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
umount_dir(const char *p, char *err, size_t errlen)
{
	if (!storage_is_mountpoint(p))
		return 0;
	if (umount2(p, 0) != 0 && umount2(p, MNT_DETACH) != 0) {
		snprintf(err, errlen, "umount %s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

static int
lvm_umount(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char p[PATH_MAX];

	if (storage_path(s, ct, false, p, sizeof(p)) != 0)
		return 0;
	return umount_dir(p, err, errlen);
}

static int
lvm_snap_drop(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char p[PATH_MAX], dev[PATH_MAX];
	struct stat st;

	if (storage_path(s, ct, true, p, sizeof(p)) == 0) {
		if (umount_dir(p, err, errlen) != 0)
			return -1;
		(void)rmdir(p);
	}
	dev_of(s, ct, true, dev, sizeof(dev));
	if (stat(dev, &st) != 0 && errno == ENOENT)
		return 0;
	return lvm_remove(s, ct, true, err, errlen);
}

static int
lvm_destroy(struct storage *s, const char *ct, char *err, size_t errlen)
{
	char p[PATH_MAX];

	if (lvm_snap_drop(s, ct, err, errlen) != 0 ||
	    lvm_umount(s, ct, err, errlen) != 0)
		return -1;
	if (storage_path(s, ct, false, p, sizeof(p)) == 0)
		(void)rmdir(p);
	return lvm_remove(s, ct, false, err, errlen);
}

/* Unmounted first: ROOT/ct would otherwise stay the mount point of a
 * volume named to (ROOT/to is mounted again on demand, as after a put). */
static int
lvm_rename(struct storage *s, const char *ct, const char *to, char *err,
    size_t errlen)
{
	char p[PATH_MAX];
	const char *argv[] = { "lvrename", "-q", vg(s), ct, to, NULL };

	if (lvm_exists(s, to)) {
		snprintf(err, errlen, "%s: volume %s/%s exists already", ct,
		    vg(s), to);
		return -1;
	}
	if (lvm_umount(s, ct, err, errlen) != 0)
		return -1;
	if (storage_path(s, ct, false, p, sizeof(p)) == 0)
		(void)rmdir(p);
	return run_argv(argv, LVM_TIMEOUT, NULL, 0, err, errlen);
}

static int
lvm_grow(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	uint64_t volumes, cur;
	char size[32], lv[PATH_MAX], dev[PATH_MAX], p[PATH_MAX];
	const char *ext[] = { "lvextend", "-q", "-L", size, lv, NULL };
	const char *rs_ext4[] = { "resize2fs", dev, NULL };
	const char *rs_xfs[] = { "xfs_growfs", p, NULL };
	bool was_mounted;
	int r;

	if (lv_sizes(s, ct, &volumes, &cur, err, errlen) != 0)
		return -1;
	if (cur == 0) {
		snprintf(err, errlen, "%s: no volume %s/%s", ct, vg(s), ct);
		return -1;
	}
	if (bytes <= cur)
		return 0;       /* volumes only grow */
	bytes = (bytes + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	if (check_share(s, bytes - cur, err, errlen) != 0)
		return -1;
	lv_of(s, ct, false, lv, sizeof(lv));
	dev_of(s, ct, false, dev, sizeof(dev));
	snprintf(size, sizeof(size), "%" PRIu64 "b", bytes);
	if (run_argv(ext, LVM_TIMEOUT, NULL, 0, err, errlen) != 0)
		return -1;
	/* both file systems grow online: mount for the resize */
	storage_path(s, ct, false, p, sizeof(p));
	was_mounted = storage_is_mountpoint(p);
	if (lvm_mount(s, ct, err, errlen) != 0)
		return -1;
	r = run_argv(is_xfs(s) ? rs_xfs : rs_ext4, 600, NULL, 0, err, errlen);
	if (!was_mounted)
		(void)umount_dir(p, err, errlen);
	return r;
}

static int
lvm_lxc_rootfs(struct storage *s, const char *ct, char *buf, size_t len)
{
	int n = snprintf(buf, len, "lvm:/dev/%s/%s", vg(s), ct);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
lvm_snapshot(struct storage *s, const char *ct, uint64_t bytes, char *err,
    size_t errlen)
{
	uint64_t size, vfree, extent, volumes, origin;
	char name[128], lv[PATH_MAX], sz[32], dev[PATH_MAX], p[PATH_MAX], e2[256];
	const char *lc[] = { "lvcreate", "-q", "-y", "-s", "-L", sz, "-n",
	    name, lv, NULL };
	const char *opts = is_xfs(s) ? "nouuid,norecovery" : "noload";

	if (!lvm_exists(s, ct)) {
		snprintf(err, errlen, "%s: no volume %s/%s", ct, vg(s), ct);
		return -1;
	}
	if (vg_sizes(s, &size, &vfree, &extent, err, errlen) != 0 ||
	    lv_sizes(s, ct, &volumes, &origin, err, errlen) != 0)
		return -1;
	/* by default as large as the origin (it can then never overflow),
	 * or what the VG has left */
	if (bytes == 0)
		bytes = origin + origin / 100 + extent < vfree ?
		    origin + origin / 100 + extent : vfree;
	if (bytes < extent || bytes > vfree) {
		snprintf(err, errlen, "%s: volume group %s has %" PRIu64
		    " MiB free, a snapshot of %" PRIu64 " MiB does not fit", ct,
		    vg(s), vfree >> 20, bytes >> 20);
		return -1;
	}
	snprintf(name, sizeof(name), "%s%s", ct, SNAP_SUFFIX);
	lv_of(s, ct, false, lv, sizeof(lv));
	snprintf(sz, sizeof(sz), "%" PRIu64 "b", bytes / extent * extent);
	if (run_argv(lc, LVM_TIMEOUT, NULL, 0, err, errlen) != 0)
		return -1;
	/* journal not replayed: the snapshot stays as lvcreate froze it */
	dev_of(s, ct, true, dev, sizeof(dev));
	storage_path(s, ct, true, p, sizeof(p));
	if (storage_mkdir(p, err, errlen) != 0 ||
	    (mount(dev, p, lvm_of(s)->fs, MS_RDONLY | MS_NOSUID | MS_NODEV,
	    opts) != 0 &&
	    snprintf(err, errlen, "mount %s on %s: %s", dev, p,
	    strerror(errno)) > 0)) {
		(void)rmdir(p);
		if (lvm_remove(s, ct, true, e2, sizeof(e2)) != 0)
			log_warn("storage: %s", e2);
		return -1;
	}
	return 0;
}

static int
lvm_snap_status(struct storage *s, const char *ct, struct snap_status *st,
    char *err, size_t errlen)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s", ct, SNAP_SUFFIX);
	return dm_snapshot_status(vg(s), name, st, err, errlen);
}

static int
lvm_usage(struct storage *s, struct storage_usage *u, char *err,
    size_t errlen)
{
	uint64_t extent;

	if (vg_sizes(s, &u->size, &u->free, &extent, err, errlen) != 0)
		return -1;
	u->used = u->size - u->free;
	return 0;
}

static int
lvm_snap_list(struct storage *s, char names[][64], size_t max, size_t *n,
    char *err, size_t errlen)
{
	const char *argv[] = { "lvs", "--noheadings", "-o", "lv_name", vg(s),
	    NULL };
	char *out, *line, *save = NULL;
	size_t sl = strlen(SNAP_SUFFIX);

	*n = 0;
	if ((out = malloc(1 << 20)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (run_argv(argv, LVM_TIMEOUT, out, 1 << 20, err, errlen) != 0) {
		free(out);
		return -1;
	}
	for (line = strtok_r(out, " \n", &save); line != NULL && *n < max;
	    line = strtok_r(NULL, " \n", &save)) {
		size_t l = strlen(line);

		if (l > sl && l - sl < 64 &&
		    strcmp(line + l - sl, SNAP_SUFFIX) == 0) {
			memcpy(names[*n], line, l - sl);
			names[(*n)++][l - sl] = '\0';
		}
	}
	free(out);
	return 0;
}

const struct storage_ops storage_lvm_ops = {
	.name = "lvm",
	.spec = "lvm:VGNAME",
	.sized = true,
	.snapshots = true,
	.valid_arg = lvm_valid_arg,
	.check_key = lvm_check_key,
	.setup = lvm_setup,
	.owns_rootfs = lvm_owns_rootfs,
	.rootfs_bytes = lvm_rootfs_bytes,
	.init = lvm_init,
	.create = lvm_create,
	.destroy = lvm_destroy,
	.grow = lvm_grow,
	.exists = lvm_exists,
	.rename = lvm_rename,
	.mount = lvm_mount,
	.umount = lvm_umount,
	.lxc_rootfs = lvm_lxc_rootfs,
	.snapshot = lvm_snapshot,
	.snap_drop = lvm_snap_drop,
	.snap_status = lvm_snap_status,
	.usage = lvm_usage,
	.snap_list = lvm_snap_list,
};
