/* corral-slave: CT_NEW — a container made as CT_CREATE makes one (create.c),
 * with the network the master chose from networks.conf and create.conf and
 * its limits: one veth interface on a host bridge (tagged with a VLAN id
 * when there is one) with a static address, gateway and MTU, the limits as
 * cgroup keys (limits.c), /etc/resolv.conf in its root file system.  A
 * template's DHCP client would flush the static address, so it is
 * commented out where the template starts it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "ctnew.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "reqloop.h"
#include "slave.h"

MSG_ENC(msg_new)

/* One config item set after every line of it is gone. */
static int
set_item(struct lxc_container *c, const char *key, const char *val,
    char *err, size_t errlen)
{
	if (!c->set_config_item(c, key, val)) {
		snprintf(err, errlen, "liblxc refused %s = %s", key, val);
		return -1;
	}
	return 0;
}

static int
set_net(struct lxc_container *c, const struct msg_new_req *q, char *err,
    size_t errlen)
{
	bool v6 = strchr(q->addr, ':') != NULL;
	unsigned char r[3];
	char num[16], mac[18];

	/* the template's interfaces (lxc.net.N) all go */
	if (!c->clear_config_item(c, "lxc.net")) {
		snprintf(err, errlen, "cannot clear its lxc.net items");
		return -1;
	}
	snprintf(num, sizeof(num), "%u", q->mtu);
	/* a fixed MAC, drawn here: neighbours' ARP caches stay right across
	 * restarts and moves.  LXC's 00:16:3e:xx:xx:xx is filled anew each
	 * time the config is read, so the first start (this object) ran with
	 * another MAC than the one saved, and a neighbour took some 35 s to
	 * give up the old one after the first restart. */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "cannot draw a MAC address: %s",
		    strerror(errno));
		return -1;
	}
	snprintf(mac, sizeof(mac), "00:16:3e:%02x:%02x:%02x", r[0], r[1], r[2]);
	if (set_item(c, "lxc.net.0.type", "veth", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.link", q->link, err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.flags", "up", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.name", "eth0", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.hwaddr", mac, err, errlen) != 0 ||
	    (q->mtu != 0 &&
	    set_item(c, "lxc.net.0.mtu", num, err, errlen) != 0) ||
	    set_item(c, v6 ? "lxc.net.0.ipv6.address" :
	    "lxc.net.0.ipv4.address", q->addr, err, errlen) != 0 ||
	    set_item(c, v6 ? "lxc.net.0.ipv6.gateway" :
	    "lxc.net.0.ipv4.gateway", q->gateway, err, errlen) != 0)
		return -1;
	snprintf(num, sizeof(num), "%u", q->vlan);
	if (q->vlan != 0 &&
	    set_item(c, "lxc.net.0.veth.vlan.id", num, err, errlen) != 0)
		return -1;
	return 0;
}

int
slave_ct_new_setup(struct lxc_container *c, const char *rootfs,
    const struct msg_new_req *q, char *err, size_t errlen)
{
	if (set_net(c, q, err, errlen) != 0 ||
	    slave_limits_apply(c, MSG_LIM_MEMORY | MSG_LIM_PROC | MSG_LIM_CPU,
	    &q->lim, err, errlen) != 0)
		return -1;
	return ctnew_write_files(rootfs, q, err, errlen);
}

int
slave_handle_new(struct reqloop *l, const struct frame *f)
{
	struct slave_ctx *ctx = l->ctx;
	struct msg_new_req q;
	struct msg_new a;
	char err[MSG_ERRTEXT_MAX - 96], pn[PROTO_NAME_MAX * 4];
	int r;

	if ((r = msg_new_req_decode(f->payload, &q)) != 0)
		return r;
	if (q.start & ~MSG_NEW_START)   /* detach is the CLI's, not ours */
		return CERR_PROTOCOL;
	str_escaped(pn, sizeof(pn), q.ct);
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	snprintf(a.backend, sizeof(a.backend), "%s", ctx->storage.ops->name);
	if ((r = ctnew_check(&q, err, sizeof(err))) == 0)
		r = slave_ct_create(ctx, q.ct, (uint64_t)q.lim.disk_mb << 20,
		    q.tmpl[0] ? q.tmpl : "busybox", q.start, &q, a.rootfs,
		    sizeof(a.rootfs), err, sizeof(err));
	if (r != 0) {
		log_warn("%s: NEW %s: %s", l->t->peer, pn, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE, "NEW %s: %s",
		    pn, err);
	}
	snprintf(a.addr, sizeof(a.addr), "%s", q.addr);
	snprintf(a.link, sizeof(a.link), "%s", q.link);
	a.vlan = q.vlan;
	a.lim = q.lim;
	a.started = q.start;
	return reply_msg(l->t, MSG_CT_NEW, f->h.id, msg_new_enc, &a);
}
