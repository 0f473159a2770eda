/* corral-master: the store's read side for the CLI: `corral backups`
 * (the versions), `corral verify` (a version against its manifest) and
 * `corral prune` (retention, or what it would remove).  Each request opens
 * the store of corral.conf `store` for itself: the store locks what it
 * changes (store.h), so these run beside a backup's job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "cerr.h"
#include "clisession.h"
#include "inventory.h"
#include "jobs.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "names.h"
#include "prune.h"
#include "store.h"

static int
version_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_version_list *l = m;

	return msg_version_list_encode(b, l->v, l->n);
}

static int
prune_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_prune_list *l = m;

	return msg_prune_list_encode(b, l->v, l->n);
}

MSG_ENC(msg_verify)

static int
backup_list_enc(struct cbuf *b, const void *m)
{
	const struct msg_backup_list *l = m;

	return msg_backup_list_encode(b, l->v, l->n);
}

/* ct, or every container of the store when ct is "": *names (free with
 * store_names_free).  0, or -1 with err. */
static int
containers(struct store *s, const char *ct, char ***names, size_t *n,
    char *err, size_t errlen)
{
	if (ct[0] == '\0')
		return store_containers(s, names, n, err, errlen);
	if ((*names = calloc(1, sizeof(**names))) == NULL ||
	    ((*names)[0] = strdup(ct)) == NULL) {
		free(*names);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*n = 1;
	return 0;
}

static int
bad_name(struct reqloop *l, uint32_t rid, const char *ct)
{
	return reply_error(l->t, rid, CERR_INVALID, "'%s' is not a valid "
	    "container name (letters, digits, '.', '_', '-'; 1..63, not "
	    "starting with '.' or '-')", ct);
}

static void
version_msg(const char *ct, const struct store_version *v,
    struct msg_version *m)
{
	const char *k = store_kind_name(v->kind);
	const char *meth = store_method_name(v->method);

	memset(m, 0, sizeof(*m));
	snprintf(m->ct, sizeof(m->ct), "%s", ct);
	snprintf(m->version, sizeof(m->version), "%s", v->name);
	snprintf(m->kind, sizeof(m->kind), "%s", k != NULL ? k : "");
	snprintf(m->method, sizeof(m->method), "%s", meth != NULL ? meth : "");
	snprintf(m->host, sizeof(m->host), "%.*s", (int)sizeof(m->host) - 1,
	    v->host);
	m->created = (int64_t)v->created;
	m->files = v->files;
	m->bytes = v->bytes;
	m->stored = v->stored;
	m->verified = (int64_t)v->verified;
	m->bad = v->bad;
}

/* Append ct's versions to l. */
static int
add_versions(struct store *s, const char *ct, struct msg_version_list *l,
    char *err, size_t errlen)
{
	struct store_version *v = NULL;
	struct msg_version *nv;
	size_t i, n = 0;

	if (store_versions(s, ct, &v, &n, err, errlen) != 0)
		return -1;
	if (l->n + n > PROTO_LIST_MAX) {
		snprintf(err, errlen, "more than %u versions: name a container",
		    PROTO_LIST_MAX);
		free(v);
		return -1;
	}
	if (n > 0 && (nv = realloc(l->v, (l->n + n) * sizeof(*nv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(v);
		return -1;
	}
	if (n > 0)
		l->v = nv;
	for (i = 0; i < n; i++)
		version_msg(ct, &v[i], &l->v[l->n++]);
	free(v);
	return 0;
}

int
cli_do_backups(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_version_list vl = { 0 };
	char ct[PROTO_NAME_MAX], err[1024], **names = NULL;
	struct store *s;
	size_t i, n = 0;
	int r;

	if ((r = msg_name_decode(f->payload, ct, sizeof(ct))) != 0)
		return r;
	if (ct[0] != '\0' && !ct_name_valid(ct))
		return bad_name(l, f->h.id, ct);
	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	r = containers(s, ct, &names, &n, err, sizeof(err));
	for (i = 0; r == 0 && i < n; i++)
		r = add_versions(s, names[i], &vl, err, sizeof(err));
	if (r == 0)
		r = reply_msg(l->t, MSG_CLI_BACKUPS, f->h.id,
		    version_list_enc, &vl);
	else
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	store_names_free(names, n);
	msg_version_list_free(&vl);
	store_close(s);
	return r;
}

/* ---- verify ---- */

static void
on_problem(void *arg, const char *relpath, const char *what)
{
	struct msg_verify *m = arg;

	if (m->problems < UINT32_MAX)
		m->problems++;
	if (m->n < MSG_VERIFY_SHOWN) {
		snprintf(m->v[m->n].what, sizeof(m->v[m->n].what), "%s", what);
		snprintf(m->v[m->n].path, sizeof(m->v[m->n].path), "%s",
		    relpath);
		m->n++;
	}
}

/* The newest version of ct into name: 0, or -1 with err. */
static int
newest(struct store *s, const char *ct, char *name, size_t len, char *err,
    size_t errlen)
{
	struct store_version *v = NULL;
	size_t n = 0;

	if (store_versions(s, ct, &v, &n, err, errlen) != 0)
		return -1;
	if (n == 0)
		snprintf(err, errlen, "%s: no version of %s in the store",
		    store_path(s), ct);
	else
		snprintf(name, len, "%s", v[n - 1].name);
	free(v);
	return n == 0 ? -1 : 0;
}

int
cli_do_verify(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_verify_req q;
	struct msg_verify a;
	struct store *s = NULL;
	char err[1024];
	int r, v;

	memset(&a, 0, sizeof(a));
	if ((r = msg_verify_req_decode(f->payload, &q)) != 0)
		return r;
	if (!ct_name_valid(q.ct))
		return bad_name(l, f->h.id, q.ct);
	if ((a.v = calloc(MSG_VERIFY_SHOWN, sizeof(*a.v))) == NULL)
		return CERR_NOMEM;
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.version, sizeof(a.version), "%s", q.version);
	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL ||
	    (a.version[0] == '\0' && newest(s, q.ct, a.version,
	    sizeof(a.version), err, sizeof(err)) != 0)) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
		goto out;
	}
	err[0] = '\0';
	if ((v = store_verify(s, q.ct, a.version, on_problem, &a, err,
	    sizeof(err))) < 0) {
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s %s: %s",
		    q.ct, a.version, err);
		goto out;
	}
	a.good = v == 0;
	snprintf(a.error, sizeof(a.error), "%.*s", (int)sizeof(a.error) - 1, err);
	if (a.good)
		log_info("verify %s %s: good", q.ct, a.version);
	else
		log_warn("verify %s %s: bad, %u problem(s)%s%s", q.ct,
		    a.version, a.problems, err[0] ? ": " : "", err);
	r = reply_msg(l->t, MSG_CLI_VERIFY, f->h.id, msg_verify_enc, &a);
out:
	store_close(s);
	msg_verify_free(&a);
	return r;
}

/* ---- prune ---- */

struct prune_acc {
	struct msg_prune_list l;
	bool full;
};

static void
on_verdict(void *arg, const struct msg_prune_rec *rec)
{
	struct prune_acc *p = arg;
	struct msg_prune_rec *nv;

	if (p->l.n >= PROTO_LIST_MAX || (nv = realloc(p->l.v,
	    (p->l.n + 1) * sizeof(*nv))) == NULL) {
		p->full = true;
		return;
	}
	p->l.v = nv;
	p->l.v[p->l.n++] = *rec;
	if (rec->removed)
		log_notice("prune %s: removed version %s", rec->ct,
		    rec->version);
}

int
cli_do_prune(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_prune_req q;
	struct prune_acc acc = { .full = false };
	struct keep_policy pol;
	char err[1024], **names = NULL;
	struct store *s;
	size_t i, n = 0;
	int r;

	if ((r = msg_prune_req_decode(f->payload, &q)) != 0)
		return r;
	if (q.ct[0] != '\0' && !ct_name_valid(q.ct))
		return bad_name(l, f->h.id, q.ct);
	if ((s = master_store_open(&c->m->conf, err, sizeof(err))) == NULL)
		return reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	master_keep_policy(c->m, &pol);
	r = containers(s, q.ct, &names, &n, err, sizeof(err));
	/* a dry pass first: a listing that fails, or too long an answer, is
	 * said before anything is removed */
	for (i = 0; r == 0 && i < n; i++)
		if (prune_container(s, names[i], &pol, true, on_verdict, &acc,
		    err, sizeof(err)) < 0)
			r = -1;
	if (r == 0 && acc.full) {
		snprintf(err, sizeof(err), "more than %u versions: name a "
		    "container", PROTO_LIST_MAX);
		r = -1;
	}
	if (r == 0 && !(q.flags & MSG_PRUNE_DRY_RUN)) {
		msg_prune_list_free(&acc.l);
		memset(&acc, 0, sizeof(acc));
		for (i = 0; r == 0 && i < n; i++)
			if (prune_container(s, names[i], &pol, false,
			    on_verdict, &acc, err, sizeof(err)) < 0)
				r = -1;
	}
	if (r == 0)
		r = reply_msg(l->t, MSG_CLI_PRUNE, f->h.id, prune_list_enc,
		    &acc.l);
	else
		r = reply_error(l->t, f->h.id, CERR_REMOTE, "%s", err);
	store_names_free(names, n);
	msg_prune_list_free(&acc.l);
	store_close(s);
	return r;
}

/* ---- backup ---- */

/* detach: the run's jobs as queued, then each container not queued (id
 * 0, state failed, or done for a skipped one: not a failure) */
static int
reply_detached(struct reqloop *l, uint32_t rid, const struct msg_backup_list *bl)
{
	struct cli *c = l->ctx;
	const struct msg_backup_item *it;
	struct job *v;
	size_t i, n = 0;
	int r, queued;

	if ((v = calloc(bl->n + 1, sizeof(*v))) == NULL)
		return CERR_NOMEM;
	for (queued = 1; queued >= 0; queued--)
		for (i = 0; i < bl->n; i++) {
			it = &bl->v[i];
			if ((it->job != 0) != queued)
				continue;
			if (queued && job_get(c->inv, it->job, &v[n], NULL,
			    NULL) == 0) {
				n++;
				continue;
			}
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].kind, sizeof(v[n].kind), "backup");
			snprintf(v[n].container, sizeof(v[n].container), "%s",
			    it->ct);
			snprintf(v[n].src, sizeof(v[n].src), "%s", it->host);
			v[n].id = it->job;
			v[n].state = it->job ? JOB_QUEUED : strcmp(it->outcome,
			    "skipped") == 0 ? JOB_DONE : JOB_FAILED;
			if (!it->job)
				snprintf(v[n].error, sizeof(v[n].error),
				    "%s%s%s: %s: %.300s", it->ct, it->host[0] ?
				    " on " : "", it->host, it->outcome,
				    it->reason);
			n++;
		}
	r = reply_jobs(l, rid, v, n);
	free(v);
	return r;
}

int
cli_do_backup(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct job_news news = { .l = l, .rid = f->h.id };
	struct msg_backup_list bl = { 0 };
	struct msg_backup_req *q;
	char err[1024];
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return CERR_NOMEM;
	if ((r = msg_backup_req_decode(f->payload, q)) != 0)
		goto out;
	if (q->host[0] && !ct_name_valid(q->host)) {
		r = reply_error(l->t, f->h.id, CERR_INVALID, "'%s' is "
		    "not a valid host name", q->host);
		goto out;
	}
	if (backup_plan(c, q->host, q->names, q->n, &bl, err,
	    sizeof(err)) != 0) {
		r = reply_error(l->t, f->h.id, CERR_INVALID, "%s", err);
		goto out;
	}
	if (q->flags & MSG_BACKUP_DRY_RUN)
		;
	else if (q->flags & MSG_BACKUP_DETACH) {
		backup_queue(c, &bl, NULL);
		backup_log_report(&bl);
		r = reply_detached(l, f->h.id, &bl);
		goto out;
	} else {
		(void)backup_execute(c, &bl, &news);
		backup_log_report(&bl);
	}
	r = reply_msg(l->t, MSG_CLI_BACKUP, f->h.id, backup_list_enc, &bl);
out:
	msg_backup_list_free(&bl);
	free(q);
	return r;
}
