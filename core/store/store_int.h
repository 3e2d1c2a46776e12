/* Private to store*.c: the statement layer every store file speaks, with
 * two backends behind it (store_db_sqlite.c, store_db_pg.c).  It keeps
 * SQLite's shape (prepare, bind, step, column) because that is what the
 * store files were written against; PostgreSQL maps onto it: `?N`
 * placeholders become `$N`, a statement is prepared once per session and
 * run when first stepped, its rows are read from the result. */
#ifndef ATSB_CORE_STORE_INT_H
#define ATSB_CORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "base/util.h"

#define STORE_CACHE 24

typedef struct db_stmt db_stmt;
typedef struct store_pg store_pg;

/* db_step results. */
enum { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1, DB_UNIQUE = 2 };

struct store {
    int is_pg;
    struct sqlite3 *db;      /* SQLite */
    store_pg *pg;            /* PostgreSQL */
    char *path;              /* what messages name: a path, or a URL without its password */
    int in_tx;
    int64_t changes;         /* rows the last statement changed */
    char errmsg[512];        /* the last statement's error (PostgreSQL) */
    /* Statements kept prepared for the handle's life, by the address of
     * their SQL text (a literal): compiling a statement cost half of an
     * API upsert's time. */
    const char *cache_sql[STORE_CACHE];
    db_stmt *cache[STORE_CACHE];
};

/* Which text a statement is, per backend, where the dialects differ. */
#define STORE_SQL(st, lite, pg) ((st)->is_pg ? (pg) : (lite))

int store_migrate(store *st, atsb_error *err);
/* Fill err from the connection's last error; returns CORE_ERR_STORE. */
int store_fail(store *st, atsb_error *err, const char *what);
int store_prepare(store *st, db_stmt **out, const char *sql, atsb_error *err);
/* store_prepare for a hot statement: sql must be a literal (its address is
 * the key).  Give it back with store_cached_done, never db_finalize;
 * the statement must not be in use already (no recursion while stepping). */
int store_cached(store *st, db_stmt **out, const char *sql, atsb_error *err);
/* Reset a cached statement for its next use (finalize one the full cache
 * could not keep). */
void store_cached_done(store *st, db_stmt *s);
/* store_step_done for a cached statement. */
int store_cached_step_done(store *st, db_stmt *s, const char *what, atsb_error *err);
/* Step a prepared, bound statement that returns no rows, finalize it.
 * ATSB_OK, or CORE_ERR_STORE naming `what`. */
int store_step_done(store *st, db_stmt *s, const char *what, atsb_error *err);
/* Step a "SELECT count(*) ..." statement into *out, finalize it. */
int store_step_count(store *st, db_stmt *s, const char *what, int64_t *out,
                     atsb_error *err);
/* Bind a NULL-able text. */
int store_bind_text(db_stmt *s, int idx, const char *v);
/* Column text copied into a fixed buffer ("" for NULL). */
void store_col_copy(db_stmt *s, int col, char *dst, size_t size);
/* The six columns of STORE_ORG_COLS (orgs as o), from column col on. */
#define STORE_ORG_COLS \
    "o.id, o.slug, o.name, o.trigger_status, o.created_at, coalesce(o.jobs_interval_s, 0)"
void store_org_from_row(db_stmt *s, int col, store_org *o);
/* Column text malloc'd (NULL for NULL). */
char *store_col_dup(db_stmt *s, int col);

/* ---- the statement layer (store_db.c dispatches to a backend) ---- */
int db_prepare(store *st, db_stmt **out, const char *sql);
void db_bind_int64(db_stmt *s, int idx, int64_t v);
void db_bind_int(db_stmt *s, int idx, int v);
void db_bind_null(db_stmt *s, int idx);
/* Copies v. */
void db_bind_text(db_stmt *s, int idx, const char *v);
void db_bind_blob(db_stmt *s, int idx, const void *p, size_t n);
/* DB_ROW, DB_DONE, DB_UNIQUE (a unique constraint refused it), DB_ERROR. */
int db_step(db_stmt *s);
int64_t db_col_int64(db_stmt *s, int col);
int db_col_int(db_stmt *s, int col);
double db_col_double(db_stmt *s, int col);
/* NULL for SQL NULL; valid until the next step. */
const char *db_col_text(db_stmt *s, int col);
const void *db_col_blob(db_stmt *s, int col);
size_t db_col_bytes(db_stmt *s, int col);
/* What a column of the current row holds (for the copy, which knows no
 * table), its count and name. */
enum { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };
int db_col_kind(db_stmt *s, int col);
int db_col_count(db_stmt *s);
const char *db_col_name(db_stmt *s, int col);
/* Ready to run again; bindings cleared. */
void db_reset(db_stmt *s);
void db_finalize(db_stmt *s);
/* Run statements without parameters (several, ;-separated). */
int db_exec(store *st, const char *sql);
const char *db_errmsg(store *st);

/* Backend entry points, used by store.c and store_db.c only. */
int db_sqlite_open(store *st, const char *path, atsb_error *err);
void db_sqlite_close(store *st);
int db_pg_open(store *st, const char *url, atsb_error *err);
void db_pg_close(store *st);
/* SQLite's dialect to PostgreSQL's, for what the store uses (see
 * store_db_pg.c); malloc'd, *nparams the highest placeholder. */
char *store_pg_translate(const char *sql, int *nparams);
/* PostgreSQL: a session advisory lock taken (held = 1) or given back;
 * whether one was lost with its session and could not be taken again;
 * whether the session is in a transaction, and in a failed one. */
int store_pg_lock_note(store *st, const char *name, int held);
int store_pg_lock_lost(store *st);
int store_pg_tx_open(store *st);
int store_pg_tx_failed(store *st);
/* PostgreSQL: wake-ups received so far (LISTENing from the first call). */
int64_t store_pg_notified(store *st);
/* PostgreSQL: the schema-version table, created under the migration lock. */
int store_pg_prepare_schema(store *st, atsb_error *err);
/* The lock atsb_events_lock() takes (store_schema_pg.c), for store_begin. */
#define STORE_PG_WRITE_LOCK "SELECT pg_advisory_xact_lock(1635021666, 1)"
/* The advisory lock key migrations take (any constant of ours). */
#define STORE_PG_MIGRATE_LOCK "7405081901"
/* A copy of url with any password replaced by ***. */
char *store_url_masked(const char *url);

#endif
