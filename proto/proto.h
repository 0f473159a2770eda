/* corral wire protocol: the single list of message types and limits.
 *
 * Bump PROTO_VERSION if any message type, field or limit below changes in a
 * way an older peer cannot read.  The wire format is described in
 * proto/PROTOCOL.
 */
#ifndef CORRAL_PROTO_H
#define CORRAL_PROTO_H

#include <stdbool.h>
#include <stdint.h>

/* 10 a host record's drained flag, an lvm container's size in CT_LIST
 * and CT_CONF's sized flag, the backup and drain requests' detach bits,
 * and the news of the jobs a backup, balance or drain runs
 * (CLI_JOB_QUEUED, CLI_JOB) before its answer; 9 which send took a snapshot (SNAP's owner, job and pid; SNAP_REQ's
 * drop-stale and job; the own-snapshot send's job): a job's recovery
 * drops only its own dead send's snapshot; 8 a drain's arrivals in CLI_PLAN (the jobs bringing containers to the
 * host); 7 the transfer option OWN_SNAP (a job never reads an admin's earlier
 * snapshot); 6 the host's CPU time in HOST_INFO and its use in CLI_HOSTS (and the
 * create, limit and control requests' detach bits); 5 a job's result (CLI_JOB and the rest of struct msg_job); 4 a direct connection starts with the receiver's challenge and each
 * end's first record covers it, and the receiver gives a verdict on each
 * delta file (a file whose rebuild failed is sent again whole); 3 seeded XXH3 block hashes in tree
 * transfers, 2 added CT_CREATE, SNAP and TREE_PROGRESS; no version 1, 2
 * or 3 peer was ever released, so they are refused rather than spoken to
 * without them */
#define PROTO_VERSION      10  /* the newest version this build speaks */
#define PROTO_VERSION_MIN  10  /* the oldest version this build accepts */

#define PROTO_HDR_LEN      12          /* u32 len, u16 type, u16 flags, u32 id */
#define PROTO_PAYLOAD_MAX  (1u << 20)  /* 1 MiB; a larger frame is refused */
#define PROTO_STRING_MAX   4096        /* default bound for a string field */
#define PROTO_NAME_MAX     64          /* host and container names */
#define PROTO_LIST_MAX     8192        /* entries in one list reply */

/* Capability bits announced in HELLO; the session uses the intersection. */
enum proto_cap {
	PROTO_CAP_ZLIB     = 1u << 0,  /* payloads may be zlib-compressed */
	PROTO_CAP_LIBRSYNC = 1u << 1,  /* librsync signatures and deltas */
};
#define PROTO_CAPS_ALL (PROTO_CAP_ZLIB | PROTO_CAP_LIBRSYNC)

/* Frame flags. */
#define PROTO_FLAG_NONE 0x0000
#define PROTO_FLAGS_KNOWN PROTO_FLAG_NONE

/* Message types, in ranges.  Numbers are wire values: never reuse one. */
enum proto_msg {
	/* 100s: session */
	MSG_HELLO          = 100,  /* client -> server: versions, caps, software */
	MSG_HELLO_OK       = 101,  /* server -> client: chosen version, caps */
	MSG_ERROR          = 102,  /* either way: code, message; answers a request */
	MSG_PING           = 103,  /* either way: opaque token */
	MSG_PONG           = 104,  /* answer to PING with the same token */
	MSG_BYE            = 105,  /* either way: orderly end of the stream */

	/* 200s: inventory, master -> slave */
	MSG_HOST_INFO_REQ  = 200,  /* empty */
	MSG_HOST_INFO      = 201,  /* struct msg_host_info */
	MSG_CT_LIST_REQ    = 202,  /* string name filter ("" = all) */
	MSG_CT_LIST        = 203,  /* list of struct msg_ct_info */
	MSG_CT_CREATE_REQ  = 204,  /* struct msg_create_req (host "") */
	MSG_CT_CREATE      = 205,  /* struct msg_create */
	MSG_SNAP_REQ       = 206,  /* struct msg_snap_req: take/status/drop */
	MSG_SNAP           = 207,  /* struct msg_snap */
	MSG_CT_CTL_REQ     = 208,  /* struct msg_ctl_req: start, stop, ... */
	MSG_CT_CTL         = 209,  /* struct msg_ctl */
	MSG_CT_CONF_REQ    = 210,  /* string name */
	MSG_CT_CONF        = 211,  /* struct msg_conf: a host-neutral config */
	MSG_CT_CONF_SET_REQ = 212, /* struct msg_conf_set_req */
	MSG_CT_CONF_SET    = 213,  /* struct msg_conf_set */
	MSG_CT_NEW_REQ     = 220,  /* struct msg_new_req: network and limits */
	MSG_CT_NEW         = 221,  /* struct msg_new */
	MSG_CT_LIMIT_REQ   = 222,  /* struct msg_limit_req: show or change */
	MSG_CT_LIMIT       = 223,  /* struct msg_limit */
	MSG_CT_CONTROL_REQ = 224,  /* struct msg_control_req: state, autostart */
	MSG_CT_CONTROL     = 225,  /* struct msg_control */

	/* 300s: tree transfer (proto/tree.h); master <-> slaves, relayed */
	MSG_TREE_SEND_REQ  = 300,  /* master -> sender: struct tree_req */
	MSG_TREE_RECV_REQ  = 301,  /* master -> receiver: struct tree_req */
	MSG_TREE_ENTRIES   = 302,  /* sender -> receiver: u32 n, n entries */
	MSG_TREE_NEED      = 303,  /* receiver -> sender: u32 n, n needs */
	MSG_TREE_SIG       = 304,  /* receiver -> sender: signature chunk */
	MSG_TREE_DATA      = 305,  /* sender -> receiver: file data chunk */
	MSG_TREE_END       = 306,  /* sender -> receiver: tree_stats, last */
	MSG_TREE_DONE      = 307,  /* receiver -> master: tree_stats */
	MSG_TREE_ENTRIES_Z = 308,  /* u32 n, u32 raw length, zlib(n entries) */
	MSG_TREE_PROGRESS  = 309,  /* sender -> receiver: struct msg_progress */
	MSG_TREE_LISTEN    = 310,  /* direct receiver -> master: u16 port */

	/* 500s: CLI -> master */
	MSG_CLI_HOSTS_REQ  = 500,  /* u8 cached */
	MSG_CLI_HOSTS      = 501,  /* list of struct msg_host_rec */
	MSG_CLI_SCAN_REQ   = 502,  /* struct msg_scan_req */
	MSG_CLI_SCAN       = 503,  /* list of struct msg_ct_rec */
	MSG_CLI_TRUST_REQ  = 504,  /* string host, u8 accept */
	MSG_CLI_TRUST      = 505,  /* string host, string fingerprint, u8 recorded */
	MSG_CLI_SYNC_REQ   = 506,  /* struct msg_sync_req */
	MSG_CLI_PROGRESS   = 507,  /* struct msg_progress, zero or more */
	MSG_CLI_SYNC       = 508,  /* struct msg_sync_result, last */
	MSG_CLI_CREATE_REQ = 509,  /* struct msg_create_req */
	MSG_CLI_CREATE     = 510,  /* struct msg_create */
	MSG_CLI_SNAP_REQ   = 511,  /* struct msg_snap_req */
	MSG_CLI_SNAP       = 512,  /* struct msg_snap */

	/* 600s: jobs, CLI -> master (proto/msg_job.c) */
	MSG_CLI_JOBS_REQ   = 600,  /* u8 all */
	MSG_CLI_JOBS       = 601,  /* list of struct msg_job */
	MSG_CLI_JOB_REQ    = 602,  /* struct msg_job_req: id, wait */
	MSG_CLI_JOB        = 603,  /* struct msg_job_detail: job, steps */
	MSG_CLI_JOB_PROGRESS = 604, /* struct msg_job_progress, zero or more */
	MSG_CLI_CANCEL_REQ = 605,  /* i64 id */
	MSG_CLI_CANCEL     = 606,  /* struct msg_job, as it is after */
	MSG_CLI_JOB_QUEUED = 607,  /* struct msg_job: a mutating request's job */
	MSG_CLI_MOVE_REQ   = 610,  /* struct msg_move_req: answered as a job */
	MSG_CLI_REMOVE_REQ = 620,  /* struct msg_remove_req */
	MSG_CLI_REMOVE_PLAN = 621, /* struct msg_remove_plan: a --dry-run's answer */
	MSG_CLI_GET_REQ    = 630,  /* struct msg_store_req: answered as a job */
	MSG_CLI_PUT_REQ    = 631,  /* struct msg_store_req: answered as a job */

	/* 650s: backups, CLI -> master (proto/msg_backup.c) */
	MSG_CLI_BACKUPS_REQ = 650, /* string container ("" = all) */
	MSG_CLI_BACKUPS    = 651,  /* list of struct msg_version */
	MSG_CLI_VERIFY_REQ = 652,  /* struct msg_verify_req */
	MSG_CLI_VERIFY     = 653,  /* struct msg_verify */
	MSG_CLI_PRUNE_REQ  = 654,  /* struct msg_prune_req */
	MSG_CLI_PRUNE      = 655,  /* list of struct msg_prune_rec */
	MSG_CLI_BACKUP_REQ = 656,  /* struct msg_backup_req */
	MSG_CLI_BACKUP     = 657,  /* list of struct msg_backup_item: the
	                            * plan (dry run) or the run's report */
	MSG_CLI_RESTORE_REQ = 658, /* struct msg_store_req: answered as a job */
	/* 700s: placement and balance */
	MSG_CLI_PLACE_REQ  = 700,  /* struct msg_place_req */
	MSG_CLI_PLACE      = 701,  /* struct msg_place: chosen host, candidates */
	MSG_CLI_BALANCE_REQ = 702, /* struct msg_balance_req */
	MSG_CLI_DRAIN_REQ  = 703,  /* struct msg_drain_req */
	MSG_CLI_PLAN       = 704,  /* struct msg_plan: balance's or drain's moves */
	/* 740s: CLI -> master, container settings (proto/msg_ctset.c) */
	MSG_CLI_NEW_REQ    = 740,  /* struct msg_new_req: create NAME --ip */
	MSG_CLI_NEW        = 741,  /* struct msg_new */
	MSG_CLI_LIMIT_REQ  = 742,  /* struct msg_limit_req */
	MSG_CLI_LIMIT      = 743,  /* list of struct msg_limit */
	MSG_CLI_CONTROL_REQ = 744, /* struct msg_control_req */
	MSG_CLI_CONTROL    = 745,  /* list of struct msg_control */
	/* 760s: master -> slave, a container renamed (proto/msg_ctl.c) */
	MSG_CT_RENAME_REQ  = 760,  /* struct msg_rename_req: stopped ct -> to */
	MSG_CT_RENAME      = 761,  /* struct msg_ctl: of the new name, after */
};

struct cbuf;

/* One row of the message table (proto/msg_table.c), one per type above. */
struct proto_msg_desc {
	uint16_t type;
	const char *name;                 /* for errors and logs */
	/* decodes a whole payload and drops the result: 0 or a CERR_* */
	int (*validate)(struct cbuf *payload);
};

/* NULL for an unknown type. */
const char *proto_msg_name(uint16_t type);
bool proto_msg_known(uint16_t type);
/* Every row in type order, then { 0, NULL, NULL } (for tests and fuzz
 * dictionaries). */
const struct proto_msg_desc *proto_msg_table(void);

#endif
