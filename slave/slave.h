/* corral-slave: the daemon's context and its modules' entry points. */
#ifndef CORRAL_SLAVE_H
#define CORRAL_SLAVE_H

#include <stdbool.h>

#include "conf.h"
#include "transport.h"

/* Everything the daemon holds; no other mutable global state. */
struct slave_ctx {
	struct corral_conf conf;
	const char *conf_path;
	bool foreground;
	char software[64];      /* "corral-slave VERSION" */
};

/* One protocol session over t: HELLO, then requests until BYE or EOF.
 * Returns 0 on an orderly end, else a negative CERR_* (already logged). */
int slave_session_run(struct slave_ctx *ctx, struct transport *t);

#endif
