/* corral: networks.conf, the networks containers are put on (same file on
 * every host).
 *
 * One network per line, VS-Tools style:
 *
 *   vlan,network/prefix,gateway[,domain[,nameserver nameserver...]]
 *
 * vlan 0 is untagged.  A VLAN has at most one IPv4 and one IPv6 network.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "lines.h"
#include "values.h"

#define VLAN_MAX 4094
#define FIELDS_MAX 5
#define USAGE "vlan,network/prefix,gateway[,domain[,name servers]]"

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const char *
family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static void
addr_str(const struct net_addr *a, char *buf, size_t size)
{
	if (inet_ntop(a->family, a->a, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

/* Byte i of the netmask of a prefix. */
static uint8_t
mask_byte(unsigned prefix, size_t i)
{
	if (prefix >= 8 * (i + 1))
		return 0xff;
	if (prefix <= 8 * i)
		return 0;
	return (uint8_t)(0xff << (8 - (prefix - 8 * i)));
}

/* out = a with everything past prefix bits cleared. */
static void
addr_mask(const struct net_addr *a, unsigned prefix, struct net_addr *out)
{
	size_t i;

	*out = *a;
	for (i = 0; i < addr_len(a->family); i++)
		out->a[i] &= mask_byte(prefix, i);
}

static bool
addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->a, b->a, addr_len(a->family)) == 0;
}

/* The IPv4 broadcast address: every host bit set (no such thing in /31,
 * /32 or IPv6). */
static bool
is_broadcast(const struct net_addr *a, unsigned prefix)
{
	size_t i;

	if (a->family != AF_INET || prefix >= 31)
		return false;
	for (i = 0; i < 4; i++)
		if ((uint8_t)(a->a[i] | mask_byte(prefix, i)) != 0xff)
			return false;
	return true;
}

static int
parse_network(const struct conf_lines *l, char *f, struct network_entry *e,
    struct conf_err *err)
{
	char net[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	struct net_addr masked;
	char *slash;
	uint32_t prefix, bits;

	if ((slash = strchr(f, '/')) == NULL) {
		conf_error(err, l->fname, l->lineno,
		    "network: '%s' has no /prefix", f);
		return -1;
	}
	*slash = '\0';
	if (conf_parse_ip(f, &e->net) != 0) {
		conf_error(err, l->fname, l->lineno,
		    "network: '%s' is not an IP address", f);
		return -1;
	}
	bits = e->net.family == AF_INET ? 32 : 128;
	if (conf_parse_u32(slash + 1, 0, bits, &prefix) != 0) {
		conf_error(err, l->fname, l->lineno,
		    "network: prefix '%s' is not 0..%u for %s", slash + 1, bits,
		    family_name(e->net.family));
		return -1;
	}
	e->prefix = (uint8_t)prefix;
	addr_mask(&e->net, prefix, &masked);
	if (!addr_eq(&masked, &e->net)) {
		addr_str(&e->net, net, sizeof(net));
		addr_str(&masked, want, sizeof(want));
		conf_error(err, l->fname, l->lineno,
		    "network: %s/%u has host bits set (did you mean %s/%u?)",
		    net, prefix, want, prefix);
		return -1;
	}
	return 0;
}

static int
parse_gateway(const struct conf_lines *l, const char *f,
    struct network_entry *e, struct conf_err *err)
{
	char net[INET6_ADDRSTRLEN];
	struct net_addr masked;

	if (conf_parse_ip(f, &e->gateway) != 0) {
		conf_error(err, l->fname, l->lineno,
		    "gateway: '%s' is not an IP address", f);
		return -1;
	}
	addr_str(&e->net, net, sizeof(net));
	if (e->gateway.family != e->net.family) {
		conf_error(err, l->fname, l->lineno,
		    "gateway: %s is not an %s address like %s/%u", f,
		    family_name(e->net.family), net, e->prefix);
		return -1;
	}
	addr_mask(&e->gateway, e->prefix, &masked);
	if (!addr_eq(&masked, &e->net)) {
		conf_error(err, l->fname, l->lineno,
		    "gateway: %s is outside %s/%u", f, net, e->prefix);
		return -1;
	}
	if (addr_eq(&e->gateway, &e->net)) {
		conf_error(err, l->fname, l->lineno,
		    "gateway: %s is the network address of %s/%u", f, net,
		    e->prefix);
		return -1;
	}
	if (is_broadcast(&e->gateway, e->prefix)) {
		conf_error(err, l->fname, l->lineno,
		    "gateway: %s is the broadcast address of %s/%u", f, net,
		    e->prefix);
		return -1;
	}
	return 0;
}

static int
parse_line(const struct conf_lines *l, char *line, struct network_entry *e,
    struct conf_err *err)
{
	char *f[FIELDS_MAX + 1];
	char why[512];
	size_t nf = 0, i;
	uint32_t vlan;
	char *p = line, *comma;

	memset(e, 0, sizeof(*e));
	e->line = l->lineno;
	/* One field past the maximum is enough to say there are too many. */
	while (nf < CONF_ARRAY_LEN(f)) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		f[nf++] = conf_trim(p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (nf > FIELDS_MAX) {
		conf_error(err, l->fname, l->lineno,
		    "too many fields (expected " USAGE ")");
		return -1;
	}
	if (nf < 3) {
		conf_error(err, l->fname, l->lineno,
		    "missing fields (expected " USAGE ")");
		return -1;
	}
	for (i = 0; i < nf; i++) {
		/* An empty domain is allowed only to give name servers. */
		if (*f[i] == '\0' && !(i == 3 && nf == 5)) {
			conf_error(err, l->fname, l->lineno,
			    "field %zu is empty (expected " USAGE ")", i + 1);
			return -1;
		}
	}
	if (conf_parse_u32(f[0], 0, VLAN_MAX, &vlan) != 0) {
		conf_error(err, l->fname, l->lineno,
		    "vlan: '%s' is not a VLAN id (0..%d)", f[0], VLAN_MAX);
		return -1;
	}
	e->vlan = (uint16_t)vlan;
	if (parse_network(l, f[1], e, err) != 0 ||
	    parse_gateway(l, f[2], e, err) != 0)
		return -1;
	if (nf >= 4 && *f[3] != '\0') {
		if (!conf_valid_dns_name(f[3]) ||
		    strlen(f[3]) >= sizeof(e->domain)) {
			conf_error(err, l->fname, l->lineno,
			    "domain: '%s' is not a domain name", f[3]);
			return -1;
		}
		memcpy(e->domain, f[3], strlen(f[3]) + 1);
	}
	if (nf == 5 && conf_parse_ns_list(f[4], e->ns, CONF_NS_MAX, &e->n_ns,
	    why, sizeof(why)) != 0) {
		conf_error(err, l->fname, l->lineno, "name servers: %s", why);
		return -1;
	}
	return 0;
}

int
networks_conf_parse_mem(const char *fname, const char *data, size_t len,
    struct networks_conf *nc, struct conf_err *err)
{
	struct conf_lines l;
	struct network_entry *v = NULL, *nv;
	unsigned *first = NULL;     /* line of each (vlan, family), or 0 */
	size_t n = 0, cap = 0, slot;
	char *line;
	int r, ret = -1;

	nc->v = NULL;
	nc->n = 0;
	if (conf_lines_init(&l, fname, data, len, err) != 0)
		goto out;
	if ((first = calloc(2 * (VLAN_MAX + 1), sizeof(*first))) == NULL) {
		conf_error(err, l.fname, 0, "out of memory");
		goto out;
	}
	while ((r = conf_lines_next(&l, &line, err)) == 1) {
		if ((nv = conf_grow(v, &cap, n, sizeof(*v))) == NULL) {
			conf_error(err, l.fname, l.lineno, "out of memory");
			goto out;
		}
		v = nv;
		if (parse_line(&l, line, &v[n], err) != 0)
			goto out;
		slot = 2 * (size_t)v[n].vlan + (v[n].net.family == AF_INET6);
		if (first[slot] != 0) {
			conf_error(err, l.fname, l.lineno,
			    "vlan %u already has an %s network on line %u",
			    v[n].vlan, family_name(v[n].net.family),
			    first[slot]);
			goto out;
		}
		first[slot] = l.lineno;
		n++;
	}
	if (r < 0)
		goto out;
	nc->v = v;
	nc->n = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(first);
	return ret;
}

int
networks_conf_load(const char *path, struct networks_conf *nc,
    struct conf_err *err)
{
	char *data;
	size_t len;
	int ret;

	nc->v = NULL;
	nc->n = 0;
	if (conf_read_file(path, &data, &len, err) != 0)
		return -1;
	ret = networks_conf_parse_mem(path, data, len, nc, err);
	free(data);
	return ret;
}

void
networks_conf_free(struct networks_conf *nc)
{
	if (nc == NULL)
		return;
	free(nc->v);
	nc->v = NULL;
	nc->n = 0;
}
