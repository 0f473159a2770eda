/* Unit tests: the message table (proto/msg_table.c) against what must agree
 * with it: enum proto_msg in proto/proto.h, one encoded sample of every
 * type (accepted whole, refused cut short), the fuzz dictionaries and the
 * fuzz_msg seed corpus.
 *
 * A new message fails here until it has a row, a sample below, its line in
 * the dictionaries and a seed.  `test_msg_table --dict` prints the
 * dictionaries' type lines; `test_msg_table --seeds DIR` writes the seeds
 * (u16 type, then the sample's payload). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "buf.h"
#include "cerr.h"
#include "msg.h"
#include "proto.h"
#include "tree.h"

#ifndef CORRAL_SRCDIR
#define CORRAL_SRCDIR "."
#endif

/* ---- one sample payload per type, encoded by the real encoders ---- */

static int
s_empty(struct cbuf *b)
{
	(void)b;
	return 0;
}

static int
s_hello(struct cbuf *b)
{
	struct msg_hello m = { .vmin = PROTO_VERSION_MIN,
	    .vmax = PROTO_VERSION, .caps = PROTO_CAPS_ALL,
	    .software = "corral 0.1.0", .role = "cli" };

	return msg_hello_encode(b, &m);
}

static int
s_hello_ok(struct cbuf *b)
{
	struct msg_hello_ok m = { .version = PROTO_VERSION,
	    .caps = PROTO_CAP_ZLIB, .software = "corral-master 0.1.0" };

	return msg_hello_ok_encode(b, &m);
}

static int
s_error(struct cbuf *b)
{
	struct msg_error m = { .code = CERR_PROTOCOL, .message = "no" };

	return msg_error_encode(b, &m);
}

static int
s_ping(struct cbuf *b)
{
	struct msg_ping m = { .token = 0x0102030405060708ULL };

	return msg_ping_encode(b, &m);
}

static void
fill_host(struct msg_host_info *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->hostname, "h1");
	h->cores = 2;
	h->mem_total = 24ULL << 30;
	strcpy(h->storage_backend, "btrfs");
	h->containers = 1;
	strcpy(h->version, "corral-slave 0.1.0");
	h->cpu_busy = 1200;
	h->cpu_total = 5000;
}

static void
fill_ct(struct msg_ct_info *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "web");
	strcpy(c->state, "running");
	strcpy(c->ipv4, "10.0.0.5");
	strcpy(c->ipv4_config, "10.0.0.5");
	strcpy(c->backend, "dir");
	c->rootfs_bytes = 1 << 20;
}

static int
s_host_info(struct cbuf *b)
{
	struct msg_host_info h;

	fill_host(&h);
	return msg_host_info_encode(b, &h);
}

static int
s_name(struct cbuf *b)
{
	return msg_name_encode(b, "web");
}

static int
s_ct_list(struct cbuf *b)
{
	struct msg_ct_info c[2];

	fill_ct(&c[0]);
	fill_ct(&c[1]);
	strcpy(c[1].name, "db");
	return msg_ct_list_encode(b, c, 2);
}

static int
s_create_req(struct cbuf *b)
{
	struct msg_create_req m = { .host = "h1", .ct = "web",
	    .bytes = 1 << 30, .tmpl = "busybox", .start = 1 };

	return msg_create_req_encode(b, &m);
}

static int
s_create(struct cbuf *b)
{
	struct msg_create m = { .host = "h1", .ct = "web", .backend = "dir",
	    .rootfs = "/var/lib/corral/web/rootfs" };

	return msg_create_encode(b, &m);
}

static int
s_snap_req(struct cbuf *b)
{
	struct msg_snap_req m = { .host = "h1", .ct = "db",
	    .op = MSG_SNAP_DROP_STALE, .bytes = 64 << 20, .job = 42 };

	return msg_snap_req_encode(b, &m);
}

static int
s_snap(struct cbuf *b)
{
	struct msg_snap m = { .host = "h1", .ct = "db", .backend = "lvm",
	    .kind = MSG_SNAPK_SNAPSHOT, .valid = 1, .fill_permille = 12,
	    .warn_permille = 800, .size = 64 << 20, .path = ".corral-snap/db",
	    .owner = MSG_SNAPO_SEND, .job = 42, .pid = 1234 };

	return msg_snap_encode(b, &m);
}

static int
s_ctl_req(struct cbuf *b)
{
	struct msg_ctl_req m = { .ct = "web", .op = MSG_CTL_REMOVE,
	    .timeout_s = 60, .flags = MSG_CTL_FORCE, .bytes = 0 };

	return msg_ctl_req_encode(b, &m);
}

static int
s_ctl(struct cbuf *b)
{
	struct msg_ctl m = { .ct = "web", .state = "stopped",
	    .message = "stopped cleanly in 2 s" };

	return msg_ctl_encode(b, &m);
}

static int
s_rename_req(struct cbuf *b)
{
	struct msg_rename_req m = { .ct = "web.restore-7", .to = "web" };

	return msg_rename_req_encode(b, &m);
}

/* the config structs hold 64 KiB: on the heap */
static int
s_conf(struct cbuf *b)
{
	struct msg_conf *m = calloc(1, sizeof(*m));
	int r;

	if (m == NULL)
		return CERR_NOMEM;
	strcpy(m->ct, "web");
	strcpy(m->config, "# web\nlxc.rootfs.path = @ROOTFS@\n"
	    "lxc.uts.name = web\nlxc.mount.fstab = @CTDIR@/fstab\n");
	m->rootfs_bytes = 1 << 20;
	m->running = 1;
	r = msg_conf_encode(b, m);
	free(m);
	return r;
}

static int
s_conf_set_req(struct cbuf *b)
{
	struct msg_conf_set_req *m = calloc(1, sizeof(*m));
	int r;

	if (m == NULL)
		return CERR_NOMEM;
	strcpy(m->ct, "web2");
	strcpy(m->config, "lxc.rootfs.path = @ROOTFS@\nlxc.uts.name = web\n");
	strcpy(m->old, "web");
	m->flags = MSG_CONF_REPLACE;
	r = msg_conf_set_req_encode(b, m);
	free(m);
	return r;
}

static int
s_conf_set(struct cbuf *b)
{
	struct msg_conf_set m = { .ct = "web2",
	    .message = "config written (rootfs dir:/srv/corral/web2)" };

	return msg_conf_set_encode(b, &m);
}

static int
s_tree_req(struct cbuf *b)
{
	struct tree_req r = { .path = "web/rootfs",
	    .opts = TREE_OPT_COMPRESS | TREE_OPT_DIRECT, .zlevel = 6,
	    .peer = "10.0.0.2", .port = 40000, .bwlimit = 1 << 20 };

	memset(r.key, 0x5a, sizeof(r.key));
	return tree_req_encode(b, &r);
}

/* a directory with a file and a symlink, then leaving it */
static int
put_entries(struct cbuf *b)
{
	static struct tree_entry e[4] = {
		{ .kind = TREE_DIR, .mode = S_IFDIR | 0755 },
		{ .kind = TREE_FILE, .mode = S_IFREG | 0644, .name = "f",
		  .size = 5 },
		{ .kind = TREE_SYMLINK, .mode = S_IFLNK | 0777, .name = "l",
		  .target = "f" },
		{ .kind = TREE_LEAVE },
	};
	size_t i;
	int r = 0;

	for (i = 0; i < 4 && r == 0; i++)
		r = tree_entry_encode(b, &e[i]);
	return r;
}

static int
s_tree_entries(struct cbuf *b)
{
	int r;

	if ((r = cbuf_put_u32(b, 4)) != 0)
		return r;
	return put_entries(b);
}

static int
s_tree_need(struct cbuf *b)
{
	struct tree_need n[2] = { { .index = 0, .how = TREE_NEED_LITERAL },
	    { .index = 1, .how = TREE_NEED_BLOCKS, .seed = 42 } };
	struct cbuf *raw = cbuf_new(64);
	int r = CERR_NOMEM;

	if (raw != NULL && (r = tree_need_encode(raw, &n[0])) == 0 &&
	    (r = tree_need_encode(raw, &n[1])) == 0)
		r = tree_needs_pack(b, 2, cbuf_ptr(raw), cbuf_len(raw));
	cbuf_free(raw);
	return r;
}

static int
s_tree_sig(struct cbuf *b)
{
	struct tree_sig s = { .index = 1, .last = 1,
	    .blob = (const uint8_t *)"rs\x01\x37sig", .blob_len = 7 };

	return tree_sig_encode(b, &s);
}

static int
s_tree_data(struct cbuf *b)
{
	struct tree_data d = { .index = 0, .kind = TREE_DATA_LITERAL,
	    .raw_len = 5, .blob = (const uint8_t *)"hello", .blob_len = 5 };

	return tree_data_encode(b, &d);
}

static int
s_tree_stats(struct cbuf *b)
{
	struct tree_stats s = { .files = 3, .files_changed = 2,
	    .bytes_total = 5, .literal_bytes = 5, .wire_bytes = 40 };

	return tree_stats_encode(b, &s);
}

/* a directory of files whose records compress: packed as ENTRIES_Z */
static int
s_tree_entries_z(struct cbuf *b)
{
	static const struct tree_entry root = { .kind = TREE_DIR,
	    .mode = S_IFDIR | 0755 }, leave = { .kind = TREE_LEAVE };
	struct tree_entry e = { .kind = TREE_FILE, .mode = S_IFREG | 0644,
	    .size = 5 };
	struct cbuf *raw = cbuf_new(4096);
	uint16_t type = 0;
	int i, r = CERR_NOMEM;

	if (raw == NULL || (r = tree_entry_encode(raw, &root)) != 0)
		goto out;
	for (i = 0; i < 16 && r == 0; i++) {
		snprintf(e.name, sizeof(e.name), "file%02d", i);
		r = tree_entry_encode(raw, &e);
	}
	if (r != 0 || (r = tree_entry_encode(raw, &leave)) != 0 ||
	    (r = tree_entries_pack(b, 1 + 16 + 1, cbuf_ptr(raw),
	    cbuf_len(raw), &type)) != 0)
		goto out;
	if (type != MSG_TREE_ENTRIES_Z)
		r = CERR_INVALID;
out:
	cbuf_free(raw);
	return r;
}

static int
s_progress(struct cbuf *b)
{
	struct msg_progress p = { .files_done = 1, .files_total = 3,
	    .bytes_done = 5, .bytes_total = 10 };

	return msg_progress_encode(b, &p);
}

static int
s_listen(struct cbuf *b)
{
	return msg_listen_encode(b, 40000);
}

static int
s_flag(struct cbuf *b)
{
	return msg_flag_encode(b, 1);
}

static int
s_host_list(struct cbuf *b)
{
	struct msg_host_rec h;

	memset(&h, 0, sizeof(h));
	strcpy(h.name, "h1");
	strcpy(h.address, "10.0.0.1");
	h.port = 2222;
	strcpy(h.state, "up");
	fill_host(&h.info);
	h.last_seen = 1700000000;
	h.cpu_use = 750;
	return msg_host_list_encode(b, &h, 1);
}

static int
s_scan_req(struct cbuf *b)
{
	struct msg_scan_req m = { .name = "web", .host = "h1", .cached = 1 };

	return msg_scan_req_encode(b, &m);
}

static int
s_ct_rec_list(struct cbuf *b)
{
	struct msg_ct_rec c;

	memset(&c, 0, sizeof(c));
	strcpy(c.host, "h1");
	fill_ct(&c.ct);
	c.last_seen = 1700000000;
	return msg_ct_rec_list_encode(b, &c, 1);
}

static int
s_trust(struct cbuf *b)
{
	struct msg_trust m = { .host = "h1",
	    .fingerprint = "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    .accept = 1 };

	return msg_trust_encode(b, &m);
}

static int
s_sync_req(struct cbuf *b)
{
	struct msg_sync_req m = { .src_host = "h1", .src_path = "web/rootfs",
	    .dst_host = "h2", .dst_path = "web/rootfs",
	    .opts = TREE_OPT_CHECKSUM };

	return msg_sync_req_encode(b, &m);
}

static int
s_sync_result(struct cbuf *b)
{
	struct msg_sync_result m = { .files = 3, .files_changed = 2,
	    .bytes_on_wire = 40, .literal_bytes = 5, .usec = 1000 };

	return msg_sync_result_encode(b, &m);
}

static void
fill_job(struct msg_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = 12;
	strcpy(j->kind, "move");
	strcpy(j->container, "web");
	strcpy(j->src, "h1");
	strcpy(j->dst, "h2");
	strcpy(j->state, "running");
	strcpy(j->step, "copy");
	j->bytes_done = 1 << 20;
	j->bytes_total = 3 << 20;
	j->created = 1700000000000;
	j->started = 1700000000500;
	strcpy(j->result, "version=20261206T225000Z");
}

static int
s_job(struct cbuf *b)
{
	struct msg_job j;

	fill_job(&j);
	return msg_job_encode(b, &j);
}

static int
s_job_list(struct cbuf *b)
{
	struct msg_job j[2];

	fill_job(&j[0]);
	fill_job(&j[1]);
	j[1].id = 13;
	strcpy(j[1].state, "failed");
	strcpy(j[1].error, "h2: no space left");
	j[1].ended = 1700000009000;
	return msg_job_list_encode(b, j, 2);
}

static int
s_job_detail(struct cbuf *b)
{
	struct msg_job_step st[2] = {
		{ .step = "snapshot", .started = 1700000000500,
		  .ended = 1700000001000 },
		{ .step = "copy", .started = 1700000001000 },
	};
	struct msg_job_detail d = { .steps = st, .n_steps = 2 };

	fill_job(&d.job);
	return msg_job_detail_encode(b, &d);
}

static int
s_job_req(struct cbuf *b)
{
	struct msg_job_req m = { .id = 12, .wait = 1 };

	return msg_job_req_encode(b, &m);
}

static int
s_job_progress(struct cbuf *b)
{
	struct msg_job_progress m = { .id = 12, .step = "copy",
	    .bytes_done = 1 << 20, .bytes_total = 3 << 20 };

	return msg_job_progress_encode(b, &m);
}

static int
s_id(struct cbuf *b)
{
	return msg_id_encode(b, 12);
}

static int
s_move_req(struct cbuf *b)
{
	struct msg_move_req m = { .ct = "web1", .to = "h2", .from = "h1",
	    .flags = MSG_MOVE_COLD };

	return msg_move_req_encode(b, &m);
}

static int
s_store_req(struct cbuf *b)
{
	struct msg_store_req m = { .ct = "web1", .host = "h1",
	    .version = "20261206T225000Z", .as = "web2", .size = 1 << 30,
	    .flags = MSG_STORE_START };

	return msg_store_req_encode(b, &m);
}

static int
s_remove_req(struct cbuf *b)
{
	struct msg_remove_req m = { .ct = "web1", .host = "h1",
	    .flags = MSG_REMOVE_FORCE | MSG_REMOVE_DETACH };

	return msg_remove_req_encode(b, &m);
}

static int
s_remove_plan(struct cbuf *b)
{
	struct msg_remove_plan m = { .ct = "web1", .host = "h1",
	    .text = "stop web1 on h1\nremove web1 on h1" };

	return msg_remove_plan_encode(b, &m);
}

static int
s_version_list(struct cbuf *b)
{
	struct msg_version v[2] = {
		{ .ct = "web1", .version = "20261206T023000Z", .kind = "hot",
		  .method = "btrfs", .host = "h1", .created = 1796524200,
		  .files = 1200, .bytes = 40 << 20, .stored = 5 << 20,
		  .verified = 1796527800 },
		{ .ct = "web1", .version = "20261207T023000Z-2", .kind = "cold",
		  .method = "btrfs", .host = "h2", .created = 1796610600,
		  .files = 1201, .bytes = 41 << 20, .stored = 1 << 20,
		  .bad = 1 },
	};

	return msg_version_list_encode(b, v, 2);
}

static int
s_verify_req(struct cbuf *b)
{
	struct msg_verify_req m = { .ct = "web1",
	    .version = "20261206T023000Z" };

	return msg_verify_req_encode(b, &m);
}

static int
s_verify(struct cbuf *b)
{
	struct msg_problem p[2] = {
		{ .what = "content", .path = "rootfs/etc/hosts" },
		{ .what = "missing", .path = "rootfs/var/log/x" },
	};
	struct msg_verify m = { .ct = "web1", .version = "20261206T023000Z",
	    .good = 0, .problems = 3, .v = p, .n = 2 };

	return msg_verify_encode(b, &m);
}

static int
s_prune_req(struct cbuf *b)
{
	struct msg_prune_req m = { .ct = "web1", .flags = MSG_PRUNE_DRY_RUN };

	return msg_prune_req_encode(b, &m);
}

static int
s_prune_list(struct cbuf *b)
{
	struct msg_prune_rec v[2] = {
		{ .ct = "web1", .version = "20261206T023000Z",
		  .created = 1796524200, .keep = 1, .reason = "daily 1" },
		{ .ct = "web1", .version = "20261205T023000Z",
		  .created = 1796437800, .removed = 1 },
	};

	return msg_prune_list_encode(b, v, 2);
}

static int
s_backup_req(struct cbuf *b)
{
	static struct msg_backup_req m = { .host = "h1", .n = 2,
	    .flags = MSG_BACKUP_DRY_RUN, .names = { "web1", "db" } };

	return msg_backup_req_encode(b, &m);
}

static int
s_backup_list(struct cbuf *b)
{
	struct msg_backup_item v[2] = {
		{ .ct = "web1", .host = "h1", .mode = "hot", .outcome = "done",
		  .job = 12, .version = "20261206T023000Z", .files = 1200,
		  .bytes = 40 << 20, .wire = 1 << 20, .stored = 2 << 20,
		  .ms = 2500 },
		{ .ct = "db", .host = "h2", .mode = "cold",
		  .outcome = "skipped", .reason = "db runs on h2" },
	};

	return msg_backup_list_encode(b, v, 2);
}

static const struct msg_limits sample_lim = { .memory_mb = 256,
	.disk_mb = 1024, .proc = 100, .cpu_num = 9, .cpu_den = 10 };

static int
s_new_req(struct cbuf *b)
{
	struct msg_new_req m = { .ct = "web", .tmpl = "busybox", .start = 1,
	    .addr = "10.215.0.20/16", .gateway = "10.215.0.1",
	    .link = "ctbr0", .vlan = 0, .mtu = 1500, .domain = "pool.test",
	    .ns = "10.215.0.53 2001:db8::53", .lim = sample_lim };

	return msg_new_req_encode(b, &m);
}

static int
s_new(struct cbuf *b)
{
	struct msg_new m = { .host = "h1", .ct = "web", .backend = "dir",
	    .rootfs = "/var/lib/corral/storage/web", .addr = "10.215.0.20/16",
	    .link = "br0", .vlan = 10, .lim = sample_lim, .started = 1 };

	return msg_new_encode(b, &m);
}

static int
s_limit_req(struct cbuf *b)
{
	struct msg_limit_req m = { .ct = "web",
	    .set = MSG_LIM_MEMORY | MSG_LIM_CPU, .lim = sample_lim };

	return msg_limit_req_encode(b, &m);
}

static int
s_limit(struct cbuf *b)
{
	struct msg_limit m = { .host = "h1", .ct = "web", .lim = sample_lim };

	return msg_limit_encode(b, &m);
}

static int
s_limit_list(struct cbuf *b)
{
	struct msg_limit v[2] = {
		{ .host = "h1", .ct = "web", .lim = sample_lim },
		{ .host = "h2", .ct = "db", .error = "h2: connection refused" },
	};

	return msg_limit_list_encode(b, v, 2);
}

static int
s_control_req(struct cbuf *b)
{
	struct msg_control_req m = { .ct = "web", .autostart = MSG_AUTO_ENABLE,
	    .run = MSG_RUN_STOP, .timeout_s = 30 };

	return msg_control_req_encode(b, &m);
}

static int
s_control(struct cbuf *b)
{
	struct msg_control m = { .host = "h1", .ct = "web", .enabled = 1,
	    .running = 0, .message = "stopped cleanly in 1.2 s" };

	return msg_control_encode(b, &m);
}

static int
s_control_list(struct cbuf *b)
{
	struct msg_control v[2] = {
		{ .host = "h1", .ct = "web", .enabled = 1, .running = 1 },
		{ .host = "h2", .ct = "db", .error = "h2: connection refused" },
	};

	return msg_control_list_encode(b, v, 2);
}

static int
s_place_req(struct cbuf *b)
{
	struct msg_place_req m = { .memory = 512u << 20, .disk = 1u << 30 };

	return msg_place_req_encode(b, &m);
}

static int
s_place(struct cbuf *b)
{
	struct msg_place_cand c[2] = {
		{ .name = "h1", .score = 12345, .excluded = "" },
		{ .name = "h2", .score = 99000, .excluded = "drained" },
	};
	struct msg_place m = { .host = "h1", .v = c, .n = 2 };

	return msg_place_encode(b, &m);
}

static int
s_balance_req(struct cbuf *b)
{
	struct msg_balance_req m = { .flags = MSG_BALANCE_APPLY,
	    .max_moves = 10 };

	return msg_balance_req_encode(b, &m);
}

static int
s_drain_req(struct cbuf *b)
{
	struct msg_drain_req m = { .host = "h1", .flags = MSG_DRAIN_DRY_RUN };

	return msg_drain_req_encode(b, &m);
}

static int
s_plan(struct cbuf *b)
{
	struct msg_plan_move v = { .ct = "web1", .from = "h1", .to = "h2",
	    .from_before = 80000, .from_after = 70000, .to_before = 20000,
	    .to_after = 30000, .gain = 1200000, .job = 7, .note = "done" };
	struct msg_plan_arrival a = { .job = 6, .kind = "move", .ct = "a1",
	    .state = "running", .note = "arriving on h2: drain again once it "
	    "ends" };
	struct msg_plan m = { .imbalance_before = 30000,
	    .imbalance_after = 20000, .v = &v, .n = 1, .a = &a, .n_a = 1 };

	return msg_plan_encode(b, &m);
}

static const struct sample {
	uint16_t type;
	int (*encode)(struct cbuf *b);
} samples[] = {
	{ MSG_HELLO, s_hello },
	{ MSG_HELLO_OK, s_hello_ok },
	{ MSG_ERROR, s_error },
	{ MSG_PING, s_ping },
	{ MSG_PONG, s_ping },
	{ MSG_BYE, s_empty },
	{ MSG_HOST_INFO_REQ, s_empty },
	{ MSG_HOST_INFO, s_host_info },
	{ MSG_CT_LIST_REQ, s_name },
	{ MSG_CT_LIST, s_ct_list },
	{ MSG_CT_CREATE_REQ, s_create_req },
	{ MSG_CT_CREATE, s_create },
	{ MSG_SNAP_REQ, s_snap_req },
	{ MSG_SNAP, s_snap },
	{ MSG_CT_CTL_REQ, s_ctl_req },
	{ MSG_CT_CTL, s_ctl },
	{ MSG_CT_CONF_REQ, s_name },
	{ MSG_CT_CONF, s_conf },
	{ MSG_CT_CONF_SET_REQ, s_conf_set_req },
	{ MSG_CT_CONF_SET, s_conf_set },
	{ MSG_CT_NEW_REQ, s_new_req },
	{ MSG_CT_NEW, s_new },
	{ MSG_CT_LIMIT_REQ, s_limit_req },
	{ MSG_CT_LIMIT, s_limit },
	{ MSG_CT_CONTROL_REQ, s_control_req },
	{ MSG_CT_CONTROL, s_control },
	{ MSG_TREE_SEND_REQ, s_tree_req },
	{ MSG_TREE_RECV_REQ, s_tree_req },
	{ MSG_TREE_ENTRIES, s_tree_entries },
	{ MSG_TREE_NEED, s_tree_need },
	{ MSG_TREE_SIG, s_tree_sig },
	{ MSG_TREE_DATA, s_tree_data },
	{ MSG_TREE_END, s_tree_stats },
	{ MSG_TREE_DONE, s_tree_stats },
	{ MSG_TREE_ENTRIES_Z, s_tree_entries_z },
	{ MSG_TREE_PROGRESS, s_progress },
	{ MSG_TREE_LISTEN, s_listen },
	{ MSG_CLI_HOSTS_REQ, s_flag },
	{ MSG_CLI_HOSTS, s_host_list },
	{ MSG_CLI_SCAN_REQ, s_scan_req },
	{ MSG_CLI_SCAN, s_ct_rec_list },
	{ MSG_CLI_TRUST_REQ, s_trust },
	{ MSG_CLI_TRUST, s_trust },
	{ MSG_CLI_SYNC_REQ, s_sync_req },
	{ MSG_CLI_PROGRESS, s_progress },
	{ MSG_CLI_SYNC, s_sync_result },
	{ MSG_CLI_CREATE_REQ, s_create_req },
	{ MSG_CLI_CREATE, s_create },
	{ MSG_CLI_SNAP_REQ, s_snap_req },
	{ MSG_CLI_SNAP, s_snap },
	{ MSG_CLI_JOBS_REQ, s_flag },
	{ MSG_CLI_JOBS, s_job_list },
	{ MSG_CLI_JOB_REQ, s_job_req },
	{ MSG_CLI_JOB, s_job_detail },
	{ MSG_CLI_JOB_PROGRESS, s_job_progress },
	{ MSG_CLI_CANCEL_REQ, s_id },
	{ MSG_CLI_CANCEL, s_job },
	{ MSG_CLI_JOB_QUEUED, s_job },
	{ MSG_CLI_MOVE_REQ, s_move_req },
	{ MSG_CLI_REMOVE_REQ, s_remove_req },
	{ MSG_CLI_REMOVE_PLAN, s_remove_plan },
	{ MSG_CLI_GET_REQ, s_store_req },
	{ MSG_CLI_PUT_REQ, s_store_req },
	{ MSG_CLI_BACKUPS_REQ, s_name },
	{ MSG_CLI_BACKUPS, s_version_list },
	{ MSG_CLI_VERIFY_REQ, s_verify_req },
	{ MSG_CLI_VERIFY, s_verify },
	{ MSG_CLI_PRUNE_REQ, s_prune_req },
	{ MSG_CLI_PRUNE, s_prune_list },
	{ MSG_CLI_BACKUP_REQ, s_backup_req },
	{ MSG_CLI_BACKUP, s_backup_list },
	{ MSG_CLI_RESTORE_REQ, s_store_req },
	{ MSG_CLI_NEW_REQ, s_new_req },
	{ MSG_CLI_NEW, s_new },
	{ MSG_CLI_LIMIT_REQ, s_limit_req },
	{ MSG_CLI_LIMIT, s_limit_list },
	{ MSG_CLI_CONTROL_REQ, s_control_req },
	{ MSG_CLI_CONTROL, s_control_list },
	{ MSG_CT_RENAME_REQ, s_rename_req },
	{ MSG_CT_RENAME, s_ctl },
	{ MSG_CLI_PLACE_REQ, s_place_req },
	{ MSG_CLI_PLACE, s_place },
	{ MSG_CLI_BALANCE_REQ, s_balance_req },
	{ MSG_CLI_DRAIN_REQ, s_drain_req },
	{ MSG_CLI_PLAN, s_plan },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

/* A new buffer holding type's sample; NULL if it has none. */
static struct cbuf *
sample_of(uint16_t type)
{
	struct cbuf *b;
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		if (samples[i].type == type)
			break;
	if (i == N_SAMPLES || (b = cbuf_new(PROTO_PAYLOAD_MAX)) == NULL)
		return NULL;
	if (samples[i].encode(b) != 0) {
		cbuf_free(b);
		return NULL;
	}
	return b;
}

static size_t
table_len(void)
{
	const struct proto_msg_desc *d;
	size_t n = 0;

	for (d = proto_msg_table(); d->name != NULL; d++)
		n++;
	return n;
}

/* ---- the tests ---- */

static void
test_rows_sorted_unique(void **state)
{
	const struct proto_msg_desc *d;

	(void)state;
	for (d = proto_msg_table(); d->name != NULL; d++) {
		assert_non_null(d->validate);
		assert_true(d[1].name == NULL || d->type < d[1].type);
		assert_true(proto_msg_known(d->type));
		assert_ptr_equal(proto_msg_name(d->type), d->name);
	}
	assert_int_equal(d->type, 0);
	assert_null(d->validate);
	assert_false(proto_msg_known(0));
	assert_int_equal(msg_validate(0, NULL, 0), CERR_BAD_TYPE);
}

/* Every "MSG_X = N," of enum proto_msg has the row { N, "X" }, and there is
 * no other row. */
static void
test_rows_match_enum(void **state)
{
	const struct proto_msg_desc *d;
	char line[512], name[128];
	unsigned value;
	size_t n = 0;
	int in_enum = 0;
	FILE *f = fopen(CORRAL_SRCDIR "/proto/proto.h", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "enum proto_msg {", 16) == 0)
			in_enum = 1;
		else if (in_enum && line[0] == '}')
			break;
		else if (in_enum && sscanf(line, " MSG_%127[A-Z0-9_] = %u ,",
		    name, &value) == 2) {
			if (proto_msg_name((uint16_t)value) == NULL)
				fail_msg("MSG_%s = %u has no row", name, value);
			assert_string_equal(proto_msg_name((uint16_t)value),
			    name);
			n++;
		}
	}
	fclose(f);
	assert_true(in_enum);
	assert_int_equal(n, table_len());
	for (d = proto_msg_table(); d->name != NULL; d++)
		assert_true(d->type > 0);
}

/* Each row's validate accepts its sample, refuses every strict prefix and
 * a byte more. */
static void
test_samples_validate(void **state)
{
	const struct proto_msg_desc *d;
	const uint8_t *p;
	uint8_t *longer;
	struct cbuf *b;
	size_t i, n;

	(void)state;
	assert_int_equal(N_SAMPLES, table_len());
	for (d = proto_msg_table(); d->name != NULL; d++) {
		if ((b = sample_of(d->type)) == NULL)
			fail_msg("%s has no sample", d->name);
		p = cbuf_ptr(b);
		n = cbuf_len(b);
		if (msg_validate(d->type, p, n) != 0)
			fail_msg("%s: sample refused", d->name);
		for (i = 0; i < n; i++)
			if (msg_validate(d->type, p, i) == 0)
				fail_msg("%s: %zu of %zu bytes accepted",
				    d->name, i, n);
		assert_non_null(longer = calloc(1, n + 1));
		if (n > 0)
			memcpy(longer, p, n);
		if (msg_validate(d->type, longer, n + 1) == 0)
			fail_msg("%s: a byte more accepted", d->name);
		free(longer);
		cbuf_free(b);
	}
}

/* DIR/name of the type in lower case: a seed's file */
static void
seed_path(const struct proto_msg_desc *d, const char *dir, char *out,
    size_t len)
{
	char lower[64];
	size_t i;

	for (i = 0; d->name[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)d->name[i]);
	lower[i] = '\0';
	snprintf(out, len, "%s/%s", dir, lower);
}

static void
dict_line(const struct proto_msg_desc *d, char *out, size_t len)
{
	snprintf(out, len, "%s=\"\\x%02x\\x%02x\"", d->name,
	    (unsigned)(d->type >> 8), (unsigned)(d->type & 0xff));
}

/* A dictionary names every type with its wire bytes, one line each. */
static void
check_dict(const char *path)
{
	const struct proto_msg_desc *d;
	char want[128], line[512];
	size_t len;
	int found;
	FILE *f;

	for (d = proto_msg_table(); d->name != NULL; d++) {
		dict_line(d, want, sizeof(want));
		assert_non_null(f = fopen(path, "r"));
		found = 0;
		while (!found && fgets(line, sizeof(line), f) != NULL) {
			len = strcspn(line, "\r\n");
			found = len == strlen(want) &&
			    memcmp(line, want, len) == 0;
		}
		fclose(f);
		if (!found)
			fail_msg("%s lacks %s", path, want);
	}
}

static void
test_dicts(void **state)
{
	(void)state;
	check_dict(CORRAL_SRCDIR "/tests/fuzz/fuzz_frame.dict");
	check_dict(CORRAL_SRCDIR "/tests/fuzz/fuzz_msg.dict");
}

/* The fuzz_msg corpus has a seed of each type, named after it. */
static void
test_seeds(void **state)
{
	const struct proto_msg_desc *d;
	char path[512];
	uint8_t buf[4096];
	size_t n;
	FILE *f;

	(void)state;
	for (d = proto_msg_table(); d->name != NULL; d++) {
		seed_path(d, CORRAL_SRCDIR "/tests/fuzz/corpus/fuzz_msg", path,
		    sizeof(path));
		if ((f = fopen(path, "rb")) == NULL)
			fail_msg("no seed %s", path);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(n >= 2);
		assert_int_equal(buf[0] << 8 | buf[1], d->type);
		if (msg_validate(d->type, buf + 2, n - 2) != 0)
			fail_msg("seed %s refused", path);
	}
}

/* ---- the generators ---- */

static int
print_dict(void)
{
	const struct proto_msg_desc *d;
	char line[128];

	printf("# message types (big-endian u16): "
	    "build/tests/test_msg_table --dict\n");
	for (d = proto_msg_table(); d->name != NULL; d++) {
		dict_line(d, line, sizeof(line));
		printf("%s\n", line);
	}
	return 0;
}

static int
write_seeds(const char *dir)
{
	const struct proto_msg_desc *d;
	uint8_t head[2];
	char path[512];
	struct cbuf *b;
	FILE *f;
	int bad, rc = 0;

	for (d = proto_msg_table(); d->name != NULL; d++) {
		if ((b = sample_of(d->type)) == NULL) {
			fprintf(stderr, "%s has no sample\n", d->name);
			rc = 1;
			continue;
		}
		seed_path(d, dir, path, sizeof(path));
		head[0] = (uint8_t)(d->type >> 8);
		head[1] = (uint8_t)d->type;
		if (!(bad = (f = fopen(path, "wb")) == NULL)) {
			bad = fwrite(head, 1, 2, f) != 2 || fwrite(cbuf_ptr(b),
			    1, cbuf_len(b), f) != cbuf_len(b);
			bad |= fclose(f) != 0;
		}
		if (bad) {
			perror(path);
			rc = 1;
		}
		cbuf_free(b);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_sorted_unique),
		cmocka_unit_test(test_rows_match_enum),
		cmocka_unit_test(test_samples_validate),
		cmocka_unit_test(test_dicts),
		cmocka_unit_test(test_seeds),
	};

	if (argc == 2 && strcmp(argv[1], "--dict") == 0)
		return print_dict();
	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
