/* corral-slave: the host's CPU time from /proc/stat (procstat.c), for
 * HOST_INFO.  Pure: tests/unit/test_procstat.c runs it on sample text. */
#ifndef CORRAL_PROCSTAT_H
#define CORRAL_PROCSTAT_H

#include <stdint.h>

/* The "cpu " line of /proc/stat's text (the sum over every CPU, in clock
 * ticks: user nice system idle iowait irq softirq steal [guest
 * guest_nice]) into busy (user + nice + system + irq + softirq + steal;
 * guest time is counted in user and nice already) and total (busy + idle
 * + iowait).  0, or -1 when the text has no such line or it is short or
 * not numbers (the outputs are then 0). */
int procstat_cpu(const char *text, uint64_t *busy, uint64_t *total);

#endif
