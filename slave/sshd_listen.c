/* corral-slave: the embedded SSH server's listener.
 *
 * It loads the host key, listens, and forks one process per connection
 * (sshd.c), at most CONNS_MAX at once.  Before any SSH byte it refuses
 * connections beyond the limits on unauthenticated ones (preauth.h): each
 * connection process holds the write end of a pipe and closes it once its
 * client has authenticated, or by exiting; the listener polls the read
 * ends, so it always knows which connections are still unauthenticated.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "pace.h"
#include "preauth.h"
#include "slave.h"
#include "sshd.h"

#define CONNS_MAX        256

/* Fast AEAD ciphers first (AES-GCM wins where AES-NI exists). */
#define CIPHERS "aes128-gcm@openssh.com,aes256-gcm@openssh.com," \
	"chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr"
#define HOSTKEY_ALGOS "ssh-ed25519"
/* client key signatures we accept: no SHA-1 RSA */
#define PUBKEY_ALGOS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," \
	"ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256"

struct listener {
	struct slave_ctx *ctx;
	ssh_bind bind;
	int sfd;                        /* signalfd */
	sigset_t mask;                  /* the signals it takes */
	struct conn_slot slots[CONNS_MAX];
	struct drop_log drops;
};

static int
bind_setup(struct slave_ctx *ctx, ssh_bind *out)
{
	ssh_bind b;
	ssh_key key = NULL;
	struct authkeys keys;
	char err[512];
	bool no = false;
	int port = ctx->conf.port;

	*out = NULL;
	if (hostkey_load_or_create(ctx->conf.host_key, &key, err,
	    sizeof(err)) != 0) {
		log_error("%s", err);
		return -1;
	}
	/* read again for each connection, so not fatal here; but an admin
	 * who just started us should hear of it now */
	if (authkeys_load(ctx->conf.authorized_keys, &keys, err,
	    sizeof(err)) != 0)
		log_warn("%s (every connection is refused until it is fixed)",
		    err);
	authkeys_free(&keys);
	if ((b = ssh_bind_new()) == NULL) {
		ssh_key_free(key);
		return -1;
	}
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDADDR,
	    ctx->conf.listen) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDPORT, &port) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, key) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, CIPHERS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, CIPHERS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
	    HOSTKEY_ALGOS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES,
	    PUBKEY_ALGOS) < 0) {
		log_error("ssh server options: %s", ssh_get_error(b));
		ssh_bind_free(b);
		return -1;
	}
	/* the bind owns the key now */
	if (ssh_bind_listen(b) < 0) {
		log_error("cannot listen on %s port %d: %s", ctx->conf.listen,
		    port, ssh_get_error(b));
		ssh_bind_free(b);
		return -1;
	}
	/* we accept ourselves (to refuse before libssh sees a connection):
	 * never block on a client gone between poll and accept */
	fcntl(ssh_bind_get_fd(b), F_SETFL,
	    fcntl(ssh_bind_get_fd(b), F_GETFL) | O_NONBLOCK);
	*out = b;
	return 0;
}

/* Log a refusal, or count it for the next line (preauth.h). */
static void
log_drop(struct listener *l, const struct peer_addr *a,
    enum preauth_verdict v)
{
	char addr[64];
	unsigned held;

	if (!drop_log_due(&l->drops, monotonic_ms(), &held))
		return;
	peer_addr_str(a, addr, sizeof(addr));
	if (held > 0)
		log_notice("refused a connection from %s: %s (and %u more "
		    "refused since the last report)", addr, preauth_reason(v),
		    held);
	else
		log_notice("refused a connection from %s: %s", addr,
		    preauth_reason(v));
}

static void
log_drops_held(struct listener *l)
{
	unsigned held;

	if (drop_log_flush(&l->drops, monotonic_ms(), &held))
		log_notice("refused %u more unauthenticated connections",
		    held);
}

/* The connection process: serve, then exit. */
static void
child(struct listener *l, ssh_session s, const char *peer, int auth_fd)
{
	size_t i;

	sigprocmask(SIG_UNBLOCK, &l->mask, NULL);
	signal(SIGCHLD, SIG_DFL);
	close(l->sfd);
	for (i = 0; i < CONNS_MAX; i++)
		if (l->slots[i].auth_fd >= 0)
			close(l->slots[i].auth_fd);
	ssh_bind_free(l->bind);
	sshd_serve(l->ctx, s, peer, auth_fd);
	ssh_free(s);
	_exit(0);
}

/* "ADDRESS port N" of an accepted client. */
static void
peer_name(const struct sockaddr_storage *ss, socklen_t sl, char *out,
    size_t len)
{
	char host[64], serv[8];

	if (getnameinfo((const struct sockaddr *)ss, sl, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, len, "unknown address");
	else
		snprintf(out, len, "%s port %s", host, serv);
}

/* Take one connection from the listening socket, or refuse it. */
static void
accept_one(struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct peer_addr addr;
	enum preauth_verdict v;
	unsigned total, same;
	char peer[SSHD_PEER_MAX];
	ssh_session s = NULL;
	int fd, p[2] = { -1, -1 };
	size_t i;
	pid_t pid;

	if ((fd = accept4(ssh_bind_get_fd(l->bind), (struct sockaddr *)&ss,
	    &sl, SOCK_CLOEXEC)) < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	peer_addr_set(&addr, (struct sockaddr *)&ss, sl);
	preauth_count(l->slots, CONNS_MAX, &addr, &total, &same);
	v = preauth_admit(total, same, arc4random());
	if (v != PREAUTH_ACCEPT) {
		log_drop(l, &addr, v);
		close(fd);
		return;
	}
	for (i = 0; i < CONNS_MAX && l->slots[i].pid != 0; i++)
		;
	if (i == CONNS_MAX) {
		log_warn("refused a connection: %d already open", CONNS_MAX);
		close(fd);
		return;
	}
	peer_name(&ss, sl, peer, sizeof(peer));
	if (pipe2(p, O_CLOEXEC) != 0 || (s = ssh_new()) == NULL) {
		log_error("%s: %s", peer, strerror(errno));
		goto out;
	}
	if (ssh_bind_accept_fd(l->bind, s, fd) != SSH_OK) {
		/* libssh may have taken fd before failing: ssh_free closes
		 * it then, and our close below meets EBADF (nothing opens a
		 * descriptor in between in this one-thread process) */
		log_warn("%s: accept: %s", peer, ssh_get_error(l->bind));
		goto out;
	}
	fd = -1;        /* the session's now */
	if ((pid = fork()) == 0) {
		close(p[0]);
		child(l, s, peer, p[1]);
	}
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		goto out;
	}
	l->slots[i].pid = pid;
	l->slots[i].auth_fd = p[0];
	l->slots[i].addr = addr;
	p[0] = -1;
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	/* the child owns the connection; drop our copy of it */
	if (s != NULL)
		ssh_free(s);
	if (fd >= 0)
		close(fd);
}

/* Forget the connection processes that exited. */
static void
reap(struct listener *l)
{
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (i = 0; i < CONNS_MAX; i++) {
			if (l->slots[i].pid != pid)
				continue;
			if (l->slots[i].auth_fd >= 0)
				close(l->slots[i].auth_fd);
			l->slots[i].auth_fd = -1;
			l->slots[i].pid = 0;
		}
}

/* The listening socket, the signalfd, then each unauthenticated
 * connection's pipe; idx maps those to slots. */
static nfds_t
poll_set(struct listener *l, struct pollfd *pfd, size_t *idx)
{
	nfds_t n = 2;
	size_t i;

	pfd[0].fd = ssh_bind_get_fd(l->bind);
	pfd[0].events = POLLIN;
	pfd[1].fd = l->sfd;
	pfd[1].events = POLLIN;
	for (i = 0; i < CONNS_MAX; i++) {
		if (l->slots[i].pid == 0 || l->slots[i].auth_fd < 0)
			continue;
		pfd[n].fd = l->slots[i].auth_fd;
		pfd[n].events = POLLIN;
		idx[n] = i;
		n++;
	}
	return n;
}

int
slave_sshd_run(struct slave_ctx *ctx, int ready_fd)
{
	struct listener l = { .ctx = ctx, .sfd = -1 };
	struct pollfd pfd[2 + CONNS_MAX];
	size_t idx[2 + CONNS_MAX], i;
	struct signalfd_siginfo si;
	nfds_t n, k;
	int rc = 0;
	bool stop = false;

	for (i = 0; i < CONNS_MAX; i++)
		l.slots[i].auth_fd = -1;
	if (bind_setup(ctx, &l.bind) != 0)
		return -1;
	sigemptyset(&l.mask);
	sigaddset(&l.mask, SIGTERM);
	sigaddset(&l.mask, SIGINT);
	sigaddset(&l.mask, SIGCHLD);
	sigaddset(&l.mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &l.mask, NULL);
	if ((l.sfd = signalfd(-1, &l.mask, SFD_CLOEXEC)) < 0) {
		ssh_bind_free(l.bind);
		return -1;
	}
	log_notice("listening on %s port %u", ctx->conf.listen,
	    (unsigned)ctx->conf.port);
	daemon_ready(ready_fd);
	while (!stop) {
		n = poll_set(&l, pfd, idx);
		if (poll(pfd, n, drop_log_timeout(&l.drops,
		    monotonic_ms())) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		log_drops_held(&l);
		/* closed (authenticated, or the process is gone): no longer
		 * counted as unauthenticated */
		for (k = 2; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			close(l.slots[idx[k]].auth_fd);
			l.slots[idx[k]].auth_fd = -1;
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(l.sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				stop = true;
			reap(&l);
		}
		if (!stop && (pfd[0].revents & POLLIN))
			accept_one(&l);
	}
	log_notice("shutting down");
	/* end every connection process, then wait for them */
	for (i = 0; i < CONNS_MAX; i++) {
		if (l.slots[i].pid > 0)
			kill(l.slots[i].pid, SIGTERM);
		if (l.slots[i].auth_fd >= 0)
			close(l.slots[i].auth_fd);
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	close(l.sfd);
	ssh_bind_free(l.bind);
	return rc;
}
