/* corral-slave: CT_CREATE — a new container whose rootfs is a volume of
 * this slave's storage, filled by an LXC template through liblxc.  The
 * container's config names the volume (lxc.rootfs.path), so lxc-start and
 * lxc-ls on this host treat it as any other container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "log.h"
#include "names.h"
#include "slave.h"

int
slave_ct_create(struct slave_ctx *ctx, const char *ct, uint64_t bytes,
    const char *tmpl, bool start, const struct msg_new_req *net,
    char *rootfs, size_t rlen, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct bdev_specs specs;
	struct lxc_container *c;
	char dir[PATH_MAX], e2[256];
	char *const targs[] = { NULL };
	bool made = false;
	int lk, ret = -1;

	if (!ct_name_valid(ct)) {
		snprintf(err, errlen, "'%s' is not a valid container name "
		    "(letters, digits, '.', '_', '-'; 1..63)", ct);
		return -1;
	}
	if (tmpl[0] == '\0' || strchr(tmpl, '/') != NULL) {
		snprintf(err, errlen, "'%s' is not an LXC template name", tmpl);
		return -1;
	}
	/* CT_CREATE's and CT_NEW's: one operation on ct at a time
	 * (ctlock.c), its checks and its making */
	if ((lk = slave_ct_lock(ctx, ct, true, err, errlen)) < 0)
		return -1;
	if ((c = lxc_container_new(ct, ctx->conf.lxcpath)) == NULL) {
		snprintf(err, errlen, "%s: liblxc cannot open it in %s", ct,
		    ctx->conf.lxcpath);
		slave_ct_unlock(ctx, ct, lk);
		return -1;
	}
	if (c->is_defined(c)) {
		snprintf(err, errlen, "container %s exists already", ct);
		goto out;
	}
	/* its config would sit beside the one being removed, and the
	 * removal could then never be finished */
	if (slave_ct_removing(ctx, ct)) {
		snprintf(err, errlen, "a removal of %s is unfinished (a REMOVE "
		    "finishes it)", ct);
		goto out;
	}
	if (s->ops->exists(s, ct)) {
		snprintf(err, errlen, "a %s volume for %s exists already",
		    s->ops->name, ct);
		goto out;
	}
	if (s->ops->create(s, ct, bytes, err, errlen) != 0)
		goto out;
	made = true;
	/* tests kill the master while a create is half done (create.sh) */
	slave_test_pause("CORRAL_TEST_CREATE_PAUSE", ct, "volume made");
	if (s->ops->mount(s, ct, err, errlen) != 0 ||
	    storage_path(s, ct, false, dir, sizeof(dir)) != 0)
		goto out;
	memset(&specs, 0, sizeof(specs));
	specs.dir = dir;
	if (!c->create(c, tmpl, "dir", &specs, LXC_CREATE_QUIET, targs)) {
		snprintf(err, errlen, "%s: the LXC template '%s' failed (see "
		    "%s/%s/%s.log or the slave's log)", ct, tmpl,
		    ctx->conf.lxcpath, ct, ct);
		goto out;
	}
	/* cleared first: setting it again would add a second line */
	if (s->ops->lxc_rootfs(s, ct, rootfs, rlen) != 0 ||
	    !c->clear_config_item(c, "lxc.rootfs.path") ||
	    !c->set_config_item(c, "lxc.rootfs.path", rootfs)) {
		snprintf(err, errlen, "%s: cannot write its config", ct);
		goto out;
	}
	if (net != NULL && slave_ct_new_setup(c, dir, net, e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "%s: %s", ct, e2);
		goto out;
	}
	if (!c->save_config(c, NULL)) {
		snprintf(err, errlen, "%s: cannot write its config", ct);
		goto out;
	}
	/* lxc-start mounts a block device itself */
	if (s->ops->umount(s, ct, err, errlen) != 0)
		goto out;
	if (start) {
		c->want_daemonize(c, true);
		if (!c->start(c, 0, NULL)) {
			snprintf(err, errlen, "%s: created, but it did not "
			    "start (see lxc-start -F -n %s -P %s)", ct, ct,
			    ctx->conf.lxcpath);
			made = false;    /* keep what was made: it is valid */
			goto out;
		}
	}
	log_info("%s: created on %s (%s)%s", ct, s->ops->name, rootfs,
	    start ? ", started" : "");
	ret = 0;
out:
	if (ret != 0 && made) {
		if (c->is_defined(c)) {
			/* the volume is ours to remove, not liblxc's */
			c->set_config_item(c, "lxc.rootfs.path", "");
			if (!c->destroy(c))
				log_warn("%s: cannot remove its config", ct);
		}
		(void)s->ops->umount(s, ct, e2, sizeof(e2));
		if (s->ops->destroy(s, ct, e2, sizeof(e2)) != 0)
			log_warn("storage: %s", e2);
	}
	lxc_container_put(c);
	slave_ct_unlock(ctx, ct, lk);
	return ret;
}
