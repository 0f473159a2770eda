/* corral-master: the daemon's context and its modules' entry points. */
#ifndef CORRAL_MASTER_H
#define CORRAL_MASTER_H

#include <stdbool.h>

#include "conf.h"

/* Everything the daemon holds; no other mutable global state. */
struct master_ctx {
	struct corral_conf conf;
	struct slaves_conf slaves;
	struct backup_conf backup;
	const char *conf_path;
	bool foreground;
	char software[64];      /* "corral-master VERSION" */
};

/* Read corral.conf, then the slaves.conf and backup.conf it names.  A
 * missing backup.conf is an empty list; every other error is printed as
 * "FILE:LINE: ..." into err. */
int master_load_config(struct master_ctx *ctx, bool explicit_path,
    struct conf_err *err);
void master_free_config(struct master_ctx *ctx);

#endif
