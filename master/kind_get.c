/* corral-master: the job kind get (kind_get.h): a container of a slave
 * into the master's store as a new version, and get_into_store(), which
 * backup shares.  The job's src is the host, its container C. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "codec.h"
#include "jobrun.h"
#include "kind_get.h"
#include "master.h"
#include "msg.h"
#include "store.h"
#include "storexfer.h"

struct watch {
	struct job_ctx *c;
	struct msg_progress last;     /* the engine's last word */
};

/* The engine's progress, and the job's cancel as its answer. */
static int
on_progress(void *arg, const struct msg_progress *p)
{
	struct watch *w = arg;

	w->last = *p;
	job_bytes(w->c, p->bytes_done, p->bytes_total);
	return job_cancelled(w->c);
}

static uint64_t
mib_up(uint64_t b)
{
	return (b + (1u << 20) - 1) >> 20;
}

/* A copy into a store that ran out of room: what the store has free and
 * what this version still needed: its bytes not come yet (the sender's
 * count of the tree, else the container's size on its host, less what
 * came).  Said when the error is a full disk, or the store has less free
 * than that; "" else. */
static void
space_note(const char *store, const char *into, const struct watch *w,
    uint64_t rootfs_bytes, const char *err, char *buf, size_t len)
{
	uint64_t total = w->last.bytes_total ? w->last.bytes_total :
	    rootfs_bytes, left, avail;
	struct statvfs v;

	buf[0] = '\0';
	if (statvfs(into, &v) != 0 && statvfs(store, &v) != 0)
		return;
	avail = (uint64_t)v.f_bavail * v.f_frsize;
	left = total > w->last.bytes_done ? total - w->last.bytes_done : 0;
	if (strstr(err, strerror(ENOSPC)) == NULL &&
	    strstr(err, strerror(EDQUOT)) == NULL && avail >= left)
		return;
	snprintf(buf, len, "; the store %s needs %" PRIu64 " MiB more for "
	    "this version (still to come of its %" PRIu64 " MiB), it has %"
	    PRIu64 " MiB free", store, mib_up(left), mib_up(total),
	    avail >> 20);
}

/* The store of corral.conf, or NULL with the job failed at step. */
struct store *
job_store_open(struct job_ctx *c, const char *step)
{
	struct store *s;
	char err[1024];

	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL)
		job_fail(c, "%s: %s", step, err);
	return s;
}

/* The version's config: the host-neutral text CT_CONF gave. */
static int
write_config(const struct store_tx_info *in, const char *text, char *err,
    size_t errlen)
{
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd, rc = -1;

	/* a new file: on a links store the one there is a hard link of the
	 * last version's config, which a write into it would change */
	if (unlinkat(in->dir_fd, STORE_CONFIG, 0) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%.900s/%s: %s", in->path, STORE_CONFIG,
		    strerror(errno));
		return -1;
	}
	fd = openat(in->dir_fd, STORE_CONFIG, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%.900s/%s: %s", in->path, STORE_CONFIG,
		    strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%.900s/%s: %s", in->path,
			    STORE_CONFIG, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "%.900s/%s: %s", in->path, STORE_CONFIG,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* files, bytes and stored of the version just made, as the store lists
 * it (what the manifest counted). */
static void
version_figures(struct store *s, const char *ct, struct get_result *res)
{
	struct store_version v;
	char err[512];

	if (store_version_get(s, ct, res->version, &v, err, sizeof(err)) != 0)
		return;
	res->files = v.files;
	res->bytes = v.bytes;
	res->stored = v.stored;
}

/* The copy and the commit, into store s; conf is C's config. */
static int
copy_commit(struct job_ctx *c, struct store *s, const char *ct,
    const char *host, const struct msg_conf *conf, struct get_result *res)
{
	struct watch w = { .c = c };
	struct storexfer_opts o = { .progress = on_progress, .arg = &w,
	    .job = (uint64_t)c->job->id };
	struct store_meta meta = { .host = host, .kind = res->kind };
	struct storexfer_result xr;
	struct store_changes *ch;
	struct store_tx *tx;
	char src[PROTO_NAME_MAX + 1], err[1024], room[CONF_PATH_MAX + 160];
	char into[sizeof(store_tx_info(tx)->path)];

	job_step(c, "copy");
	if ((ch = store_changes_new()) == NULL)
		return job_fail(c, "copy: out of memory");
	if (store_begin(s, ct, &tx, err, sizeof(err)) != 0) {
		store_changes_free(ch);
		return job_fail(c, "copy: %s", err);
	}
	if (store_tx_info(tx)->resumed)
		job_note(c, "resuming the version an earlier run left in %s",
		    store_tx_info(tx)->path);
	snprintf(src, sizeof(src), "@%s", ct);
	snprintf(into, sizeof(into), "%s", store_tx_info(tx)->path);
	if (store_get_tree(c->m, host, src, tx, ch, &o, &xr, err,
	    sizeof(err)) != 0) {
		store_abort(tx);        /* what arrived stays for the next run */
		store_changes_free(ch);
		if (job_cancelled(c)) {
			job_note(c, "cancelled during the copy: earlier "
			    "versions unchanged, what arrived kept for the "
			    "next get");
			return JOB_OUT_CANCELLED;
		}
		space_note(c->m->conf.store, into, &w, conf->rootfs_bytes,
		    err, room, sizeof(room));
		return job_fail(c, "copy from %s into %s: %s%s; earlier "
		    "versions unchanged", host, into, err, room);
	}
	if (write_config(store_tx_info(tx), conf->config, err,
	    sizeof(err)) != 0) {
		store_abort(tx);
		store_changes_free(ch);
		return job_fail(c, "copy: %s", err);
	}
	job_step(c, "commit");
	if (store_commit(tx, &meta, ch, err, sizeof(err)) != 0) {
		store_changes_free(ch);
		return job_fail(c, "commit: %s; earlier versions unchanged",
		    err);
	}
	store_changes_free(ch);
	snprintf(res->version, sizeof(res->version), "%s", meta.version);
	res->literal = xr.st.literal_bytes;
	res->wire = xr.wire_bytes;
	res->usec = xr.usec;
	res->files = xr.st.files;
	res->bytes = xr.st.bytes_total;
	version_figures(s, ct, res);
	job_bytes(c, xr.wire_bytes, xr.wire_bytes);
	return JOB_OUT_DONE;
}

void
job_snap_drop_stale(struct job_ctx *c, const char *host, const char *ct)
{
	char err[512];
	int r;

	/* a snapshot an earlier run of this job took (the master died: its
	 * send is dead, whether or not the slave has noticed), or a send
	 * whose worker was killed left: garbage, never an admin's */
	if ((r = master_snap_drop_stale(c->m, host, ct, c->job->id, err,
	    sizeof(err))) == 1)
		job_note(c, "dropped the snapshot of %s a send that is over "
		    "left on %s", ct, host);
	else if (r < 0)
		job_note(c, "dropping a snapshot a send left on %s: %s", host,
		    err);
}

int
get_into_store(struct job_ctx *c, const char *ct, const char *host,
    enum store_kind kind, unsigned flags, struct get_result *res)
{
	struct msg_conf *conf;
	struct store *s = NULL;
	char err[1024];
	int r;

	memset(res, 0, sizeof(*res));
	job_step(c, "config");
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return job_fail(c, "config: out of memory");
	if (master_conf_get(c->m, host, ct, conf, err, sizeof(err)) != 0) {
		r = job_fail(c, "config from %s: %s", host, err);
		goto out;
	}
	job_snap_drop_stale(c, host, ct);
	/* asked once the host answered: a host out of reach waits once */
	if (master_snap_held(c->m, host, ct, false, err, sizeof(err)) == 1) {
		r = job_fail(c, "config: %s; nothing changed", err);
		goto out;
	}
	if (conf->running && (flags & GET_COLD_ONLY)) {
		job_note(c, "%s runs on %s: a cold copy is made only of a "
		    "stopped container; skipped", ct, host);
		r = GET_SKIPPED;
		goto out;
	}
	res->kind = kind ? kind : conf->running ? STORE_HOT : STORE_COLD;
	if (job_cancelled(c)) {
		r = JOB_OUT_CANCELLED;          /* nothing done yet */
		goto out;
	}
	if ((s = job_store_open(c, "copy")) == NULL) {
		r = JOB_OUT_FAILED;
		goto out;
	}
	r = copy_commit(c, s, ct, host, conf, res);
out:
	store_close(s);
	free(conf);
	return r;
}

/* "version=V kind=K files=N ..." for the CLI (corral get's output). */
void
get_result_text(const struct get_result *res, char *buf, size_t len)
{
	snprintf(buf, len, "version=%s kind=%s files=%" PRIu64 " bytes=%"
	    PRIu64 " literal=%" PRIu64 " wire=%" PRIu64 " stored=%" PRIu64,
	    res->version, store_kind_name(res->kind) ?
	    store_kind_name(res->kind) : "?", res->files, res->bytes,
	    res->literal, res->wire, res->stored);
}

int
get_run(struct job_ctx *c)
{
	const struct job *j = c->job;
	struct get_result res;
	char text[JOB_RESULT_MAX];
	int r;

	job_step(c, "check");
	r = get_into_store(c, j->container, j->src, STORE_GET, 0, &res);
	if (r != JOB_OUT_DONE)
		return r;
	get_result_text(&res, text, sizeof(text));
	if (job_set_result(c->inv, j->id, text) != 0)
		job_note(c, "cannot record its result: %s", text);
	job_note(c, "version %s: %" PRIu64 " files, %" PRIu64 " bytes sent, %"
	    PRIu64 " stored", res.version, res.files, res.wire, res.stored);
	(void)job_step(c, "done");
	return JOB_OUT_DONE;
}

bool
get_made_by_job(struct job_ctx *c, bool by_get, struct get_result *res)
{
	const struct job *j = c->job;
	struct store_version *v = NULL;
	struct store *s;
	char err[1024];
	size_t n = 0;
	bool made = false;

	memset(res, 0, sizeof(*res));
	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL)
		return false;
	/* The commit publishes by renaming .incoming: one still there is
	 * this job's copy, not published.  The newest version's time alone
	 * cannot tell: names have whole seconds, and the version of a get
	 * that ended in the second this job started passes it (a master
	 * killed at this job's commit then called that one its own, done,
	 * with nothing of this run committed). */
	if (store_pending(s, j->container, err, sizeof(err)) == 0 &&
	    store_versions(s, j->container, &v, &n, err, sizeof(err)) == 0 &&
	    n > 0 && v[n - 1].created >= j->started / 1000 &&
	    strcmp(v[n - 1].host, j->src) == 0 &&
	    (v[n - 1].kind == STORE_GET) == by_get) {
		snprintf(res->version, sizeof(res->version), "%s",
		    v[n - 1].name);
		res->kind = v[n - 1].kind;
		res->files = v[n - 1].files;
		res->bytes = v[n - 1].bytes;
		res->stored = v[n - 1].stored;
		made = true;
	}
	free(v);
	store_close(s);
	return made;
}

/* A master killed mid-get: run it again, which resumes the store's
 * .incoming (unless the master died after the commit had made the
 * version).  A snapshot its killed send took, the slave may still hold
 * (a connection it has not seen close): the config step drops it, as a
 * send of this job's, and never an admin's (backup's recover the same). */
int
get_recover(struct job_ctx *c)
{
	const struct job *j = c->job;
	struct get_result res;
	char text[JOB_RESULT_MAX];

	if ((strcmp(j->step, "commit") == 0 || strcmp(j->step, "done") == 0) &&
	    get_made_by_job(c, true, &res)) {
		get_result_text(&res, text, sizeof(text));
		(void)job_set_result(c->inv, j->id, text);
		job_note(c, "master restarted during %s: version %s was made; "
		    "done", j->step, res.version);
		(void)job_step(c, "done");
		return JOB_OUT_DONE;
	}
	job_note(c, "master restarted during %s: resuming: getting %s from "
	    "%s again (what reached the store is kept)", j->step[0] ?
	    j->step : "its start", j->container, j->src);
	return get_run(c);
}
