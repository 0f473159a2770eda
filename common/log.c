/* corral: logging to stderr or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Written once by log_open() before threads start; read-only after. */
static struct {
	const char *ident;
	bool syslog;
	int level;
} log_cfg = { "corral", false, LOG_INFO };

void
log_open(const char *ident, bool to_syslog, int level)
{
	log_cfg.ident = ident;
	log_cfg.syslog = to_syslog;
	log_cfg.level = level;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_level_from_name(const char *name)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].level;
	return -1;
}

/* Control bytes become \xNN in place of the message's tail: a name or an
 * error from a peer cannot end the line and forge another, nor reach an
 * admin's terminal as an escape sequence.  msg is NUL-terminated in len. */
static void
log_defang(char *msg, size_t len)
{
	char out[1024], *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *)msg; *p; p++) {
		if ((size_t)(o - out) + 5 > sizeof(out))
			break;
		if (*p < 0x20 || *p == 0x7f)
			o += snprintf(o, 5, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	snprintf(msg, len, "%s", out);
}

void
log_msg(int prio, const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (prio > log_cfg.level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_defang(msg, sizeof(msg));
	if (log_cfg.syslog) {
		if (log_cfg.level >= LOG_DEBUG)
			syslog(prio, "%s: %s", func, msg);
		else
			syslog(prio, "%s", msg);
		return;
	}
	if (log_cfg.level >= LOG_DEBUG)
		fprintf(stderr, "%s: %s: %s\n", log_cfg.ident, func, msg);
	else
		fprintf(stderr, "%s: %s\n", log_cfg.ident, msg);
}
