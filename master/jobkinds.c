/* corral-master: the kinds of job this master runs, one row each (see
 * struct job_kind in jobrun.h).  get, put, remove, move, backup, restore
 * and balance come as their own files and rows. */
#include <stddef.h>

#include "backup.h"
#include "jobrun.h"
#include "kind_get.h"
#include "kind_put.h"
#include "kind_remove.h"

int move_run(struct job_ctx *c);        /* kind_move.c */
int move_recover(struct job_ctx *c);

const struct job_kind job_kinds[] = {
	{ .name = "move", .run = move_run, .recover = move_recover },
	{ .name = "remove", .run = remove_run, .recover = remove_recover },
	{ .name = "get", .run = get_run, .recover = get_recover },
	{ .name = "put", .run = put_run, .recover = put_recover },
	{ .name = "backup", .run = backup_run, .recover = backup_recover },
	/* corral restore: a put under its own name, or with --force the
	 * put under a temporary name and a swap (kind_restore.c) */
	{ .name = "restore", .run = restore_run, .recover = restore_recover },
	{ .name = NULL },
};
