/* corral-master: corral create NAME --ip ADDR (CLI_NEW_REQ).  The master
 * reads networks.conf and create.conf afresh (an edit needs no restart),
 * settles every setting of the new container from them and the request,
 * checks the address against the inventory's containers, picks the host
 * when none is named, and has that slave make it (CT_NEW).  Every refusal
 * comes before the slave is asked: nothing is changed by a bad request. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cerr.h"
#include "clisession.h"
#include "conf.h"
#include "inventory.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "names.h"

MSG_CODECS(msg_new_req)
MSG_CODECS(msg_new)

/* a template's download, or an LV's mkfs, takes its time */
#define NEW_TIMEOUT_S 1800

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

/* addr is one of the comma-separated list */
static bool
has_addr(const char *list, const struct net_addr *addr)
{
	char one[MSG_IP_MAX];
	struct net_addr a;
	size_t n;

	while (*list != '\0') {
		n = strcspn(list, ",");
		if (n < sizeof(one)) {
			memcpy(one, list, n);
			one[n] = '\0';
			if (conf_parse_ip(one, &a) == 0 &&
			    a.family == addr->family &&
			    memcmp(a.a, addr->a, sizeof(a.a)) == 0)
				return true;
		}
		list += n + (list[n] == ',');
	}
	return false;
}

/* Neither the name nor the address of q is taken in the inventory. */
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
		} else if (has_addr(cl.v[i].ct.ipv4, &a)) {
			snprintf(err, errlen, "%s is the address of container "
			    "%s on %s", q->addr, cl.v[i].ct.name,
			    cl.v[i].host);
			rc = -1;
		}
	}
	msg_ct_rec_list_free(&cl);
	return rc;
}

/* Placement until the load model's own: among the hosts that answered
 * their last poll and are not noselect, the one with the most available
 * memory (the first by name on a tie). */
static const struct msg_host_rec *
most_memory(const struct msg_host_list *hl)
{
	const struct msg_host_rec *best = NULL;
	size_t i;

	for (i = 0; i < hl->n; i++)
		if (strcmp(hl->v[i].state, "up") == 0 && (best == NULL ||
		    hl->v[i].info.mem_available > best->info.mem_available))
			best = &hl->v[i];
	return best;
}

/* The host named (known to slaves.conf and not down), or placement's. */
static int
choose_host(struct cli *c, const char *named, char *host, char *err,
    size_t errlen)
{
	struct master_ctx *m = c->m;
	struct msg_host_list hl = { 0 };
	const struct msg_host_rec *h = NULL;
	size_t i;
	bool known;
	int rc = -1;

	if (named[0] != '\0') {
		pthread_rwlock_rdlock(&m->pollers_lock);
		known = slaves_conf_find(&m->slaves, named) != NULL;
		pthread_rwlock_unlock(&m->pollers_lock);
		if (!known) {
			snprintf(err, errlen, "--host '%s' is not a host of "
			    "%.300s", named, m->conf.slaves);
			return -1;
		}
	}
	if (inventory_hosts(c->inv, &hl) != 0) {
		snprintf(err, errlen, "inventory: %s",
		    inventory_errmsg(c->inv));
		return -1;
	}
	for (i = 0; named[0] != '\0' && i < hl.n; i++)
		if (strcmp(hl.v[i].name, named) == 0)
			h = &hl.v[i];
	if (named[0] == '\0' && (h = most_memory(&hl)) == NULL) {
		snprintf(err, errlen, "no host to put it on: none is up and "
		    "selectable");
		goto out;
	}
	if (h == NULL || strcmp(h->state, "down") == 0) {
		snprintf(err, errlen, "%s is down%s%s", named,
		    h != NULL && h->reason[0] ? ": " : "",
		    h != NULL ? h->reason : "");
		goto out;
	}
	snprintf(host, PROTO_NAME_MAX, "%s", h->name);
	rc = 0;
out:
	msg_host_list_free(&hl);
	return rc;
}

int
cli_do_new(struct reqloop *l, const struct frame *f)
{
	struct cli *c = l->ctx;
	struct msg_new_req q, s;
	struct msg_new a;
	char err[1024], host[PROTO_NAME_MAX];
	int r;

	if ((r = msg_new_req_decode(f->payload, &q)) != 0)
		return r;
	memset(&s, 0, sizeof(s));
	snprintf(s.ct, sizeof(s.ct), "%s", q.ct);
	s.start = q.start;
	if (!ct_name_valid(q.ct)) {
		snprintf(err, sizeof(err), "'%s' is not a valid container "
		    "name (letters, digits, '.', '_', '-'; 1..63)", q.ct);
		return reply_error(l->t, f->h.id, CERR_INVALID, "%s", err);
	}
	if (settle(&q, c->m, &s, err, sizeof(err)) != 0)
		goto refused;
	cli_refresh(c, NULL);
	if (check_free(c, &q, err, sizeof(err)) != 0 ||
	    choose_host(c, q.host, host, err, sizeof(err)) != 0)
		goto refused;
	log_info("create %s: on %s, %s on %s (vlan %u)", q.ct, host, s.addr,
	    s.link, s.vlan);
	if ((r = master_request(c->m, host, MSG_CT_NEW_REQ, msg_new_req_enc,
	    &s, MSG_CT_NEW, msg_new_dec, &a, NEW_TIMEOUT_S, err,
	    sizeof(err))) != 0)
		return reply_error(l->t, f->h.id, r, "%s", err);
	snprintf(a.host, sizeof(a.host), "%s", host);
	cli_refresh(c, host);
	return reply_msg(l->t, MSG_CLI_NEW, f->h.id, msg_new_enc, &a);
refused:
	/* the CLI says "corral: create: " before it */
	return reply_error(l->t, f->h.id, CERR_INVALID, "%s: %s", q.ct, err);
}
