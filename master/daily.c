/* corral-master: when a daily task is due (daily.h); pure. */
#include "daily.h"

#define DAY 86400

time_t
daily_slot(time_t now, int at)
{
	/* UTC has no leap seconds in time_t: every day is 86400 s */
	time_t midnight = now - ((now % DAY) + DAY) % DAY;
	time_t slot = midnight + (time_t)at * 60;

	return slot <= now ? slot : slot - DAY;
}

time_t
daily_next(time_t now, int at)
{
	return daily_slot(now, at) + DAY;
}

bool
daily_due(time_t now, int at, time_t last)
{
	if (at < 0 || at >= 24 * 60)
		return false;
	return last < daily_slot(now, at);
}
