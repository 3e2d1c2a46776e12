/* Private to store*.c. */
#ifndef ATSB_CORE_STORE_INT_H
#define ATSB_CORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"
#include "base/util.h"

struct store {
    sqlite3 *db;
    char *path;
    int in_tx;
};

int store_migrate(store *st, atsb_error *err);
/* Fill err from the connection's last error; returns CORE_ERR_STORE. */
int store_fail(store *st, atsb_error *err, const char *what);
int store_prepare(store *st, sqlite3_stmt **out, const char *sql, atsb_error *err);
/* Step a prepared, bound statement that returns no rows, finalize it.
 * ATSB_OK, or CORE_ERR_STORE naming `what`. */
int store_step_done(store *st, sqlite3_stmt *s, const char *what, atsb_error *err);
/* Step a "SELECT count(*) ..." statement into *out, finalize it. */
int store_step_count(store *st, sqlite3_stmt *s, const char *what, int64_t *out,
                     atsb_error *err);
/* Bind a NULL-able text. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Column text copied into a fixed buffer ("" for NULL). */
void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size);
/* The six columns of STORE_ORG_COLS (orgs as o), from column col on. */
#define STORE_ORG_COLS \
    "o.id, o.slug, o.name, o.trigger_status, o.created_at, coalesce(o.jobs_interval_s, 0)"
void store_org_from_row(sqlite3_stmt *s, int col, store_org *o);
/* Column text malloc'd (NULL for NULL). */
char *store_col_dup(sqlite3_stmt *s, int col);

#endif
