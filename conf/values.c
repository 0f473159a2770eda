/* corral: parsers and validators for single values (numbers, rates, names,
 * addresses), shared by the configuration files and the command line.
 *
 * All strict: a value is taken whole or refused, never partly read, and
 * nothing depends on the locale.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "values.h"

bool
conf_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

char *
conf_trim(char *s)
{
	size_t n;

	while (conf_is_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && conf_is_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (s == NULL || *s == '\0')
		return -1;
	/* Read every digit even past overflow, so that "99999999999x" is
	 * junk rather than out of range. */
	for (; *s != '\0'; s++) {
		if (!is_digit(*s))
			return -1;
		if (!big) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				big = true;
		}
	}
	if (big || v < min || v > max)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

int
conf_parse_ratio(const char *s, uint32_t *num, uint32_t *den)
{
	const char *slash = strchr(s, '/');
	char buf[16];
	uint32_t n, d;
	size_t len;

	if (slash == NULL || (len = (size_t)(slash - s)) >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (conf_parse_u32(buf, 1, UINT32_MAX, &n) != 0 ||
	    conf_parse_u32(slash + 1, 1, UINT32_MAX, &d) != 0 || n > d)
		return -1;
	*num = n;
	*den = d;
	return 0;
}

int
conf_parse_rate(const char *s, uint64_t *bytes_per_sec)
{
	uint64_t v = 0, mult;
	const char *p = s;

	if (s == NULL || !is_digit(*s))
		return -1;
	for (; is_digit(*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':              /* a bare number is KiB, as in rsync */
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*p != '\0' && p[1] != '\0')
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*bytes_per_sec = v * mult;
	return 0;
}

/* The value of a hex digit, or -1. */
static int
xdigit(char c)
{
	if (is_digit(c))
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
conf_parse_memsize(const char *s, size_t len, uint64_t *bytes)
{
	static const char units[] = "kmgtpe";
	const char *e = s + len, *u;
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	int d;

	*bytes = 0;
	if ((len == 3 && memcmp(s, "max", 3) == 0) ||
	    (len == 2 && memcmp(s, "-1", 2) == 0))
		return 0;
	if (len == 0 || !is_digit(*s))
		return -1;
	/* the base as the kernel guesses it: "0x" and a hex digit, "0" */
	if (*s == '0' && e - s > 2 && (s[1] | 0x20) == 'x' &&
	    xdigit(s[2]) >= 0) {
		base = 16;
		s += 2;
	} else if (*s == '0')
		base = 8;
	for (; s < e && (d = xdigit(*s)) >= 0 && (unsigned)d < base; s++) {
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -1;
		v = v * base + (unsigned)d;
	}
	if (s < e && (u = memchr(units, *s | 0x20, sizeof(units) - 1)) !=
	    NULL) {
		shift = 10 * (unsigned)(u - units + 1);
		s++;
	}
	if (s != e || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*bytes = v << shift;
	return 0;
}

bool
conf_valid_name(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '.')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CONF_NAME_MAX - 1)
			return false;
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return false;
	}
	return true;
}

bool
conf_valid_dns_name(const char *s)
{
	size_t i, label = 0;
	bool digits = true;     /* the current label is all digits so far */

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 253)
			return false;
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			digits = true;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
		if (s[i] == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
		if (!is_digit(s[i]))
			digits = false;
	}
	/* No empty last label (no trailing dot) and no top-level label of
	 * digits only: "10.0.0.256" is a bad address, not a name. */
	return label > 0 && s[i - 1] != '-' && !digits;
}

int
conf_parse_ip(const char *s, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	/* inet_pton() takes only the dotted quad for IPv4 (no "10.1" or
	 * octal forms), unlike inet_aton(). */
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

bool
conf_valid_address(const char *s)
{
	struct net_addr a;

	return conf_parse_ip(s, &a) == 0 || conf_valid_dns_name(s);
}

int
conf_parse_ns_list(const char *s, struct net_addr *ns, size_t max,
    size_t *n, char *why, size_t whylen)
{
	struct net_addr got[CONF_NS_MAX];
	char tok[CONF_LINE_MAX + 1];
	size_t count = 0, len;

	if (max > CONF_NS_MAX)
		max = CONF_NS_MAX;
	for (;;) {
		while (conf_is_space((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		for (len = 0; s[len] != '\0' &&
		    !conf_is_space((unsigned char)s[len]); len++)
			;
		if (len >= sizeof(tok)) {
			snprintf(why, whylen, "'%.40s...' is not an IP address",
			    s);
			return -1;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		if (count == max) {
			snprintf(why, whylen, "more than %zu name servers",
			    max);
			return -1;
		}
		if (conf_parse_ip(tok, &got[count]) != 0) {
			snprintf(why, whylen, "'%s' is not an IP address", tok);
			return -1;
		}
		count++;
	}
	if (count > 0)
		memcpy(ns, got, count * sizeof(*ns));
	*n = count;
	return 0;
}

const char *
conf_check_ifname(const char *val)
{
	static const char bad[] =
	    "is not an interface name (1..15 of A-Z a-z 0-9 . _ -)";
	size_t i;

	if (*val == '\0' || strcmp(val, ".") == 0 || strcmp(val, "..") == 0)
		return bad;
	for (i = 0; val[i] != '\0'; i++) {
		char c = val[i];

		if (i >= 15 || !(is_alnum(c) || c == '.' || c == '_' ||
		    c == '-'))
			return bad;
	}
	return NULL;
}

const char *
conf_check_path(const char *s)
{
	if (s == NULL || s[0] != '/')
		return "is not an absolute path";
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "has a control character in it";
	return NULL;
}

int
conf_port_range(const char *val, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	*lo = *hi = 0;
	if (strcmp(val, "any") == 0)
		return 0;
	if (*val < '0' || *val > '9')
		return -1;
	a = strtoul(val, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a < 1 || a > b || b > 65535)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
conf_daytime(const char *s, int *minute)
{
	int h, m;

	if (strcmp(s, "off") == 0) {
		*minute = -1;
		return 0;
	}
	/* exactly "HH:MM", digits only */
	if (strlen(s) != 5 || s[2] != ':' ||
	    !is_digit(s[0]) || !is_digit(s[1]) ||
	    !is_digit(s[3]) || !is_digit(s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minute = h * 60 + m;
	return 0;
}
