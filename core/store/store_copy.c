/* store copy: every row of one store into another, empty, one, across
 * backends (SQLite to PostgreSQL to move onto several daemons, and back).
 * The destination is written in one transaction, so a failed copy leaves
 * it as empty as it was; the source is read from one snapshot.  Ids are
 * copied as they are (the outbox, the runs and the feed's cursors refer
 * to them), and the id counters are moved past them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* Parents before children, for the foreign keys. */
static const char *const TABLES[] = {
    "orgs", "connections", "connection_settings", "jobs", "candidates",
    "candidate_resumes", "candidate_pushes", "sync_runs", "audit_log",
    "api_tokens", "events", "webhook_cursors",
};
/* Each table's integer key, to read it in pages (NULL: none, read whole). */
static const char *const KEYS[] = {
    "id", "id", NULL, "id", "id",
    "candidate_id", "id", "id", "id",
    "id", "id", "org_id",
};
_Static_assert(ARRAY_LEN(KEYS) == ARRAY_LEN(TABLES), "a key (or NULL) per table");
#define COPY_PAGE 200
/* Tables whose id is handed out by the store (an identity on PostgreSQL). */
static const char *const ID_TABLES[] = {
    "orgs", "connections", "jobs", "candidates", "candidate_pushes", "sync_runs",
    "audit_log", "api_tokens", "events",
};

/* table is one of TABLES (a name cannot be bound). */
static int count_rows(store *st, const char *table, int64_t *out, atsb_error *err)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, sql, err);
    return rc ? rc : store_step_count(st, s, "count rows", out, err);
}

/* Every table of the source is one we know: a newer schema's table would
 * otherwise be left behind without a word. */
static int check_tables(store *st, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           STORE_SQL(st,
                                     "SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                                     "SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = current_schema() "
                                     "AND table_name <> 'atsb_schema'"),
                           err);
    if (rc)
        return rc;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        const char *name = db_col_text(s, 0);
        size_t i;
        for (i = 0; i < ARRAY_LEN(TABLES); i++)
            if (str_eq(name, TABLES[i]))
                break;
        if (i == ARRAY_LEN(TABLES)) {
            rc = err_set(err, CORE_ERR_STORE,
                         "store %s: table %s is unknown to this atsbridge's copy", st->path,
                         name ? name : "?");
            break;
        }
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "list tables");
    db_finalize(s);
    return rc;
}

/* One page of rows from src into dst, after key `after` (a table with no
 * key is read whole: connection_settings, small).  *last is the page's
 * last key, *n its rows. */
static int copy_page(store *src, store *dst, const char *table, const char *key,
                     int64_t after, db_stmt **ins, int64_t *last, int64_t *n, atsb_error *err)
{
    /* Table and column names cannot be bound; they come from TABLES and
     * KEYS above, never from input.  Values are bound. */
    char sql[192];
    if (key)
        snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s > ?1 ORDER BY %s LIMIT ?2", table,
                 key, key);
    else
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1", table);
    db_stmt *s = NULL;
    strbuf b;
    sb_init(&b);
    int rc = store_prepare(src, &s, sql, err), step = DB_DONE;
    if (!rc && key) {
        db_bind_int64(s, 1, after);
        db_bind_int(s, 2, COPY_PAGE);
    }
    *n = 0;
    while (!rc && (step = db_step(s)) == DB_ROW) {
        int cols = db_col_count(s);
        if (!*ins) {
            sb_printf(&b, "INSERT INTO %s(", table);
            for (int c = 0; c < cols; c++)
                sb_printf(&b, "%s%s", c ? ", " : "", db_col_name(s, c));
            sb_puts(&b, ") VALUES (");
            for (int c = 0; c < cols; c++)
                sb_printf(&b, "%s?%d", c ? ", " : "", c + 1);
            sb_puts(&b, ")");
            if (b.oom) {
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                break;
            }
            if ((rc = store_prepare(dst, ins, b.data, err)))
                break;
        }
        for (int c = 0; c < cols; c++) {
            switch (db_col_kind(s, c)) {
            case DB_NULL: db_bind_null(*ins, c + 1); break;
            case DB_INTEGER: db_bind_int64(*ins, c + 1, db_col_int64(s, c)); break;
            case DB_BLOB: {
                size_t len = db_col_bytes(s, c);
                db_bind_blob(*ins, c + 1, db_col_blob(s, c), len);
                break;
            }
            default: db_bind_text(*ins, c + 1, db_col_text(s, c)); break;
            }
        }
        if (db_step(*ins) != DB_DONE) {
            rc = store_fail(dst, err, table);
            break;
        }
        db_reset(*ins);
        *last = db_col_int64(s, 0);
        (*n)++;
    }
    if (!rc && step != DB_DONE)
        rc = store_fail(src, err, table);
    db_finalize(s);
    sb_free(&b);
    return rc;
}

/* Paged by key: PostgreSQL hands a query's whole result over at once, and
 * a table of resumes can be gigabytes. */
static int copy_table(store *src, store *dst, size_t t, int64_t *copied, atsb_error *err)
{
    db_stmt *ins = NULL;
    int64_t after = INT64_MIN, n = 0;
    int rc;
    *copied = 0;
    do {
        rc = copy_page(src, dst, TABLES[t], KEYS[t], after, &ins, &after, &n, err);
        *copied += n;
    } while (!rc && KEYS[t] && n == COPY_PAGE);
    db_finalize(ins);
    return rc;
}

/* The feed's high-water mark: ids of deleted events are never handed out
 * again, so a consumer's cursor past them stays valid. */
static int events_high_water(store *st, int64_t *out, atsb_error *err)
{
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           STORE_SQL(st,
                                     "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE "
                                     "name = 'events'), 0), coalesce((SELECT max(id) FROM "
                                     "events), 0))",
                                     "SELECT max(v) FROM (SELECT last_value AS v FROM "
                                     "events_id_seq UNION ALL SELECT max(id) FROM events) AS m"),
                           err);
    return rc ? rc : store_step_count(st, s, "read the feed's last id", out, err);
}

static int move_counters(store *dst, int64_t events_hw, atsb_error *err)
{
    char sql[512];
    for (size_t i = 0; i < ARRAY_LEN(ID_TABLES); i++) {
        const char *t = ID_TABLES[i];
        int is_events = str_eq(t, "events");
        if (dst->is_pg)
            snprintf(sql, sizeof(sql),
                     "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                     "GREATEST(coalesce((SELECT max(id) FROM %s), 0), %lld) + 1, false)",
                     t, t, is_events ? (long long)events_hw : 0LL);
        else if (is_events)
            snprintf(sql, sizeof(sql),
                     "DELETE FROM sqlite_sequence WHERE name = 'events'; "
                     "INSERT INTO sqlite_sequence(name, seq) SELECT 'events', "
                     "max(coalesce((SELECT max(id) FROM events), 0), %lld)",
                     (long long)events_hw);
        else
            continue; /* SQLite: the next id is past the largest row's */
        if (db_exec(dst, sql) != DB_DONE)
            return store_fail(dst, err, "move the id counters");
    }
    return ATSB_OK;
}

int store_copy(store *src, store *dst, store_copy_cb cb, void *payload, atsb_error *err)
{
    int rc;
    int64_t hw = 0;
    if ((rc = check_tables(src, err)))
        return rc;
    /* One snapshot of the source for every table. */
    if (db_exec(src, STORE_SQL(src, "BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) !=
        DB_DONE)
        return store_fail(src, err, "begin");
    src->in_tx = 1;
    if ((rc = store_begin(dst, err)))
        goto done;
    /* Empty, checked inside the transaction that fills it. */
    for (size_t i = 0; i < ARRAY_LEN(TABLES) && !rc; i++) {
        int64_t n = 0;
        if ((rc = count_rows(dst, TABLES[i], &n, err)))
            break;
        if (n)
            rc = err_set(err, CORE_ERR_CONFLICT,
                         "store %s is not empty (%s has %lld rows); copy only into a new "
                         "store", dst->path, TABLES[i], (long long)n);
    }
    for (size_t i = 0; i < ARRAY_LEN(TABLES) && !rc; i++) {
        int64_t copied = 0, in_src = 0, in_dst = 0;
        /* The triggers wrote feed events for the rows copied so far; the
         * source's own events replace them. */
        if (str_eq(TABLES[i], "events") && db_exec(dst, "DELETE FROM events") != DB_DONE) {
            rc = store_fail(dst, err, "clear events");
            break;
        }
        if ((rc = copy_table(src, dst, i, &copied, err)) ||
            (rc = count_rows(src, TABLES[i], &in_src, err)) ||
            (rc = count_rows(dst, TABLES[i], &in_dst, err)))
            break;
        if (in_src != copied || in_dst != copied) {
            rc = err_set(err, CORE_ERR_STORE,
                         "%s: %lld rows in the source, %lld copied, %lld in the destination; "
                         "nothing was copied", TABLES[i], (long long)in_src,
                         (long long)copied, (long long)in_dst);
            break;
        }
        if (cb)
            cb(TABLES[i], copied, payload);
    }
    if (!rc && !(rc = events_high_water(src, &hw, err)))
        rc = move_counters(dst, hw, err);
    if (!rc)
        rc = store_commit(dst, err);
    else
        store_rollback(dst);
done:
    store_rollback(src);
    return rc;
}
