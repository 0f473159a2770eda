/* corral-master: `corral get C [--host H]` and `corral put C --host H
 * [--version V] [--as NAME] [--size BYTES] [--start]`: the request checked
 * against a fresh inventory and the store, then queued as a job of kind
 * get or put (kind_get.h).  A refusal changes nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrown.h"
#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "jobs.h"
#include "master.h"
#include "msg.h"
#include "store.h"

MSG_ENC(msg_job)

/* Queue j, or for a dry run say what would be queued. */
static int
submit(struct reqloop *l, uint32_t rid, struct job *j, uint32_t flags)
{
	struct msg_job m;

	if (flags & MSG_STORE_DRY_RUN) {
		job_msg(j, &m);    /* id 0, queued: nothing queued */
		return reply_msg(l->t, MSG_CLI_JOB_QUEUED, rid, msg_job_enc, &m);
	}
	return job_submit_and_wait(l, rid, j, (flags & MSG_STORE_DETACH) != 0);
}

static int
check_get(struct cli *c, const struct msg_store_req *q, char *host,
    char *err, size_t errlen)
{
	struct store *s;

	if (!conf_valid_name(q->ct) || (q->host[0] &&
	    !conf_valid_name(q->host))) {
		snprintf(err, errlen, "'%s' is not a valid name",
		    !conf_valid_name(q->ct) ? q->ct : q->host);
		return -1;
	}
	if ((s = master_store_open(&c->m->conf, err, errlen)) == NULL)
		return -1;
	store_close(s);
	cli_refresh(c, q->host[0] ? q->host : NULL);
	return cli_locate(c, q->ct, q->host, "--host", host, err, errlen);
}

int
cli_do_get(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_store_req q;
	struct job j;
	char err[512], host[PROTO_NAME_MAX];
	int r;

	if ((r = msg_store_req_decode(f->payload, &q)) != 0)
		return r;
	if (check_get(c, &q, host, err, sizeof(err)) != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "get %s: %s",
		    q.ct, err);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "get");
	snprintf(j.container, sizeof(j.container), "%s", q.ct);
	snprintf(j.src, sizeof(j.src), "%s", host);
	return submit(l, f->h.id, &j, q.flags);
}

/* --size must hold the version's files: smaller, the copy would fill
 * the volume (lvm), and the host's free-space check (dir, btrfs) would
 * weigh the size given, not what is copied.  0, or -1 with err. */
static int
size_fits(struct store *s, const struct msg_store_req *q, const char *version,
    char *err, size_t errlen)
{
	uint64_t need;

	if (q->size == 0)
		return 0;
	if (store_version_need(s, q->ct, version, &need, NULL, err,
	    errlen) != 0)
		return -1;
	if (q->size >= need)
		return 0;
	snprintf(err, errlen, "--size %llu MiB is less than the %llu MiB of "
	    "files of version %s", (unsigned long long)(q->size >> 20),
	    (unsigned long long)((need + (1 << 20) - 1) >> 20), version);
	return -1;
}

/* Whether what the request makes starts: --start, or a restore --force
 * over a container that runs (the restored one is started in its
 * place). */
static bool
will_start(struct cli *c, const struct msg_store_req *q, const char *name)
{
	struct msg_ct_rec_list cl = { 0 };
	bool ran = false;

	if (q->flags & MSG_STORE_START)
		return true;
	if (!(q->flags & MSG_STORE_FORCE) ||
	    inventory_containers(c->inv, name, q->host, &cl) != 0)
		return false;           /* the job checks again */
	ran = cl.n > 0 && strcmp(cl.v[0].ct.state, "running") == 0;
	msg_ct_rec_list_free(&cl);
	return ran;
}

/* A copy that starts: no address of the version's config is another
 * container's, a running one's or a stopped one's configured address (the
 * job checks again: the inventory may change). */
static int
check_addrs(struct cli *c, const struct msg_store_req *q, const char *name,
    const struct store_reader *rd, char *err, size_t errlen)
{
	const char *const skip[] = { name, NULL };
	struct addr_owner o;
	size_t pos = 0;
	char *config;
	int r;

	if (!will_start(c, q, name))
		return 0;
	if ((config = malloc(MSG_CONFIG_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((r = store_read_config(rd, config, MSG_CONFIG_MAX + 1, err,
	    errlen)) == 0 && (r = config_addr_owner(c->inv, config, &pos,
	    q->host, skip, &o, err, errlen)) == 1)
		addr_taken(&o, name, err, errlen);
	free(config);
	return r == 0 ? 0 : -1;
}

/* The version (q->version, "" the newest) is in the store and good,
 * --size holds it and a copy that starts takes no one's address: its name
 * into version. */
static int
check_version(struct cli *c, const struct msg_store_req *q, const char *name,
    char *version, char *err, size_t errlen)
{
	struct store_reader rd;
	struct store *s;
	time_t t;
	unsigned n;
	int rc = -1;

	if (q->version[0] && !store_version_parse(q->version, &t, &n)) {
		snprintf(err, errlen, "'%s' is not a version name "
		    "(YYYYMMDDTHHMMSSZ)", q->version);
		return -1;
	}
	if ((s = master_store_open(&c->m->conf, err, errlen)) == NULL)
		return -1;
	if (store_read_open(s, q->ct, q->version[0] ? q->version : NULL, &rd,
	    err, errlen) != 0)
		goto out;
	if (rd.bad)
		snprintf(err, errlen, "version %s is marked bad (its last "
		    "verify failed, or it has no manifest): name another with "
		    "--version", rd.version);
	else if (size_fits(s, q, rd.version, err, errlen) == 0 &&
	    check_addrs(c, q, name, &rd, err, errlen) == 0) {
		snprintf(version, STORE_VERSION_MAX, "%s", rd.version);
		rc = 0;
	}
	store_read_close(&rd);
out:
	store_close(s);
	return rc;
}

static int
check_put(struct cli *c, const struct msg_store_req *q, const char *name,
    bool restore, char *version, char *err, size_t errlen)
{
	struct msg_ct_rec_list cl = { 0 };
	bool replaces;
	int rc;

	if (!conf_valid_name(q->ct) || !conf_valid_name(name) ||
	    !conf_valid_name(q->host)) {
		snprintf(err, errlen, "'%s' is not a valid name",
		    !conf_valid_name(q->ct) ? q->ct : !conf_valid_name(name) ?
		    name : q->host);
		return -1;
	}
	if (check_version(c, q, name, version, err, errlen) != 0)
		return -1;
	cli_refresh(c, q->host);
	if (cli_host_usable(c, q->host, err, errlen) != 0)
		return -1;
	if (inventory_containers(c->inv, name, q->host, &cl) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		return -1;
	}
	/* --force: the job keeps it until the restored one is whole; it
	 * replaces it, even on a drained host (no container more there) */
	rc = cl.n > 0 && !(q->flags & MSG_STORE_FORCE) ? -1 : 0;
	replaces = cl.n > 0 && (q->flags & MSG_STORE_FORCE);
	msg_ct_rec_list_free(&cl);
	if (rc == 0 && !replaces &&
	    cli_host_takes(c, q->host, err, errlen) != 0)
		return -1;
	if (rc != 0)
		snprintf(err, errlen, "%s has a container %s already%s",
		    q->host, name, restore ? " (--force replaces it, kept "
		    "until the restored one is whole)" : "");
	return rc;
}

/* put and restore: the same request and the same job run (kind_put.c),
 * under kind's name. */
static int
put_request(struct reqloop *l, const struct frame *f, const char *kind,
    const char *hostopt)
{
	struct cli *c = l->ctx;
	struct msg_store_req q;
	struct job j;
	char err[512], version[STORE_VERSION_MAX];
	const char *name;
	int r;

	if ((r = msg_store_req_decode(f->payload, &q)) != 0)
		return r;
	name = q.as[0] ? q.as : q.ct;
	if ((q.flags & MSG_STORE_FORCE) && strcmp(kind, "restore") != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s %s: "
		    "--force is restore's", kind, q.ct);
	if (q.host[0] == '\0')
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s %s: name "
		    "the host with %s", kind, q.ct, hostopt);
	if (check_put(c, &q, name, strcmp(kind, "restore") == 0, version, err,
	    sizeof(err)) != 0)
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s %s: %s",
		    kind, q.ct, err);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "%s", kind);
	snprintf(j.container, sizeof(j.container), "%s", name);
	snprintf(j.dst, sizeof(j.dst), "%s", q.host);
	snprintf(j.args, sizeof(j.args), "from=%s version=%s start=%d size=%"
	    PRIu64 "%s", q.ct, version, (q.flags & MSG_STORE_START) != 0,
	    q.size, (q.flags & MSG_STORE_FORCE) ? " force=1" : "");
	return submit(l, f->h.id, &j, q.flags);
}

int
cli_do_put(struct reqloop *l, const struct frame *f)
{
	return put_request(l, f, "put", "--host");
}

/* corral restore: a put of kind restore (its own name in the jobs) */
int
cli_do_restore(struct reqloop *l, const struct frame *f)
{
	return put_request(l, f, "restore", "--to");
}
