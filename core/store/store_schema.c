/* Versioned migrations.  Each entry moves user_version from i to i+1 inside
 * one transaction; never edit a released entry, append a new one. */
#include <stdio.h>

#include "store/store_int.h"

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
};

int store_schema_latest(void)
{
    return (int)(sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]));
}

int store_migrate(store *st, atsb_error *err)
{
    int have = store_schema_version(st);
    int latest = store_schema_latest();
    if (have > latest)
        return err_set(err, CORE_ERR_STORE,
                       "%s: database schema version %d is newer than this atsbridge "
                       "understands (%d); upgrade atsbridge", st->path, have, latest);
    for (int v = have; v < latest; v++) {
        int rc = store_begin(st, err);
        if (rc)
            return rc;
        char *msg = NULL;
        if (sqlite3_exec(st->db, MIGRATIONS[v], NULL, NULL, &msg) != SQLITE_OK) {
            err_set(err, CORE_ERR_STORE, "%s: migration %d failed: %s", st->path, v + 1,
                    msg ? msg : "?");
            sqlite3_free(msg);
            store_rollback(st);
            return CORE_ERR_STORE;
        }
        /* PRAGMA takes no bound parameters; v is our own integer. */
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
        if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            store_rollback(st);
            return store_fail(st, err, "set user_version");
        }
        if ((rc = store_commit(st, err)))
            return rc;
    }
    return ATSB_OK;
}
