/* corral-master: the manifest's text form (store_mf.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "store_mf.h"

static const char types[] = "fdlcbps";

char
store_ent_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	default: return 0;
	}
}

int
store_path_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;
	unsigned x, y;

	for (; *p && *p == *q; p++, q++)
		;
	/* a directory's entries come right after it, before its siblings */
	x = *p == '/' ? 1 : *p == 0 ? 0 : *p + 1u;
	y = *q == '/' ? 1 : *q == 0 ? 0 : *q + 1u;
	return x < y ? -1 : x > y;
}

/* ---- numbers and times ---- */

/* Decimal digits s[0..n) (base 10) or octal (base 8) up to max. */
static int
parse_uint(const char *s, size_t n, unsigned base, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d >= base || v > (max - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

void
store_iso_time(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

int
store_iso_parse(const char *s, time_t *t)
{
	struct tm tm;
	char back[32];
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = timegm(&tm);
	/* one spelling only: what store_iso_time writes */
	store_iso_time(*t, back);
	return strcmp(back, s) == 0 ? 0 : -1;
}

/* ---- entries ---- */

static void
hex_put(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hex_get(const char *s, size_t n, uint8_t *out, size_t outlen)
{
	size_t i;
	int v[2];

	if (n != 2 * outlen)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];

		v[i & 1] = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v[i & 1] < 0)
			return -1;
		if (i & 1)
			out[i / 2] = (uint8_t)(v[0] << 4 | v[1]);
	}
	return 0;
}

static bool
path_valid(const char *p, size_t n)
{
	const char *c = p, *slash;
	size_t len;

	if (n == 0 || n >= STORE_PATH_MAX || memchr(p, '\0', n) != NULL)
		return false;
	while (c < p + n) {
		slash = memchr(c, '/', (size_t)(p + n - c));
		len = slash ? (size_t)(slash - c) : (size_t)(p + n - c);
		if (len == 0 || len > 255 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (slash != NULL && slash + 1 == p + n)
			return false;   /* a trailing slash */
		c += len + 1;
	}
	return true;
}

int
store_mf_format(const struct store_ent *e, char *buf, size_t len)
{
	char content[2 * STORE_HASH_LEN + 1], x[2 * STORE_HASH_LEN + 1];
	size_t pl = strlen(e->path), n;
	int k;

	if (e->type == 0 || strchr(types, e->type) == NULL ||
	    !path_valid(e->path, pl))
		return -1;
	if (e->type == 'f' || e->type == 'l')
		hex_put(e->hash, STORE_HASH_LEN, content);
	else if (e->type == 'c' || e->type == 'b')
		snprintf(content, sizeof(content), "%" PRIu32 ",%" PRIu32,
		    e->major, e->minor);
	else
		snprintf(content, sizeof(content), "-");
	if (e->xattrs == 'x')
		hex_put(e->xhash, STORE_HASH_LEN, x);
	else if (e->xattrs == '-')
		snprintf(x, sizeof(x), "-");
	else
		return -1;      /* written only from what was read */
	k = snprintf(buf, len, "%c %04" PRIo32 " %" PRIu32 " %" PRIu32 " %"
	    PRIu64 " %" PRId64 ".%09" PRIu32 " %s %s ", e->type,
	    e->perm & 07777, e->uid, e->gid, e->size, e->mtime_sec,
	    e->mtime_nsec, content, x);
	if (k < 0 || (size_t)k >= len)
		return -1;
	n = mem_escape(buf + k, len - (size_t)k, e->path, pl);
	return n < len - (size_t)k ? 0 : -1;
}

/* The next space-separated field of *p, not the last. */
static const char *
field(const char **p, size_t *n)
{
	const char *s = *p, *sp = strchr(s, ' ');

	if (sp == NULL)
		return NULL;
	*n = (size_t)(sp - s);
	*p = sp + 1;
	return s;
}

static int
parse_mtime(const char *s, size_t n, struct store_ent *e)
{
	const char *dot = memchr(s, '.', n);
	bool neg = n > 0 && s[0] == '-';
	uint64_t sec, ns;

	if (dot == NULL || s + n - dot != 10 ||
	    parse_uint(s + neg, (size_t)(dot - s) - neg, 10, INT64_MAX,
	    &sec) != 0 || parse_uint(dot + 1, 9, 10, 999999999, &ns) != 0 ||
	    (neg && sec == 0))
		return -1;
	e->mtime_sec = neg ? -(int64_t)sec : (int64_t)sec;
	e->mtime_nsec = (uint32_t)ns;
	return 0;
}

static int
parse_content(const char *s, size_t n, struct store_ent *e)
{
	const char *comma;
	uint64_t ma, mi;

	switch (e->type) {
	case 'f':
	case 'l':
		return hex_get(s, n, e->hash, STORE_HASH_LEN);
	case 'c':
	case 'b':
		comma = memchr(s, ',', n);
		if (comma == NULL ||
		    parse_uint(s, (size_t)(comma - s), 10, UINT32_MAX, &ma) ||
		    parse_uint(comma + 1, (size_t)(s + n - comma - 1), 10,
		    UINT32_MAX, &mi))
			return -1;
		e->major = (uint32_t)ma;
		e->minor = (uint32_t)mi;
		return 0;
	default:
		return n == 1 && s[0] == '-' ? 0 : -1;
	}
}

int
store_mf_parse(const char *line, int format, struct store_ent *e,
    char *err, size_t errlen)
{
	const char *p = line, *f[8];
	size_t n[8], i, nf = format >= 2 ? 8 : 7;
	uint64_t v[4];
	ssize_t pl;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < nf; i++)
		if ((f[i] = field(&p, &n[i])) == NULL) {
			snprintf(err, errlen, "%zu fields, want %zu", i + 1,
			    nf + 1);
			return -1;
		}
	if (n[0] != 1 || strchr(types, f[0][0]) == NULL || f[0][0] == 0) {
		snprintf(err, errlen, "unknown type '%.*s'",
		    (int)(n[0] < 16 ? n[0] : 16), f[0]);
		return -1;
	}
	e->type = f[0][0];
	if (n[1] != 4 || parse_uint(f[1], 4, 8, 07777, &v[0]) != 0 ||
	    parse_uint(f[2], n[2], 10, UINT32_MAX, &v[1]) != 0 ||
	    parse_uint(f[3], n[3], 10, UINT32_MAX, &v[2]) != 0 ||
	    parse_uint(f[4], n[4], 10, INT64_MAX, &v[3]) != 0) {
		snprintf(err, errlen, "bad mode, owner or size");
		return -1;
	}
	e->perm = (uint32_t)v[0];
	e->uid = (uint32_t)v[1];
	e->gid = (uint32_t)v[2];
	e->size = v[3];
	if (parse_mtime(f[5], n[5], e) != 0) {
		snprintf(err, errlen, "bad mtime");
		return -1;
	}
	if (parse_content(f[6], n[6], e) != 0) {
		snprintf(err, errlen, "bad content field");
		return -1;
	}
	if (nf == 8 && n[7] == 1 && f[7][0] == '-')
		e->xattrs = '-';
	else if (nf == 8 && hex_get(f[7], n[7], e->xhash, STORE_HASH_LEN) == 0)
		e->xattrs = 'x';
	else if (nf == 8) {
		snprintf(err, errlen, "bad xattrs field");
		return -1;
	}
	pl = mem_unescape(e->path, sizeof(e->path) - 1, p, strlen(p));
	if (pl < 0 || !path_valid(e->path, (size_t)pl)) {
		snprintf(err, errlen, "bad path");
		return -1;
	}
	e->path[pl] = '\0';
	return 0;
}

/* ---- the header ---- */

static const char *const kinds[] = {
	[STORE_HOT] = "hot", [STORE_COLD] = "cold", [STORE_GET] = "get",
};
static const char *const methods[] = {
	[STORE_BTRFS] = "btrfs", [STORE_REFLINK] = "reflink",
	[STORE_LINKS] = "links",
};

/* The index of s in names[lo..hi], or -1. */
static int
name_index(const char *const *names, int lo, int hi, const char *s)
{
	int i;

	for (i = lo; i <= hi; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *
store_kind_name(enum store_kind k)
{
	return k >= STORE_HOT && k <= STORE_GET ? kinds[k] : NULL;
}

int
store_kind_parse(const char *s, enum store_kind *out)
{
	int k = name_index(kinds, STORE_HOT, STORE_GET, s);

	if (k < 0)
		return -1;
	*out = (enum store_kind)k;
	return 0;
}

const char *
store_method_name(enum store_method m)
{
	return m >= STORE_BTRFS && m <= STORE_LINKS ? methods[m] : NULL;
}

static int
method_parse(const char *s, enum store_method *out)
{
	int m = name_index(methods, STORE_BTRFS, STORE_LINKS, s);

	if (m < 0)
		return -1;
	*out = (enum store_method)m;
	return 0;
}

int
store_mf_write_header(FILE *f, const struct store_mf_header *h)
{
	char ct[4 * sizeof(h->container)], host[4 * STORE_HOST_MAX], t[32];

	if (store_kind_name(h->kind) == NULL ||
	    store_method_name(h->method) == NULL)
		return -1;
	mem_escape(ct, sizeof(ct), h->container, strlen(h->container));
	mem_escape(host, sizeof(host), h->host, strlen(h->host));
	store_iso_time(h->created, t);
	/* the numbers at a fixed width (19 digits: INT64_MAX's), so that the
	 * header keeps its length from one version to the next and a new
	 * manifest can be a reflink of the last one (store_mfw.c) */
	return fprintf(f, "%s %d\ncontainer %s\nhost %s\nkind %s\n"
	    "created %s\nmethod %s\nfiles %019" PRIu64 "\nbytes %019" PRIu64
	    "\nstored %019" PRIu64 "\nentries\n", STORE_MF_MAGIC,
	    STORE_MF_FORMAT, ct, host, store_kind_name(h->kind), t,
	    store_method_name(h->method), h->files, h->bytes,
	    h->stored) < 0 ? -1 : 0;
}

static void
rd_err(struct store_mf_reader *r, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
rd_err(struct store_mf_reader *r, char *err, size_t errlen,
    const char *fmt, ...)
{
	char what[STORE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%lu: %s", r->name, r->line, what);
}

/* The next line without its newline: 1, 0 at the end of the file, -1 if
 * too long, unterminated or unreadable. */
static int
next_line(struct store_mf_reader *r, char *err, size_t errlen)
{
	size_t n;

	if (fgets(r->buf, sizeof(r->buf), r->f) == NULL) {
		if (ferror(r->f)) {
			rd_err(r, err, errlen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	r->line++;
	n = strlen(r->buf);
	if (n == 0 || r->buf[n - 1] != '\n') {
		rd_err(r, err, errlen, n + 1 == sizeof(r->buf) ?
		    "line too long" : "no newline at the end (cut short?)");
		return -1;
	}
	r->buf[n - 1] = '\0';
	if (strlen(r->buf) != n - 1) {
		rd_err(r, err, errlen, "a NUL byte");
		return -1;
	}
	return 1;
}

/* Unescape a header value into out (outlen with NUL). */
static int
value_get(const char *v, char *out, size_t outlen)
{
	ssize_t n = mem_unescape(out, outlen - 1, v, strlen(v));

	if (n <= 0 || memchr(out, '\0', (size_t)n) != NULL)
		return -1;
	out[n] = '\0';
	return 0;
}

static int
header_line(struct store_mf_header *h, const char *key, const char *v)
{
	uint64_t *num = NULL;

	if (strcmp(key, "container") == 0)
		return value_get(v, h->container, sizeof(h->container));
	if (strcmp(key, "host") == 0)
		return value_get(v, h->host, sizeof(h->host));
	if (strcmp(key, "kind") == 0)
		return store_kind_parse(v, &h->kind);
	if (strcmp(key, "method") == 0)
		return method_parse(v, &h->method);
	if (strcmp(key, "created") == 0)
		return store_iso_parse(v, &h->created);
	if (strcmp(key, "files") == 0)
		num = &h->files;
	else if (strcmp(key, "bytes") == 0)
		num = &h->bytes;
	else if (strcmp(key, "stored") == 0)
		num = &h->stored;
	return num ? parse_uint(v, strlen(v), 10, INT64_MAX, num) : -1;
}

int
store_mf_open(struct store_mf_reader *r, FILE *f, const char *name,
    char *err, size_t errlen)
{
	static const char *const keys[] = {
		"container", "host", "kind", "created", "method", "files",
		"bytes", "stored",
	};
	char magic[64];
	size_t i;
	int rc, format = 0;

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	if ((rc = next_line(r, err, errlen)) > 0)
		for (format = STORE_MF_FORMAT; format >= 1; format--) {
			snprintf(magic, sizeof(magic), "%s %d", STORE_MF_MAGIC,
			    format);
			if (strcmp(r->buf, magic) == 0)
				break;
		}
	if (rc <= 0 || format < 1) {
		if (rc >= 0)
			rd_err(r, err, errlen, "not a manifest of format 1 to "
			    "%d", STORE_MF_FORMAT);
		return -1;
	}
	/* the keys in their order, each once: one spelling of a header */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i]);

		if ((rc = next_line(r, err, errlen)) <= 0) {
			if (rc == 0)
				rd_err(r, err, errlen, "cut short in the header");
			return -1;
		}
		if (strncmp(r->buf, keys[i], kl) != 0 || r->buf[kl] != ' ' ||
		    header_line(&r->h, keys[i], r->buf + kl + 1) != 0) {
			rd_err(r, err, errlen, "want a valid '%s' line",
			    keys[i]);
			return -1;
		}
	}
	if ((rc = next_line(r, err, errlen)) <= 0 ||
	    strcmp(r->buf, "entries") != 0) {
		if (rc >= 0)
			rd_err(r, err, errlen, "want 'entries'");
		return -1;
	}
	r->h.format = format;
	return 0;
}

int
store_mf_next(struct store_mf_reader *r, struct store_ent *e, char *err,
    size_t errlen)
{
	char what[STORE_ERR_MAX];
	int rc;

	if (r->done)
		return 0;
	if ((rc = next_line(r, err, errlen)) <= 0) {
		if (rc == 0)
			rd_err(r, err, errlen, "cut short: no 'end'");
		return -1;
	}
	if (strcmp(r->buf, "end") == 0) {
		if (r->entries != r->h.files) {
			rd_err(r, err, errlen, "%" PRIu64 " entries, the "
			    "header says %" PRIu64, r->entries, r->h.files);
			return -1;
		}
		if (fgetc(r->f) != EOF) {
			r->line++;
			rd_err(r, err, errlen, "text after 'end'");
			return -1;
		}
		r->done = true;
		return 0;
	}
	if (store_mf_parse(r->buf, r->h.format, e, what, sizeof(what)) != 0) {
		rd_err(r, err, errlen, "%s", what);
		return -1;
	}
	/* entries must come in order: readers merge them with a walk */
	if (r->entries > 0 && store_path_cmp(r->last, e->path) >= 0) {
		rd_err(r, err, errlen, "out of order");
		return -1;
	}
	memcpy(r->last, e->path, strlen(e->path) + 1);
	r->entries++;
	return 1;
}
