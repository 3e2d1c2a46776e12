#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"

int store_fail(store *st, atsb_error *err, const char *what)
{
    return err_set(err, CORE_ERR_STORE, "store %s: %s: %s", st->path, what, db_errmsg(st));
}

int store_prepare(store *st, db_stmt **out, const char *sql, atsb_error *err)
{
    if (db_prepare(st, out, sql) != DB_DONE)
        return store_fail(st, err, "prepare");
    return ATSB_OK;
}

int store_cached(store *st, db_stmt **out, const char *sql, atsb_error *err)
{
    int i;
    for (i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        if (st->cache_sql[i] == sql) {
            *out = st->cache[i];
            return ATSB_OK;
        }
    int rc = store_prepare(st, out, sql, err);
    if (!rc && i < STORE_CACHE) {
        st->cache_sql[i] = sql;
        st->cache[i] = *out;
    }
    return rc;
}

void store_cached_done(store *st, db_stmt *s)
{
    for (int i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        if (st->cache[i] == s) {
            db_reset(s);
            return;
        }
    db_finalize(s);
}

int store_cached_step_done(store *st, db_stmt *s, const char *what, atsb_error *err)
{
    int rc = db_step(s) == DB_DONE ? ATSB_OK : store_fail(st, err, what);
    store_cached_done(st, s);
    return rc;
}

int store_step_done(store *st, db_stmt *s, const char *what, atsb_error *err)
{
    int rc = db_step(s) == DB_DONE ? ATSB_OK : store_fail(st, err, what);
    db_finalize(s);
    return rc;
}

int store_step_count(store *st, db_stmt *s, const char *what, int64_t *out,
                     atsb_error *err)
{
    int rc = ATSB_OK;
    if (db_step(s) == DB_ROW)
        *out = db_col_int64(s, 0);
    else
        rc = store_fail(st, err, what);
    db_finalize(s);
    return rc;
}

int store_bind_text(db_stmt *s, int idx, const char *v)
{
    db_bind_text(s, idx, v);
    return ATSB_OK;
}

void store_col_copy(db_stmt *s, int col, char *dst, size_t size)
{
    str_copy(dst, size, db_col_text(s, col));
}

char *store_col_dup(db_stmt *s, int col)
{
    return str_dup(db_col_text(s, col));
}

static int open_store(store **out, const char *path, int migrate, atsb_error *err)
{
    *out = NULL;
    store *st = calloc(1, sizeof(*st));
    if (!st)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    st->is_pg = config_is_store_url(path);
    st->path = st->is_pg ? store_url_masked(path) : str_dup(path);
    int rc = st->is_pg ? db_pg_open(st, path, err) : db_sqlite_open(st, path, err);
    if (rc)
        goto fail;
    if (migrate && (rc = store_migrate(st, err)) != ATSB_OK)
        goto fail;
    *out = st;
    return ATSB_OK;
fail:
    store_close(st);
    return rc;
}

int store_open(store **out, const char *path, atsb_error *err)
{
    return open_store(out, path, 1, err);
}

int store_open_as_is(store **out, const char *path, atsb_error *err)
{
    return open_store(out, path, 0, err);
}

int store_upgrade(store *st, int *from, atsb_error *err)
{
    *from = store_schema_version(st);
    return store_migrate(st, err);
}

void store_close(store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        db_finalize(st->cache[i]);
    if (st->is_pg)
        db_pg_close(st);
    else
        db_sqlite_close(st);
    free(st->path);
    free(st);
}

const char *store_name(const store *st)
{
    return st->path;
}

int store_is_shared(const store *st)
{
    return st->is_pg;
}

int store_begin(store *st, atsb_error *err)
{
    /* SQLite: IMMEDIATE takes the write lock now, so two writers queue on
     * busy_timeout instead of failing at their first write.  PostgreSQL:
     * READ COMMITTED, and the lock every event-writing trigger takes
     * (atsb_events_lock in store_schema_pg.c) taken first: the feed's ids
     * must commit in order, and taking it up front rather than halfway
     * through cannot deadlock against the transaction's row locks. */
    if (st->is_pg && store_pg_lock_lost(st))
        return err_set(err, CORE_ERR_STORE,
                       "store %s: the organisation's sync lock went with a lost database "
                       "session and another process holds it now; stopping here", st->path);
    if (db_exec(st, STORE_SQL(st, "BEGIN IMMEDIATE", "BEGIN; " STORE_PG_WRITE_LOCK)) != DB_DONE) {
        int rc = store_fail(st, err, "begin");
        /* BEGIN may have run and the lock wait failed (a timeout): never
         * leave the session in a transaction nobody knows of. */
        if (st->is_pg)
            db_exec(st, "ROLLBACK");
        return rc;
    }
    st->in_tx = 1;
    return ATSB_OK;
}

int store_commit(store *st, atsb_error *err)
{
    /* PostgreSQL answers COMMIT of a failed transaction with a rollback,
     * not an error: a statement's failure someone ignored would pass. */
    if (st->is_pg && store_pg_tx_failed(st)) {
        store_rollback(st);
        return err_set(err, CORE_ERR_STORE,
                       "store %s: commit: the transaction had failed and was rolled back",
                       st->path);
    }
    if (db_exec(st, "COMMIT") != DB_DONE) {
        int rc = store_fail(st, err, "commit");
        store_rollback(st);
        return rc;
    }
    st->in_tx = 0;
    return ATSB_OK;
}

void store_rollback(store *st)
{
    /* SQLite may have rolled back on its own (a full disk, an interrupt);
     * a ROLLBACK with no transaction is harmless on both backends. */
    if (st->is_pg ? store_pg_tx_open(st) : 1)
        db_exec(st, "ROLLBACK");
    st->in_tx = 0;
}

int store_audit(store *st, int64_t org_id, const char *action, const char *subject,
                const char *detail, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO audit_log(org_id, at, action, subject, detail) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (rc)
        return rc;
    if (org_id > 0)
        db_bind_int64(s, 1, org_id);
    else
        db_bind_null(s, 1);
    db_bind_int64(s, 2, time_now());
    store_bind_text(s, 3, action);
    store_bind_text(s, 4, subject);
    store_bind_text(s, 5, detail);
    return store_step_done(st, s, "audit", err);
}

int store_audit_each(store *st, int64_t org_id, int limit, store_audit_cb cb, void *payload,
                     atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, at, action, subject, detail FROM audit_log "
                           "WHERE org_id = ?1 ORDER BY id DESC LIMIT ?2", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int(s, 2, limit);
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_audit_entry e = { db_col_int64(s, 0), db_col_int64(s, 1),
                                db_col_text(s, 2),
                                db_col_text(s, 3),
                                db_col_text(s, 4) };
        if ((rc = cb(&e, payload)))
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "read audit log");
    db_finalize(s);
    return rc;
}
