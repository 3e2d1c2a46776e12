#include <string.h>

#include "store/store_int.h"

int store_event_each(store *st, int64_t org_id, int64_t after, int limit, store_event_cb cb,
                     void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT e.id, e.org_id, coalesce(o.slug, ''), e.at, e.type, "
                           "e.object_type, e.object_id, e.data FROM events e "
                           "LEFT JOIN orgs o ON o.id = e.org_id "
                           "WHERE e.id > ?2 AND (?1 = 0 OR e.org_id = ?1) ORDER BY e.id LIMIT ?3",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, after);
    db_bind_int(s, 3, limit);
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_event e = { db_col_int64(s, 0), db_col_int64(s, 1),
                          db_col_text(s, 2), db_col_int64(s, 3),
                          db_col_text(s, 4),
                          db_col_text(s, 5),
                          db_col_text(s, 6),
                          db_col_text(s, 7) };
        if ((rc = cb(&e, payload)))
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "read events");
    db_finalize(s);
    return rc;
}

int store_event_last_id(store *st, int64_t *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "SELECT coalesce(max(id), 0) FROM events", err);
    return rc ? rc : store_step_count(st, s, "read events", out, err);
}

int store_webhook_cursor_get(store *st, int64_t org_id, store_webhook_cursor *out,
                             atsb_error *err)
{
    memset(out, 0, sizeof(*out));
    out->org_id = org_id;
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT last_event_id, attempts, next_attempt_at FROM webhook_cursors "
                           "WHERE org_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    int step = db_step(s);
    if (step == DB_ROW) {
        out->last_event_id = db_col_int64(s, 0);
        out->attempts = db_col_int(s, 1);
        out->next_attempt_at = db_col_int64(s, 2);
    } else if (step != DB_DONE) {
        rc = store_fail(st, err, "read webhook cursor");
    }
    db_finalize(s);
    return rc;
}

int store_webhook_delivered(store *st, int64_t org_id, int64_t event_id, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO webhook_cursors(org_id, last_event_id) VALUES (?1, ?2) "
                           "ON CONFLICT(org_id) DO UPDATE SET last_event_id = "
                           "max(webhook_cursors.last_event_id, ?2), "
                           "attempts = 0, next_attempt_at = 0, last_error = NULL", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, event_id);
    return store_step_done(st, s, "move webhook cursor", err);
}

int store_webhook_failed(store *st, int64_t org_id, int attempts, int64_t next_at,
                         const char *error, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO webhook_cursors(org_id, attempts, next_attempt_at, last_error) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(org_id) DO UPDATE SET "
                           "attempts = ?2, next_attempt_at = ?3, last_error = ?4", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int(s, 2, attempts);
    db_bind_int64(s, 3, next_at);
    store_bind_text(s, 4, error);
    return store_step_done(st, s, "note webhook failure", err);
}

int store_webhook_each_due(store *st, int64_t now, store_id_cb cb, void *payload,
                           atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT o.id FROM orgs o LEFT JOIN webhook_cursors w ON w.org_id = o.id "
                           "WHERE coalesce(w.next_attempt_at, 0) <= ?1 AND EXISTS (SELECT 1 FROM "
                           "events e WHERE e.org_id = o.id AND e.id > coalesce(w.last_event_id, 0)) "
                           "ORDER BY o.id", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, now);
    int step;
    while ((step = db_step(s)) == DB_ROW)
        if ((rc = cb(db_col_int64(s, 0), payload)))
            break;
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list webhook work");
    db_finalize(s);
    return rc;
}

int store_webhook_backlog(store *st, int64_t *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT count(*) FROM events e JOIN orgs o ON o.id = e.org_id "
                           "LEFT JOIN webhook_cursors w ON w.org_id = e.org_id "
                           "WHERE e.id > coalesce(w.last_event_id, 0)", err);
    return rc ? rc : store_step_count(st, s, "count webhook backlog", out, err);
}

int store_event_tail_after(store *st, int64_t org_id, int n, int64_t *after, atsb_error *err)
{
    db_stmt *s = NULL;
    /* The n-th newest event's id, less one: reading after it gives the
     * last n events (0 when there are fewer). */
    int rc = store_prepare(st, &s,
                           "SELECT coalesce((SELECT id - 1 FROM events "
                           "WHERE (?1 = 0 OR org_id = ?1) ORDER BY id DESC LIMIT 1 OFFSET ?2), 0)",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int(s, 2, n > 0 ? n - 1 : 0);
    return store_step_count(st, s, "find the feed's tail", after, err);
}
