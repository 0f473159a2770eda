/* corral: time for deadlines and for pacing a stream to a rate. */
#ifndef CORRAL_PACE_H
#define CORRAL_PACE_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
int64_t monotonic_ms(void);
/* CLOCK_REALTIME in milliseconds: times that are recorded. */
int64_t realtime_ms(void);

/* Bytes a stream limited to bps (bytes per second) may still write, having
 * written sent since t0_ms; a 64 KiB burst.  0 or less: wait. */
int64_t pace_room(uint64_t bps, int64_t t0_ms, uint64_t sent);

#endif
