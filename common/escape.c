/* corral: printable, bounded copies of untrusted strings (escape.h). */
#include <string.h>

#include "escape.h"

/* The escaped form of byte c into out (at least 5 bytes); its length. */
static size_t
escape_byte(unsigned char c, char out[ESCAPE_MAX_PER_BYTE + 1])
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		memcpy(out, "\\\\", 3);
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		out[1] = '\0';
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0xf];
	out[4] = '\0';
	return 4;
}

size_t
mem_escape(char *dst, size_t dstlen, const void *src, size_t len)
{
	static const char more[] = "...";
	const unsigned char *s = src;
	char one[ESCAPE_MAX_PER_BYTE + 1];
	size_t i, n, total = 0, out = 0, mark = 0, mark_at = 0;
	int cut = 0;

	for (i = 0; i < len; i++) {
		n = escape_byte(s[i], one);
		total += n;
		if (cut || dstlen == 0)
			continue;
		if (out + n < dstlen) {
			memcpy(dst + out, one, n);
			out += n;
			/* where "..." would still fit after this character */
			if (out + sizeof(more) <= dstlen) {
				mark = out;
				mark_at = i + 1;
			}
			continue;
		}
		cut = 1;
	}
	if (dstlen == 0)
		return total;
	if (cut) {
		/* back to the last character that leaves room for "..." */
		out = mark;
		if (mark_at < len && out + sizeof(more) <= dstlen) {
			memcpy(dst + out, more, sizeof(more) - 1);
			out += sizeof(more) - 1;
		}
	}
	dst[out] = '\0';
	return total;
}

size_t
str_escape(char *dst, size_t dstlen, const char *src)
{
	if (src == NULL)
		src = "(null)";
	return mem_escape(dst, dstlen, src, strlen(src));
}

const char *
str_escaped(char *dst, size_t dstlen, const char *src)
{
	if (dstlen == 0)
		return "";
	str_escape(dst, dstlen, src);
	return dst;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;      /* mem_escape writes lowercase only */
}

ssize_t
mem_unescape(void *dst, size_t dstlen, const char *src, size_t len)
{
	unsigned char *d = dst;
	size_t i = 0, out = 0;
	int hi, lo;

	while (i < len) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c >= 0x7f)
			return -1;      /* never in an escaped string */
		if (c == '\\') {
			if (i + 1 < len && src[i + 1] == '\\') {
				i += 2;
			} else if (i + 3 < len && src[i + 1] == 'x' &&
			    (hi = hex_value(src[i + 2])) >= 0 &&
			    (lo = hex_value(src[i + 3])) >= 0) {
				c = (unsigned char)(hi << 4 | lo);
				/* only what mem_escape would have written:
				 * one text, one reading */
				if (c >= 0x20 && c < 0x7f)
					return -1;
				i += 4;
			} else {
				return -1;
			}
		} else {
			i++;
		}
		if (out == dstlen)
			return -1;
		d[out++] = c;
	}
	return (ssize_t)out;
}
