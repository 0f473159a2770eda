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
