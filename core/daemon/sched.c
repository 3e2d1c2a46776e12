/* The scheduler: what is due comes from the store's due index, never from
 * a walk over every org; a task is claimed with a lease in the same write
 * transaction that re-reads its row, so neither a stale read nor a second
 * daemon on the store runs an org's task twice. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "daemon/daemon_int.h"
#include "sync/schedule.h"

/* A sync started by hand holds the org's lock: look again after this. */
#define BUSY_RETRY_S 5
/* A drain that failed without opening the breaker: look again after this. */
#define PUSH_FAIL_RETRY_S 60
/* Rows due but not ours to take (leased elsewhere, or no free slot): look
 * again after this even if the store did not change. */
#define POLL_S 1

daemon_due daemon_next_due(const daemon_org_view *v, int64_t now)
{
    /* needs_attention waits for a person; an open breaker for its time. */
    if (!str_eq(v->conn_state, "ok") || v->retry_at > now)
        return DAEMON_DUE_PAUSED;
    /* One task per org at a time; the job sync first, then the outbox,
     * except between the turns of a long listing: the org's own candidates
     * do not wait for all of it. */
    if (v->listing_paused && v->push_due_at <= now)
        return DAEMON_DUE_PUSH;
    if (v->jobs_due_at <= now)
        return DAEMON_DUE_JOBS;
    return v->push_due_at <= now ? DAEMON_DUE_PUSH : DAEMON_DUE_NONE;
}

/* ---- leases of dead daemons on this host ---- */

static void host_name(char *out, size_t size)
{
    if (gethostname(out, size) != 0)
        str_copy(out, size, "localhost");
    out[size - 1] = '\0';
    /* ':' separates the owner's fields. */
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '_';
}

typedef struct reap {
    const char *host;
    size_t host_len;
    int64_t *orgs;
    char (*owners)[160];
    size_t n, cap;
} reap;

static int reap_cb(int64_t org_id, const char *owner, int64_t until, void *payload)
{
    reap *r = payload;
    (void)until;
    if (!owner || strncmp(owner, r->host, r->host_len) != 0 || owner[r->host_len] != ':')
        return 0;
    long pid = strtol(owner + r->host_len + 1, NULL, 10);
    /* Ours to judge: a daemon of this host whose process is gone. */
    if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        int64_t *o = realloc(r->orgs, cap * sizeof(*o));
        if (o)
            r->orgs = o;
        char(*w)[160] = realloc(r->owners, cap * sizeof(*w));
        if (w)
            r->owners = w;
        if (!o || !w)
            return 1;
        r->cap = cap;
    }
    r->orgs[r->n] = org_id;
    str_copy(r->owners[r->n], sizeof(r->owners[r->n]), owner);
    r->n++;
    return 0;
}

/* A daemon killed on this host cannot renew its leases: end them now
 * instead of waiting out sync.lease (another host's leases run out). */
static void reap_dead_owners(daemon_state *d, store *st)
{
    char host[128];
    host_name(host, sizeof(host));
    reap r = { host, strlen(host), NULL, NULL, 0, 0 };
    atsb_error err = ATSB_ERROR_INIT;
    if (store_sched_each_lease(st, reap_cb, &r, &err) && err.code)
        log_warn("daemon", "listing leases: %s", err.message);
    for (size_t i = 0; i < r.n; i++)
        if (store_sched_release(st, r.orgs[i], r.owners[i], -1, NULL) == ATSB_OK)
            log_warn("daemon", "took over org %" PRId64 " from %s, which is no longer running",
                     r.orgs[i], r.owners[i]);
    free(r.orgs);
    free(r.owners);
    (void)d;
}

/* ---- job due times under the configured interval ---- */

typedef struct redue {
    const config *cfg;
    int64_t *orgs, *dues;
    size_t n, cap;
} redue;

static int redue_cb(const store_org *o, int64_t last_sync_at, int64_t jobs_due_at, void *payload)
{
    redue *r = payload;
    if (!last_sync_at)
        return 0; /* never synced: due now, or after a failure, already placed */
    int64_t interval = sched_interval(o, r->cfg);
    int64_t due = sched_jobs_due_at(last_sync_at, interval, sched_phase(o->slug, interval));
    /* What the last sync's end wrote under this interval: keep it.  Anything
     * else was computed under another interval (or before migration 5), or
     * is a failed sync's wait, which a restart cuts short. */
    if (jobs_due_at == due)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        int64_t *a = realloc(r->orgs, cap * sizeof(*a));
        if (a)
            r->orgs = a;
        int64_t *b = realloc(r->dues, cap * sizeof(*b));
        if (b)
            r->dues = b;
        if (!a || !b)
            return 1;
        r->cap = cap;
    }
    r->orgs[r->n] = o->id;
    r->dues[r->n] = due;
    r->n++;
    return 0;
}

/* Once at start (and after a reload that changed the interval): the only
 * walk over every connection.  Due times computed under another interval
 * (or before migration 5) are moved onto this one's slots. */
static void recompute_due(daemon_state *d, store *st)
{
    redue r = { &d->current->cfg, NULL, NULL, 0, 0 };
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_sched_each_conn(st, redue_cb, &r, &err);
    if (rc == 1)
        rc = err_set(&err, ATSB_ERR_INTERNAL, "out of memory");
    if (!rc && r.n && !(rc = store_begin(st, &err))) {
        for (size_t i = 0; i < r.n && !rc; i++)
            rc = store_conn_set_jobs_due(st, r.orgs[i], r.dues[i], &err);
        if (!rc)
            rc = store_commit(st, &err);
        else
            store_rollback(st);
    }
    if (rc)
        log_error("daemon", "scheduling job syncs: %s", err.message);
    else if (r.n)
        log_info("daemon", "next job syncs placed on the %lds interval for %zu org%s",
                 d->current->cfg.jobs_interval_s, r.n, r.n == 1 ? "" : "s");
    d->jobs_interval_s = d->current->cfg.jobs_interval_s;
    d->look_at = 0;
    free(r.orgs);
    free(r.dues);
}

int sched_start(daemon_state *d, store *st, atsb_error *err)
{
    char host[128];
    host_name(host, sizeof(host));
    uint64_t nonce = (uint64_t)time_now_ms() ^ ((uint64_t)getpid() << 20);
    snprintf(d->owner, sizeof(d->owner), "%s:%ld:%08" PRIx64, host, (long)getpid(),
             nonce & 0xffffffffu);
    reap_dead_owners(d, st);
    recompute_due(d, st);
    d->last_dv = -1;
    d->renew_at = time_now() + d->current->cfg.lease_s / 3;
    (void)err;
    return ATSB_OK;
}

void sched_reconfigured(daemon_state *d, store *st)
{
    if (d->current->cfg.jobs_interval_s != d->jobs_interval_s)
        recompute_due(d, st);
    d->last_dv = -1;
}

/* ---- queueing and leases ---- */

static int enqueue(daemon_state *d, task_kind kind, const store_org *org)
{
    task *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    t->kind = kind;
    t->org = *org;
    pthread_mutex_lock(&d->lock);
    t->ps = d->current;
    d->current->refs++;
    if (d->tail)
        d->tail->next = t;
    else
        d->head = t;
    d->tail = t;
    d->queued++;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static void renew(daemon_state *d, store *st, int64_t now)
{
    pthread_mutex_lock(&d->lock);
    size_t n = d->busy.n;
    int64_t *ids = n ? malloc(n * sizeof(*ids)) : NULL;
    n = ids ? idset_ids(&d->busy, ids, n) : 0;
    pthread_mutex_unlock(&d->lock);
    for (size_t i = 0; i < n; i++) {
        atsb_error err = ATSB_ERROR_INIT;
        int rc = store_sched_renew(st, ids[i], d->owner, now + d->current->cfg.lease_s, &err);
        if (rc == ATSB_ERR_NOT_FOUND)
            log_error("daemon", "org %" PRId64 ": lost its lease (not renewed within "
                      "sync.lease; another daemon may run it now)", ids[i]);
        else if (rc)
            log_warn("daemon", "renewing the lease of org %" PRId64 ": %s", ids[i], err.message);
    }
    free(ids);
    reap_dead_owners(d, st);
    d->renew_at = now + (d->current->cfg.lease_s / 3 > 0 ? d->current->cfg.lease_s / 3 : 1);
}

/* Claim up to free due orgs and queue their tasks; returns how many. */
static int claim(daemon_state *d, store *st, int64_t now, int free_slots)
{
    store_sched_row *rows = NULL;
    size_t n = 0;
    atsb_error err = ATSB_ERROR_INIT;
    if (store_sched_claim(st, d->owner, now, now + d->current->cfg.lease_s, free_slots, &rows, &n,
                          &err)) {
        log_error("daemon", "%s", err.message);
        return 0;
    }
    int queued = 0;
    for (size_t i = 0; i < n; i++) {
        daemon_org_view v = { "ok", rows[i].retry_at, rows[i].jobs_due_at, rows[i].push_due_at,
                              rows[i].listing_paused };
        daemon_due due = daemon_next_due(&v, now);
        pthread_mutex_lock(&d->lock);
        int fresh = !idset_has(&d->busy, rows[i].org.id) &&
                    (due == DAEMON_DUE_JOBS || due == DAEMON_DUE_PUSH) &&
                    idset_add(&d->busy, rows[i].org.id) == 0;
        pthread_mutex_unlock(&d->lock);
        if (fresh && enqueue(d, due == DAEMON_DUE_JOBS ? TASK_JOBS : TASK_PUSH, &rows[i].org)) {
            pthread_mutex_lock(&d->lock);
            idset_del(&d->busy, rows[i].org.id);
            pthread_mutex_unlock(&d->lock);
            fresh = 0;
        }
        if (!fresh) {
            store_sched_release(st, rows[i].org.id, d->owner, -1, NULL);
            continue;
        }
        queued++;
    }
    free(rows);
    return queued;
}

void sched_tick(daemon_state *d, store *st, int *idle)
{
    int64_t now = time_now();
    if (now >= d->renew_at)
        renew(d, st, now);
    pthread_mutex_lock(&d->lock);
    int inflight = d->queued + d->running;
    pthread_mutex_unlock(&d->lock);
    /* Keep one task waiting per worker, so a worker that finishes starts
     * the next at once while this loop sleeps. */
    int free_slots = 2 * d->n_workers - inflight;
    /* Nothing committed by anyone since the last look and no due time
     * reached: nothing can have become due.  One PRAGMA, no query. */
    int64_t dv = store_data_version(st);
    if (dv == d->last_dv && now < d->look_at) {
        *idle = inflight == 0;
        return;
    }
    d->last_dv = dv;
    /* A read first: the claim takes the write lock, which only due rows
     * are worth. */
    int64_t due = 0, next = 0;
    atsb_error err = ATSB_ERROR_INIT;
    if (store_sched_peek(st, now, 1, &due, &next, &err)) {
        log_error("daemon", "%s", err.message);
        due = 1;
    }
    int queued = due && free_slots > 0 ? claim(d, st, now, free_slots) : 0;
    /* Claimable rows left (no free slot): a finished task commits, but look
     * again soon anyway.  Rows leased by a daemon that died become
     * claimable when their lease runs out: the renewal round looks then. */
    d->look_at = due ? now + POLL_S : next && next < d->renew_at ? next : d->renew_at;
    *idle = !queued && !inflight && !due;
}

void sched_task_done(daemon_state *d, store *st, const task *t, int rc)
{
    int64_t now = time_now();
    if (!st) /* the worker could not open the store: the lease runs out */
        goto done;
    int64_t turn = now; /* behind every org due before now */
    if (rc == CORE_ERR_BUSY) {
        turn = now + BUSY_RETRY_S;
    } else if (rc && rc != ATSB_ERR_CANCELLED && rc != ATSB_ERR_AUTH && rc != ATSB_ERR_TRANSIENT &&
               rc != ATSB_ERR_RATE_LIMITED && rc != ATSB_ERR_CONFIG) {
        /* Failed for a reason the breaker does not cover (the ATS's data,
         * a permanent refusal): not again at once. */
        if (t->kind == TASK_JOBS)
            store_conn_set_jobs_due(st, t->org.id, sched_org_jobs_due_at(&t->org, &t->ps->cfg, now),
                                    NULL);
        else
            turn = now + PUSH_FAIL_RETRY_S;
    }
    atsb_error err = ATSB_ERROR_INIT;
    if (store_sched_release(st, t->org.id, d->owner, turn, &err) == ATSB_ERR_NOT_FOUND)
        log_error("daemon", "%s: the lease ran out before the task ended (sync.lease too short, "
                  "or the daemon was stalled)", t->org.slug);
done:
    pthread_mutex_lock(&d->lock);
    idset_del(&d->busy, t->org.id);
    d->running--;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void sched_stop(daemon_state *d, store *st)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = 1;
    /* Queued but not started: dropped, their leases ended, so they are
     * taken again from the store (here at the next start, or by another
     * daemon now); nothing is lost. */
    task *dropped = d->head;
    d->head = d->tail = NULL;
    d->queued = 0;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    while (dropped) {
        task *t = dropped;
        dropped = t->next;
        store_sched_release(st, t->org.id, d->owner, -1, NULL);
        pthread_mutex_lock(&d->lock);
        idset_del(&d->busy, t->org.id);
        pthread_mutex_unlock(&d->lock);
        pset_release(d, t->ps);
        free(t);
    }
}
