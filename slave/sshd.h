/* corral-slave: the SSH server's two halves, the listener (sshd_listen.c:
 * host key, bind, limits, one process per connection) and the connection
 * process (sshd.c: authentication, channels, workers). */
#ifndef CORRAL_SLAVE_SSHD_H
#define CORRAL_SLAVE_SSHD_H

#include <libssh/libssh.h>

#include "slave.h"

/* Numeric address and " port N" of a client, for every log line. */
#define SSHD_PEER_MAX 80
/* an escaped user name in a log line */
#define SSHD_USER_LOG_MAX 64
/* a refused request named for the log (sshd_request_name) */
#define SSHD_REQ_NAME_MAX 160

/* Serve one accepted connection in its own process, until it ends.  peer
 * names the client; auth_fd (or -1) is closed as soon as the client has
 * authenticated, which tells the listener it no longer counts against the
 * limits on unauthenticated connections. */
void sshd_serve(struct slave_ctx *ctx, ssh_session session, const char *peer,
    int auth_fd);

/* What a message libssh did not handle asks for, for the line that logs
 * its refusal: "exec", "pty-req", "direct-tcpip", "password
 * authentication (user 'x')"...; into buf, which it returns. */
const char *sshd_request_name(ssh_message m, char *buf, size_t len);

#endif
