#include "store/store_int.h"

#include <string.h>

int store_org_add(store *st, const char *slug, const char *name, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO orgs(slug, name, created_at) VALUES (?1, ?2, ?3)", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, slug);
    store_bind_text(s, 2, name ? name : slug);
    sqlite3_bind_int64(s, 3, time_now());
    int step = sqlite3_step(s);
    if (step == SQLITE_CONSTRAINT_UNIQUE)
        rc = err_set(err, CORE_ERR_CONFLICT, "organisation \"%s\" already exists", slug);
    else if (step != SQLITE_DONE)
        rc = store_fail(st, err, "add org");
    sqlite3_finalize(s);
    return rc;
}

void store_org_from_row(sqlite3_stmt *s, int col, store_org *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(s, col);
    store_col_copy(s, col + 1, o->slug, sizeof(o->slug));
    store_col_copy(s, col + 2, o->name, sizeof(o->name));
    store_col_copy(s, col + 3, o->trigger_status, sizeof(o->trigger_status));
    o->created_at = sqlite3_column_int64(s, col + 4);
    o->jobs_interval_s = sqlite3_column_int64(s, col + 5);
}

int store_org_get(store *st, const char *slug, store_org *out, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, slug, name, trigger_status, created_at, "
                           "coalesce(jobs_interval_s, 0) FROM orgs WHERE slug = ?1", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, slug);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        store_org_from_row(s, 0, out);
    else if (step == SQLITE_DONE)
        rc = err_set(err, ATSB_ERR_NOT_FOUND,
                     "no organisation \"%s\" (create it with: atsbridge org add %s)", slug, slug);
    else
        rc = store_fail(st, err, "get org");
    sqlite3_finalize(s);
    return rc;
}

int store_org_each(store *st, store_org_cb cb, void *payload, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, slug, name, trigger_status, created_at, "
                           "coalesce(jobs_interval_s, 0) FROM orgs ORDER BY slug", err);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        store_org o;
        store_org_from_row(s, 0, &o);
        if ((rc = cb(&o, payload)) != 0)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, err, "list orgs");
    sqlite3_finalize(s);
    return rc;
}

int store_org_set_trigger(store *st, int64_t org_id, const char *status, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET trigger_status = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, status);
    sqlite3_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "set trigger", err);
}

int store_org_set_name(store *st, int64_t org_id, const char *name, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET name = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, name);
    sqlite3_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "rename org", err);
}

int store_org_set_jobs_interval(store *st, int64_t org_id, int64_t seconds, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE orgs SET jobs_interval_s = ?1 WHERE id = ?2", err);
    if (rc)
        return rc;
    if (seconds > 0)
        sqlite3_bind_int64(s, 1, seconds);
    else
        sqlite3_bind_null(s, 1);
    sqlite3_bind_int64(s, 2, org_id);
    return store_step_done(st, s, "set jobs interval", err);
}
