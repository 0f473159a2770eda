/* corral CLI: the connection to corral-master's Unix socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cerr.h"
#include "cli.h"
#include "conf.h"
#include "frame.h"
#include "hello.h"
#include "msg.h"
#include "proto.h"
#include "transport.h"


int
cli_connect(struct transport *t)
{
	struct corral_conf conf;
	struct conf_err cerr;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hello_params hp = { .software = "corral " CORRAL_VERSION,
	    .role = "cli" };
	struct hello_result res;
	bool explicit_path;
	const char *path = corral_conf_path(&explicit_path);
	char err[512];
	int fd;

	corral_conf_defaults(&conf);
	if (!explicit_path && access(path, F_OK) != 0)
		path = NULL;   /* no file: built-in defaults */
	if (path != NULL && corral_conf_load(path, &conf, &cerr) != 0) {
		out_line(stderr, "corral: %s", cerr.msg);
		return -1;
	}
	if (strlen(conf.socket) >= sizeof(sa.sun_path)) {
		out_line(stderr, "corral: %s: socket path too long",
		    conf.socket);
		return -1;
	}
	strcpy(sa.sun_path, conf.socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		out_line(stderr, "corral: cannot reach corral-master at %s: %s",
		    conf.socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (transport_fd_open(t, fd, fd, "corral-master") != 0) {
		close(fd);
		return -1;
	}
	if (hello_client(t, &hp, &res, err, sizeof(err)) != 0) {
		out_line(stderr, "corral: %s", err);
		transport_close(t);
		return -1;
	}
	return 0;
}

int
cli_send(struct transport *t, const struct cli_rpc *x, const void *req)
{
	struct cbuf *b;
	int r;

	if ((b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return CERR_NOMEM;
	if ((r = x->enc(b, req)) == 0)
		r = frame_write(t, x->type, 1, b);
	cbuf_free(b);
	return r;
}

void
cli_print_error(const char *cmd, const struct frame *f)
{
	struct msg_error e;

	if (msg_error_decode(f->payload, &e) == 0)
		out_line(stderr, "corral: %s: %s", cmd, e.message);
	else
		out_line(stderr, "corral: %s: malformed error reply", cmd);
}

int
cli_call(struct transport *t, const struct cli_rpc *x, const void *req,
    void *rep, void *arg)
{
	struct msg_progress p;
	struct frame f = { 0 };
	int r, rc = -1;

	r = cli_send(t, x, req);
	/* progress and jobs' news come with the request's id until its
	 * reply */
	while (r == 0 && (r = frame_read(t, &f)) == 0 && f.h.type != x->want &&
	    ((x->progress && f.h.type == MSG_CLI_PROGRESS) || (x->news &&
	    (f.h.type == MSG_CLI_JOB_QUEUED || f.h.type == MSG_CLI_JOB)))) {
		if (f.h.type != MSG_CLI_PROGRESS)
			x->news(&f, arg);
		else if (msg_progress_decode(f.payload, &p) == 0)
			x->progress(&p, arg);
		frame_clear(&f);
	}
	if (x->progress)
		x->progress(NULL, arg);
	if (r != 0)
		out_line(stderr, "corral: %s: corral-master: %s", x->cmd,
		    cerr_str(r));
	else if (f.h.type == MSG_ERROR)
		cli_print_error(x->cmd, &f);
	else if (f.h.type != x->want)
		out_line(stderr, "corral: %s: corral-master answered %s",
		    x->cmd, proto_msg_name(f.h.type));
	else if (x->dec(f.payload, rep) != 0)
		out_line(stderr, "corral: %s: malformed reply", x->cmd);
	else
		rc = 0;
	frame_clear(&f);
	return rc;
}

int
cli_run(const struct cli_rpc *x, const void *req, void *rep, void *arg)
{
	struct transport t;
	int rc;

	if (cli_connect(&t) != 0)
		return -1;
	rc = cli_call(&t, x, req, rep, arg);
	cli_disconnect(&t);
	return rc;
}

int
cli_host_ct(const char *cmd, char **argv, char *host, char *ct)
{
	if (strlen(argv[0]) >= PROTO_NAME_MAX ||
	    strlen(argv[1]) >= PROTO_NAME_MAX) {
		out_line(stderr, "corral: %s: name too long", cmd);
		return -1;
	}
	strcpy(host, argv[0]);
	strcpy(ct, argv[1]);
	return 0;
}

int
cli_ct_arg(const char *cmd, const char *arg, char *ct)
{
	if (strlen(arg) >= PROTO_NAME_MAX) {
		out_line(stderr, "corral: %s: container name '%.64s...' is too "
		    "long", cmd, arg);
		return -1;
	}
	strcpy(ct, arg);
	return 0;
}

int
cli_flag_enc(struct cbuf *b, const void *m)
{
	return msg_flag_encode(b, *(const uint8_t *)m);
}

void
cli_disconnect(struct transport *t)
{
	transport_close(t);
}
