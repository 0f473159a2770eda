/* corral-master: `corral host trust H`: fetch, check and record a slave's
 * host key in our known_hosts, or only show it (record false) so that the
 * admin can compare it before saying yes. */
#include <stdio.h>
#include <string.h>

#include "master.h"
#include "sshc.h"

int
master_trust_host(struct master_ctx *ctx, const char *name,
    const char *expect_fp, bool record, char *fingerprint, size_t fplen,
    bool *recorded, char *err, size_t errlen)
{
	const struct slave_entry *e;
	struct sshc c;
	struct sshc_params sp = { 0 };

	*recorded = false;
	fingerprint[0] = '\0';
	if ((e = slaves_conf_find(&ctx->slaves, name)) == NULL) {
		snprintf(err, errlen, "%s: not in %s", name, ctx->conf.slaves);
		return -1;
	}
	sp.name = e->name;
	sp.address = e->address;
	sp.port = e->port ? e->port : ctx->conf.port;
	sp.key_path = ctx->conf.key;
	sp.known_hosts = ctx->conf.known_hosts;
	sp.timeout_s = (int)ctx->conf.timeout;
	sp.trust = record ? SSHC_TRUST_RECORD : SSHC_TRUST_PEEK;
	sp.expect_fp = expect_fp;
	if (sshc_connect(&c, &sp, err, errlen) != 0) {
		/* the key may be recorded even if our key is then refused */
		return -1;
	}
	snprintf(fingerprint, fplen, "%s", c.fingerprint);
	*recorded = c.recorded;
	sshc_close(&c);
	return 0;
}
