/* corral-slave: REMOVE — a container's config, volume and LXC directory,
 * never half of them.  The order, so that a slave killed at any point
 * leaves either the whole container or a leftover that the next start
 * (slave_ct_sweep) or a REMOVE of the same name finishes:
 *   1. LXCPATH/C/config renamed config.removing: LXC no longer lists C
 *      (it lists directories with a config), and the file still names
 *      what to destroy.  The point of no return.
 *   2. C's volume destroyed, if config.removing names it;
 *   3. LXCPATH/C renamed LXCPATH/.corral-removing.C, a name no container
 *      can have (names never start with '.');
 *   4. that directory deleted.
 * The other way round, a crash between the volume and the config would
 * leave a config whose volume is gone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "conftext.h"
#include "log.h"
#include "msg.h"
#include "names.h"
#include "slave.h"

#define CONFIG_READ_MAX (1u << 20)   /* a config REMOVE reads its rootfs from */

enum slave_rootfs_at
slave_rootfs_at(struct slave_ctx *ctx, const char *ct, const char *text,
    char *val, size_t vlen)
{
	struct storage *s = &ctx->storage;
	char vol[PATH_MAX], dir[PATH_MAX] = "", ctdir[PATH_MAX];
	size_t n;

	if (conftext_get(text, "lxc.rootfs.path", val, vlen) != 0)
		return ROOTFS_ELSEWHERE;
	if (val[0] == '\0')
		return ROOTFS_NONE;
	if (s->ops->lxc_rootfs(s, ct, vol, sizeof(vol)) == 0 &&
	    strcmp(val, vol) == 0)
		return ROOTFS_VOLUME;
	(void)storage_of_rootfs(val, dir, sizeof(dir));
	if (dir[0] == '\0')
		return ROOTFS_ELSEWHERE;
	if (storage_path(s, ct, false, vol, sizeof(vol)) == 0 &&
	    strcmp(dir, vol) == 0)
		return ROOTFS_VOLUME;
	if (slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) == 0 &&
	    (n = strlen(ctdir), strncmp(dir, ctdir, n) == 0) &&
	    dir[n] == '/' && strstr(dir + n, "/..") == NULL)
		return ROOTFS_INSIDE;
	return ROOTFS_ELSEWHERE;
}

/* Tests kill the slave between the steps (tests/integration/ctl.sh) or
 * race another request with one (ct_lock.sh): with
 * CORRAL_TEST_REMOVE_PAUSE=N in its environment it waits N s before step
 * 1 (its checks done) and after steps 1 and 2.  Nothing else reads it. */
static void
test_pause(const char *ct, const char *step)
{
	slave_test_pause("CORRAL_TEST_REMOVE_PAUSE", ct, step);
}

static int
gone_path(struct slave_ctx *ctx, const char *ct, char *buf, size_t len)
{
	char name[PROTO_NAME_MAX + 32];

	snprintf(name, sizeof(name), "%s%s", SLAVE_REMOVING_DIR, ct);
	return slave_ct_path(ctx, name, NULL, buf, len);
}

/* Steps 2 to 4, from config.removing on. */
static int
finish(struct slave_ctx *ctx, const char *ct, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	char rm[PATH_MAX], ctdir[PATH_MAX], gone[PATH_MAX], val[PATH_MAX];
	char *text = NULL;
	bool had;
	int ret = -1;

	if (slave_ct_path(ctx, ct, SLAVE_REMOVING, rm, sizeof(rm)) != 0 ||
	    slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) != 0 ||
	    gone_path(ctx, ct, gone, sizeof(gone)) != 0) {
		snprintf(err, errlen, "%s: path too long", ct);
		return -1;
	}
	if (slave_read_text(rm, CONFIG_READ_MAX, &text, err, errlen) != 0)
		return -1;
	switch (slave_rootfs_at(ctx, ct, text, val, sizeof(val))) {
	case ROOTFS_VOLUME:
		if (!s->ops->exists(s, ct))
			break;
		if (slave_snap_drop(ctx, ct, &had, err, errlen) != 0 ||
		    s->ops->umount(s, ct, err, errlen) != 0 ||
		    s->ops->destroy(s, ct, err, errlen) != 0)
			goto out;
		log_info("%s: removing: its %s volume destroyed", ct,
		    s->ops->name);
		test_pause(ct, "volume destroyed");
		break;
	case ROOTFS_ELSEWHERE:
		/* only a config.removing made by hand gets here */
		log_warn("%s: removing: its rootfs %s is left where it is", ct,
		    val);
		break;
	default:
		break;
	}
	/* an earlier removal's leftover of the same name goes first */
	if ((access(gone, F_OK) == 0 &&
	    slave_rm_tree(gone, err, errlen) != 0))
		goto out;
	if (rename(ctdir, gone) != 0 ||
	    slave_fsync_dir(ctx->conf.lxcpath) != 0) {
		snprintf(err, errlen, "%s: %s", ctdir, strerror(errno));
		goto out;
	}
	if (slave_rm_tree(gone, err, errlen) != 0)
		goto out;
	ret = 0;
out:
	free(text);
	return ret;
}

/* err, what blocks the removal when r > 0, becomes its refusal; -1 */
static int
refusal(int r, const char *fix, char *err, size_t errlen)
{
	char why[MSG_ERRTEXT_MAX];

	if (r > 0) {
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: not removed (%s)", why, fix);
	}
	return -1;
}

int
slave_volume_removable(struct slave_ctx *ctx, const char *ct, char *err,
    size_t errlen)
{
	struct storage *s = &ctx->storage;
	int r;

	if (!s->ops->exists(s, ct))
		return 0;
	/* dir's rm empties the volume around a mount and fails on it;
	 * btrfs's delete detaches it, and what the container had there
	 * goes unseen */
	if ((r = storage_volume_mounts(s, ct, true, err, errlen)) != 0)
		return refusal(r, "unmount first", err, errlen);
	/* dir's rm --one-file-system skips a subvolume (another st_dev)
	 * and fails after emptying the rest; btrfs's delete of the outer
	 * one fails (systemd and docker make them: /var/lib/machines) */
	if ((r = storage_volume_subvols(s, ct, err, errlen)) != 0)
		return refusal(r, "btrfs subvolume delete first", err, errlen);
	return 0;
}

/* Refused before anything is done: past step 1 a destroy that meets what
 * slave_volume_removable() finds, or step 4's rm a file system mounted
 * or a btrfs subvolume in LXCPATH/C (a rootfs inside it, as LXC's own
 * default), fails at every try, the container half removed for good.
 * 0, or -1 with err. */
static int
refuse_nested(struct slave_ctx *ctx, const char *ct, const char *ctdir,
    char *err, size_t errlen)
{
	int r;

	if (slave_volume_removable(ctx, ct, err, errlen) != 0)
		return -1;
	if ((r = storage_mounted_in("its directory", ctdir, true, err,
	    errlen)) != 0)
		return refusal(r, "unmount first", err, errlen);
	if ((r = storage_subvols_in("its directory", ctdir, err,
	    errlen)) != 0)
		return refusal(r, "btrfs subvolume delete first", err,
		    errlen);
	return 0;
}

int
slave_ct_remove(struct slave_ctx *ctx, const struct msg_ctl_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	const char *ct = q->ct;
	struct lxc_container *c = NULL;
	char cfg[PATH_MAX], rm[PATH_MAX], ctdir[PATH_MAX], gone[PATH_MAX];
	char val[PATH_MAX], stopped[MSG_ERRTEXT_MAX / 2] = "", *text = NULL;
	bool had;
	int ret = -1;

	if (slave_ct_path(ctx, ct, "config", cfg, sizeof(cfg)) != 0 ||
	    slave_ct_path(ctx, ct, SLAVE_REMOVING, rm, sizeof(rm)) != 0 ||
	    slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) != 0 ||
	    gone_path(ctx, ct, gone, sizeof(gone)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (access(rm, F_OK) == 0) {
		if (access(cfg, F_OK) == 0) {
			snprintf(err, errlen, "both %s and %s are there: not "
			    "mine to choose", cfg, SLAVE_REMOVING);
			return -1;
		}
		if (finish(ctx, ct, err, errlen) != 0)
			return -1;
		log_notice("%s: an unfinished removal finished", ct);
		snprintf(a->message, sizeof(a->message), "an unfinished "
		    "removal finished");
		return 0;
	}
	c = lxc_container_new(ct, ctx->conf.lxcpath);
	if (c == NULL || !c->is_defined(c)) {
		/* nothing, or a removal killed in its last step */
		if (access(gone, F_OK) == 0 &&
		    slave_rm_tree(gone, err, errlen) != 0)
			goto out;
		snprintf(a->message, sizeof(a->message), "no container %s "
		    "(nothing to remove)", ct);
		ret = 0;
		goto out;
	}
	if (slave_read_text(cfg, CONFIG_READ_MAX, &text, err, errlen) != 0)
		goto out;
	if (slave_rootfs_at(ctx, ct, text, val, sizeof(val)) == ROOTFS_ELSEWHERE) {
		snprintf(err, errlen, "its rootfs %s is neither its volume on "
		    "this host's storage nor inside %s: not removed (its data "
		    "would outlive its config)", val, ctdir);
		goto out;
	}
	if (refuse_nested(ctx, ct, ctdir, err, errlen) != 0)
		goto out;
	if (c->is_running(c)) {
		if (!(q->flags & MSG_CTL_FORCE)) {
			snprintf(err, errlen, "it is running (force stops it "
			    "first)");
			goto out;
		}
		/* a frozen init cannot take its halt signal: thawed first */
		if (slave_snap_drop(ctx, ct, &had, err, errlen) != 0 ||
		    slave_ct_stop_clean(c, q->timeout_s, stopped,
		    sizeof(stopped), err, errlen) != 0)
			goto out;
		log_info("%s: removing: %s", ct, stopped);
		/* what it made until it stopped: looked at again */
		if (refuse_nested(ctx, ct, ctdir, err, errlen) != 0)
			goto out;
	}
	/* lvm keeps no origin with a snapshot; a hold names a freeze */
	if (slave_snap_drop(ctx, ct, &had, err, errlen) != 0)
		goto out;
	/* a START from another session here would leave C running without
	 * its config: C's lock keeps it out (ct_lock.sh starts one here) */
	test_pause(ct, "checked");
	if (rename(cfg, rm) != 0 || slave_fsync_dir(ctdir) != 0) {
		snprintf(err, errlen, "%s: %s", cfg, strerror(errno));
		goto out;
	}
	log_notice("%s: removing: config renamed %s", ct, SLAVE_REMOVING);
	test_pause(ct, "config renamed");
	if (finish(ctx, ct, err, errlen) != 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (unfinished: the next slave "
		    "start or a REMOVE finishes it)");
		goto out;
	}
	snprintf(a->message, sizeof(a->message), "removed%s%s",
	    stopped[0] ? ", first " : "", stopped);
	ret = 0;
out:
	free(text);
	if (c != NULL)
		lxc_container_put(c);
	return ret;
}

static void
sweep_locked(struct slave_ctx *ctx, const char *name)
{
	size_t pl = strlen(SLAVE_REMOVING_DIR);
	char p[PATH_MAX], err[512];

	if (strncmp(name, SLAVE_REMOVING_DIR, pl) == 0) {
		if (slave_ct_path(ctx, name, NULL, p, sizeof(p)) != 0 ||
		    access(p, F_OK) != 0)
			return;
		if (slave_rm_tree(p, err, sizeof(err)) != 0)
			log_warn("%s: leftover removal: %s", name + pl, err);
		else
			log_notice("%s: finished a removal a stopped slave "
			    "left (its directory)", name + pl);
		return;
	}
	if (!ct_name_valid(name))
		return;
	slave_rename_sweep(ctx, name);
	if (slave_ct_removing(ctx, name)) {
		if (slave_ct_path(ctx, name, "config", p, sizeof(p)) == 0 &&
		    access(p, F_OK) == 0)
			log_warn("%s: both config and %s: left for the admin",
			    name, SLAVE_REMOVING);
		else if (finish(ctx, name, err, sizeof(err)) != 0)
			log_warn("%s: leftover removal: %s", name, err);
		else
			log_notice("%s: finished a removal a stopped slave "
			    "left", name);
		return;
	}
	if (slave_ct_path(ctx, name, "config" SLAVE_NEW_SUFFIX, p,
	    sizeof(p)) == 0 && unlink(p) == 0) {
		log_notice("%s: removed a config a stopped slave left "
		    "half-written", name);
		/* a CT_CONF_SET made the directory: empty, it goes too */
		if (slave_ct_path(ctx, name, NULL, p, sizeof(p)) == 0)
			(void)rmdir(p);
	}
}

/* One entry of LXCPATH at start, under its container's lock, only
 * tried: a worker the restart orphaned, at work on it still, holds it
 * and finishes its own request. */
static void
sweep_one(struct slave_ctx *ctx, const char *name)
{
	size_t pl = strlen(SLAVE_REMOVING_DIR);
	const char *ct = strncmp(name, SLAVE_REMOVING_DIR, pl) == 0 ?
	    name + pl : name;
	char err[512];
	int fd;

	if (!ct_name_valid(ct))
		return;
	if ((fd = slave_ct_lock(ctx, ct, false, err, sizeof(err))) < 0) {
		log_notice("%s: not swept at start: %s", ct, err);
		return;
	}
	sweep_locked(ctx, name);
	slave_ct_unlock(ctx, ct, fd);
}

void
slave_ct_sweep(struct slave_ctx *ctx)
{
	struct dirent *e;
	DIR *d;

	if ((d = opendir(ctx->conf.lxcpath)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			sweep_one(ctx, e->d_name);
	closedir(d);
}
