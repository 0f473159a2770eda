/* corral-master: loading its configuration files together. */
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "store.h"

int
master_load_config(struct master_ctx *ctx, bool explicit_path,
    struct conf_err *err)
{
	corral_conf_defaults(&ctx->conf);
	if ((explicit_path || access(ctx->conf_path, F_OK) == 0) &&
	    corral_conf_load(ctx->conf_path, &ctx->conf, err) != 0)
		return -1;
	if (slaves_conf_load(ctx->conf.slaves, &ctx->slaves, err) != 0)
		return -1;
	/* no backup.conf simply means nothing is consolidated */
	if (access(ctx->conf.backup, F_OK) == 0 &&
	    backup_conf_load(ctx->conf.backup, &ctx->backup, err) != 0)
		return -1;
	return 0;
}

void
master_free_config(struct master_ctx *ctx)
{
	slaves_conf_free(&ctx->slaves);
	backup_conf_free(&ctx->backup);
}

struct store *
master_store_open(const struct corral_conf *c, char *err, size_t errlen)
{
	char note[512], why[512];
	struct store *s;

	if (c->store[0] == '\0') {
		snprintf(err, errlen, "no store: set `store = PATH` in "
		    "corral.conf");
		return NULL;
	}
	if ((s = store_open(c->store, note, sizeof(note), why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "store (corral.conf store = %s): %s",
		    c->store, why);
		return NULL;
	}
	if (note[0] != '\0')
		log_notice("%s", note);
	return s;
}
