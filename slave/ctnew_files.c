/* corral-slave: CT_NEW's checks of the master's values and the files it
 * writes into a new root file system (ctnew.h).  The root file system is
 * the container's ground even before it first runs: nothing here follows a
 * link in it. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "ctnew.h"

#define RCS_MAX (64 * 1024)

/* rootfs/etc, held without following a link (the template made it, but a
 * root file system is the container's ground) */
static int
open_etc(const char *rootfs, char *err, size_t errlen)
{
	int root, etc;

	if ((root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", rootfs, strerror(errno));
		return -1;
	}
	etc = openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (etc < 0)
		snprintf(err, errlen, "%s/etc: %s", rootfs, strerror(errno));
	close(root);
	return etc;
}

/* dirfd/name replaced by text (a link there is replaced, not followed) */
static int
write_at(int dirfd, const char *name, const char *text, mode_t mode,
    char *err, size_t errlen)
{
	size_t len = strlen(text);
	int fd;

	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		goto bad;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0)
		goto bad;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		goto bad;
	}
	if (close(fd) != 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "etc/%s: %s", name, strerror(errno));
	return -1;
}

/* The next space-separated word of *s into out (cap bytes); false at the
 * end or for a word too long. */
static bool
next_word(const char **s, char *out, size_t cap)
{
	size_t n;

	*s += strspn(*s, " ");
	n = strcspn(*s, " ");
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return true;
}

int
ctnew_check(const struct msg_new_req *q, char *err, size_t errlen)
{
	char ip[MSG_IP_MAX];
	const char *p = q->ns;
	struct net_addr a;
	uint32_t prefix;
	size_t n = strcspn(q->addr, "/");
	bool ns_ok = true;

	snprintf(ip, sizeof(ip), "%.*s", (int)n, q->addr);
	if (conf_parse_ip(ip, &a) != 0 || q->addr[n] != '/' ||
	    conf_parse_u32(q->addr + n + 1, 0, a.family == AF_INET ? 32 : 128,
	    &prefix) != 0) {
		snprintf(err, errlen, "'%s' is not ADDRESS/PREFIX", q->addr);
		return -1;
	}
	if (conf_parse_ip(q->gateway, &a) != 0) {
		snprintf(err, errlen, "gateway '%s' is not an address",
		    q->gateway);
		return -1;
	}
	if (!conf_valid_name(q->link) || strlen(q->link) > 15) {
		snprintf(err, errlen, "'%s' is not an interface name", q->link);
		return -1;
	}
	if (q->domain[0] != '\0' && !conf_valid_address(q->domain)) {
		snprintf(err, errlen, "'%s' is not a domain", q->domain);
		return -1;
	}
	/* every word an address: next_word has gone past a bad one, so what
	 * is left after it cannot tell */
	while (ns_ok && next_word(&p, ip, sizeof(ip)))
		ns_ok = conf_parse_ip(ip, &a) == 0;
	if (!ns_ok || p[strspn(p, " ")] != '\0') {
		snprintf(err, errlen, "name servers '%s' are not addresses",
		    q->ns);
		return -1;
	}
	return 0;
}

static int
write_resolv(int etc, const struct msg_new_req *q, char *err,
    size_t errlen)
{
	char text[1024], ip[MSG_IP_MAX];
	const char *p = q->ns;
	size_t off;

	if (q->domain[0] == '\0' && q->ns[0] == '\0')
		return 0;
	/* at most 28 + 261 + 200 / 2 * 12 bytes: it fits */
	off = (size_t)snprintf(text, sizeof(text),
	    "# written by corral create\n");
	if (q->domain[0] != '\0')
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "search %s\n", q->domain);
	while (next_word(&p, ip, sizeof(ip)) && off < sizeof(text))
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "nameserver %s\n", ip);
	return write_at(etc, "resolv.conf", text, 0644, err, errlen);
}

/* etc/init.d/rcS without the DHCP client busybox's template starts */
static int
drop_dhcp(int etc, char *err, size_t errlen)
{
	static const char cmd[] = "/bin/udhcpc\n";
	char *text = NULL, *hit, *out = NULL;
	ssize_t n;
	int d, fd, ret = -1;

	if ((d = openat(etc, "init.d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return 0;
	if ((fd = openat(d, "rcS", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = 0;
		goto out;
	}
	if ((text = calloc(1, RCS_MAX + 1)) == NULL ||
	    (out = calloc(1, RCS_MAX + 64)) == NULL ||
	    (n = read(fd, text, RCS_MAX)) < 0) {
		snprintf(err, errlen, "etc/init.d/rcS: cannot read it");
		close(fd);
		goto out;
	}
	close(fd);
	text[n] = '\0';
	hit = strstr(text, cmd);
	if (hit == NULL || (hit != text && hit[-1] != '\n')) {
		ret = 0;
		goto out;
	}
	snprintf(out, RCS_MAX + 64, "%.*s# corral: static address: %s",
	    (int)(hit - text), text, hit);
	ret = write_at(d, "rcS", out, 0744, err, errlen);
out:
	free(text);
	free(out);
	close(d);
	return ret;
}

int
ctnew_write_files(const char *rootfs, const struct msg_new_req *q,
    char *err, size_t errlen)
{
	int etc, r;

	if ((etc = open_etc(rootfs, err, errlen)) < 0)
		return -1;
	r = write_resolv(etc, q, err, errlen) != 0 ||
	    drop_dhcp(etc, err, errlen) != 0 ? -1 : 0;
	close(etc);
	return r;
}
