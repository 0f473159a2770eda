/* corral-slave: an LXC config between this host's paths and the
 * host-neutral form (conftext.h).  A line is "key = value" as LXC reads
 * it: blanks around both, a value in a pair of quotes stands for what is
 * inside; comments and blank lines are no one's and stay as they are.
 * A line ends at a newline or a carriage return, as LXC 4 and later
 * split them: a CR inside what looks like one line is a line of its own
 * to LXC, and must be one here too. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conftext.h"

struct line {
	const char *start, *end;    /* without its end (term) */
	const char *key, *key_end;  /* NULL: a comment, blank or no '=' */
	const char *val, *val_end;  /* value, blanks trimmed */
	char term;                  /* '\n', '\r', or '\0' at the end */
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* the line at p; returns where the next one starts */
static const char *
parse_line(const char *p, struct line *l)
{
	const char *eq, *k;

	memset(l, 0, sizeof(*l));
	l->start = p;
	l->end = p + strcspn(p, "\r\n");
	l->term = *l->end;
	for (k = p; k < l->end && blank(*k); k++)
		;
	if (k < l->end && *k != '#' &&
	    (eq = memchr(k, '=', (size_t)(l->end - k))) != NULL) {
		l->key = k;
		for (l->key_end = eq; l->key_end > k && blank(l->key_end[-1]);
		    l->key_end--)
			;
		for (l->val = eq + 1; l->val < l->end && blank(*l->val);
		    l->val++)
			;
		for (l->val_end = l->end; l->val_end > l->val &&
		    blank(l->val_end[-1]); l->val_end--)
			;
	}
	return l->end + (l->term != '\0' ? 1 : 0);
}

static bool
key_is(const struct line *l, const char *key)
{
	size_t n = strlen(key);

	return l->key != NULL && (size_t)(l->key_end - l->key) == n &&
	    memcmp(l->key, key, n) == 0;
}

/* the value without a pair of quotes around it */
static void
unquote(const char **v, const char **e)
{
	if (*e - *v >= 2 && (**v == '"' || **v == '\'') && (*e)[-1] == **v) {
		(*v)++;
		(*e)--;
	}
}

static bool
val_is(const struct line *l, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(l->val_end - l->val) == n &&
	    memcmp(l->val, s, n) == 0;
}

/* the value starts with prefix (after an optional quote) as a whole path:
 * where the prefix starts, else NULL */
static const char *
path_prefix(const struct line *l, const char *prefix)
{
	const char *v = l->val;
	size_t n = strlen(prefix);
	char q = 0, next;

	if (l->key == NULL || n == 0)
		return NULL;
	if (v < l->val_end && (*v == '"' || *v == '\''))
		q = *v++;
	if ((size_t)(l->val_end - v) < n || memcmp(v, prefix, n) != 0)
		return NULL;
	next = v + n < l->val_end ? v[n] : '\0';
	return next == '\0' || next == '/' || blank(next) ||
	    (q != 0 && next == q) ? v : NULL;
}

struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* the line with [from, to) replaced by with */
static void
put_replaced(struct out *o, const struct line *l, const char *from,
    const char *to, const char *with)
{
	put(o, l->start, (size_t)(from - l->start));
	puts_(o, with);
	put(o, to, (size_t)(l->end - to));
	if (l->term != '\0')
		put(o, &l->term, 1);
}

static void
put_line(struct out *o, const struct line *l)
{
	put(o, l->start, (size_t)(l->end - l->start) +
	    (l->term != '\0' ? 1 : 0));
}

static int
finish(struct out *o, size_t cap, char *err, size_t errlen)
{
	if (o->full) {
		snprintf(err, errlen, "the config would be over %zu bytes",
		    cap - 1);
		return -1;
	}
	return 0;
}

int
conftext_neutralise(const char *in, const char *ctdir, char *out,
    size_t cap, char *err, size_t errlen)
{
	struct out o = { out, 0, cap, cap == 0 };
	struct line l;
	const char *p, *at;

	if (cap > 0)
		out[0] = '\0';
	if (strstr(in, CONFTEXT_ROOTFS) != NULL ||
	    strstr(in, CONFTEXT_CTDIR) != NULL) {
		snprintf(err, errlen, "the config holds %s or %s already",
		    CONFTEXT_ROOTFS, CONFTEXT_CTDIR);
		return -1;
	}
	for (p = in; *p != '\0' && !o.full; ) {
		p = parse_line(p, &l);
		if (key_is(&l, "lxc.rootfs.path"))
			put_replaced(&o, &l, l.val, l.end, CONFTEXT_ROOTFS);
		else if ((at = path_prefix(&l, ctdir)) != NULL)
			put_replaced(&o, &l, at, at + strlen(ctdir),
			    CONFTEXT_CTDIR);
		else
			put_line(&o, &l);
	}
	return finish(&o, cap, err, errlen);
}

int
conftext_localise(const char *in, const struct conftext_local *lc,
    char *out, size_t cap, char *err, size_t errlen)
{
	struct out o = { out, 0, cap, cap == 0 };
	struct line l;
	const char *p, *at;
	int roots = 0;

	if (cap > 0)
		out[0] = '\0';
	for (p = in; *p != '\0' && !o.full; ) {
		p = parse_line(p, &l);
		if (key_is(&l, "lxc.rootfs.path")) {
			if (!val_is(&l, CONFTEXT_ROOTFS)) {
				snprintf(err, errlen, "not host-neutral: "
				    "lxc.rootfs.path = %.*s", (int)(l.val_end -
				    l.val), l.val);
				return -1;
			}
			put_replaced(&o, &l, l.val, l.val_end, lc->rootfs);
			roots++;
		} else if (lc->uts_name != NULL && key_is(&l, "lxc.uts.name"))
			put_replaced(&o, &l, l.val, l.val_end, lc->uts_name);
		else if ((at = path_prefix(&l, CONFTEXT_CTDIR)) != NULL)
			put_replaced(&o, &l, at, at + strlen(CONFTEXT_CTDIR),
			    lc->ctdir);
		else
			put_line(&o, &l);
	}
	if (finish(&o, cap, err, errlen) != 0)
		return -1;
	if (roots == 0) {
		snprintf(err, errlen, "no \"lxc.rootfs.path = %s\" line",
		    CONFTEXT_ROOTFS);
		return -1;
	}
	return 0;
}

int
conftext_get(const char *in, const char *key, char *buf, size_t len)
{
	struct line l;
	const char *p, *v = NULL, *e = NULL;

	for (p = in; *p != '\0'; ) {
		p = parse_line(p, &l);
		if (key_is(&l, key)) {
			v = l.val;
			e = l.val_end;
		}
	}
	if (v != NULL)
		unquote(&v, &e);
	if (len == 0 || (v != NULL && (size_t)(e - v) >= len))
		return -1;
	snprintf(buf, len, "%.*s", v != NULL ? (int)(e - v) : 0,
	    v != NULL ? v : "");
	return 0;
}

static bool
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* what follows lxc.net. or lxc.network.: "script.up" or "script.down",
 * after an index part or not.  A prefix: LXC before 5 matched its keys
 * by prefix (lxc.net.0.script.upX was an up script). */
static bool
net_script(const char *s, size_t n)
{
	const char *dot;

	if (!starts(s, n, "script.") &&
	    (dot = memchr(s, '.', n)) != NULL && dot > s) {
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	return starts(s, n, "script.up") || starts(s, n, "script.down");
}

bool
conftext_host_command_key(const char *key, size_t n)
{
	static const char *const nets[] = { "lxc.net.", "lxc.network." };
	size_t i, k;

	/* LXC 5 knows lxc.hook and lxc.hook.NAME alone; before it every
	 * key that starts so went to its hook setter, which read the name
	 * from the ninth byte on (lxc.hookXpre-start was a pre-start hook) */
	if (starts(key, n, "lxc.hook"))
		return true;
	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		k = strlen(nets[i]);
		if (starts(key, n, nets[i]) && net_script(key + k, n - k))
			return true;
	}
	return false;
}

/* A ".." component in the n bytes of path v */
static bool
dotdot(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (v[i] == '.' && v[i + 1] == '.' && (i == 0 ||
		    v[i - 1] == '/') && (i + 2 == n || v[i + 2] == '/'))
			return true;
	return false;
}

/* A log of the container's own: @CTDIR@/NAME.log, one name, no ".."
 * (LXC appends the container's output to it as root: its config, or a
 * rename's intent beside it, would take what the container prints) */
static bool
own_log(const char *v, size_t n)
{
	size_t k = strlen(CONFTEXT_CTDIR "/"), i;

	/* not the config, nor a rename's intent (config.rename-N) */
	if (!starts(v, n, CONFTEXT_CTDIR "/") || n < k + strlen("x.log") ||
	    memcmp(v + n - 4, ".log", 4) != 0 || v[k] == '.' ||
	    starts(v + k, n - k, "config"))
		return false;
	for (i = k; i < n; i++)
		if (v[i] == '/')
			return false;
	return true;
}

bool
conftext_host_file_key(const char *key, size_t n, const char *val,
    size_t vn)
{
	static const char *const logs[] = { "lxc.log.file", "lxc.logfile",
	    "lxc.console.logfile", "lxc.console.buffer.logfile" };
	size_t i;

	/* a quoted value, as the neutralised form keeps it */
	if (vn >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vn - 1] == val[0]) {
		val++;
		vn -= 2;
	}
	/* prefixes, as LXC before 5 matched keys: it read lxc.includeX as
	 * an include and lxc.rootfs.pathX as the rootfs (which the
	 * host-neutral check, an exact key, lets through) */
	if (starts(key, n, "lxc.include"))
		return n != strlen("lxc.include") ||
		    !starts(val, vn, CONFTEXT_LXC_CONFIG_DIR) ||
		    dotdot(val, vn);
	if (starts(key, n, "lxc.rootfs.path"))
		return n != strlen("lxc.rootfs.path");
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++)
		if (starts(key, n, logs[i]))
			return !own_log(val, vn);
	return false;
}

int
conftext_host_command(const char *in, char *buf, size_t len)
{
	struct line l;
	const char *p;
	size_t n, vn;

	for (p = in; *p != '\0'; ) {
		p = parse_line(p, &l);
		if (l.key == NULL)
			continue;
		n = (size_t)(l.key_end - l.key);
		vn = (size_t)(l.val_end - l.val);
		if (conftext_host_command_key(l.key, n)) {
			if (len > 0)
				snprintf(buf, len, "%.*s", (int)n, l.key);
			return 1;
		}
		if (conftext_host_file_key(l.key, n, l.val, vn)) {
			if (len > 0)
				snprintf(buf, len, "%.*s = %.*s", (int)n, l.key,
				    (int)vn, l.val);
			return 2;
		}
	}
	return 0;
}
