/* Run one task (one org's job sync, or one org's outbox drain) either in
 * this process or, isolated, in a worker process: `atsbridge __task-child`,
 * a fresh exec of ourselves with its own store connection and only the
 * connectors its tasks use loaded, under isolation.* limits (RLIMIT_AS, a
 * CPU budget per task, a wall clock per task then SIGKILL, no core dumps).
 * Each daemon worker thread (and each `sync` command) owns one such
 * process and feeds it one task at a time; a worker that dies is replaced
 * at the next task.  The daemon's workers and the CLI's `sync` commands
 * both call task_run, so a misbehaving connector fails its task only, with
 * a precise reason:
 *   "acme: job sync failed: connector workday crashed with SIGSEGV during list_jobs"
 * The child's stdout and stderr go to our log tagged [org/connector]; its
 * result comes back on a descriptor of its own (fd 3), so a connector
 * printing to stdout cannot corrupt it.  Why pre-started workers rather
 * than a process per task, and what each costs, is in docs/design.md
 * ("Every task in a child process"). */
#ifndef ATSB_CORE_TASK_RUN_H
#define ATSB_CORE_TASK_RUN_H

#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"
#include "sync/sync_cands.h"
#include "sync/sync_jobs.h"

typedef enum task_run_kind { TASK_RUN_JOBS, TASK_RUN_PUSH } task_run_kind;

typedef struct task_run_opts {
    int isolate;            /* in a child (isolation.enabled and no --no-isolation) */
    sync_jobs_opts jobs;    /* TASK_RUN_JOBS */
    int wait_for_lock;      /* TASK_RUN_PUSH */
} task_run_opts;

typedef struct task_outcome {
    sync_jobs_result jobs;      /* TASK_RUN_JOBS */
    sync_cands_result cands;    /* TASK_RUN_PUSH */
    int died;       /* the child crashed, exited, ran out of time or memory */
    int push_only;  /* ... while attempting one push, whose attempt was
                     * settled with the reason: that push failed, not the
                     * connection (no circuit breaker for it) */
} task_outcome;

/* One worker process, started at its first task.  Not thread-safe: one
 * per thread. */
typedef struct task_worker task_worker;
task_worker *task_worker_new(void);
/* Ends the process (stdin closed: it exits after its task; then SIGKILL). */
void task_worker_free(task_worker *w);

/* Like sync_jobs_org / sync_cands_org (same results, same error texts);
 * a child that died is ATSB_ERR_TRANSIENT with how it died, written to the
 * run (failed) or to the attempted push (retried, or dead-lettered at
 * candidates.max_attempts).  SIGTERM/SIGINT (runstate) are passed on to the
 * child, which stops as the in-process sync would. */
int task_run(task_worker *w, store *st, const plugin_registry *reg, const config *cfg,
             const store_org *org, task_run_kind kind, const task_run_opts *opts,
             task_outcome *out, atsb_error *err);

/* `atsbridge __task-child`: jobs on stdin, one result per job on fd 3,
 * the shared taskmark page on fd 4.  Returns the exit status. */
int task_child_main(void);

#endif
