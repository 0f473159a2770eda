/* corral: logging to stderr (foreground) or syslog (daemon).
 *
 * The sink and level are set once at start-up, before any thread starts,
 * and only read afterwards.  Messages carry the calling function at debug
 * level, where a developer reads them.
 */
#ifndef CORRAL_LOG_H
#define CORRAL_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* ident: program name; to_syslog: else stderr; level: LOG_ERR..LOG_DEBUG */
void log_open(const char *ident, bool to_syslog, int level);
/* "error", "warning", "notice", "info", "debug" -> LOG_*; -1 if unknown */
int log_level_from_name(const char *name);
/* One message is one line: control bytes in it (a peer's name or error
 * with a newline or an escape sequence) are written as \xNN. */
void log_msg(int prio, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...)  log_msg(LOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_WARNING, __func__, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __func__, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_DEBUG, __func__, __VA_ARGS__)

#endif
