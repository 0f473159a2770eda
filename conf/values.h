/* corral: character classes and validators of single values (values.c),
 * private to conf/; the public ones are in conf.h.
 *
 * The lowest layer of conf/: it depends on nothing else in it.
 */
#ifndef CORRAL_CONF_VALUES_H
#define CORRAL_CONF_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* Whitespace in the C locale sense, without depending on the locale. */
bool conf_is_space(int c);
/* s without leading and trailing whitespace (cuts s in place). */
char *conf_trim(char *s);

/* A DNS name: dot-separated labels of [A-Za-z0-9-], 1..63 each, not
 * starting or ending with '-', at most 253 bytes, last label not all
 * digits (so that a mistyped IPv4 address is not taken for a name). */
bool conf_valid_dns_name(const char *s);
/* Space-separated IP literals, at most max of them (none is fine).  0, or
 * -1 with why filled; ns and *n are written only on success. */
int conf_parse_ns_list(const char *s, struct net_addr *ns, size_t max,
    size_t *n, char *why, size_t whylen);

/* A Linux interface name: under IFNAMSIZ, and a conservative alphabet.
 * NULL, or why not. */
const char *conf_check_ifname(const char *val);

#endif
