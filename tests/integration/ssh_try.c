/* A test client: offer one key to an SSH server under any user name, raw
 * bytes included (OpenSSH's client refuses control characters in a user
 * name, which is exactly what a hostile client sends), then optionally
 * ask for one thing the server must refuse.
 *
 *   ssh-try HOST PORT USER KEYFILE [REQUEST]
 *
 * REQUEST, after authentication: shell, exec, pty, env, x11,
 * forward-local (a direct-tcpip channel), forward-remote (a tcpip-forward
 * global request), subsystem:NAME; instead of the key: password,
 * keyboard-interactive.  (libssh's client opens no channel before
 * authentication: ssh_preauth.py sends those.)
 *
 * Exit 0 if the key was accepted (and the request, if any, granted), 1 if
 * the key was refused, 3 if the request was refused (or the server hung
 * up on it), 2 on any other error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

enum { GRANTED = 0, KEY_REFUSED = 1, ERROR = 2, REFUSED = 3 };

/* One request on a fresh session channel: SSH_OK if granted. */
static int
chan_request(ssh_session s, const char *req)
{
	ssh_channel c = ssh_channel_new(s);
	int r = SSH_ERROR;

	if (c == NULL)
		return SSH_ERROR;
	if (strcmp(req, "forward-local") == 0) {
		r = ssh_channel_open_forward(c, "127.0.0.1", 22, "127.0.0.1",
		    4242);
		goto out;
	}
	if (ssh_channel_open_session(c) != SSH_OK)
		goto out;
	if (strcmp(req, "shell") == 0)
		r = ssh_channel_request_shell(c);
	else if (strcmp(req, "exec") == 0)
		r = ssh_channel_request_exec(c, "id");
	else if (strcmp(req, "pty") == 0)
		r = ssh_channel_request_pty(c);
	else if (strcmp(req, "env") == 0)
		r = ssh_channel_request_env(c, "LC_ALL", "C");
	else if (strcmp(req, "x11") == 0)
		r = ssh_channel_request_x11(c, 0, NULL, NULL, 0);
	else if (strncmp(req, "subsystem:", 10) == 0)
		r = ssh_channel_request_subsystem(c, req + 10);
	else
		fprintf(stderr, "ssh-try: unknown request %s\n", req);
out:
	ssh_channel_free(c);
	return r;
}

int
main(int argc, char **argv)
{
	ssh_session s;
	ssh_key key = NULL;
	const char *req = argc == 6 ? argv[5] : NULL;
	int port, r, rc = ERROR;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: ssh-try HOST PORT USER KEYFILE "
		    "[REQUEST]\n");
		return ERROR;
	}
	port = atoi(argv[2]);
	if ((s = ssh_new()) == NULL)
		return ERROR;
	if (ssh_options_set(s, SSH_OPTIONS_HOST, argv[1]) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_USER, argv[3]) != SSH_OK) {
		fprintf(stderr, "ssh-try: options: %s\n", ssh_get_error(s));
		goto out;
	}
	if (ssh_connect(s) != SSH_OK) {
		fprintf(stderr, "ssh-try: connect: %s\n", ssh_get_error(s));
		goto out;
	}
	if (req != NULL && strcmp(req, "password") == 0) {
		r = ssh_userauth_password(s, NULL, "secret");
		rc = r == SSH_AUTH_SUCCESS ? GRANTED : KEY_REFUSED;
		goto out;
	}
	if (req != NULL && strcmp(req, "keyboard-interactive") == 0) {
		r = ssh_userauth_kbdint(s, NULL, NULL);
		rc = r == SSH_AUTH_SUCCESS ? GRANTED : KEY_REFUSED;
		goto out;
	}
	if (ssh_pki_import_privkey_file(argv[4], NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		fprintf(stderr, "ssh-try: %s: cannot read the key\n", argv[4]);
		goto out;
	}
	r = ssh_userauth_publickey(s, NULL, key);
	if (r == SSH_AUTH_DENIED || r == SSH_AUTH_PARTIAL) {
		rc = KEY_REFUSED;
		goto out;
	}
	if (r != SSH_AUTH_SUCCESS) {
		fprintf(stderr, "ssh-try: auth: %s\n", ssh_get_error(s));
		goto out;
	}
	if (req == NULL)
		rc = GRANTED;
	else if (strcmp(req, "forward-remote") == 0)
		rc = ssh_channel_listen_forward(s, "127.0.0.1", 4243, NULL) ==
		    SSH_OK ? GRANTED : REFUSED;
	else
		rc = chan_request(s, req) == SSH_OK ? GRANTED : REFUSED;
out:
	if (rc == REFUSED)
		fprintf(stderr, "ssh-try: %s refused: %s\n", req,
		    ssh_get_error(s));
	ssh_key_free(key);
	ssh_disconnect(s);
	ssh_free(s);
	return rc;
}
