/* Unit tests: StrictModes-like checks on trusted files (proto/safe_open.c).
 *
 * The files live in a fresh directory under one that passes the checks
 * itself (/run as root, else $HOME): /tmp is world-writable and would
 * refuse everything.  Cases that need another owner run as root only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "safe_open.h"

#define OTHER_UID 4242

struct fx {
	char base[PATH_MAX];
	char err[512];
};

static void
path_of(struct fx *f, const char *rel, char *out, size_t len)
{
	assert_true((size_t)snprintf(out, len, "%s/%s", f->base, rel) < len);
}

static void
mkfile(struct fx *f, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	path_of(f, rel, p, sizeof(p));
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, "key\n", 4), 4);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void
mkdir_mode(struct fx *f, const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	path_of(f, rel, p, sizeof(p));
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void
mklink(struct fx *f, const char *target, const char *rel)
{
	char p[PATH_MAX];

	path_of(f, rel, p, sizeof(p));
	assert_int_equal(symlink(target, p), 0);
}

/* safe_open of base/rel: the descriptor (closed here) or -1 */
static int
try_open(struct fx *f, const char *rel, enum safe_kind kind)
{
	char p[PATH_MAX];
	int fd;

	path_of(f, rel, p, sizeof(p));
	f->err[0] = '\0';
	fd = safe_open(p, kind, f->err, sizeof(f->err));
	if (fd >= 0) {
		char buf[8] = { 0 };

		assert_int_equal(read(fd, buf, sizeof(buf)), 4);
		assert_string_equal(buf, "key\n");
		close(fd);
		return 0;
	}
	assert_non_null(strchr(f->err, ':'));
	assert_null(strchr(f->err, '\n'));
	return -1;
}

static void
assert_err_has(struct fx *f, const char *what)
{
	if (strstr(f->err, what) == NULL)
		fail_msg("error '%s' lacks '%s'", f->err, what);
}

static int
setup(void **state)
{
	static struct fx f;
	const char *home = getenv("HOME");
	const char *parent = geteuid() == 0 ? "/run" : home;

	memset(&f, 0, sizeof(f));
	if (parent == NULL)
		return -1;
	snprintf(f.base, sizeof(f.base), "%s/corral-safe-XXXXXX", parent);
	if (mkdtemp(f.base) == NULL)
		return -1;
	chmod(f.base, 0755);
	*state = &f;
	return 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	return nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_good_files(void **state)
{
	struct fx *f = *state;

	mkfile(f, "ak", 0644);
	assert_int_equal(try_open(f, "ak", SAFE_PUBLIC), 0);
	mkfile(f, "key", 0600);
	assert_int_equal(try_open(f, "key", SAFE_PRIVATE), 0);
	mkfile(f, "ro", 0400);
	assert_int_equal(try_open(f, "ro", SAFE_PRIVATE), 0);
	mkdir_mode(f, "d", 0700);
	mkfile(f, "d/ak", 0444);
	assert_int_equal(try_open(f, "d//./ak", SAFE_PUBLIC), 0);
}

/* The case: a world-writable authorized_keys was accepted. */
static void
test_writable_file_refused(void **state)
{
	struct fx *f = *state;

	mkfile(f, "ak", 0666);
	assert_int_equal(try_open(f, "ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "/ak: writable by group or others (mode 0666)");
	mkfile(f, "ak-g", 0664);
	assert_int_equal(try_open(f, "ak-g", SAFE_PUBLIC), -1);
	assert_err_has(f, "mode 0664");
}

static void
test_private_key_modes(void **state)
{
	struct fx *f = *state;

	mkfile(f, "k-g", 0640);
	assert_int_equal(try_open(f, "k-g", SAFE_PRIVATE), -1);
	assert_err_has(f, "/k-g: accessible by group or others (mode 0640); "
	    "chmod 600");
	mkfile(f, "k-o", 0604);
	assert_int_equal(try_open(f, "k-o", SAFE_PRIVATE), -1);
	/* a public file may be read by all */
	assert_int_equal(try_open(f, "k-o", SAFE_PUBLIC), 0);
}

static void
test_bad_directory_refused(void **state)
{
	struct fx *f = *state;

	mkdir_mode(f, "open", 0777);
	mkfile(f, "open/ak", 0644);
	assert_int_equal(try_open(f, "open/ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "/open/ak: directory ");
	assert_err_has(f, "/open is writable by group or others (mode 0777)");
	mkdir_mode(f, "sticky", 01777);
	mkfile(f, "sticky/ak", 0644);
	assert_int_equal(try_open(f, "sticky/ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "mode 1777");
	mkdir_mode(f, "grp", 0770);
	mkfile(f, "grp/ak", 0644);
	assert_int_equal(try_open(f, "grp/ak", SAFE_PUBLIC), -1);
}

static void
test_foreign_owner_refused(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	if (geteuid() != 0)
		skip();
	mkfile(f, "theirs", 0644);
	path_of(f, "theirs", p, sizeof(p));
	assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(try_open(f, "theirs", SAFE_PUBLIC), -1);
	assert_err_has(f, "/theirs: owned by uid 4242, not by root or uid 0");
	mkdir_mode(f, "their-dir", 0755);
	mkfile(f, "their-dir/ak", 0644);
	path_of(f, "their-dir", p, sizeof(p));
	assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(try_open(f, "their-dir/ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "/their-dir is owned by uid 4242");
}

/* Links are followed, and the directories of the link and of its target
 * are checked alike. */
static void
test_symlinks(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	mkfile(f, "real", 0644);
	mklink(f, "real", "rel-link");
	assert_int_equal(try_open(f, "rel-link", SAFE_PUBLIC), 0);
	path_of(f, "real", p, sizeof(p));
	mklink(f, p, "abs-link");
	assert_int_equal(try_open(f, "abs-link", SAFE_PUBLIC), 0);
	mkdir_mode(f, "sub", 0755);
	mklink(f, "../real", "sub/up-link");
	assert_int_equal(try_open(f, "sub/up-link", SAFE_PUBLIC), 0);
	mklink(f, "sub", "dir-link");
	mkfile(f, "sub/ak", 0644);
	assert_int_equal(try_open(f, "dir-link/ak", SAFE_PUBLIC), 0);

	/* the target in a writable directory */
	mkdir_mode(f, "open", 0777);
	mkfile(f, "open/ak", 0644);
	mklink(f, "open/ak", "to-open");
	assert_int_equal(try_open(f, "to-open", SAFE_PUBLIC), -1);
	assert_err_has(f, "/open is writable by group or others");
	/* the link itself in a writable directory: anyone could swap it */
	mklink(f, "../real", "open/link");
	assert_int_equal(try_open(f, "open/link", SAFE_PUBLIC), -1);
	assert_err_has(f, "/open is writable");
	/* a link to a writable file */
	mkfile(f, "loose", 0666);
	mklink(f, "loose", "to-loose");
	assert_int_equal(try_open(f, "to-loose", SAFE_PUBLIC), -1);
	assert_err_has(f, "/to-loose: writable by group or others");

	mklink(f, "loop-b", "loop-a");
	mklink(f, "loop-a", "loop-b");
	assert_int_equal(try_open(f, "loop-a", SAFE_PUBLIC), -1);
	assert_err_has(f, "symbolic links");
}

static void
test_missing_and_odd(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];

	assert_int_equal(try_open(f, "nothing", SAFE_PUBLIC), -1);
	path_of(f, "nothing", p, sizeof(p));
	assert_int_equal(safe_open(p, SAFE_PUBLIC, f->err, sizeof(f->err)),
	    -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(try_open(f, "no-dir/ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "No such file");

	mkdir_mode(f, "adir", 0755);
	assert_int_equal(try_open(f, "adir", SAFE_PUBLIC), -1);
	assert_err_has(f, "not a regular file");
	path_of(f, "fifo", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(try_open(f, "fifo", SAFE_PUBLIC), -1);
	assert_err_has(f, "not a regular file");
	mkfile(f, "plain", 0644);
	assert_int_equal(try_open(f, "plain/ak", SAFE_PUBLIC), -1);
	assert_err_has(f, "Not a directory");
	assert_int_equal(try_open(f, "plain/", SAFE_PUBLIC), -1);
	assert_err_has(f, "not a file name");
	assert_int_equal(safe_open("relative/ak", SAFE_PUBLIC, f->err,
	    sizeof(f->err)), -1);
	assert_err_has(f, "not an absolute path");
	assert_int_equal(safe_open("/", SAFE_PUBLIC, f->err, sizeof(f->err)),
	    -1);
}

static void
test_create(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	struct stat st;
	int fd;

	path_of(f, "new-key", p, sizeof(p));
	assert_true((fd = safe_create(p, 0600, f->err, sizeof(f->err))) >= 0);
	assert_int_equal(write(fd, "key\n", 4), 4);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(try_open(f, "new-key", SAFE_PRIVATE), 0);
	/* never over an existing file */
	assert_int_equal(safe_create(p, 0600, f->err, sizeof(f->err)), -1);
	assert_err_has(f, "File exists");
	/* nor in a directory others could write */
	mkdir_mode(f, "open", 0777);
	path_of(f, "open/new-key", p, sizeof(p));
	assert_int_equal(safe_create(p, 0600, f->err, sizeof(f->err)), -1);
	assert_err_has(f, "writable by group or others");
	assert_int_equal(access(p, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writable_file_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_key_modes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_directory_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_owner_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_odd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
