/* Unit tests: what the storage backends share — the device-mapper status
 * parser and dm names, container names, backend selection from
 * corral.conf, the store's own directories made private, mount points
 * read from mountinfo, and running helper programs without a shell (real
 * programs: sh, true, sleep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmstatus.h"
#include "run.h"
#include "storage.h"

static void
test_dm_parse(void **state)
{
	struct snap_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(dm_parse_snapshot("16/2048 16", &st), 0);
	assert_true(st.exists && st.valid);
	assert_int_equal(st.fill_permille, 7);
	assert_int_equal(st.size, 2048 * 512);
	assert_int_equal(dm_parse_snapshot("2048/2048 32", &st), 0);
	assert_true(st.valid);
	assert_int_equal(st.fill_permille, 1000);
	assert_int_equal(dm_parse_snapshot("0/8192 0", &st), 0);
	assert_int_equal(st.fill_permille, 0);
	/* overflowed: never a source */
	assert_int_equal(dm_parse_snapshot("Invalid", &st), 0);
	assert_true(st.exists && !st.valid);
	assert_int_equal(dm_parse_snapshot("Overflow", &st), 0);
	assert_false(st.valid);
	assert_int_equal(dm_parse_snapshot("Merge failed", &st), 0);
	assert_false(st.valid);
}

static void
test_dm_parse_junk(void **state)
{
	struct snap_status st;

	(void)state;
	assert_int_equal(dm_parse_snapshot("", &st), -1);
	assert_int_equal(dm_parse_snapshot("12/0 0", &st), -1);
	assert_int_equal(dm_parse_snapshot("13/12 0", &st), -1);
	assert_int_equal(dm_parse_snapshot("1/12", &st), -1);
	assert_int_equal(dm_parse_snapshot("1/12 0 x", &st), -1);
	assert_int_equal(dm_parse_snapshot("-1/12 0", &st), -1);
}

static void
test_dm_name(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(dm_lv_name("vg0", "c1+snap", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vg0-c1+snap");
	/* LVM doubles the dashes inside each part */
	assert_int_equal(dm_lv_name("my-vg", "web-1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "my--vg-web--1");
	assert_int_equal(dm_lv_name("a-b-c", "d", buf, 8), -1);
}

static void
test_setup(void **state)
{
	struct corral_conf c;
	struct storage s;
	char err[256], p[PATH_MAX];

	(void)state;
	corral_conf_defaults(&c);
	assert_int_equal(storage_setup(&s, &c, err, sizeof(err)), 0);
	assert_string_equal(s.ops->name, "dir");
	assert_string_equal(s.root, "/var/lib/corral/storage");
	snprintf(c.storage, sizeof(c.storage), "btrfs:/srv/ct//");
	assert_int_equal(storage_setup(&s, &c, err, sizeof(err)), 0);
	assert_string_equal(s.ops->name, "btrfs");
	assert_string_equal(s.root, "/srv/ct");
	assert_int_equal(storage_path(&s, "c1", true, p, sizeof(p)), 0);
	assert_string_equal(p, "/srv/ct/.corral-snap/c1");
	storage_free(&s);
	snprintf(c.storage, sizeof(c.storage), "lvm:vg0");
	snprintf(c.mount_root, sizeof(c.mount_root), "/mnt/corral");
	assert_int_equal(storage_setup(&s, &c, err, sizeof(err)), 0);
	assert_string_equal(s.ops->name, "lvm");
	/* the VG is lvm's own (s.priv): seen through what it names */
	assert_int_equal(s.ops->lxc_rootfs(&s, "c1", p, sizeof(p)), 0);
	assert_string_equal(p, "lvm:/dev/vg0/c1");
	assert_string_equal(s.root, "/mnt/corral");
	assert_true(s.ops->snapshots);
	storage_free(&s);
	snprintf(c.storage, sizeof(c.storage), "zfs:tank");
	assert_int_equal(storage_setup(&s, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "zfs:tank"));
	storage_free(&s);
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

/* A storage root that already exists with loose permissions is made 0700
 * by init, and so is .corral-snap; new ones are made 0700 (issue 16). */
static void
test_init_private(void **state)
{
	char tmp[] = "/tmp/corral-test-storage.XXXXXX", root[64],
	    snap[96], other[96], err[256];
	struct corral_conf c;
	struct storage s;
	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(snap, sizeof(snap), "%s/%s", root, STORAGE_SNAPDIR);
	corral_conf_defaults(&c);
	snprintf(c.storage, sizeof(c.storage), "dir:%s", root);
	assert_int_equal(storage_setup(&s, &c, err, sizeof(err)), 0);

	/* made by init: 0700 whatever the umask */
	umask(0);
	assert_int_equal(s.ops->init(&s, err, sizeof(err)), 0);
	umask(022);
	assert_int_equal(mode_of(root), 0700);
	assert_int_equal(mode_of(snap), 0700);

	/* loose ones, as an admin or a package left them */
	assert_int_equal(chmod(root, 0755), 0);
	assert_int_equal(chmod(snap, 0777), 0);
	snprintf(other, sizeof(other), "%s/ct1", root);
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(s.ops->init(&s, err, sizeof(err)), 0);
	assert_int_equal(mode_of(root), 0700);
	assert_int_equal(mode_of(snap), 0700);
	/* containers' own volumes are theirs: left alone */
	assert_int_equal(mode_of(other), 0755);
	/* and a second init has nothing to change */
	assert_int_equal(s.ops->init(&s, err, sizeof(err)), 0);
	assert_int_equal(mode_of(root), 0700);

	/* .corral-snap as a symbolic link is refused, its target untouched */
	assert_int_equal(rmdir(snap), 0);
	assert_int_equal(symlink(other, snap), 0);
	assert_int_equal(s.ops->init(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, STORAGE_SNAPDIR));
	assert_int_equal(mode_of(other), 0755);
	assert_int_equal(unlink(snap), 0);

	/* a root that is a file is an error, not chmod'ed */
	assert_int_equal(rmdir(other), 0);
	assert_int_equal(rmdir(root), 0);
	assert_true(fclose(fopen(root, "w")) == 0);
	assert_int_equal(chmod(root, 0644), 0);
	assert_int_equal(s.ops->init(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(mode_of(root), 0644);
	assert_int_equal(unlink(root), 0);
	assert_int_equal(rmdir(tmp), 0);
	storage_free(&s);
}

/* A dir storage under a fresh tmp (its root tmp/root, set up and
 * initialised), and its removal once the test's volumes are gone. */
static void
dir_storage_up(char *tmp, char *root, size_t rootlen, struct storage *s)
{
	struct corral_conf c;
	char err[512];

	assert_non_null(mkdtemp(tmp));
	snprintf(root, rootlen, "%s/root", tmp);
	corral_conf_defaults(&c);
	snprintf(c.storage, sizeof(c.storage), "dir:%s", root);
	assert_int_equal(storage_setup(s, &c, err, sizeof(err)), 0);
	assert_int_equal(s->ops->init(s, err, sizeof(err)), 0);
}

static void
dir_storage_down(const char *tmp, const char *root, struct storage *s)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", root, STORAGE_SNAPDIR);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(rmdir(root), 0);
	assert_int_equal(rmdir(tmp), 0);
	storage_free(s);
}

/* A dir volume renamed (restore --force's swap): its content goes along,
 * never over an existing volume, even an empty one. */
static void
test_rename_dir(void **state)
{
	char tmp[] = "/tmp/corral-test-storage.XXXXXX", root[64], p[128],
	    err[512];
	struct storage s;
	(void)state;
	dir_storage_up(tmp, root, sizeof(root), &s);
	assert_int_equal(s.ops->create(&s, "a", 0, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/a/f", root);
	assert_true(fclose(fopen(p, "w")) == 0);
	assert_int_equal(s.ops->rename(&s, "a", "b", err, sizeof(err)), 0);
	assert_false(s.ops->exists(&s, "a"));
	assert_true(s.ops->exists(&s, "b"));
	snprintf(p, sizeof(p), "%s/b/f", root);
	assert_int_equal(access(p, F_OK), 0);
	/* over an existing volume: refused, both as they were */
	assert_int_equal(s.ops->create(&s, "c", 0, err, sizeof(err)), 0);
	assert_int_equal(s.ops->rename(&s, "b", "c", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	assert_int_equal(access(p, F_OK), 0);
	assert_true(s.ops->exists(&s, "c"));
	/* nothing to rename */
	assert_int_equal(s.ops->rename(&s, "a", "d", err, sizeof(err)), -1);
	assert_false(s.ops->exists(&s, "d"));
	assert_int_equal(s.ops->destroy(&s, "b", err, sizeof(err)), 0);
	assert_int_equal(s.ops->destroy(&s, "c", err, sizeof(err)), 0);
	dir_storage_down(tmp, root, &s);
}

/* mountinfo's lines: the mount point is the fifth field, its ' ', '\t',
 * '\n' and '\\' written \NNN in octal; a line that does not parse stops
 * the reading (never a guess at where a mount point is). */
static int
mountinfo_one(const char *text, char *buf, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = storage_mountinfo_next(f, buf, len);
	fclose(f);
	return r;
}

static void
test_mountinfo(void **state)
{
	static const char two[] =
	    "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw\n"
	    "37 36 0:40 / /s\\040p\\011t\\012n\\134b rw - tmpfs t rw";
	char buf[64];
	FILE *f;

	(void)state;
	f = fmemopen((void *)two, strlen(two), "r");
	assert_non_null(f);
	assert_int_equal(storage_mountinfo_next(f, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/mnt2");
	/* the last line without its newline */
	assert_int_equal(storage_mountinfo_next(f, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/s p\tt\nn\\b");
	assert_int_equal(storage_mountinfo_next(f, buf, sizeof(buf)), 0);
	fclose(f);
	assert_int_equal(mountinfo_one("", buf, sizeof(buf)), 0);
	/* cut short, a bad or NUL escape, not a path, too long */
	assert_int_equal(mountinfo_one("36 35 98:0 / /mnt\n", buf,
	    sizeof(buf)), -1);
	assert_int_equal(mountinfo_one("36 35 98:0 / /a\\04x rw\n", buf,
	    sizeof(buf)), -1);
	assert_int_equal(mountinfo_one("36 35 98:0 / /a\\000 rw\n", buf,
	    sizeof(buf)), -1);
	assert_int_equal(mountinfo_one("36 35 98:0 / a rw\n", buf,
	    sizeof(buf)), -1);
	assert_int_equal(mountinfo_one("36 35 98:0 / /mnt2 rw\n", buf, 5),
	    -1);
	assert_int_equal(mountinfo_one("36 35 98:0 / /mnt rw\n", buf, 5), 1);
	assert_string_equal(buf, "/mnt");
}

/* A dir volume with nothing mounted in it is no nested one; a directory
 * that is a mount point itself (/proc) counts (rm cannot remove it).  A
 * dir volume off btrfs holds no subvolume. */
static void
test_mounted_in(void **state)
{
	char tmp[] = "/tmp/corral-test-storage.XXXXXX", root[64], err[512];
	struct storage s;

	(void)state;
	dir_storage_up(tmp, root, sizeof(root), &s);
	assert_int_equal(s.ops->create(&s, "a", 0, err, sizeof(err)), 0);
	assert_int_equal(storage_volume_mounts(&s, "a", true, err,
	    sizeof(err)), 0);
	assert_int_equal(storage_volume_mounts(&s, "none", true, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "none"));
	assert_true(storage_mounted_in("its dir", "/proc", true, err,
	    sizeof(err)) >= 1);
	assert_non_null(strstr(err, "its dir /proc has "));
	assert_non_null(strstr(err, " mounted at /proc"));
	/* what is mounted beneath counts either way (/proc beneath /) */
	assert_true(storage_mounted_in("its dir", "/", false, err,
	    sizeof(err)) >= 1);
	assert_int_equal(storage_mounted_in("its dir", tmp, true, err,
	    sizeof(err)), 0);
	/* subvolumes: none off btrfs (the pool's storage.sh has them on
	 * btrfs), a volume that is not there an error naming it */
	assert_int_equal(storage_volume_subvols(&s, "a", err, sizeof(err)),
	    0);
	assert_int_equal(storage_volume_subvols(&s, "none", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/none: "));
	assert_int_equal(s.ops->destroy(&s, "a", err, sizeof(err)), 0);
	dir_storage_down(tmp, root, &s);
}

/* Parse text over the defaults with the backends' check. */
static int
parse_checked(const char *text, struct corral_conf *c, struct conf_err *err)
{
	corral_conf_defaults(c);
	memset(err, 0, sizeof(*err));
	return corral_conf_parse_mem_checked("t.conf", text, strlen(text), c,
	    storage_conf_check, err);
}

static void
expect_conf_error(const char *text, const char *where, const char *what)
{
	struct corral_conf c;
	struct conf_err err;

	if (parse_checked(text, &c, &err) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err.msg, where,
		    what);
}

/* corral.conf's storage keys, refused by the backends with file and line
 * as conf/ refuses the others. */
static void
test_conf_check(void **state)
{
	static const char *const keys[] = { "storage", "lvm_fs" };
	struct corral_conf c;
	struct conf_err err;
	char text[128];
	size_t i;

	(void)state;
	assert_int_equal(parse_checked("storage = lvm:vg0\nlvm_fs = xfs\n",
	    &c, &err), 0);
	assert_string_equal(c.storage, "lvm:vg0");
	assert_string_equal(c.lvm_fs, "xfs");
	assert_int_equal(parse_checked("storage = btrfs:/srv/corral\n", &c,
	    &err), 0);
	assert_string_equal(c.storage, "btrfs:/srv/corral");
	assert_int_equal(parse_checked("storage = dir:/\n", &c, &err), 0);
	assert_int_equal(parse_checked("lvm_fs = ext4\nport = 22\n", &c,
	    &err), 0);
	assert_int_equal(c.port, 22);

	expect_conf_error("storage = zfs:tank\n", "t.conf:1: ",
	    "storage: 'zfs:tank' is not lvm:VGNAME, btrfs:/abs/path or "
	    "dir:/abs/path");
	expect_conf_error("storage = lvm:\n", "t.conf:1: ", "storage");
	expect_conf_error("storage = lvm:-vg\n", "t.conf:1: ", "storage");
	expect_conf_error("storage = lvm:vg/0\n", "t.conf:1: ", "storage");
	expect_conf_error("storage = dir:srv\n", "t.conf:1: ", "storage");
	expect_conf_error("storage = btrfs:\n", "t.conf:1: ", "storage");
	expect_conf_error("storage = /srv\n", "t.conf:1: ", "storage");
	expect_conf_error("port = 1\nlvm_fs = btrfs\n", "t.conf:2: ",
	    "lvm_fs: 'btrfs' is not ext4 or xfs");
	/* what test_conf_corral.c's walk does for conf's own keys */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text), "\n\n%s = @junk!\n", keys[i]);
		expect_conf_error(text, "t.conf:3: ", keys[i]);
		snprintf(text, sizeof(text), "%s=\n", keys[i]);
		expect_conf_error(text, "t.conf:1: ", keys[i]);
	}
	/* unchecked, as the master and the CLI read it */
	corral_conf_defaults(&c);
	assert_int_equal(corral_conf_parse_mem("t.conf", "storage = zfs:x\n",
	    16, &c, &err), 0);
}

/* Each backend knows its lxc.rootfs.path values; bare paths are dir's. */
static void
test_rootfs(void **state)
{
	static const struct {
		const char *rootfs, *backend, *dir;
	} cases[] = {
		{ "lvm:/dev/vg0/web", "lvm", "" },
		{ "btrfs:/srv/ct/web", "btrfs", "/srv/ct/web" },
		{ "btrfs:srv", "btrfs", "" },
		{ "dir:/var/lib/lxc/w/rootfs", "dir", "/var/lib/lxc/w/rootfs" },
		{ "/var/lib/lxc/web/rootfs", "dir", "/var/lib/lxc/web/rootfs" },
		{ "overlay:/a:/b", "dir", "" },
		{ "", "dir", "" },
	};
	const struct storage_ops *ops;
	char dir[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ops = storage_of_rootfs(cases[i].rootfs, dir, sizeof(dir));
		assert_non_null(ops);
		assert_string_equal(ops->name, cases[i].backend);
		assert_string_equal(dir, cases[i].dir);
	}
}

static void
test_run_ok(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	char out[64], err[256] = "";

	(void)state;
	assert_int_equal(run_argv(argv, 10, out, sizeof(out), err,
	    sizeof(err)), 0);
	assert_string_equal(out, "out\n");
	/* stdout is cut, never overflowed */
	assert_int_equal(run_argv(argv, 10, out, 3, err, sizeof(err)), 0);
	assert_string_equal(out, "ou");
}

static void
test_run_fails(void **state)
{
	const char *fail[] = { "sh", "-c",
	    "echo first >&2; echo 'the reason' >&2; exit 5", NULL };
	const char *missing[] = { "corral-no-such-program", NULL };
	const char *meta[] = { "echo", "$(touch /tmp/x)", ";", "rm", NULL };
	char out[128], err[256];

	(void)state;
	assert_int_equal(run_argv(fail, 10, NULL, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "sh failed (exit 5): the reason");
	assert_int_equal(run_argv(missing, 10, NULL, 0, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "corral-no-such-program"));
	assert_non_null(strstr(err, "exit 127"));
	/* arguments are never seen by a shell */
	assert_int_equal(run_argv(meta, 10, out, sizeof(out), err,
	    sizeof(err)), 0);
	assert_string_equal(out, "$(touch /tmp/x) ; rm\n");
}

static void
test_run_timeout(void **state)
{
	const char *argv[] = { "sleep", "30", NULL };
	char err[256];
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(run_argv(argv, 1, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "killed"));
	assert_true(time(NULL) - t0 < 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dm_parse),
		cmocka_unit_test(test_dm_parse_junk),
		cmocka_unit_test(test_dm_name),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_init_private),
		cmocka_unit_test(test_rename_dir),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_mounted_in),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test(test_rootfs),
		cmocka_unit_test(test_run_ok),
		cmocka_unit_test(test_run_fails),
		cmocka_unit_test(test_run_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
