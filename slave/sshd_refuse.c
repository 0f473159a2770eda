/* corral-slave: naming the SSH requests the server refuses (sshd.c).
 *
 * Everything but publickey authentication, a "session" channel and the
 * "corral" subsystem reaches libssh's message callback, which refuses it
 * with the protocol's default reply; this file only names the request
 * for the log line that goes with the refusal. */
#include <stdio.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "escape.h"
#include "sshd.h"

struct sub_name {
	int subtype;
	const char *name;
};

/* the wire's names, as an admin reading the log knows them */
static const struct sub_name auth_names[] = {
	{ SSH_AUTH_METHOD_NONE, "none" },
	{ SSH_AUTH_METHOD_PASSWORD, "password" },
	{ SSH_AUTH_METHOD_PUBLICKEY, "publickey" },
	{ SSH_AUTH_METHOD_HOSTBASED, "hostbased" },
	{ SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive" },
	{ SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic" },
	{ -1, NULL },
};
static const struct sub_name open_names[] = {
	{ SSH_CHANNEL_SESSION, "session" },
	{ SSH_CHANNEL_DIRECT_TCPIP, "direct-tcpip (port forwarding)" },
	{ SSH_CHANNEL_FORWARDED_TCPIP, "forwarded-tcpip" },
	{ SSH_CHANNEL_X11, "x11" },
	{ SSH_CHANNEL_AUTH_AGENT, "auth-agent" },
	{ -1, NULL },
};
static const struct sub_name chan_names[] = {
	{ SSH_CHANNEL_REQUEST_PTY, "pty-req" },
	{ SSH_CHANNEL_REQUEST_EXEC, "exec" },
	{ SSH_CHANNEL_REQUEST_SHELL, "shell" },
	{ SSH_CHANNEL_REQUEST_ENV, "env" },
	{ SSH_CHANNEL_REQUEST_SUBSYSTEM, "subsystem" },
	{ SSH_CHANNEL_REQUEST_WINDOW_CHANGE, "window-change" },
	{ SSH_CHANNEL_REQUEST_X11, "x11-req" },
	{ -1, NULL },
};
static const struct sub_name global_names[] = {
	{ SSH_GLOBAL_REQUEST_TCPIP_FORWARD, "tcpip-forward (port forwarding)" },
	{ SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD, "cancel-tcpip-forward" },
	{ SSH_GLOBAL_REQUEST_KEEPALIVE, "keepalive" },
	{ -1, NULL },
};

static const char *
sub_name(const struct sub_name *t, int subtype)
{
	for (; t->name != NULL; t++)
		if (t->subtype == subtype)
			return t->name;
	return "unknown";
}

const char *
sshd_request_name(ssh_message m, char *buf, size_t len)
{
	int sub = ssh_message_subtype(m);
	const char *user;
	char u[SSHD_USER_LOG_MAX];

	switch (ssh_message_type(m)) {
	case SSH_REQUEST_AUTH:
		/* the user name is the client's to choose: escaped */
		user = ssh_message_auth_user(m);
		snprintf(buf, len, "%s authentication (user '%s')",
		    sub_name(auth_names, sub),
		    str_escaped(u, sizeof(u), user != NULL ? user : ""));
		break;
	case SSH_REQUEST_CHANNEL_OPEN:
		snprintf(buf, len, "channel open '%s'",
		    sub_name(open_names, sub));
		break;
	case SSH_REQUEST_CHANNEL:
		snprintf(buf, len, "channel request '%s'",
		    sub_name(chan_names, sub));
		break;
	case SSH_REQUEST_GLOBAL:
		snprintf(buf, len, "global request '%s'",
		    sub_name(global_names, sub));
		break;
	case SSH_REQUEST_SERVICE:
		snprintf(buf, len, "service request");
		break;
	default:
		snprintf(buf, len, "request of type %d", ssh_message_type(m));
		break;
	}
	return buf;
}
