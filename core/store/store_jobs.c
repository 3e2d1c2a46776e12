#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define JOB_COLS                                                                      \
    "id, remote_id, title, state, frozen, remote_status, location_text, country, "    \
    "region, city, department, description, url, remote, remote_updated_at, "          \
    "content_hash, archived_reason, created_at, updated_at"

void store_job_free(store_job *j)
{
    if (!j)
        return;
    free(j->location_text);
    free(j->country);
    free(j->region);
    free(j->city);
    free(j->department);
    free(j->description);
    free(j->url);
    free(j->archived_reason);
    memset(j, 0, sizeof(*j));
}

static void job_from_row(db_stmt *s, store_job *j)
{
    memset(j, 0, sizeof(*j));
    j->id = db_col_int64(s, 0);
    store_col_copy(s, 1, j->remote_id, sizeof(j->remote_id));
    store_col_copy(s, 2, j->title, sizeof(j->title));
    store_col_copy(s, 3, j->state, sizeof(j->state));
    j->frozen = db_col_int(s, 4);
    store_col_copy(s, 5, j->remote_status, sizeof(j->remote_status));
    j->location_text = store_col_dup(s, 6);
    j->country = store_col_dup(s, 7);
    j->region = store_col_dup(s, 8);
    j->city = store_col_dup(s, 9);
    j->department = store_col_dup(s, 10);
    j->description = store_col_dup(s, 11);
    j->url = store_col_dup(s, 12);
    j->remote = db_col_int(s, 13);
    j->remote_updated_at = db_col_int64(s, 14);
    store_col_copy(s, 15, j->content_hash, sizeof(j->content_hash));
    j->archived_reason = store_col_dup(s, 16);
    j->created_at = db_col_int64(s, 17);
    j->updated_at = db_col_int64(s, 18);
}

int store_job_get(store *st, int64_t org_id, const char *remote_id, store_job *out,
                  atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s,
                          "SELECT " JOB_COLS " FROM jobs WHERE org_id = ?1 AND remote_id = ?2",
                          err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, remote_id);
    int step = db_step(s);
    if (step == DB_ROW)
        job_from_row(s, out);
    else if (step == DB_DONE)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no job with ATS id \"%s\"", remote_id);
    else
        rc = store_fail(st, err, "get job");
    store_cached_done(st, s);
    return rc;
}

/* Step s (prepared and bound), one job per callback, then finalize it. */
static int job_rows(store *st, db_stmt *s, store_job_cb cb, void *payload,
                    atsb_error *err)
{
    int rc = 0, step;
    while ((step = db_step(s)) == DB_ROW) {
        store_job j;
        job_from_row(s, &j);
        rc = cb(&j, payload);
        store_job_free(&j);
        if (rc)
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list jobs");
    db_finalize(s);
    return rc;
}

int store_job_each(store *st, int64_t org_id, const char *state, store_job_cb cb,
                   void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " JOB_COLS " FROM jobs WHERE org_id = ?1 "
                           "AND (?2 IS NULL OR state = ?2) ORDER BY title, remote_id",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    return job_rows(st, s, cb, payload, err);
}

int store_job_count(store *st, int64_t org_id, const char *state, int64_t *out,
                    atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT count(*) FROM jobs WHERE org_id = ?1 "
                           "AND (?2 IS NULL OR state = ?2)", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    return store_step_count(st, s, "count jobs", out, err);
}

int store_job_set_active(store *st, int64_t org_id, const char *remote_id, int active,
                         atsb_error *err)
{
    store_job j;
    db_stmt *s = NULL;
    int rc = store_job_get(st, org_id, remote_id, &j, err);
    if (rc)
        return rc;
    if (str_eq(j.state, "archived")) {
        rc = err_set(err, CORE_ERR_CONFLICT, "job %s is archived (%s); it cannot be %s",
                     remote_id, j.archived_reason ? j.archived_reason : "archived",
                     active ? "activated" : "deactivated");
        store_job_free(&j);
        return rc;
    }
    store_job_free(&j);
    /* frozen is never cleared: once an AI recruiter was configured on the
     * job, its content belongs to us, even when paused again. */
    if ((rc = store_prepare(st, &s,
                            active ? "UPDATE jobs SET state = 'active', frozen = 1, updated_at = ?3 "
                                     "WHERE org_id = ?1 AND remote_id = ?2"
                                   : "UPDATE jobs SET state = 'disabled', updated_at = ?3 "
                                     "WHERE org_id = ?1 AND remote_id = ?2",
                            err)))
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, remote_id);
    db_bind_int64(s, 3, time_now());
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "set job state");
    db_finalize(s);
    if (!rc)
        rc = store_audit(st, org_id, active ? "job.activated" : "job.deactivated", remote_id,
                         NULL, err);
    return rc;
}

/* ---- the bulk writer used by the jobs sync ---- */

struct store_job_writer {
    store *st;
    int64_t org_id;
    int64_t run_id;
    char *connector;
    db_stmt *lookup, *insert, *update, *seen, *archive;
};

int store_job_writer_open(store *st, int64_t org_id, const char *connector, int64_t run_id,
                          store_job_writer **out, atsb_error *err)
{
    store_job_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    w->st = st;
    w->org_id = org_id;
    w->run_id = run_id;
    w->connector = str_dup(connector);
    int rc;
    if ((rc = store_prepare(st, &w->lookup,
                            "SELECT id, state, frozen, content_hash, archived_reason FROM jobs "
                            "WHERE org_id = ?1 AND remote_id = ?2", err)) ||
        (rc = store_prepare(st, &w->insert,
                            "INSERT INTO jobs(org_id, connector, remote_id, title, remote_status, "
                            "location_text, country, region, city, department, description, url, "
                            "remote, remote_updated_at, content_hash, last_seen_run, created_at, "
                            "updated_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                            "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, 'disabled')", err)) ||
        (rc = store_prepare(st, &w->update,
                            "UPDATE jobs SET title = ?2, remote_status = ?3, location_text = ?4, "
                            "country = ?5, region = ?6, city = ?7, department = ?8, "
                            "description = ?9, url = ?10, remote = ?11, remote_updated_at = ?12, "
                            "content_hash = ?13, last_seen_run = ?14, updated_at = ?15, "
                            "state = coalesce(?16, state), "
                            "archived_reason = CASE WHEN ?16 IS NULL THEN archived_reason ELSE NULL END "
                            "WHERE id = ?1", err)) ||
        (rc = store_prepare(st, &w->seen,
                            "UPDATE jobs SET content_hash = ?2, last_seen_run = ?3 WHERE id = ?1",
                            err)) ||
        (rc = store_prepare(st, &w->archive,
                            "UPDATE jobs SET state = 'archived', archived_reason = ?2, "
                            "content_hash = coalesce(?3, content_hash), last_seen_run = ?4, "
                            "updated_at = ?5, remote_status = CASE WHEN ?2 = 'closed in the ATS' "
                            "THEN 'closed' ELSE remote_status END WHERE id = ?1", err))) {
        store_job_writer_close(w);
        return rc;
    }
    *out = w;
    return ATSB_OK;
}

void store_job_writer_close(store_job_writer *w)
{
    if (!w)
        return;
    db_finalize(w->lookup);
    db_finalize(w->insert);
    db_finalize(w->update);
    db_finalize(w->seen);
    db_finalize(w->archive);
    free(w->connector);
    free(w);
}

static int finish(store_job_writer *w, db_stmt *s, const char *what, atsb_error *err)
{
    int step = db_step(s);
    db_reset(s);
    return step == DB_DONE ? ATSB_OK : store_fail(w->st, err, what);
}

int store_job_writer_lookup(store_job_writer *w, const char *remote_id, store_job *out,
                            atsb_error *err)
{
    db_stmt *s = w->lookup;
    db_bind_int64(s, 1, w->org_id);
    store_bind_text(s, 2, remote_id);
    int step = db_step(s);
    int rc = ATSB_OK;
    if (step == DB_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int64(s, 0);
        store_col_copy(s, 1, out->state, sizeof(out->state));
        out->frozen = db_col_int(s, 2);
        store_col_copy(s, 3, out->content_hash, sizeof(out->content_hash));
        out->archived_reason = store_col_dup(s, 4);
    } else if (step == DB_DONE) {
        rc = ATSB_ERR_NOT_FOUND;
    } else {
        rc = store_fail(w->st, err, "look up job");
    }
    db_reset(s);
    return rc;
}

int store_job_writer_insert(store_job_writer *w, const store_job_fields *f, atsb_error *err)
{
    db_stmt *s = w->insert;
    db_bind_int64(s, 1, w->org_id);
    store_bind_text(s, 2, w->connector);
    store_bind_text(s, 3, f->remote_id);
    store_bind_text(s, 4, f->title);
    store_bind_text(s, 5, f->remote_status);
    store_bind_text(s, 6, f->location_text);
    store_bind_text(s, 7, f->country);
    store_bind_text(s, 8, f->region);
    store_bind_text(s, 9, f->city);
    store_bind_text(s, 10, f->department);
    store_bind_text(s, 11, f->description);
    store_bind_text(s, 12, f->url);
    db_bind_int(s, 13, f->remote);
    db_bind_int64(s, 14, f->remote_updated_at);
    store_bind_text(s, 15, f->hash);
    db_bind_int64(s, 16, w->run_id);
    db_bind_int64(s, 17, time_now());
    return finish(w, s, "insert job", err);
}

int store_job_writer_update(store_job_writer *w, int64_t id, const store_job_fields *f,
                            const char *state, atsb_error *err)
{
    db_stmt *s = w->update;
    db_bind_int64(s, 1, id);
    store_bind_text(s, 2, f->title);
    store_bind_text(s, 3, f->remote_status);
    store_bind_text(s, 4, f->location_text);
    store_bind_text(s, 5, f->country);
    store_bind_text(s, 6, f->region);
    store_bind_text(s, 7, f->city);
    store_bind_text(s, 8, f->department);
    store_bind_text(s, 9, f->description);
    store_bind_text(s, 10, f->url);
    db_bind_int(s, 11, f->remote);
    db_bind_int64(s, 12, f->remote_updated_at);
    store_bind_text(s, 13, f->hash);
    db_bind_int64(s, 14, w->run_id);
    db_bind_int64(s, 15, time_now());
    store_bind_text(s, 16, state);
    return finish(w, s, "update job", err);
}

int store_job_writer_seen(store_job_writer *w, int64_t id, const char *hash, atsb_error *err)
{
    db_stmt *s = w->seen;
    db_bind_int64(s, 1, id);
    store_bind_text(s, 2, hash);
    db_bind_int64(s, 3, w->run_id);
    return finish(w, s, "mark job seen", err);
}

int store_job_writer_archive(store_job_writer *w, int64_t id, const char *reason,
                             const char *hash, atsb_error *err)
{
    db_stmt *s = w->archive;
    db_bind_int64(s, 1, id);
    store_bind_text(s, 2, reason);
    store_bind_text(s, 3, hash);
    db_bind_int64(s, 4, w->run_id);
    db_bind_int64(s, 5, time_now());
    return finish(w, s, "archive job", err);
}

int store_job_archive_unseen(store *st, int64_t org_id, int64_t run_id, int64_t *count,
                             atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE jobs SET state = 'archived', archived_reason = "
                           "'no longer in the ATS', updated_at = ?3 "
                           "WHERE org_id = ?1 AND state <> 'archived' AND last_seen_run <> ?2",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    db_bind_int64(s, 2, run_id);
    db_bind_int64(s, 3, time_now());
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "archive vanished jobs");
    else
        *count = st->changes;
    db_finalize(s);
    return rc;
}

int store_job_page(store *st, int64_t org_id, const char *state, int64_t after, int limit,
                   store_job_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT " JOB_COLS " FROM jobs WHERE org_id = ?1 "
                           "AND (?2 IS NULL OR state = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
                           err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, org_id);
    store_bind_text(s, 2, state);
    db_bind_int64(s, 3, after);
    db_bind_int(s, 4, limit);
    return job_rows(st, s, cb, payload, err);
}
