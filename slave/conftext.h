/* corral-slave: an LXC config as text, between this host's paths and the
 * host-neutral form it travels in (CT_CONF, CT_CONF_SET).  Pure text: no
 * files, no liblxc, so the unit tests drive it directly. */
#ifndef CORRAL_CONFTEXT_H
#define CORRAL_CONFTEXT_H

#include <stdbool.h>
#include <stddef.h>

#define CONFTEXT_ROOTFS "@ROOTFS@"   /* the value of lxc.rootfs.path */
#define CONFTEXT_CTDIR  "@CTDIR@"    /* this host's LXCPATH/NAME */

/* in (NUL-terminated) with every lxc.rootfs.path value replaced by
 * @ROOTFS@ and the prefix ctdir of any other value (after an optional
 * quote, followed by '/', the quote, a blank or the end) by @CTDIR@;
 * every other line byte for byte.  0, or -1 with err: a placeholder in
 * in already, or the result over cap - 1 bytes. */
int conftext_neutralise(const char *in, const char *ctdir, char *out,
    size_t cap, char *err, size_t errlen);

struct conftext_local {
	const char *rootfs;     /* lxc.rootfs.path of the volume here */
	const char *ctdir;      /* LXCPATH/NAME here */
	const char *uts_name;   /* the new lxc.uts.name, or NULL: kept */
};

/* The reverse on this host: @ROOTFS@ and @CTDIR@ as l says, and every
 * lxc.uts.name l->uts_name if set.  0, or -1 with err: no
 * "lxc.rootfs.path = @ROOTFS@" line, an lxc.rootfs.path with another
 * value (not host-neutral), or the result over cap - 1 bytes. */
int conftext_localise(const char *in, const struct conftext_local *l,
    char *out, size_t cap, char *err, size_t errlen);

/* The value of the last line of key (LXC: the last one counts), without
 * surrounding blanks and a pair of quotes, into buf; "" if none.  -1 if
 * it does not fit. */
int conftext_get(const char *in, const char *key, char *buf, size_t len);

/* Whether an LXC key (n bytes, as a line holds it once trimmed) makes
 * LXC run a command on the host as root: a hook (lxc.hook and every key
 * that starts so: LXC before 5 took them all for hooks) or a network script
 * (lxc.net.N.script.up or .down, N any one part; lxc.network's alike).
 * Case-sensitive, as LXC's keys. */
bool conftext_host_command_key(const char *key, size_t n);

/* LXC's own config files (Debian's path): what a carried config may
 * include. */
#define CONFTEXT_LXC_CONFIG_DIR "/usr/share/lxc/config/"

/* Whether key = val (n and vn bytes, trimmed) names a file of the host
 * that LXC reads as config or writes as root, beyond what a carried
 * config may: lxc.include outside CONFTEXT_LXC_CONFIG_DIR (a file of the
 * container's own tree could hold hooks) or through "..", a log or
 * console log file other than @CTDIR@/NAME.log (LXC appends the
 * container's output to it as root: in /etc/cron.d, or as the
 * container's own config, it would run), a key LXC before 5 read as one
 * of those or as lxc.rootfs.path (it matched key prefixes). */
bool conftext_host_file_key(const char *key, size_t n, const char *val,
    size_t vn);

/* The first line of in (lines as LXC reads them) that
 * conftext_host_command_key() holds, its key into buf: 1; or that
 * conftext_host_file_key() holds, "key = value" into buf: 2 (cut to
 * len - 1 bytes); 0 if none. */
int conftext_host_command(const char *in, char *buf, size_t len);

#endif
