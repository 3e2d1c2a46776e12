/* The scheduler's queries: due rows through the connections_due index
 * (migration 5), claims and leases.  Every query names the indexed
 * expression exactly as the index does, or SQLite would scan. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

#define DUE "max(c.retry_at, c.turn_at, min(c.jobs_due_at, c.push_due_at))"

static int claim_rows(store *st, const char *owner, int64_t now, int64_t lease_until, int limit,
                      store_sched_row *rows, size_t *n, atsb_error *err)
{
    db_stmt *s = NULL, *u = NULL;
#define CLAIMABLE                                                                          \
    "SELECT " STORE_ORG_COLS ", c.last_sync_at, c.jobs_due_at, "                           \
    "c.push_due_at, c.retry_at, c.pass_run_id > 0 FROM connections c "                     \
    "JOIN orgs o ON o.id = c.org_id WHERE c.state = 'ok' AND " DUE                         \
    " <= ?1 AND (c.lease_owner IS NULL OR c.lease_until < ?1) "                            \
    "ORDER BY " DUE ", c.turn_at, c.org_id LIMIT ?2"
    /* PostgreSQL: daemons claim at the same time, each skipping the rows
     * another is claiming; the lease then keeps them off once committed. */
    int rc = store_prepare(st, &s,
                           STORE_SQL(st, CLAIMABLE, CLAIMABLE " FOR UPDATE OF c SKIP LOCKED"),
                           err);
#undef CLAIMABLE
    if (rc)
        return rc;
    db_bind_int64(s, 1, now);
    db_bind_int(s, 2, limit);
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_sched_row *r = &rows[*n];
        store_org_from_row(s, 0, &r->org);
        r->last_sync_at = db_col_int64(s, 6);
        r->jobs_due_at = db_col_int64(s, 7);
        r->push_due_at = db_col_int64(s, 8);
        r->retry_at = db_col_int64(s, 9);
        r->listing_paused = db_col_int(s, 10);
        (*n)++;
    }
    if (step != DB_DONE)
        rc = store_fail(st, err, "list due connections");
    db_finalize(s);
    if (rc || !*n)
        return rc;
    if ((rc = store_prepare(st, &u,
                            "UPDATE connections SET lease_owner = ?2, lease_until = ?3 "
                            "WHERE org_id = ?1", err)))
        return rc;
    for (size_t i = 0; i < *n && !rc; i++) {
        db_reset(u);
        db_bind_int64(u, 1, rows[i].org.id);
        store_bind_text(u, 2, owner);
        db_bind_int64(u, 3, lease_until);
        if (db_step(u) != DB_DONE)
            rc = store_fail(st, err, "lease connection");
    }
    db_finalize(u);
    return rc;
}

int store_sched_claim(store *st, const char *owner, int64_t now, int64_t lease_until, int limit,
                      store_sched_row **rows, size_t *n, atsb_error *err)
{
    *rows = NULL;
    *n = 0;
    if (limit <= 0)
        return ATSB_OK;
    store_sched_row *r = calloc((size_t)limit, sizeof(*r));
    if (!r)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    /* IMMEDIATE: the rows are read under the write lock, so a row a worker
     * (or another daemon) has just moved on is seen as it is now. */
    int rc = store_begin(st, err);
    if (!rc)
        rc = claim_rows(st, owner, now, lease_until, limit, r, n, err);
    if (!rc)
        rc = store_commit(st, err);
    else
        store_rollback(st);
    if (rc) {
        free(r);
        *n = 0;
        return rc;
    }
    *rows = r;
    return ATSB_OK;
}

int store_sched_peek(store *st, int64_t now, int limit, int64_t *due, int64_t *next,
                     atsb_error *err)
{
    db_stmt *s = NULL;
    *due = *next = 0;
    int rc = store_prepare(st, &s,
                           "SELECT count(*) FROM (SELECT 1 FROM connections c WHERE "
                           "c.state = 'ok' AND " DUE " <= ?1 AND (c.lease_owner IS NULL OR "
                           "c.lease_until < ?1) LIMIT ?2) AS due", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, now);
    db_bind_int(s, 2, limit);
    if ((rc = store_step_count(st, s, "count due connections", due, err)))
        return rc;
    if ((rc = store_prepare(st, &s,
                            "SELECT " DUE " FROM connections c WHERE c.state = 'ok' AND " DUE
                            " > ?1 ORDER BY " DUE " LIMIT 1", err)))
        return rc;
    db_bind_int64(s, 1, now);
    int step = db_step(s);
    if (step == DB_ROW)
        *next = db_col_int64(s, 0);
    else if (step != DB_DONE)
        rc = store_fail(st, err, "next due connection");
    db_finalize(s);
    return rc;
}

/* One lease statement: ?1 org, ?2 owner, ?3 a time. */
static int lease_update(store *st, const char *sql, int64_t org_id, const char *owner,
                        int64_t t, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, sql, err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, owner);
    db_bind_int64(s, 3, t);
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "update lease");
    else if (st->changes == 0)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "the lease is no longer ours");
    db_finalize(s);
    return rc;
}

int store_sched_release(store *st, int64_t org_id, const char *owner, int64_t turn_at,
                        atsb_error *err)
{
    return lease_update(st,
                        "UPDATE connections SET lease_owner = NULL, lease_until = 0, "
                        "turn_at = CASE WHEN ?3 < 0 THEN turn_at ELSE ?3 END "
                        "WHERE org_id = ?1 AND lease_owner = ?2", org_id, owner, turn_at, err);
}

int store_sched_renew(store *st, int64_t org_id, const char *owner, int64_t lease_until,
                      atsb_error *err)
{
    return lease_update(st,
                        "UPDATE connections SET lease_until = ?3 "
                        "WHERE org_id = ?1 AND lease_owner = ?2", org_id, owner, lease_until,
                        err);
}

int store_sched_each_lease(store *st, store_lease_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT org_id, lease_owner, lease_until FROM connections "
                           "WHERE lease_owner IS NOT NULL", err);
    if (rc)
        return rc;
    int step;
    while ((step = db_step(s)) == DB_ROW)
        if ((rc = cb(db_col_int64(s, 0), db_col_text(s, 1),
                     db_col_int64(s, 2), payload)))
            break;
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list leases");
    db_finalize(s);
    return rc;
}

int store_sched_each_conn(store *st, store_sched_conn_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " STORE_ORG_COLS ", c.last_sync_at, c.jobs_due_at "
                           "FROM connections c JOIN orgs o ON o.id = c.org_id", err);
    if (rc)
        return rc;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_org o;
        store_org_from_row(s, 0, &o);
        if ((rc = cb(&o, db_col_int64(s, 6), db_col_int64(s, 7), payload)))
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list connections");
    db_finalize(s);
    return rc;
}

int store_conn_set_jobs_due(store *st, int64_t org_id, int64_t due_at, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE connections SET jobs_due_at = ?2 WHERE org_id = ?1",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, due_at);
    return store_step_done(st, s, "set job sync due time", err);
}

int64_t store_data_version(store *st)
{
    /* PostgreSQL: the count of wake-ups received (LISTEN atsbridge_work,
     * sent by triggers when work may have become due), read off the
     * socket without a query. */
    if (st->is_pg)
        return store_pg_notified(st);
    db_stmt *s = NULL;
    int64_t v = -1;
    if (db_prepare(st, &s, "PRAGMA data_version") == DB_DONE && db_step(s) == DB_ROW)
        v = db_col_int64(s, 0);
    db_finalize(s);
    return v;
}

/* 64 bits of the name's hash: two names colliding would only make two
 * orgs' syncs wait for each other, never run one org's twice. */
static int try_lock(store *st, const char *name, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "SELECT pg_try_advisory_lock(hashtextextended(?1, 0))", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, name);
    int step = db_step(s);
    if (step != DB_ROW)
        rc = store_fail(st, err, "take a lock");
    else if (!db_col_int(s, 0))
        rc = CORE_ERR_BUSY;
    db_finalize(s);
    return rc;
}

/* Waiting is polling, not pg_advisory_lock: a statement_timeout on the
 * session (README) would cut a blocking wait short. */
int store_lock_take(store *st, const char *name, int wait, atsb_error *err)
{
    if (!st->is_pg)
        return ATSB_OK;
    int rc;
    while ((rc = try_lock(st, name, err)) == CORE_ERR_BUSY && wait) {
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (!rc && store_pg_lock_note(st, name, 1)) {
        store_lock_release(st, name);
        return err_set(err, ATSB_ERR_INTERNAL, "too many locks held at once");
    }
    return rc;
}

void store_lock_release(store *st, const char *name)
{
    if (!st->is_pg)
        return;
    db_stmt *s = NULL;
    if (db_prepare(st, &s, "SELECT pg_advisory_unlock(hashtextextended(?1, 0))") == DB_DONE) {
        db_bind_text(s, 1, name);
        db_step(s);
    }
    db_finalize(s);
    store_pg_lock_note(st, name, 0);
}
