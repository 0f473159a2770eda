/* corral-master: the containers `corral sync` writes into now.  A sync
 * into a container refuses while a job of it is queued or running there
 * (cliserver.c), and marks it here first: a job queued after that check
 * stays queued until the sync ends (the job runner asks), rather than
 * starting under it. */
#include <stdio.h>
#include <string.h>

#include "jobrun.h"
#include "master.h"

static bool
is(const struct master_write *w, const char *host, const char *ct)
{
	return strcmp(w->host, host) == 0 && strcmp(w->ct, ct) == 0;
}

int
master_writes_mark(struct master_ctx *m, const char *host, const char *ct)
{
	struct master_write *w;
	int r = -1;

	pthread_mutex_lock(&m->writes_lock);
	if (m->n_writes < MASTER_WRITES_MAX) {
		w = &m->writes[m->n_writes++];
		snprintf(w->host, sizeof(w->host), "%s", host);
		snprintf(w->ct, sizeof(w->ct), "%s", ct);
		r = 0;
	}
	pthread_mutex_unlock(&m->writes_lock);
	return r;
}

void
master_writes_unmark(struct master_ctx *m, const char *host, const char *ct)
{
	size_t i;

	pthread_mutex_lock(&m->writes_lock);
	for (i = 0; i < m->n_writes; i++)
		if (is(&m->writes[i], host, ct)) {
			m->writes[i] = m->writes[--m->n_writes];
			break;
		}
	pthread_mutex_unlock(&m->writes_lock);
	if (m->jobs != NULL)
		jobrun_kick(m->jobs);
}

bool
master_writes_into(struct master_ctx *m, const char *host, const char *ct)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&m->writes_lock);
	for (i = 0; i < m->n_writes && !found; i++)
		found = is(&m->writes[i], host, ct);
	pthread_mutex_unlock(&m->writes_lock);
	return found;
}
