/* corral-master: SSH client sessions to slaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "privkey.h"
#include "sshc.h"
#include "sshfp.h"

#define CIPHERS "aes128-gcm@openssh.com,aes256-gcm@openssh.com," \
	"chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr"
#define HOSTKEY_ALGOS "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512," \
	"rsa-sha2-256"

static ssize_t
chan_read(struct transport *t, void *buf, size_t len)
{
	struct sshc *c = t->ctx;
	int n;

	if (len > INT32_MAX)
		len = INT32_MAX;
	if (t->timeout_ms < 0)
		n = ssh_channel_read(c->channel, buf, (uint32_t)len, 0);
	else
		n = ssh_channel_read_timeout(c->channel, buf, (uint32_t)len,
		    0, t->timeout_ms);
	if (n == SSH_ERROR)
		return CERR_IO;
	if (n == 0 && !ssh_channel_is_eof(c->channel))
		return ssh_channel_is_open(c->channel) ? CERR_TIMEOUT : 0;
	return n;
}

static int
chan_write(struct transport *t, const void *buf, size_t len)
{
	struct sshc *c = t->ctx;
	const char *p = buf;
	int n;

	while (len > 0) {
		uint32_t chunk = len > (1u << 20) ? (1u << 20) : (uint32_t)len;

		n = ssh_channel_write(c->channel, p, chunk);
		if (n == SSH_ERROR || n <= 0)
			return CERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
chan_close(struct transport *t)
{
	(void)t;  /* sshc_close() owns the channel */
}

static const struct transport_ops chan_ops = {
	.read = chan_read,
	.write = chan_write,
	.close = chan_close,
};

/* The slave's key fingerprint into c->fingerprint. */
static int
fingerprint(struct sshc *c)
{
	ssh_key key = NULL;
	int rc;

	if (ssh_get_server_publickey(c->session, &key) != SSH_OK)
		return -1;
	rc = key_fingerprint(key, c->fingerprint, sizeof(c->fingerprint));
	ssh_key_free(key);
	return rc;
}

static int
check_host_key(struct sshc *c, const struct sshc_params *p, char *err,
    size_t errlen)
{
	enum ssh_known_hosts_e st;

	if (fingerprint(c) != 0) {
		snprintf(err, errlen, "%s: cannot read the host key", p->name);
		return -1;
	}
	st = ssh_session_is_known_server(c->session);
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		c->known = true;
		if (p->expect_fp && *p->expect_fp &&
		    strcmp(p->expect_fp, c->fingerprint) != 0) {
			snprintf(err, errlen, "%s: host key is %s, not the "
			    "expected %s", p->name, c->fingerprint,
			    p->expect_fp);
			return -1;
		}
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		snprintf(err, errlen, "%s: HOST KEY CHANGED (now %s): refusing "
		    "to connect; if the change is expected, remove the old "
		    "entry for [%s]:%u from %s and trust it again", p->name,
		    c->fingerprint, p->address, (unsigned)p->port,
		    p->known_hosts);
		return -1;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (p->trust == SSHC_TRUST_PEEK)
			return 0;
		if (p->trust != SSHC_TRUST_RECORD) {
			snprintf(err, errlen, "%s: unknown host key %s: run "
			    "'corral host trust %s' to accept it", p->name,
			    c->fingerprint, p->name);
			return -1;
		}
		if (p->expect_fp && *p->expect_fp &&
		    strcmp(p->expect_fp, c->fingerprint) != 0) {
			snprintf(err, errlen, "%s: host key is %s, not the "
			    "expected %s: not recorded", p->name,
			    c->fingerprint, p->expect_fp);
			return -1;
		}
		if (ssh_session_update_known_hosts(c->session) != SSH_OK) {
			snprintf(err, errlen, "%s: cannot record the host key in "
			    "%s: %s", p->name, p->known_hosts,
			    ssh_get_error(c->session));
			return -1;
		}
		c->recorded = true;
		return 0;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		snprintf(err, errlen, "%s: cannot check the host key against "
		    "%s: %s", p->name, p->known_hosts,
		    ssh_get_error(c->session));
		return -1;
	}
}

int
sshc_connect(struct sshc *c, const struct sshc_params *p, char *err,
    size_t errlen)
{
	ssh_key key = NULL;
	char kerr[512];
	long timeout = p->timeout_s;
	unsigned int port = p->port;
	bool no = false, yes = true;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((c->session = ssh_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", p->name);
		return -1;
	}
	if (ssh_options_set(c->session, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_HOST, p->address) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_USER, "root") < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_KNOWNHOSTS,
	    p->known_hosts) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
	    "/dev/null") < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_CIPHERS_C_S, CIPHERS) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_CIPHERS_S_C, CIPHERS) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_HOSTKEYS,
	    HOSTKEY_ALGOS) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_NODELAY, &yes) < 0) {
		snprintf(err, errlen, "%s: ssh options: %s", p->name,
		    ssh_get_error(c->session));
		goto fail;
	}
	if (ssh_connect(c->session) != SSH_OK) {
		snprintf(err, errlen, "%s: cannot connect to %s port %u: %s",
		    p->name, p->address, (unsigned)p->port,
		    ssh_get_error(c->session));
		goto fail;
	}
	/* the host key is checked before we send anything that matters */
	if (check_host_key(c, p, err, errlen) != 0)
		goto fail;
	if (p->trust == SSHC_TRUST_PEEK) {
		sshc_close(c);
		return 0;
	}
	/* checked like the slave's host key: a key others can read or
	 * replace is refused, with the reason (privkey.h) */
	if (privkey_load(p->key_path, &key, kerr, sizeof(kerr)) != 0) {
		snprintf(err, errlen, "%s: our key: %s", p->name, kerr);
		goto fail;
	}
	rc = ssh_userauth_publickey(c->session, NULL, key);
	ssh_key_free(key);
	if (rc != SSH_AUTH_SUCCESS) {
		snprintf(err, errlen, "%s: our key was refused (is it in the "
		    "slave's authorized_keys?)", p->name);
		goto fail;
	}
	if ((c->channel = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(c->channel) != SSH_OK ||
	    ssh_channel_request_subsystem(c->channel, "corral") != SSH_OK) {
		snprintf(err, errlen, "%s: cannot open the corral subsystem: %s",
		    p->name, ssh_get_error(c->session));
		goto fail;
	}
	c->t.ops = &chan_ops;
	c->t.ctx = c;
	c->t.timeout_ms = p->timeout_s * 1000;
	snprintf(c->t.peer, sizeof(c->t.peer), "%s", p->name);
	return 0;
fail:
	sshc_close(c);
	return -1;
}

void
sshc_close(struct sshc *c)
{
	if (c->channel != NULL) {
		ssh_channel_close(c->channel);
		ssh_channel_free(c->channel);
		c->channel = NULL;
	}
	if (c->session != NULL) {
		ssh_disconnect(c->session);
		ssh_free(c->session);
		c->session = NULL;
	}
}
