/* corral: networks.conf, the networks containers are put on (same file on
 * every host).
 *
 * One network per line, VS-Tools style:
 *
 *   vlan|bridge,network/prefix,gateway[,domain[,nameserver nameserver...]]
 *
 * vlan 0 is untagged.  A VLAN has at most one IPv4 and one IPv6 network.
 * A bridge name instead of a VLAN id puts the network on that bridge of
 * whichever host the container is on; several networks may share a bridge
 * name (each host has its own bridge of that name).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "lines.h"
#include "records.h"
#include "values.h"

#define VLAN_MAX 4094
#define FIELDS_MAX 5
#define USAGE "vlan|bridge,network/prefix,gateway[,domain[,name servers]]"

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

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
parse_line(const struct conf_lines *l, char *line, void *entry,
    struct conf_err *err)
{
	struct network_entry *e = entry;
	char *f[FIELDS_MAX + 1];
	char why[512];
	size_t nf = 0, i;
	uint32_t vlan;
	char *p = line, *comma;

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
	if (nf == 2) {
		conf_error(err, l->fname, l->lineno,
		    "network %s has no gateway (expected " USAGE ")", f[1]);
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
	/* a bridge name starts with a letter, a VLAN id never does */
	if (!is_letter(*f[0])) {
		if (conf_parse_u32(f[0], 0, VLAN_MAX, &vlan) != 0) {
			conf_error(err, l->fname, l->lineno,
			    "vlan: '%s' is not a VLAN id (0..%d)", f[0],
			    VLAN_MAX);
			return -1;
		}
		e->vlan = (uint16_t)vlan;
	} else if (conf_check_ifname(f[0]) != NULL) {
		conf_error(err, l->fname, l->lineno, "bridge: '%s' %s", f[0],
		    conf_check_ifname(f[0]));
		return -1;
	} else
		memcpy(e->bridge, f[0], strlen(f[0]) + 1);
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

/* The line of the first network of each (vlan, family), or 0. */
static void *
seen_new(void)
{
	return calloc(2 * (VLAN_MAX + 1), sizeof(unsigned));
}

static int
seen_add(void *seen, const void *entry, const struct conf_lines *l,
    struct conf_err *err)
{
	const struct network_entry *e = entry;
	unsigned *first = seen;
	size_t slot = 2 * (size_t)e->vlan + (e->net.family == AF_INET6);

	if (e->bridge[0] != '\0')
		return 0;        /* a bridge name is per host: no rule */
	if (first[slot] != 0) {
		conf_error(err, l->fname, l->lineno,
		    "vlan %u already has an %s network on line %u", e->vlan,
		    family_name(e->net.family), first[slot]);
		return -1;
	}
	first[slot] = l->lineno;
	return 0;
}

const struct network_entry *
networks_find(const struct networks_conf *n, const struct net_addr *a)
{
	struct net_addr masked;
	size_t i;

	for (i = 0; i < n->n; i++) {
		if (n->v[i].net.family != a->family)
			continue;
		addr_mask(a, n->v[i].prefix, &masked);
		if (addr_eq(&masked, &n->v[i].net))
			return &n->v[i];
	}
	return NULL;
}

const char *
network_host_check(const struct network_entry *e, const struct net_addr *a)
{
	if (addr_eq(a, &e->net) && e->prefix < (a->family == AF_INET ?
	    31 : 127))
		return "is the network address";
	if (addr_eq(a, &e->gateway))
		return "is the gateway";
	if (is_broadcast(a, e->prefix))
		return "is the broadcast address";
	return NULL;
}

static const struct conf_record_kind networks_kind = {
	.size = sizeof(struct network_entry),
	.line_off = offsetof(struct network_entry, line),
	.parse = parse_line,
	.seen_new = seen_new,
	.seen_add = seen_add,
};

CONF_RECORDS_API(networks, networks_kind)
