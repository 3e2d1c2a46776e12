/* The statement layer's front: one call per operation, sent to the
 * statement's backend.  PostgreSQL parameters travel as text (bytea as
 * binary), so the integer binds format here once for it. */
#include "store/store_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_prepare(store *st, db_stmt **out, const char *sql)
{
    return st->is_pg ? db_pg_prepare(st, out, sql) : db_lite_prepare(st, out, sql);
}

void db_bind_int64(db_stmt *s, int idx, int64_t v)
{
    if (!s->st->is_pg) {
        db_lite_bind_int64(s, idx, v);
        return;
    }
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    db_pg_bind(s, idx, buf, (size_t)n, 0);
}

void db_bind_int(db_stmt *s, int idx, int v)
{
    db_bind_int64(s, idx, v);
}

void db_bind_null(db_stmt *s, int idx)
{
    if (s->st->is_pg)
        db_pg_bind(s, idx, NULL, 0, 0);
    else
        db_lite_bind_null(s, idx);
}

void db_bind_text(db_stmt *s, int idx, const char *v)
{
    if (!v)
        db_bind_null(s, idx);
    else if (s->st->is_pg)
        db_pg_bind(s, idx, v, strlen(v), 0);
    else
        db_lite_bind_text(s, idx, v);
}

void db_bind_blob(db_stmt *s, int idx, const void *p, size_t n)
{
    if (s->st->is_pg)
        db_pg_bind(s, idx, p, n, 1);
    else
        db_lite_bind_blob(s, idx, p, n);
}

int db_step(db_stmt *s)
{
    return s->st->is_pg ? db_pg_step(s) : db_lite_step(s);
}

/* PostgreSQL answers in text: integers, counts and sums as digits, a
 * boolean expression as t or f. */
int64_t db_col_int64(db_stmt *s, int col)
{
    if (!s->st->is_pg)
        return db_lite_col_int64(s, col);
    const char *t = db_pg_col_text(s, col);
    if (!t)
        return 0;
    if (t[0] == 't' && !t[1])
        return 1;
    return strtoll(t, NULL, 10);
}

int db_col_int(db_stmt *s, int col)
{
    return (int)db_col_int64(s, col);
}

double db_col_double(db_stmt *s, int col)
{
    if (!s->st->is_pg)
        return db_lite_col_double(s, col);
    const char *t = db_pg_col_text(s, col);
    return t ? strtod(t, NULL) : 0.0;
}

const char *db_col_text(db_stmt *s, int col)
{
    return s->st->is_pg ? db_pg_col_text(s, col) : db_lite_col_text(s, col);
}

const void *db_col_blob(db_stmt *s, int col)
{
    return s->st->is_pg ? db_pg_col_blob(s, col) : db_lite_col_blob(s, col);
}

size_t db_col_bytes(db_stmt *s, int col)
{
    return s->st->is_pg ? db_pg_col_bytes(s, col) : db_lite_col_bytes(s, col);
}

int db_col_kind(db_stmt *s, int col)
{
    return s->st->is_pg ? db_pg_col_kind(s, col) : db_lite_col_kind(s, col);
}

int db_col_count(db_stmt *s)
{
    return s->st->is_pg ? db_pg_col_count(s) : db_lite_col_count(s);
}

const char *db_col_name(db_stmt *s, int col)
{
    return s->st->is_pg ? db_pg_col_name(s, col) : db_lite_col_name(s, col);
}

void db_reset(db_stmt *s)
{
    if (s->st->is_pg)
        db_pg_reset(s);
    else
        db_lite_reset(s);
}

void db_finalize(db_stmt *s)
{
    if (!s)
        return;
    if (s->st->is_pg)
        db_pg_finalize(s);
    else
        db_lite_finalize(s);
}

int db_exec(store *st, const char *sql)
{
    return st->is_pg ? db_pg_exec(st, sql) : db_lite_exec(st, sql);
}

const char *db_errmsg(store *st)
{
    return st->is_pg ? st->errmsg : db_lite_errmsg(st);
}
