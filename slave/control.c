/* corral-slave: CT_CONTROL — a container's autostart (lxc.start.auto in its
 * config) and run state: started, or stopped cleanly (its halt signal, a
 * time limit, only then kill), as CT_CTL does (ctl.c). */
#include <stdio.h>
#include <string.h>

#include <lxc/lxccontainer.h>

#include "cerr.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "names.h"
#include "reqloop.h"
#include "slave.h"

MSG_ENC(msg_control)

static bool
autostart_of(struct lxc_container *c)
{
	char v[16];
	int n = c->get_config_item(c, "lxc.start.auto", v, sizeof(v));

	return n > 0 && (size_t)n < sizeof(v) && v[0] == '1';
}

static int
set_autostart(struct lxc_container *c, bool on, char *err, size_t errlen)
{
	if (!c->set_config_item(c, "lxc.start.auto", on ? "1" : "0") ||
	    !c->save_config(c, NULL)) {
		snprintf(err, errlen, "cannot write lxc.start.auto to its "
		    "config");
		return -1;
	}
	return 0;
}

static int
control(struct slave_ctx *ctx, const struct msg_control_req *q,
    struct msg_control *a, char *err, size_t errlen)
{
	struct lxc_container *c;
	char msg[MSG_ERRTEXT_MAX / 2] = "";
	int ret = -1;

	if ((c = lxc_container_new(q->ct, ctx->conf.lxcpath)) == NULL ||
	    !c->is_defined(c)) {
		snprintf(err, errlen, "no container %s on this host", q->ct);
		goto out;
	}
	if (q->autostart != MSG_AUTO_KEEP) {
		if (set_autostart(c, q->autostart == MSG_AUTO_ENABLE, err,
		    errlen) != 0)
			goto out;
		snprintf(a->message, sizeof(a->message), "autostart %s",
		    q->autostart == MSG_AUTO_ENABLE ? "enabled" : "disabled");
	}
	if (q->run != MSG_RUN_KEEP) {
		if (slave_ct_run(ctx, q->ct, q->run == MSG_RUN_START,
		    q->timeout_s, msg, sizeof(msg), err, errlen) != 0)
			goto out;
		snprintf(a->message + strlen(a->message),
		    sizeof(a->message) - strlen(a->message), "%s%s",
		    a->message[0] ? "; " : "", msg);
	}
	a->enabled = autostart_of(c);
	a->running = c->is_running(c);
	ret = 0;
out:
	if (c != NULL)
		lxc_container_put(c);
	return ret;
}

int
slave_handle_control(struct reqloop *l, const struct frame *f)
{
	struct slave_ctx *ctx = l->ctx;
	struct msg_control_req q;
	struct msg_control a;
	char err[MSG_ERRTEXT_MAX - 96] = "", pn[PROTO_NAME_MAX * 4];
	int r;

	if ((r = msg_control_req_decode(f->payload, &q)) != 0)
		return r;
	str_escaped(pn, sizeof(pn), q.ct);
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	if (!ct_name_valid(q.ct))
		snprintf(err, sizeof(err), "'%s' is not a valid container "
		    "name", pn);
	if (q.all != 0)
		snprintf(err, sizeof(err), "all is the master's business");
	if (err[0] != '\0' || control(ctx, &q, &a, err, sizeof(err)) != 0) {
		log_warn("%s: CONTROL %s: %s", l->t->peer, pn, err);
		return reply_error(l->t, f->h.id, CERR_REMOTE,
		    "CONTROL %s: %s", pn, err);
	}
	if (a.message[0] != '\0')
		log_info("%s: CONTROL %s: %s", l->t->peer, q.ct, a.message);
	return reply_msg(l->t, MSG_CT_CONTROL, f->h.id, msg_control_enc, &a);
}
