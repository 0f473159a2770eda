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
#include <sys/socket.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "conf.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "reqloop.h"
#include "slave.h"

MSG_ENC(msg_new)

#define RCS_MAX (64 * 1024)

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
	char num[16];

	/* the template's interfaces (lxc.net.N) all go */
	if (!c->clear_config_item(c, "lxc.net")) {
		snprintf(err, errlen, "cannot clear its lxc.net items");
		return -1;
	}
	snprintf(num, sizeof(num), "%u", q->mtu);
	/* a fixed MAC (LXC fills the x): neighbours' ARP caches stay right
	 * across restarts and moves */
	if (set_item(c, "lxc.net.0.type", "veth", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.link", q->link, err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.flags", "up", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.name", "eth0", err, errlen) != 0 ||
	    set_item(c, "lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx", err,
	    errlen) != 0 ||
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

/* rootfs/etc, held without following a link (the template made it, but a
 * root file system is the container's ground) */
static int
open_etc(const char *rootfs, char *err, size_t errlen)
{
	int root, etc;

	if ((root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", rootfs, strerror(errno));
		return -1;
	}
	etc = openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (etc < 0)
		snprintf(err, errlen, "%s/etc: %s", rootfs, strerror(errno));
	close(root);
	return etc;
}

/* dirfd/name replaced by text (a link there is replaced, not followed) */
static int
write_at(int dirfd, const char *name, const char *text, mode_t mode,
    char *err, size_t errlen)
{
	size_t len = strlen(text);
	int fd;

	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		goto bad;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0)
		goto bad;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		goto bad;
	}
	if (close(fd) != 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "etc/%s: %s", name, strerror(errno));
	return -1;
}

/* The next space-separated word of *s into out (cap bytes); false at the
 * end or for a word too long. */
static bool
next_word(const char **s, char *out, size_t cap)
{
	size_t n;

	*s += strspn(*s, " ");
	n = strcspn(*s, " ");
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return true;
}

/* Everything that goes into its config or files is checked here too: a
 * newline in a value would be a config line of its own. */
static int
check_req(const struct msg_new_req *q, char *err, size_t errlen)
{
	char ip[MSG_IP_MAX];
	const char *p = q->ns;
	struct net_addr a;
	uint32_t prefix;
	size_t n = strcspn(q->addr, "/");

	snprintf(ip, sizeof(ip), "%.*s", (int)n, q->addr);
	if (conf_parse_ip(ip, &a) != 0 || q->addr[n] != '/' ||
	    conf_parse_u32(q->addr + n + 1, 0, a.family == AF_INET ? 32 : 128,
	    &prefix) != 0) {
		snprintf(err, errlen, "'%s' is not ADDRESS/PREFIX", q->addr);
		return -1;
	}
	if (conf_parse_ip(q->gateway, &a) != 0) {
		snprintf(err, errlen, "gateway '%s' is not an address",
		    q->gateway);
		return -1;
	}
	if (!conf_valid_name(q->link) || strlen(q->link) > 15) {
		snprintf(err, errlen, "'%s' is not an interface name", q->link);
		return -1;
	}
	if (q->domain[0] != '\0' && !conf_valid_address(q->domain)) {
		snprintf(err, errlen, "'%s' is not a domain", q->domain);
		return -1;
	}
	while (next_word(&p, ip, sizeof(ip)))
		if (conf_parse_ip(ip, &a) != 0)
			break;
	if (p[strspn(p, " ")] != '\0') {
		snprintf(err, errlen, "name servers '%s' are not addresses",
		    q->ns);
		return -1;
	}
	return 0;
}

static int
write_resolv(int etc, const struct msg_new_req *q, char *err,
    size_t errlen)
{
	char text[1024], ip[MSG_IP_MAX];
	const char *p = q->ns;
	size_t off;

	if (q->domain[0] == '\0' && q->ns[0] == '\0')
		return 0;
	/* at most 28 + 261 + 200 / 2 * 12 bytes: it fits */
	off = (size_t)snprintf(text, sizeof(text),
	    "# written by corral create\n");
	if (q->domain[0] != '\0')
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "search %s\n", q->domain);
	while (next_word(&p, ip, sizeof(ip)) && off < sizeof(text))
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "nameserver %s\n", ip);
	return write_at(etc, "resolv.conf", text, 0644, err, errlen);
}

/* etc/init.d/rcS without the DHCP client busybox's template starts */
static int
drop_dhcp(int etc, char *err, size_t errlen)
{
	static const char cmd[] = "/bin/udhcpc\n";
	char *text = NULL, *hit, *out = NULL;
	ssize_t n;
	int d, fd, ret = -1;

	if ((d = openat(etc, "init.d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return 0;
	if ((fd = openat(d, "rcS", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = 0;
		goto out;
	}
	if ((text = calloc(1, RCS_MAX + 1)) == NULL ||
	    (out = calloc(1, RCS_MAX + 64)) == NULL ||
	    (n = read(fd, text, RCS_MAX)) < 0) {
		snprintf(err, errlen, "etc/init.d/rcS: cannot read it");
		close(fd);
		goto out;
	}
	close(fd);
	text[n] = '\0';
	hit = strstr(text, cmd);
	if (hit == NULL || (hit != text && hit[-1] != '\n')) {
		ret = 0;
		goto out;
	}
	snprintf(out, RCS_MAX + 64, "%.*s# corral: static address: %s",
	    (int)(hit - text), text, hit);
	ret = write_at(d, "rcS", out, 0744, err, errlen);
out:
	free(text);
	free(out);
	close(d);
	return ret;
}

int
slave_ct_new_setup(struct lxc_container *c, const char *rootfs,
    const struct msg_new_req *q, char *err, size_t errlen)
{
	int etc, r;

	if (set_net(c, q, err, errlen) != 0 ||
	    slave_limits_apply(c, MSG_LIM_MEMORY | MSG_LIM_PROC | MSG_LIM_CPU,
	    &q->lim, err, errlen) != 0)
		return -1;
	if ((etc = open_etc(rootfs, err, errlen)) < 0)
		return -1;
	r = write_resolv(etc, q, err, errlen) != 0 ||
	    drop_dhcp(etc, err, errlen) != 0 ? -1 : 0;
	close(etc);
	return r;
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
	if ((r = check_req(&q, err, sizeof(err))) == 0)
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
