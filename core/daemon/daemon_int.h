/* Private to core/daemon: the state the main loop (daemon.c), the
 * scheduler (sched.c) and the workers share. */
#ifndef ATSB_CORE_DAEMON_INT_H
#define ATSB_CORE_DAEMON_INT_H

#include <pthread.h>

#include "base/config.h"
#include "daemon/daemon.h"
#include "daemon/idset.h"
#include "plugin/plugin.h"
#include "store/store.h"

/* A loaded set of connectors, shared by the tasks that started while it was
 * current.  SIGHUP makes a new one; the old one is unloaded (dlclose) when
 * its last task finishes, so a removed .so goes once idle. */
typedef struct pset {
    int refs;
    plugin_registry reg;
    config cfg;
} pset;

typedef enum task_kind { TASK_JOBS, TASK_PUSH } task_kind;

typedef struct task {
    task_kind kind;
    store_org org;
    pset *ps;
    struct task *next;
} task;

typedef struct daemon_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* workers: a task queued, or stopping */
    pthread_cond_t wake;        /* the scheduler: a task finished */
    task *head, *tail;
    int stopping;
    pset *current;
    idset busy;                 /* orgs with a task queued or running: leased by us */
    int queued;                 /* tasks waiting for a worker */
    int running;                /* tasks being executed */
    int n_workers;
    /* The scheduler's own (main thread only). */
    char owner[160];            /* this daemon's lease owner: host:pid:nonce */
    int64_t last_dv;            /* store data_version at the last look */
    int64_t look_at;            /* look again at the latest then, even if nothing changed */
    int64_t renew_at;           /* next lease renewal */
    long jobs_interval_s;       /* sync.jobs_interval the due times were computed with */
} daemon_state;

void pset_release(daemon_state *d, pset *p);

/* The scheduler (sched.c). */
int sched_start(daemon_state *d, store *st, atsb_error *err);
/* One look at the store: renew our leases when due, claim what is due for
 * the free slots, queue it.  *idle: nothing due, queued or running. */
void sched_tick(daemon_state *d, store *st, int *idle);
/* After a reload: recompute due times if the interval changed. */
void sched_reconfigured(daemon_state *d, store *st);
/* A worker finished t with rc: record what it means for the schedule and
 * end the lease (on the worker's own store connection). */
void sched_task_done(daemon_state *d, store *st, const task *t, int rc);
/* Stopping: drop the queued tasks and end their leases. */
void sched_stop(daemon_state *d, store *st);

#endif
