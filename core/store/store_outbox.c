#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define PUSH_COLS                                                                           \
    "p.id, p.org_id, p.candidate_id, p.job_id, p.state, p.attempts, p.next_attempt_at, "     \
    "p.last_error, p.remote_candidate_id, p.remote_application_id, p.created_at, "          \
    "p.updated_at, o.slug, c.ext_id, j.remote_id"
#define PUSH_FROM                                                                           \
    " FROM candidate_pushes p JOIN orgs o ON o.id = p.org_id "                              \
    "JOIN candidates c ON c.id = p.candidate_id JOIN jobs j ON j.id = p.job_id "

void store_push_free(store_push *p)
{
    if (!p)
        return;
    free(p->last_error);
    memset(p, 0, sizeof(*p));
}

static void push_from_row(db_stmt *s, store_push *p)
{
    memset(p, 0, sizeof(*p));
    p->id = db_col_int64(s, 0);
    p->org_id = db_col_int64(s, 1);
    p->candidate_id = db_col_int64(s, 2);
    p->job_id = db_col_int64(s, 3);
    store_col_copy(s, 4, p->state, sizeof(p->state));
    p->attempts = db_col_int(s, 5);
    p->next_attempt_at = db_col_int64(s, 6);
    p->last_error = store_col_dup(s, 7);
    store_col_copy(s, 8, p->remote_candidate_id, sizeof(p->remote_candidate_id));
    store_col_copy(s, 9, p->remote_application_id, sizeof(p->remote_application_id));
    p->created_at = db_col_int64(s, 10);
    p->updated_at = db_col_int64(s, 11);
    store_col_copy(s, 12, p->org_slug, sizeof(p->org_slug));
    store_col_copy(s, 13, p->cand_ext_id, sizeof(p->cand_ext_id));
    store_col_copy(s, 14, p->job_remote_id, sizeof(p->job_remote_id));
}

int store_push_enqueue(store *st, int64_t org_id, int64_t cand_id, int64_t job_id, int *queued,
                       atsb_error *err)
{
    db_stmt *s = NULL;
    /* UNIQUE(candidate_id, job_id): never twice to the same job. */
    int rc = store_prepare(st, &s,
                           "INSERT INTO candidate_pushes(org_id, candidate_id, job_id, "
                           "created_at, updated_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?4, ?4) "
                           "ON CONFLICT (candidate_id, job_id) DO NOTHING",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, cand_id);
    db_bind_int64(s, 3, job_id);
    db_bind_int64(s, 4, time_now());
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "queue push");
    else
        *queued = st->changes > 0;
    db_finalize(s);
    if (rc || *queued)
        return rc;
    /* Already there: a pending row waiting out a hold becomes due now. */
    if ((rc = store_prepare(st, &s,
                            "UPDATE candidate_pushes SET next_attempt_at = ?3 WHERE candidate_id = ?1 "
                            "AND job_id = ?2 AND state = 'pending' AND next_attempt_at > ?3", err)))
        return rc;
    db_bind_int64(s, 1, cand_id);
    db_bind_int64(s, 2, job_id);
    db_bind_int64(s, 3, time_now());
    return store_step_done(st, s, "requeue push", err);
}

static int each(store *st, db_stmt *s, store_push_cb cb, void *payload, atsb_error *err)
{
    int rc = 0, step;
    while ((step = db_step(s)) == DB_ROW) {
        store_push p;
        push_from_row(s, &p);
        rc = cb(&p, payload);
        store_push_free(&p);
        if (rc)
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list outbox");
    store_cached_done(st, s); /* finalizes a statement that is not cached */
    return rc;
}

int store_push_each_due(store *st, int64_t org_id, int64_t now, int limit, store_push_cb cb,
                        void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " PUSH_COLS PUSH_FROM "WHERE p.org_id = ?1 AND p.state = 'pending' "
                           "AND p.next_attempt_at <= ?2 ORDER BY p.next_attempt_at, p.id LIMIT ?3",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, now);
    db_bind_int(s, 3, limit);
    return each(st, s, cb, payload, err);
}

int store_push_each(store *st, int64_t org_id, const char *state, store_push_cb cb,
                    void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " PUSH_COLS PUSH_FROM "WHERE (?1 = 0 OR p.org_id = ?1) "
                           "AND (?2 IS NULL OR p.state = ?2) ORDER BY p.id", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    return each(st, s, cb, payload, err);
}

static int copy_one(const store_push *p, void *payload)
{
    store_push *out = payload;
    *out = *p;
    out->last_error = str_dup(p->last_error);
    return 1;
}

int store_push_get(store *st, int64_t id, store_push *out, atsb_error *err)
{
    db_stmt *s = NULL;
    memset(out, 0, sizeof(*out));
    int rc = store_prepare(st, &s, "SELECT " PUSH_COLS PUSH_FROM "WHERE p.id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    rc = each(st, s, copy_one, out, err);
    if (rc == 1)
        return ATSB_OK;
    return rc ? rc : err_set(err, ATSB_ERR_NOT_FOUND, "no outbox entry %lld", (long long)id);
}

int store_push_count(store *st, int64_t org_id, const char *state, int64_t *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT count(*) FROM candidate_pushes WHERE (?1 = 0 OR org_id = ?1) "
                           "AND (?2 IS NULL OR state = ?2)", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    return store_step_count(st, s, "count outbox", out, err);
}

/* One outbox state change.  Parameters: ?1 id, ?2 and ?3 texts, ?4 a time,
 * ?5 now; a statement uses those it needs (SQLite accepts bindings for
 * numbered parameters a statement does not mention). */
static int update(store *st, const char *sql, int64_t id, const char *a, const char *b,
                  int64_t n, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, sql, err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    store_bind_text(s, 2, a);
    store_bind_text(s, 3, b);
    db_bind_int64(s, 4, n);
    db_bind_int64(s, 5, time_now());
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "update outbox");
    else if (st->changes == 0)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no outbox entry %lld in that state", (long long)id);
    db_finalize(s);
    return rc;
}

int store_push_begin_attempt(store *st, int64_t id, atsb_error *err)
{
    return update(st, "UPDATE candidate_pushes SET attempts = attempts + 1, updated_at = ?5 "
                      "WHERE id = ?1 AND state = 'pending'",
                  id, NULL, NULL, 0, err);
}

int store_push_done(store *st, int64_t id, const char *cand_remote, const char *app_remote,
                    atsb_error *err)
{
    return update(st, "UPDATE candidate_pushes SET state = 'done', remote_candidate_id = ?2, "
                      "remote_application_id = ?3, last_error = NULL, updated_at = ?5 "
                      "WHERE id = ?1 AND state = 'pending'",
                  id, cand_remote, app_remote, 0, err);
}

int store_push_later(store *st, int64_t id, int64_t next_at, const char *error, atsb_error *err)
{
    return update(st, "UPDATE candidate_pushes SET next_attempt_at = ?4, last_error = ?2, "
                      "updated_at = ?5 WHERE id = ?1 AND state = 'pending'",
                  id, error, NULL, next_at, err);
}

int store_push_dead(store *st, int64_t id, const char *error, atsb_error *err)
{
    return update(st, "UPDATE candidate_pushes SET state = 'dead', last_error = ?2, "
                      "updated_at = ?5 WHERE id = ?1 AND state = 'pending'",
                  id, error, NULL, 0, err);
}

int store_push_requeue(store *st, int64_t id, atsb_error *err)
{
    return update(st, "UPDATE candidate_pushes SET state = 'pending', attempts = 0, "
                      "next_attempt_at = ?5, updated_at = ?5 "
                      "WHERE id = ?1 AND state = 'dead'",
                  id, NULL, NULL, 0, err);
}

int store_push_count_due(store *st, int64_t org_id, int64_t now, int64_t *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT count(*) FROM candidate_pushes WHERE org_id = ?1 "
                           "AND state = 'pending' AND next_attempt_at <= ?2", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, now);
    return store_step_count(st, s, "count due pushes", out, err);
}

int store_push_each_for_cand(store *st, int64_t cand_id, store_push_cb cb, void *payload,
                             atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s, "SELECT " PUSH_COLS PUSH_FROM "WHERE p.candidate_id = ?1 "
                          "ORDER BY p.id", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, cand_id);
    return each(st, s, cb, payload, err);
}

int store_push_page(store *st, int64_t org_id, const char *state, int64_t after, int limit,
                    store_push_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " PUSH_COLS PUSH_FROM "WHERE (?1 = 0 OR p.org_id = ?1) "
                           "AND (?2 IS NULL OR p.state = ?2) AND p.id > ?3 ORDER BY p.id LIMIT ?4",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    db_bind_int64(s, 3, after);
    db_bind_int(s, 4, limit);
    return each(st, s, cb, payload, err);
}
