/* Versioned migrations.  Each entry moves user_version from i to i+1 inside
 * one transaction; never edit a released entry, append a new one. */
#include <stdio.h>

#include "store/store_int.h"
#include "store/store_schema_pg.h"
#include "store/store_db.h"

static const char *const MIGRATIONS[] = {
    /* 1: the foundation */
    "CREATE TABLE orgs ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  trigger_status TEXT NOT NULL DEFAULT 'engaged',"
    "  created_at INTEGER NOT NULL);"
    /* UNIQUE(org_id): one ATS connection per organisation, whatever the
     * code above does. */
    "CREATE TABLE connections ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL UNIQUE REFERENCES orgs(id) ON DELETE CASCADE,"
    "  connector TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok','needs_attention','paused')),"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  last_sync_at INTEGER NOT NULL DEFAULT 0,"
    "  last_full_sync_at INTEGER NOT NULL DEFAULT 0,"
    "  sync_watermark INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE connection_settings ("
    "  connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (connection_id, name));"
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    "  remote_id TEXT NOT NULL,"
    "  connector TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'disabled' CHECK (state IN ('disabled','active','archived')),"
    "  frozen INTEGER NOT NULL DEFAULT 0,"
    "  remote_status TEXT NOT NULL DEFAULT 'open',"
    "  location_text TEXT, country TEXT, region TEXT, city TEXT,"
    "  remote INTEGER NOT NULL DEFAULT 0,"
    "  department TEXT, description TEXT, url TEXT,"
    "  remote_updated_at INTEGER NOT NULL DEFAULT 0,"
    "  content_hash TEXT NOT NULL DEFAULT '',"
    "  archived_reason TEXT,"
    "  last_seen_run INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (org_id, remote_id));"
    "CREATE TABLE candidates ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    "  ext_id TEXT NOT NULL,"
    "  job_remote_id TEXT NOT NULL,"
    "  first_name TEXT NOT NULL, last_name TEXT NOT NULL,"
    "  email TEXT, phone TEXT,"
    "  status TEXT NOT NULL,"
    "  profile_url TEXT,"
    "  data TEXT NOT NULL DEFAULT '{}',"
    "  hold_reason TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (org_id, ext_id));"
    /* The outbox: one row per (candidate, job) so a candidate is never
     * pushed twice to the same job. */
    "CREATE TABLE candidate_pushes ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    "  candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,"
    "  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  remote_candidate_id TEXT, remote_application_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (candidate_id, job_id));"
    "CREATE INDEX candidate_pushes_due ON candidate_pushes(state, next_attempt_at);"
    "CREATE TABLE sync_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  full_pass INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL DEFAULT 'running',"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  duration_ms INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,"
    "  unchanged INTEGER NOT NULL DEFAULT 0, frozen_skipped INTEGER NOT NULL DEFAULT 0,"
    "  archived INTEGER NOT NULL DEFAULT 0, non_us INTEGER NOT NULL DEFAULT 0,"
    "  unknown_location INTEGER NOT NULL DEFAULT 0, malformed INTEGER NOT NULL DEFAULT 0,"
    "  errors INTEGER NOT NULL DEFAULT 0,"
    "  closed_skipped INTEGER NOT NULL DEFAULT 0,"
    "  error_message TEXT);"
    "CREATE INDEX sync_runs_org ON sync_runs(org_id, id);"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER,"
    "  at INTEGER NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT,"
    "  detail TEXT);"
    "CREATE INDEX audit_log_org ON audit_log(org_id, id);",

    /* 2: candidate intake.  The resume is copied into the store at import,
     * so a push never depends on a file that may have moved. */
    "CREATE TABLE candidate_resumes ("
    "  candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id) ON DELETE CASCADE,"
    "  file_name TEXT NOT NULL,"
    "  mime_type TEXT NOT NULL,"
    "  content BLOB NOT NULL);"
    "CREATE INDEX candidates_job ON candidates(org_id, job_remote_id);"
    "CREATE INDEX candidate_pushes_org ON candidate_pushes(org_id, state, next_attempt_at);",

    /* 3: the daemon.  A per-org job sync interval (NULL: sync.jobs_interval)
     * and a circuit breaker per connection: consecutive passing failures
     * and when to try again. */
    "ALTER TABLE orgs ADD COLUMN jobs_interval_s INTEGER;"
    "ALTER TABLE connections ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE connections ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;",

    /* 4: the last connection check's outcome, so `status` keeps what a
     * check found (a missing permission that only warns, or why it
     * failed) after `connect` or `check` has printed it. */
    ("ALTER TABLE connections ADD COLUMN check_result TEXT;"
     "ALTER TABLE connections ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;"),

    /* 5: a scheduler that reads only what is due, and leases.  Per
     * connection: when its next job sync is due (written by whoever records
     * a sync's end), when its next push is due (derived by the triggers
     * below in the very transaction that changes the outbox; 9999-12-31
     * when nothing is pending), when it yielded its last turn (so an org
     * with a long backlog queues behind orgs that were due before), and
     * the lease of the daemon running its task, and where a job listing
     * that yielded its turn goes on.  connections_due indexes
     * the one expression the scheduler asks for, only for rows it may run. */
    ("ALTER TABLE connections ADD COLUMN jobs_due_at INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE connections ADD COLUMN push_due_at INTEGER NOT NULL DEFAULT 253402214400;"
     "ALTER TABLE connections ADD COLUMN turn_at INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE connections ADD COLUMN lease_owner TEXT;"
     "ALTER TABLE connections ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"
     /* A job listing that yielded its turn: its run, the connector's cursor
      * after the last committed page, and the pass's start and kind. */
     "ALTER TABLE connections ADD COLUMN pass_run_id INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE connections ADD COLUMN pass_cursor TEXT;"
     "ALTER TABLE connections ADD COLUMN pass_started_at INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE connections ADD COLUMN pass_full INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE connections ADD COLUMN pass_pages INTEGER NOT NULL DEFAULT 0;"
     "UPDATE connections SET jobs_due_at = last_sync_at, push_due_at = coalesce("
     "  (SELECT min(next_attempt_at) FROM candidate_pushes p"
     "   WHERE p.org_id = connections.org_id AND p.state = 'pending'), 253402214400);"
     "CREATE INDEX connections_due ON connections("
     "  max(retry_at, turn_at, min(jobs_due_at, push_due_at))) WHERE state = 'ok';"
     "CREATE INDEX connections_leased ON connections(lease_owner) WHERE lease_owner IS NOT NULL;"
     "CREATE TRIGGER connections_push_due AFTER INSERT ON connections BEGIN"
     "  UPDATE connections SET push_due_at = coalesce((SELECT min(next_attempt_at)"
     "    FROM candidate_pushes WHERE org_id = NEW.org_id AND state = 'pending'), 253402214400)"
     "  WHERE id = NEW.id; END;"
     "CREATE TRIGGER candidate_pushes_due_ins AFTER INSERT ON candidate_pushes BEGIN"
     "  UPDATE connections SET push_due_at = coalesce((SELECT min(next_attempt_at)"
     "    FROM candidate_pushes WHERE org_id = NEW.org_id AND state = 'pending'), 253402214400)"
     "  WHERE org_id = NEW.org_id; END;"
     "CREATE TRIGGER candidate_pushes_due_upd AFTER UPDATE OF state, next_attempt_at, org_id"
     "  ON candidate_pushes BEGIN"
     "  UPDATE connections SET push_due_at = coalesce((SELECT min(next_attempt_at)"
     "    FROM candidate_pushes WHERE org_id = NEW.org_id AND state = 'pending'), 253402214400)"
     "  WHERE org_id = NEW.org_id; END;"
     "CREATE TRIGGER candidate_pushes_due_del AFTER DELETE ON candidate_pushes BEGIN"
     "  UPDATE connections SET push_due_at = coalesce((SELECT min(next_attempt_at)"
     "    FROM candidate_pushes WHERE org_id = OLD.org_id AND state = 'pending'), 253402214400)"
     "  WHERE org_id = OLD.org_id; END;"),

    /* 6: the platform API.  Tokens are stored only as the SHA-256 of the
     * whole token, found by their public part.  events is the change feed:
     * AUTOINCREMENT so an id (the feed's cursor) is never reused, even after
     * the newest rows are deleted.  The events are written by triggers, so
     * each is in the same transaction as the change it describes whatever
     * code path made it (sync, CLI, daemon, API), and no path can forget
     * one.  webhook_cursors is the webhook outbox: per org, the last event
     * delivered and the backoff of the next try (in order per org). */
    ("CREATE TABLE api_tokens ("
     "  id INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  public_id TEXT NOT NULL UNIQUE,"
     "  hash TEXT NOT NULL,"
     "  org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,"
     "  read_only INTEGER NOT NULL DEFAULT 0,"
     "  created_at INTEGER NOT NULL,"
     "  last_used_at INTEGER NOT NULL DEFAULT 0,"
     "  revoked_at INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE events ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  org_id INTEGER NOT NULL,"
     "  at INTEGER NOT NULL,"
     "  type TEXT NOT NULL,"
     "  object_type TEXT NOT NULL,"
     "  object_id TEXT NOT NULL,"
     "  data TEXT NOT NULL DEFAULT '{}');"
     "CREATE INDEX events_org ON events(org_id, id);"
     "CREATE TABLE webhook_cursors ("
     "  org_id INTEGER PRIMARY KEY,"
     "  last_event_id INTEGER NOT NULL DEFAULT 0,"
     "  attempts INTEGER NOT NULL DEFAULT 0,"
     "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT);"
#define EV_NOW "CAST(strftime('%s','now') AS INTEGER)"
#define EV_INSERT "INSERT INTO events(org_id, at, type, object_type, object_id, data) VALUES "
     "CREATE TRIGGER events_job_created AFTER INSERT ON jobs BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.created', 'job', NEW.remote_id,"
     " json_object('title', NEW.title, 'state', NEW.state)); END;"
     /* writer_update is the only statement that sets title: an applied
      * ATS edit.  Frozen jobs never get one (sync_jobs_decide). */
     "CREATE TRIGGER events_job_updated AFTER UPDATE OF title ON jobs "
     "WHEN NEW.state = OLD.state AND NEW.content_hash <> OLD.content_hash BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.updated', 'job', NEW.remote_id,"
     " json_object('title', NEW.title, 'state', NEW.state, 'change', 'content')); END;"
     "CREATE TRIGGER events_job_activation AFTER UPDATE OF state ON jobs "
     "WHEN OLD.state IN ('disabled','active') AND NEW.state IN ('disabled','active') "
     "AND OLD.state <> NEW.state BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.updated', 'job', NEW.remote_id,"
     " json_object('title', NEW.title, 'state', NEW.state, 'change', 'state')); END;"
     "CREATE TRIGGER events_job_archived AFTER UPDATE OF state ON jobs "
     "WHEN NEW.state = 'archived' AND OLD.state <> 'archived' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.archived', 'job', NEW.remote_id,"
     " json_object('title', NEW.title, 'reason', NEW.archived_reason)); END;"
     "CREATE TRIGGER events_job_reopened AFTER UPDATE OF state ON jobs "
     "WHEN OLD.state = 'archived' AND NEW.state <> 'archived' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.reopened', 'job', NEW.remote_id,"
     " json_object('title', NEW.title, 'state', NEW.state)); END;"
     /* An activated (frozen) job's new ATS version is recorded as seen,
      * not applied. */
     "CREATE TRIGGER events_job_frozen_edit AFTER UPDATE OF content_hash ON jobs "
     "WHEN NEW.frozen AND NEW.state = OLD.state AND NEW.state <> 'archived' "
     "AND NEW.content_hash <> OLD.content_hash AND OLD.content_hash <> '' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'job.frozen_edit_skipped', 'job', NEW.remote_id,"
     " json_object('title', NEW.title)); END;"
     "CREATE TRIGGER events_candidate_held AFTER UPDATE OF hold_reason ON candidates "
     "WHEN NEW.hold_reason IS NOT NULL AND OLD.hold_reason IS NOT NEW.hold_reason BEGIN "
     EV_INSERT "(NEW.org_id, " EV_NOW ", 'candidate.held', 'candidate', NEW.ext_id,"
     " json_object('job', NEW.job_remote_id, 'status', NEW.status,"
     " 'reason', NEW.hold_reason)); END;"
     "CREATE TRIGGER events_candidate_pushed AFTER UPDATE OF state ON candidate_pushes "
     "WHEN NEW.state = 'done' AND OLD.state <> 'done' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'candidate.pushed', 'candidate',"
     " (SELECT ext_id FROM candidates WHERE id = NEW.candidate_id),"
     " json_object('job', (SELECT remote_id FROM jobs WHERE id = NEW.job_id),"
     " 'outbox_id', NEW.id, 'remote_candidate_id', NEW.remote_candidate_id,"
     " 'remote_application_id', NEW.remote_application_id, 'attempts', NEW.attempts)); END;"
     "CREATE TRIGGER events_candidate_dead AFTER UPDATE OF state ON candidate_pushes "
     "WHEN NEW.state = 'dead' AND OLD.state <> 'dead' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'candidate.dead_lettered', 'candidate',"
     " (SELECT ext_id FROM candidates WHERE id = NEW.candidate_id),"
     " json_object('job', (SELECT remote_id FROM jobs WHERE id = NEW.job_id),"
     " 'outbox_id', NEW.id, 'error', NEW.last_error, 'attempts', NEW.attempts)); END;"
     "CREATE TRIGGER events_connection_attention AFTER UPDATE OF state ON connections "
     "WHEN NEW.state = 'needs_attention' AND OLD.state <> 'needs_attention' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'connection.needs_attention', 'connection', NEW.connector,"
     " json_object('error', NEW.last_error)); END;"
     "CREATE TRIGGER events_connection_recovered AFTER UPDATE OF state ON connections "
     "WHEN NEW.state = 'ok' AND OLD.state <> 'ok' BEGIN " EV_INSERT
     "(NEW.org_id, " EV_NOW ", 'connection.recovered', 'connection', NEW.connector,"
     " json_object()); END;"),
#undef EV_NOW
#undef EV_INSERT
};

int store_schema_latest(void)
{
    return (int)(sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]));
}

int store_schema_version(store *st)
{
    db_stmt *s = NULL;
    int v = 0;
    /* SQLite keeps the version in the file's header; PostgreSQL in a
     * one-row table of its own, created with the first migration. */
    if (db_prepare(st, &s, STORE_SQL(st, "PRAGMA user_version",
                                     "SELECT coalesce(max(version), 0) FROM atsb_schema")) ==
            DB_DONE &&
        db_step(s) == DB_ROW)
        v = db_col_int(s, 0);
    db_finalize(s);
    return v;
}

static const char *migration_sql(store *st, int v)
{
    return st->is_pg ? store_schema_pg_sql(v) : MIGRATIONS[v];
}

int store_migrate(store *st, atsb_error *err)
{
    int rc;
    if (st->is_pg && (rc = store_pg_prepare_schema(st, err)))
        return rc;
    int have = store_schema_version(st);
    int latest = store_schema_latest();
    if (have > latest)
        return err_set(err, CORE_ERR_STORE,
                       "%s: database schema version %d is newer than this atsbridge "
                       "understands (%d); upgrade atsbridge", st->path, have, latest);
    for (int v = have; v < latest; v++) {
        if ((rc = store_begin(st, err)))
            return rc;
        /* Daemons starting together: one migrates, the others wait for it
         * and find the work done. */
        if (st->is_pg) {
            if (db_exec(st, "SELECT pg_advisory_xact_lock(" STORE_PG_MIGRATE_LOCK ")") != DB_DONE) {
                rc = store_fail(st, err, "lock the schema for migration");
                store_rollback(st);
                return rc;
            }
            if (store_schema_version(st) > v) {
                store_rollback(st);
                continue;
            }
        }
        if (db_exec(st, migration_sql(st, v)) != DB_DONE) {
            err_set(err, CORE_ERR_STORE, "%s: migration %d failed: %s", st->path, v + 1,
                    db_errmsg(st));
            store_rollback(st);
            return CORE_ERR_STORE;
        }
        /* PRAGMA takes no bound parameters; v is our own integer. */
        char set[96];
        snprintf(set, sizeof(set),
                 st->is_pg ? "DELETE FROM atsb_schema; INSERT INTO atsb_schema VALUES (%d)"
                           : "PRAGMA user_version = %d", v + 1);
        if (db_exec(st, set) != DB_DONE) {
            rc = store_fail(st, err, "set the schema version");
            store_rollback(st);
            return rc;
        }
        if ((rc = store_commit(st, err)))
            return rc;
    }
    return ATSB_OK;
}
