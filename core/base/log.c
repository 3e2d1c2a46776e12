#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>

#include "base/log.h"
#include "base/util.h"

static atsb_log_level g_level = ATSB_LOG_WARN;
static int g_timestamps;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(atsb_log_level level) { g_level = level; }
atsb_log_level log_get_level(void) { return g_level; }
void log_set_timestamps(int on) { g_timestamps = on; }

int log_level_parse(const char *name)
{
    static const char *names[] = { "error", "warn", "info", "debug" };
    for (int i = 0; i < (int)ARRAY_LEN(names); i++)
        if (str_eq(name, names[i]))
            return i;
    return -1;
}

void log_msgv(atsb_log_level level, const char *component, const char *fmt,
              va_list ap)
{
    static const char *tags[] = { "ERROR", "WARN", "INFO", "DEBUG" };
    if (level > g_level)
        return;
    char line[2048];
    int n = 0;
    if (g_timestamps) {
        char ts[32];
        time_format_iso(time_now(), ts, sizeof(ts));
        n = snprintf(line, sizeof(line), "%s ", ts);
    }
    n += snprintf(line + n, sizeof(line) - (size_t)n, "%s %s: ",
                  tags[level < 0 || level > 3 ? 0 : level],
                  component ? component : "atsbridge");
    if (n < (int)sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* One event, one line: a newline inside a message would split it. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    pthread_mutex_lock(&g_lock);
    fprintf(stderr, "%s\n", line);
    pthread_mutex_unlock(&g_lock);
}

void log_msg(atsb_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_msgv(level, component, fmt, ap);
    va_end(ap);
}
