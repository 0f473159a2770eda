/* corral-master: containers' addresses: which container of the inventory
 * has one (or a create job is making on it), and which ones an LXC config
 * gives its container. */
#ifndef CORRAL_ADDROWN_H
#define CORRAL_ADDROWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The next address config (an LXC config's text) gives its container,
 * from *pos on (start at 0): lxc.net.N.ipv4.address and ipv6.address,
 * the prefix dropped.  1 with it in addr and text, 0 at the end. */
int config_next_addr(const char *config, size_t *pos, struct net_addr *addr,
    char *text, size_t textlen);

/* Who has an address: a container of the inventory, or one a create job
 * is making (job its id, else 0). */
struct addr_owner {
	char addr[MSG_IP_MAX];         /* as the config writes it */
	char host[PROTO_NAME_MAX];
	char name[PROTO_NAME_MAX];
	int64_t job;
};

/* The container whose address (addr_of_ct) is addr, but those on
 * skip_host named in skip_names (NULL-terminated; NULL none); running:
 * running ones only.  Else the one a create job not ended yet makes on
 * it (addr_create_job).  1 with o's host, name and job, 0 none, -1 with
 * err. */
int addr_owner(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names, bool running,
    struct addr_owner *o, char *err, size_t errlen);
/* The container a create job not ended yet (queued or running: the
 * inventory learns of it only once it is made, create's job refreshing
 * it before it ends) makes on addr, but those skipped as above: 1 with o,
 * 0 none, -1 with err. */
int addr_create_job(struct inventory *inv, const struct net_addr *addr,
    const char *skip_host, const char *const *skip_names,
    struct addr_owner *o, char *err, size_t errlen);

/* The first address of config (from *pos on: start at 0, call again for
 * the next) that a container of the inventory has, but those of
 * skip_names on skip_host (addr_owner): 1 with o, 0 none left, -1 with
 * err. */
int config_addr_owner(struct inventory *inv, const char *config,
    size_t *pos, const char *skip_host, const char *const *skip_names,
    struct addr_owner *o, char *err, size_t errlen);
/* The first address of list (comma-separated, as the inventory's
 * ipv4_config) that another has (addr_owner, running ones only if
 * running): 1 with o, 0 none, -1 with err. */
int list_addr_owner(struct inventory *inv, const char *list,
    const char *skip_host, const char *const *skip_names, bool running,
    struct addr_owner *o, char *err, size_t errlen);
/* "container C on H too", or "container C, which job N is making on H"
 * (in buf). */
const char *addr_owner_text(const struct addr_owner *o, char *buf,
    size_t len);
/* Why name may not start: o's address is another's (a refusal's text,
 * in buf). */
const char *addr_taken(const struct addr_owner *o, const char *name,
    char *buf, size_t len);

#endif
