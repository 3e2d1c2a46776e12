#include "daemon/daemon.h"
#include "daemon/daemon_int.h"
#include "daemon/notify.h"
#include "daemon/task_run.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "net/http.h"
#include "base/log.h"
#include "plugin/plugin.h"
#include "sync/runstate.h"
#include "store/store.h"
#include "sync/sync_cands.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

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

void pset_release(daemon_state *d, pset *p)
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
        config_set_store(&p->cfg, o->db_path);
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

static int run_task(daemon_state *d, store *st, task_worker *tw, task *t)
{
    atsb_error err = ATSB_ERROR_INIT;
    /* In a child process unless isolation is off (task_run.h). */
    task_run_opts o = { t->ps->cfg.isolation, { 0, 0, 0, 0 }, 0 };
    task_outcome out;
    int rc = task_run(tw, st, &t->ps->reg, &t->ps->cfg, &t->org,
                      t->kind == TASK_JOBS ? TASK_RUN_JOBS : TASK_RUN_PUSH, &o, &out, &err);
    if (t->kind == TASK_JOBS) {
        const sync_jobs_result *r = &out.jobs;
        if (!rc && r->yielded)
            log_info("daemon", "%s: job sync paused after %lld pages (its turn is over); it "
                     "goes on at the org's next turn", t->org.slug, (long long)r->pages);
        else if (!rc)
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
    return rc;
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
        d->queued--;
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
        int rc = ATSB_ERR_CANCELLED;
        if (st && !runstate_stop_requested())
            rc = run_task(d, st, tw, t);
        sched_task_done(d, st, t, rc);
        pset_release(d, t->ps);
        free(t);
    }
    task_worker_free(tw);
    store_close(st);
    free(st_path);
    return NULL;
}

/* Sleep up to s seconds, or until a worker finishes a task. */
static void wait_tick(daemon_state *d, double s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + (long)((s - (double)(time_t)s) * 1e9);
    ts.tv_sec += (time_t)s + ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&d->lock);
    pthread_cond_timedwait(&d->wake, &d->lock, &ts);
    pthread_mutex_unlock(&d->lock);
}

int daemon_run(const daemon_opts *opts, atsb_error *err)
{
    daemon_state d;
    memset(&d, 0, sizeof(d));
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    pthread_cond_init(&d.wake, NULL);
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

    /* The platform API, when api.listen is set: with the first config and
     * connector set (a SIGHUP does not move it). */
    api_server *api = NULL;
    if (d.current->cfg.api_listen &&
        (rc = api_start(&api, d.current->cfg.api_listen, &d.current->cfg, &d.current->reg, err))) {
        store_close(st);
        pset_release(&d, d.current);
        return rc;
    }
    pset *api_ps = d.current;
    if (api)
        api_ps->refs++;
    sched_start(&d, st, err);
    int n_workers = d.current->cfg.workers;
    d.n_workers = n_workers;
    pthread_t *threads = calloc((size_t)n_workers, sizeof(*threads));
    for (int i = 0; i < n_workers; i++)
        pthread_create(&threads[i], NULL, worker, &d);
    log_info("daemon", "started: %d workers, job sync every %lds, store %s, plugins %s (%zu loaded)",
             n_workers, d.current->cfg.jobs_interval_s, store_name(st),
             d.current->cfg.plugins_dir, d.current->reg.n_plugins);
    notify_ready(n_workers, (int)d.current->reg.n_plugins);
    /* A tick that finds the store unchanged costs one PRAGMA, so it can be
     * short: work queued by another process is noticed within it. */
    double tick = opts->tick_s > 0 ? opts->tick_s : 0.25;
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
                sched_reconfigured(&d, st);
                log_warn("daemon", "reloaded the configuration; %zu connectors loaded from %s",
                         fresh->reg.n_plugins, fresh->cfg.plugins_dir);
            } else {
                log_error("daemon", "reload failed, keeping the running configuration: %s",
                          rerr.message);
            }
            notify_ready(n_workers, (int)d.current->reg.n_plugins);
        }
        int idle = 0;
        sched_tick(&d, st, &idle);
        pthread_mutex_lock(&d.lock);
        int queued = d.queued, running = d.running;
        pthread_mutex_unlock(&d.lock);
        notify_tick(queued, running);
        if (opts->exit_when_idle) {
            idle_rounds = idle ? idle_rounds + 1 : 0;
            if (idle_rounds >= 2)
                break;
        }
        wait_tick(&d, tick);
    }
    notify_stopping();
    log_info("daemon", "stopping: finishing the page or push in flight");
    sched_stop(&d, st);
    for (int i = 0; i < n_workers; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    if (api) {
        api_stop(api);
        pset_release(&d, api_ps);
    }
    store_close(st);
    pset_release(&d, d.current);
    idset_free(&d.busy);
    log_info("daemon", "stopped");
    return ATSB_OK;
}
