/* corral-master: containers' addresses (addrown.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrown.h"
#include "jobs.h"
#include "msg.h"

/* The next address of a comma-separated list (*list moved past it;
 * those that are none skipped): 1 with it in a and text, 0 at the end. */
static int
next_in_list(const char **list, struct net_addr *a, char *text,
    size_t textlen)
{
	size_t n;

	while (**list != '\0') {
		n = strcspn(*list, ",");
		if (n < textlen) {
			memcpy(text, *list, n);
			text[n] = '\0';
		}
		*list += n + ((*list)[n] == ',');
		if (n < textlen && conf_parse_ip(text, a) == 0)
			return 1;
	}
	return 0;
}

bool
addr_in_list(const char *list, const struct net_addr *addr)
{
	char one[MSG_IP_MAX];
	struct net_addr a;

	while (next_in_list(&list, &a, one, sizeof(one)) == 1)
		if (a.family == addr->family &&
		    memcmp(a.a, addr->a, sizeof(a.a)) == 0)
			return true;
	return false;
}

bool
addr_of_ct(const struct msg_ct_info *ct, const struct net_addr *addr)
{
	return addr_in_list(ct->ipv4, addr) ||
	    addr_in_list(ct->ipv4_config, addr);
}

static bool
skipped(const char *host, const char *name, const char *skip_host,
    const char *const *skip_names)
{
	if (skip_host == NULL || skip_names == NULL ||
	    strcmp(host, skip_host) != 0)
		return false;
	for (; *skip_names != NULL; skip_names++)
		if (strcmp(name, *skip_names) == 0)
			return true;
	return false;
}

int
addr_create_job(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names,
    struct addr_owner *o, char *err, size_t errlen)
{
	char a[MSG_IP_MAX];
	struct job *v;
	size_t i, n;
	int found = 0;

	if (job_list(inv, INT64_MAX, &v, &n) != 0) {
		snprintf(err, errlen, "inventory: %s", inventory_errmsg(inv));
		return -1;
	}
	for (i = 0; i < n && !found; i++) {
		if (strcmp(v[i].kind, "create") != 0 ||
		    skipped(v[i].dst, v[i].container, skip_host, skip_names))
			continue;
		msg_kv_get(v[i].args, "addr", a, sizeof(a));
		a[strcspn(a, "/")] = '\0';
		if (a[0] != '\0' && addr_in_list(a, addr)) {
			snprintf(o->host, sizeof(o->host), "%s", v[i].dst);
			snprintf(o->name, sizeof(o->name), "%s",
			    v[i].container);
			o->job = v[i].id;
			found = 1;
		}
	}
	free(v);
	return found;
}

int
addr_owner(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names, bool running,
    struct addr_owner *o, char *err, size_t errlen)
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
		if (skipped(r->host, r->ct.name, skip_host, skip_names) ||
		    (running && strcmp(r->ct.state, "running") != 0))
			continue;
		if (addr_of_ct(&r->ct, addr)) {
			snprintf(o->host, sizeof(o->host), "%s", r->host);
			snprintf(o->name, sizeof(o->name), "%s", r->ct.name);
			o->job = 0;
			found = 1;
		}
	}
	msg_ct_rec_list_free(&cl);
	/* one being made: the inventory learns of it once it is */
	return found ? found : addr_create_job(inv, addr, skip_host,
	    skip_names, o, err, errlen);
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
		if ((r = addr_owner(inv, &a, skip_host, skip_names, false, o,
		    err, errlen)) != 0)
			return r;
	return 0;
}

int
list_addr_owner(struct inventory *inv, const char *list,
    const char *skip_host, const char *const *skip_names, bool running,
    struct addr_owner *o, char *err, size_t errlen)
{
	struct net_addr a;
	int r;

	while (next_in_list(&list, &a, o->addr, sizeof(o->addr)) == 1)
		if ((r = addr_owner(inv, &a, skip_host, skip_names, running, o,
		    err, errlen)) != 0)
			return r;
	return 0;
}

const char *
addr_owner_text(const struct addr_owner *o, char *buf, size_t len)
{
	if (o->job != 0)
		snprintf(buf, len, "container %s, which job %" PRId64 " is "
		    "making on %s", o->name, o->job, o->host);
	else
		snprintf(buf, len, "container %s on %s too", o->name, o->host);
	return buf;
}

const char *
addr_taken(const struct addr_owner *o, const char *name, char *buf,
    size_t len)
{
	char who[PROTO_NAME_MAX * 2 + 64];

	addr_owner_text(o, who, sizeof(who));
	snprintf(buf, len, "%s is the address of %s: %s would start on it; "
	    "change one of them first, or make it without --start; nothing "
	    "changed", o->addr, who, name);
	return buf;
}
