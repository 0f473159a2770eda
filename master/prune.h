/* corral-master: retention applied to the store (corral prune, and the
 * prune after each successful backup): retention.h's verdict on a
 * container's versions, then store_remove() of those that go. */
#ifndef CORRAL_PRUNE_H
#define CORRAL_PRUNE_H

#include <stdbool.h>

#include "retention.h"

struct corral_conf;
struct msg_prune_rec;
struct store;

/* The policy of corral.conf's keep_* keys. */
void prune_policy(const struct corral_conf *c, struct keep_policy *p);

/* Called for each version of the container, oldest first: its verdict,
 * and for one that goes without dry_run whether store_remove() did it
 * (rec->removed; when it did not, rec->reason says why). */
typedef void (*prune_fn)(void *arg, const struct msg_prune_rec *rec);

/* Apply p to ct's versions in s (remove those that go unless dry_run),
 * calling fn for each.  0; 1 if a removal failed (said through fn, the
 * others still tried); -1 if the versions could not be read (err). */
int prune_container(struct store *s, const char *ct,
    const struct keep_policy *p, bool dry_run, prune_fn fn, void *arg,
    char *err, size_t errlen);

#endif
