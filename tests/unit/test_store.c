/* Unit tests: the master's store, its manifest codec (master/store_mf.c),
 * version names (master/store_name.c) and what a version's config says
 * (master/store_conf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "store.h"
#include "store_mf.h"

static const char header[] =
    "corral-store-manifest 1\ncontainer web\nhost h1\nkind hot\n"
    "created 2024-05-01T12:34:56Z\nmethod links\nfiles %d\nbytes 5\n"
    "stored 5\nentries\n";
static const char hash64[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void
test_escape_every_byte(void **state)
{
	unsigned char all[256], back[256];
	char text[4 * 256 + 1];
	size_t i;
	ssize_t n;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	mem_escape(text, sizeof(text), all, sizeof(all));
	for (i = 0; text[i]; i++)
		assert_true(text[i] >= 0x20 && text[i] < 0x7f);
	n = mem_unescape(back, sizeof(back), text, strlen(text));
	assert_int_equal(n, 256);
	assert_memory_equal(back, all, 256);
	/* one reading only: no other spelling is accepted */
	assert_int_equal(mem_unescape(back, sizeof(back), "\\x41", 4), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "\\x5c", 4), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "\\xFF", 4), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "\\x0", 3), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "\\n", 2), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "a\tb", 3), -1);
	assert_int_equal(mem_unescape(back, 1, "ab", 2), -1);
	assert_int_equal(mem_unescape(back, sizeof(back), "\\\\", 2), 1);
	assert_int_equal(back[0], '\\');
}

/* Every byte but NUL and '/' in one path component, through a line. */
static void
test_path_every_byte(void **state)
{
	struct store_ent e, back;
	char line[STORE_MF_LINE_MAX], err[256];
	size_t i, n = 0;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.type = 'f';
	e.perm = 04755;
	e.uid = 4294967295u;
	e.gid = 12345;
	e.size = 3;
	e.mtime_sec = 1616821567;
	e.mtime_nsec = 123456789;
	memset(e.hash, 0xab, sizeof(e.hash));
	e.xattrs = 'x';
	memset(e.xhash, 0xcd, sizeof(e.xhash));
	memcpy(e.path, "rootfs/", 7);
	for (i = 1; i < 256; i++)
		if (i != '/')
			e.path[7 + n++] = (char)i;
	e.path[7 + n] = '\0';
	assert_int_equal(store_mf_format(&e, line, sizeof(line)), 0);
	assert_null(strchr(line, '\n'));
	assert_int_equal(store_mf_parse(line, STORE_MF_FORMAT, &back, err,
	    sizeof(err)), 0);
	assert_memory_equal(&back, &e, sizeof(e));
	/* spaces, leading and trailing, stay part of the last field */
	snprintf(e.path, sizeof(e.path), " a b /c ");
	assert_int_equal(store_mf_format(&e, line, sizeof(line)), 0);
	assert_int_equal(store_mf_parse(line, STORE_MF_FORMAT, &back, err,
	    sizeof(err)), 0);
	assert_string_equal(back.path, " a b /c ");
}

static void
test_every_type(void **state)
{
	static const char *const lines[] = {
		"d 0755 0 0 0 1616821567.123456789 - - rootfs",
		"f 0644 1 2 12 -86400.500000000 %s - rootfs/f",
		"l 0777 0 0 7 0.000000001 %s - rootfs/link",
		"c 0620 0 5 0 1.000000000 1,3 - rootfs/dev/null",
		"b 0660 0 6 0 1.000000000 4294967295,0 - rootfs/dev/b",
		"p 0600 0 0 0 1.000000000 - - rootfs/fifo",
		"s 0755 0 0 0 1.000000000 - - rootfs/sock",
		"f 4755 0 0 9 1.000000000 %s %s rootfs/bin/ping",
		"d 0755 0 0 0 1.000000000 - %s rootfs/acl",
	};
	char line[512], out[512], err[256];
	struct store_ent e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(line, sizeof(line), lines[i], hash64, hash64);
		assert_int_equal(store_mf_parse(line, STORE_MF_FORMAT, &e, err,
		    sizeof(err)), 0);
		assert_int_equal(store_mf_format(&e, out, sizeof(out)), 0);
		assert_string_equal(out, line);
	}
	snprintf(line, sizeof(line), lines[1], hash64);
	store_mf_parse(line, STORE_MF_FORMAT, &e, err, sizeof(err));
	assert_true(e.mtime_sec == -86400 && e.mtime_nsec == 500000000);
	assert_int_equal(e.xattrs, '-');
	store_mf_parse(lines[4], STORE_MF_FORMAT, &e, err, sizeof(err));
	assert_true(e.major == 4294967295u && e.minor == 0);
	snprintf(line, sizeof(line), lines[7], hash64, hash64);
	store_mf_parse(line, STORE_MF_FORMAT, &e, err, sizeof(err));
	assert_int_equal(e.xattrs, 'x');
	assert_int_equal(e.xhash[1], 0x11);
	/* format 1: no xattrs field, none known; its line is no format 2's */
	assert_int_equal(store_mf_parse("d 0755 0 0 0 1.000000000 - rootfs",
	    1, &e, err, sizeof(err)), 0);
	assert_int_equal(e.xattrs, 0);
	assert_string_equal(e.path, "rootfs");
	assert_int_equal(store_mf_format(&e, out, sizeof(out)), -1);
	assert_int_equal(store_mf_parse("d 0755 0 0 0 1.000000000 - rootfs",
	    STORE_MF_FORMAT, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "8 fields, want 9");
}

static void
test_bad_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"x 0644 0 0 0 1.000000000 - a",
		"d 644 0 0 0 1.000000000 - a",
		"d 0999 0 0 0 1.000000000 - a",
		"d 010000 0 0 0 1.000000000 - a",
		"d 0755 -1 0 0 1.000000000 - a",
		"d 0755 4294967296 0 0 1.000000000 - a",
		"d 0755 0 0 0 1.5 - a",
		"d 0755 0 0 0 -0.500000000 - a",
		"d 0755 0 0 0 1 - a",
		"d 0755 0 0 0 1.000000000 x a",
		"d 0755 0 0 0 1.000000000 -",
		"d 0755 0 0 0 1.000000000 - ",
		"d 0755 0 0 0 1.000000000 - /abs",
		"d 0755 0 0 0 1.000000000 - a//b",
		"d 0755 0 0 0 1.000000000 - a/",
		"d 0755 0 0 0 1.000000000 - a/../b",
		"d 0755 0 0 0 1.000000000 - ./a",
		"d 0755 0 0 0 1.000000000 - a\\x00b",
		"d 0755 0 0 0 1.000000000 - a\\x41",
		"d 0755 0 0 0 1.000000000 - a\\",
		"f 0644 0 0 0 1.000000000 0011 a",
		"f 0644 0 0 0 1.000000000 - a",
		"c 0644 0 0 0 1.000000000 1 a",
		"c 0644 0 0 0 1.000000000 1,x a",
		"d  0755 0 0 0 1.000000000 - a",
	};
	/* format 2's xattrs field */
	static const char *const bad2[] = {
		"d 0755 0 0 0 1.000000000 - a",
		"d 0755 0 0 0 1.000000000 - x a",
		"d 0755 0 0 0 1.000000000 - 0011 a",
		"d 0755 0 0 0 1.000000000 - -- a",
		"d 0755 0 0 0 1.000000000 - - ",
	};
	struct store_ent e;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (store_mf_parse(bad[i], 1, &e, err, sizeof(err)) == 0)
			fail_msg("accepted: '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
	for (i = 0; i < sizeof(bad2) / sizeof(bad2[0]); i++) {
		err[0] = '\0';
		if (store_mf_parse(bad2[i], STORE_MF_FORMAT, &e, err,
		    sizeof(err)) == 0)
			fail_msg("accepted: '%s'", bad2[i]);
		assert_true(err[0] != '\0');
	}
}

/* Read text as a manifest; the first error, or "" if it reads whole. */
static void
read_all(const char *text, char *err, size_t errlen, size_t *entries)
{
	struct store_mf_reader *r = malloc(sizeof(*r));
	struct store_ent e;
	FILE *f;
	int rc;

	assert_non_null(r);
	f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	err[0] = '\0';
	*entries = 0;
	if (store_mf_open(r, f, "manifest", err, errlen) == 0)
		while ((rc = store_mf_next(r, &e, err, errlen)) > 0)
			(*entries)++;
	fclose(f);
	free(r);
}

static void
test_reader(void **state)
{
	char text[4096], err[256], line[600];
	size_t n;

	(void)state;
	snprintf(line, sizeof(line), "f 0644 0 0 5 1.000000000 %s rootfs/a\n",
	    hash64);
	/* a good one: header, entries in order, end */
	snprintf(text, sizeof(text), header, 4);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\n");
	strcat(text, line);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a-b\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a/b\n");
	strcat(text, "end\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:14: out of order");
	/* a/b comes before a-b: '/' sorts lowest */
	snprintf(text, sizeof(text), header, 4);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a/b\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a-b\n");
	strcat(text, "end\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "");
	assert_int_equal(n, 4);
	/* a malformed entry, named with its line */
	snprintf(text, sizeof(text), header, 2);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/\\xzz\n");
	strcat(text, "end\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:12: bad path");
	/* counts, end, what follows it, a cut line */
	snprintf(text, sizeof(text), header, 2);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\nend\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:12: 1 entries, the header says 2");
	snprintf(text, sizeof(text), header, 1);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:11: cut short: no 'end'");
	snprintf(text, sizeof(text), header, 1);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs\nend\nmore\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:13: text after 'end'");
	snprintf(text, sizeof(text), header, 1);
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:11: no newline at the end (cut "
	    "short?)");
	/* the header: magic, each key in its place, valid values */
	read_all("corral-store-manifest 3\n", err, sizeof(err), &n);
	assert_string_equal(err, "manifest:1: not a manifest of format 1 to 2");
	/* format 2: the same, with the xattrs field */
	snprintf(text, sizeof(text), header, 2);
	memcpy(strstr(text, "manifest 1"), "manifest 2", 10);
	strcat(text, "d 0755 0 0 0 1.000000000 - - rootfs\n");
	strcat(text, "d 0755 0 0 0 1.000000000 - rootfs/a\n");
	strcat(text, "end\n");
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:12: 8 fields, want 9");
	snprintf(text, sizeof(text), header, 0);
	memcpy(strstr(text, "kind hot"), "kind hat", 8);
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:4: want a valid 'kind' line");
	snprintf(text, sizeof(text), header, 0);
	memcpy(strstr(text, "12:34:56Z"), "12:34:56 ", 9);
	read_all(text, err, sizeof(err), &n);
	assert_string_equal(err, "manifest:5: want a valid 'created' line");
	read_all("corral-store-manifest 1\nhost h1\n", err, sizeof(err), &n);
	assert_string_equal(err, "manifest:2: want a valid 'container' line");
}

static void
test_header_round_trip(void **state)
{
	struct store_mf_header h = {
		.container = "web", .host = "h\n1 \\x", .kind = STORE_GET,
		.method = STORE_REFLINK, .created = 1714566896, .files = 0,
		.bytes = 7, .stored = 3,
	};
	struct store_mf_reader *r = malloc(sizeof(*r));
	struct store_ent e;
	char buf[1024], err[256];
	FILE *f;

	(void)state;
	assert_non_null(r);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(store_mf_write_header(f, &h), 0);
	fputs("end\n", f);
	fclose(f);
	f = fmemopen(buf, strlen(buf), "r");
	assert_int_equal(store_mf_open(r, f, "m", err, sizeof(err)), 0);
	assert_string_equal(r->h.host, "h\n1 \\x");
	assert_string_equal(r->h.container, "web");
	assert_int_equal(r->h.kind, STORE_GET);
	assert_int_equal(r->h.method, STORE_REFLINK);
	assert_true(r->h.created == 1714566896);
	assert_true(r->h.bytes == 7 && r->h.stored == 3);
	assert_int_equal(store_mf_next(r, &e, err, sizeof(err)), 0);
	fclose(f);
	free(r);
}

static void
test_path_order(void **state)
{
	(void)state;
	assert_true(store_path_cmp("a", "a/b") < 0);
	assert_true(store_path_cmp("a/b", "a-c") < 0);
	assert_true(store_path_cmp("a/b", "a b") < 0);
	assert_true(store_path_cmp("a/z", "a0") < 0);
	assert_true(store_path_cmp("a/b", "a/c") < 0);
	assert_true(store_path_cmp("a\xff", "a/b") > 0);
	assert_int_equal(store_path_cmp("x/y", "x/y"), 0);
}

static void
test_version_names(void **state)
{
	char buf[STORE_VERSION_MAX];
	time_t t;
	unsigned n;

	(void)state;
	assert_int_equal(store_version_name(1714566896, 1, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "20240501T123456Z");
	assert_int_equal(store_version_name(1714566896, 12, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "20240501T123456Z-12");
	assert_int_equal(store_version_name(1714566896, 0, buf, sizeof(buf)),
	    -1);
	assert_int_equal(store_version_name(1714566896, 2, buf, 17), -1);
	assert_true(store_version_parse("20240501T123456Z-12", &t, &n));
	assert_true(t == 1714566896 && n == 12);
	assert_true(store_version_parse("20240501T123456Z", &t, &n));
	assert_int_equal(n, 1);
	/* one spelling per version */
	assert_false(store_version_parse("20240501T123456Z-1", &t, &n));
	assert_false(store_version_parse("20240501T123456Z-01", &t, &n));
	assert_false(store_version_parse("20240501T123456Z-", &t, &n));
	assert_false(store_version_parse("20240230T000000Z", &t, &n));
	assert_false(store_version_parse("20240501T123456", &t, &n));
	assert_false(store_version_parse("20240501T123456Zx", &t, &n));
	assert_false(store_version_parse("20240501T123456Z-2x", &t, &n));
	assert_false(store_version_parse(".incoming", &t, &n));
	assert_false(store_version_parse("20240501T123456Z.verified", &t, &n));
	/* creation order; numbers as numbers; other names last */
	assert_true(store_version_cmp("20240501T123456Z",
	    "20240501T123456Z-2") < 0);
	assert_true(store_version_cmp("20240501T123456Z-2",
	    "20240501T123456Z-10") < 0);
	assert_true(store_version_cmp("20240501T123456Z-10",
	    "20240501T123457Z") < 0);
	assert_true(store_version_cmp("20991231T235959Z", "x") < 0);
	assert_int_equal(store_version_cmp("20240501T123456Z",
	    "20240501T123456Z"), 0);
}

static void
test_iso_time(void **state)
{
	char buf[32];
	time_t t;

	(void)state;
	store_iso_time(1714566896, buf);
	assert_string_equal(buf, "2024-05-01T12:34:56Z");
	assert_int_equal(store_iso_parse(buf, &t), 0);
	assert_true(t == 1714566896);
	assert_int_equal(store_iso_parse("2024-05-01T12:34:56", &t), -1);
	assert_int_equal(store_iso_parse("2024-5-01T12:34:56Z", &t), -1);
	assert_int_equal(store_iso_parse("2024-02-30T12:34:56Z", &t), -1);
}

/* The memory limit of a version's config, as LXC and the kernel read
 * it: a key's last line, blanks and quotes around the value, the
 * kernel's suffixes; the larger of the v2 and v1 keys; none, "max", "-1",
 * junk, an overflow, a look-alike key or a comment: 0. */
static void
test_conf_mem_limit(void **state)
{
	(void)state;
	assert_int_equal(store_conf_mem_limit(""), 0);
	assert_int_equal(store_conf_mem_limit("lxc.uts.name = a\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 1048576\n"), 1048576);
	assert_int_equal(store_conf_mem_limit(
	    "\tlxc.cgroup2.memory.max=512M"), 512ULL << 20);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = '2g' \r\n"), 2ULL << 30);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup.memory.limit_in_bytes = \"64k\"\n"), 64ULL << 10);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup.memory.limit_in_bytes = 1T\n"), 1ULL << 40);
	/* the last line of a key counts; a CR ends a line */
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 4096\rlxc.cgroup2.memory.max = 8192"),
	    8192);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 4096\nlxc.cgroup2.memory.max = max\n"),
	    0);
	/* both hierarchies' keys: the larger */
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup.memory.limit_in_bytes = 3000\n"
	    "lxc.cgroup2.memory.max = 2000\n"), 3000);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup.memory.limit_in_bytes = -1\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 12x\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 1 2\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 99999999999999999999\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 99999999999999T\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.maxx = 4096\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "# lxc.cgroup2.memory.max = 4096\n"), 0);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max 4096\n"), 0);
	/* hex and octal as the kernel's memparse takes them (the limit the
	 * container gets), conf_parse_memsize */
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 0x20000000\n"), 512ULL << 20);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup.memory.limit_in_bytes = '0x40M'\n"), 64ULL << 20);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 0100000\n"), 32768);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 1P\n"), 1ULL << 50);
	assert_int_equal(store_conf_mem_limit(
	    "lxc.cgroup2.memory.max = 09\n"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_mem_limit),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_path_every_byte),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_path_order),
		cmocka_unit_test(test_version_names),
		cmocka_unit_test(test_iso_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
