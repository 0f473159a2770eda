/* corral-master: where the inventory has a container, for the requests
 * that name one (move, get): after a fresh poll, C on the host named, or
 * on exactly one host; that host up. */
#include <stdio.h>
#include <string.h>

#include "clisession.h"
#include "inventory.h"
#include "msg.h"

static const struct msg_host_rec *
host_of(const struct msg_host_list *hl, const char *name)
{
	size_t i;

	for (i = 0; i < hl->n; i++)
		if (strcmp(hl->v[i].name, name) == 0)
			return &hl->v[i];
	return NULL;
}

int
cli_locate(struct cli *c, const char *ct, const char *want,
    const char *opt, char *host, char *err, size_t errlen)
{
	struct msg_host_list hl = { 0 };
	struct msg_ct_rec_list cl = { 0 };
	const struct msg_host_rec *h;
	size_t i, on = 0;
	int rc = -1;

	if (inventory_hosts(c->inv, &hl) != 0 ||
	    inventory_containers(c->inv, ct, NULL, &cl) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		goto out;
	}
	if (want[0] && host_of(&hl, want) == NULL) {
		snprintf(err, errlen, "no host %s", want);
		goto out;
	}
	host[0] = '\0';
	for (i = 0; i < cl.n; i++) {
		if (want[0] && strcmp(cl.v[i].host, want) != 0)
			continue;
		if (on++ > 0) {
			snprintf(err, errlen, "%s is on both %s and %s: name "
			    "one with %s", ct, host, cl.v[i].host, opt);
			goto out;
		}
		snprintf(host, PROTO_NAME_MAX, "%s", cl.v[i].host);
	}
	if (on == 0) {
		if (want[0])
			snprintf(err, errlen, "no container %s on %s", ct, want);
		else
			snprintf(err, errlen, "no container %s", ct);
		goto out;
	}
	if ((h = host_of(&hl, host)) != NULL &&
	    strcmp(h->state, "down") == 0) {
		snprintf(err, errlen, "%s is on %s, which is down: %s", ct,
		    host, h->reason);
		goto out;
	}
	rc = 0;
out:
	msg_host_list_free(&hl);
	msg_ct_rec_list_free(&cl);
	return rc;
}

/* Host name known and not down; dest: and not drained either (a drain
 * empties it: nothing is brought there). */
static int
host_check(struct cli *c, const char *name, bool dest, char *err,
    size_t errlen)
{
	struct msg_host_list hl = { 0 };
	const struct msg_host_rec *h;
	int rc = -1;

	if (inventory_hosts(c->inv, &hl) != 0) {
		snprintf(err, errlen, "%s", inventory_errmsg(c->inv));
		goto out;
	}
	if ((h = host_of(&hl, name)) == NULL) {
		snprintf(err, errlen, "no host %s", name);
		goto out;
	}
	/* a noselect host may be named: it is only never chosen */
	if (strcmp(h->state, "down") == 0) {
		snprintf(err, errlen, "%s is down: %s", name, h->reason);
		goto out;
	}
	if (dest && h->drained) {
		snprintf(err, errlen, "%s is drained (corral host undrain %s "
		    "first)", name, name);
		goto out;
	}
	rc = 0;
out:
	msg_host_list_free(&hl);
	return rc;
}

int
cli_host_usable(struct cli *c, const char *name, char *err, size_t errlen)
{
	return host_check(c, name, false, err, errlen);
}

int
cli_host_takes(struct cli *c, const char *name, char *err, size_t errlen)
{
	return host_check(c, name, true, err, errlen);
}
