/* One line per event on stderr: "LEVEL component: message".  journald adds
 * its own timestamps; a terminal user gets them too when log.timestamps is
 * on.  Callers never pass secrets (see secret_redact_url). */
#ifndef ATSB_CORE_LOG_H
#define ATSB_CORE_LOG_H

#include <stdarg.h>

#include "atsbridge/connector.h"

void log_set_level(atsb_log_level level);
atsb_log_level log_get_level(void);
void log_set_timestamps(int on);
/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int log_level_parse(const char *name);
void log_msg(atsb_log_level level, const char *component, const char *fmt, ...)
    ATSB_PRINTF(3, 4);
void log_msgv(atsb_log_level level, const char *component, const char *fmt,
              va_list ap) ATSB_PRINTF(3, 0);

#define log_error(c, ...) log_msg(ATSB_LOG_ERROR, c, __VA_ARGS__)
#define log_warn(c, ...) log_msg(ATSB_LOG_WARN, c, __VA_ARGS__)
#define log_info(c, ...) log_msg(ATSB_LOG_INFO, c, __VA_ARGS__)
#define log_debug(c, ...) log_msg(ATSB_LOG_DEBUG, c, __VA_ARGS__)

#endif
