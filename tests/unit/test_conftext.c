/* Unit tests: an LXC config between this host's paths and the host-neutral
 * form it travels in (slave/conftext.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conftext.h"

#define CTDIR  "/var/lib/lxc/web"
#define ROOTFS "dir:/srv/corral/web"

/* a busybox template's config, as LXC and pool.sh leave it, with lines
 * of this host (fstab, log, hook) and lines that merely name it */
static const char host_cfg[] =
    "# Template used to create this container: busybox\n"
    "lxc.rootfs.path = " ROOTFS "\n"
    "lxc.signal.halt = SIGUSR1\n"
    "lxc.uts.name = \"web\"\n"
    "\n"
    "  # indented comment naming " CTDIR "/fstab\n"
    "lxc.mount.fstab = " CTDIR "/fstab\n"
    "lxc.log.file=\"" CTDIR "/web.log\"\n"
    "lxc.hook.pre-start = " CTDIR "/hook arg\n"
    "lxc.mount.entry = /data " CTDIR "/x none bind 0 0\n"
    "lxc.mount.entry = " CTDIR "2/shared mnt none bind 0 0\n"
    "lxc.net.0.ipv4.address = 10.214.1.10/24\n"
    "lxc.include = /usr/share/lxc/config/common.conf";   /* no newline */

static const char neutral_cfg[] =
    "# Template used to create this container: busybox\n"
    "lxc.rootfs.path = @ROOTFS@\n"
    "lxc.signal.halt = SIGUSR1\n"
    "lxc.uts.name = \"web\"\n"
    "\n"
    "  # indented comment naming " CTDIR "/fstab\n"
    "lxc.mount.fstab = @CTDIR@/fstab\n"
    "lxc.log.file=\"@CTDIR@/web.log\"\n"
    "lxc.hook.pre-start = @CTDIR@/hook arg\n"
    "lxc.mount.entry = /data " CTDIR "/x none bind 0 0\n"
    "lxc.mount.entry = " CTDIR "2/shared mnt none bind 0 0\n"
    "lxc.net.0.ipv4.address = 10.214.1.10/24\n"
    "lxc.include = /usr/share/lxc/config/common.conf";

static const struct conftext_local here = { .rootfs = ROOTFS,
    .ctdir = CTDIR, .uts_name = NULL };

/* Only the host's own values change; comments, a value that names the
 * directory elsewhere, a sibling directory whose name starts alike and
 * a last line without a newline are kept byte for byte. */
static void
test_neutralise(void **state)
{
	char out[4096], err[256];

	(void)state;
	assert_int_equal(conftext_neutralise(host_cfg, CTDIR, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, neutral_cfg);
}

static void
test_round_trip(void **state)
{
	char out[4096], back[4096], err[256];

	(void)state;
	assert_int_equal(conftext_neutralise(host_cfg, CTDIR, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(conftext_localise(out, &here, back, sizeof(back),
	    err, sizeof(err)), 0);
	assert_string_equal(back, host_cfg);
}

/* Another host, another name: its paths, lxc.uts.name follows the name,
 * every line it does not own as it was. */
static void
test_localise_elsewhere(void **state)
{
	struct conftext_local there = { .rootfs = "lvm:/dev/vg0/web2",
	    .ctdir = "/lxc/web2", .uts_name = "web2" };
	char out[4096], err[256];
	static const char want[] =
	    "# Template used to create this container: busybox\n"
	    "lxc.rootfs.path = lvm:/dev/vg0/web2\n"
	    "lxc.signal.halt = SIGUSR1\n"
	    "lxc.uts.name = web2\n"
	    "\n"
	    "  # indented comment naming " CTDIR "/fstab\n"
	    "lxc.mount.fstab = /lxc/web2/fstab\n"
	    "lxc.log.file=\"/lxc/web2/web.log\"\n"
	    "lxc.hook.pre-start = /lxc/web2/hook arg\n"
	    "lxc.mount.entry = /data " CTDIR "/x none bind 0 0\n"
	    "lxc.mount.entry = " CTDIR "2/shared mnt none bind 0 0\n"
	    "lxc.net.0.ipv4.address = 10.214.1.10/24\n"
	    "lxc.include = /usr/share/lxc/config/common.conf";

	(void)state;
	assert_int_equal(conftext_localise(neutral_cfg, &there, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, want);
}

static void
test_localise_refusals(void **state)
{
	char out[4096], err[256];

	(void)state;
	/* no rootfs line: the container would not run on its volume */
	assert_int_equal(conftext_localise("lxc.uts.name = a\n", &here, out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lxc.rootfs.path"));
	/* a host's own rootfs: not host-neutral */
	assert_int_equal(conftext_localise("lxc.rootfs.path = /x\n", &here,
	    out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not host-neutral"));
	/* placeholders in a host's config cannot be told from ours */
	assert_int_equal(conftext_neutralise("lxc.x = @CTDIR@/y\n", CTDIR,
	    out, sizeof(out), err, sizeof(err)), -1);
}

/* Bounded: a result that does not fit is refused, not cut. */
static void
test_bounded(void **state)
{
	char small[64], err[256];
	char *big;
	size_t i;

	(void)state;
	assert_int_equal(conftext_neutralise(host_cfg, CTDIR, small,
	    sizeof(small), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "over 63 bytes"));
	/* @ROOTFS@ is longer than a short path: the bound is the result's */
	assert_int_equal(conftext_neutralise("lxc.rootfs.path = /r\n", CTDIR,
	    small, 27, err, sizeof(err)), -1);
	assert_int_equal(conftext_neutralise("lxc.rootfs.path = /r\n", CTDIR,
	    small, 28, err, sizeof(err)), 0);
	assert_non_null(big = malloc(70000));
	for (i = 0; i + 1 < 70000; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[i] = '\0';
	assert_int_equal(conftext_localise(big, &here, small, sizeof(small),
	    err, sizeof(err)), -1);
	free(big);
}

static void
test_get(void **state)
{
	char v[256];

	(void)state;
	assert_int_equal(conftext_get(host_cfg, "lxc.rootfs.path", v,
	    sizeof(v)), 0);
	assert_string_equal(v, ROOTFS);
	assert_int_equal(conftext_get(host_cfg, "lxc.uts.name", v,
	    sizeof(v)), 0);
	assert_string_equal(v, "web");
	assert_int_equal(conftext_get(host_cfg, "lxc.log.file", v,
	    sizeof(v)), 0);
	assert_string_equal(v, CTDIR "/web.log");
	/* the last line counts, as in LXC */
	assert_int_equal(conftext_get("a = 1\n a=2 \n", "a", v, sizeof(v)),
	    0);
	assert_string_equal(v, "2");
	assert_int_equal(conftext_get(host_cfg, "lxc.nothing", v, sizeof(v)),
	    0);
	assert_string_equal(v, "");
	assert_int_equal(conftext_get(host_cfg, "lxc.rootfs.path", v, 4), -1);
}

/* A CR ends a line, as LXC (4 and later) reads it: a line hidden behind
 * one is seen, and CRLF lines come back byte for byte. */
static void
test_cr_lines(void **state)
{
	char out[4096], back[4096], err[256], v[64];
	static const char crlf[] =
	    "lxc.rootfs.path = " ROOTFS "\r\n"
	    "lxc.log.file = " CTDIR "/l\r\n";

	(void)state;
	/* LXC takes the last rootfs: "/" here, the host's own root */
	assert_int_equal(conftext_localise("lxc.rootfs.path = @ROOTFS@\n"
	    "lxc.uts.name = x\rlxc.rootfs.path = /\n", &here, out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not host-neutral: lxc.rootfs.path = /"));
	assert_int_equal(conftext_get("lxc.uts.name = a\rlxc.uts.name = b",
	    "lxc.uts.name", v, sizeof(v)), 0);
	assert_string_equal(v, "b");
	assert_int_equal(conftext_neutralise(crlf, CTDIR, out, sizeof(out),
	    err, sizeof(err)), 0);
	assert_string_equal(out, "lxc.rootfs.path = @ROOTFS@\r\n"
	    "lxc.log.file = @CTDIR@/l\r\n");
	assert_int_equal(conftext_localise(out, &here, back, sizeof(back),
	    err, sizeof(err)), 0);
	assert_string_equal(back, crlf);
}

/* Keys that make LXC run a command on the host, and keys that do not:
 * every hook, a network script at any index (and LXC 4's prefix forms),
 * nothing else; LXC's keys are case-sensitive. */
static void
test_host_command_keys(void **state)
{
	static const char *const yes[] = {
		"lxc.hook.pre-start", "lxc.hook.pre-mount", "lxc.hook.mount",
		"lxc.hook.autodev", "lxc.hook.start", "lxc.hook.start-host",
		"lxc.hook.stop", "lxc.hook.post-stop", "lxc.hook.clone",
		"lxc.hook.destroy", "lxc.hook.version", "lxc.hook",
		"lxc.hookXpre-start", "lxc.hook.anything",
		"lxc.net.0.script.up", "lxc.net.0.script.down",
		"lxc.net.12.script.up", "lxc.net.0x1.script.down",
		"lxc.net.0.script.upX", "lxc.net.script.up",
		"lxc.network.script.up", "lxc.network.script.down",
		"lxc.network.0.script.up",
	};
	static const char *const no[] = {
		"lxc.hoo", "LXC.HOOK.PRE-START", "lxc.Hook.start", "xlxc.hook",
		"lxc.net.0.link", "lxc.net.0.type", "lxc.net.0.veth.pair",
		"lxc.net.0.ipv4.address", "lxc.net.0.script", "lxc.net.0",
		"lxc.net", "lxc.net.", "lxc.net..script.up",
		"lxc.net.0.1.script.up", "lxc.net.0.SCRIPT.UP",
		"lxc.netscript.up", "lxc.network.type", "lxc.mount.entry",
		"lxc.include", "lxc.init.cmd", "lxc.uts.name", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!conftext_host_command_key(yes[i], strlen(yes[i])))
			fail_msg("%s not taken for a host command", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (conftext_host_command_key(no[i], strlen(no[i])))
			fail_msg("%s taken for a host command", no[i]);
	/* n bounds the key: a prefix of one is not one */
	assert_false(conftext_host_command_key("lxc.hook.start", 7));
	assert_true(conftext_host_command_key("lxc.hook.start", 8));
}

/* The first such key of a config, found in lines as LXC reads them:
 * indented, without blanks around '=', after a CR; never in a comment,
 * a value or a line without '='. */
static void
test_host_command(void **state)
{
	char k[64];

	(void)state;
	/* a carried config is neutral: in the host's form, the log names
	 * this host's directory, a host file */
	assert_int_equal(conftext_host_command(host_cfg, k, sizeof(k)), 2);
	assert_int_equal(conftext_host_command(neutral_cfg, k, sizeof(k)), 1);
	assert_string_equal(k, "lxc.hook.pre-start");
	assert_int_equal(conftext_host_command(
	    "lxc.rootfs.path = @ROOTFS@\n"
	    "# lxc.hook.pre-start = /bin/sh\n"
	    "lxc.uts.name = lxc.hook.pre-start\n"
	    "lxc.net.0.name = lxc.net.0.script.up\n"
	    "lxc.hook.mount\n"
	    "LXC.HOOK.START = /bin/sh\n"
	    "lxc.net.0.link = br0", k, sizeof(k)), 0);
	assert_int_equal(conftext_host_command("lxc.uts.name = a\n"
	    "\t lxc.net.3.script.down=/bin/sh -c x\n"
	    "lxc.hook.start = /x\n", k, sizeof(k)), 1);
	assert_string_equal(k, "lxc.net.3.script.down");
	assert_int_equal(conftext_host_command("lxc.uts.name = a\r"
	    "  lxc.hook.start-host\t=\t/x", k, sizeof(k)), 1);
	assert_string_equal(k, "lxc.hook.start-host");
	/* cut to the buffer, never over it */
	assert_int_equal(conftext_host_command("lxc.hook.post-stop = /x\n", k,
	    9), 1);
	assert_string_equal(k, "lxc.hook");
	assert_int_equal(conftext_host_command("lxc.hook.stop=x", NULL, 0), 1);
	assert_int_equal(conftext_host_command("", k, sizeof(k)), 0);
}

/* Files of the host LXC reads as config or writes as root: an include
 * outside LXC's own directory, a log outside the container's, or either
 * through "..", refused ("key = value" named); LXC's own includes and
 * logs in the container's directory, quoted or not, kept. */
static void
test_host_files(void **state)
{
	static const char *const yes[] = {
	    "lxc.include = /var/lib/lxc/web/rootfs/evil.conf",
	    "lxc.include = @CTDIR@/rootfs/evil.conf",
	    "lxc.include = /usr/share/lxc/config/../../../tmp/x.conf",
	    "lxc.include = /usr/share/lxc/configX/common.conf",
	    "lxc.include =",
	    "lxc.log.file = /etc/cron.d/x",
	    "lxc.log.file = @CTDIR@/../../../etc/cron.d/x",
	    "lxc.logfile = /etc/cron.d/x",
	    "lxc.console.logfile = /root/.bashrc",
	    "  lxc.console.buffer.logfile=/etc/profile",
	    "lxc.console.logfile = @CTDIR@/config",
	    "lxc.console.logfile = @CTDIR@/config.rename-x",
	    "lxc.console.logfile = @CTDIR@/config.rename-web.log",
	    "lxc.log.file = @CTDIR@/config.log",
	    "lxc.log.file = @CTDIR@/rootfs/x.log",
	    "lxc.log.file = @CTDIR@/.log",
	    "lxc.includeX = /usr/share/lxc/config/common.conf",
	    "lxc.rootfs.pathX = /",
	    "lxc.log.fileX = @CTDIR@/web.log2",
	};
	static const char *const no[] = {
	    "lxc.include = /usr/share/lxc/config/common.conf",
	    "lxc.include = /usr/share/lxc/config/common.conf.d/",
	    "lxc.log.file = @CTDIR@/web.log",
	    "lxc.log.file = \"@CTDIR@/web.log\"",
	    "lxc.console.logfile = @CTDIR@/console..log",
	    "lxc.rootfs.path = @ROOTFS@",
	    "lxc.log.level = 1", "lxc.mount.entry = /x y none bind 0 0",
	};
	char k[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (conftext_host_command(yes[i], k, sizeof(k)) != 2)
			fail_msg("%s not taken for a host file", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (conftext_host_command(no[i], k, sizeof(k)) != 0)
			fail_msg("%s taken for a host file", no[i]);
	assert_int_equal(conftext_host_command("lxc.uts.name = a\n"
	    "lxc.log.file = /etc/cron.d/x\n", k, sizeof(k)), 2);
	assert_string_equal(k, "lxc.log.file = /etc/cron.d/x");
	/* the neutral config's log and include are kept: its hook is it */
	assert_int_equal(conftext_host_command(neutral_cfg, k, sizeof(k)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neutralise),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_localise_elsewhere),
		cmocka_unit_test(test_localise_refusals),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_cr_lines),
		cmocka_unit_test(test_host_command_keys),
		cmocka_unit_test(test_host_command),
		cmocka_unit_test(test_host_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
