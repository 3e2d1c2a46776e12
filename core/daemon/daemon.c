#include "daemon/daemon.h"
#include "daemon/notify.h"
#include "daemon/task_run.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/http.h"
#include "base/log.h"
#include "plugin/plugin.h"
#include "sync/runstate.h"
#include "store/store.h"
#include "sync/sync_cands.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

#define MAX_ORGS 4096

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
    pthread_cond_t cond;
    task *head, *tail;
    int stopping;
    pset *current;
    int64_t busy[MAX_ORGS];     /* org ids with a task queued or running */
    int n_busy;
    int running;                /* tasks being executed */
} daemon_state;

static volatile sig_atomic_t g_reload;

static void on_stop(int sig)
{
    (void)sig;
    runstate_request_stop();
}

static void on_hup(int sig)
{
    (void)sig;
    g_reload = 1;
}

long daemon_breaker_wait_s(int failures)
{
    long w = 15;
    for (int i = 0; i < failures && w < 3600; i++)
        w *= 2;
    return w > 3600 ? 3600 : w;
}

static void pset_release(daemon_state *d, pset *p)
{
    int last;
    pthread_mutex_lock(&d->lock);
    last = --p->refs == 0;
    pthread_mutex_unlock(&d->lock);
    if (last) {
        log_debug("daemon", "unloading a connector set no task uses any more");
        plugin_registry_free(&p->reg);
        config_free(&p->cfg);
        free(p);
    }
}

static int pset_load(const daemon_opts *o, pset **out, atsb_error *err)
{
    pset *p = calloc(1, sizeof(*p));
    if (!p)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    p->refs = 1;
    int rc = config_load(&p->cfg, o->config_path, err);
    if (!rc && o->db_path) {
        free(p->cfg.store_path);
        p->cfg.store_path = str_dup(o->db_path);
    }
    if (!rc && o->plugin_dir) {
        free(p->cfg.plugins_dir);
        p->cfg.plugins_dir = str_dup(o->plugin_dir);
    }
    if (!rc && o->no_isolation)
        p->cfg.isolation = 0;
    plugin_registry_init(&p->reg);
    if (!rc)
        rc = plugin_registry_load_dir(&p->reg, p->cfg.plugins_dir, err);
    if (rc) {
        plugin_registry_free(&p->reg);
        config_free(&p->cfg);
        free(p);
        return rc;
    }
    *out = p;
    return ATSB_OK;
}

static int is_busy(daemon_state *d, int64_t org)
{
    for (int i = 0; i < d->n_busy; i++)
        if (d->busy[i] == org)
            return 1;
    return 0;
}

static void set_busy(daemon_state *d, int64_t org, int on)
{
    if (on) {
        if (d->n_busy < MAX_ORGS)
            d->busy[d->n_busy++] = org;
        return;
    }
    for (int i = 0; i < d->n_busy; i++)
        if (d->busy[i] == org) {
            d->busy[i] = d->busy[--d->n_busy];
            return;
        }
}

/* Outcome bookkeeping: passing failures open the circuit with a growing
 * wait; success closes it.  Auth and config failures already marked the
 * connection needs_attention (the daemon skips it until fixed). */
static void breaker(store *st, const store_org *org, int rc, const char *msg)
{
    store_conn c;
    if (store_conn_get(st, org->id, &c, NULL) != ATSB_OK)
        return;
    /* Config problems (a connector not loaded, a wrong URL) may be fixed by
     * a reload, so they back off like passing failures instead of being
     * retried every tick. */
    if (rc == ATSB_ERR_TRANSIENT || rc == ATSB_ERR_RATE_LIMITED || rc == ATSB_ERR_CONFIG) {
        int f = c.failures + 1;
        long wait = daemon_breaker_wait_s(f);
        store_conn_set_breaker(st, org->id, f, time_now() + wait, msg, NULL);
        log_warn("daemon", "%s: %d failure%s in a row; next try in %ld s: %s", org->slug, f,
                 f == 1 ? "" : "s", wait, msg);
    } else if (rc == ATSB_OK && (c.failures || c.retry_at)) {
        store_conn_set_breaker(st, org->id, 0, 0, NULL, NULL);
        log_info("daemon", "%s: connection healthy again", org->slug);
    }
    store_conn_free(&c);
}

static void run_task(daemon_state *d, store *st, task_worker *tw, task *t)
{
    atsb_error err = ATSB_ERROR_INIT;
    /* In a child process unless isolation is off (task_run.h). */
    task_run_opts o = { t->ps->cfg.isolation, { 0, 0, 0 }, 0 };
    task_outcome out;
    int rc = task_run(tw, st, &t->ps->reg, &t->ps->cfg, &t->org,
                      t->kind == TASK_JOBS ? TASK_RUN_JOBS : TASK_RUN_PUSH, &o, &out, &err);
    if (t->kind == TASK_JOBS) {
        const sync_jobs_result *r = &out.jobs;
        if (!rc)
            log_info("daemon", "%s: %s job sync: created %lld, updated %lld, archived %lld, "
                     "non-US %lld, unknown location %lld", t->org.slug,
                     r->full ? "full" : "incremental", (long long)r->counts.created,
                     (long long)r->counts.updated, (long long)r->counts.archived,
                     (long long)r->counts.non_us, (long long)r->counts.unknown_location);
    } else {
        const sync_cands_result *r = &out.cands;
        if (!rc && (r->pushed || r->found || r->dead || r->retrying))
            log_info("daemon", "%s: candidates pushed %d, already there %d, retrying %d, "
                     "dead-lettered %d", t->org.slug, r->pushed, r->found, r->retrying, r->dead);
        /* Only a failed drain (not one push) says the connection is sick. */
    }
    if (rc == CORE_ERR_BUSY)
        log_debug("daemon", "%s: busy (a sync started by hand holds it)", t->org.slug);
    else if (rc && rc != ATSB_ERR_CANCELLED)
        log_error("daemon", "%s: %s", t->org.slug, err.message);
    /* A child that died during one push failed that push (settled with the
     * reason); one that died anywhere else counts against the connection. */
    if (rc != CORE_ERR_BUSY && rc != ATSB_ERR_CANCELLED && !out.push_only)
        breaker(st, &t->org, rc, err.message);
    (void)d;
}

static void *worker(void *arg)
{
    daemon_state *d = arg;
    store *st = NULL;
    char *st_path = NULL;
    /* This thread's task process (isolation.enabled), started on demand. */
    task_worker *tw = task_worker_new();
    for (;;) {
        pthread_mutex_lock(&d->lock);
        while (!d->head && !d->stopping)
            pthread_cond_wait(&d->cond, &d->lock);
        if (!d->head) {
            pthread_mutex_unlock(&d->lock);
            break;
        }
        task *t = d->head;
        d->head = t->next;
        if (!d->head)
            d->tail = NULL;
        d->running++;
        pthread_mutex_unlock(&d->lock);

        /* Each worker keeps its own store connection (SQLite handles are
         * not shared across threads here); reopened if the path changed. */
        if (!st || !str_eq(st_path, t->ps->cfg.store_path)) {
            atsb_error err = ATSB_ERROR_INIT;
            store_close(st);
            st = NULL;
            free(st_path);
            st_path = str_dup(t->ps->cfg.store_path);
            if (store_open(&st, st_path, &err))
                log_error("daemon", "%s", err.message);
        }
        if (st && !runstate_stop_requested())
            run_task(d, st, tw, t);

        pthread_mutex_lock(&d->lock);
        set_busy(d, t->org.id, 0);
        d->running--;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
        pset_release(d, t->ps);
        free(t);
    }
    task_worker_free(tw);
    store_close(st);
    free(st_path);
    return NULL;
}

static void enqueue(daemon_state *d, task_kind kind, const store_org *org)
{
    task *t = calloc(1, sizeof(*t));
    if (!t)
        return;
    t->kind = kind;
    t->org = *org;
    pthread_mutex_lock(&d->lock);
    t->ps = d->current;
    d->current->refs++;
    set_busy(d, org->id, 1);
    if (d->tail)
        d->tail->next = t;
    else
        d->head = t;
    d->tail = t;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* Spread orgs over the interval: a stable per-org offset, so a fleet that
 * was connected in one go does not sync in one burst every 3 hours. */
static int64_t spread(const store_org *o, int64_t interval)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = o->slug; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    int64_t window = interval / 20;
    if (window > 600)
        window = 600;
    return window > 0 ? (int64_t)(h % (uint64_t)window) : 0;
}

typedef struct sched {
    daemon_state *d;
    store *st;
    int queued;
    int pending_work;
} sched;

daemon_due daemon_next_due(const daemon_org_view *v, int64_t now)
{
    /* needs_attention waits for a person; an open breaker for its time. */
    if (!str_eq(v->conn_state, "ok") || v->retry_at > now)
        return DAEMON_DUE_PAUSED;
    int64_t interval = v->org_interval_s > 0 ? v->org_interval_s : v->default_interval_s;
    /* One task per org at a time; the job sync first, then the outbox. */
    if (!v->last_sync_at || now >= v->last_sync_at + interval + v->spread_s)
        return DAEMON_DUE_JOBS;
    return v->pending_pushes > 0 ? DAEMON_DUE_PUSH : DAEMON_DUE_NONE;
}

static int schedule_org(const store_org *o, void *payload)
{
    sched *s = payload;
    daemon_state *d = s->d;
    store_conn c;
    if (store_conn_get(s->st, o->id, &c, NULL) != ATSB_OK)
        return 0;
    int64_t now = time_now();
    const config *cfg = &d->current->cfg;
    int64_t interval = o->jobs_interval_s > 0 ? o->jobs_interval_s : cfg->jobs_interval_s;
    daemon_org_view v = { .conn_state = c.state, .retry_at = c.retry_at,
                          .last_sync_at = c.last_sync_at, .org_interval_s = o->jobs_interval_s,
                          .default_interval_s = cfg->jobs_interval_s,
                          .spread_s = spread(o, interval) };
    store_push_count_due(s->st, o->id, now, &v.pending_pushes, NULL);
    daemon_due due = daemon_next_due(&v, now);
    store_conn_free(&c);
    if (due == DAEMON_DUE_PAUSED)
        return 0;
    pthread_mutex_lock(&d->lock);
    int busy = is_busy(d, o->id);
    pthread_mutex_unlock(&d->lock);
    if (busy) {
        s->pending_work = 1;
        return 0;
    }
    if (due == DAEMON_DUE_JOBS) {
        enqueue(d, TASK_JOBS, o);
        s->queued++;
    } else if (due == DAEMON_DUE_PUSH) {
        enqueue(d, TASK_PUSH, o);
        s->queued++;
    }
    return 0;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

int daemon_run(const daemon_opts *opts, atsb_error *err)
{
    daemon_state d;
    memset(&d, 0, sizeof(d));
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    int rc = pset_load(opts, &d.current, err);
    if (rc)
        return rc;
    store *st = NULL;
    if ((rc = store_open(&st, d.current->cfg.store_path, err))) {
        pset_release(&d, d.current);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int n_workers = d.current->cfg.workers;
    pthread_t *threads = calloc((size_t)n_workers, sizeof(*threads));
    for (int i = 0; i < n_workers; i++)
        pthread_create(&threads[i], NULL, worker, &d);
    log_info("daemon", "started: %d workers, job sync every %lds, store %s, plugins %s (%zu loaded)",
             n_workers, d.current->cfg.jobs_interval_s, d.current->cfg.store_path,
             d.current->cfg.plugins_dir, d.current->reg.n_plugins);
    notify_ready(n_workers, (int)d.current->reg.n_plugins);
    double tick = opts->tick_s > 0 ? opts->tick_s : 0.5;
    int idle_rounds = 0;
    while (!runstate_stop_requested()) {
        if (g_reload) {
            g_reload = 0;
            notify_reloading();
            pset *fresh = NULL;
            atsb_error rerr = ATSB_ERROR_INIT;
            if (pset_load(opts, &fresh, &rerr) == ATSB_OK) {
                pset *old = d.current;
                pthread_mutex_lock(&d.lock);
                d.current = fresh;
                pthread_mutex_unlock(&d.lock);
                pset_release(&d, old);
                log_warn("daemon", "reloaded the configuration; %zu connectors loaded from %s",
                         fresh->reg.n_plugins, fresh->cfg.plugins_dir);
            } else {
                log_error("daemon", "reload failed, keeping the running configuration: %s",
                          rerr.message);
            }
            notify_ready(n_workers, (int)d.current->reg.n_plugins);
        }
        sched s = { &d, st, 0, 0 };
        atsb_error serr = ATSB_ERROR_INIT;
        if (store_org_each(st, schedule_org, &s, &serr))
            log_error("daemon", "%s", serr.message);
        pthread_mutex_lock(&d.lock);
        int active = d.running || d.head;
        pthread_mutex_unlock(&d.lock);
        notify_tick(s.queued, active);
        if (opts->exit_when_idle) {
            idle_rounds = (!s.queued && !active && !s.pending_work) ? idle_rounds + 1 : 0;
            if (idle_rounds >= 2)
                break;
        }
        sleep_s(tick);
    }
    notify_stopping();
    log_info("daemon", "stopping: finishing the page or push in flight");
    pthread_mutex_lock(&d.lock);
    d.stopping = 1;
    /* Queued but not started: dropped; they are re-derived from the store
     * at the next start, nothing is lost. */
    task *dropped = d.head;
    d.head = d.tail = NULL;
    pthread_cond_broadcast(&d.cond);
    pthread_mutex_unlock(&d.lock);
    while (dropped) {
        task *t = dropped;
        dropped = t->next;
        pset_release(&d, t->ps);
        free(t);
    }
    for (int i = 0; i < n_workers; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    store_close(st);
    pset_release(&d, d.current);
    log_info("daemon", "stopped");
    return ATSB_OK;
}
