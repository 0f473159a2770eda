/* corral-master: loading its configuration files together. */
#include <stdio.h>
#include <unistd.h>

#include "master.h"

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
