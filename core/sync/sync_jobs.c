#include "sync/sync_jobs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "plugin/abi.h"
#include "plugin/conn.h"
#include "sync/location.h"
#include "base/log.h"
#include "sync/runstate.h"
#include "sync/schedule.h"
#include "sync/synclock.h"
#include "base/util.h"

/* Incremental runs ask for changes since the last successful run's start
 * minus this much, so clock skew between us and the ATS never loses an
 * edit; re-reading a few jobs is harmless (content hash). */
#define INCREMENTAL_OVERLAP_S 300

/* A run that could read almost nothing is not "ok": when at least this many
 * records, and more than half of all records the ATS sent, were malformed,
 * the run fails with the first parse error (a connector that misreads the
 * ATS's shape would otherwise report "ok" with zero jobs, and a full pass
 * would archive every job it failed to read). */
#define MALFORMED_FAIL_MIN 5

#define REASON_CLOSED "closed in the ATS"
#define REASON_NOT_US "location is no longer in the US"

typedef struct page_ctx {
    const config *cfg;
    store *st;
    store_job_writer *w;
    const store_org *org;
    store_run_counts counts;
    int64_t run_id;
    int64_t pages;
    atsb_error err;        /* why the sink stopped the connector */
    int64_t records;       /* every record the ATS sent: jobs in pages + malformed */
    char first_malformed[256]; /* "ID: reason" of the first malformed record */
    /* Turns (ATSB_CAP_RESUMABLE connectors): the pass's start and kind,
     * the pages this turn may commit before it yields (0: no limit), the
     * connector's cursor after the page about to come. */
    int64_t started;
    int full;
    int budget;
    int64_t turn_pages;
    int have_cursor;       /* the connector reported where the next page goes on */
    int last_page;         /* ...and that there is none after it */
    int yielded;
    char cursor[ATSB_CURSOR_MAX];
} page_ctx;

static void hash_str(uint64_t *h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        *h ^= *p;
        *h *= 0x100000001b3ull;
    }
    *h ^= 0x1f; /* field separator: "ab"+"c" differs from "a"+"bc" */
    *h *= 0x100000001b3ull;
}

void sync_jobs_hash(const atsb_job *j, const char *country, char out[24])
{
    uint64_t h = 0xcbf29ce484222325ull;
    hash_str(&h, j->title);
    hash_str(&h, j->status == ATSB_JOB_OPEN ? "open" : "closed");
    hash_str(&h, j->location_text);
    hash_str(&h, country);
    hash_str(&h, j->region);
    hash_str(&h, j->city);
    hash_str(&h, j->remote ? "remote" : "onsite");
    hash_str(&h, j->department);
    hash_str(&h, j->description);
    hash_str(&h, j->url);
    snprintf(out, 24, "%016" PRIx64, h);
}

static void on_malformed(void *payload, const char *remote_id, const char *reason)
{
    page_ctx *c = payload;
    c->counts.malformed++;
    if (!c->first_malformed[0])
        snprintf(c->first_malformed, sizeof(c->first_malformed), "%s: %s",
                 remote_id ? remote_id : "(no id)", reason ? reason : "unreadable");
    log_warn("sync", "%s: skipped malformed job %s: %s", c->org->slug,
             remote_id ? remote_id : "(no id)", reason ? reason : "unreadable");
}

/* A record the connector could not turn into a job (it never reaches a
 * page, so it is counted as a record here). */
static void on_sink_malformed(void *payload, const char *remote_id, const char *reason)
{
    page_ctx *c = payload;
    c->records++;
    on_malformed(c, remote_id, reason);
}

sync_job_action sync_jobs_decide(const sync_job_stored *cur, int closed, int where)
{
    if (closed) {
        /* Closed stops sourcing, activated or not: archive. */
        if (!cur->exists)
            return SYNC_JOB_SKIP_CLOSED;
        return cur->archived ? SYNC_JOB_UNCHANGED : SYNC_JOB_ARCHIVE_CLOSED;
    }
    if (where != LOCATION_US) {
        if (!cur->exists)
            return SYNC_JOB_SKIP_LOCATION;
        if (!cur->archived && !cur->frozen)
            return SYNC_JOB_ARCHIVE_NOT_US;
        /* Frozen: the location edit is not applied either. */
        if (!cur->archived && cur->changed)
            return SYNC_JOB_FROZEN_SKIP;
        return SYNC_JOB_SEEN;
    }
    if (!cur->exists)
        return SYNC_JOB_CREATE;
    if (cur->archived)
        /* Reopened in the ATS (or reconnected): back as disabled, so a
         * person decides whether sourcing resumes. */
        return SYNC_JOB_REOPEN;
    if (!cur->changed)
        return SYNC_JOB_UNCHANGED;
    return cur->frozen ? SYNC_JOB_FROZEN_SKIP : SYNC_JOB_UPDATE;
}

/* One job through the rules (sync_jobs_decide) into the store.  Runs inside
 * the page's transaction. */
static int apply_job(page_ctx *c, const atsb_job *j, atsb_error *err)
{
    if (!abi_struct_ok(j, ABI_MIN_JOB) || str_empty(j->remote_id) ||
        str_empty(j->title) || (j->status != ATSB_JOB_OPEN && j->status != ATSB_JOB_CLOSED)) {
        on_malformed(c, ATSB_HAS_FIELD(atsb_job, j, remote_id) ? j->remote_id : NULL,
                     abi_struct_ok(j, ABI_MIN_JOB) ? "missing id, title or status"
                                                   : "struct_size smaller than ABI 1.0's atsb_job");
        return ATSB_OK;
    }
    if (strlen(j->remote_id) >= ATSB_REMOTE_ID_MAX) {
        on_malformed(c, NULL, "remote id longer than 127 bytes");
        return ATSB_OK;
    }
    location_input li = { j->country_code, j->region, j->city, j->location_text };
    location_opts lo = { c->cfg ? c->cfg->us_territories : 1, 0 };
    location_result lr;
    location_decide(&li, &lo, &lr);
    location_verdict where = lr.verdict;
    const char *country = lr.country;
    char hash[24];
    sync_jobs_hash(j, country, hash);
    store_job_fields f = { j->remote_id, j->title,
                           j->status == ATSB_JOB_OPEN ? "open" : "closed",
                           j->location_text, country[0] ? country : NULL, j->region, j->city,
                           j->department, j->description, j->url, j->remote != 0,
                           j->updated_at, hash };

    store_job cur;
    int rc = store_job_writer_lookup(c->w, j->remote_id, &cur, err);
    if (rc != ATSB_OK && rc != ATSB_ERR_NOT_FOUND)
        return rc;
    sync_job_stored sj = { .exists = rc == ATSB_OK };
    rc = ATSB_OK;
    if (sj.exists) {
        sj.archived = str_eq(cur.state, "archived");
        sj.frozen = cur.frozen != 0;
        sj.changed = !str_eq(cur.content_hash, hash);
    }
    int closed = j->status == ATSB_JOB_CLOSED;
    if (!closed && where == LOCATION_NON_US)
        c->counts.non_us++;
    else if (!closed && where != LOCATION_US)
        c->counts.unknown_location++;

    switch (sync_jobs_decide(&sj, closed, where)) {
    case SYNC_JOB_SKIP_CLOSED:
        c->counts.closed_skipped++;
        break;
    case SYNC_JOB_SKIP_LOCATION:
        break;
    case SYNC_JOB_CREATE:
        rc = store_job_writer_insert(c->w, &f, err); /* arrives disabled */
        c->counts.created++;
        break;
    case SYNC_JOB_UPDATE:
        rc = store_job_writer_update(c->w, cur.id, &f, NULL, err);
        c->counts.updated++;
        break;
    case SYNC_JOB_REOPEN:
        rc = store_job_writer_update(c->w, cur.id, &f, "disabled", err);
        if (!rc)
            rc = store_audit(c->st, c->org->id, "job.reopened", j->remote_id,
                             cur.archived_reason, err);
        c->counts.updated++;
        break;
    case SYNC_JOB_ARCHIVE_CLOSED:
        rc = store_job_writer_archive(c->w, cur.id, REASON_CLOSED, hash, err);
        if (!rc)
            rc = store_audit(c->st, c->org->id, "job.archived", j->remote_id, REASON_CLOSED,
                             err);
        c->counts.archived++;
        break;
    case SYNC_JOB_ARCHIVE_NOT_US: {
        /* The audit line says what decided (the ATS's country field or the
         * text rule) and why, so an admin need not re-derive it. */
        char detail[512];
        snprintf(detail, sizeof(detail), "%s (%s: %s)", REASON_NOT_US,
                 location_basis_name(lr.basis), lr.why);
        rc = store_job_writer_archive(c->w, cur.id, REASON_NOT_US, hash, err);
        if (!rc)
            rc = store_audit(c->st, c->org->id, "job.archived", j->remote_id, detail, err);
        c->counts.archived++;
        break;
    }
    case SYNC_JOB_FROZEN_SKIP:
        c->counts.frozen_skipped++;
        rc = store_audit(c->st, c->org->id, "job.edit_skipped", j->remote_id,
                         "job is active (frozen); ATS edit not applied", err);
        if (!rc)
            rc = store_job_writer_seen(c->w, cur.id, hash, err);
        break;
    case SYNC_JOB_UNCHANGED:
        rc = store_job_writer_seen(c->w, cur.id, hash, err);
        c->counts.unchanged++;
        break;
    case SYNC_JOB_SEEN:
        rc = store_job_writer_seen(c->w, cur.id, hash, err);
        break;
    }
    if (sj.exists)
        store_job_free(&cur);
    return rc;
}

static void on_cursor(void *payload, const char *next)
{
    page_ctx *c = payload;
    c->have_cursor = next == NULL || strlen(next) < sizeof(c->cursor);
    c->last_page = next == NULL;
    str_copy(c->cursor, sizeof(c->cursor), next ? next : "");
}

/* One ATS page, one transaction: a crash anywhere loses at most the page in
 * flight, and re-running it is a no-op for what was committed.  With a
 * cursor, where the listing goes on is committed with the page, so a pass
 * stopped after it (its turn over, a signal, a crash) resumes with the next. */
static int on_page(void *payload, const atsb_job *const *jobs, size_t count)
{
    page_ctx *c = payload;
    if (runstate_stop_requested())
        return err_set(&c->err, ATSB_ERR_CANCELLED, "stopped by a signal");
    /* The host's own guards, whatever the connector does: an ATS that
     * ignores the page size (a page of a million jobs cost 1.5 GB) or
     * whose paging never ends (a cursor that repeats) stops the run with
     * the limit and the setting named.  Pages already committed stay. */
    if (count > (size_t)c->cfg->max_page_jobs)
        return err_set(&c->err, ATSB_ERR_PERMANENT,
                       "page %" PRId64 " from the ATS holds %zu jobs, more than "
                       "sync.max_page_jobs (%d); the ATS ignored the page size, so the page was "
                       "refused", c->pages + 1, count, c->cfg->max_page_jobs);
    if (c->pages >= c->cfg->max_pages)
        return err_set(&c->err, ATSB_ERR_PERMANENT,
                       "the ATS sent more than sync.max_pages (%d) pages in one run; its "
                       "paging does not end (a repeating cursor?), so the run stopped",
                       c->cfg->max_pages);
    store_run_counts before = c->counts;
    int rc = store_begin(c->st, &c->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < count && !rc; i++)
        rc = apply_job(c, jobs[i], &c->err);
    if (!rc)
        rc = store_run_save_counts(c->st, c->run_id, &c->counts, &c->err);
    int resumable = c->have_cursor && !c->last_page;
    if (!rc && c->have_cursor)
        rc = store_pass_save(c->st, c->org->id, c->run_id, resumable ? c->cursor : NULL,
                             c->started, c->full, c->pages + 1, &c->err);
    c->have_cursor = 0;
    if (!rc)
        rc = store_commit(c->st, &c->err);
    if (rc) {
        store_rollback(c->st);
        c->counts = before;
        return rc;
    }
    c->pages++;
    c->records += (int64_t)count;
    log_info("sync", "%s: page %" PRId64 " committed (%zu jobs)", c->org->slug, c->pages,
             count);
    /* The turn is over: the worker goes to another org, this pass resumes
     * from the cursor just committed at the org's next turn. */
    if (c->budget && ++c->turn_pages >= c->budget && resumable) {
        c->yielded = 1;
        return err_set(&c->err, ATSB_ERR_CANCELLED, "the turn is over");
    }
    return ATSB_OK;
}

int sync_jobs_want_full(int force, int64_t watermark, int incremental, int64_t last_full_at,
                        int64_t full_pass_interval_s, int64_t now)
{
    return force || watermark == 0 || !incremental ||
           now - last_full_at >= full_pass_interval_s;
}

int sync_jobs_org(store *st, const plugin_registry *reg, const config *cfg,
                  const store_org *org, const sync_jobs_opts *opts, sync_jobs_result *res,
                  atsb_error *err)
{
    memset(res, 0, sizeof(*res));
    store_conn sc;
    synclock lk = SYNCLOCK_INIT;
    conn *c = NULL;
    page_ctx pc;
    memset(&pc, 0, sizeof(pc));
    int rc = store_conn_get(st, org->id, &sc, err);
    if (rc) {
        if (rc == ATSB_ERR_NOT_FOUND)
            err_set(err, ATSB_ERR_NOT_FOUND,
                    "organisation %s has no ATS connection (atsbridge connect %s ...)",
                    org->slug, org->slug);
        return rc;
    }
    const plugin *p = plugin_registry_find(reg, sc.connector);
    if (!p) {
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "organisation %s uses connector %s, which is not loaded from %s "
                     "(see atsbridge plugins list)", org->slug, sc.connector, reg->dir);
        goto done;
    }
    if ((rc = synclock_acquire(&lk, st, cfg->store_path, org->slug, "jobs",
                               opts && opts->wait_for_lock, err)))
        goto done;
    /* We hold the lock, so a run still marked running died with its process. */
    if ((rc = store_run_mark_interrupted(st, org->id, "jobs", err)))
        goto done;

    int64_t started = time_now();
    int64_t t0 = time_now_ms();
    int resumable = (p->desc.capabilities & ATSB_CAP_RESUMABLE) != 0;
    /* A listing paused between turns goes on in its run, from its cursor,
     * unless a new full pass was asked for (or the connector lost the
     * ability, after an upgrade). */
    int resume = resumable && sc.pass_run_id > 0 && !(opts && opts->force_full);
    if (sc.pass_run_id > 0 && !resume &&
        ((rc = store_run_abandon(st, sc.pass_run_id, err)) ||
         (rc = store_pass_clear(st, org->id, err))))
        goto done;
    int full;
    if (resume) {
        full = sc.pass_full;
        started = sc.pass_started_at;
        res->run_id = sc.pass_run_id;
        if ((rc = store_run_resume(st, res->run_id, &pc.counts, err)))
            goto done;
        /* sync.max_pages bounds the whole pass, not a turn. */
        pc.pages = sc.pass_pages;
        log_info("sync", "%s: resuming the %s job sync of run %" PRId64, org->slug,
                 full ? "full" : "incremental", res->run_id);
    } else {
        full = sync_jobs_want_full(opts && opts->force_full, sc.sync_watermark,
                                   (p->desc.capabilities & ATSB_CAP_INCREMENTAL) != 0,
                                   sc.last_full_sync_at, cfg->full_pass_interval_s, started);
        if ((rc = store_run_start(st, org->id, "jobs", full, &res->run_id, err)))
            goto done;
    }
    res->full = full;
    pc.cfg = cfg;
    pc.st = st;
    pc.org = org;
    pc.run_id = res->run_id;
    pc.started = started;
    pc.full = full;
    pc.budget = resumable && !(opts && opts->whole_pass) ? cfg->pages_per_turn : 0;
    err_clear(&pc.err);

    atsb_error cerr = ATSB_ERROR_INIT;
    if ((rc = conn_open(&c, p, sc.settings, sc.n_settings, cfg, org->slug, &cerr)) ||
        (rc = store_job_writer_open(st, org->id, p->desc.name, res->run_id, &pc.w, &cerr)))
        goto finish;
    atsb_list_request req = { .struct_size = sizeof(req), .page_size = opts ? opts->page_size : 0,
                              .resume_at = resume && sc.pass_cursor ? sc.pass_cursor : NULL };
    if (!full)
        req.updated_since = sc.sync_watermark - INCREMENTAL_OVERLAP_S;
    atsb_job_sink sink = { .struct_size = sizeof(sink), .page = on_page,
                           .malformed = on_sink_malformed, .payload = &pc,
                           .cursor = on_cursor };
    log_info("sync", "%s: %s job sync through %s", org->slug, full ? "full" : "incremental",
             p->desc.name);
    rc = conn_list_jobs(c, &req, &sink, &cerr);
    if (pc.yielded && rc == ATSB_ERR_CANCELLED) {
        res->yielded = 1;
        rc = ATSB_OK;
        goto finish;
    }
    /* If our own sink stopped the connector, our reason is the real one. */
    if (rc && pc.err.code != ATSB_OK)
        cerr = pc.err;
    /* Mostly unreadable: fail before the full pass archives every job we
     * could not read as "no longer in the ATS". */
    if (!rc && pc.counts.malformed >= MALFORMED_FAIL_MIN && pc.counts.malformed * 2 > pc.records)
        rc = err_set(&cerr, ATSB_ERR_PERMANENT,
                     "%" PRId64 " of %" PRId64 " records from the ATS could not be read (first: "
                     "%s); the connector does not understand this ATS's replies",
                     pc.counts.malformed, pc.records, pc.first_malformed);
    if (!rc && full) {
        int64_t gone = 0;
        if (!(rc = store_begin(st, &cerr))) {
            rc = store_job_archive_unseen(st, org->id, res->run_id, &gone, &cerr);
            if (!rc && gone)
                rc = store_audit(st, org->id, "job.archived", NULL,
                                 "no longer in the ATS (full pass)", &cerr);
            if (!rc)
                rc = store_commit(st, &cerr);
            else
                store_rollback(st);
        }
        pc.counts.archived += gone;
    }
finish:
    store_job_writer_close(pc.w);
    res->duration_ms = time_now_ms() - t0;
    res->pages = pc.pages;
    if (res->yielded) {
        str_copy(res->status, sizeof(res->status), "paused");
        rc = store_run_finish(st, res->run_id, "paused", &pc.counts, res->duration_ms, NULL, err);
    } else if (rc) {
        pc.counts.errors++;
        const char *status = rc == ATSB_ERR_CANCELLED ? "cancelled" : "failed";
        /* A failed listing starts over next time (the ATS's cursor may be
         * what failed); one stopped by a signal goes on from its cursor. */
        if (rc != ATSB_ERR_CANCELLED)
            store_pass_clear(st, org->id, NULL);
        str_copy(res->status, sizeof(res->status), status);
        store_run_finish(st, res->run_id, status, &pc.counts, res->duration_ms, cerr.message,
                         NULL);
        if (rc == ATSB_ERR_AUTH) {
            /* Credentials are wrong until a person fixes them: flag the
             * connection instead of retrying into a lock-out. */
            store_conn_set_state(st, org->id, "needs_attention", cerr.message, NULL);
            store_audit(st, org->id, "connection.needs_attention", sc.connector, cerr.message,
                        NULL);
        }
        err_set(err, rc, "%s: job sync failed: %s", org->slug, cerr.message);
    } else {
        str_copy(res->status, sizeof(res->status), "ok");
        if (!(rc = store_run_finish(st, res->run_id, "ok", &pc.counts, res->duration_ms, NULL,
                                    err)))
            /* The watermark is the run's start: anything changed while we
             * paged through is picked up next time. */
            rc = store_conn_mark_synced(st, org->id, started, full,
                                        sched_org_jobs_due_at(org, cfg, started), err);
    }
    res->counts = pc.counts;
done:
    conn_close(c);
    synclock_release(&lk);
    store_conn_free(&sc);
    return rc;
}
