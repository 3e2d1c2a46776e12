/* Private to the statement layer (store_db*.c): the statement itself. */
#ifndef ATSB_CORE_STORE_DB_H
#define ATSB_CORE_STORE_DB_H

#include "store/store_int.h"

struct sqlite3_stmt;
struct pg_result;

struct db_stmt {
    store *st;
    struct sqlite3_stmt *lite;   /* SQLite */
    /* PostgreSQL: the session's prepared statement, the text parameters,
     * and the result being read (row is the current one, -1 before). */
    size_t slot;
    int nparams;
    char **vals;
    int *lens;
    int *fmts;
    struct pg_result *res;
    int row;
    int nrows;
    int ran;
    unsigned char *blob;         /* a bytea column, decoded */
    size_t blob_len;
};

int db_lite_prepare(store *st, db_stmt **out, const char *sql);
void db_lite_bind_int64(db_stmt *s, int idx, int64_t v);
void db_lite_bind_null(db_stmt *s, int idx);
void db_lite_bind_text(db_stmt *s, int idx, const char *v);
void db_lite_bind_blob(db_stmt *s, int idx, const void *p, size_t n);
int db_lite_step(db_stmt *s);
int64_t db_lite_col_int64(db_stmt *s, int col);
double db_lite_col_double(db_stmt *s, int col);
const char *db_lite_col_text(db_stmt *s, int col);
const void *db_lite_col_blob(db_stmt *s, int col);
size_t db_lite_col_bytes(db_stmt *s, int col);
void db_lite_reset(db_stmt *s);
int db_lite_col_kind(db_stmt *s, int col);
int db_lite_col_count(db_stmt *s);
const char *db_lite_col_name(db_stmt *s, int col);
void db_lite_finalize(db_stmt *s);
int db_lite_exec(store *st, const char *sql);
const char *db_lite_errmsg(store *st);

int db_pg_prepare(store *st, db_stmt **out, const char *sql);
void db_pg_bind(db_stmt *s, int idx, const char *v, size_t n, int binary);
int db_pg_step(db_stmt *s);
const char *db_pg_col_text(db_stmt *s, int col);
const void *db_pg_col_blob(db_stmt *s, int col);
size_t db_pg_col_bytes(db_stmt *s, int col);
void db_pg_reset(db_stmt *s);
int db_pg_col_kind(db_stmt *s, int col);
int db_pg_col_count(db_stmt *s);
const char *db_pg_col_name(db_stmt *s, int col);
void db_pg_finalize(db_stmt *s);
int db_pg_exec(store *st, const char *sql);

#endif
