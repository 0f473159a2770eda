/* corral: printable, bounded copies of untrusted strings for logs and
 * terminals (peer user names, file and container names, remote errors).
 *
 * Printable ASCII is copied as is; a backslash becomes "\\"; every other
 * byte (control bytes, DEL, anything over 0x7e, UTF-8 included) becomes
 * "\xNN".  So the result is one line that cannot forge log lines or send
 * terminal escapes, and the original bytes can be read back from it.
 */
#ifndef CORRAL_ESCAPE_H
#define CORRAL_ESCAPE_H

#include <stddef.h>
#include <sys/types.h>

/* Longest escaped form of one byte: "\xNN". */
#define ESCAPE_MAX_PER_BYTE 4

/* Escape the NUL-terminated src into dst (dstlen bytes, always
 * NUL-terminated if dstlen > 0; a NULL src is "(null)").  An escape is
 * never cut in half: when the result does not fit, dst ends with "..."
 * after the last whole character that fits.  Returns the length the whole
 * escaped string would have, like snprintf: >= dstlen means truncated. */
size_t str_escape(char *dst, size_t dstlen, const char *src);

/* The same over len bytes of src, which may hold NULs (escaped too). */
size_t mem_escape(char *dst, size_t dstlen, const void *src, size_t len);

/* str_escape() returning dst, for use inside a log or printf call:
 *   log_notice("user '%s'", str_escaped(buf, sizeof(buf), user)); */
const char *str_escaped(char *dst, size_t dstlen, const char *src);

/* The inverse of mem_escape() over len bytes of src: the original bytes
 * into dst (dstlen bytes, not NUL-terminated), their count returned.  -1
 * for anything mem_escape() never writes (a bare control byte, an unknown
 * or short escape, an escaped printable byte) or when dst is too small:
 * an escaped text has exactly one reading. */
ssize_t mem_unescape(void *dst, size_t dstlen, const char *src, size_t len);

#endif
