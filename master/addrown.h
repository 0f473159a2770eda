/* corral-master: containers' addresses: which container of the inventory
 * has one, and which ones an LXC config gives its container. */
#ifndef CORRAL_ADDROWN_H
#define CORRAL_ADDROWN_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "inventory.h"
#include "msg.h"

/* addr is one of list's comma-separated addresses. */
bool addr_in_list(const char *list, const struct net_addr *addr);

/* addr is ct's: one a running one has (the inventory's ipv4 column) or
 * one its config gives it, running or stopped (ipv4_config: what a
 * stopped one will have).  IPv4 only: the inventory knows no IPv6
 * ones. */
bool addr_of_ct(const struct msg_ct_info *ct, const struct net_addr *addr);

/* The container of the inventory whose address (addr_of_ct) is addr, but
 * those on skip_host named in skip_names (NULL-terminated; NULL none):
 * 1 with host and name, 0 none, -1 with err. */
int addr_owner(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names, char *host,
    size_t hostlen, char *name, size_t namelen, char *err, size_t errlen);

/* The next address config (an LXC config's text) gives its container,
 * from *pos on (start at 0): lxc.net.N.ipv4.address and ipv6.address,
 * the prefix dropped.  1 with it in addr and text, 0 at the end. */
int config_next_addr(const char *config, size_t *pos, struct net_addr *addr,
    char *text, size_t textlen);

/* Who has an address an LXC config gives its container. */
struct addr_owner {
	char addr[MSG_IP_MAX];         /* as the config writes it */
	char host[PROTO_NAME_MAX];
	char name[PROTO_NAME_MAX];
};

/* The first address of config (from *pos on: start at 0, call again for
 * the next) that a container of the inventory has, but those of
 * skip_names on skip_host (addr_owner): 1 with o, 0 none left, -1 with
 * err. */
int config_addr_owner(struct inventory *inv, const char *config,
    size_t *pos, const char *skip_host, const char *const *skip_names,
    struct addr_owner *o, char *err, size_t errlen);
/* Why name may not start: o's address is another's (a refusal's text,
 * in buf). */
const char *addr_taken(const struct addr_owner *o, const char *name,
    char *buf, size_t len);

#endif
