/* corral: time for deadlines and for pacing a stream to a rate. */
#include <time.h>

#include "pace.h"

#define PACE_BURST (64 * 1024)

int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
pace_room(uint64_t bps, int64_t t0_ms, uint64_t sent)
{
	return (int64_t)(bps * (uint64_t)(monotonic_ms() - t0_ms) / 1000) +
	    PACE_BURST - (int64_t)sent;
}
