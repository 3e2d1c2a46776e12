/* The SQLite backend of the statement layer: the embedded default.  WAL
 * mode, foreign keys on, a 10 s busy timeout so writers queue. */
#include "store/store_db.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int db_lite_prepare(store *st, db_stmt **out, const char *sql)
{
    *out = NULL;
    db_stmt *s = calloc(1, sizeof(*s));
    if (!s)
        return DB_ERROR;
    s->st = st;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s->lite, NULL) != SQLITE_OK) {
        sqlite3_finalize(s->lite);
        free(s);
        return DB_ERROR;
    }
    *out = s;
    return DB_DONE;
}

void db_lite_bind_int64(db_stmt *s, int idx, int64_t v)
{
    sqlite3_bind_int64(s->lite, idx, v);
}

void db_lite_bind_null(db_stmt *s, int idx)
{
    sqlite3_bind_null(s->lite, idx);
}

void db_lite_bind_text(db_stmt *s, int idx, const char *v)
{
    sqlite3_bind_text(s->lite, idx, v, -1, SQLITE_TRANSIENT);
}

void db_lite_bind_blob(db_stmt *s, int idx, const void *p, size_t n)
{
    sqlite3_bind_blob64(s->lite, idx, p, (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

int db_lite_step(db_stmt *s)
{
    int rc = sqlite3_step(s->lite);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        s->st->changes = sqlite3_changes(s->st->db);
        return DB_DONE;
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return DB_UNIQUE;
    return DB_ERROR;
}

int64_t db_lite_col_int64(db_stmt *s, int col)
{
    return sqlite3_column_int64(s->lite, col);
}

double db_lite_col_double(db_stmt *s, int col)
{
    return sqlite3_column_double(s->lite, col);
}

const char *db_lite_col_text(db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s->lite, col);
}

const void *db_lite_col_blob(db_stmt *s, int col)
{
    return sqlite3_column_blob(s->lite, col);
}

size_t db_lite_col_bytes(db_stmt *s, int col)
{
    return (size_t)sqlite3_column_bytes(s->lite, col);
}

int db_lite_col_kind(db_stmt *s, int col)
{
    switch (sqlite3_column_type(s->lite, col)) {
    case SQLITE_INTEGER: return DB_INTEGER;
    case SQLITE_FLOAT: return DB_FLOAT;
    case SQLITE_TEXT: return DB_TEXT;
    case SQLITE_BLOB: return DB_BLOB;
    default: return DB_NULL;
    }
}

int db_lite_col_count(db_stmt *s)
{
    return sqlite3_column_count(s->lite);
}

const char *db_lite_col_name(db_stmt *s, int col)
{
    return sqlite3_column_name(s->lite, col);
}

void db_lite_reset(db_stmt *s)
{
    sqlite3_reset(s->lite);
    sqlite3_clear_bindings(s->lite);
}

void db_lite_finalize(db_stmt *s)
{
    sqlite3_finalize(s->lite);
    free(s);
}

int db_lite_exec(store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? DB_DONE : DB_ERROR;
}

const char *db_lite_errmsg(store *st)
{
    return st->db ? sqlite3_errmsg(st->db) : "cannot open";
}

/* mkdir -p for the store's directory, owner-only. */
static int make_parent_dirs(const char *path)
{
    char *copy = str_dup(path);
    if (!copy)
        return -1;
    char *dir = dirname(copy);
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    }
    int rc = (mkdir(dir, 0700) == 0 || errno == EEXIST) ? 0 : -1;
    free(copy);
    return rc;
}

int db_sqlite_open(store *st, const char *path, atsb_error *err)
{
    if (make_parent_dirs(path) < 0)
        return err_set(err, CORE_ERR_STORE, "store %s: cannot create its directory: %s",
                       path, strerror(errno));
    /* The store holds connection settings; create it owner-only before
     * SQLite opens it (SQLite would use the umask).  Only when it does not
     * exist: closing a descriptor of a file drops every POSIX lock this
     * process holds on it, including those of other open connections (the
     * daemon's workers), which SQLite then reports as disk I/O errors. */
    struct stat sbuf;
    if (stat(path, &sbuf) != 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return err_set(err, CORE_ERR_STORE, "store %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        return err_set(err, CORE_ERR_STORE, "store %s: %s", path, db_lite_errmsg(st));
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    char *msg = NULL;
    if (sqlite3_exec(st->db,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        int rc = err_set(err, CORE_ERR_STORE, "store %s: %s (is it an SQLite database?)", path,
                         msg ? msg : "?");
        sqlite3_free(msg);
        return rc;
    }
    return ATSB_OK;
}

void db_sqlite_close(store *st)
{
    if (st->db)
        sqlite3_close_v2(st->db);
    st->db = NULL;
}
