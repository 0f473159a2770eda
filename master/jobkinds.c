/* corral-master: the kinds of job this master runs, one row each (see
 * struct job_kind in jobrun.h).  get, put, remove, move, backup, restore,
 * create, limit and control come as their own files and rows. */
#include <stddef.h>

#include "backup.h"
#include "jobrun.h"
#include "kind_create.h"
#include "kind_ctset.h"
#include "kind_get.h"
#include "kind_put.h"
#include "kind_remove.h"

int move_run(struct job_ctx *c);        /* kind_move.c */
int move_recover(struct job_ctx *c);

const struct job_kind job_kinds[] = {
	{ .name = "move", .run = move_run, .recover = move_recover,
	  .flags = JOBK_TO_DST },
	{ .name = "remove", .run = remove_run, .recover = remove_recover },
	{ .name = "get", .run = get_run, .recover = get_recover },
	{ .name = "put", .run = put_run, .recover = put_recover,
	  .flags = JOBK_TO_DST },
	{ .name = "backup", .run = backup_run, .recover = backup_recover },
	/* corral restore: a put under its own name, or with --force the
	 * put under a temporary name and a swap (kind_restore.c); a drained
	 * host refuses the first, and takes the second over a container
	 * there (it replaces it) */
	{ .name = "restore", .run = restore_run, .recover = restore_recover,
	  .flags = JOBK_TO_DST },
	{ .name = "create", .run = create_run, .recover = create_recover,
	  .flags = JOBK_TO_DST },
	/* a container's setting on its host, in seconds: no transfer to
	 * wait behind */
	{ .name = "limit", .run = limit_run, .recover = limit_recover,
	  .flags = JOBK_QUICK },
	{ .name = "control", .run = control_run, .recover = control_recover,
	  .flags = JOBK_QUICK },
	{ .name = NULL },
};
