/* corral-slave: CT_CONF and CT_CONF_SET — a container's config as it
 * travels between hosts: read from LXCPATH/NAME/config and made
 * host-neutral, or made this host's and written there whole or not at
 * all (the text itself: conftext.c).  Only the config travels: other
 * files of the LXC directory are not ours yet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "conftext.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "names.h"
#include "reqloop.h"
#include "slave.h"

/* a localised config: each placeholder may grow to a path */
#define CONF_LOCAL_MAX (4 * MSG_CONFIG_MAX)

MSG_ENC(msg_conf)
MSG_ENC(msg_conf_set)

static int
conf_get(struct slave_ctx *ctx, const char *ct, struct msg_conf *a,
    char *err, size_t errlen)
{
	const struct storage_ops *ops;
	struct msg_ct_info *info = NULL;
	char path[PATH_MAX], ctdir[PATH_MAX], *text = NULL;
	size_t n = 0;
	int ret = -1;

	if (slave_ct_path(ctx, ct, "config", path, sizeof(path)) != 0 ||
	    slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (access(path, F_OK) != 0) {
		snprintf(err, errlen, "no container %s on this host", ct);
		return -1;
	}
	if (slave_read_text(path, MSG_CONFIG_MAX, &text, err, errlen) != 0 ||
	    conftext_neutralise(text, ctdir, a->config, sizeof(a->config),
	    err, errlen) != 0 ||
	    slave_containers(ctx, ct, &info, &n, err, errlen) != 0)
		goto out;
	snprintf(a->ct, sizeof(a->ct), "%s", ct);
	a->running = strcmp(slave_ct_state(ctx, ct), "running") == 0;
	a->rootfs_bytes = n == 1 ? info[0].rootfs_bytes : 0;
	a->sized = n == 1 && (ops = storage_named(info[0].backend)) != NULL &&
	    ops->sized;
	ret = 0;
out:
	free(info);
	free(text);
	return ret;
}

struct lxc_check {
	struct slave_ctx *ctx;
	const char *ct;
};

/* LXC reads the new config (an lxc.include or a key this host's LXC
 * lacks would stop it at start): before it replaces anything */
static int
lxc_reads(const char *path, void *arg, char *err, size_t errlen)
{
	struct lxc_check *k = arg;
	struct lxc_container *c;
	bool ok;

	if ((c = lxc_container_new(k->ct, k->ctx->conf.lxcpath)) == NULL) {
		snprintf(err, errlen, "liblxc cannot open it");
		return -1;
	}
	ok = c->load_config(c, path);
	lxc_container_put(c);
	if (!ok) {
		snprintf(err, errlen, "LXC cannot read the config on this "
		    "host (see the slave's log)");
		return -1;
	}
	return 0;
}

/* A config carried from another host (a move, a put or restore of a
 * version the store got from one) must not make LXC run a command here
 * as root: that host may be compromised.  Unless this host's admin takes
 * them (carry_hooks).  0, or -1 with err naming the key. */
static int
host_commands_refused(struct slave_ctx *ctx,
    const struct msg_conf_set_req *q, char *err, size_t errlen)
{
	char key[160], ek[sizeof(key) * ESCAPE_MAX_PER_BYTE];
	int r;

	if (ctx->conf.carry_hooks == CONF_YES ||
	    (r = conftext_host_command(q->config, key, sizeof(key))) == 0)
		return 0;
	snprintf(err, errlen, "%s's config has %s (%s): refused; carry_hooks "
	    "= yes in this slave's corral.conf accepts it", q->ct,
	    str_escaped(ek, sizeof(ek), key), r == 1 ? "a command LXC runs "
	    "on this host as root" : "a file of this host LXC reads as its "
	    "config or writes as root");
	return -1;
}

static int
conf_set(struct slave_ctx *ctx, const struct msg_conf_set_req *q,
    struct msg_conf_set *a, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct lxc_check k = { ctx, q->ct };
	struct conftext_local lc;
	char ctdir[PATH_MAX], rootfs[PATH_MAX], *text = NULL;
	const char *state;
	bool made = false;
	int ret = -1;

	if (q->old[0] != '\0' && !ct_name_valid(q->old)) {
		snprintf(err, errlen, "the old name is not a valid container "
		    "name");
		return -1;
	}
	if (host_commands_refused(ctx, q, err, errlen) != 0)
		return -1;
	if (slave_ct_path(ctx, q->ct, NULL, ctdir, sizeof(ctdir)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (slave_ct_removing(ctx, q->ct)) {
		snprintf(err, errlen, "a removal of %s is unfinished (a REMOVE "
		    "finishes it)", q->ct);
		return -1;
	}
	state = slave_ct_state(ctx, q->ct);
	if (strcmp(state, "absent") != 0 && !(q->flags & MSG_CONF_REPLACE)) {
		snprintf(err, errlen, "%s has a config already (replace "
		    "overwrites it)", q->ct);
		return -1;
	}
	if (strcmp(state, "running") == 0) {
		snprintf(err, errlen, "%s is running: its config is replaced "
		    "only while it is stopped", q->ct);
		return -1;
	}
	if (!s->ops->exists(s, q->ct)) {
		snprintf(err, errlen, "no %s volume for %s on this host "
		    "(VOL_CREATE first)", s->ops->name, q->ct);
		return -1;
	}
	if (s->ops->lxc_rootfs(s, q->ct, rootfs, sizeof(rootfs)) != 0) {
		snprintf(err, errlen, "%s: no lxc.rootfs.path for its volume",
		    q->ct);
		return -1;
	}
	lc = (struct conftext_local){ .rootfs = rootfs, .ctdir = ctdir,
	    .uts_name = q->old[0] != '\0' && strcmp(q->old, q->ct) != 0 ?
	    q->ct : NULL };
	if ((text = malloc(CONF_LOCAL_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (conftext_localise(q->config, &lc, text, CONF_LOCAL_MAX, err,
	    errlen) != 0)
		goto out;
	if (mkdir(ctdir, 0755) == 0)
		made = true;
	else if (errno != EEXIST) {
		snprintf(err, errlen, "%.300s: %s", ctdir, strerror(errno));
		goto out;
	}
	if (slave_write_atomic(ctdir, "config", text, lxc_reads, &k, err,
	    errlen) != 0)
		goto out;
	snprintf(a->ct, sizeof(a->ct), "%s", q->ct);
	snprintf(a->message, sizeof(a->message), "config written (%.400s%s%s)",
	    rootfs, lc.uts_name != NULL ? ", lxc.uts.name " : "",
	    lc.uts_name != NULL ? lc.uts_name : "");
	ret = 0;
out:
	if (ret != 0 && made)
		(void)rmdir(ctdir);
	free(text);
	return ret;
}

/* ERROR "OP NAME: err", logged */
static int
refuse(struct reqloop *l, const struct frame *f, const char *op,
    const char *ct, const char *err)
{
	char pn[PROTO_NAME_MAX * ESCAPE_MAX_PER_BYTE];

	str_escaped(pn, sizeof(pn), ct);
	log_warn("%s: %s %s: %s", l->t->peer, op, pn, err);
	return reply_error(l->t, f->h.id, CERR_REMOTE, "%s %s: %s", op, pn,
	    err);
}

static const char bad_name[] = "not a valid container name (letters, "
    "digits, '.', '_', '-'; 1..63)";

int
slave_handle_conf(struct reqloop *l, const struct frame *f)
{
	char ct[PROTO_NAME_MAX], err[MSG_ERRTEXT_MAX - 96];
	struct msg_conf *a;
	int r;

	if ((r = msg_name_decode(f->payload, ct, sizeof(ct))) != 0)
		return r;
	if (!ct_name_valid(ct))
		return refuse(l, f, "CONF", ct, bad_name);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return CERR_NOMEM;
	if (conf_get(l->ctx, ct, a, err, sizeof(err)) != 0)
		r = refuse(l, f, "CONF", ct, err);
	else {
		log_info("%s: CONF %s: %zu bytes", l->t->peer, ct,
		    strlen(a->config));
		r = reply_msg(l->t, MSG_CT_CONF, f->h.id, msg_conf_enc, a);
	}
	free(a);
	return r;
}

int
slave_handle_conf_set(struct reqloop *l, const struct frame *f)
{
	char err[MSG_ERRTEXT_MAX - 96];
	struct msg_conf_set_req *q;
	struct msg_conf_set a;
	int fd, r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return CERR_NOMEM;
	if ((r = msg_conf_set_req_decode(f->payload, q)) != 0)
		goto out;
	memset(&a, 0, sizeof(a));
	if (!ct_name_valid(q->ct))
		r = refuse(l, f, "CONF_SET", q->ct, bad_name);
	else if ((fd = slave_ct_lock(l->ctx, q->ct, true, err,
	    sizeof(err))) < 0)
		r = refuse(l, f, "CONF_SET", q->ct, err);
	else {
		/* C's config: one operation at a time (ctlock.c) */
		r = conf_set(l->ctx, q, &a, err, sizeof(err));
		slave_ct_unlock(l->ctx, q->ct, fd);
		if (r != 0)
			r = refuse(l, f, "CONF_SET", q->ct, err);
		else {
			log_info("%s: CONF_SET %s: %s", l->t->peer, q->ct,
			    a.message);
			r = reply_msg(l->t, MSG_CT_CONF_SET, f->h.id,
			    msg_conf_set_enc, &a);
		}
	}
out:
	free(q);
	return r;
}
