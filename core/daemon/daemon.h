/* The daemon: job syncs for every connected org on schedule (spread so
 * orgs do not fire together), the candidate outbox drained continuously,
 * several orgs in parallel on a bounded worker pool, a circuit breaker per
 * connection, SIGTERM/SIGINT to stop cleanly, SIGHUP to reload. */
#ifndef ATSB_CORE_DAEMON_H
#define ATSB_CORE_DAEMON_H

#include "base/config.h"

typedef struct daemon_opts {
    const char *config_path;   /* for SIGHUP reloads; NULL: default search */
    const char *db_path;       /* --db override */
    const char *plugin_dir;    /* --plugin-dir override */
    double tick_s;             /* scheduler period, default 0.5 s */
    int exit_when_idle;        /* --once: stop when nothing is due (tests, demo) */
} daemon_opts;

int daemon_run(const daemon_opts *opts, atsb_error *err);

/* Circuit breaker: wait before the next try after n consecutive passing
 * failures (1 -> 30 s ... capped at 1 h). */
long daemon_breaker_wait_s(int failures);

#endif
