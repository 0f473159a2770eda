/* A test client: offer one key to an SSH server under any user name, raw
 * bytes included (OpenSSH's client refuses control characters in a user
 * name, which is exactly what a hostile client sends).
 *
 *   ssh-try HOST PORT USER KEYFILE
 *
 * Exit 0 if the key was accepted, 1 if refused, 2 on any other error. */
#include <stdio.h>
#include <stdlib.h>

#include <libssh/libssh.h>

int
main(int argc, char **argv)
{
	ssh_session s;
	ssh_key key = NULL;
	int port, r, rc = 2;

	if (argc != 5) {
		fprintf(stderr, "usage: ssh-try HOST PORT USER KEYFILE\n");
		return 2;
	}
	port = atoi(argv[2]);
	if ((s = ssh_new()) == NULL)
		return 2;
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
	if (ssh_pki_import_privkey_file(argv[4], NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		fprintf(stderr, "ssh-try: %s: cannot read the key\n", argv[4]);
		goto out;
	}
	r = ssh_userauth_publickey(s, NULL, key);
	if (r == SSH_AUTH_SUCCESS)
		rc = 0;
	else if (r == SSH_AUTH_DENIED || r == SSH_AUTH_PARTIAL)
		rc = 1;
	else
		fprintf(stderr, "ssh-try: auth: %s\n", ssh_get_error(s));
out:
	ssh_key_free(key);
	ssh_disconnect(s);
	ssh_free(s);
	return rc;
}
