/* The store: every SQL statement of atsbridge lives behind this interface
 * (store*.c), and nothing above it knows which backend holds the data:
 * SQLite (a file path; WAL mode, foreign keys on, migrations by
 * user_version) or PostgreSQL (a postgresql:// URL; see store_db_pg.c). */
#ifndef ATSB_CORE_STORE_H
#define ATSB_CORE_STORE_H

#include <stdint.h>

#include "atsbridge/connector.h"

typedef struct store store;

int store_open(store **out, const char *path, atsb_error *err);
void store_close(store *st);
int store_schema_version(store *st);
/* The store as messages name it: its path, or its URL without a password. */
const char *store_name(const store *st);
/* Several processes on several machines may share it (PostgreSQL): per-org
 * exclusion goes through the store, not lock files. */
int store_is_shared(const store *st);
/* A named lock for the store's shared case (PostgreSQL: a session advisory
 * lock, released by the server if the session dies).  CORE_ERR_BUSY when
 * held elsewhere and wait is 0.  No-ops on SQLite (lock files serve). */
int store_lock_take(store *st, const char *name, int wait, atsb_error *err);
void store_lock_release(store *st, const char *name);

/* Open without migrating (store check): the schema as it is. */
int store_open_as_is(store **out, const char *path, atsb_error *err);
/* Bring the schema to store_schema_latest(); *from is where it was. */
int store_upgrade(store *st, int *from, atsb_error *err);
/* Copy every row of src into dst, which must be empty (CORE_ERR_CONFLICT
 * otherwise), in one transaction on dst; each table's rows are counted on
 * both sides.  cb (may be NULL) hears each table's count. */
typedef void (*store_copy_cb)(const char *table, int64_t rows, void *payload);
int store_copy(store *src, store *dst, store_copy_cb cb, void *payload, atsb_error *err);
/* The latest migration this build knows. */
int store_schema_latest(void);

int store_begin(store *st, atsb_error *err);     /* SQLite: BEGIN IMMEDIATE */
int store_commit(store *st, atsb_error *err);
void store_rollback(store *st);

/* ---- orgs ---- */
typedef struct store_org {
    int64_t id;
    char slug[64];
    char name[256];
    char trigger_status[32];
    int64_t created_at;
    int64_t jobs_interval_s;   /* 0: the configured default */
} store_org;

int store_org_add(store *st, const char *slug, const char *name, atsb_error *err);
/* ATSB_ERR_NOT_FOUND when absent. */
int store_org_get(store *st, const char *slug, store_org *out, atsb_error *err);
typedef int (*store_org_cb)(const store_org *org, void *payload);
int store_org_each(store *st, store_org_cb cb, void *payload, atsb_error *err);
int store_org_set_trigger(store *st, int64_t org_id, const char *status, atsb_error *err);
int store_org_set_name(store *st, int64_t org_id, const char *name, atsb_error *err);
/* 0 resets to the configured default. */
int store_org_set_jobs_interval(store *st, int64_t org_id, int64_t seconds, atsb_error *err);

/* ---- connections (at most one per org: UNIQUE(org_id)) ---- */
typedef struct store_setting {
    char *name;
    char *value;   /* as given: a literal or an env:/file: reference */
} store_setting;

typedef struct store_conn {
    int64_t id;
    int64_t org_id;
    char connector[64];
    char state[32];          /* ok | needs_attention | paused */
    char *last_error;
    int64_t created_at;
    int64_t last_sync_at;
    int64_t last_full_sync_at;
    int64_t sync_watermark;  /* updated_since for the next incremental run */
    int failures;            /* consecutive passing failures (circuit breaker) */
    int64_t retry_at;        /* circuit open until then; 0 = closed */
    char *check_result;      /* last check: "passed", "passed; warnings: ..." or
                              * "failed: ..."; NULL = never checked */
    int64_t checked_at;
    int64_t jobs_due_at;     /* next job sync (the daemon's schedule) */
    int64_t push_due_at;     /* next outbox row due (STORE_PUSH_HELD: none) */
    char lease_owner[128];   /* the daemon running its task ("": none) */
    int64_t lease_until;
    /* A job listing paused between turns (pass_run_id 0: none): resumed
     * from pass_cursor, in the same run, by whoever syncs the org next. */
    int64_t pass_run_id;
    char *pass_cursor;
    int64_t pass_started_at;
    int pass_full;
    int64_t pass_pages;
    store_setting *settings;
    size_t n_settings;
} store_conn;

void store_conn_free(store_conn *c);
/* CORE_ERR_CONFLICT, naming the existing connector, when the org has one. */
int store_conn_add(store *st, int64_t org_id, const char *connector,
                   const store_setting *settings, size_t n, atsb_error *err);
int store_conn_get(store *st, int64_t org_id, store_conn *out, atsb_error *err);
int store_conn_delete(store *st, int64_t org_id, atsb_error *err);
int store_conn_set_state(store *st, int64_t org_id, const char *state,
                         const char *last_error, atsb_error *err);
/* Record the outcome of a connection check (see store_conn.check_result). */
int store_conn_set_check(store *st, int64_t org_id, const char *result, int64_t at,
                         atsb_error *err);
/* Circuit breaker bookkeeping: failures = 0 and retry_at = 0 close it. */
int store_conn_set_breaker(store *st, int64_t org_id, int failures, int64_t retry_at,
                           const char *last_error, atsb_error *err);

/* ---- audit log ---- */
int store_audit(store *st, int64_t org_id, const char *action, const char *subject,
                const char *detail, atsb_error *err);



/* ---- jobs ---- */
typedef struct store_job {
    int64_t id;
    char remote_id[ATSB_REMOTE_ID_MAX];
    char title[512];
    char state[16];            /* disabled | active | archived */
    int frozen;                /* activated once: ATS edits are no longer applied */
    char remote_status[16];    /* open | closed, as last seen */
    char *location_text, *country, *region, *city, *department, *description, *url;
    int remote;
    int64_t remote_updated_at;
    char content_hash[24];     /* hash of the ATS version last seen */
    char *archived_reason;
    int64_t created_at, updated_at;
} store_job;

void store_job_free(store_job *j);
int store_job_get(store *st, int64_t org_id, const char *remote_id, store_job *out,
                  atsb_error *err);
typedef int (*store_job_cb)(const store_job *job, void *payload);
/* state NULL: every job. */
int store_job_each(store *st, int64_t org_id, const char *state, store_job_cb cb,
                   void *payload, atsb_error *err);
int store_job_count(store *st, int64_t org_id, const char *state, int64_t *out,
                    atsb_error *err);
/* Activation: disabled -> active (and frozen for good); deactivate: active
 * -> disabled.  Refuses archived jobs.  Caller's transaction (see
 * cand_set_job_active, which also releases held candidates). */
int store_job_set_active(store *st, int64_t org_id, const char *remote_id, int active,
                         atsb_error *err);

/* Fields of a job as the sync writes them. */
typedef struct store_job_fields {
    const char *remote_id, *title, *remote_status, *location_text, *country, *region,
        *city, *department, *description, *url;
    int remote;
    int64_t remote_updated_at;
    const char *hash;
} store_job_fields;

/* Prepared statements for one sync run, reused across pages (the bulk path). */
typedef struct store_job_writer store_job_writer;
int store_job_writer_open(store *st, int64_t org_id, const char *connector, int64_t run_id,
                          store_job_writer **out, atsb_error *err);
void store_job_writer_close(store_job_writer *w);
/* Current row for remote_id: ATSB_OK and filled, or ATSB_ERR_NOT_FOUND.  Only
 * id, state, frozen, content_hash and archived_reason are read. */
int store_job_writer_lookup(store_job_writer *w, const char *remote_id, store_job *out,
                            atsb_error *err);
int store_job_writer_insert(store_job_writer *w, const store_job_fields *f, atsb_error *err);
/* Apply the ATS version; state NULL keeps the state. */
int store_job_writer_update(store_job_writer *w, int64_t id, const store_job_fields *f,
                            const char *state, atsb_error *err);
/* Record that the ATS version was seen (hash + run) without applying it. */
int store_job_writer_seen(store_job_writer *w, int64_t id, const char *hash, atsb_error *err);
int store_job_writer_archive(store_job_writer *w, int64_t id, const char *reason,
                             const char *hash, atsb_error *err);
/* Archive every unarchived job of the org not seen in this run (full pass);
 * *count gets how many. */
int store_job_archive_unseen(store *st, int64_t org_id, int64_t run_id, int64_t *count,
                             atsb_error *err);

/* ---- sync runs ---- */
typedef struct store_run_counts {
    int64_t created, updated, unchanged, frozen_skipped, archived, non_us,
        unknown_location, malformed, closed_skipped, errors;
} store_run_counts;

typedef struct store_run {
    int64_t id;
    char kind[16];
    int full_pass;
    char status[16];          /* running | paused | ok | failed | interrupted | cancelled */
    int64_t started_at, finished_at, duration_ms;
    store_run_counts counts;
    char *error_message;
} store_run;

int store_run_start(store *st, int64_t org_id, const char *kind, int full, int64_t *run_id,
                    atsb_error *err);
/* Runs left 'running' by a killed process become 'interrupted'. */
int store_run_mark_interrupted(store *st, int64_t org_id, const char *kind, atsb_error *err);
/* Runs left 'running' by a task whose process died (the caller holds the
 * org's sync lock): 'failed', with how it died as the error. */
int store_run_fail_running(store *st, int64_t org_id, const char *kind, const char *reason,
                           atsb_error *err);
int store_run_save_counts(store *st, int64_t run_id, const store_run_counts *c,
                          atsb_error *err);
int store_run_finish(store *st, int64_t run_id, const char *status,
                     const store_run_counts *c, int64_t duration_ms, const char *error,
                     atsb_error *err);
typedef int (*store_run_cb)(const store_run *run, void *payload);
int store_run_each(store *st, int64_t org_id, int limit, store_run_cb cb, void *payload,
                   atsb_error *err);
/* The org's run run_id through cb (not called when there is none). */
int store_run_get(store *st, int64_t org_id, int64_t run_id, store_run_cb cb, void *payload,
                  atsb_error *err);

/* Where org's paused job listing goes on: its run, the connector's cursor,
 * the pass's start and kind, the pages it committed.  Caller's txn (the page's, so a committed
 * page and its cursor are one).  store_pass_clear forgets it. */
int store_pass_save(store *st, int64_t org_id, int64_t run_id, const char *cursor,
                    int64_t started_at, int full, int64_t pages, atsb_error *err);
int store_pass_clear(store *st, int64_t org_id, atsb_error *err);
/* A paused run goes on: running again, its counts so far into *c. */
int store_run_resume(store *st, int64_t run_id, store_run_counts *c, atsb_error *err);
/* A paused run that will not go on (a new full pass replaces it). */
int store_run_abandon(store *st, int64_t run_id, atsb_error *err);

/* After a successful job sync (which also ends a paused listing): the next incremental run asks for changes
 * since watermark; full marks a full pass; the next job sync is due at
 * next_due (sched_jobs_due_at). */
int store_conn_mark_synced(store *st, int64_t org_id, int64_t watermark, int full,
                           int64_t next_due, atsb_error *err);

/* ---- the scheduler's view and leases (store_sched.c) ----
 * A connection is due at max(retry_at, turn_at, min(jobs_due_at,
 * push_due_at)) while its state is ok; that expression is indexed, so the
 * daemon asks for due rows only.  A lease (owner, until) says which daemon
 * runs the org's task; a claim takes only rows without a live lease. */
typedef struct store_sched_row {
    store_org org;
    int64_t last_sync_at;
    int64_t jobs_due_at;
    int64_t push_due_at;     /* STORE_PUSH_HELD: nothing pending */
    int64_t retry_at;
    int listing_paused;      /* a job listing waits for its next turn */
} store_sched_row;

/* In one write transaction (so nothing read is stale): up to limit
 * connections due at now, without a live lease, oldest due first (an org
 * that just had its turn after those due before it), leased to owner
 * until lease_until.  *rows malloc'd (free()), *n how many. */
int store_sched_claim(store *st, const char *owner, int64_t now, int64_t lease_until, int limit,
                      store_sched_row **rows, size_t *n, atsb_error *err);
/* *due: connections due at now that a claim could take (no live lease; at
 * most limit counted); *next: the earliest due time after now (0: none). */
int store_sched_peek(store *st, int64_t now, int limit, int64_t *due, int64_t *next,
                     atsb_error *err);
/* End owner's lease; turn_at >= 0 also records when the org's turn ended
 * (< 0 keeps it).  ATSB_ERR_NOT_FOUND when owner no longer holds it. */
int store_sched_release(store *st, int64_t org_id, const char *owner, int64_t turn_at,
                        atsb_error *err);
/* Extend owner's lease; ATSB_ERR_NOT_FOUND when it was lost. */
int store_sched_renew(store *st, int64_t org_id, const char *owner, int64_t lease_until,
                      atsb_error *err);
typedef int (*store_lease_cb)(int64_t org_id, const char *owner, int64_t until, void *payload);
/* Every lease held (an index of the leased rows only). */
int store_sched_each_lease(store *st, store_lease_cb cb, void *payload, atsb_error *err);
typedef int (*store_sched_conn_cb)(const store_org *org, int64_t last_sync_at,
                                   int64_t jobs_due_at, void *payload);
/* Every connection with its org, for recomputing job due times when the
 * interval changed (daemon start, reload). */
int store_sched_each_conn(store *st, store_sched_conn_cb cb, void *payload, atsb_error *err);
int store_conn_set_jobs_due(store *st, int64_t org_id, int64_t due_at, atsb_error *err);
/* SQLite's PRAGMA data_version: changes when another connection commits. */
int64_t store_data_version(store *st);

/* ---- audit log (newest first) ---- */
typedef struct store_audit_entry {
    int64_t id;
    int64_t at;
    const char *action, *subject, *detail;   /* valid during the callback */
} store_audit_entry;
typedef int (*store_audit_cb)(const store_audit_entry *e, void *payload);
int store_audit_each(store *st, int64_t org_id, int limit, store_audit_cb cb, void *payload,
                     atsb_error *err);

/* ---- candidates ---- */
typedef struct store_cand {
    int64_t id;
    int64_t org_id;
    char ext_id[ATSB_REMOTE_ID_MAX];
    char job_remote_id[ATSB_REMOTE_ID_MAX];
    char status[32];
    char *first_name, *last_name, *email, *phone, *profile_url;
    char *data;            /* JSON: {"assessment": {...}, "transcript": [...]} */
    char *hold_reason;     /* why a candidate at the trigger is not queued */
    int64_t created_at, updated_at;
} store_cand;

typedef struct store_cand_fields {
    const char *ext_id, *job_remote_id, *status, *first_name, *last_name, *email, *phone,
        *profile_url, *data;
} store_cand_fields;

void store_cand_free(store_cand *c);
/* Insert or update by (org, ext_id); *created says which.  Caller's txn. */
int store_cand_upsert(store *st, int64_t org_id, const store_cand_fields *f, int64_t *id,
                      int *created, atsb_error *err);
int store_cand_get(store *st, int64_t org_id, const char *ext_id, store_cand *out,
                   atsb_error *err);
int store_cand_get_by_id(store *st, int64_t id, store_cand *out, atsb_error *err);
typedef int (*store_cand_cb)(const store_cand *c, void *payload);
int store_cand_each(store *st, int64_t org_id, store_cand_cb cb, void *payload, atsb_error *err);
/* Candidates of an org applying to one job (for releasing holds). */
int store_cand_each_for_job(store *st, int64_t org_id, const char *job_remote_id,
                            store_cand_cb cb, void *payload, atsb_error *err);
/* The org's held candidates (at the trigger but not queued, with the
 * reason), by id after `after`. */
int store_cand_held_page(store *st, int64_t org_id, int64_t after, int limit, store_cand_cb cb,
                         void *payload, atsb_error *err);
int store_cand_set_status(store *st, int64_t id, const char *status, atsb_error *err);
int store_cand_set_hold(store *st, int64_t id, const char *reason, atsb_error *err);
/* Replace (or with content NULL, delete) the stored resume. */
int store_cand_set_resume(store *st, int64_t id, const char *file_name, const char *mime,
                          const void *content, size_t len, atsb_error *err);
/* The stored resume's name, type and size, without its bytes;
 * ATSB_ERR_NOT_FOUND when none. */
int store_cand_resume_info(store *st, int64_t id, char **file_name, char **mime, size_t *len,
                           atsb_error *err);
/* ATSB_ERR_NOT_FOUND when none; *content malloc'd. */
int store_cand_get_resume(store *st, int64_t id, char **file_name, char **mime,
                          unsigned char **content, size_t *len, atsb_error *err);

/* ---- the candidate-push outbox ---- */
/* next_attempt_at of a held push: due only when an event makes it due
 * again (store_push_enqueue: the job activated, the candidate re-imported
 * with an email), never by the clock.  9999-12-31T00:00:00Z, so it still
 * prints as a date. */
#define STORE_PUSH_HELD INT64_C(253402214400)

typedef struct store_push {
    int64_t id;
    int64_t org_id;
    int64_t candidate_id;
    int64_t job_id;
    char state[16];          /* pending | done | dead */
    int attempts;
    int64_t next_attempt_at;
    char *last_error;
    char remote_candidate_id[ATSB_REMOTE_ID_MAX];
    char remote_application_id[ATSB_REMOTE_ID_MAX];
    int64_t created_at, updated_at;
    /* joined for display */
    char org_slug[64];
    char cand_ext_id[ATSB_REMOTE_ID_MAX];
    char job_remote_id[ATSB_REMOTE_ID_MAX];
} store_push;

void store_push_free(store_push *p);
/* Queue (candidate, job) unless queued before; *queued says whether a new
 * row was made.  A pending row is made due now.  Caller's txn. */
int store_push_enqueue(store *st, int64_t org_id, int64_t cand_id, int64_t job_id, int *queued,
                       atsb_error *err);
typedef int (*store_push_cb)(const store_push *p, void *payload);
/* Pending rows of an org due at or before now, oldest first. */
int store_push_each_due(store *st, int64_t org_id, int64_t now, int limit, store_push_cb cb,
                        void *payload, atsb_error *err);
/* org_id 0: every org; state NULL: every state. */
int store_push_each(store *st, int64_t org_id, const char *state, store_push_cb cb,
                    void *payload, atsb_error *err);
int store_push_get(store *st, int64_t id, store_push *out, atsb_error *err);
int store_push_count(store *st, int64_t org_id, const char *state, int64_t *out, atsb_error *err);
/* Pending rows of an org due at or before now. */
int store_push_count_due(store *st, int64_t org_id, int64_t now, int64_t *out, atsb_error *err);
/* Count an attempt before calling the ATS, so a crash mid-push is known. */
int store_push_begin_attempt(store *st, int64_t id, atsb_error *err);
int store_push_done(store *st, int64_t id, const char *cand_remote, const char *app_remote,
                    atsb_error *err);
int store_push_later(store *st, int64_t id, int64_t next_at, const char *error, atsb_error *err);
int store_push_dead(store *st, int64_t id, const char *error, atsb_error *err);
/* dead -> pending, due now, attempts reset. */
int store_push_requeue(store *st, int64_t id, atsb_error *err);
/* ---- API tokens (store_tokens.c) ---- */
typedef struct store_token {
    int64_t id;
    char name[128];
    char public_id[32];
    char hash[72];             /* hex SHA-256 of the whole token */
    int64_t org_id;            /* 0: every organisation */
    char org_slug[64];
    int read_only;
    int64_t created_at, last_used_at, revoked_at;
} store_token;

/* CORE_ERR_CONFLICT when the name is taken. */
int store_token_add(store *st, const char *name, const char *public_id, const char *hash,
                    int64_t org_id, int read_only, atsb_error *err);
/* ATSB_ERR_NOT_FOUND when no token has that public id. */
int store_token_find(store *st, const char *public_id, store_token *out, atsb_error *err);
typedef int (*store_token_cb)(const store_token *t, void *payload);
int store_token_each(store *st, store_token_cb cb, void *payload, atsb_error *err);
/* ATSB_ERR_NOT_FOUND when no unrevoked token has that name. */
int store_token_revoke(store *st, const char *name, atsb_error *err);
int store_token_touch(store *st, int64_t id, int64_t at, atsb_error *err);

/* ---- the change feed and the webhook outbox (store_events.c) ----
 * Events are written by triggers (store_schema.c, migration 6) in the
 * transaction of the change they describe; this only reads them. */
typedef struct store_event {
    int64_t id;
    int64_t org_id;
    const char *org_slug;
    int64_t at;
    const char *type, *object_type, *object_id, *data;  /* valid during the callback */
} store_event;
typedef int (*store_event_cb)(const store_event *e, void *payload);
/* Events with id > after, oldest first; org_id 0: every org. */
int store_event_each(store *st, int64_t org_id, int64_t after, int limit, store_event_cb cb,
                     void *payload, atsb_error *err);
/* The cursor before the org's (0: every org's) last n events, so a reader
 * that starts there sees the newest n. */
int store_event_tail_after(store *st, int64_t org_id, int n, int64_t *after, atsb_error *err);
int store_event_last_id(store *st, int64_t *out, atsb_error *err);

typedef struct store_webhook_cursor {
    int64_t org_id;
    int64_t last_event_id;
    int attempts;
    int64_t next_attempt_at;
} store_webhook_cursor;
/* The org's cursor (a fresh one, all zero, when it has none yet). */
int store_webhook_cursor_get(store *st, int64_t org_id, store_webhook_cursor *out,
                             atsb_error *err);
/* Delivered: the cursor moves to event_id and the backoff resets. */
int store_webhook_delivered(store *st, int64_t org_id, int64_t event_id, atsb_error *err);
int store_webhook_failed(store *st, int64_t org_id, int attempts, int64_t next_at,
                         const char *error, atsb_error *err);
/* Orgs with an event past their cursor that is due at now. */
typedef int (*store_id_cb)(int64_t id, void *payload);
int store_webhook_each_due(store *st, int64_t now, store_id_cb cb, void *payload,
                           atsb_error *err);
/* Events not yet delivered, every org (a metric). */
int store_webhook_backlog(store *st, int64_t *out, atsb_error *err);

/* ---- pages and counts for the API (store_api.c) ---- */
/* The overview's page: orgs by slug after `after`, whose slug or name
 * contains query (case-insensitive), in health state health ("ok",
 * "needs_attention", "paused", "circuit_open", "not_connected"); NULL or "" fields
 * filter nothing. */
typedef struct store_org_filter {
    const char *after, *query, *health;
    int64_t only_org;   /* non-zero: this org alone */
    int64_t now;     /* for circuit_open: retry_at > now */
    int limit;
} store_org_filter;
int store_org_search(store *st, const store_org_filter *f, store_org_cb cb, void *payload,
                     atsb_error *err);
/* Fleet-wide figures for the overview's headline. */
typedef struct store_totals {
    int64_t orgs, not_connected, needs_attention, circuit_open;
    int64_t outbox_pending, dead_letters;
} store_totals;
int store_org_totals(store *st, int64_t now, store_totals *t, atsb_error *err);
/* Jobs with id > after, by id; state NULL: every state. */
int store_job_page(store *st, int64_t org_id, const char *state, int64_t after, int limit,
                   store_job_cb cb, void *payload, atsb_error *err);
/* The org and everything of it (cascade).  ATSB_ERR_NOT_FOUND when absent. */
int store_org_delete(store *st, int64_t org_id, atsb_error *err);
/* Outbox rows of one candidate. */
int store_push_each_for_cand(store *st, int64_t cand_id, store_push_cb cb, void *payload,
                             atsb_error *err);
/* Outbox rows with id > after, by id (org_id 0: every org; state NULL: all). */
int store_push_page(store *st, int64_t org_id, const char *state, int64_t after, int limit,
                    store_push_cb cb, void *payload, atsb_error *err);
/* Prometheus: one callback per (labels, value) row of a fixed query. */
typedef enum store_metric {
    STORE_METRIC_RUNS,          /* org, status -> count */
    STORE_METRIC_RUN_BUCKETS,   /* org, le (seconds) -> cumulative count; le "+Inf" last */
    STORE_METRIC_RUN_SUMS,      /* org -> sum of durations (s), count */
    STORE_METRIC_JOBS_CREATED,  /* org -> sum over runs */
    STORE_METRIC_JOBS_ARCHIVED, /* org -> sum over runs */
    STORE_METRIC_PUSHES,        /* org, state -> count */
    STORE_METRIC_OUTBOX_DUE     /* org -> pending rows */
} store_metric;
typedef int (*store_metric_cb)(const char *org, const char *label, double value,
                               double value2, void *payload);
int store_metric_each(store *st, store_metric which, store_metric_cb cb, void *payload,
                      atsb_error *err);
#endif
