/* corral: codecs of the protocol messages (payloads of frames).
 *
 * Each message has a plain struct, an encoder that appends to a cbuf and a
 * decoder that reads a whole payload: every field is bounded, and bytes
 * left over are an error (CERR_TRAILING).
 */
#ifndef CORRAL_MSG_H
#define CORRAL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proto.h"

#define MSG_SOFTWARE_MAX 64
#define MSG_ROLE_MAX     16
#define MSG_ERRTEXT_MAX  512

/* MSG_HELLO */
struct msg_hello {
	uint16_t vmin, vmax;              /* versions the sender speaks */
	uint32_t caps;                    /* PROTO_CAP_* */
	char software[MSG_SOFTWARE_MAX];  /* e.g. "corral-master 0.1.0" */
	char role[MSG_ROLE_MAX];          /* "master", "cli", ... */
};

/* MSG_HELLO_OK */
struct msg_hello_ok {
	uint16_t version;                 /* the one chosen */
	uint32_t caps;                    /* the intersection */
	char software[MSG_SOFTWARE_MAX];
};

/* MSG_ERROR: code is a CERR_* (negative) or an operation's own code. */
struct msg_error {
	int32_t code;
	char message[MSG_ERRTEXT_MAX];
};

/* MSG_PING, MSG_PONG */
struct msg_ping {
	uint64_t token;
};

int msg_hello_encode(struct cbuf *b, const struct msg_hello *m);
int msg_hello_decode(struct cbuf *b, struct msg_hello *m);
int msg_hello_ok_encode(struct cbuf *b, const struct msg_hello_ok *m);
int msg_hello_ok_decode(struct cbuf *b, struct msg_hello_ok *m);
int msg_error_encode(struct cbuf *b, const struct msg_error *m);
int msg_error_decode(struct cbuf *b, struct msg_error *m);
int msg_ping_encode(struct cbuf *b, const struct msg_ping *m);
int msg_ping_decode(struct cbuf *b, struct msg_ping *m);
/* MSG_BYE has an empty payload. */
int msg_empty_decode(struct cbuf *b);

/* ---- inventory (200s) and CLI (500s) messages: proto/msg_inv.c ---- */

#define MSG_STATE_MAX   16
#define MSG_BACKEND_MAX 16
#define MSG_IPV4_MAX    256   /* comma-separated IPv4 addresses */
#define MSG_REASON_MAX  256
#define MSG_ADDR_MAX    256

/* MSG_HOST_INFO: what a slave reports about itself. */
struct msg_host_info {
	char hostname[PROTO_NAME_MAX];
	uint32_t cores;
	uint32_t load1, load5, load15;     /* load average x 1000 */
	uint64_t mem_total, mem_available; /* bytes */
	char storage_backend[MSG_BACKEND_MAX];
	uint64_t storage_total, storage_free; /* bytes of the container store */
	uint32_t containers;
	uint64_t uptime;                   /* seconds */
	char version[MSG_SOFTWARE_MAX];
	/* the host's CPU time since boot (/proc/stat's cpu line, in clock
	 * ticks): busy (user, nice, system, irq, softirq, steal) of total
	 * (busy, idle, iowait); the master takes its use from two reports */
	uint64_t cpu_busy, cpu_total;
};

/* One container as a slave sees it through liblxc. */
struct msg_ct_info {
	char name[PROTO_NAME_MAX];
	char state[MSG_STATE_MAX];         /* lower case, as LXC names it */
	char ipv4[MSG_IPV4_MAX];           /* running: its addresses; else "" */
	uint8_t autostart;
	uint64_t mem_used, mem_limit;      /* bytes; limit 0 = none */
	uint64_t cpu_usec;                 /* CPU time used */
	char backend[MSG_BACKEND_MAX];     /* rootfs backend: dir, btrfs, lvm */
	uint64_t rootfs_bytes;
	/* the IPv4 addresses its config gives it (lxc.net.N.ipv4.address,
	 * without the prefix), running or not: what a stopped one will
	 * have */
	char ipv4_config[MSG_IPV4_MAX];
};

struct msg_ct_list {
	struct msg_ct_info *v;
	size_t n;
};

/* One host as the master's inventory knows it (MSG_CLI_HOSTS). */
struct msg_host_rec {
	char name[PROTO_NAME_MAX];
	char address[MSG_ADDR_MAX];
	uint16_t port;
	char state[MSG_STATE_MAX];         /* up, down, noselect */
	char reason[MSG_REASON_MAX];       /* why down; "" when up */
	struct msg_host_info info;         /* last report; zero if never seen */
	int64_t last_seen;                 /* unix time, 0 = never */
	uint32_t cpu_use;                  /* the host's CPU in use between its
	                                    * last two reports, x 1000 cores */
	uint8_t drained;                   /* corral host drain: never chosen,
	                                    * nothing brought to it */
};

struct msg_host_list {
	struct msg_host_rec *v;
	size_t n;
};

/* One container in the pool (MSG_CLI_SCAN). */
struct msg_ct_rec {
	char host[PROTO_NAME_MAX];
	struct msg_ct_info ct;
	int64_t last_seen;
};

struct msg_ct_rec_list {
	struct msg_ct_rec *v;
	size_t n;
};

/* MSG_CLI_SCAN_REQ */
struct msg_scan_req {
	char name[PROTO_NAME_MAX];         /* "" = every container */
	char host[PROTO_NAME_MAX];         /* "" = every host */
	uint8_t cached;                    /* answer from the inventory only */
};

/* MSG_CLI_TRUST_REQ / MSG_CLI_TRUST */
struct msg_trust {
	char host[PROTO_NAME_MAX];
	char fingerprint[128];             /* "SHA256:..." in the reply */
	/* request: 1 record it, 0 only fetch its fingerprint; reply:
	 * recorded by this request */
	uint8_t accept;
};

int msg_host_info_encode(struct cbuf *b, const struct msg_host_info *m);
int msg_host_info_decode(struct cbuf *b, struct msg_host_info *m);
int msg_ct_list_encode(struct cbuf *b, const struct msg_ct_info *v, size_t n);
int msg_ct_list_decode(struct cbuf *b, struct msg_ct_list *l);
void msg_ct_list_free(struct msg_ct_list *l);
int msg_host_list_encode(struct cbuf *b, const struct msg_host_rec *v,
    size_t n);
int msg_host_list_decode(struct cbuf *b, struct msg_host_list *l);
void msg_host_list_free(struct msg_host_list *l);
int msg_ct_rec_list_encode(struct cbuf *b, const struct msg_ct_rec *v,
    size_t n);
int msg_ct_rec_list_decode(struct cbuf *b, struct msg_ct_rec_list *l);
void msg_ct_rec_list_free(struct msg_ct_rec_list *l);
int msg_scan_req_encode(struct cbuf *b, const struct msg_scan_req *m);
int msg_scan_req_decode(struct cbuf *b, struct msg_scan_req *m);
int msg_trust_encode(struct cbuf *b, const struct msg_trust *m);
int msg_trust_decode(struct cbuf *b, struct msg_trust *m);
/* ---- containers and snapshots (CT_CREATE, SNAP; CLI_ as well, where
 * host names the slave; toward a slave host is "") ---- */
struct msg_create_req {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	uint64_t bytes;                    /* volume size, 0 = backend's */
	char tmpl[PROTO_NAME_MAX];         /* LXC template */
	uint8_t start;                     /* MSG_NEW_START | MSG_NEW_DETACH */
};

/* msg_create_req's and msg_new_req's start: bits.  DETACH (CLI only):
 * answer CLI_JOB_QUEUED and no more; toward a slave only START. */
#define MSG_NEW_START   1u
#define MSG_NEW_DETACH  2u
#define MSG_NEW_KNOWN   3u

struct msg_create {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	char backend[MSG_BACKEND_MAX];
	char rootfs[PROTO_STRING_MAX];     /* its lxc.rootfs.path */
};

/* DROP_STALE: only a snapshot a send took whose send is over (its worker
 * gone, or a send of job `job`, which the master runs again) */
enum msg_snap_op {
	MSG_SNAP_TAKE = 1, MSG_SNAP_STATUS = 2, MSG_SNAP_DROP = 3,
	MSG_SNAP_DROP_STALE = 4,
};
enum msg_snap_kind {                   /* what holds the point in time */
	MSG_SNAPK_NONE = 0, MSG_SNAPK_SNAPSHOT = 1, MSG_SNAPK_FROZEN = 2,
	MSG_SNAPK_STOPPED = 3,
};
enum msg_snap_owner {                  /* who took it */
	MSG_SNAPO_ADMIN = 0,               /* corral snapshot (or none) */
	MSG_SNAPO_SEND = 1,                /* a send, its worker at work */
	MSG_SNAPO_STALE = 2,               /* a send whose worker is gone */
};

struct msg_snap_req {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	uint8_t op;                        /* enum msg_snap_op */
	uint64_t bytes;                    /* take: copy-on-write space, 0 = default */
	uint64_t job;                      /* drop-stale: the job run again, 0 = none */
};

struct msg_snap {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	char backend[MSG_BACKEND_MAX];
	uint8_t kind;                      /* enum msg_snap_kind; drop: the one dropped */
	uint8_t valid;                     /* 0: overflowed, unusable */
	uint32_t fill_permille;
	uint32_t warn_permille;            /* the slave's snapshot_fill_warn */
	uint64_t size;                     /* copy-on-write bytes (lvm) */
	char path[PROTO_STRING_MAX];       /* under the storage root, or absolute */
	uint8_t owner;                     /* enum msg_snap_owner */
	uint64_t job;                      /* the send's job, 0 = none (not a job's) */
	uint32_t pid;                      /* the send's worker */
	uint8_t leftover;                  /* 1: a take killed half-way left C frozen */
};

int msg_create_req_encode(struct cbuf *b, const struct msg_create_req *m);
int msg_create_req_decode(struct cbuf *b, struct msg_create_req *m);
int msg_create_encode(struct cbuf *b, const struct msg_create *m);
int msg_create_decode(struct cbuf *b, struct msg_create *m);
int msg_snap_req_encode(struct cbuf *b, const struct msg_snap_req *m);
int msg_snap_req_decode(struct cbuf *b, struct msg_snap_req *m);
int msg_snap_encode(struct cbuf *b, const struct msg_snap *m);
int msg_snap_decode(struct cbuf *b, struct msg_snap *m);

/* ---- container operations and configs for travel (CT_CTL, CT_CONF,
 * CT_CONF_SET): proto/msg_ctl.c ---- */
#define MSG_CONFIG_MAX (64u * 1024u)   /* bytes of an LXC config */

enum msg_ctl_op {
	MSG_CTL_START = 1,        /* start, wait until RUNNING */
	MSG_CTL_STOP = 2,         /* halt signal, timeout_s, only then kill */
	MSG_CTL_REMOVE = 3,       /* config, volume and LXC directory */
	MSG_CTL_VOL_CREATE = 4,   /* an empty volume, no config */
	MSG_CTL_VOL_DESTROY = 5,  /* a volume that has no config */
};
#define MSG_CTL_FORCE        1u   /* REMOVE: stop a running one first */
#define MSG_CTL_FLAGS_KNOWN  MSG_CTL_FORCE
#define MSG_CONF_REPLACE     1u   /* CT_CONF_SET: over an existing config */
#define MSG_CONF_FLAGS_KNOWN MSG_CONF_REPLACE

struct msg_ctl_req {
	char ct[PROTO_NAME_MAX];
	uint8_t op;                        /* enum msg_ctl_op */
	uint32_t timeout_s;                /* START, STOP: 0 = the slave's */
	uint32_t flags;                    /* MSG_CTL_* */
	uint64_t bytes;                    /* VOL_CREATE: 0 = backend's */
};

struct msg_ctl {
	char ct[PROTO_NAME_MAX];
	char state[MSG_STATE_MAX];         /* after: running, stopped, absent */
	char message[MSG_ERRTEXT_MAX];     /* what happened */
};

/* MSG_CT_CONF: a config whose host's own paths are placeholders */
struct msg_conf {
	char ct[PROTO_NAME_MAX];
	char config[MSG_CONFIG_MAX + 1];
	uint64_t rootfs_bytes;
	uint8_t running;
	/* 1: the rootfs is a volume of rootfs_bytes, whatever it holds
	 * (lvm); 0: rootfs_bytes are the bytes under its directory */
	uint8_t sized;
};

struct msg_conf_set_req {
	char ct[PROTO_NAME_MAX];           /* the name it gets here */
	char config[MSG_CONFIG_MAX + 1];   /* host-neutral */
	char old[PROTO_NAME_MAX];          /* its name where it came from, "" */
	uint32_t flags;                    /* MSG_CONF_* */
};

struct msg_conf_set {
	char ct[PROTO_NAME_MAX];
	char message[MSG_ERRTEXT_MAX];
};

/* MSG_CT_RENAME_REQ: container ct (stopped) becomes container to on the
 * same host: its volume, LXC directory and config; answered by CT_RENAME
 * (a struct msg_ctl of the name to) */
struct msg_rename_req {
	char ct[PROTO_NAME_MAX];
	char to[PROTO_NAME_MAX];
};

int msg_rename_req_encode(struct cbuf *b, const struct msg_rename_req *m);
int msg_rename_req_decode(struct cbuf *b, struct msg_rename_req *m);
int msg_ctl_req_encode(struct cbuf *b, const struct msg_ctl_req *m);
int msg_ctl_req_decode(struct cbuf *b, struct msg_ctl_req *m);
int msg_ctl_encode(struct cbuf *b, const struct msg_ctl *m);
int msg_ctl_decode(struct cbuf *b, struct msg_ctl *m);
int msg_conf_encode(struct cbuf *b, const struct msg_conf *m);
int msg_conf_decode(struct cbuf *b, struct msg_conf *m);
int msg_conf_set_req_encode(struct cbuf *b, const struct msg_conf_set_req *m);
int msg_conf_set_req_decode(struct cbuf *b, struct msg_conf_set_req *m);
int msg_conf_set_encode(struct cbuf *b, const struct msg_conf_set *m);
int msg_conf_set_decode(struct cbuf *b, struct msg_conf_set *m);
/* "START", "STOP", ...; "?" for another value */
const char *msg_ctl_op_name(uint8_t op);

/* ---- a container with its network and limits, its limits, its state
 * and autostart (CT_NEW, CT_LIMIT, CT_CONTROL toward a slave; CLI_NEW,
 * CLI_LIMIT, CLI_CONTROL from the CLI): proto/msg_ctset.c ---- */
#define MSG_IP_MAX     64     /* an address, or address/prefix */
#define MSG_LINK_MAX   16     /* an interface name, with NUL */
#define MSG_DOMAIN_MAX 254
#define MSG_NS_MAX     200    /* space-separated name servers */

/* A container's limits: 0 is "unlimited" (cpu: both 0); sizes in MiB. */
struct msg_limits {
	uint32_t memory_mb;
	uint32_t disk_mb;
	uint32_t proc;
	uint32_t cpu_num, cpu_den;         /* share of one CPU, num <= den */
};
#define MSG_LIM_MEMORY 1u
#define MSG_LIM_DISK   2u
#define MSG_LIM_PROC   4u
#define MSG_LIM_CPU    8u
#define MSG_LIM_KNOWN  15u

/* CLI_NEW_REQ: host ("" = placement), ct, tmpl ("" = create.conf's),
 * start, addr (bare) and lim (0 = create.conf's); the network fields are
 * empty.  CT_NEW_REQ: host "", every field filled by the master (addr
 * with /prefix, gateway bare; vlan 0 when link is the network's own
 * bridge). */
struct msg_new_req {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	char tmpl[PROTO_NAME_MAX];
	uint8_t start;                     /* MSG_NEW_START | MSG_NEW_DETACH */
	char addr[MSG_IP_MAX];
	char gateway[MSG_IP_MAX];
	char link[MSG_LINK_MAX];
	uint16_t vlan;
	uint32_t mtu;
	char domain[MSG_DOMAIN_MAX];
	char ns[MSG_NS_MAX];
	struct msg_limits lim;
};

/* CT_NEW, CLI_NEW: what was made (host "" from the slave). */
struct msg_new {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	char backend[MSG_BACKEND_MAX];
	char rootfs[PROTO_STRING_MAX];
	char addr[MSG_IP_MAX];             /* with /prefix */
	char link[MSG_LINK_MAX];
	uint16_t vlan;
	struct msg_limits lim;
	uint8_t started;
};

/* CT_LIMIT_REQ (all 0), CLI_LIMIT_REQ: change the limits set names (0:
 * only show them) of ct, or with all of every container. */
struct msg_limit_req {
	char ct[PROTO_NAME_MAX];
	uint8_t all;                       /* MSG_EACH_ALL | MSG_EACH_DETACH */
	uint32_t set;                      /* MSG_LIM_* */
	struct msg_limits lim;
};

/* CT_LIMIT, an element of CLI_LIMIT: a container's limits as they are
 * after the request; error non-empty (CLI only) when its host failed. */
struct msg_limit {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	struct msg_limits lim;
	char error[MSG_ERRTEXT_MAX];
};
struct msg_limit_list {
	struct msg_limit *v;
	size_t n;
};

/* msg_limit_req's and msg_control_req's all: bits.  ALL: every container
 * of the inventory; DETACH (a change only): the master answers CLI_JOBS,
 * the jobs it queued, and no more.  Toward a slave: 0. */
#define MSG_EACH_ALL    1u
#define MSG_EACH_DETACH 2u
#define MSG_EACH_KNOWN  3u

enum msg_autostart { MSG_AUTO_KEEP = 0, MSG_AUTO_ENABLE = 1,
	MSG_AUTO_DISABLE = 2 };
enum msg_run { MSG_RUN_KEEP = 0, MSG_RUN_START = 1, MSG_RUN_STOP = 2 };

/* CT_CONTROL_REQ (all 0), CLI_CONTROL_REQ: autostart and run state of
 * ct, or with all of every container, changed or (both KEEP) shown. */
struct msg_control_req {
	char ct[PROTO_NAME_MAX];
	uint8_t all;                       /* MSG_EACH_ALL | MSG_EACH_DETACH */
	uint8_t autostart;                 /* enum msg_autostart */
	uint8_t run;                       /* enum msg_run */
	uint32_t timeout_s;                /* STOP: halt signal to kill, 0 = 60 */
};

/* CT_CONTROL, an element of CLI_CONTROL */
struct msg_control {
	char host[PROTO_NAME_MAX];
	char ct[PROTO_NAME_MAX];
	uint8_t enabled;                   /* lxc.start.auto */
	uint8_t running;
	char message[MSG_ERRTEXT_MAX];     /* what was done, "" if nothing */
	char error[MSG_ERRTEXT_MAX];       /* CLI: its host failed */
};
struct msg_control_list {
	struct msg_control *v;
	size_t n;
};

int msg_new_req_encode(struct cbuf *b, const struct msg_new_req *m);
int msg_new_req_decode(struct cbuf *b, struct msg_new_req *m);
int msg_new_encode(struct cbuf *b, const struct msg_new *m);
int msg_new_decode(struct cbuf *b, struct msg_new *m);
int msg_limit_req_encode(struct cbuf *b, const struct msg_limit_req *m);
int msg_limit_req_decode(struct cbuf *b, struct msg_limit_req *m);
int msg_limit_encode(struct cbuf *b, const struct msg_limit *m);
int msg_limit_decode(struct cbuf *b, struct msg_limit *m);
int msg_limit_list_encode(struct cbuf *b, const struct msg_limit *v,
    size_t n);
int msg_limit_list_decode(struct cbuf *b, struct msg_limit_list *l);
void msg_limit_list_free(struct msg_limit_list *l);
int msg_control_req_encode(struct cbuf *b, const struct msg_control_req *m);
int msg_control_req_decode(struct cbuf *b, struct msg_control_req *m);
int msg_control_encode(struct cbuf *b, const struct msg_control *m);
int msg_control_decode(struct cbuf *b, struct msg_control *m);
int msg_control_list_encode(struct cbuf *b, const struct msg_control *v,
    size_t n);
int msg_control_list_decode(struct cbuf *b, struct msg_control_list *l);
void msg_control_list_free(struct msg_control_list *l);

/* A single u8 flag payload (MSG_CLI_HOSTS_REQ: cached). */
int msg_flag_encode(struct cbuf *b, uint8_t flag);
int msg_flag_decode(struct cbuf *b, uint8_t *flag);
/* A single string payload (MSG_CT_LIST_REQ). */
int msg_name_encode(struct cbuf *b, const char *name);
int msg_name_decode(struct cbuf *b, char *name, size_t cap);

/* ---- corral sync (CLI <-> master) and TREE_LISTEN: proto/msg_sync.c ---- */
struct msg_sync_req {
	char src_host[PROTO_NAME_MAX];
	char src_path[4096];
	char dst_host[PROTO_NAME_MAX];
	char dst_path[4096];
	uint32_t opts;                     /* TREE_OPT_* */
};

struct msg_progress {
	uint64_t files_done, files_total;
	uint64_t bytes_done, bytes_total;
};

struct msg_sync_result {
	uint64_t files, files_changed, deleted;
	uint64_t bytes_on_wire, literal_bytes, matched_bytes;
	uint64_t usec;                     /* elapsed */
};

int msg_sync_req_encode(struct cbuf *b, const struct msg_sync_req *m);
int msg_sync_req_decode(struct cbuf *b, struct msg_sync_req *m);
int msg_progress_encode(struct cbuf *b, const struct msg_progress *m);
int msg_progress_decode(struct cbuf *b, struct msg_progress *m);
int msg_sync_result_encode(struct cbuf *b, const struct msg_sync_result *m);
int msg_sync_result_decode(struct cbuf *b, struct msg_sync_result *m);
/* MSG_TREE_LISTEN: the port a direct transfer's receiver listens on. */
int msg_listen_encode(struct cbuf *b, uint16_t port);
int msg_listen_decode(struct cbuf *b, uint16_t *port);

/* ---- jobs (CLI <-> master, 600s): proto/msg_job.c ---- */
#define MSG_JOB_KIND_MAX  16
#define MSG_JOB_STEP_MAX  32
#define MSG_JOB_ERROR_MAX 512
#define MSG_JOB_RESULT_MAX 512

/* One job as the master's inventory keeps it.  Times are milliseconds
 * since the epoch, 0 for not yet. */
struct msg_job {
	int64_t id;
	char kind[MSG_JOB_KIND_MAX];
	char container[PROTO_NAME_MAX];    /* "" for a job of no container */
	char src[PROTO_NAME_MAX];          /* hosts, "" when none */
	char dst[PROTO_NAME_MAX];
	char state[MSG_STATE_MAX];         /* queued running done failed cancelled */
	char step[MSG_JOB_STEP_MAX];       /* the step it is at or ended in */
	uint64_t bytes_done, bytes_total;
	char error[MSG_JOB_ERROR_MAX];
	int64_t created, started, ended;
	uint8_t cancel;                    /* a cancel was asked for */
	char result[MSG_JOB_RESULT_MAX];   /* what it found: "key=value ..." */
};

struct msg_job_list {
	struct msg_job *v;
	size_t n;
};

struct msg_job_step {
	char step[MSG_JOB_STEP_MAX];
	int64_t started, ended;            /* ended 0: still in it */
};

/* MSG_CLI_JOB: a job and its steps, oldest first (free with
 * msg_job_detail_free) */
struct msg_job_detail {
	struct msg_job job;
	struct msg_job_step *steps;
	size_t n_steps;
};

/* MSG_CLI_JOB_REQ */
struct msg_job_req {
	int64_t id;
	uint8_t wait;                      /* stream progress until it ends */
};

/* MSG_CLI_JOB_PROGRESS */
struct msg_job_progress {
	int64_t id;
	char step[MSG_JOB_STEP_MAX];
	uint64_t bytes_done, bytes_total;
};

int msg_job_encode(struct cbuf *b, const struct msg_job *m);
int msg_job_decode(struct cbuf *b, struct msg_job *m);
int msg_job_list_encode(struct cbuf *b, const struct msg_job *v, size_t n);
int msg_job_list_decode(struct cbuf *b, struct msg_job_list *l);
void msg_job_list_free(struct msg_job_list *l);
int msg_job_detail_encode(struct cbuf *b, const struct msg_job_detail *m);
int msg_job_detail_decode(struct cbuf *b, struct msg_job_detail *m);
void msg_job_detail_free(struct msg_job_detail *m);
int msg_job_req_encode(struct cbuf *b, const struct msg_job_req *m);
int msg_job_req_decode(struct cbuf *b, struct msg_job_req *m);
int msg_job_progress_encode(struct cbuf *b, const struct msg_job_progress *m);
int msg_job_progress_decode(struct cbuf *b, struct msg_job_progress *m);
/* The value of key in "key=value" pairs separated by spaces (a job's
 * result or args) into out, "" when absent; returns out. */
const char *msg_kv_get(const char *text, const char *key, char *out,
    size_t len);
/* Append " key=value" (no space before the first pair) to text, a string
 * of cap bytes, with ' ', '%' and control bytes of value as %XX, which
 * msg_kv_get() decodes: 0, or -1 (text unchanged) if it does not fit. */
int msg_kv_put(char *text, size_t cap, const char *key, const char *value);
/* The value of key as a number (0 when absent or not one). */
uint64_t msg_kv_u64(const char *text, const char *key);
/* ---- corral move (CLI -> master): proto/msg_move.c ---- */
#define MSG_MOVE_COLD    1u   /* stop it for the whole copy */
#define MSG_MOVE_DETACH  2u   /* answer CLI_JOB_QUEUED and no more */
#define MSG_MOVE_DRY_RUN 4u   /* check only: CLI_JOB_QUEUED of job id 0 */
#define MSG_MOVE_FLAGS_KNOWN (MSG_MOVE_COLD | MSG_MOVE_DETACH | \
    MSG_MOVE_DRY_RUN)

/* MSG_CLI_MOVE_REQ */
struct msg_move_req {
	char ct[PROTO_NAME_MAX];
	char to[PROTO_NAME_MAX];
	char from[PROTO_NAME_MAX];         /* "": where the inventory has it */
	uint32_t flags;                    /* MSG_MOVE_* */
};

int msg_move_req_encode(struct cbuf *b, const struct msg_move_req *m);
int msg_move_req_decode(struct cbuf *b, struct msg_move_req *m);

/* A single i64 payload (MSG_CLI_CANCEL_REQ: the job's id). */
int msg_id_encode(struct cbuf *b, int64_t id);
int msg_id_decode(struct cbuf *b, int64_t *id);

/* ---- corral get and put (CLI -> master): proto/msg_store.c ---- */
#define MSG_STORE_START    1u   /* put: start it once made */
#define MSG_STORE_DETACH   2u   /* answer CLI_JOB_QUEUED and no more */
#define MSG_STORE_DRY_RUN  4u   /* check only: CLI_JOB_QUEUED of job id 0 */
#define MSG_STORE_FORCE    8u   /* restore: over an existing container,
                                 * kept until the restored one is whole */
#define MSG_STORE_FLAGS_KNOWN \
	(MSG_STORE_START | MSG_STORE_DETACH | MSG_STORE_DRY_RUN | \
	MSG_STORE_FORCE)
#define MSG_VERSION_MAX    32   /* a store version's name, with its NUL */

/* MSG_CLI_GET_REQ, MSG_CLI_PUT_REQ: a container between a host and the
 * master's store */
struct msg_store_req {
	char ct[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];         /* get: "" where the inventory has it */
	char version[MSG_VERSION_MAX];     /* put: "" the newest */
	char as[PROTO_NAME_MAX];           /* put: "" its own name */
	uint64_t size;                     /* put: volume bytes, 0 from the
	                                    * manifest */
	uint32_t flags;                    /* MSG_STORE_* */
};

int msg_store_req_encode(struct cbuf *b, const struct msg_store_req *m);
int msg_store_req_decode(struct cbuf *b, struct msg_store_req *m);

/* ---- corral remove (CLI <-> master): proto/msg_remove.c ---- */
#define MSG_REMOVE_FORCE   1u   /* stop it first; skip the safety rule */
#define MSG_REMOVE_DRY_RUN 2u   /* only say what would happen */
#define MSG_REMOVE_DETACH  4u   /* answer once queued */
#define MSG_REMOVE_FLAGS_KNOWN \
	(MSG_REMOVE_FORCE | MSG_REMOVE_DRY_RUN | MSG_REMOVE_DETACH)
#define MSG_PLAN_MAX 2048

/* MSG_CLI_REMOVE_REQ */
struct msg_remove_req {
	char ct[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];
	uint32_t flags;                    /* MSG_REMOVE_* */
};

/* MSG_CLI_REMOVE_PLAN: what the job would do, one line each */
struct msg_remove_plan {
	char ct[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];
	char text[MSG_PLAN_MAX];
};

int msg_remove_req_encode(struct cbuf *b, const struct msg_remove_req *m);
int msg_remove_req_decode(struct cbuf *b, struct msg_remove_req *m);
int msg_remove_plan_encode(struct cbuf *b, const struct msg_remove_plan *m);
int msg_remove_plan_decode(struct cbuf *b, struct msg_remove_plan *m);

/* ---- placement and balance (CLI <-> master): proto/msg_place.c ---- */
#define MSG_WHY_MAX 16                     /* "noselect" ... "disk" */
#define MSG_NOTE_MAX 512

/* MSG_CLI_PLACE_REQ: a new container of these sizes (bytes, 0 = none) */
struct msg_place_req {
	uint64_t memory, disk;
};

struct msg_place_cand {
	char name[PROTO_NAME_MAX];
	int64_t score;                     /* thousandths of a point */
	char excluded[MSG_WHY_MAX];        /* "" = a candidate */
};

/* MSG_CLI_PLACE */
struct msg_place {
	char host[PROTO_NAME_MAX];         /* "" = none may take it */
	struct msg_place_cand *v;
	size_t n;
};

#define MSG_BALANCE_APPLY 1u               /* run the plan as move jobs */
#define MSG_BALANCE_FLAGS_KNOWN MSG_BALANCE_APPLY

/* MSG_CLI_BALANCE_REQ */
struct msg_balance_req {
	uint32_t flags;                    /* MSG_BALANCE_* */
	uint32_t max_moves;                /* 0 = no limit */
};

#define MSG_DRAIN_UNDO    1u               /* undrain */
#define MSG_DRAIN_DRY_RUN 2u               /* only say what would happen */
#define MSG_DRAIN_DETACH  4u               /* answer with the jobs queued */
#define MSG_DRAIN_FLAGS_KNOWN (MSG_DRAIN_UNDO | MSG_DRAIN_DRY_RUN | \
    MSG_DRAIN_DETACH)

/* MSG_CLI_DRAIN_REQ */
struct msg_drain_req {
	char host[PROTO_NAME_MAX];
	uint32_t flags;                    /* MSG_DRAIN_* */
};

/* One move of a plan; scores in thousandths of a point. */
struct msg_plan_move {
	char ct[PROTO_NAME_MAX];
	char from[PROTO_NAME_MAX];
	char to[PROTO_NAME_MAX];           /* "" = fits nowhere (a drain) */
	int64_t from_before, from_after, to_before, to_after, gain;
	int64_t job;                       /* its move job, 0 = none queued */
	char note[MSG_NOTE_MAX];           /* done, failed: why ... or "" */
};

/* A job that brings a container to the drained host (a drain's answer):
 * running, it lands there after the drain; queued, it is refused at its
 * start. */
struct msg_plan_arrival {
	int64_t job;
	char kind[MSG_JOB_KIND_MAX];
	char ct[PROTO_NAME_MAX];
	char state[MSG_STATE_MAX];         /* running, queued */
	char note[MSG_NOTE_MAX];
};

/* MSG_CLI_PLAN */
struct msg_plan {
	int64_t imbalance_before, imbalance_after;  /* thousandths */
	char error[MSG_NOTE_MAX];          /* why an --apply stopped, or "" */
	struct msg_plan_move *v;
	size_t n;
	struct msg_plan_arrival *a;        /* a drain's only */
	size_t n_a;
};

int msg_place_req_encode(struct cbuf *b, const struct msg_place_req *m);
int msg_place_req_decode(struct cbuf *b, struct msg_place_req *m);
int msg_place_encode(struct cbuf *b, const struct msg_place *m);
int msg_place_decode(struct cbuf *b, struct msg_place *m);
void msg_place_free(struct msg_place *m);
int msg_balance_req_encode(struct cbuf *b, const struct msg_balance_req *m);
int msg_balance_req_decode(struct cbuf *b, struct msg_balance_req *m);
int msg_drain_req_encode(struct cbuf *b, const struct msg_drain_req *m);
int msg_drain_req_decode(struct cbuf *b, struct msg_drain_req *m);
int msg_plan_encode(struct cbuf *b, const struct msg_plan *m);
int msg_plan_decode(struct cbuf *b, struct msg_plan *m);
void msg_plan_free(struct msg_plan *m);
/* ---- backups (CLI <-> master, 650s): proto/msg_backup.c ---- */
#define MSG_VKIND_MAX     8    /* hot cold get; btrfs reflink links */
#define MSG_REASON_SHORT  128
#define MSG_VERIFY_SHOWN  256  /* problems one CLI_VERIFY names at most */

/* One version of a container in the master's store (store.h).  Times are
 * seconds since the epoch (UTC); verified 0: never checked good. */
struct msg_version {
	char ct[PROTO_NAME_MAX];
	char version[MSG_VERSION_MAX];
	char kind[MSG_VKIND_MAX];          /* hot, cold, get */
	char method[MSG_VKIND_MAX];        /* btrfs, reflink, links */
	char host[PROTO_NAME_MAX];         /* where it came from */
	int64_t created;
	uint64_t files, bytes, stored;
	int64_t verified;
	uint8_t bad;                       /* its last check failed */
};

struct msg_version_list {
	struct msg_version *v;
	size_t n;
};

/* MSG_CLI_VERIFY_REQ */
struct msg_verify_req {
	char ct[PROTO_NAME_MAX];
	char version[MSG_VERSION_MAX];     /* "": the newest */
};

/* One thing wrong with a path of a version (relative to its directory):
 * missing, extra, type, mode, owner, size, mtime, content, unreadable. */
struct msg_problem {
	char what[16];
	char path[PROTO_STRING_MAX];
};

/* MSG_CLI_VERIFY: the check's outcome; the first MSG_VERIFY_SHOWN
 * problems (free with msg_verify_free) */
struct msg_verify {
	char ct[PROTO_NAME_MAX];
	char version[MSG_VERSION_MAX];
	uint8_t good;
	uint32_t problems;                 /* how many in all */
	char error[MSG_ERRTEXT_MAX];       /* why the manifest did not read */
	struct msg_problem *v;
	size_t n;
};

/* MSG_CLI_PRUNE_REQ */
#define MSG_PRUNE_DRY_RUN 1u           /* only say what would go */
#define MSG_PRUNE_FLAGS_KNOWN MSG_PRUNE_DRY_RUN
struct msg_prune_req {
	char ct[PROTO_NAME_MAX];           /* "": every container */
	uint32_t flags;
};

/* One version and what retention does with it (MSG_CLI_PRUNE) */
struct msg_prune_rec {
	char ct[PROTO_NAME_MAX];
	char version[MSG_VERSION_MAX];
	int64_t created;
	uint8_t keep;
	uint8_t removed;                   /* it went (not with --dry-run) */
	char reason[MSG_REASON_SHORT];     /* why kept, or why it failed */
};

struct msg_prune_list {
	struct msg_prune_rec *v;
	size_t n;
};

/* MSG_CLI_BACKUP_REQ: every container of backup.conf, or those named;
 * host: only those on it ("" any) */
#define MSG_BACKUP_DRY_RUN   1u        /* only the plan */
#define MSG_BACKUP_DETACH    2u        /* answer with the jobs queued */
#define MSG_BACKUP_FLAGS_KNOWN (MSG_BACKUP_DRY_RUN | MSG_BACKUP_DETACH)
#define MSG_BACKUP_NAMES_MAX 256
#define MSG_OUTCOME_MAX      16
struct msg_backup_req {
	char host[PROTO_NAME_MAX];
	uint32_t flags;
	size_t n;                          /* names, at most _NAMES_MAX */
	char names[MSG_BACKUP_NAMES_MAX][PROTO_NAME_MAX];
};

/* One container of a backup run: the plan, then what came of it.
 * outcome: planned (dry run), skipped, done, failed, cancelled, missing
 * (found on no host), refused (on two hosts, its host down, a job at
 * work on it). */
struct msg_backup_item {
	char ct[PROTO_NAME_MAX];
	char host[PROTO_NAME_MAX];         /* "" when found on none */
	char mode[MSG_VKIND_MAX];          /* hot, cold */
	char outcome[MSG_OUTCOME_MAX];
	int64_t job;                       /* its job, 0 when none */
	char version[MSG_VERSION_MAX];     /* the new version, "" if none */
	uint64_t files, bytes, wire, stored;
	uint64_t ms;                       /* the job's time */
	char reason[MSG_ERRTEXT_MAX];      /* why skipped, failed, refused */
};

struct msg_backup_list {
	struct msg_backup_item *v;
	size_t n;
};

int msg_backup_req_encode(struct cbuf *b, const struct msg_backup_req *m);
int msg_backup_req_decode(struct cbuf *b, struct msg_backup_req *m);
int msg_backup_list_encode(struct cbuf *b, const struct msg_backup_item *v,
    size_t n);
int msg_backup_list_decode(struct cbuf *b, struct msg_backup_list *l);
void msg_backup_list_free(struct msg_backup_list *l);

int msg_version_list_encode(struct cbuf *b, const struct msg_version *v,
    size_t n);
int msg_version_list_decode(struct cbuf *b, struct msg_version_list *l);
void msg_version_list_free(struct msg_version_list *l);
int msg_verify_req_encode(struct cbuf *b, const struct msg_verify_req *m);
int msg_verify_req_decode(struct cbuf *b, struct msg_verify_req *m);
int msg_verify_encode(struct cbuf *b, const struct msg_verify *m);
int msg_verify_decode(struct cbuf *b, struct msg_verify *m);
void msg_verify_free(struct msg_verify *m);
int msg_prune_req_encode(struct cbuf *b, const struct msg_prune_req *m);
int msg_prune_req_decode(struct cbuf *b, struct msg_prune_req *m);
int msg_prune_list_encode(struct cbuf *b, const struct msg_prune_rec *v,
    size_t n);
int msg_prune_list_decode(struct cbuf *b, struct msg_prune_list *l);
void msg_prune_list_free(struct msg_prune_list *l);

/* Decode a payload of any known type and discard the result (the table
 * row's validate): what a dispatcher may do before its handler runs, and
 * what the fuzzers drive.  CERR_BAD_TYPE for an unknown type. */
int msg_validate(uint16_t type, const uint8_t *payload, size_t len);

/* "PEER: TYPE: reason" into buf, for logs and CLI errors. */
void msg_errfmt(char *buf, size_t len, const char *peer, uint16_t type,
    int code);

#endif
