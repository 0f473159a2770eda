/* corral-slave: CT_RENAME — a stopped container C made container N on
 * this host (the swap of `corral restore --force`): its volume, its LXC
 * directory and its config, never half.  The order, so that a slave
 * killed at any point leaves a state that the same request (the master
 * asks again) or the next slave start (slave_ct_sweep) finishes:
 *   1. N's config written whole as LXCPATH/C/config.rename-N: the intent
 *      (it names N; until 2, C is whole and LXC reads its old config);
 *   2. C's volume renamed N;
 *   3. LXCPATH/C renamed LXCPATH/N;
 *   4. LXCPATH/N/config.rename-N renamed config.  Done.
 * From 2 to 4 the config LXC reads names a volume that is gone: neither
 * name starts until the rename is finished.  A refusal (before 1)
 * changes nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define INTENT "config.rename-"
/* tests/integration/ctl.sh kills the slave after steps 1 and 2 */
#define TEST_PAUSE "CORRAL_TEST_RENAME_PAUSE"
#define CONF_LOCAL_MAX (4 * MSG_CONFIG_MAX)

MSG_ENC(msg_ctl)

/* LXCPATH/dir/config.rename-to */
static int
intent_path(struct slave_ctx *ctx, const char *dir, const char *to,
    char *buf, size_t len)
{
	char f[sizeof(INTENT) + PROTO_NAME_MAX];

	snprintf(f, sizeof(f), "%s%s", INTENT, to);
	return slave_ct_path(ctx, dir, f, buf, len);
}

static bool
ends_new(const char *name)
{
	size_t l = strlen(name), sl = strlen(SLAVE_NEW_SUFFIX);

	return l > sl && strcmp(name + l - sl, SLAVE_NEW_SUFFIX) == 0;
}

/* Whether entry name is an intent: 1 a whole one, its target into to
 * (PROTO_NAME_MAX); 2 one half-written (slave_write_atomic's temp file of
 * it); 0 neither. */
static int
intent_name(const char *name, char *to)
{
	char t[PROTO_NAME_MAX + sizeof(SLAVE_NEW_SUFFIX)];
	bool half;
	size_t l;

	if (strncmp(name, INTENT, strlen(INTENT)) != 0)
		return 0;
	name += strlen(INTENT);
	if ((l = strlen(name)) >= sizeof(t))
		return 0;
	memcpy(t, name, l + 1);
	if ((half = ends_new(t)))
		t[l - strlen(SLAVE_NEW_SUFFIX)] = '\0';
	if (!ct_name_valid(t))
		return 0;
	memcpy(to, t, strlen(t) + 1);
	return half ? 2 : 1;
}

/* The target of an intent in LXCPATH/dir into to ("" none). */
static void
intent_of(struct slave_ctx *ctx, const char *dir, char *to, size_t len)
{
	char p[PATH_MAX], t[PROTO_NAME_MAX];
	struct dirent *e;
	DIR *d;

	to[0] = '\0';
	if (slave_ct_path(ctx, dir, NULL, p, sizeof(p)) != 0 ||
	    (d = opendir(p)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (intent_name(e->d_name, t) == 1) {
			snprintf(to, len, "%s", t);
			break;
		}
	closedir(d);
}

/* Step 1 cut short (a slave killed while it wrote the intent): its temp
 * file goes; nothing else was touched, ct is whole. */
static void
drop_half_intents(struct slave_ctx *ctx, const char *ct)
{
	char p[PATH_MAX], t[PROTO_NAME_MAX];
	struct dirent *e;
	DIR *d;

	if (slave_ct_path(ctx, ct, NULL, p, sizeof(p)) != 0 ||
	    (d = opendir(p)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (intent_name(e->d_name, t) == 2 &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_notice("%s: removed a half-written intent to rename "
			    "it to %s a stopped slave left", ct, t);
	closedir(d);
}

/* N's config: C's, made host-neutral and then N's (its volume, its
 * directory, lxc.uts.name N if it was C), malloc'd into *out. */
static int
config_for(struct slave_ctx *ctx, const char *ct, const char *to,
    char **out, char *err, size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct conftext_local lc;
	char path[PATH_MAX], ctdir[PATH_MAX], todir[PATH_MAX];
	char rootfs[PATH_MAX], uts[PROTO_NAME_MAX * 2] = "";
	char *text = NULL, *neutral = NULL;
	int ret = -1;

	*out = NULL;
	if (slave_ct_path(ctx, ct, "config", path, sizeof(path)) != 0 ||
	    slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) != 0 ||
	    slave_ct_path(ctx, to, NULL, todir, sizeof(todir)) != 0 ||
	    s->ops->lxc_rootfs(s, to, rootfs, sizeof(rootfs)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (slave_read_text(path, MSG_CONFIG_MAX, &text, err, errlen) != 0)
		return -1;
	if ((neutral = malloc(MSG_CONFIG_MAX + 1)) == NULL ||
	    (*out = malloc(CONF_LOCAL_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	(void)conftext_get(text, "lxc.uts.name", uts, sizeof(uts));
	lc = (struct conftext_local){ .rootfs = rootfs, .ctdir = todir,
	    .uts_name = strcmp(uts, ct) == 0 ? to : NULL };
	if (conftext_neutralise(text, ctdir, neutral, MSG_CONFIG_MAX + 1, err,
	    errlen) != 0 ||
	    conftext_localise(neutral, &lc, *out, CONF_LOCAL_MAX, err,
	    errlen) != 0)
		goto out;
	ret = 0;
out:
	if (ret != 0) {
		free(*out);
		*out = NULL;
	}
	free(neutral);
	free(text);
	return ret;
}

/* Step 4, in LXCPATH/to. */
static int
finish_in(struct slave_ctx *ctx, const char *to, char *err, size_t errlen)
{
	char in[PATH_MAX], cfg[PATH_MAX], dir[PATH_MAX];

	if (intent_path(ctx, to, to, in, sizeof(in)) != 0 ||
	    slave_ct_path(ctx, to, "config", cfg, sizeof(cfg)) != 0 ||
	    slave_ct_path(ctx, to, NULL, dir, sizeof(dir)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (rename(in, cfg) != 0 || slave_fsync_dir(dir) != 0) {
		snprintf(err, errlen, "%.300s: %s", in, strerror(errno));
		return -1;
	}
	return 0;
}

/* Steps 2 to 4, from the intent in LXCPATH/ct on. */
static int
finish(struct slave_ctx *ctx, const char *ct, const char *to, char *err,
    size_t errlen)
{
	struct storage *s = &ctx->storage;
	char ctdir[PATH_MAX], todir[PATH_MAX];

	if (slave_ct_path(ctx, ct, NULL, ctdir, sizeof(ctdir)) != 0 ||
	    slave_ct_path(ctx, to, NULL, todir, sizeof(todir)) != 0) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (s->ops->exists(s, ct) && strcmp(slave_ct_state(ctx, ct),
	    "stopped") != 0) {
		/* started since step 1 (LXC's autostart before this slave
		 * came up, a roll back that started it again): the rename
		 * never renames what runs; its intent goes, C stays C */
		char ip[PATH_MAX];

		if (intent_path(ctx, ct, to, ip, sizeof(ip)) == 0 &&
		    unlink(ip) == 0)
			log_warn("%s: runs: its rename to %s is dropped", ct, to);
		snprintf(err, errlen, "%s runs (started since the rename "
		    "began): the rename is dropped, %s stays %s", ct, ct, ct);
		return -1;
	}
	if (s->ops->exists(s, ct)) {
		if (s->ops->rename(s, ct, to, err, errlen) != 0)
			return -1;
		log_info("%s: renaming to %s: its %s volume renamed", ct, to,
		    s->ops->name);
		slave_test_pause(TEST_PAUSE, ct, "volume renamed");
	} else if (!s->ops->exists(s, to)) {
		snprintf(err, errlen, "neither %s nor %s has a %s volume: not "
		    "mine to finish", ct, to, s->ops->name);
		return -1;
	}
	if (renameat2(AT_FDCWD, ctdir, AT_FDCWD, todir,
	    RENAME_NOREPLACE) != 0 ||
	    slave_fsync_dir(ctx->conf.lxcpath) != 0) {
		snprintf(err, errlen, "rename %.200s to %.200s: %s", ctdir, todir,
		    strerror(errno));
		return -1;
	}
	return finish_in(ctx, to, err, errlen);
}

/* The checks of a fresh rename: ct whole, stopped, on its volume, to
 * nothing at all. */
static int
check(struct slave_ctx *ctx, const char *ct, const char *to, char *err,
    size_t errlen)
{
	struct storage *s = &ctx->storage;
	struct lxc_container *c;
	struct slave_snap sn;
	char path[PATH_MAX], val[PATH_MAX], *text = NULL;
	int ret = -1;

	if (slave_ct_removing(ctx, ct)) {
		snprintf(err, errlen, "a removal of it is unfinished");
		return -1;
	}
	c = lxc_container_new(ct, ctx->conf.lxcpath);
	if (c == NULL || !c->is_defined(c)) {
		snprintf(err, errlen, "no container %s on this host", ct);
		goto out;
	}
	if (c->is_running(c)) {
		snprintf(err, errlen, "it is running: stop it first");
		goto out;
	}
	if (slave_snap_status(ctx, ct, &sn, err, errlen) != 0)
		goto out;
	if (sn.kind != SNAP_KIND_NONE) {
		snprintf(err, errlen, "a copy holds it (its snapshot or "
		    "hold): drop it first");
		goto out;
	}
	if (slave_ct_path(ctx, ct, "config", path, sizeof(path)) != 0 ||
	    slave_read_text(path, MSG_CONFIG_MAX, &text, err, errlen) != 0)
		goto out;
	if (slave_rootfs_at(ctx, ct, text, val, sizeof(val)) !=
	    ROOTFS_VOLUME || !s->ops->exists(s, ct)) {
		snprintf(err, errlen, "its rootfs %.300s is not its volume on this "
		    "host's %s storage", val, s->ops->name);
		goto out;
	}
	if (slave_ct_path(ctx, to, NULL, path, sizeof(path)) != 0 ||
	    access(path, F_OK) == 0 || errno != ENOENT) {
		snprintf(err, errlen, "%.300s exists already", path);
		goto out;
	}
	if (s->ops->exists(s, to)) {
		snprintf(err, errlen, "a %s volume for %s exists already",
		    s->ops->name, to);
		goto out;
	}
	ret = 0;
out:
	free(text);
	if (c != NULL)
		lxc_container_put(c);
	return ret;
}

static int
do_rename(struct slave_ctx *ctx, const struct msg_rename_req *q,
    struct msg_ctl *a, char *err, size_t errlen)
{
	char ctdir[PATH_MAX], other[PROTO_NAME_MAX];
	char name[sizeof(INTENT) + PROTO_NAME_MAX], *text = NULL;
	int ret = -1;

	/* an unfinished one of this very rename: finished */
	intent_of(ctx, q->to, other, sizeof(other));
	if (strcmp(other, q->to) == 0) {
		if (finish_in(ctx, q->to, err, errlen) != 0)
			return -1;
		goto done_unfinished;
	}
	intent_of(ctx, q->ct, other, sizeof(other));
	if (strcmp(other, q->to) == 0) {
		if (finish(ctx, q->ct, q->to, err, errlen) != 0)
			return -1;
		goto done_unfinished;
	}
	if (other[0] != '\0') {
		snprintf(err, errlen, "a rename of it to %s is unfinished (a "
		    "RENAME to %s finishes it)", other, other);
		return -1;
	}
	if (check(ctx, q->ct, q->to, err, errlen) != 0 ||
	    config_for(ctx, q->ct, q->to, &text, err, errlen) != 0)
		goto out;
	snprintf(name, sizeof(name), "%s%s", INTENT, q->to);
	if (slave_ct_path(ctx, q->ct, NULL, ctdir, sizeof(ctdir)) != 0) {
		snprintf(err, errlen, "path too long");
		goto out;
	}
	if (slave_write_atomic(ctdir, name, text, NULL, NULL, err,
	    errlen) != 0)
		goto out;
	log_notice("%s: renaming to %s: %s written", q->ct, q->to, name);
	slave_test_pause(TEST_PAUSE, q->ct, "intent written");
	if (finish(ctx, q->ct, q->to, err, errlen) != 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (unfinished: the same RENAME "
		    "or the next slave start finishes it)");
		goto out;
	}
	snprintf(a->message, sizeof(a->message), "renamed %s", q->to);
	ret = 0;
out:
	free(text);
	return ret;
done_unfinished:
	log_notice("%s: an unfinished rename to %s finished", q->ct, q->to);
	snprintf(a->message, sizeof(a->message), "an unfinished rename to "
	    "%s finished", q->to);
	return 0;
}

int
slave_handle_rename(struct reqloop *l, const struct frame *f)
{
	struct slave_ctx *ctx = l->ctx;
	struct msg_rename_req q;
	struct msg_ctl a;
	char err[MSG_ERRTEXT_MAX - 96], pn[PROTO_NAME_MAX * 4];
	char pt[PROTO_NAME_MAX * 4];
	int fd[2], r;

	if ((r = msg_rename_req_decode(f->payload, &q)) != 0)
		return r;
	str_escaped(pn, sizeof(pn), q.ct);
	str_escaped(pt, sizeof(pt), q.to);
	memset(&a, 0, sizeof(a));
	r = -1;
	if (!ct_name_valid(q.ct) || !ct_name_valid(q.to))
		snprintf(err, sizeof(err), "'%s' is not a valid container "
		    "name (letters, digits, '.', '_', '-'; 1..63)",
		    !ct_name_valid(q.ct) ? pn : pt);
	else if (strcmp(q.ct, q.to) == 0)
		snprintf(err, sizeof(err), "the same name");
	else if (ends_new(q.to))
		/* its intent would read as a half-written one */
		snprintf(err, sizeof(err), "a name ending in %s",
		    SLAVE_NEW_SUFFIX);
	else if (slave_ct_lock_pair(ctx, q.ct, q.to, fd, err,
	    sizeof(err)) == 0) {
		/* both names, one operation at a time (ctlock.c) */
		if ((r = do_rename(ctx, &q, &a, err, sizeof(err))) == 0)
			snprintf(a.state, sizeof(a.state), "%s",
			    slave_ct_state(ctx, q.to));
		slave_ct_unlock(ctx, q.to, fd[1]);
		slave_ct_unlock(ctx, q.ct, fd[0]);
	}
	if (r != 0) {
		log_warn("%s: RENAME %s to %s: %s", l->t->peer, pn, pt, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "RENAME %s to "
		    "%s: %s", pn, pt, err);
	}
	snprintf(a.ct, sizeof(a.ct), "%s", q.to);
	log_info("%s: RENAME %s to %s: %s", l->t->peer, pn, pt, a.message);
	return reply_msg(l->t, MSG_CT_RENAME, f->h.id, msg_ctl_enc, &a);
}

void
slave_rename_sweep(struct slave_ctx *ctx, const char *ct)
{
	char to[PROTO_NAME_MAX], err[512];
	int r;

	drop_half_intents(ctx, ct);
	intent_of(ctx, ct, to, sizeof(to));
	if (to[0] == '\0')
		return;
	r = strcmp(to, ct) == 0 ? finish_in(ctx, ct, err, sizeof(err)) :
	    finish(ctx, ct, to, err, sizeof(err));
	if (r != 0)
		log_warn("%s: leftover rename to %s: %s", ct, to, err);
	else
		log_notice("%s: finished a rename to %s a stopped slave left",
		    ct, to);
}
