/* corral-master: containers' addresses (addrown.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrown.h"
#include "msg.h"

bool
addr_in_list(const char *list, const struct net_addr *addr)
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

bool
addr_of_ct(const struct msg_ct_info *ct, const struct net_addr *addr)
{
	return addr_in_list(ct->ipv4, addr) ||
	    addr_in_list(ct->ipv4_config, addr);
}

static bool
skipped(const struct msg_ct_rec *r, const char *skip_host,
    const char *const *skip_names)
{
	if (skip_host == NULL || skip_names == NULL ||
	    strcmp(r->host, skip_host) != 0)
		return false;
	for (; *skip_names != NULL; skip_names++)
		if (strcmp(r->ct.name, *skip_names) == 0)
			return true;
	return false;
}

int
addr_owner(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names, char *host,
    size_t hostlen, char *name, size_t namelen, char *err, size_t errlen)
{
	struct msg_ct_rec_list cl = { 0 };
	const struct msg_ct_rec *r;
	size_t i;
	int found = 0;

	if (inventory_containers(inv, NULL, NULL, &cl) != 0) {
		snprintf(err, errlen, "inventory: %s", inventory_errmsg(inv));
		return -1;
	}
	for (i = 0; i < cl.n && !found; i++) {
		r = &cl.v[i];
		if (skipped(r, skip_host, skip_names))
			continue;
		if (addr_of_ct(&r->ct, addr)) {
			snprintf(host, hostlen, "%s", r->host);
			snprintf(name, namelen, "%s", r->ct.name);
			found = 1;
		}
	}
	msg_ct_rec_list_free(&cl);
	return found;
}

/* s (len bytes) is "lxc.net.<digits>.ipv4.address" or ipv6's */
static bool
addr_key(const char *s, size_t len)
{
	static const char pre[] = "lxc.net.";
	size_t i = sizeof(pre) - 1;

	if (len <= i || strncmp(s, pre, i) != 0 || !isdigit((unsigned char)s[i]))
		return false;
	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	return (len - i == 13 && (strncmp(s + i, ".ipv4.address", 13) == 0 ||
	    strncmp(s + i, ".ipv6.address", 13) == 0));
}

int
config_next_addr(const char *config, size_t *pos, struct net_addr *addr,
    char *text, size_t textlen)
{
	const char *line, *eq, *v;
	size_t len, klen, vlen;

	while (config[*pos] != '\0') {
		line = config + *pos;
		/* LXC ends a line at CR too */
		len = strcspn(line, "\r\n");
		*pos += len + (line[len] != '\0');
		while (len > 0 && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
		if ((eq = memchr(line, '=', len)) == NULL)
			continue;
		for (klen = (size_t)(eq - line); klen > 0 &&
		    isspace((unsigned char)line[klen - 1]); klen--)
			;
		if (!addr_key(line, klen))
			continue;
		for (v = eq + 1; v < line + len && isspace((unsigned char)*v);
		    v++)
			;
		/* the address, up to its prefix or the line's end */
		vlen = strcspn(v, "/ \t\r\n");
		if (vlen > (size_t)(line + len - v))
			vlen = (size_t)(line + len - v);
		if (vlen == 0 || vlen >= textlen)
			continue;
		memcpy(text, v, vlen);
		text[vlen] = '\0';
		if (conf_parse_ip(text, addr) == 0)
			return 1;
	}
	return 0;
}

int
config_addr_owner(struct inventory *inv, const char *config, size_t *pos,
    const char *skip_host, const char *const *skip_names,
    struct addr_owner *o, char *err, size_t errlen)
{
	struct net_addr a;
	int r;

	while (config_next_addr(config, pos, &a, o->addr,
	    sizeof(o->addr)) == 1)
		if ((r = addr_owner(inv, &a, skip_host, skip_names, o->host,
		    sizeof(o->host), o->name, sizeof(o->name), err,
		    errlen)) != 0)
			return r;
	return 0;
}

const char *
addr_taken(const struct addr_owner *o, const char *name, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s is the address of container %s on %s too: "
	    "%s would start on it; change one of them first, or make it "
	    "without --start; nothing changed", o->addr, o->name, o->host,
	    name);
	return buf;
}
