#include "store/store_int.h"

#include <string.h>

int store_org_add(store *st, const char *slug, const char *name, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO orgs(slug, name, created_at) VALUES (?1, ?2, ?3)", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, slug);
    store_bind_text(s, 2, name ? name : slug);
    db_bind_int64(s, 3, time_now());
    int step = db_step(s);
    if (step == DB_UNIQUE)
        rc = err_set(err, CORE_ERR_CONFLICT, "organisation \"%s\" already exists", slug);
    else if (step != DB_DONE)
        rc = store_fail(st, err, "add org");
    db_finalize(s);
    return rc;
}

void store_org_from_row(db_stmt *s, int col, store_org *o)
{
    memset(o, 0, sizeof(*o));
    o->id = db_col_int64(s, col);
    store_col_copy(s, col + 1, o->slug, sizeof(o->slug));
    store_col_copy(s, col + 2, o->name, sizeof(o->name));
    store_col_copy(s, col + 3, o->trigger_status, sizeof(o->trigger_status));
    o->created_at = db_col_int64(s, col + 4);
    o->jobs_interval_s = db_col_int64(s, col + 5);
}

int store_org_get(store *st, const char *slug, store_org *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s,
                          "SELECT id, slug, name, trigger_status, created_at, "
                          "coalesce(jobs_interval_s, 0) FROM orgs WHERE slug = ?1", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, slug);
    int step = db_step(s);
    if (step == DB_ROW)
        store_org_from_row(s, 0, out);
    else if (step == DB_DONE)
        rc = err_set(err, ATSB_ERR_NOT_FOUND,
                     "no organisation \"%s\" (create it with: atsbridge org add %s)", slug, slug);
    else
        rc = store_fail(st, err, "get org");
    store_cached_done(st, s);
    return rc;
}

/* Step s (prepared and bound), one org per callback, then finalize it. */
static int org_rows(store *st, db_stmt *s, store_org_cb cb, void *payload,
                    atsb_error *err)
{
    int rc = 0, step;
    while ((step = db_step(s)) == DB_ROW) {
        store_org o;
        store_org_from_row(s, 0, &o);
        if ((rc = cb(&o, payload)) != 0)
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list orgs");
    db_finalize(s);
    return rc;
}

int store_org_each(store *st, store_org_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, slug, name, trigger_status, created_at, "
                           "coalesce(jobs_interval_s, 0) FROM orgs ORDER BY slug", err);
    if (rc)
        return rc;
    return org_rows(st, s, cb, payload, err);
}

int store_org_set_trigger(store *st, int64_t org_id, const char *status, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET trigger_status = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, status);
    db_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "set trigger", err);
}

int store_org_set_name(store *st, int64_t org_id, const char *name, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET name = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, name);
    db_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "rename org", err);
}

int store_org_set_jobs_interval(store *st, int64_t org_id, int64_t seconds, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET jobs_interval_s = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    if (seconds > 0)
        db_bind_int64(s, 1, seconds);
    else
        db_bind_null(s, 1);
    db_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "set jobs interval", err);
}

int store_org_delete(store *st, int64_t org_id, atsb_error *err)
{
    /* Its feed events and webhook cursor go with it (they have no foreign
     * key: an event must outlive nothing else); its tokens cascade. */
    static const char *const SQL[] = { "DELETE FROM events WHERE org_id = ?1",
                                       "DELETE FROM webhook_cursors WHERE org_id = ?1",
                                       "DELETE FROM orgs WHERE id = ?1" };
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(SQL) && !rc; i++) {
        db_stmt *s = NULL;
        if ((rc = store_prepare(st, &s, SQL[i], err)))
            break;
        db_bind_int64(s, 1, org_id);
        if (db_step(s) != DB_DONE)
            rc = store_fail(st, err, "delete org");
        else if (i == ARRAY_LEN(SQL) - 1 && st->changes == 0)
            rc = err_set(err, ATSB_ERR_NOT_FOUND, "no such organisation");
        db_finalize(s);
    }
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, err);
}

int store_org_search(store *st, const store_org_filter *f, store_org_cb cb, void *payload,
                     atsb_error *err)
{
    db_stmt *s = NULL;
    /* Health as the overview shows it: no connection; waiting for a person
     * (needs_attention) or paused by one; ok but its circuit breaker open;
     * ok. */
    int rc = store_prepare(st, &s,
        "SELECT o.id, o.slug, o.name, o.trigger_status, o.created_at, "
        "coalesce(o.jobs_interval_s, 0) FROM orgs o LEFT JOIN connections c ON c.org_id = o.id "
        "WHERE (?1 IS NULL OR o.slug > ?1) "
        "AND (?2 IS NULL OR instr(lower(o.slug), lower(?2)) > 0 "
        "     OR instr(lower(o.name), lower(?2)) > 0) "
        "AND (?3 IS NULL "
        "     OR (?3 = 'not_connected' AND c.id IS NULL) "
        "     OR (?3 IN ('needs_attention', 'paused') AND c.state = ?3) "
        "     OR (?3 = 'circuit_open' AND c.state = 'ok' AND c.retry_at > ?4) "
        "     OR (?3 = 'ok' AND c.state = 'ok' AND c.retry_at <= ?4)) "
        "AND (?6 = 0 OR o.id = ?6) "
        "ORDER BY o.slug LIMIT ?5", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, f->after && *f->after ? f->after : NULL);
    store_bind_text(s, 2, f->query && *f->query ? f->query : NULL);
    store_bind_text(s, 3, f->health && *f->health ? f->health : NULL);
    db_bind_int64(s, 4, f->now);
    db_bind_int(s, 5, f->limit);
    db_bind_int64(s, 6, f->only_org);
    return org_rows(st, s, cb, payload, err);
}

int store_org_totals(store *st, int64_t now, store_totals *t, atsb_error *err)
{
    db_stmt *s = NULL;
    memset(t, 0, sizeof(*t));
    int rc = store_prepare(st, &s,
        "SELECT count(*), count(*) FILTER (WHERE c.id IS NULL), "
        "count(*) FILTER (WHERE c.state <> 'ok'), "
        "count(*) FILTER (WHERE c.state = 'ok' AND c.retry_at > ?1), "
        "(SELECT count(*) FROM candidate_pushes WHERE state = 'pending'), "
        "(SELECT count(*) FROM candidate_pushes WHERE state = 'dead') "
        "FROM orgs o LEFT JOIN connections c ON c.org_id = o.id", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, now);
    if (db_step(s) == DB_ROW) {
        t->orgs = db_col_int64(s, 0);
        t->not_connected = db_col_int64(s, 1);
        t->needs_attention = db_col_int64(s, 2);
        t->circuit_open = db_col_int64(s, 3);
        t->outbox_pending = db_col_int64(s, 4);
        t->dead_letters = db_col_int64(s, 5);
    } else {
        rc = store_fail(st, err, "count orgs");
    }
    db_finalize(s);
    return rc;
}
