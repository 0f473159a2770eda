/* corral CLI: small output helpers shared by the commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void
json_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void
out_line(FILE *out, const char *fmt, ...)
{
	const unsigned char *p;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		fputs("corral: out of memory\n", out);
		return;
	}
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('\n', out);
	free(s);
}

const char *
human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", bytes);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

const char *
human_age(int64_t when, char *buf, size_t len)
{
	int64_t d;

	if (when <= 0) {
		snprintf(buf, len, "never");
		return buf;
	}
	d = (int64_t)time(NULL) - when;
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%" PRId64 "s ago", d);
	else if (d < 7200)
		snprintf(buf, len, "%" PRId64 "m ago", d / 60);
	else
		snprintf(buf, len, "%" PRId64 "h ago", d / 3600);
	return buf;
}

const char *
iso_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

int
cli_wants_help(const struct cli_cmd *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: corral %s %s\n\n%s\n", c->name, c->usage,
			    c->summary);
			return 1;
		}
	return 0;
}

int
cli_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	int shift = 20;         /* a bare number is MiB, as in create.conf */

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (end > s && (end[-1] < '0' || end[-1] > '9')) {
		if (*end == 'i')        /* "MiB" */
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}
