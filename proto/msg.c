/* corral: message table and the session messages' codecs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"
#include "tree.h"

static const struct proto_msg_desc msg_table[] = {
	{ MSG_HELLO,    "HELLO" },
	{ MSG_HELLO_OK, "HELLO_OK" },
	{ MSG_ERROR,    "ERROR" },
	{ MSG_PING,     "PING" },
	{ MSG_PONG,     "PONG" },
	{ MSG_BYE,      "BYE" },
	{ MSG_HOST_INFO_REQ, "HOST_INFO_REQ" },
	{ MSG_HOST_INFO,     "HOST_INFO" },
	{ MSG_CT_LIST_REQ,   "CT_LIST_REQ" },
	{ MSG_CT_LIST,       "CT_LIST" },
	{ MSG_CLI_HOSTS_REQ, "CLI_HOSTS_REQ" },
	{ MSG_CLI_HOSTS,     "CLI_HOSTS" },
	{ MSG_CLI_SCAN_REQ,  "CLI_SCAN_REQ" },
	{ MSG_CLI_SCAN,      "CLI_SCAN" },
	{ MSG_CLI_TRUST_REQ, "CLI_TRUST_REQ" },
	{ MSG_CLI_TRUST,     "CLI_TRUST" },
	{ MSG_TREE_SEND_REQ, "TREE_SEND_REQ" },
	{ MSG_TREE_RECV_REQ, "TREE_RECV_REQ" },
	{ MSG_TREE_ENTRIES,  "TREE_ENTRIES" },
	{ MSG_TREE_NEED,     "TREE_NEED" },
	{ MSG_TREE_SIG,      "TREE_SIG" },
	{ MSG_TREE_DATA,     "TREE_DATA" },
	{ MSG_TREE_END,      "TREE_END" },
	{ MSG_TREE_DONE,     "TREE_DONE" },
	{ MSG_TREE_ENTRIES_Z, "TREE_ENTRIES_Z" },
	{ MSG_CLI_SYNC_REQ,  "CLI_SYNC_REQ" },
	{ MSG_CLI_PROGRESS,  "CLI_PROGRESS" },
	{ MSG_CLI_SYNC,      "CLI_SYNC" },
	{ MSG_TREE_PROGRESS, "TREE_PROGRESS" },
	{ MSG_TREE_LISTEN,   "TREE_LISTEN" },
	{ MSG_CT_CREATE_REQ, "CT_CREATE_REQ" },
	{ MSG_CT_CREATE,     "CT_CREATE" },
	{ MSG_SNAP_REQ,      "SNAP_REQ" },
	{ MSG_SNAP,          "SNAP" },
	{ MSG_CLI_CREATE_REQ, "CLI_CREATE_REQ" },
	{ MSG_CLI_CREATE,    "CLI_CREATE" },
	{ MSG_CLI_SNAP_REQ,  "CLI_SNAP_REQ" },
	{ MSG_CLI_SNAP,      "CLI_SNAP" },
	{ 0, NULL },
};

const struct proto_msg_desc *
proto_msg_table(void)
{
	return msg_table;
}

const char *
proto_msg_name(uint16_t type)
{
	const struct proto_msg_desc *d;

	for (d = msg_table; d->name != NULL; d++)
		if (d->type == type)
			return d->name;
	return NULL;
}

bool
proto_msg_known(uint16_t type)
{
	return proto_msg_name(type) != NULL;
}

int
msg_hello_encode(struct cbuf *b, const struct msg_hello *m)
{
	int r;

	if ((r = cbuf_put_u16(b, m->vmin)) != 0 ||
	    (r = cbuf_put_u16(b, m->vmax)) != 0 ||
	    (r = cbuf_put_u32(b, m->caps)) != 0 ||
	    (r = cbuf_put_cstring(b, m->software)) != 0 ||
	    (r = cbuf_put_cstring(b, m->role)) != 0)
		return r;
	return 0;
}

int
msg_hello_decode(struct cbuf *b, struct msg_hello *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u16(b, &m->vmin)) != 0 ||
	    (r = cbuf_get_u16(b, &m->vmax)) != 0 ||
	    (r = cbuf_get_u32(b, &m->caps)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->software, sizeof(m->software))) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->role, sizeof(m->role))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	if (m->vmin > m->vmax)
		return CERR_PROTOCOL;
	return 0;
}

int
msg_hello_ok_encode(struct cbuf *b, const struct msg_hello_ok *m)
{
	int r;

	if ((r = cbuf_put_u16(b, m->version)) != 0 ||
	    (r = cbuf_put_u32(b, m->caps)) != 0 ||
	    (r = cbuf_put_cstring(b, m->software)) != 0)
		return r;
	return 0;
}

int
msg_hello_ok_decode(struct cbuf *b, struct msg_hello_ok *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u16(b, &m->version)) != 0 ||
	    (r = cbuf_get_u32(b, &m->caps)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->software, sizeof(m->software))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_error_encode(struct cbuf *b, const struct msg_error *m)
{
	int r;

	if ((r = cbuf_put_u32(b, (uint32_t)m->code)) != 0 ||
	    (r = cbuf_put_cstring(b, m->message)) != 0)
		return r;
	return 0;
}

int
msg_error_decode(struct cbuf *b, struct msg_error *m)
{
	uint32_t code;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u32(b, &code)) != 0 ||
	    (r = cbuf_get_cstring_into(b, m->message, sizeof(m->message))) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	m->code = (int32_t)code;
	return 0;
}

int
msg_ping_encode(struct cbuf *b, const struct msg_ping *m)
{
	return cbuf_put_u64(b, m->token);
}

int
msg_ping_decode(struct cbuf *b, struct msg_ping *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = cbuf_get_u64(b, &m->token)) != 0 ||
	    (r = cbuf_expect_end(b)) != 0)
		return r;
	return 0;
}

int
msg_empty_decode(struct cbuf *b)
{
	return cbuf_expect_end(b);
}

int
msg_validate(uint16_t type, const uint8_t *payload, size_t len)
{
	union {
		struct msg_hello hello;
		struct msg_hello_ok hello_ok;
		struct msg_error error;
		struct msg_ping ping;
		struct msg_host_info host_info;
		struct msg_ct_list ct_list;
		struct msg_host_list host_list;
		struct msg_ct_rec_list ct_rec_list;
		struct msg_scan_req scan_req;
		struct msg_trust trust;
		char name[PROTO_NAME_MAX];
		uint8_t flag;
		struct tree_req treq;
		struct tree_entry entry;
		struct tree_need need;
		struct tree_data data;
		struct tree_sig sig;
		struct tree_stats stats;
		struct msg_sync_req sync_req;
		struct msg_progress progress;
		struct msg_sync_result sync_result;
		struct msg_create_req create_req;
		struct msg_create create;
		struct msg_snap_req snap_req;
		struct msg_snap snap;
		uint16_t port;
	} *u;
	uint32_t i, n;
	struct cbuf *b;
	int r;

	if ((b = cbuf_from(payload, len)) == NULL)
		return len > CBUF_SIZE_MAX ? CERR_TOO_BIG : CERR_NOMEM;
	/* the union holds a tree entry (tens of KiB): keep it off the stack */
	if ((u = malloc(sizeof(*u))) == NULL) {
		cbuf_free(b);
		return CERR_NOMEM;
	}
	switch (type) {
	case MSG_HELLO:    r = msg_hello_decode(b, &u->hello); break;
	case MSG_HELLO_OK: r = msg_hello_ok_decode(b, &u->hello_ok); break;
	case MSG_ERROR:    r = msg_error_decode(b, &u->error); break;
	case MSG_PING:
	case MSG_PONG:     r = msg_ping_decode(b, &u->ping); break;
	case MSG_BYE:
	case MSG_HOST_INFO_REQ: r = msg_empty_decode(b); break;
	case MSG_CLI_HOSTS_REQ: r = msg_flag_decode(b, &u->flag); break;
	case MSG_HOST_INFO: r = msg_host_info_decode(b, &u->host_info); break;
	case MSG_CT_LIST_REQ:
		r = msg_name_decode(b, u->name, sizeof(u->name));
		break;
	case MSG_CT_LIST:
		if ((r = msg_ct_list_decode(b, &u->ct_list)) == 0)
			msg_ct_list_free(&u->ct_list);
		break;
	case MSG_CLI_HOSTS:
		if ((r = msg_host_list_decode(b, &u->host_list)) == 0)
			msg_host_list_free(&u->host_list);
		break;
	case MSG_CLI_SCAN:
		if ((r = msg_ct_rec_list_decode(b, &u->ct_rec_list)) == 0)
			msg_ct_rec_list_free(&u->ct_rec_list);
		break;
	case MSG_CLI_SCAN_REQ: r = msg_scan_req_decode(b, &u->scan_req); break;
	case MSG_CLI_TRUST_REQ:
	case MSG_CLI_TRUST: r = msg_trust_decode(b, &u->trust); break;
	case MSG_TREE_SEND_REQ:
	case MSG_TREE_RECV_REQ: r = tree_req_decode(b, &u->treq); break;
	case MSG_TREE_ENTRIES:
		if ((r = tree_entries_begin(b, &n)) != 0)
			break;
		for (i = 0; i < n && r == 0; i++)
			r = tree_entry_decode(b, &u->entry);
		if (r == 0)
			r = cbuf_expect_end(b);
		break;
	case MSG_TREE_ENTRIES_Z: {
		struct cbuf *z = NULL;

		if ((r = tree_entries_z_open(payload, len, &n, &z)) != 0)
			break;
		for (i = 0; i < n && r == 0; i++)
			r = tree_entry_decode(z, &u->entry);
		if (r == 0)
			r = cbuf_expect_end(z);
		cbuf_free(z);
		break;
	}
	case MSG_TREE_NEED:
		if ((r = cbuf_get_count(b, PROTO_PAYLOAD_MAX / 5, 5, &n)) != 0)
			break;
		for (i = 0; i < n && r == 0; i++)
			r = tree_need_decode(b, &u->need);
		if (r == 0)
			r = cbuf_expect_end(b);
		break;
	case MSG_TREE_SIG: r = tree_sig_decode(b, &u->sig); break;
	case MSG_TREE_DATA: r = tree_data_decode(b, &u->data); break;
	case MSG_TREE_END:
	case MSG_TREE_DONE: r = tree_stats_decode(b, &u->stats); break;
	case MSG_CLI_SYNC_REQ: r = msg_sync_req_decode(b, &u->sync_req); break;
	case MSG_TREE_PROGRESS:
	case MSG_CLI_PROGRESS: r = msg_progress_decode(b, &u->progress); break;
	case MSG_TREE_LISTEN:
		if ((r = cbuf_get_u16(b, &u->port)) == 0)
			r = cbuf_expect_end(b);
		break;
	case MSG_CLI_SYNC:
		r = msg_sync_result_decode(b, &u->sync_result);
		break;
	case MSG_CT_CREATE_REQ:
	case MSG_CLI_CREATE_REQ:
		r = msg_create_req_decode(b, &u->create_req);
		break;
	case MSG_CT_CREATE:
	case MSG_CLI_CREATE: r = msg_create_decode(b, &u->create); break;
	case MSG_SNAP_REQ:
	case MSG_CLI_SNAP_REQ: r = msg_snap_req_decode(b, &u->snap_req); break;
	case MSG_SNAP:
	case MSG_CLI_SNAP: r = msg_snap_decode(b, &u->snap); break;
	default:           r = CERR_BAD_TYPE; break;
	}
	free(u);
	cbuf_free(b);
	return r;
}

void
msg_errfmt(char *buf, size_t len, const char *peer, uint16_t type, int code)
{
	const char *name = proto_msg_name(type);

	if (name != NULL)
		snprintf(buf, len, "%s: %s: %s", peer, name, cerr_str(code));
	else
		snprintf(buf, len, "%s: message type %u: %s", peer,
		    (unsigned)type, cerr_str(code));
}
