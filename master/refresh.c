/* corral-master: a fresh poll of every slave (or one), waited for. */
#include <stdlib.h>
#include <string.h>

#include "master.h"
#include "poller.h"

void
pollers_refresh(struct master_ctx *m, const char *host)
{
	uint64_t *tickets;
	int64_t deadline;
	size_t i;

	pthread_rwlock_rdlock(&m->pollers_lock);
	if ((tickets = calloc(m->n_pollers + 1, sizeof(*tickets))) == NULL)
		goto out;
	for (i = 0; i < m->n_pollers; i++)
		if (!host || !*host || strcmp(host,
		    poller_name(m->pollers[i])) == 0)
			tickets[i] = poller_request(m->pollers[i]);
	/* connect + two requests, each bounded by the time-out */
	deadline = monotonic_ms() + 3 * (int64_t)m->conf.timeout * 1000 + 500;
	for (i = 0; i < m->n_pollers; i++)
		if (tickets[i] != 0)
			(void)poller_wait(m->pollers[i], tickets[i], deadline);
	free(tickets);
out:
	pthread_rwlock_unlock(&m->pollers_lock);
}
