#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

int store_fail(store *st, atsb_error *err, const char *what)
{
    return err_set(err, CORE_ERR_STORE, "store %s: %s: %s", st->path, what,
                   sqlite3_errmsg(st->db));
}

int store_prepare(store *st, sqlite3_stmt **out, const char *sql, atsb_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
        return store_fail(st, err, "prepare");
    return ATSB_OK;
}

int store_cached(store *st, sqlite3_stmt **out, const char *sql, atsb_error *err)
{
    int i;
    for (i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        if (st->cache_sql[i] == sql) {
            *out = st->cache[i];
            return ATSB_OK;
        }
    int rc = store_prepare(st, out, sql, err);
    if (!rc && i < STORE_CACHE) {
        st->cache_sql[i] = sql;
        st->cache[i] = *out;
    }
    return rc;
}

void store_cached_done(store *st, sqlite3_stmt *s)
{
    for (int i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        if (st->cache[i] == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return;
        }
    sqlite3_finalize(s);
}

int store_cached_step_done(store *st, sqlite3_stmt *s, const char *what, atsb_error *err)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? ATSB_OK : store_fail(st, err, what);
    store_cached_done(st, s);
    return rc;
}

int store_step_done(store *st, sqlite3_stmt *s, const char *what, atsb_error *err)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? ATSB_OK : store_fail(st, err, what);
    sqlite3_finalize(s);
    return rc;
}

int store_step_count(store *st, sqlite3_stmt *s, const char *what, int64_t *out,
                     atsb_error *err)
{
    int rc = ATSB_OK;
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        rc = store_fail(st, err, what);
    sqlite3_finalize(s);
    return rc;
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
    return v ? sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, idx);
}

void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size)
{
    str_copy(dst, size, (const char *)sqlite3_column_text(s, col));
}

char *store_col_dup(sqlite3_stmt *s, int col)
{
    return str_dup((const char *)sqlite3_column_text(s, col));
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

int store_open(store **out, const char *path, atsb_error *err)
{
    *out = NULL;
    store *st = calloc(1, sizeof(*st));
    if (!st)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    st->path = str_dup(path);
    int rc = ATSB_OK;
    if (make_parent_dirs(path) < 0) {
        rc = err_set(err, CORE_ERR_STORE, "store %s: cannot create its directory: %s",
                     path, strerror(errno));
        goto fail;
    }
    /* The store holds connection settings; create it owner-only before
     * SQLite opens it (SQLite would use the umask).  Only when it does not
     * exist: closing a descriptor of a file drops every POSIX lock this
     * process holds on it, including those of other open connections (the
     * daemon's workers), which SQLite then reports as disk I/O errors. */
    struct stat sbuf;
    if (stat(path, &sbuf) != 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            rc = err_set(err, CORE_ERR_STORE, "store %s: %s", path, strerror(errno));
            goto fail;
        }
        if (fd >= 0)
            close(fd);
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = err_set(err, CORE_ERR_STORE, "store %s: %s", path,
                     st->db ? sqlite3_errmsg(st->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    char *msg = NULL;
    if (sqlite3_exec(st->db,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        rc = err_set(err, CORE_ERR_STORE, "store %s: %s (is it an SQLite database?)", path,
                     msg ? msg : "?");
        sqlite3_free(msg);
        goto fail;
    }
    if ((rc = store_migrate(st, err)) != ATSB_OK)
        goto fail;
    *out = st;
    return ATSB_OK;
fail:
    store_close(st);
    return rc;
}

void store_close(store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STORE_CACHE && st->cache_sql[i]; i++)
        sqlite3_finalize(st->cache[i]);
    if (st->db)
        sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

int store_schema_version(store *st)
{
    sqlite3_stmt *s = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

int store_begin(store *st, atsb_error *err)
{
    /* IMMEDIATE takes the write lock now, so two writers queue on
     * busy_timeout instead of failing at their first write. */
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, err, "begin");
    st->in_tx = 1;
    return ATSB_OK;
}

int store_commit(store *st, atsb_error *err)
{
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = store_fail(st, err, "commit");
        store_rollback(st);
        return rc;
    }
    st->in_tx = 0;
    return ATSB_OK;
}

void store_rollback(store *st)
{
    if (st->in_tx || !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
}

int store_audit(store *st, int64_t org_id, const char *action, const char *subject,
                const char *detail, atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "INSERT INTO audit_log(org_id, at, action, subject, detail) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (rc)
        return rc;
    if (org_id > 0)
        sqlite3_bind_int64(s, 1, org_id);
    else
        sqlite3_bind_null(s, 1);
    sqlite3_bind_int64(s, 2, time_now());
    store_bind_text(s, 3, action);
    store_bind_text(s, 4, subject);
    store_bind_text(s, 5, detail);
    return store_step_done(st, s, "audit", err);
}

int store_audit_each(store *st, int64_t org_id, int limit, store_audit_cb cb, void *payload,
                     atsb_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_prepare(st, &s,
                           "SELECT id, at, action, subject, detail FROM audit_log "
                           "WHERE org_id = ?1 ORDER BY id DESC LIMIT ?2", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, org_id);
    sqlite3_bind_int(s, 2, limit);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        store_audit_entry e = { sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                                (const char *)sqlite3_column_text(s, 2),
                                (const char *)sqlite3_column_text(s, 3),
                                (const char *)sqlite3_column_text(s, 4) };
        if ((rc = cb(&e, payload)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, err, "read audit log");
    sqlite3_finalize(s);
    return rc;
}
