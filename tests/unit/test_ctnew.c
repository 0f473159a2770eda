/* Unit tests: a hostile CT_NEW (slave/ctnew_files.c).  The slave checks
 * every value the master sends again, and writes into a new root file
 * system without following the links planted there. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctnew.h"

static struct msg_new_req
good(void)
{
	struct msg_new_req q;

	memset(&q, 0, sizeof(q));
	snprintf(q.ct, sizeof(q.ct), "web");
	snprintf(q.addr, sizeof(q.addr), "10.215.0.20/16");
	snprintf(q.gateway, sizeof(q.gateway), "10.215.0.1");
	snprintf(q.link, sizeof(q.link), "ctbr0");
	snprintf(q.domain, sizeof(q.domain), "pool.test");
	snprintf(q.ns, sizeof(q.ns), "10.215.0.1 2001:db8::53");
	return q;
}

/* q with one field replaced: refused, err naming it */
static void
refused(const char *field, const char *val, const char *want)
{
	struct msg_new_req q = good();
	char err[256] = "";
	struct { const char *name; char *f; size_t size; } fields[] = {
		{ "addr", q.addr, sizeof(q.addr) },
		{ "gateway", q.gateway, sizeof(q.gateway) },
		{ "link", q.link, sizeof(q.link) },
		{ "domain", q.domain, sizeof(q.domain) },
		{ "ns", q.ns, sizeof(q.ns) },
	};
	size_t i;

	for (i = 0; strcmp(fields[i].name, field) != 0; i++)
		;
	assert_true(strlen(val) < fields[i].size);
	snprintf(fields[i].f, fields[i].size, "%s", val);
	if (ctnew_check(&q, err, sizeof(err)) == 0)
		fail_msg("%s '%s' accepted", field, val);
	if (strstr(err, want) == NULL)
		fail_msg("%s '%s': said '%s', not '%s'", field, val, err, want);
}

static void
test_check(void **state)
{
	struct msg_new_req q = good();
	char err[256];

	(void)state;
	assert_int_equal(ctnew_check(&q, err, sizeof(err)), 0);
	q.domain[0] = q.ns[0] = '\0';
	assert_int_equal(ctnew_check(&q, err, sizeof(err)), 0);

	/* a newline in any value would be a config line of its own */
	refused("addr", "10.215.0.20/16\nlxc.hook.start=/x", "not ADDRESS/PREFIX");
	refused("addr", "10.215.0.20", "not ADDRESS/PREFIX");
	refused("addr", "10.215.0.20/33", "not ADDRESS/PREFIX");
	refused("addr", "2001:db8::5/129", "not ADDRESS/PREFIX");
	refused("addr", "web/16", "not ADDRESS/PREFIX");
	refused("gateway", "10.215.0.1\nlxc.x=y", "gateway");
	refused("gateway", "", "gateway");
	refused("link", "br0\nlxc.x=/", "interface name");
	refused("link", "br0=x", "interface name");
	refused("link", "br 0", "interface name");
	refused("link", "../br", "interface name");
	refused("domain", "pool.test\nnameserver 6.6.6.6", "not a domain");
	refused("domain", "pool test", "not a domain");
	refused("ns", "10.215.0.1\nsearch evil", "name servers");
	refused("ns", "10.215.0.1 evil.example", "name servers");
	refused("ns", "10.215.0.1;reboot", "name servers");
	refused("ns", "10.215.0.1 a\nsearch", "name servers");
}

/* a scratch root file system: root/etc/init.d/rcS as busybox's template
 * writes it, and a host file outside it that must stay untouched */
struct scratch {
	char dir[128], root[160], host[160];
};

static void
scratch_make(struct scratch *s)
{
	char p[256];
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "%s/corral-ctnew-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->root, sizeof(s->root), "%s/root", s->dir);
	snprintf(s->host, sizeof(s->host), "%s/host-file", s->dir);
	assert_int_equal(mkdir(s->root, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", s->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/init.d", s->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/init.d/rcS", s->root);
	assert_non_null(f = fopen(p, "w"));
	fputs("#!/bin/sh\n/bin/udhcpc\n/bin/syslogd\n", f);
	fclose(f);
	assert_non_null(f = fopen(s->host, "w"));
	fputs("root:secret\n", f);
	fclose(f);
}

static void
scratch_remove(struct scratch *s)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

static void
read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
host_untouched(const struct scratch *s)
{
	char buf[64];

	read_file(s->host, buf, sizeof(buf));
	assert_string_equal(buf, "root:secret\n");
}

/* in a plain tree: resolv.conf written, rcS without its DHCP client */
static void
test_files(void **state)
{
	struct msg_new_req q = good();
	struct scratch s;
	char p[256], buf[512], err[256];

	(void)state;
	scratch_make(&s);
	assert_int_equal(ctnew_write_files(s.root, &q, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/etc/resolv.conf", s.root);
	read_file(p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "search pool.test\n"));
	assert_non_null(strstr(buf, "nameserver 10.215.0.1\n"));
	assert_non_null(strstr(buf, "nameserver 2001:db8::53\n"));
	snprintf(p, sizeof(p), "%s/etc/init.d/rcS", s.root);
	read_file(p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "# corral: static address: /bin/udhcpc\n"));
	assert_non_null(strstr(buf, "\n/bin/syslogd\n"));
	scratch_remove(&s);
}

/* links planted at etc/resolv.conf and etc/init.d/rcS: replaced or
 * passed over, never written through */
static void
test_file_links(void **state)
{
	struct msg_new_req q = good();
	struct scratch s;
	char p[256], err[256];
	struct stat st;

	(void)state;
	scratch_make(&s);
	snprintf(p, sizeof(p), "%s/etc/resolv.conf", s.root);
	assert_int_equal(symlink(s.host, p), 0);
	snprintf(p, sizeof(p), "%s/etc/init.d/rcS", s.root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(s.host, p), 0);
	assert_int_equal(ctnew_write_files(s.root, &q, err, sizeof(err)), 0);
	host_untouched(&s);
	snprintf(p, sizeof(p), "%s/etc/resolv.conf", s.root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));       /* the link replaced */
	snprintf(p, sizeof(p), "%s/etc/init.d/rcS", s.root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));       /* passed over */
	scratch_remove(&s);
}

/* links planted at etc and at etc/init.d: etc refused, init.d passed
 * over; nothing written outside the tree */
static void
test_dir_links(void **state)
{
	struct msg_new_req q = good();
	struct scratch s;
	char p[512], out[256], err[512];
	struct stat st;

	(void)state;
	scratch_make(&s);
	snprintf(out, sizeof(out), "%s/outside", s.dir);
	assert_int_equal(mkdir(out, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/init.d/rcS", s.root);
	assert_int_equal(rename(p, strcat(strcpy(err, out), "/rcS")), 0);
	snprintf(p, sizeof(p), "%s/etc/init.d", s.root);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(symlink(out, p), 0);
	assert_int_equal(ctnew_write_files(s.root, &q, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/rcS", out);
	read_file(p, err, sizeof(err));
	assert_null(strstr(err, "corral"));     /* not rewritten */

	snprintf(p, sizeof(p), "%s/etc", s.root);
	assert_int_equal(system(strcat(strcpy(err, "rm -rf "), p)), 0);
	assert_int_equal(symlink(out, p), 0);
	err[0] = '\0';
	assert_int_equal(ctnew_write_files(s.root, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/etc: "));
	snprintf(p, sizeof(p), "%s/resolv.conf", out);
	assert_int_equal(lstat(p, &st), -1);
	host_untouched(&s);
	scratch_remove(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_file_links),
		cmocka_unit_test(test_dir_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
