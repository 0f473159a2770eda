/* corral-master: the daemon's main loop — pollers, the CLI socket, and
 * signals (SIGHUP re-reads slaves.conf, SIGTERM stops). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "backup.h"
#include "daemon.h"
#include "daily.h"
#include "inventory.h"
#include "jobrun.h"
#include "log.h"
#include "master.h"
#include "prune.h"
#include "placecli.h"
#include "poller.h"

/* CLI connections served at once, each by a thread; more wait in the
 * listen backlog (CLI_BACKLOG) until one ends, which takes at most
 * CLI_FRAME_MS per frame (cliserver.c) for a client that dawdles */
#define CLI_CLIENTS_MAX 64
#define CLI_BACKLOG     1024

/* Make the missing directories above path (a first start by hand, without
 * the systemd unit's RuntimeDirectory and StateDirectory). */
static int
make_parents(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return 0;   /* too long: the open reports it */
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0)
			log_notice("created %s", dir);
		else if (errno != EEXIST) {
			log_error("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Make the inventory's host list match slaves.conf. */
static int
sync_inventory(struct master_ctx *m)
{
	struct inv_host_cfg *v;
	struct inventory *inv;
	char err[512];
	size_t i;
	int rc = -1;

	if ((inv = inventory_open(m->conf.inventory, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return -1;
	}
	if ((v = calloc(m->slaves.n + 1, sizeof(*v))) == NULL)
		goto out;
	for (i = 0; i < m->slaves.n; i++) {
		v[i].name = m->slaves.v[i].name;
		v[i].address = m->slaves.v[i].address;
		v[i].port = m->slaves.v[i].port ? m->slaves.v[i].port :
		    m->conf.port;
		v[i].noselect = m->slaves.v[i].noselect;
	}
	if (inventory_sync_hosts(inv, v, m->slaves.n) != 0)
		log_error("inventory: %s", inventory_errmsg(inv));
	else
		rc = 0;
	free(v);
out:
	inventory_close(inv);
	return rc;
}

static void
stop_pollers(struct master_ctx *m)
{
	size_t i;

	for (i = 0; i < m->n_pollers; i++)
		poller_stop(m->pollers[i]);
	free(m->pollers);
	m->pollers = NULL;
	m->n_pollers = 0;
}

static int
start_pollers(struct master_ctx *m)
{
	size_t i;

	if ((m->pollers = calloc(m->slaves.n + 1, sizeof(*m->pollers))) == NULL)
		return -1;
	for (i = 0; i < m->slaves.n; i++) {
		if ((m->pollers[i] = poller_start(m, &m->slaves.v[i])) == NULL) {
			log_error("%s: cannot start its poller",
			    m->slaves.v[i].name);
			return -1;
		}
		m->n_pollers = i + 1;
		poller_request(m->pollers[i]);  /* first poll right away */
	}
	return 0;
}

void
master_keep_policy(struct master_ctx *m, struct keep_policy *p)
{
	pthread_mutex_lock(&m->conf_lock);
	*p = m->keep;
	pthread_mutex_unlock(&m->conf_lock);
}

/* SIGHUP, corral.conf: the job limits (the runner holds its own copy)
 * and retention (m->keep, under conf_lock) take effect now; the other keys are
 * read by threads without a lock, so they wait for the next start.  A
 * broken file changes nothing. */
static void
reload_limits(struct master_ctx *m)
{
	struct corral_conf *c;
	struct conf_err err;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_error("reload of %s: out of memory", m->conf_path);
		return;
	}
	corral_conf_defaults(c);
	if (access(m->conf_path, F_OK) == 0 &&
	    corral_conf_load(m->conf_path, c, &err) != 0) {
		log_error("reload refused, keeping the current settings: %s",
		    err.msg);
		goto out;
	}
	if (m->jobs != NULL)
		jobrun_set_limits(m->jobs, c->jobs_max, c->jobs_per_host);
	pthread_mutex_lock(&m->conf_lock);
	prune_policy(c, &m->keep);
	pthread_mutex_unlock(&m->conf_lock);
	log_notice("reloaded %s: jobs_max %u, jobs_per_host %u, keep_last %u, "
	    "keep_daily %u, keep_weekly %u, keep_monthly %u (its other keys "
	    "take effect at the next start)", m->conf_path, c->jobs_max,
	    c->jobs_per_host, c->keep_last, c->keep_daily, c->keep_weekly,
	    c->keep_monthly);
out:
	free(c);
}

/* SIGHUP: read slaves.conf again; a broken file keeps the old pool. */
static void
reload(struct master_ctx *m)
{
	struct slaves_conf fresh = { 0 };
	struct conf_err err;

	if (slaves_conf_load(m->conf.slaves, &fresh, &err) != 0) {
		log_error("reload refused, keeping the current pool: %s",
		    err.msg);
		return;
	}
	pthread_rwlock_wrlock(&m->pollers_lock);
	stop_pollers(m);
	slaves_conf_free(&m->slaves);
	m->slaves = fresh;
	if (!m->no_poll) {
		sync_inventory(m);
		start_pollers(m);
	}
	pthread_rwlock_unlock(&m->pollers_lock);
	log_notice("reloaded %s: %zu slaves", m->conf.slaves, m->slaves.n);
}

/* Bind the CLI socket, refusing to steal one a live master serves. */
static int
open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("%s: socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_error("%s: another corral-master is serving it", path);
		close(fd);
		return -1;
	}
	close(fd);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, CLI_BACKLOG) != 0) {
		log_error("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct client_arg {
	struct master_ctx *m;
	int fd;
};

static void *
client_thread(void *arg)
{
	struct client_arg *a = arg;
	struct master_ctx *m = a->m;

	master_cli_client(m, a->fd);
	free(a);
	pthread_mutex_lock(&m->cli_lock);
	m->cli_clients--;
	pthread_mutex_unlock(&m->cli_lock);
	return NULL;
}

static void
accept_client(struct master_ctx *m, int lfd)
{
	struct client_arg *a;
	pthread_attr_t attr;
	pthread_t th;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	/* the main loop accepts only below the limit (cli_full) */
	pthread_mutex_lock(&m->cli_lock);
	m->cli_clients++;
	pthread_mutex_unlock(&m->cli_lock);
	if ((a = malloc(sizeof(*a))) == NULL)
		goto fail;
	a->m = m;
	a->fd = fd;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, client_thread, a) != 0) {
		pthread_attr_destroy(&attr);
		free(a);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return;
fail:
	close(fd);
	pthread_mutex_lock(&m->cli_lock);
	m->cli_clients--;
	pthread_mutex_unlock(&m->cli_lock);
}

/* One daily task at the time of day of its key (off or HH:MM, UTC). */
static struct daily *
start_task(struct master_ctx *m, const char *name, const char *key,
    const char *at, void (*run)(struct master_ctx *, void *), char *err,
    size_t errlen)
{
	struct daily_task t = { .name = name, .run = run };

	if (conf_daytime(at, &t.at) != 0) {
		snprintf(err, errlen, "%s: %s: '%s' is not off or HH:MM",
		    m->conf_path, key, at);
		return NULL;
	}
	return daily_start(m, &t, err, errlen);
}

/* The nightly backup at backup_at and balance at balance_at (after the
 * job runner: they queue jobs; not without polls: --no-poll serves a
 * synthetic inventory). */
static int
start_daily(struct master_ctx *m, char *err, size_t errlen)
{
	if (m->no_poll)
		return 0;
	if ((m->backup_daily = start_task(m, "backup", "backup_at",
	    m->conf.backup_at, backup_nightly, err, errlen)) == NULL)
		return -1;
	m->balance_daily = start_task(m, "balance", "balance_at",
	    m->conf.balance_at, balance_nightly, err, errlen);
	return m->balance_daily != NULL ? 0 : -1;
}

/* All CLI threads busy: leave new connections in the backlog, and say so
 * once per busy spell. */
static bool
cli_full(struct master_ctx *m, bool *said)
{
	bool full;

	pthread_mutex_lock(&m->cli_lock);
	full = m->cli_clients >= CLI_CLIENTS_MAX;
	pthread_mutex_unlock(&m->cli_lock);
	if (full && !*said)
		log_warn("%d CLI connections served: new ones wait for one "
		    "to end", CLI_CLIENTS_MAX);
	*said = full;
	return full;
}

int
master_serve(struct master_ctx *m, int ready_fd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	char err[512];
	sigset_t mask;
	int lfd = -1, sfd = -1, rc = -1;
	bool stop = false, full, said_full = false;

	pthread_rwlock_init(&m->pollers_lock, NULL);
	pthread_mutex_init(&m->cli_lock, NULL);
	pthread_mutex_init(&m->conf_lock, NULL);
	pthread_mutex_init(&m->writes_lock, NULL);
	pthread_mutex_init(&m->start_lock, NULL);
	prune_policy(&m->conf, &m->keep);
	ssh_init();
	/* signals go to the signalfd, never to a poller thread */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0)
		goto out;
	if (make_parents(m->conf.inventory) != 0 ||
	    make_parents(m->conf.socket) != 0 ||
	    (!m->no_poll && sync_inventory(m) != 0))
		goto out;
	if ((lfd = open_socket(m->conf.socket)) < 0)
		goto out;
	if (!m->no_poll && start_pollers(m) != 0)
		goto out;
	/* after the inventory's sync: recovers what a killed master left */
	if ((m->jobs = jobrun_start(m, job_kinds, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		goto out;
	}
	if (start_daily(m, err, sizeof(err)) != 0) {
		log_error("%s", err);
		goto out;
	}
	log_notice("serving %s, %zu slaves", m->conf.socket, m->slaves.n);
	daemon_ready(ready_fd);
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	while (!stop) {
		/* full: the listener is not watched, a thread's end is seen
		 * within 50 ms */
		full = cli_full(m, &said_full);
		pfd[0].revents = 0;
		if (poll(full ? pfd + 1 : pfd, full ? 1 : 2, full ? 50 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload_limits(m);
				reload(m);
			}
			else
				stop = true;
		}
		if (!stop && !full && (pfd[0].revents & POLLIN))
			accept_client(m, lfd);
	}
	log_notice("shutting down");
	rc = 0;
out:
	/* before the pollers: a job may still ask a slave */
	if (m->jobs != NULL)
		jobrun_stop(m->jobs);
	/* after the runner: a nightly run waiting on its jobs sees it stop
	 * (they go on at the next start) and ends */
	daily_stop(m->backup_daily);
	m->backup_daily = NULL;
	daily_stop(m->balance_daily);
	m->balance_daily = NULL;
	pthread_rwlock_wrlock(&m->pollers_lock);
	stop_pollers(m);
	pthread_rwlock_unlock(&m->pollers_lock);
	if (lfd >= 0) {
		close(lfd);
		unlink(m->conf.socket);
	}
	if (sfd >= 0)
		close(sfd);
	ssh_finalize();
	return rc;
}
