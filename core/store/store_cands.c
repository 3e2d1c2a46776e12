#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define CAND_COLS                                                                        \
    "id, org_id, ext_id, job_remote_id, status, first_name, last_name, email, phone, "   \
    "profile_url, data, hold_reason, created_at, updated_at"

void store_cand_free(store_cand *c)
{
    if (!c)
        return;
    free(c->first_name);
    free(c->last_name);
    free(c->email);
    free(c->phone);
    free(c->profile_url);
    free(c->data);
    free(c->hold_reason);
    memset(c, 0, sizeof(*c));
}

static void cand_from_row(db_stmt *s, store_cand *c)
{
    memset(c, 0, sizeof(*c));
    c->id = db_col_int64(s, 0);
    c->org_id = db_col_int64(s, 1);
    store_col_copy(s, 2, c->ext_id, sizeof(c->ext_id));
    store_col_copy(s, 3, c->job_remote_id, sizeof(c->job_remote_id));
    store_col_copy(s, 4, c->status, sizeof(c->status));
    c->first_name = store_col_dup(s, 5);
    c->last_name = store_col_dup(s, 6);
    c->email = store_col_dup(s, 7);
    c->phone = store_col_dup(s, 8);
    c->profile_url = store_col_dup(s, 9);
    c->data = store_col_dup(s, 10);
    c->hold_reason = store_col_dup(s, 11);
    c->created_at = db_col_int64(s, 12);
    c->updated_at = db_col_int64(s, 13);
}

int store_cand_upsert(store *st, int64_t org_id, const store_cand_fields *f, int64_t *id,
                      int *created, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s, "SELECT id FROM candidates WHERE org_id = ?1 AND ext_id = ?2",
                          err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, f->ext_id);
    int step = db_step(s);
    int64_t existing = step == DB_ROW ? db_col_int64(s, 0) : 0;
    store_cached_done(st, s);
    if (step != DB_ROW && step != DB_DONE)
        return store_fail(st, err, "look up candidate");
    const char *sql = existing
        ? "UPDATE candidates SET job_remote_id = ?3, status = ?4, first_name = ?5, "
          "last_name = ?6, email = ?7, phone = ?8, profile_url = ?9, data = ?10, "
          "updated_at = ?11 WHERE id = ?1"
        : "INSERT INTO candidates(org_id, ext_id, job_remote_id, status, first_name, last_name, "
          "email, phone, profile_url, data, created_at, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING id";
    if ((rc = store_cached(st, &s, sql, err)))
        return rc;
    db_bind_int64(s, 1, existing ? existing : org_id);
    store_bind_text(s, 2, f->ext_id);
    store_bind_text(s, 3, f->job_remote_id);
    store_bind_text(s, 4, f->status);
    store_bind_text(s, 5, f->first_name);
    store_bind_text(s, 6, f->last_name);
    store_bind_text(s, 7, f->email);
    store_bind_text(s, 8, f->phone);
    store_bind_text(s, 9, f->profile_url);
    store_bind_text(s, 10, f->data ? f->data : "{}");
    db_bind_int64(s, 11, time_now());
    int step2 = db_step(s);
    if (step2 != (existing ? DB_DONE : DB_ROW))
        rc = store_fail(st, err, existing ? "update candidate" : "insert candidate");
    else {
        *id = existing ? existing : db_col_int64(s, 0);
        *created = !existing;
    }
    store_cached_done(st, s);
    return rc;
}

static int get_one(store *st, const char *sql, int64_t a, const char *b, store_cand *out,
                   const char *what, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s, sql, err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, a);
    if (b)
        store_bind_text(s, 2, b);
    int step = db_step(s);
    if (step == DB_ROW)
        cand_from_row(s, out);
    else if (step == DB_DONE)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no candidate \"%s\"", what);
    else
        rc = store_fail(st, err, "get candidate");
    store_cached_done(st, s);
    return rc;
}

int store_cand_get(store *st, int64_t org_id, const char *ext_id, store_cand *out,
                   atsb_error *err)
{
    return get_one(st, "SELECT " CAND_COLS " FROM candidates WHERE org_id = ?1 AND ext_id = ?2",
                   org_id, ext_id, out, ext_id, err);
}

int store_cand_get_by_id(store *st, int64_t id, store_cand *out, atsb_error *err)
{
    return get_one(st, "SELECT " CAND_COLS " FROM candidates WHERE id = ?1", id, NULL, out,
                   "(by id)", err);
}

/* Step s (prepared and bound), one candidate per callback, then finalize
 * it. */
static int cand_rows(store *st, db_stmt *s, store_cand_cb cb, void *payload,
                     atsb_error *err)
{
    int rc = 0, step;
    while ((step = db_step(s)) == DB_ROW) {
        store_cand c;
        cand_from_row(s, &c);
        rc = cb(&c, payload);
        store_cand_free(&c);
        if (rc)
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list candidates");
    db_finalize(s);
    return rc;
}

static int each(store *st, const char *sql, int64_t org_id, const char *job, store_cand_cb cb,
                void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, sql, err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    if (job)
        store_bind_text(s, 2, job);
    return cand_rows(st, s, cb, payload, err);
}

int store_cand_each(store *st, int64_t org_id, store_cand_cb cb, void *payload, atsb_error *err)
{
    return each(st, "SELECT " CAND_COLS " FROM candidates WHERE org_id = ?1 ORDER BY ext_id",
                org_id, NULL, cb, payload, err);
}

int store_cand_each_for_job(store *st, int64_t org_id, const char *job_remote_id,
                            store_cand_cb cb, void *payload, atsb_error *err)
{
    return each(st, "SELECT " CAND_COLS " FROM candidates WHERE org_id = ?1 AND job_remote_id = ?2 "
                "ORDER BY id", org_id, job_remote_id, cb, payload, err);
}

int store_cand_held_page(store *st, int64_t org_id, int64_t after, int limit, store_cand_cb cb,
                         void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " CAND_COLS " FROM candidates WHERE org_id = ?1 "
                           "AND hold_reason IS NOT NULL AND id > ?2 ORDER BY id LIMIT ?3", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, after);
    db_bind_int(s, 3, limit);
    return cand_rows(st, s, cb, payload, err);
}

/* ?1 id, ?2 text, ?3 now; statements use what they need. */
static int exec_id_text(store *st, const char *sql, int64_t id, const char *v, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s, sql, err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    store_bind_text(s, 2, v);
    db_bind_int64(s, 3, time_now());
    return store_cached_step_done(st, s, "update candidate", err);
}

int store_cand_set_status(store *st, int64_t id, const char *status, atsb_error *err)
{
    return exec_id_text(st, "UPDATE candidates SET status = ?2, updated_at = ?3 WHERE id = ?1",
                        id, status, err);
}

int store_cand_set_hold(store *st, int64_t id, const char *reason, atsb_error *err)
{
    /* The hold is bookkeeping, not a change of the candidate: updated_at
     * (?3, bound by the helper) is left alone. */
    return exec_id_text(st, "UPDATE candidates SET hold_reason = ?2 WHERE id = ?1", id, reason, err);
}

int store_cand_set_resume(store *st, int64_t id, const char *file_name, const char *mime,
                          const void *content, size_t len, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s,
                           content ? "INSERT INTO candidate_resumes(candidate_id, "
                                     "file_name, mime_type, content) VALUES (?1, ?2, ?3, ?4) "
                                     "ON CONFLICT (candidate_id) DO UPDATE SET file_name = "
                                     "excluded.file_name, mime_type = excluded.mime_type, "
                                     "content = excluded.content"
                                   : "DELETE FROM candidate_resumes WHERE candidate_id = ?1",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    if (content) {
        store_bind_text(s, 2, file_name);
        store_bind_text(s, 3, mime);
        db_bind_blob(s, 4, content, len);
    }
    return store_cached_step_done(st, s, "store resume", err);
}

int store_cand_get_resume(store *st, int64_t id, char **file_name, char **mime,
                          unsigned char **content, size_t *len, atsb_error *err)
{
    *file_name = *mime = NULL;
    *content = NULL;
    *len = 0;
    db_stmt *s = NULL;
    int rc = store_cached(st, &s,
                           "SELECT file_name, mime_type, content FROM candidate_resumes "
                           "WHERE candidate_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    int step = db_step(s);
    if (step == DB_ROW) {
        int n = db_col_bytes(s, 2);
        *file_name = store_col_dup(s, 0);
        *mime = store_col_dup(s, 1);
        *content = malloc((size_t)n + 1);
        if (*content) {
            memcpy(*content, db_col_blob(s, 2), (size_t)n);
            (*content)[n] = 0;
            *len = (size_t)n;
        } else {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        }
    } else if (step == DB_DONE) {
        rc = ATSB_ERR_NOT_FOUND;
    } else {
        rc = store_fail(st, err, "read resume");
    }
    store_cached_done(st, s);
    return rc;
}

int store_cand_resume_info(store *st, int64_t id, char **file_name, char **mime, size_t *len,
                           atsb_error *err)
{
    *file_name = *mime = NULL;
    *len = 0;
    db_stmt *s = NULL;
    int rc = store_cached(st, &s,
                          "SELECT file_name, mime_type, length(content) FROM candidate_resumes "
                          "WHERE candidate_id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    int step = db_step(s);
    if (step == DB_ROW) {
        *file_name = store_col_dup(s, 0);
        *mime = store_col_dup(s, 1);
        *len = (size_t)db_col_int64(s, 2);
    } else if (step == DB_DONE) {
        rc = ATSB_ERR_NOT_FOUND;
    } else {
        rc = store_fail(st, err, "read resume");
    }
    store_cached_done(st, s);
    return rc;
}
