#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

void store_conn_free(store_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_settings; i++) {
        free(c->settings[i].name);
        free(c->settings[i].value);
    }
    free(c->settings);
    free(c->check_result);
    free(c->pass_cursor);
    free(c->last_error);
    memset(c, 0, sizeof(*c));
}

int store_conn_add(store *st, int64_t org_id, const char *connector,
                   const store_setting *settings, size_t n, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = store_prepare(st, &s,
                            "INSERT INTO connections(org_id, connector, created_at) "
                            "VALUES (?1, ?2, ?3) RETURNING id", err)))
        goto fail;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, connector);
    db_bind_int64(s, 3, time_now());
    int step = db_step(s);
    int64_t conn_id = step == DB_ROW ? db_col_int64(s, 0) : 0;
    db_finalize(s);
    s = NULL;
    if (step == DB_UNIQUE) {
        /* The schema's UNIQUE(org_id) is the last line of defence for the
         * one-ATS rule; name the ATS the org already uses. */
        store_conn cur;
        char existing[64] = "another ATS";
        store_rollback(st);
        if (store_conn_get(st, org_id, &cur, NULL) == ATSB_OK) {
            str_copy(existing, sizeof(existing), cur.connector);
            store_conn_free(&cur);
        }
        return err_set(err, CORE_ERR_CONFLICT,
                       "organisation is already connected to %s; an organisation can "
                       "have only one ATS connection (run `atsbridge disconnect` first)",
                       existing);
    }
    if (step != DB_ROW) {
        rc = store_fail(st, err, "add connection");
        goto fail;
    }
    if ((rc = store_prepare(st, &s,
                            "INSERT INTO connection_settings(connection_id, name, value) "
                            "VALUES (?1, ?2, ?3)", err)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        db_reset(s);
        db_bind_int64(s, 1, conn_id);
        store_bind_text(s, 2, settings[i].name);
        store_bind_text(s, 3, settings[i].value);
        if (db_step(s) != DB_DONE) {
            rc = store_fail(st, err, "add connection setting");
            goto fail;
        }
    }
    db_finalize(s);
    s = NULL;
    /* Jobs left archived by an earlier disconnect become this connection's
     * again only through a sync; nothing to do here. */
    return store_commit(st, err);
fail:
    db_finalize(s);
    store_rollback(st);
    return rc;
}

int store_conn_get(store *st, int64_t org_id, store_conn *out, atsb_error *err)
{
    memset(out, 0, sizeof(*out));
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, org_id, connector, state, last_error, created_at, "
                           "last_sync_at, last_full_sync_at, sync_watermark, failures, retry_at, "
                           "check_result, checked_at, jobs_due_at, push_due_at, lease_owner, lease_until, "
                           "pass_run_id, pass_cursor, pass_started_at, pass_full, pass_pages "
                           "FROM connections WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    int step = db_step(s);
    if (step == DB_DONE) {
        db_finalize(s);
        return err_set(err, ATSB_ERR_NOT_FOUND, "organisation has no ATS connection");
    }
    if (step != DB_ROW) {
        rc = store_fail(st, err, "get connection");
        db_finalize(s);
        return rc;
    }
    out->id = db_col_int64(s, 0);
    out->org_id = db_col_int64(s, 1);
    store_col_copy(s, 2, out->connector, sizeof(out->connector));
    store_col_copy(s, 3, out->state, sizeof(out->state));
    out->last_error = store_col_dup(s, 4);
    out->created_at = db_col_int64(s, 5);
    out->last_sync_at = db_col_int64(s, 6);
    out->last_full_sync_at = db_col_int64(s, 7);
    out->sync_watermark = db_col_int64(s, 8);
    out->failures = db_col_int(s, 9);
    out->retry_at = db_col_int64(s, 10);
    out->check_result = store_col_dup(s, 11);
    out->checked_at = db_col_int64(s, 12);
    out->jobs_due_at = db_col_int64(s, 13);
    out->push_due_at = db_col_int64(s, 14);
    store_col_copy(s, 15, out->lease_owner, sizeof(out->lease_owner));
    out->lease_until = db_col_int64(s, 16);
    out->pass_run_id = db_col_int64(s, 17);
    out->pass_cursor = store_col_dup(s, 18);
    out->pass_started_at = db_col_int64(s, 19);
    out->pass_full = db_col_int(s, 20);
    out->pass_pages = db_col_int64(s, 21);
    db_finalize(s);

    if ((rc = store_prepare(st, &s,
                            "SELECT name, value FROM connection_settings "
                            "WHERE connection_id = ?1 ORDER BY name", err)))
        goto fail;
    db_bind_int64(s, 1, out->id);
    while ((step = db_step(s)) == DB_ROW) {
        store_setting *g = realloc(out->settings, (out->n_settings + 1) * sizeof(*g));
        if (!g) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto fail;
        }
        out->settings = g;
        g[out->n_settings].name = store_col_dup(s, 0);
        g[out->n_settings].value = store_col_dup(s, 1);
        out->n_settings++;
    }
    if (step != DB_DONE) {
        rc = store_fail(st, err, "get connection settings");
        goto fail;
    }
    db_finalize(s);
    return ATSB_OK;
fail:
    db_finalize(s);
    store_conn_free(out);
    return rc;
}

int store_conn_delete(store *st, int64_t org_id, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    /* The org's jobs stay, archived, so history and candidates keep their
     * references; a later connect brings open ones back through a sync. */
    if ((rc = store_prepare(st, &s,
                            "UPDATE jobs SET state = 'archived', archived_reason = "
                            "'disconnected', updated_at = ?2 "
                            "WHERE org_id = ?1 AND state <> 'archived'", err)))
        goto fail;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, time_now());
    if (db_step(s) != DB_DONE) {
        rc = store_fail(st, err, "archive jobs");
        goto fail;
    }
    db_finalize(s);
    if ((rc = store_prepare(st, &s, "DELETE FROM connections WHERE org_id = ?1", err)))
        goto fail;
    db_bind_int64(s, 1, org_id);
    if (db_step(s) != DB_DONE) {
        rc = store_fail(st, err, "delete connection");
        goto fail;
    }
    if (st->changes == 0) {
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "organisation has no ATS connection");
        goto fail;
    }
    db_finalize(s);
    return store_commit(st, err);
fail:
    db_finalize(s);
    store_rollback(st);
    return rc;
}

int store_conn_set_state(store *st, int64_t org_id, const char *state,
                         const char *last_error, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE connections SET state = ?2, last_error = ?3 "
                           "WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    store_bind_text(s, 3, last_error);
    return store_step_done(st, s, "set connection state", err);
}

int store_conn_set_check(store *st, int64_t org_id, const char *result, int64_t at,
                         atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE connections SET check_result = ?2, checked_at = ?3 "
                           "WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, result);
    db_bind_int64(s, 3, at);
    return store_step_done(st, s, "record connection check", err);
}

int store_conn_set_breaker(store *st, int64_t org_id, int failures, int64_t retry_at,
                           const char *last_error, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE connections SET failures = ?2, retry_at = ?3, "
                           "last_error = CASE WHEN ?2 = 0 AND state = 'ok' THEN NULL "
                           "ELSE coalesce(?4, last_error) END WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int(s, 2, failures);
    db_bind_int64(s, 3, retry_at);
    store_bind_text(s, 4, last_error);
    return store_step_done(st, s, "set circuit breaker", err);
}
