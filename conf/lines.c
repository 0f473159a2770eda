/* corral: reading configuration files, line by line.
 *
 * Files are read whole into memory (they are small and bounded), then
 * walked line by line; nothing here keeps state between calls.  Cleanup is
 * one downward "out:" label per function.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "lines.h"
#include "values.h"

/* ---- messages ---- */

void
conf_error(struct conf_err *err, const char *fname, unsigned line,
    const char *fmt, ...)
{
	va_list ap;
	size_t off, i;
	int n;

	if (err == NULL)
		return;
	if (fname == NULL)
		fname = "<input>";
	if (line > 0)
		n = snprintf(err->msg, sizeof(err->msg), "%s:%u: ", fname, line);
	else
		n = snprintf(err->msg, sizeof(err->msg), "%s: ", fname);
	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "(cannot format message)");
		return;
	}
	off = (size_t)n;
	if (off < sizeof(err->msg)) {
		va_start(ap, fmt);
		n = vsnprintf(err->msg + off, sizeof(err->msg) - off, fmt, ap);
		va_end(ap);
		off = n < 0 ? sizeof(err->msg) : off + (size_t)n;
	}
	/* A cut message says so rather than ending mid-word. */
	if (off >= sizeof(err->msg))
		memcpy(err->msg + sizeof(err->msg) - 4, "...", 4);
	/* Messages quote the input; keep escape sequences off terminals. */
	for (i = 0; err->msg[i] != '\0'; i++) {
		unsigned char c = (unsigned char)err->msg[i];

		if (c < 0x20 || c == 0x7f)
			err->msg[i] = '?';
	}
}

/* ---- files ---- */

int
conf_read_file(const char *path, char **data, size_t *len,
    struct conf_err *err)
{
	struct stat st;
	char ebuf[128];
	char *buf = NULL;
	size_t size, got = 0;
	ssize_t r;
	int fd = -1, ret = -1;

	*data = NULL;
	*len = 0;
	if (path == NULL || *path == '\0') {
		conf_error(err, "<no path>", 0, "cannot read: no file name");
		goto out;
	}
	/* O_NONBLOCK: opening a FIFO must not hang before fstat() refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1) {
		conf_error(err, path, 0, "cannot read: %s",
		    strerror_r(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error(err, path, 0, "cannot read: not a regular file");
		goto out;
	}
	if (st.st_size > CONF_FILE_MAX) {
		conf_error(err, path, 0, "cannot read: larger than %d bytes",
		    CONF_FILE_MAX);
		goto out;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		conf_error(err, path, 0, "cannot read: out of memory");
		goto out;
	}
	/* Up to the size fstat() saw: a file growing meanwhile is cut there. */
	while (got < size) {
		r = read(fd, buf + got, size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			conf_error(err, path, 0, "cannot read: %s",
			    strerror_r(errno, ebuf, sizeof(ebuf)));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return ret;
}

/* ---- lines ---- */

int
conf_lines_init(struct conf_lines *l, const char *fname, const char *data,
    size_t len, struct conf_err *err)
{
	l->fname = fname != NULL ? fname : "<input>";
	l->lineno = 0;
	l->buf[0] = '\0';
	/* Never form NULL + 0: an empty input reads from an empty string. */
	l->p = l->end = "";
	if (data == NULL && len > 0) {
		conf_error(err, l->fname, 0, "no data");
		return -1;
	}
	if (len > CONF_FILE_MAX) {
		conf_error(err, l->fname, 0, "larger than %d bytes",
		    CONF_FILE_MAX);
		return -1;
	}
	if (len > 0) {
		l->p = data;
		l->end = data + len;
	}
	return 0;
}

int
conf_lines_next(struct conf_lines *l, char **out, struct conf_err *err)
{
	const char *start, *nl;
	char *s;
	size_t n, i;

	*out = NULL;
	while (l->p < l->end) {
		start = l->p;
		nl = memchr(start, '\n', (size_t)(l->end - start));
		n = nl != NULL ? (size_t)(nl - start) : (size_t)(l->end - start);
		l->p = nl != NULL ? nl + 1 : l->end;
		l->lineno++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n > CONF_LINE_MAX) {
			conf_error(err, l->fname, l->lineno,
			    "line is longer than %d bytes", CONF_LINE_MAX);
			return -1;
		}
		if (memchr(start, '\0', n) != NULL) {
			conf_error(err, l->fname, l->lineno,
			    "line contains a NUL byte");
			return -1;
		}
		memcpy(l->buf, start, n);
		l->buf[n] = '\0';
		/* '#' starts a comment at the start of a line or after
		 * whitespace, so "a#b" stays a value. */
		for (i = 0; i < n; i++) {
			if (l->buf[i] == '#' &&
			    (i == 0 || conf_is_space((unsigned char)l->buf[i - 1]))) {
				l->buf[i] = '\0';
				break;
			}
		}
		s = conf_trim(l->buf);
		if (*s != '\0') {
			*out = s;
			return 1;
		}
	}
	return 0;
}

/* ---- growing arrays ---- */

void *
conf_grow(void *v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap : 8;
	while (ncap <= n) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (elem == 0 || ncap > SIZE_MAX / elem)
		return NULL;
	if ((nv = realloc(v, ncap * elem)) == NULL)
		return NULL;
	*cap = ncap;
	return nv;
}

/* ---- duplicate names ---- */

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static uint64_t
name_hash(const char *s, bool fold)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= fold ? ascii_lower((unsigned char)*s) : (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool
conf_name_eq(const char *a, const char *b, bool fold)
{
	if (!fold)
		return strcmp(a, b) == 0;
	/* Host names are ASCII: no locale-dependent strcasecmp(). */
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

static const char *
entry_name(const void *base, size_t stride, size_t off, size_t idx)
{
	return (const char *)base + idx * stride + off;
}

/* Slot of name in s, empty or holding an entry with that name. */
static size_t
nameset_slot(const struct conf_nameset *s, const void *base, size_t stride,
    size_t off, const char *name)
{
	size_t i = (size_t)name_hash(name, s->fold) & (s->cap - 1);

	while (s->slot[i] != 0 && !conf_name_eq(entry_name(base, stride, off,
	    s->slot[i] - 1), name, s->fold))
		i = (i + 1) & (s->cap - 1);
	return i;
}

int
conf_nameset_add(struct conf_nameset *s, const void *base, size_t stride,
    size_t name_off, size_t idx, size_t *dup)
{
	struct conf_nameset bigger;
	const char *name = entry_name(base, stride, name_off, idx);
	size_t i, j;

	/* Keep the table at most half full so that probes stay short. */
	if (s->cap == 0 || s->n + 1 > s->cap / 2) {
		bigger = *s;
		bigger.cap = s->cap != 0 ? s->cap * 2 : 64;
		if (bigger.cap < s->cap ||
		    bigger.cap > SIZE_MAX / sizeof(*bigger.slot))
			return -1;
		if ((bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot))) ==
		    NULL)
			return -1;
		for (i = 0; i < s->cap; i++) {
			if (s->slot[i] == 0)
				continue;
			j = nameset_slot(&bigger, base, stride, name_off,
			    entry_name(base, stride, name_off, s->slot[i] - 1));
			bigger.slot[j] = s->slot[i];
		}
		free(s->slot);
		*s = bigger;
	}
	i = nameset_slot(s, base, stride, name_off, name);
	if (s->slot[i] != 0) {
		*dup = s->slot[i] - 1;
		return 1;
	}
	s->slot[i] = idx + 1;
	s->n++;
	return 0;
}

void
conf_nameset_free(struct conf_nameset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}
