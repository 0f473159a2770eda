/* corral-slave: CT_CONTROL — a container's autostart (lxc.start.auto in its
 * config) and run state: started, or stopped cleanly (its halt signal, a
 * time limit, only then kill), as CT_CTL does (ctl.c). */
#include <stdio.h>
#include <string.h>

#include <lxc/lxccontainer.h>

#include "log.h"
#include "msg.h"
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
control(struct slave_ctx *ctx, struct lxc_container *c, const void *req,
    void *rep, char *err, size_t errlen)
{
	const struct msg_control_req *q = req;
	struct msg_control *a = rep;
	char msg[MSG_ERRTEXT_MAX / 2] = "";

	if (q->autostart != MSG_AUTO_KEEP) {
		if (set_autostart(c, q->autostart == MSG_AUTO_ENABLE, err,
		    errlen) != 0)
			return -1;
		snprintf(a->message, sizeof(a->message), "autostart %s",
		    q->autostart == MSG_AUTO_ENABLE ? "enabled" : "disabled");
	}
	if (q->run != MSG_RUN_KEEP) {
		if (slave_ct_run(ctx, q->ct, q->run == MSG_RUN_START,
		    q->timeout_s, msg, sizeof(msg), err, errlen) != 0)
			return -1;
		snprintf(a->message + strlen(a->message),
		    sizeof(a->message) - strlen(a->message), "%s%s",
		    a->message[0] ? "; " : "", msg);
	}
	a->enabled = autostart_of(c);
	a->running = c->is_running(c);
	if (a->message[0] != '\0')
		log_info("CONTROL %s: %s", q->ct, a->message);
	return 0;
}

int
slave_handle_control(struct reqloop *l, const struct frame *f)
{
	struct msg_control_req q;
	struct msg_control a;
	int r;

	if ((r = msg_control_req_decode(f->payload, &q)) != 0)
		return r;
	memset(&a, 0, sizeof(a));
	snprintf(a.ct, sizeof(a.ct), "%s", q.ct);
	return slave_ct_request(l, f, "CONTROL", q.ct, q.all, control, &q, &a,
	    MSG_CT_CONTROL, msg_control_enc);
}
