#include <string.h>

#include "store/store_int.h"

#define TOKEN_COLS                                                                       \
    "t.id, t.name, t.public_id, t.hash, coalesce(t.org_id, 0), coalesce(o.slug, ''), "    \
    "t.read_only, t.created_at, t.last_used_at, t.revoked_at"
#define TOKEN_FROM " FROM api_tokens t LEFT JOIN orgs o ON o.id = t.org_id "

static void token_from_row(db_stmt *s, store_token *t)
{
    memset(t, 0, sizeof(*t));
    t->id = db_col_int64(s, 0);
    store_col_copy(s, 1, t->name, sizeof(t->name));
    store_col_copy(s, 2, t->public_id, sizeof(t->public_id));
    store_col_copy(s, 3, t->hash, sizeof(t->hash));
    t->org_id = db_col_int64(s, 4);
    store_col_copy(s, 5, t->org_slug, sizeof(t->org_slug));
    t->read_only = db_col_int(s, 6);
    t->created_at = db_col_int64(s, 7);
    t->last_used_at = db_col_int64(s, 8);
    t->revoked_at = db_col_int64(s, 9);
}

int store_token_add(store *st, const char *name, const char *public_id, const char *hash,
                    int64_t org_id, int read_only, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO api_tokens(name, public_id, hash, org_id, read_only, "
                           "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err);
    if (rc)
        return rc;
    store_bind_text(s, 1, name);
    store_bind_text(s, 2, public_id);
    store_bind_text(s, 3, hash);
    if (org_id > 0)
        db_bind_int64(s, 4, org_id);
    else
        db_bind_null(s, 4);
    db_bind_int(s, 5, read_only != 0);
    db_bind_int64(s, 6, time_now());
    int step = db_step(s);
    if (step == DB_UNIQUE)
        rc = err_set(err, CORE_ERR_CONFLICT, "a token named \"%s\" already exists", name);
    else if (step != DB_DONE)
        rc = store_fail(st, err, "add token");
    db_finalize(s);
    return rc;
}

int store_token_find(store *st, const char *public_id, store_token *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_cached(st, &s, "SELECT " TOKEN_COLS TOKEN_FROM "WHERE t.public_id = ?1",
                          err);
    if (rc)
        return rc;
    store_bind_text(s, 1, public_id);
    int step = db_step(s);
    if (step == DB_ROW)
        token_from_row(s, out);
    else if (step == DB_DONE)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no such token");
    else
        rc = store_fail(st, err, "find token");
    store_cached_done(st, s);
    return rc;
}

int store_token_each(store *st, store_token_cb cb, void *payload, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "SELECT " TOKEN_COLS TOKEN_FROM "ORDER BY t.name", err);
    if (rc)
        return rc;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        store_token t;
        token_from_row(s, &t);
        if ((rc = cb(&t, payload)))
            break;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list tokens");
    db_finalize(s);
    return rc;
}

int store_token_revoke(store *st, const char *name, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at = 0",
                           err);
    if (rc)
        return rc;
    store_bind_text(s, 1, name);
    db_bind_int64(s, 2, time_now());
    if (db_step(s) != DB_DONE)
        rc = store_fail(st, err, "revoke token");
    else if (st->changes == 0)
        rc = err_set(err, ATSB_ERR_NOT_FOUND, "no unrevoked token named \"%s\"", name);
    db_finalize(s);
    return rc;
}

int store_token_touch(store *st, int64_t id, int64_t at, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", err);
    if (rc)
        return rc;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, at);
    return store_step_done(st, s, "note token use", err);
}
