/* corral-slave: the embedded SSH server, one connection's process.
 *
 * Process model: the listener (sshd_listen.c) accepts connections and forks
 * one process per connection, which runs the libssh event loop here.  Each "corral" subsystem
 * channel gets a worker process of its own, joined to the connection process
 * by a socketpair, that runs an ordinary protocol session over it.  So a
 * long transfer on one channel never delays a scan on another, a crash in a
 * request handler takes down one channel only, and liblxc (which forks) never
 * runs inside the process that owns the SSH session.
 *
 * Security (see shared/reference/security.md): public-key authentication
 * only, keys compared against our own authorized_keys; our own
 * `authenticated` flag is checked before any channel or subsystem is
 * granted, never libssh's state alone; 10 seconds to finish key exchange,
 * then three failed tries or 10 seconds without authentication end the
 * connection; only the "corral" subsystem is served: shell, exec, pty,
 * env, X11 and port forwarding are refused (their callbacks are left
 * unset: they reach refuse_message, which logs them and gives libssh's
 * default reply, a failure; agent forwarding libssh refuses itself).  A channel opened
 * before authentication is a fatal protocol error in libssh's packet
 * filter: the loop ends with it, logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "escape.h"
#include "keys.h"
#include "log.h"
#include "pace.h"
#include "slave.h"
#include "sshd.h"
#include "transport.h"
#include "xfer.h"

#define AUTH_TRIES_MAX   3
#define AUTH_SECONDS     10
#define CHANNELS_MAX     16
/* Large reads from a channel make libssh open its window as wide (it
 * grows the window to what the reader asks for), which a transfer needs. */
#define PUMP_BUF         (4 * 1024 * 1024)
/* escaped user names and libssh errors (which may quote the peer) */
#define USER_LOG_MAX     SSHD_USER_LOG_MAX
#define ERR_LOG_MAX      256
/* a worker told to stop has this long to release what it holds (its
 * snapshot or freeze, its mounts, its temp files) before it is killed */
#define WORKER_STOP_MS   5000
/* a channel whose worker has ended, whose peer takes none of its last
 * bytes and sends on, is closed after this long without progress */
#define DEAD_DRAIN_MS    10000

struct conn;

struct chan {
	struct conn *conn;
	ssh_channel channel;
	struct ssh_channel_callbacks_struct cb;
	int fd;                 /* our end of the worker's socketpair, or -1 */
	pid_t worker;
	uint8_t *pending;       /* channel -> worker bytes not yet written */
	size_t pending_len, pending_off;
	uint8_t *out;           /* worker -> channel bytes not yet written */
	size_t out_len, out_off;
	short watching;         /* poll events the fd is registered for */
	bool worker_eof;        /* the worker closed its side */
	bool eof_sent;          /* shut down the worker's input */
	bool in_dead;           /* the worker's input is gone: drop input */
	int64_t moved_at;       /* in_dead: monotonic ms of the last output
				 * written (or of in_dead itself) */
	bool done;              /* worker finished or channel closed */
};

struct conn {
	struct slave_ctx *ctx;
	ssh_session session;
	ssh_event event;
	struct authkeys keys;
	struct ssh_server_callbacks_struct cb;
	bool authenticated;
	int auth_failures;
	int auth_fd;            /* closed once authenticated (sshd.h) */
	char peer[SSHD_PEER_MAX];
	struct chan *chans[CHANNELS_MAX];
};

static int
auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
    char state, void *userdata)
{
	struct conn *c = userdata;
	char u[USER_LOG_MAX];

	(void)session;
	/* the user name is the client's to choose, before any proof: never
	 * log it raw */
	str_escape(u, sizeof(u), user);
	if (!authkeys_match(&c->keys, key)) {
		c->auth_failures++;
		log_notice("%s: refused key for user '%s'", c->peer, u);
		return SSH_AUTH_DENIED;
	}
	/* NONE is the client asking whether the key would do: say yes only
	 * for an authorized key, and do not authenticate on it. */
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;
	if (state != SSH_PUBLICKEY_STATE_VALID) {
		c->auth_failures++;
		return SSH_AUTH_DENIED;
	}
	c->authenticated = true;
	/* no longer counted as unauthenticated by the listener */
	if (c->auth_fd >= 0) {
		close(c->auth_fd);
		c->auth_fd = -1;
	}
	log_info("%s: authenticated with an authorized key (user '%s')",
	    c->peer, u);
	return SSH_AUTH_SUCCESS;
}

/* Every request no callback of ours took: refused with the protocol's
 * default reply, and logged, but for what every client sends (the "none"
 * probe of the methods, the service request) and keepalives.  A password
 * or keyboard-interactive try counts as a failed one. */
static int
refuse_message(ssh_session session, ssh_message m, void *userdata)
{
	struct conn *c = userdata;
	char what[SSHD_REQ_NAME_MAX];
	int type = ssh_message_type(m), sub = ssh_message_subtype(m);

	(void)session;
	if (type == SSH_REQUEST_SERVICE ||
	    (type == SSH_REQUEST_AUTH && sub == SSH_AUTH_METHOD_NONE) ||
	    (type == SSH_REQUEST_GLOBAL && sub == SSH_GLOBAL_REQUEST_KEEPALIVE))
		return 1;
	if (type == SSH_REQUEST_AUTH)
		c->auth_failures++;
	log_notice("%s: refused %s%s", c->peer,
	    sshd_request_name(m, what, sizeof(what)),
	    c->authenticated ? "" : " before authentication");
	return 1;
}

/* GSSAPI is not offered, but libssh would still run its code for a client
 * that tries it: choose no mechanism. */
static ssh_string
gssapi_none(ssh_session session, const char *user, int n_oid, ssh_string *oids,
    void *userdata)
{
	(void)session;
	(void)user;
	(void)n_oid;
	(void)oids;
	(void)userdata;
	return NULL;
}

/* Tell the worker to stop: its input ends and it gets SIGTERM, on which a
 * transfer in progress fails down its error path and the worker exits. */
static void
chan_stop(struct chan *ch)
{
	if (ch->fd >= 0) {
		if (ch->watching)
			ssh_event_remove_fd(ch->conn->event, ch->fd);
		ch->watching = 0;
		close(ch->fd);
		ch->fd = -1;
	}
	if (ch->worker > 0)
		kill(ch->worker, SIGTERM);
}

static void
chan_free(struct chan *ch)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int waited;
	pid_t r;

	chan_stop(ch);
	if (ch->worker > 0) {
		for (waited = 0; waited < WORKER_STOP_MS; waited += 50) {
			r = waitpid(ch->worker, NULL, WNOHANG);
			if (r == ch->worker || (r < 0 && errno != EINTR))
				break;
			nanosleep(&ts, NULL);
		}
		if (waited >= WORKER_STOP_MS) {
			log_warn("%s: worker %d still running %d s after "
			    "SIGTERM: killing it", ch->conn->peer,
			    (int)ch->worker, WORKER_STOP_MS / 1000);
			kill(ch->worker, SIGKILL);
			while (waitpid(ch->worker, NULL, 0) < 0 &&
			    errno == EINTR)
				;
		}
	}
	free(ch->pending);
	free(ch->out);
	free(ch);
}

/* Worker -> channel, first half: the event loop calls this when the
 * worker wrote; it only fills our buffer.  Writing to the channel happens
 * between polls (pump_out), never inside a callback: a write that waits
 * for window there would never see the peer's window adjust. */
static int
worker_output(socket_t fd, int revents, void *userdata)
{
	struct chan *ch = userdata;
	ssize_t n;

	/* POLLOUT only wakes the loop: pump_in writes the pending bytes */
	if (ch->done || ch->worker_eof || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	if (ch->out_len == PUMP_BUF)
		return 0;
	n = read(fd, ch->out + ch->out_len, PUMP_BUF - ch->out_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		ch->worker_eof = true;
	else
		ch->out_len += (size_t)n;
	return 0;
}

/* Worker -> channel, second half: what the peer's window takes; then,
 * once the worker is done and everything is out, its exit status (OpenSSH
 * clients exit with it), EOF and close. */
static void
pump_out(struct chan *ch)
{
	uint32_t win;
	size_t n;
	int w, status = 0, code = 1;

	while (ch->out_off < ch->out_len) {
		win = ssh_channel_window_size(ch->channel);
		n = ch->out_len - ch->out_off;
		if (n > win)
			n = win;
		if (n == 0)
			return;
		w = ssh_channel_write(ch->channel, ch->out + ch->out_off,
		    (uint32_t)n);
		if (w == SSH_ERROR) {
			char e[ERR_LOG_MAX];

			log_warn("%s: channel write failed: %s", ch->conn->peer,
			    str_escaped(e, sizeof(e),
			    ssh_get_error(ch->conn->session)));
			ch->done = true;
			return;
		}
		ch->out_off += (size_t)w;
		if (w > 0 && ch->in_dead)
			ch->moved_at = monotonic_ms();
	}
	/* all out: the whole buffer is free again for the worker */
	ch->out_off = ch->out_len = 0;
	if (!ch->worker_eof)
		return;
	if (ch->worker > 0 && waitpid(ch->worker, &status, 0) == ch->worker) {
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		ch->worker = 0;
	}
	ch->done = true;
	ssh_channel_request_send_exit_status(ch->channel, code);
	ssh_channel_send_eof(ch->channel);
	ssh_channel_close(ch->channel);
}

/* Watch the worker's fd for input while our buffer has room (that is the
 * back-pressure), and for output while bytes wait for it: every wake-up
 * is an event, the loop never sleeps on a timer while data could move. */
static void
watch(struct chan *ch)
{
	short want = 0;

	if (!ch->done && ch->fd >= 0) {
		if (!ch->worker_eof && ch->out_len < PUMP_BUF)
			want |= POLLIN;
		if (ch->pending_off < ch->pending_len)
			want |= POLLOUT;
	}
	if (want == ch->watching)
		return;
	if (ch->watching)
		ssh_event_remove_fd(ch->conn->event, ch->fd);
	ch->watching = 0;
	if (want && ssh_event_add_fd(ch->conn->event, ch->fd, want,
	    worker_output, ch) == SSH_OK)
		ch->watching = want;
}

/* SIGTERM in a worker: only the flag; the transfer's loops look at it. */
static void
worker_term(int sig)
{
	(void)sig;
	xfer_stop = 1;
}

static void
run_worker(struct slave_ctx *ctx, int fd, const char *peer)
{
	struct sigaction sa;
	struct transport t;
	int r;

	/* Keep only stdio and our socket: the SSH session's socket and the
	 * other channels' fds belong to the connection process. */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	/* no SA_RESTART: a blocked read or poll returns to its loop */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (transport_fd_open(&t, fd, fd, peer) != 0)
		_exit(1);
	r = slave_session_run(ctx, &t);
	transport_close(&t);
	_exit(r == 0 ? 0 : 1);
}

static int
subsystem_request(ssh_session session, ssh_channel channel,
    const char *subsystem, void *userdata)
{
	struct chan *ch = userdata;
	struct conn *c = ch->conn;
	char name[USER_LOG_MAX];
	int sv[2];
	pid_t pid;

	(void)session;
	(void)channel;
	if (!c->authenticated) {
		log_notice("%s: refused subsystem before authentication",
		    c->peer);
		return SSH_ERROR;
	}
	if (strcmp(subsystem, "corral") != 0) {
		log_notice("%s: refused subsystem '%s'", c->peer,
		    str_escaped(name, sizeof(name), subsystem));
		return SSH_ERROR;
	}
	if (ch->fd >= 0)
		return SSH_ERROR;   /* one subsystem per channel */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return SSH_ERROR;
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return SSH_ERROR;
	}
	if (pid == 0) {
		close(sv[0]);
		run_worker(c->ctx, sv[1], c->peer);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	ch->fd = sv[0];
	ch->worker = pid;
	/* the loop registers the fd between polls (watch) */
	return SSH_OK;
}

static ssh_channel
channel_open(ssh_session session, void *userdata)
{
	struct conn *c = userdata;
	struct chan *ch;
	size_t i;

	if (!c->authenticated) {
		/* libssh's filter refuses it first: this is the second lock */
		log_notice("%s: refused channel open 'session' before "
		    "authentication", c->peer);
		return NULL;
	}
	for (i = 0; i < CHANNELS_MAX && c->chans[i] != NULL; i++)
		;
	if (i == CHANNELS_MAX) {
		log_warn("%s: refused channel: %d already open", c->peer,
		    CHANNELS_MAX);
		return NULL;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (ch->pending = malloc(PUMP_BUF)) == NULL ||
	    (ch->out = malloc(PUMP_BUF)) == NULL ||
	    (ch->channel = ssh_channel_new(session)) == NULL) {
		if (ch) {
			free(ch->pending);
			free(ch->out);
		}
		free(ch);
		return NULL;
	}
	ch->conn = c;
	ch->fd = -1;
	ch->cb.userdata = ch;
	ch->cb.channel_subsystem_request_function = subsystem_request;
	ssh_callbacks_init(&ch->cb);
	ssh_set_channel_callbacks(ch->channel, &ch->cb);
	c->chans[i] = ch;
	return ch->channel;
}

/* Channel -> worker, with back-pressure: read from the channel only what
 * the worker's socket has taken, so libssh's window stays closed while the
 * worker is busy. */
static void
pump_in(struct chan *ch)
{
	ssize_t n;
	int r;

	if (ch->fd < 0 || ch->done)
		return;
	for (;;) {
		if (ch->pending_off < ch->pending_len) {
			n = write(ch->fd, ch->pending + ch->pending_off,
			    ch->pending_len - ch->pending_off);
			if (n < 0) {
				/* the worker stopped reading (it failed and
				 * exited): its last words (an ERROR) still go
				 * out through pump_out; what comes in is
				 * dropped */
				if (errno != EAGAIN && errno != EINTR) {
					if (!ch->in_dead)
						ch->moved_at = monotonic_ms();
					ch->in_dead = true;
					ch->pending_off = ch->pending_len = 0;
					continue;
				}
				return;
			}
			ch->pending_off += (size_t)n;
			if (ch->pending_off < ch->pending_len)
				return;
		}
		ch->pending_off = ch->pending_len = 0;
		r = ssh_channel_read_nonblocking(ch->channel, ch->pending,
		    PUMP_BUF, 0);
		if (r > 0) {
			if (!ch->in_dead)
				ch->pending_len = (size_t)r;
			continue;
		}
		if ((r == SSH_EOF || ssh_channel_is_eof(ch->channel)) &&
		    !ch->eof_sent) {
			shutdown(ch->fd, SHUT_WR);
			ch->eof_sent = true;
		}
		return;
	}
}

/* Drop channels that are finished on both sides; true if any is busy
 * with bytes waiting for the worker. */
static bool
reap_channels(struct conn *c)
{
	bool busy = false;
	size_t i;

	for (i = 0; i < CHANNELS_MAX; i++) {
		struct chan *ch = c->chans[i];

		if (ch == NULL)
			continue;
		if (!ch->done && ssh_channel_is_closed(ch->channel))
			ch->done = true;
		if (ch->done) {
			if (!ssh_channel_is_closed(ch->channel))
				ssh_channel_close(ch->channel);
			chan_free(ch);
			c->chans[i] = NULL;
			continue;
		}
		pump_in(ch);
		pump_out(ch);
		/* a worker that has ended, whose last words a peer that
		 * reads nothing holds back while it sends on: what it sends
		 * is read and dropped, for nothing, so not forever */
		if (ch->in_dead && !ch->done &&
		    ch->out_off < ch->out_len &&
		    monotonic_ms() - ch->moved_at > DEAD_DRAIN_MS) {
			log_notice("%s: its session has ended and it read "
			    "nothing of the answer in %d s while sending on: "
			    "closing the channel", c->peer,
			    DEAD_DRAIN_MS / 1000);
			ch->done = true;
		}
		watch(ch);
		if (ch->pending_off < ch->pending_len ||
		    ch->out_off < ch->out_len)
			busy = true;
	}
	return busy;
}

void
sshd_serve(struct slave_ctx *ctx, ssh_session session, const char *peer,
    int auth_fd)
{
	struct conn c = { .ctx = ctx, .session = session, .auth_fd = auth_fd };
	long kex_seconds = AUTH_SECONDS;
	char err[512];
	time_t deadline;
	size_t i;
	int rc, one = 1;
	bool busy = false;

	snprintf(c.peer, sizeof(c.peer), "%s", peer);
	/* libssh sets TCP_NODELAY only on client sockets: small replies
	 * would wait ~40 ms for Nagle otherwise */
	(void)setsockopt(ssh_get_fd(session), IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
	/* A client that never finishes key exchange and authentication is
	 * cut off: key exchange by libssh's timeout (the whole exchange, not
	 * each wait, so a peer trickling bytes gets no more: logged), the
	 * rest by the loop's deadline; the alarm is the backstop, whatever
	 * libssh is blocked in. */
	alarm(2 * AUTH_SECONDS + 5);
	(void)ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &kex_seconds);
	if (authkeys_load(ctx->conf.authorized_keys, &c.keys, err,
	    sizeof(err)) != 0) {
		log_error("%s: refused: %s", c.peer, err);
		return;
	}
	c.cb.userdata = &c;
	c.cb.auth_pubkey_function = auth_pubkey;
	c.cb.channel_open_request_session_function = channel_open;
	c.cb.gssapi_select_oid_function = gssapi_none;
	ssh_callbacks_init(&c.cb);
	ssh_set_server_callbacks(session, &c.cb);
	ssh_set_message_callback(session, refuse_message, &c);
	ssh_set_auth_methods(session, SSH_AUTH_METHOD_PUBLICKEY);
	if ((rc = ssh_handle_key_exchange(session)) != SSH_OK) {
		/* libssh's message may quote the client (its banner, its
		 * disconnect reason) */
		if (rc == SSH_AGAIN)
			log_notice("%s: key exchange not done within %d s: "
			    "disconnecting", c.peer, AUTH_SECONDS);
		else
			log_notice("%s: key exchange failed: %s", c.peer,
			    str_escaped(err, sizeof(err),
			    ssh_get_error(session)));
		goto out;
	}
	/* after key exchange, no libssh wait of ours blocks: channel writes
	 * go by the window, reads are non-blocking */
	kex_seconds = 0;
	(void)ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &kex_seconds);
	if ((c.event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(c.event, session) != SSH_OK)
		goto out;
	deadline = time(NULL) + AUTH_SECONDS;
	for (;;) {
		/* busy: bytes wait for the peer's window, which arrives on
		 * the session's socket: an event too */
		rc = ssh_event_dopoll(c.event, busy ? 50 : 1000);
		if (rc == SSH_ERROR ||
		    (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
			/* before authentication this is how libssh refuses
			 * a channel or request (its packet filter): say so */
			if (!c.authenticated)
				log_notice("%s: connection ended before "
				    "authentication: %s", c.peer,
				    str_escaped(err, sizeof(err),
				    ssh_get_error(session)));
			break;
		}
		if (!c.authenticated) {
			if (c.auth_failures >= AUTH_TRIES_MAX ||
			    time(NULL) >= deadline) {
				log_notice("%s: not authenticated after %d "
				    "tries: disconnecting", c.peer,
				    c.auth_failures);
				break;
			}
		} else {
			alarm(0);
		}
		busy = reap_channels(&c);
		if (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR))
			break;
	}
out:
	/* all told first, so that they release what they hold together */
	for (i = 0; i < CHANNELS_MAX; i++)
		if (c.chans[i] != NULL)
			chan_stop(c.chans[i]);
	for (i = 0; i < CHANNELS_MAX; i++)
		if (c.chans[i] != NULL)
			chan_free(c.chans[i]);
	if (c.event != NULL)
		ssh_event_free(c.event);
	authkeys_free(&c.keys);
	if (c.auth_fd >= 0)
		close(c.auth_fd);
	ssh_disconnect(session);
}
