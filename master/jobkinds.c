/* corral-master: the kinds of job this master runs, one row each (see
 * struct job_kind in jobrun.h).  get, put, remove, move, backup, restore
 * and balance come as their own files and rows. */
#include <stddef.h>

#include "jobrun.h"
#include "kind_remove.h"

const struct job_kind job_kinds[] = {
	{ .name = "remove", .run = remove_run, .recover = remove_recover },
	{ .name = NULL },
};
