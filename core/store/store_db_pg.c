/* The PostgreSQL backend of the statement layer (libpq).  One session per
 * store handle, like SQLite's one connection per handle: a daemon's
 * threads and workers each open their own.
 *
 * SQL is written once, in SQLite's dialect where the two agree; the few
 * differences the store's statements use are translated here when a
 * statement is first prepared: `?N` and `?` placeholders become `$N`,
 * SQLite's multi-argument scalar max()/min() become GREATEST()/LEAST()
 * (one argument stays the aggregate), and instr() becomes strpos() (the
 * same 1-based position, 0 when absent).  Anything else differs by
 * STORE_SQL() at the statement.
 *
 * A lost connection is re-established before the next statement that is
 * not inside a transaction, with a backoff (1 s doubling to 30 s) so a
 * daemon whose database is down neither spins nor needs a restart.  Inside
 * a transaction it is never re-established: the transaction's later
 * statements fail and the caller rolls back, instead of silently running
 * outside it. */
#include "store/store_db.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"

typedef struct pg_prep {
    char *sql;          /* the translated text */
    int nparams;
    unsigned gen;       /* the session it was prepared in (0: not yet) */
} pg_prep;

#define PG_MAX_LOCKS 8

struct store_pg {
    PGconn *conn;
    char *url;
    char conn_err[256]; /* why the last connection attempt failed */
    unsigned gen;       /* bumped at every new session */
    /* Session advisory locks held (synclock): a new session takes them
     * again, or marks them lost so no transaction runs without them. */
    char *locks[PG_MAX_LOCKS];
    int lock_lost;
    pg_prep *prep;
    size_t nprep, cap;
    int listening;
    int64_t notified;
    int64_t retry_at_ms;
    int backoff_s;
};

#define PG_MAX_PREP 4096
#define NOTIFY_CHANNEL "atsbridge_work"

static void set_err(store *st, const char *msg)
{
    str_copy(st->errmsg, sizeof(st->errmsg), msg ? msg : "unknown error");
    /* libpq ends its messages with a newline. */
    size_t n = strlen(st->errmsg);
    while (n && (st->errmsg[n - 1] == '\n' || st->errmsg[n - 1] == ' '))
        st->errmsg[--n] = '\0';
}

/* Masks more rather than less: the userinfo's password up to the last @
 * before the query (an unencoded @ in it included), and every
 * password=/sslpassword= parameter. */
char *store_url_masked(const char *url)
{
    strbuf b;
    sb_init(&b);
    const char *auth = strstr(url, "://");
    const char *p = url;
    if (auth) {
        auth += 3;
        const char *q = strchr(auth, '?');
        const char *at = NULL;
        for (const char *c = auth; *c && (!q || c < q); c++)
            if (*c == '@')
                at = c;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            sb_append(&b, url, (size_t)(colon - url));
            sb_puts(&b, ":***");
            p = at;
        }
    }
    while (*p) {
        const char *key = NULL;
        if ((p[0] == '?' || p[0] == '&') &&
            (!strncmp(p + 1, "password=", 9) || !strncmp(p + 1, "sslpassword=", 12)))
            key = strchr(p, '=') + 1;
        if (!key) {
            sb_append(&b, p, 1);
            p++;
            continue;
        }
        sb_append(&b, p, (size_t)(key - p));
        sb_puts(&b, "***");
        p = key + strcspn(key, "&");
    }
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b);
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int connect_now(store *st, atsb_error *err)
{
    store_pg *pg = st->pg;
    int64_t now = time_now_ms();
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
        return ATSB_OK;
    if (now < pg->retry_at_ms)
        return err_set(err, CORE_ERR_STORE,
                       "store %s: the database is unreachable (next try in %lld s): %s",
                       st->path, (long long)((pg->retry_at_ms - now + 999) / 1000),
                       pg->conn_err);
    if (pg->conn)
        PQfinish(pg->conn);
    pg->conn = PQconnectdb(pg->url);
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
        set_err(st, pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
        str_copy(pg->conn_err, sizeof(pg->conn_err), st->errmsg);
        pg->backoff_s = pg->backoff_s ? (pg->backoff_s * 2 > 30 ? 30 : pg->backoff_s * 2) : 1;
        pg->retry_at_ms = now + pg->backoff_s * 1000;
        return err_set(err, CORE_ERR_STORE, "store %s: %s", st->path, pg->conn_err);
    }
    pg->backoff_s = 0;
    pg->retry_at_ms = 0;
    pg->gen++;
    /* Warnings and notices (a ROLLBACK with no transaction) are not ours
     * to print; and an error is its primary message only: the DETAIL of a
     * constraint violation quotes the row, which may hold a candidate's
     * contact details or a connection's credentials. */
    PQsetNoticeProcessor(pg->conn, quiet, NULL);
    PQsetErrorVerbosity(pg->conn, PQERRORS_TERSE);
    PGresult *r = PQexec(pg->conn, "SET client_min_messages = warning");
    PQclear(r);
    if (pg->listening) {
        r = PQexec(pg->conn, "LISTEN " NOTIFY_CHANNEL);
        PQclear(r);
        /* Wake-ups sent while we were away are lost: look again. */
        pg->notified++;
    }
    /* Locks held in the session that died were released by the server;
     * take them again, or the work they guard must stop. */
    for (int i = 0; i < PG_MAX_LOCKS; i++) {
        if (!pg->locks[i])
            continue;
        const char *v[1] = { pg->locks[i] };
        r = PQexecParams(pg->conn, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1,
                         NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || strcmp(PQgetvalue(r, 0, 0), "t") != 0)
            pg->lock_lost = 1;
        PQclear(r);
    }
    return ATSB_OK;
}

int store_pg_lock_note(store *st, const char *name, int held)
{
    store_pg *pg = st->pg;
    for (int i = 0; i < PG_MAX_LOCKS; i++) {
        if (held && !pg->locks[i]) {
            pg->locks[i] = str_dup(name);
            return pg->locks[i] ? 0 : -1;
        }
        if (!held && pg->locks[i] && str_eq(pg->locks[i], name)) {
            free(pg->locks[i]);
            pg->locks[i] = NULL;
            pg->lock_lost = 0;
            return 0;
        }
    }
    return held ? -1 : 0;
}

int store_pg_lock_lost(store *st)
{
    return st->pg->lock_lost;
}

int store_pg_tx_open(store *st)
{
    PGconn *c = st->pg->conn;
    if (!c || PQstatus(c) != CONNECTION_OK)
        return 0;
    PGTransactionStatusType ts = PQtransactionStatus(c);
    return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}

int store_pg_tx_failed(store *st)
{
    PGconn *c = st->pg->conn;
    return c && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_INERROR;
}

/* A usable session, or an error in st->errmsg. */
static int ensure(store *st)
{
    store_pg *pg = st->pg;
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
        return 0;
    if (st->in_tx) {
        set_err(st, "the connection to the database was lost inside a transaction");
        return -1;
    }
    atsb_error e = ATSB_ERROR_INIT;
    if (connect_now(st, &e)) {
        set_err(st, e.message);
        return -1;
    }
    log_info("store", "%s: connected to the database again", st->path);
    return 0;
}

static int is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

char *store_pg_translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    strbuf b;
    sb_init(&b);
    int next = 0, maxp = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (c == '\'') { /* a literal, copied as is */
            size_t j = i + 1;
            while (j < n && !(sql[j] == '\'' && sql[j + 1] != '\''))
                j += sql[j] == '\'' ? 2 : 1;
            sb_append(&b, sql + i, j < n ? j - i + 1 : n - i);
            i = j + 1;
            continue;
        }
        if (c == '?') {
            size_t j = i + 1;
            int num = 0;
            while (j < n && isdigit((unsigned char)sql[j]))
                num = num * 10 + (sql[j++] - '0');
            if (j == i + 1)
                num = ++next;
            if (num > maxp)
                maxp = num;
            sb_printf(&b, "$%d", num);
            i = j;
            continue;
        }
        if ((i == 0 || !is_word(sql[i - 1])) &&
            (strncasecmp(sql + i, "max(", 4) == 0 || strncasecmp(sql + i, "min(", 4) == 0)) {
            /* Scalar when a comma sits at the call's own depth. */
            int depth = 0, scalar = 0;
            for (size_t j = i + 3; j < n; j++) {
                if (sql[j] == '(')
                    depth++;
                else if (sql[j] == ')' && --depth == 0)
                    break;
                else if (sql[j] == ',' && depth == 1)
                    scalar = 1;
            }
            if (scalar) {
                sb_puts(&b, tolower((unsigned char)sql[i + 1]) == 'a' ? "GREATEST(" : "LEAST(");
                i += 4;
                continue;
            }
        }
        if ((i == 0 || !is_word(sql[i - 1])) && strncasecmp(sql + i, "instr(", 6) == 0) {
            sb_puts(&b, "strpos(");
            i += 6;
            continue;
        }
        sb_append(&b, &c, 1);
        i++;
    }
    *nparams = maxp;
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b);
}

/* The N of "$N" in a server message: 0 when it is not a number in range. */
static int param_number(const char *p)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(p, &end, 10);
    return end != p && !errno && v >= 1 && v <= 65535 ? (int)v : 0;
}

/* The session's prepared statement for sql, preparing it if this session
 * has not yet. */
static int prepared(store *st, size_t idx)
{
    store_pg *pg = st->pg;
    pg_prep *p = &pg->prep[idx];
    if (p->gen == pg->gen)
        return 0;
    char name[24];
    snprintf(name, sizeof(name), "s%zu", idx);
    /* A parameter whose only uses give it no type (`?2 IS NULL OR ...`,
     * coalesce(?3, ...)) is text, as SQLite would treat it; PostgreSQL
     * names the first such parameter, so type one at a time. */
    Oid types[64] = { 0 };
    int ntypes = p->nparams < 64 ? p->nparams : 64;
    for (int tries = 0;; tries++) {
        /* A failed PREPARE would void the transaction it is in; a savepoint
         * keeps the retry (and the caller's transaction) alive. */
        if (st->in_tx)
            PQclear(PQexec(pg->conn, "SAVEPOINT atsb_prepare"));
        PGresult *r = PQprepare(pg->conn, name, p->sql, ntypes, ntypes ? types : NULL);
        if (st->in_tx)
            PQclear(PQexec(pg->conn, PQresultStatus(r) == PGRES_COMMAND_OK
                                         ? "RELEASE SAVEPOINT atsb_prepare"
                                         : "ROLLBACK TO SAVEPOINT atsb_prepare; "
                                           "RELEASE SAVEPOINT atsb_prepare"));
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorMessage(r);
        /* Or one used as an integer of two widths (`failures = ?2 ... ?2 =
         * 0`): every integer of ours is a bigint. */
        static const char untyped[] = "could not determine data type of parameter $";
        static const char mixed[] = "inconsistent types deduced for parameter $";
        const char *at = msg ? strstr(msg, untyped) : NULL;
        const char *at2 = msg ? strstr(msg, mixed) : NULL;
        int param = at ? param_number(at + sizeof(untyped) - 1)
                       : at2 ? param_number(at2 + sizeof(mixed) - 1) : 0;
        int is_untyped = state && !strcmp(state, "42P18");
        /* A server speaking another language: the first parameter not yet
         * typed is the likeliest. */
        if (!at && !at2)
            for (int i = 0; i < ntypes && !param; i++)
                if (!types[i])
                    param = i + 1;
        int retype = state && (is_untyped || !strcmp(state, "42P08")) && param >= 1 &&
                     param <= ntypes && !types[param - 1];
        if (!ok && tries < ntypes && retype) {
            types[param - 1] = at || (!at2 && is_untyped) ? 25 : 20; /* TEXTOID, INT8OID */
            PQclear(r);
            continue;
        }
        if (!ok)
            set_err(st, msg);
        PQclear(r);
        if (ok)
            p->gen = pg->gen;
        return ok ? 0 : -1;
    }
}

int db_pg_prepare(store *st, db_stmt **out, const char *sql)
{
    store_pg *pg = st->pg;
    *out = NULL;
    int nparams = 0;
    char *t = store_pg_translate(sql, &nparams);
    if (!t) {
        set_err(st, "out of memory");
        return DB_ERROR;
    }
    size_t idx;
    for (idx = 0; idx < pg->nprep; idx++)
        if (strcmp(pg->prep[idx].sql, t) == 0)
            break;
    if (idx == pg->nprep) {
        if (pg->nprep == PG_MAX_PREP) {
            free(t);
            set_err(st, "too many distinct statements");
            return DB_ERROR;
        }
        if (pg->nprep == pg->cap) {
            size_t cap = pg->cap ? pg->cap * 2 : 64;
            pg_prep *np = realloc(pg->prep, cap * sizeof(*np));
            if (!np) {
                free(t);
                set_err(st, "out of memory");
                return DB_ERROR;
            }
            pg->prep = np;
            pg->cap = cap;
        }
        pg->prep[idx] = (pg_prep){ t, nparams, 0 };
        pg->nprep++;
    } else {
        free(t);
    }
    if (ensure(st) || prepared(st, idx))
        return DB_ERROR;
    db_stmt *s = calloc(1, sizeof(*s));
    int np = pg->prep[idx].nparams;
    if (!s || (np && (!(s->vals = calloc((size_t)np, sizeof(char *))) ||
                      !(s->lens = calloc((size_t)np, sizeof(int))) ||
                      !(s->fmts = calloc((size_t)np, sizeof(int)))))) {
        if (s) {
            free(s->vals);
            free(s->lens);
            free(s->fmts);
        }
        free(s);
        set_err(st, "out of memory");
        return DB_ERROR;
    }
    s->st = st;
    s->slot = idx;
    s->nparams = np;
    s->row = -1;
    *out = s;
    return DB_DONE;
}

void db_pg_bind(db_stmt *s, int idx, const char *v, size_t n, int binary)
{
    if (idx < 1 || idx > s->nparams)
        return;
    int i = idx - 1;
    free(s->vals[i]);
    s->vals[i] = NULL;
    if (binary && !v)
        v = ""; /* an empty BLOB, not NULL */
    if (v && (s->vals[i] = malloc(n + 1))) {
        memcpy(s->vals[i], v, n);
        s->vals[i][n] = '\0';
    }
    s->lens[i] = (int)n;
    s->fmts[i] = binary;
}

int db_pg_step(db_stmt *s)
{
    store *st = s->st;
    if (!s->ran) {
        size_t idx = s->slot;
        s->ran = 1;
        s->row = -1;
        s->nrows = 0;
        if (ensure(st) || prepared(st, idx))
            return DB_ERROR;
        char name[24];
        snprintf(name, sizeof(name), "s%zu", idx);
        ExecStatusType es;
        /* A statement on its own that lost a deadlock (its trigger's lock
         * against a transaction's rows) or a serialization check did
         * nothing: run it again.  Inside a transaction the whole
         * transaction is void, so the caller rolls back and redoes it. */
        for (int attempt = 0;; attempt++) {
            s->res = PQexecPrepared(st->pg->conn, name, s->nparams,
                                    (const char *const *)s->vals, s->lens, s->fmts, 0);
            es = PQresultStatus(s->res);
            const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
            if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || st->in_tx || attempt == 4 ||
                !state || (strcmp(state, "40P01") && strcmp(state, "40001")))
                break;
            PQclear(s->res);
            s->res = NULL;
            struct timespec ts = { 0, (attempt + 1) * 20 * 1000000L };
            nanosleep(&ts, NULL);
        }
        if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
            set_err(st, PQresultErrorMessage(s->res));
            const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
            return state && strcmp(state, "23505") == 0 ? DB_UNIQUE : DB_ERROR;
        }
        s->nrows = es == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        st->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
    }
    if (s->row + 1 < s->nrows) {
        s->row++;
        return DB_ROW;
    }
    return DB_DONE;
}

const char *db_pg_col_text(db_stmt *s, int col)
{
    if (!s->res || s->row < 0 || s->row >= s->nrows || col >= PQnfields(s->res) ||
        PQgetisnull(s->res, s->row, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static void decode_blob(db_stmt *s, int col)
{
    const char *t = db_pg_col_text(s, col);
    free(s->blob);
    s->blob = NULL;
    size_t n = 0;
    if (t) {
        unsigned char *u = PQunescapeBytea((const unsigned char *)t, &n);
        if (u && (s->blob = malloc(n + 1))) {
            memcpy(s->blob, u, n);
            s->blob[n] = 0;
        }
        PQfreemem(u);
    }
    s->blob_len = s->blob ? n : 0;
}

const void *db_pg_col_blob(db_stmt *s, int col)
{
    decode_blob(s, col);
    return s->blob;
}

size_t db_pg_col_bytes(db_stmt *s, int col)
{
    decode_blob(s, col);
    return s->blob_len;
}

/* Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across
 * versions. */
int db_pg_col_kind(db_stmt *s, int col)
{
    if (!db_pg_col_text(s, col))
        return DB_NULL;
    switch (PQftype(s->res, col)) {
    case 20: case 21: case 23: case 16: return DB_INTEGER; /* int8, int2, int4, bool */
    case 700: case 701: case 1700: return DB_FLOAT;        /* float4, float8, numeric */
    case 17: return DB_BLOB;                               /* bytea */
    default: return DB_TEXT;
    }
}

int db_pg_col_count(db_stmt *s)
{
    return s->res ? PQnfields(s->res) : 0;
}

const char *db_pg_col_name(db_stmt *s, int col)
{
    return s->res ? PQfname(s->res, col) : NULL;
}

void db_pg_reset(db_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    for (int i = 0; i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->lens[i] = 0;
        s->fmts[i] = 0;
    }
    free(s->blob);
    s->blob = NULL;
    s->blob_len = 0;
    s->ran = 0;
    s->row = -1;
    s->nrows = 0;
}

void db_pg_finalize(db_stmt *s)
{
    db_pg_reset(s);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s);
}

int db_pg_exec(store *st, const char *sql)
{
    if (ensure(st))
        return DB_ERROR;
    PGresult *r = PQexec(st->pg->conn, sql);
    ExecStatusType es = PQresultStatus(r);
    int ok = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK;
    if (!ok)
        set_err(st, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? DB_DONE : DB_ERROR;
}

int db_pg_open(store *st, const char *url, atsb_error *err)
{
    st->pg = calloc(1, sizeof(*st->pg));
    if (!st->pg || !(st->pg->url = str_dup(url)))
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    /* libpq's complaint about a malformed URL quotes the bad part, which
     * may be the password. */
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    PQfreemem(msg);
    /* Two @ in the authority: libpq splits at the first, and the rest of
     * the password becomes a host name its messages quote. */
    const char *auth = strstr(url, "://");
    int ats = 0;
    for (const char *c = auth ? auth + 3 : url; *c && *c != '/' && *c != '?'; c++)
        ats += *c == '@';
    if (opts && ats > 1) {
        PQconninfoFree(opts);
        return err_set(err, ATSB_ERR_CONFIG,
                       "store %s: an @ in the user name or password must be percent-encoded "
                       "(%%40)", st->path);
    }
    if (!opts)
        return err_set(err, ATSB_ERR_CONFIG,
                       "store %s: not a valid PostgreSQL URL (postgresql://USER@HOST[:PORT]/DB"
                       "[?PARAM=VALUE...], special characters percent-encoded)", st->path);
    PQconninfoFree(opts);
    return connect_now(st, err);
}

void db_pg_close(store *st)
{
    store_pg *pg = st->pg;
    if (!pg)
        return;
    if (pg->conn)
        PQfinish(pg->conn);
    for (size_t i = 0; i < pg->nprep; i++)
        free(pg->prep[i].sql);
    for (int i = 0; i < PG_MAX_LOCKS; i++)
        free(pg->locks[i]);
    free(pg->prep);
    free(pg->url);
    free(pg);
    st->pg = NULL;
}

int64_t store_pg_notified(store *st)
{
    store_pg *pg = st->pg;
    if (ensure(st))
        return pg->notified;
    if (!pg->listening) {
        pg->listening = 1;
        PGresult *r = PQexec(pg->conn, "LISTEN " NOTIFY_CHANNEL);
        PQclear(r);
    }
    if (!PQconsumeInput(pg->conn)) {
        pg->notified++;
        return pg->notified;
    }
    PGnotify *n;
    while ((n = PQnotifies(pg->conn))) {
        pg->notified++;
        PQfreemem(n);
    }
    return pg->notified;
}

int store_pg_prepare_schema(store *st, atsb_error *err)
{
    if (db_pg_exec(st, "BEGIN; SELECT pg_advisory_xact_lock(" STORE_PG_MIGRATE_LOCK ");"
                       "CREATE TABLE IF NOT EXISTS atsb_schema (version BIGINT NOT NULL);"
                       "COMMIT") != DB_DONE) {
        int rc = store_fail(st, err, "create the schema version table");
        db_pg_exec(st, "ROLLBACK");
        return rc;
    }
    return ATSB_OK;
}
