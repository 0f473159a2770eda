/* corral-master: when a daily task is due (daily.h); no I/O, no clock of
 * its own, for the unit tests. */
#include "daily.h"

bool
daily_due(int at, int64_t last, time_t now)
{
	struct tm tm;
	time_t sched;

	if (at < 0 || at >= 24 * 60 || localtime_r(&now, &tm) == NULL)
		return false;
	tm.tm_hour = at / 60;
	tm.tm_min = at % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;       /* the day's own offset */
	if ((sched = mktime(&tm)) == (time_t)-1)
		return false;
	return now >= sched && last < (int64_t)sched;
}
