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
    double tick_s;             /* scheduler period, default 0.25 s */
    int exit_when_idle;        /* --once: stop when nothing is due (tests, demo) */
    int no_isolation;          /* --no-isolation: tasks in the daemon's process */
} daemon_opts;

int daemon_run(const daemon_opts *opts, atsb_error *err);

/* What the scheduler does with one org at one tick. */
typedef enum daemon_due {
    DAEMON_DUE_PAUSED,  /* needs_attention, or the circuit breaker is open */
    DAEMON_DUE_NONE,    /* healthy, nothing to do yet */
    DAEMON_DUE_JOBS,    /* a job sync (first, before the outbox) */
    DAEMON_DUE_PUSH     /* drain the candidate outbox */
} daemon_due;

/* What the scheduler knows of one org (its connection row). */
typedef struct daemon_org_view {
    const char *conn_state;     /* "ok", "needs_attention", ... */
    int64_t retry_at;           /* circuit breaker: no try before (0: closed) */
    int64_t jobs_due_at;        /* next job sync (sched_jobs_due_at; 0: never synced) */
    int64_t push_due_at;        /* earliest pending push (STORE_PUSH_HELD: none) */
    int listing_paused;         /* a job listing yielded its turn and goes on */
} daemon_org_view;

/* Pure: which task, if any, org v is due for at now. */
daemon_due daemon_next_due(const daemon_org_view *v, int64_t now);

/* Circuit breaker: wait before the next try after n consecutive passing
 * failures (1 -> 30 s ... capped at 1 h). */
long daemon_breaker_wait_s(int failures);

#endif
