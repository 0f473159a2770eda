/* corral-slave: snapshot fill and validity, read through libdevmapper.
 *
 * The kernel's snapshot target reports "ALLOCATED/TOTAL METADATA" in
 * sectors, or "Invalid" once the copy-on-write store overflowed (reads of
 * the snapshot then fail: it must never be used as a source). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdevmapper.h>

#include "dmstatus.h"

static size_t
put_escaped(char *dst, size_t off, size_t len, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '-' && off + 1 < len)
			dst[off++] = '-';
		if (off + 1 < len)
			dst[off++] = *s;
	}
	return off;
}

int
dm_lv_name(const char *vg, const char *lv, char *buf, size_t len)
{
	size_t off = 0;

	if (len < 4 || strlen(vg) * 2 + strlen(lv) * 2 + 2 > len)
		return -1;
	off = put_escaped(buf, off, len, vg);
	buf[off++] = '-';
	off = put_escaped(buf, off, len, lv);
	buf[off] = '\0';
	return 0;
}

int
dm_parse_snapshot(const char *params, struct snap_status *st)
{
	uint64_t alloc, total, meta;
	char tail;

	st->exists = true;
	if (strncmp(params, "Invalid", 7) == 0 ||
	    strncmp(params, "Overflow", 8) == 0 ||
	    strncmp(params, "Merge failed", 12) == 0) {
		st->valid = false;
		st->fill_permille = 1000;
		return 0;
	}
	if (sscanf(params, "%" SCNu64 "/%" SCNu64 " %" SCNu64 "%c", &alloc,
	    &total, &meta, &tail) != 3 || total == 0 || alloc > total)
		return -1;
	st->valid = true;
	st->size = total * 512;
	st->fill_permille = (uint32_t)(alloc * 1000 / total);
	return 0;
}

int
dm_snapshot_status(const char *vg, const char *lv, struct snap_status *st,
    char *err, size_t errlen)
{
	struct dm_task *dmt;
	struct dm_info info;
	uint64_t start, length;
	char name[512], *type = NULL, *params = NULL;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (dm_lv_name(vg, lv, name, sizeof(name)) != 0) {
		snprintf(err, errlen, "%s/%s: name too long", vg, lv);
		return -1;
	}
	if ((dmt = dm_task_create(DM_DEVICE_STATUS)) == NULL) {
		snprintf(err, errlen, "device-mapper: cannot make a task");
		return -1;
	}
	if (!dm_task_set_name(dmt, name) || !dm_task_no_open_count(dmt) ||
	    !dm_task_run(dmt) || !dm_task_get_info(dmt, &info)) {
		/* ENXIO: no such device */
		if (errno == ENXIO) {
			ret = 0;
			goto out;
		}
		snprintf(err, errlen, "device-mapper status of %s: %s", name,
		    errno ? strerror(errno) : "failed");
		goto out;
	}
	if (!info.exists) {
		ret = 0;
		goto out;
	}
	(void)dm_get_next_target(dmt, NULL, &start, &length, &type, &params);
	if (type == NULL || strcmp(type, "snapshot") != 0 || params == NULL) {
		snprintf(err, errlen, "%s: not a snapshot target (%s)", name,
		    type ? type : "none");
		goto out;
	}
	if (dm_parse_snapshot(params, st) != 0) {
		snprintf(err, errlen, "%s: unexpected snapshot status '%s'",
		    name, params);
		goto out;
	}
	ret = 0;
out:
	dm_task_destroy(dmt);
	return ret;
}
