/* corral: the message table, one row per type in type order.  Names, the
 * check that a type exists and msg_validate() all read it; the unit test
 * test_msg_table walks it against the enum, the codecs and the fuzz
 * dictionaries, so a new message is one row here. */
#include <stdlib.h>

#include "cerr.h"
#include "msg.h"
#include "proto.h"
#include "tree.h"

/* A validator decodes into a struct of its own on the heap (a tree entry
 * is tens of KiB) and drops it; list decoders also free what they built. */
#define VALIDATE(fn, type, decode)                                      \
static int                                                             \
fn(struct cbuf *b)                                                     \
{                                                                      \
	type *m;                                                       \
	int r;                                                         \
                                                                       \
	if ((m = malloc(sizeof(*m))) == NULL)                          \
		return CERR_NOMEM;                                     \
	r = decode(b, m);                                              \
	free(m);                                                       \
	return r;                                                      \
}
#define VALIDATE_LIST(fn, type, decode, release)                        \
static int                                                             \
fn(struct cbuf *b)                                                     \
{                                                                      \
	type l;                                                        \
	int r;                                                         \
                                                                       \
	if ((r = decode(b, &l)) == 0)                                  \
		release(&l);                                           \
	return r;                                                      \
}

VALIDATE(v_hello, struct msg_hello, msg_hello_decode)
VALIDATE(v_hello_ok, struct msg_hello_ok, msg_hello_ok_decode)
VALIDATE(v_error, struct msg_error, msg_error_decode)
VALIDATE(v_ping, struct msg_ping, msg_ping_decode)
VALIDATE(v_host_info, struct msg_host_info, msg_host_info_decode)
VALIDATE(v_create_req, struct msg_create_req, msg_create_req_decode)
VALIDATE(v_create, struct msg_create, msg_create_decode)
VALIDATE(v_snap_req, struct msg_snap_req, msg_snap_req_decode)
VALIDATE(v_snap, struct msg_snap, msg_snap_decode)
VALIDATE(v_ctl_req, struct msg_ctl_req, msg_ctl_req_decode)
VALIDATE(v_ctl, struct msg_ctl, msg_ctl_decode)
VALIDATE(v_rename_req, struct msg_rename_req, msg_rename_req_decode)
VALIDATE(v_conf, struct msg_conf, msg_conf_decode)
VALIDATE(v_conf_set_req, struct msg_conf_set_req, msg_conf_set_req_decode)
VALIDATE(v_conf_set, struct msg_conf_set, msg_conf_set_decode)
VALIDATE(v_tree_req, struct tree_req, tree_req_decode)
VALIDATE(v_tree_sig, struct tree_sig, tree_sig_decode)
VALIDATE(v_tree_data, struct tree_data, tree_data_decode)
VALIDATE(v_tree_stats, struct tree_stats, tree_stats_decode)
VALIDATE(v_progress, struct msg_progress, msg_progress_decode)
VALIDATE(v_listen, uint16_t, msg_listen_decode)
VALIDATE(v_flag, uint8_t, msg_flag_decode)
VALIDATE(v_scan_req, struct msg_scan_req, msg_scan_req_decode)
VALIDATE(v_trust, struct msg_trust, msg_trust_decode)
VALIDATE(v_sync_req, struct msg_sync_req, msg_sync_req_decode)
VALIDATE(v_sync_result, struct msg_sync_result, msg_sync_result_decode)
VALIDATE(v_job, struct msg_job, msg_job_decode)
VALIDATE(v_job_req, struct msg_job_req, msg_job_req_decode)
VALIDATE(v_job_progress, struct msg_job_progress, msg_job_progress_decode)
VALIDATE(v_move_req, struct msg_move_req, msg_move_req_decode)
VALIDATE(v_id, int64_t, msg_id_decode)
VALIDATE(v_remove_req, struct msg_remove_req, msg_remove_req_decode)
VALIDATE(v_store_req, struct msg_store_req, msg_store_req_decode)
VALIDATE(v_remove_plan, struct msg_remove_plan, msg_remove_plan_decode)
VALIDATE(v_verify_req, struct msg_verify_req, msg_verify_req_decode)
VALIDATE(v_prune_req, struct msg_prune_req, msg_prune_req_decode)
VALIDATE_LIST(v_version_list, struct msg_version_list,
    msg_version_list_decode, msg_version_list_free)
VALIDATE_LIST(v_verify, struct msg_verify, msg_verify_decode,
    msg_verify_free)
VALIDATE(v_backup_req, struct msg_backup_req, msg_backup_req_decode)
VALIDATE_LIST(v_backup_list, struct msg_backup_list, msg_backup_list_decode,
    msg_backup_list_free)
VALIDATE_LIST(v_prune_list, struct msg_prune_list, msg_prune_list_decode,
    msg_prune_list_free)
VALIDATE(v_new_req, struct msg_new_req, msg_new_req_decode)
VALIDATE(v_new, struct msg_new, msg_new_decode)
VALIDATE(v_limit_req, struct msg_limit_req, msg_limit_req_decode)
VALIDATE(v_limit, struct msg_limit, msg_limit_decode)
VALIDATE(v_control_req, struct msg_control_req, msg_control_req_decode)
VALIDATE(v_control, struct msg_control, msg_control_decode)
VALIDATE_LIST(v_limit_list, struct msg_limit_list, msg_limit_list_decode,
    msg_limit_list_free)
VALIDATE_LIST(v_control_list, struct msg_control_list,
    msg_control_list_decode, msg_control_list_free)
VALIDATE(v_place_req, struct msg_place_req, msg_place_req_decode)
VALIDATE(v_balance_req, struct msg_balance_req, msg_balance_req_decode)
VALIDATE(v_drain_req, struct msg_drain_req, msg_drain_req_decode)
VALIDATE_LIST(v_place, struct msg_place, msg_place_decode, msg_place_free)
VALIDATE_LIST(v_plan, struct msg_plan, msg_plan_decode, msg_plan_free)
VALIDATE_LIST(v_job_list, struct msg_job_list, msg_job_list_decode,
    msg_job_list_free)
VALIDATE_LIST(v_job_detail, struct msg_job_detail, msg_job_detail_decode,
    msg_job_detail_free)
VALIDATE_LIST(v_ct_list, struct msg_ct_list, msg_ct_list_decode,
    msg_ct_list_free)
VALIDATE_LIST(v_host_list, struct msg_host_list, msg_host_list_decode,
    msg_host_list_free)
VALIDATE_LIST(v_ct_rec_list, struct msg_ct_rec_list, msg_ct_rec_list_decode,
    msg_ct_rec_list_free)

static int
v_empty(struct cbuf *b)
{
	return msg_empty_decode(b);
}

static int
v_name(struct cbuf *b)
{
	char name[PROTO_NAME_MAX];

	return msg_name_decode(b, name, sizeof(name));
}

/* count entries from b, then nothing */
static int
entries_rest(struct cbuf *b, uint32_t n)
{
	struct tree_entry *e;
	uint32_t i;
	int r = 0;

	if ((e = malloc(sizeof(*e))) == NULL)
		return CERR_NOMEM;
	for (i = 0; i < n && r == 0; i++)
		r = tree_entry_decode(b, e);
	free(e);
	return r != 0 ? r : cbuf_expect_end(b);
}

static int
v_tree_entries(struct cbuf *b)
{
	uint32_t n;
	int r;

	if ((r = tree_entries_begin(b, &n)) != 0)
		return r;
	return entries_rest(b, n);
}

static int
v_tree_entries_z(struct cbuf *b)
{
	struct cbuf *z = NULL;
	uint32_t n;
	int r;

	if ((r = tree_entries_z_open(cbuf_ptr(b), cbuf_len(b), &n, &z)) != 0)
		return r;
	r = entries_rest(z, n);
	cbuf_free(z);
	return r;
}

static int
v_tree_need(struct cbuf *b)
{
	struct tree_need nd;
	uint32_t i, n;
	int r;

	if ((r = tree_needs_begin(b, &n)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++)
		r = tree_need_decode(b, &nd);
	return r != 0 ? r : cbuf_expect_end(b);
}

/* In type order: test_msg_table checks it against enum proto_msg. */
static const struct proto_msg_desc msg_table[] = {
	{ MSG_HELLO,          "HELLO",          v_hello },
	{ MSG_HELLO_OK,       "HELLO_OK",       v_hello_ok },
	{ MSG_ERROR,          "ERROR",          v_error },
	{ MSG_PING,           "PING",           v_ping },
	{ MSG_PONG,           "PONG",           v_ping },
	{ MSG_BYE,            "BYE",            v_empty },

	{ MSG_HOST_INFO_REQ,  "HOST_INFO_REQ",  v_empty },
	{ MSG_HOST_INFO,      "HOST_INFO",      v_host_info },
	{ MSG_CT_LIST_REQ,    "CT_LIST_REQ",    v_name },
	{ MSG_CT_LIST,        "CT_LIST",        v_ct_list },
	{ MSG_CT_CREATE_REQ,  "CT_CREATE_REQ",  v_create_req },
	{ MSG_CT_CREATE,      "CT_CREATE",      v_create },
	{ MSG_SNAP_REQ,       "SNAP_REQ",       v_snap_req },
	{ MSG_SNAP,           "SNAP",           v_snap },
	{ MSG_CT_CTL_REQ,     "CT_CTL_REQ",     v_ctl_req },
	{ MSG_CT_CTL,         "CT_CTL",         v_ctl },
	{ MSG_CT_CONF_REQ,    "CT_CONF_REQ",    v_name },
	{ MSG_CT_CONF,        "CT_CONF",        v_conf },
	{ MSG_CT_CONF_SET_REQ, "CT_CONF_SET_REQ", v_conf_set_req },
	{ MSG_CT_CONF_SET,    "CT_CONF_SET",    v_conf_set },
	{ MSG_CT_NEW_REQ,     "CT_NEW_REQ",     v_new_req },
	{ MSG_CT_NEW,         "CT_NEW",         v_new },
	{ MSG_CT_LIMIT_REQ,   "CT_LIMIT_REQ",   v_limit_req },
	{ MSG_CT_LIMIT,       "CT_LIMIT",       v_limit },
	{ MSG_CT_CONTROL_REQ, "CT_CONTROL_REQ", v_control_req },
	{ MSG_CT_CONTROL,     "CT_CONTROL",     v_control },

	{ MSG_TREE_SEND_REQ,  "TREE_SEND_REQ",  v_tree_req },
	{ MSG_TREE_RECV_REQ,  "TREE_RECV_REQ",  v_tree_req },
	{ MSG_TREE_ENTRIES,   "TREE_ENTRIES",   v_tree_entries },
	{ MSG_TREE_NEED,      "TREE_NEED",      v_tree_need },
	{ MSG_TREE_SIG,       "TREE_SIG",       v_tree_sig },
	{ MSG_TREE_DATA,      "TREE_DATA",      v_tree_data },
	{ MSG_TREE_END,       "TREE_END",       v_tree_stats },
	{ MSG_TREE_DONE,      "TREE_DONE",      v_tree_stats },
	{ MSG_TREE_ENTRIES_Z, "TREE_ENTRIES_Z", v_tree_entries_z },
	{ MSG_TREE_PROGRESS,  "TREE_PROGRESS",  v_progress },
	{ MSG_TREE_LISTEN,    "TREE_LISTEN",    v_listen },

	{ MSG_CLI_HOSTS_REQ,  "CLI_HOSTS_REQ",  v_flag },
	{ MSG_CLI_HOSTS,      "CLI_HOSTS",      v_host_list },
	{ MSG_CLI_SCAN_REQ,   "CLI_SCAN_REQ",   v_scan_req },
	{ MSG_CLI_SCAN,       "CLI_SCAN",       v_ct_rec_list },
	{ MSG_CLI_TRUST_REQ,  "CLI_TRUST_REQ",  v_trust },
	{ MSG_CLI_TRUST,      "CLI_TRUST",      v_trust },
	{ MSG_CLI_SYNC_REQ,   "CLI_SYNC_REQ",   v_sync_req },
	{ MSG_CLI_PROGRESS,   "CLI_PROGRESS",   v_progress },
	{ MSG_CLI_SYNC,       "CLI_SYNC",       v_sync_result },
	{ MSG_CLI_CREATE_REQ, "CLI_CREATE_REQ", v_create_req },
	{ MSG_CLI_CREATE,     "CLI_CREATE",     v_create },
	{ MSG_CLI_SNAP_REQ,   "CLI_SNAP_REQ",   v_snap_req },
	{ MSG_CLI_SNAP,       "CLI_SNAP",       v_snap },

	{ MSG_CLI_JOBS_REQ,   "CLI_JOBS_REQ",   v_flag },
	{ MSG_CLI_JOBS,       "CLI_JOBS",       v_job_list },
	{ MSG_CLI_JOB_REQ,    "CLI_JOB_REQ",    v_job_req },
	{ MSG_CLI_JOB,        "CLI_JOB",        v_job_detail },
	{ MSG_CLI_JOB_PROGRESS, "CLI_JOB_PROGRESS", v_job_progress },
	{ MSG_CLI_CANCEL_REQ, "CLI_CANCEL_REQ", v_id },
	{ MSG_CLI_CANCEL,     "CLI_CANCEL",     v_job },
	{ MSG_CLI_JOB_QUEUED, "CLI_JOB_QUEUED", v_job },
	{ MSG_CLI_MOVE_REQ,   "CLI_MOVE_REQ",   v_move_req },
	{ MSG_CLI_REMOVE_REQ, "CLI_REMOVE_REQ", v_remove_req },
	{ MSG_CLI_REMOVE_PLAN, "CLI_REMOVE_PLAN", v_remove_plan },
	{ MSG_CLI_GET_REQ,    "CLI_GET_REQ",    v_store_req },
	{ MSG_CLI_PUT_REQ,    "CLI_PUT_REQ",    v_store_req },

	{ MSG_CLI_BACKUPS_REQ, "CLI_BACKUPS_REQ", v_name },
	{ MSG_CLI_BACKUPS,    "CLI_BACKUPS",    v_version_list },
	{ MSG_CLI_VERIFY_REQ, "CLI_VERIFY_REQ", v_verify_req },
	{ MSG_CLI_VERIFY,     "CLI_VERIFY",     v_verify },
	{ MSG_CLI_PRUNE_REQ,  "CLI_PRUNE_REQ",  v_prune_req },
	{ MSG_CLI_PRUNE,      "CLI_PRUNE",      v_prune_list },
	{ MSG_CLI_BACKUP_REQ, "CLI_BACKUP_REQ", v_backup_req },
	{ MSG_CLI_BACKUP,     "CLI_BACKUP",     v_backup_list },
	{ MSG_CLI_RESTORE_REQ, "CLI_RESTORE_REQ", v_store_req },
	{ MSG_CLI_PLACE_REQ,  "CLI_PLACE_REQ",  v_place_req },
	{ MSG_CLI_PLACE,      "CLI_PLACE",      v_place },
	{ MSG_CLI_BALANCE_REQ, "CLI_BALANCE_REQ", v_balance_req },
	{ MSG_CLI_DRAIN_REQ,  "CLI_DRAIN_REQ",  v_drain_req },
	{ MSG_CLI_PLAN,       "CLI_PLAN",       v_plan },
	{ MSG_CLI_NEW_REQ,    "CLI_NEW_REQ",    v_new_req },
	{ MSG_CLI_NEW,        "CLI_NEW",        v_new },
	{ MSG_CLI_LIMIT_REQ,  "CLI_LIMIT_REQ",  v_limit_req },
	{ MSG_CLI_LIMIT,      "CLI_LIMIT",      v_limit_list },
	{ MSG_CLI_CONTROL_REQ, "CLI_CONTROL_REQ", v_control_req },
	{ MSG_CLI_CONTROL,    "CLI_CONTROL",    v_control_list },

	{ MSG_CT_RENAME_REQ,  "CT_RENAME_REQ",  v_rename_req },
	{ MSG_CT_RENAME,      "CT_RENAME",      v_ctl },
	{ 0, NULL, NULL },
};

const struct proto_msg_desc *
proto_msg_table(void)
{
	return msg_table;
}

/* NULL for an unknown type. */
static const struct proto_msg_desc *
find(uint16_t type)
{
	const struct proto_msg_desc *d;

	for (d = msg_table; d->name != NULL; d++)
		if (d->type == type)
			return d;
	return NULL;
}

const char *
proto_msg_name(uint16_t type)
{
	const struct proto_msg_desc *d = find(type);

	return d != NULL ? d->name : NULL;
}

bool
proto_msg_known(uint16_t type)
{
	return find(type) != NULL;
}

int
msg_validate(uint16_t type, const uint8_t *payload, size_t len)
{
	const struct proto_msg_desc *d;
	struct cbuf *b;
	int r;

	if ((b = cbuf_from(payload, len)) == NULL)
		return len > CBUF_SIZE_MAX ? CERR_TOO_BIG : CERR_NOMEM;
	r = (d = find(type)) != NULL ? d->validate(b) : CERR_BAD_TYPE;
	cbuf_free(b);
	return r;
}
