#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int store_run_start(store *st, int64_t org_id, const char *kind, int full, int64_t *run_id,
                    atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO sync_runs(org_id, kind, full_pass, started_at) "
                           "VALUES (?1, ?2, ?3, ?4) RETURNING id", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, kind);
    db_bind_int(s, 3, full);
    db_bind_int64(s, 4, time_now());
    if (db_step(s) != DB_ROW)
        rc = store_fail(st, err, "start run");
    else
        *run_id = db_col_int64(s, 0);
    db_finalize(s);
    return rc;
}

int store_run_mark_interrupted(store *st, int64_t org_id, const char *kind, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE sync_runs SET status = 'interrupted', "
                           "error_message = 'the process running it stopped before it finished' "
                           "WHERE org_id = ?1 AND kind = ?2 AND status = 'running'", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, kind);
    return store_step_done(st, s, "mark interrupted runs", err);
}

int store_run_fail_running(store *st, int64_t org_id, const char *kind, const char *reason,
                           atsb_error *err)
{
    db_stmt *s = NULL;
    int64_t now = time_now();
    int rc = store_prepare(st, &s,
                           "UPDATE sync_runs SET status = 'failed', errors = errors + 1, "
                           "finished_at = ?3, duration_ms = (?3 - started_at) * 1000, "
                           "error_message = ?4 "
                           "WHERE org_id = ?1 AND kind = ?2 AND status = 'running'", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, kind);
    db_bind_int64(s, 3, now);
    store_bind_text(s, 4, reason);
    return store_step_done(st, s, "fail running runs", err);
}

static void bind_counts(db_stmt *s, int first, const store_run_counts *c)
{
    const int64_t v[] = { c->created, c->updated, c->unchanged, c->frozen_skipped,
                          c->archived, c->non_us, c->unknown_location, c->malformed,
                          c->closed_skipped, c->errors };
    for (size_t i = 0; i < ARRAY_LEN(v); i++)
        db_bind_int64(s, first + (int)i, v[i]);
}

#define COUNT_SET                                                                       \
    "created = ?2, updated = ?3, unchanged = ?4, frozen_skipped = ?5, archived = ?6, "  \
    "non_us = ?7, unknown_location = ?8, malformed = ?9, closed_skipped = ?10, "        \
    "errors = ?11"

int store_run_save_counts(store *st, int64_t run_id, const store_run_counts *c,
                          atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE sync_runs SET " COUNT_SET " WHERE id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, run_id);
    bind_counts(s, 2, c);
    return store_step_done(st, s, "save run counts", err);
}

int store_run_finish(store *st, int64_t run_id, const char *status,
                     const store_run_counts *c, int64_t duration_ms, const char *error,
                     atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE sync_runs SET " COUNT_SET ", status = ?12, "
                           "finished_at = ?13, duration_ms = ?14, error_message = ?15 "
                           "WHERE id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, run_id);
    bind_counts(s, 2, c);
    store_bind_text(s, 12, status);
    db_bind_int64(s, 13, time_now());
    db_bind_int64(s, 14, duration_ms);
    store_bind_text(s, 15, error);
    return store_step_done(st, s, "finish run", err);
}

/* run_id 0: the org's latest runs. */
static int run_query(store *st, int64_t org_id, int64_t run_id, int limit, store_run_cb cb,
                     void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, kind, full_pass, status, started_at, finished_at, "
                           "duration_ms, created, updated, unchanged, frozen_skipped, archived, "
                           "non_us, unknown_location, malformed, closed_skipped, errors, "
                           "error_message FROM sync_runs WHERE org_id = ?1 "
                           "AND (?3 = 0 OR id = ?3) ORDER BY id DESC LIMIT ?2", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int(s, 2, limit);
    db_bind_int64(s, 3, run_id);
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_run r;
        memset(&r, 0, sizeof(r));
        r.id = db_col_int64(s, 0);
        store_col_copy(s, 1, r.kind, sizeof(r.kind));
        r.full_pass = db_col_int(s, 2);
        store_col_copy(s, 3, r.status, sizeof(r.status));
        r.started_at = db_col_int64(s, 4);
        r.finished_at = db_col_int64(s, 5);
        r.duration_ms = db_col_int64(s, 6);
        int64_t *c[] = { &r.counts.created, &r.counts.updated, &r.counts.unchanged,
                         &r.counts.frozen_skipped, &r.counts.archived, &r.counts.non_us,
                         &r.counts.unknown_location, &r.counts.malformed,
                         &r.counts.closed_skipped, &r.counts.errors };
        for (size_t i = 0; i < ARRAY_LEN(c); i++)
            *c[i] = db_col_int64(s, 7 + (int)i);
        r.error_message = store_col_dup(s, 17);
        rc = cb(&r, payload);
        free(r.error_message);
        if (rc)
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list runs");
    db_finalize(s);
    return rc;
}

int store_run_each(store *st, int64_t org_id, int limit, store_run_cb cb, void *payload,
                   atsb_error *err)
{
    return run_query(st, org_id, 0, limit, cb, payload, err);
}

int store_run_get(store *st, int64_t org_id, int64_t run_id, store_run_cb cb, void *payload,
                  atsb_error *err)
{
    return run_query(st, org_id, run_id, 1, cb, payload, err);
}

int store_conn_mark_synced(store *st, int64_t org_id, int64_t watermark, int full,
                           int64_t next_due, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE connections SET last_sync_at = ?2, sync_watermark = ?2, "
                           "jobs_due_at = ?4, pass_run_id = 0, pass_cursor = NULL, "
                           "last_full_sync_at = CASE WHEN ?3 THEN ?2 ELSE last_full_sync_at END, "
                           "state = CASE WHEN state = 'needs_attention' THEN 'ok' ELSE state END, "
                           "last_error = NULL WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, watermark);
    db_bind_int(s, 3, full);
    db_bind_int64(s, 4, next_due);
    return store_step_done(st, s, "mark connection synced", err);
}

int store_pass_save(store *st, int64_t org_id, int64_t run_id, const char *cursor,
                    int64_t started_at, int full, int64_t pages, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE connections SET pass_run_id = ?2, pass_cursor = ?3, "
                           "pass_started_at = ?4, pass_full = ?5, pass_pages = ?6 "
                           "WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, run_id);
    store_bind_text(s, 3, cursor);
    db_bind_int64(s, 4, started_at);
    db_bind_int(s, 5, full);
    db_bind_int64(s, 6, pages);
    return store_step_done(st, s, "save the listing's place", err);
}

int store_pass_clear(store *st, int64_t org_id, atsb_error *err)
{
    return store_pass_save(st, org_id, 0, NULL, 0, 0, 0, err);
}

int store_run_resume(store *st, int64_t run_id, store_run_counts *c, atsb_error *err)
{
    db_stmt *s = NULL;
    memset(c, 0, sizeof(*c));
    int rc = store_prepare(st, &s,
                           "UPDATE sync_runs SET status = 'running', finished_at = 0, "
                           "error_message = NULL WHERE id = ?1 RETURNING created, updated, "
                           "unchanged, frozen_skipped, archived, non_us, unknown_location, "
                           "malformed, closed_skipped, errors", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, run_id);
    int step = db_step(s);
    if (step == DB_ROW) {
        int64_t *v[] = { &c->created, &c->updated, &c->unchanged, &c->frozen_skipped,
                         &c->archived, &c->non_us, &c->unknown_location, &c->malformed,
                         &c->closed_skipped, &c->errors };
        for (size_t i = 0; i < ARRAY_LEN(v); i++)
            *v[i] = db_col_int64(s, (int)i);
        step = db_step(s);
    } else if (step == DB_DONE) {
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no run %lld to resume", (long long)run_id);
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "resume run");
    db_finalize(s);
    return rc;
}

int store_run_abandon(store *st, int64_t run_id, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE sync_runs SET status = 'interrupted', error_message = "
                           "'paused, then replaced by a new full pass' WHERE id = ?1 AND "
                           "status IN ('paused', 'running', 'cancelled', 'interrupted')", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, run_id);
    return store_step_done(st, s, "abandon run", err);
}
