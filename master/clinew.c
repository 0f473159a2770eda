/* corral-master: corral create NAME --ip ADDR (CLI_NEW_REQ).  The master
 * reads networks.conf and create.conf afresh (an edit needs no restart),
 * settles every setting of the new container from them and the request,
 * checks the address against the inventory's containers and the create
 * jobs not ended yet, picks the host when none is named, and queues the
 * job that has that slave make it (kind create, kind_create.h: CT_NEW).
 * Every refusal comes before the job: nothing is changed by a bad
 * request. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrown.h"
#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "jobs.h"
#include "kind_create.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "names.h"
#include "place.h"
#include "placedb.h"

MSG_DEC(msg_new_req)

static void
addr_text(const struct net_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* The network settings of s from e (networks.conf wins) and cc. */
static int
settle_net(const struct network_entry *e, const struct create_conf *cc,
    const struct master_ctx *m, const char *ip, struct msg_new_req *s,
    char *err, size_t errlen)
{
	const struct net_addr *ns = e->n_ns ? e->ns : cc->ns;
	size_t n_ns = e->n_ns ? e->n_ns : cc->n_ns, i, off = 0;
	char a[INET6_ADDRSTRLEN];

	if (e->bridge[0] == '\0' && cc->device[0] == '\0') {
		snprintf(err, errlen, "%.300s:%u puts %s on VLAN %u, and %.300s names "
		    "no device (the bridge of VLAN networks)",
		    m->conf.networks, e->line, ip, e->vlan, m->conf.create);
		return -1;
	}
	snprintf(s->link, sizeof(s->link), "%.15s",
	    e->bridge[0] ? e->bridge : cc->device);
	s->vlan = e->bridge[0] ? 0 : e->vlan;
	snprintf(s->addr, sizeof(s->addr), "%.45s/%u", ip, e->prefix);
	addr_text(&e->gateway, s->gateway, sizeof(s->gateway));
	s->mtu = cc->mtu;
	snprintf(s->domain, sizeof(s->domain), "%s",
	    e->domain[0] ? e->domain : cc->domain);
	for (i = 0; i < n_ns; i++) {
		addr_text(&ns[i], a, sizeof(a));
		off += (size_t)snprintf(s->ns + off, sizeof(s->ns) - off,
		    "%s%s", i ? " " : "", a);
	}
	return 0;
}

/* The limits and template of s: the request's, else create.conf's. */
static int
settle_rest(const struct msg_new_req *q, const struct create_conf *cc,
    const struct master_ctx *m, struct msg_new_req *s, char *err,
    size_t errlen)
{
	if (cc->method != CREATE_LXC_TEMPLATE) {
		snprintf(err, errlen, "%.300s: method is not lxc-template, the "
		    "only one corral create uses", m->conf.create);
		return -1;
	}
	if (q->tmpl[0] == '\0' && (cc->template[0] == '/' ||
	    strlen(cc->template) >= sizeof(s->tmpl))) {
		snprintf(err, errlen, "%.300s: template '%.300s' is not an LXC "
		    "template name", m->conf.create, cc->template);
		return -1;
	}
	/* checked above to fit */
	snprintf(s->tmpl, sizeof(s->tmpl), "%.63s",
	    q->tmpl[0] ? q->tmpl : cc->template);
	s->lim.memory_mb = q->lim.memory_mb ? q->lim.memory_mb : cc->rss_mb;
	s->lim.disk_mb = q->lim.disk_mb ? q->lim.disk_mb : cc->disk_mb;
	s->lim.proc = cc->proc;
	s->lim.cpu_num = q->lim.cpu_num ? q->lim.cpu_num : cc->cpu_num;
	s->lim.cpu_den = q->lim.cpu_num ? q->lim.cpu_den : cc->cpu_den;
	return 0;
}

/* networks.conf and create.conf read now; the network holding the
 * address. */
static int
settle(const struct msg_new_req *q, const struct master_ctx *m,
    struct msg_new_req *s, char *err, size_t errlen)
{
	struct networks_conf nets = { 0 };
	struct create_conf cc;
	const struct network_entry *e;
	struct net_addr a;
	struct conf_err ce;
	const char *why;
	char net[INET6_ADDRSTRLEN];
	int rc = -1;

	if (conf_parse_ip(q->addr, &a) != 0) {
		snprintf(err, errlen, "--ip '%s' is not an IP address",
		    q->addr);
		return -1;
	}
	create_conf_defaults(&cc);
	if (networks_conf_load(m->conf.networks, &nets, &ce) != 0 ||
	    (access(m->conf.create, F_OK) == 0 &&
	    create_conf_load(m->conf.create, &cc, &ce) != 0)) {
		snprintf(err, errlen, "%s", ce.msg);
		goto out;
	}
	if ((e = networks_find(&nets, &a)) == NULL) {
		snprintf(err, errlen, "%s is in no network of %.300s", q->addr,
		    m->conf.networks);
		goto out;
	}
	addr_text(&e->net, net, sizeof(net));
	if ((why = network_host_check(e, &a)) != NULL) {
		snprintf(err, errlen, "%s %s of %s/%u (%.300s:%u)", q->addr, why,
		    net, e->prefix, m->conf.networks, e->line);
		goto out;
	}
	if (settle_net(e, &cc, m, q->addr, s, err, errlen) != 0 ||
	    settle_rest(q, &cc, m, s, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	networks_conf_free(&nets);
	return rc;
}

/* No create job not ended yet makes a container on address a (the
 * inventory learns of it only once made). */
static int
check_jobs(struct cli *c, const struct net_addr *a, char *err,
    size_t errlen)
{
	struct addr_owner o;
	int r;

	if ((r = addr_create_job(c->inv, a, NULL, NULL, &o, err,
	    errlen)) == 1)
		snprintf(err, errlen, "job %lld is making container %s on that "
		    "address", (long long)o.job, o.name);
	return r == 0 ? 0 : -1;
}

/* Neither the name nor the address of q is taken in the inventory (a
 * running container's, or a stopped one's configured address), nor the
 * address by a create job. */
static int
check_free(struct cli *c, const struct msg_new_req *q, char *err,
    size_t errlen)
{
	struct msg_ct_rec_list cl = { 0 };
	struct net_addr a;
	size_t i;
	int rc = 0;

	if (inventory_containers(c->inv, NULL, NULL, &cl) != 0) {
		snprintf(err, errlen, "inventory: %s",
		    inventory_errmsg(c->inv));
		return -1;
	}
	(void)conf_parse_ip(q->addr, &a);
	for (i = 0; i < cl.n && rc == 0; i++) {
		if (strcmp(cl.v[i].ct.name, q->ct) == 0) {
			snprintf(err, errlen, "container %s exists on %s",
			    q->ct, cl.v[i].host);
			rc = -1;
		} else if (addr_of_ct(&cl.v[i].ct, &a)) {
			snprintf(err, errlen, "%s is the address of container "
			    "%s on %s", q->addr, cl.v[i].ct.name,
			    cl.v[i].host);
			rc = -1;
		}
	}
	msg_ct_rec_list_free(&cl);
	return rc != 0 ? rc : check_jobs(c, &a, err, errlen);
}

/* Placement's choice (place.h) for a container of s's memory and disk:
 * the lowest score among the hosts that may take it. */
static int
placed(struct cli *c, const struct msg_new_req *s, char *host, char *err,
    size_t errlen)
{
	struct place_pool p;
	struct place_cand *cand;
	long got;

	if (placedb_load(c->inv, &c->m->conf, time(NULL), &p) != 0) {
		snprintf(err, errlen, "inventory: %s", inventory_errmsg(c->inv));
		return -1;
	}
	if ((cand = calloc(p.nh + 1, sizeof(*cand))) == NULL) {
		placedb_free(&p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	got = place_choose(&p, (uint64_t)s->lim.memory_mb << 20,
	    (uint64_t)s->lim.disk_mb << 20, cand);
	if (got >= 0)
		snprintf(host, PROTO_NAME_MAX, "%s", p.h[got].name);
	else
		snprintf(err, errlen, "no host may take it (%u MiB of memory, "
		    "%u MiB of disk): see corral place", s->lim.memory_mb,
		    s->lim.disk_mb);
	free(cand);
	placedb_free(&p);
	return got >= 0 ? 0 : -1;
}

/* The host named (known to slaves.conf, then as any destination is
 * checked: cli_host_takes), or placement's for s. */
static int
choose_host(struct cli *c, const char *named, const struct msg_new_req *s,
    char *host, char *err, size_t errlen)
{
	struct master_ctx *m = c->m;
	bool known;

	if (named[0] == '\0')
		return placed(c, s, host, err, errlen);
	pthread_rwlock_rdlock(&m->pollers_lock);
	known = slaves_conf_find(&m->slaves, named) != NULL;
	pthread_rwlock_unlock(&m->pollers_lock);
	if (!known) {
		snprintf(err, errlen, "--host '%s' is not a host of %.300s",
		    named, m->conf.slaves);
		return -1;
	}
	if (cli_host_takes(c, named, err, errlen) != 0)
		return -1;
	snprintf(host, PROTO_NAME_MAX, "%s", named);
	return 0;
}

int
cli_do_new(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_new_req q, s;
	struct job j;
	char err[1024], host[PROTO_NAME_MAX];
	int r;

	if ((r = msg_new_req_decode(f->payload, &q)) != 0)
		return r;
	memset(&s, 0, sizeof(s));
	snprintf(s.ct, sizeof(s.ct), "%s", q.ct);
	s.start = q.start & MSG_NEW_START;
	if (!ct_name_valid(q.ct)) {
		snprintf(err, sizeof(err), "'%s' is not a valid container "
		    "name (letters, digits, '.', '_', '-'; 1..63)", q.ct);
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s", err);
	}
	if (settle(&q, c->m, &s, err, sizeof(err)) != 0)
		goto refused;
	cli_refresh(c, NULL);
	if (check_free(c, &q, err, sizeof(err)) != 0 ||
	    choose_host(c, q.host, &s, host, err, sizeof(err)) != 0)
		goto refused;
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "create");
	snprintf(j.container, sizeof(j.container), "%s", q.ct);
	snprintf(j.dst, sizeof(j.dst), "%s", host);
	if (create_args_new(&s, j.args, sizeof(j.args)) != 0) {
		snprintf(err, sizeof(err), "its settings do not fit a job's "
		    "%d bytes", JOB_ARGS_MAX);
		goto refused;
	}
	log_info("create %s: on %s, %s on %s (vlan %u)", q.ct, host, s.addr,
	    s.link, s.vlan);
	return job_submit_and_wait(l, f->h.id, &j,
	    (q.start & MSG_NEW_DETACH) != 0);
refused:
	/* the CLI says "corral: create: " before it */
	return reply_error(l->t, f->h.id, CERR_INVALID, "%s: %s", q.ct, err);
}
