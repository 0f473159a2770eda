/* corral-slave: reading device-mapper snapshot targets (libdevmapper). */
#ifndef CORRAL_DMSTATUS_H
#define CORRAL_DMSTATUS_H

#include <stddef.h>

#include "storage.h"

/* The dm name LVM gives VG/LV ('-' doubled in each part). */
int dm_lv_name(const char *vg, const char *lv, char *buf, size_t len);
/* DM_DEVICE_STATUS of the snapshot target of LV in VG into st: a missing
 * device is !exists; "Invalid"/"Overflow" is !valid. */
int dm_snapshot_status(const char *vg, const char *lv, struct snap_status *st,
    char *err, size_t errlen);
/* Parse a snapshot target's status line (split out for the unit tests). */
int dm_parse_snapshot(const char *params, struct snap_status *st);

#endif
