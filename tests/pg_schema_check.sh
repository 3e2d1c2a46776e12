#!/usr/bin/env bash
# Checks core/store/store_schema_pg.c against a throwaway PostgreSQL: the
# migrations apply one transaction each, the schema has SQLite's tables,
# columns, defaults, foreign keys, indexes and triggers, the constraints
# and triggers behave, every event's data is byte for byte what SQLite
# writes (when the sqlite3 CLI is there to ask), and the wake-up and
# locking additions work across sessions.  One PASS/FAIL line per check;
# exits 1 on any failure, 0 (with SKIP) when PostgreSQL is not installed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=tests/pg_lib.sh
. "$HERE/pg_lib.sh"

FAILS=0
pass() { echo "PASS $1"; }
failed() {
    echo "FAIL $1"
    shift
    [ $# -gt 0 ] && printf '    %s\n' "$@"
    FAILS=$((FAILS + 1))
}
# same NAME EXPECTED ACTUAL
same() {
    if [ "$2" == "$3" ]; then pass "$1"; else
        failed "$1" "expected:" "$(printf '%s' "$2" | head -c 3000)" "got:" \
            "$(printf '%s' "$3" | head -c 3000)"
    fi
}

if ! pg_available; then
    echo "SKIP PostgreSQL is not installed (initdb, pg_ctl)"
    exit 0
fi
# A server of its own, whatever server a caller (make test-pg) has.
unset PG_DIR PG_PORT PG_BASE_URL
W=$(mktemp -d)
trap 'pg_stop; rm -rf "$W"' EXIT
CC=${CC:-cc}

# ---- the migrations, as the store runs them ----
cat >"$W/dump_pg.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "store/store_schema_pg.h"
int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("%d\n", store_schema_pg_count());
        return 0;
    }
    const char *s = store_schema_pg_sql(atoi(argv[1]));
    if (!s)
        return 1;
    fputs(s, stdout);
    return 0;
}
EOF
if ! "$CC" -std=c11 -Wall -Wextra -Werror -I "$ROOT/core" -o "$W/dump_pg" "$W/dump_pg.c" \
    "$ROOT/core/store/store_schema_pg.c" 2>"$W/cc.err"; then
    failed "compile store_schema_pg.c" "$(cat "$W/cc.err")"
    exit 1
fi
pass "store_schema_pg.c compiles with -Wall -Wextra -Werror"
NPG=$("$W/dump_pg")

# SQLite's, lifted out of store_schema.c (only the array, so none of the
# store's headers are needed).
HAVE_SQLITE=0
NSQ=
if command -v sqlite3 >/dev/null 2>&1; then
    sed -n '/^static const char \*const MIGRATIONS\[\] = {/,/^};/p' \
        "$ROOT/core/store/store_schema.c" >"$W/mig.inc"
    {
        echo '#include <stdio.h>'
        echo '#include <stdlib.h>'
        cat "$W/mig.inc"
        echo 'int main(int c, char **v) { int n = (int)(sizeof(MIGRATIONS) / sizeof(*MIGRATIONS));'
        echo '  if (c < 2) { printf("%d\n", n); return 0; }'
        echo '  int i = atoi(v[1]); if (i < 0 || i >= n) return 1; fputs(MIGRATIONS[i], stdout);'
        echo '  return 0; }'
    } >"$W/dump_sq.c"
    if [ -s "$W/mig.inc" ] && "$CC" -std=c11 -o "$W/dump_sq" "$W/dump_sq.c" 2>"$W/cc.err"; then
        HAVE_SQLITE=1
        NSQ=$("$W/dump_sq")
        same "as many migrations as SQLite's" "$NSQ" "$NPG"
    else
        failed "extract SQLite's migrations from store_schema.c" "$(cat "$W/cc.err")"
    fi
else
    echo "SKIP comparisons with SQLite (no sqlite3 CLI)"
fi

if ! pg_start "$W/pg"; then
    failed "start PostgreSQL"
    exit 1
fi
URL=$(pg_new_db atsb_check) || { failed "create a database"; exit 1; }
pgq() { pg_psql "$URL" -At -F '|' -c "$1" 2>&1; }
pgrun() { pg_psql "$URL" -c "$1" 2>&1; }
# pgdo SQL: a step of a check's setup; its failure is a failure.
pgdo() {
    local o
    o=$(pg_psql "$URL" -c "$1" 2>&1) && return 0
    failed "setup step: ${1:0:60}..." "$o"
}

ok=1
for ((i = 0; i < NPG; i++)); do
    # One PQexec of the whole entry, as the store does: one transaction.
    if ! out=$(pg_psql "$URL" -c "$("$W/dump_pg" "$i")" 2>&1); then
        failed "PostgreSQL migration $((i + 1)) applies" "$out"
        ok=0
        break
    fi
done
[ $ok = 1 ] && pass "all $NPG PostgreSQL migrations apply"
[ $ok = 1 ] || exit 1

SDB=$W/sqlite.db
sq() { sqlite3 -batch -bail -cmd 'PRAGMA foreign_keys = ON' "$SDB" "$1" 2>&1; }
if [ $HAVE_SQLITE = 1 ]; then
    for ((i = 0; i < NSQ; i++)); do
        if ! out=$({ echo "BEGIN;"; "$W/dump_sq" "$i"; echo ";PRAGMA user_version = $((i + 1));"
            echo "COMMIT;"; } | sqlite3 -batch -bail "$SDB" 2>&1); then
            failed "SQLite migration $((i + 1)) applies" "$out"
            HAVE_SQLITE=0
            break
        fi
    done
fi

# ---- the schema matches SQLite's ----
if [ $HAVE_SQLITE = 1 ]; then
    same "columns: names, order, types, NOT NULL, defaults" \
        "$(sq "SELECT m.name, p.name, CASE p.type WHEN 'INTEGER' THEN 'bigint'
                 WHEN 'TEXT' THEN 'text' WHEN 'BLOB' THEN 'bytea' ELSE p.type END,
                 (p.\"notnull\" OR p.pk > 0), coalesce(p.dflt_value, '')
               FROM sqlite_master m, pragma_table_info(m.name) p
               WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid")" \
        "$(pgq "SELECT table_name, column_name, data_type, (is_nullable = 'NO')::int,
                 regexp_replace(regexp_replace(coalesce(column_default, ''), '::[a-z ]+$', ''),
                                '^''(-?[0-9]+)''$', '\\1')
               FROM information_schema.columns WHERE table_schema = 'public'
               ORDER BY table_name, ordinal_position")"
    same "identity ids where SQLite assigns ids" \
        "$(sq "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
               WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk = 1
               AND p.type = 'INTEGER' AND p.name = 'id' ORDER BY 1")" \
        "$(pgq "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'
               AND is_identity = 'YES' AND identity_generation = 'BY DEFAULT'
               ORDER BY 1")"
    same "primary keys" \
        "$(sq "SELECT m.name, group_concat(p.name, ',') FROM sqlite_master m,
               pragma_table_info(m.name) p
               WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk > 0
               GROUP BY m.name ORDER BY m.name")" \
        "$(pgq "SELECT c.conrelid::regclass::text, string_agg(a.attname, ',' ORDER BY k.n)
               FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(att, n), pg_attribute a
               WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace
                 AND a.attrelid = c.conrelid AND a.attnum = k.att
               GROUP BY 1 ORDER BY 1")"
    same "unique constraints" \
        "$(sq "SELECT m.name, (SELECT group_concat(name, ',') FROM
                 (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
               FROM sqlite_master m, pragma_index_list(m.name) l
               WHERE m.type = 'table' AND l.origin = 'u' ORDER BY 1, 2")" \
        "$(pgq "SELECT c.conrelid::regclass::text, string_agg(a.attname, ',' ORDER BY k.n)
               FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(att, n), pg_attribute a
               WHERE c.contype = 'u' AND c.connamespace = 'public'::regnamespace
                 AND a.attrelid = c.conrelid AND a.attnum = k.att
               GROUP BY c.oid, 1 ORDER BY 1, 2")"
    same "foreign keys and their ON DELETE" \
        "$(sq "SELECT m.name, f.\"from\", f.\"table\", f.\"to\", f.on_delete
               FROM sqlite_master m, pragma_foreign_key_list(m.name) f
               WHERE m.type = 'table' ORDER BY 1, 2")" \
        "$(pgq "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text,
                 b.attname, CASE c.confdeltype WHEN 'c' THEN 'CASCADE' ELSE 'NO ACTION' END
               FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
               WHERE c.contype = 'f' ORDER BY 1, 2")"
    same "CHECK constraints" \
        "$(sq "SELECT count(*) FROM sqlite_master WHERE type = 'table'
               AND sql LIKE '%CHECK (state IN%'")" \
        "$(pgq "SELECT count(DISTINCT conrelid) FROM pg_constraint WHERE contype = 'c'
               AND conrelid <> 0")"
    same "index names" \
        "$(sq "SELECT name FROM sqlite_master WHERE type = 'index'
               AND name NOT LIKE 'sqlite_autoindex%' ORDER BY 1")" \
        "$(pgq "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_namespace n ON n.oid = i.relnamespace
               WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                 WHERE c.conindid = x.indexrelid) ORDER BY 1")"
    same "index columns" \
        "$(sq "SELECT m.name, group_concat(coalesce(i.name, 'expr'), ',') FROM sqlite_master m,
               pragma_index_xinfo(m.name) i WHERE i.key AND m.type = 'index'
               AND m.name NOT LIKE 'sqlite_autoindex%' GROUP BY m.name ORDER BY 1")" \
        "$(pgq "SELECT i.relname, string_agg(coalesce(a.attname, 'expr'), ',' ORDER BY k.n)
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_namespace ns ON ns.oid = i.relnamespace
               CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY k(att, n)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.att
               WHERE ns.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                 WHERE c.conindid = x.indexrelid)
               GROUP BY 1 ORDER BY 1")"
    same "every SQLite trigger has its namesake (plus the two wake-ups)" \
        "$( (sq "SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'trigger'"
            printf '%s\n' candidate_pushes.candidate_pushes_wake connections.connections_wake) |
            LC_ALL=C sort)" \
        "$(pgq "SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger
               WHERE NOT tgisinternal ORDER BY 1")"
fi
due_def="CREATE INDEX connections_due ON public.connections USING btree "
due_def+="(GREATEST(retry_at, turn_at, LEAST(jobs_due_at, push_due_at))) WHERE (state = 'ok'::text)"
same "connections_due is SQLite's expression in GREATEST/LEAST, for state 'ok'" "$due_def" \
    "$(pgq "SELECT indexdef FROM pg_indexes WHERE indexname = 'connections_due'")"
plan=$(pgq "SET enable_seqscan = off; EXPLAIN SELECT id FROM connections WHERE state = 'ok'
            AND GREATEST(retry_at, turn_at, LEAST(jobs_due_at, push_due_at)) <= 100
            ORDER BY GREATEST(retry_at, turn_at, LEAST(jobs_due_at, push_due_at)) LIMIT 5")
if [[ $plan == *connections_due* ]]; then pass "the scheduler's query can use connections_due"
else failed "the scheduler's query can use connections_due" "$plan"; fi

# ---- constraints ----
pgdo "INSERT INTO orgs(id, slug, name, created_at) VALUES (1, 'acme', 'Acme', 1),
         (2, 'beta', 'Beta', 1), (3, 'gamma', 'Gamma', 1);
       INSERT INTO connections(org_id, connector, created_at) VALUES (1, 'greenhouse', 1);
       INSERT INTO jobs(id, org_id, remote_id, connector, title, created_at, updated_at)
         VALUES (1, 1, 'J1', 'greenhouse', 'Welder', 1, 1), (2, 1, 'J2', 'greenhouse', 'B', 1, 1);
       INSERT INTO candidates(id, org_id, ext_id, job_remote_id, first_name, last_name, status,
         created_at, updated_at) VALUES (10, 1, 'C1', 'J1', 'Ann', 'Lee', 'engaged', 1, 1),
         (11, 1, 'C2', 'J1', 'Bob', 'Ray', 'engaged', 1, 1);"
out=$(pgrun "INSERT INTO connections(org_id, connector, created_at) VALUES (1, 'lever', 1)")
if [[ $out == *duplicate\ key*connections_org_id_key* ]]; then
    pass "one connection per org (unique violation)"
else failed "one connection per org (unique violation)" "$out"; fi
pgdo "INSERT INTO candidate_pushes(org_id, candidate_id, job_id, next_attempt_at, created_at,
       updated_at) VALUES (1, 11, 2, 700, 1, 1)"
out=$(pgrun "INSERT INTO candidate_pushes(org_id, candidate_id, job_id, created_at, updated_at)
             VALUES (1, 11, 2, 1, 1)")
if [[ $out == *duplicate\ key* ]]; then pass "one push per (candidate, job)"
else failed "one push per (candidate, job)" "$out"; fi
out=$(pgrun "INSERT INTO jobs(org_id, remote_id, connector, title, state, created_at, updated_at)
             VALUES (1, 'J9', 'x', 'x', 'open', 1, 1)")
if [[ $out == *check\ constraint* ]]; then pass "jobs.state CHECK"
else failed "jobs.state CHECK" "$out"; fi
same "an id sequence continues after explicit ids (setval)" "3" \
    "$(pgq "SELECT setval(pg_get_serial_sequence('jobs', 'id'), (SELECT max(id) FROM jobs));
            INSERT INTO jobs(org_id, remote_id, connector, title, created_at, updated_at)
              VALUES (2, 'K1', 'x', 'x', 1, 1) RETURNING id" | tail -n 1)"
pgdo "DELETE FROM jobs WHERE id = 3"

# ---- push_due_at ----
due() { pgq "SELECT push_due_at FROM connections WHERE org_id = $1"; }
pgdo "DELETE FROM candidate_pushes"
same "push_due_at with nothing pending" 253402214400 "$(due 1)"
pgdo "INSERT INTO candidate_pushes(id, org_id, candidate_id, job_id, next_attempt_at,
       created_at, updated_at) VALUES (200, 1, 10, 1, 500, 1, 1)"
same "push_due_at after a pending insert" 500 "$(due 1)"
pgdo "INSERT INTO candidate_pushes(id, org_id, candidate_id, job_id, next_attempt_at,
       created_at, updated_at) VALUES (201, 1, 10, 2, 300, 1, 1), (202, 1, 11, 1, 400, 1, 1)"
same "push_due_at after a bulk insert" 300 "$(due 1)"
pgdo "UPDATE candidate_pushes SET state = 'done' WHERE id = 201"
same "push_due_at after a push is done" 400 "$(due 1)"
pgdo "UPDATE candidate_pushes SET next_attempt_at = 50 WHERE id = 200"
same "push_due_at after a retry is rescheduled" 50 "$(due 1)"
pgdo "DELETE FROM candidate_pushes WHERE id = 200"
same "push_due_at after a delete" 400 "$(due 1)"
pgdo "UPDATE candidate_pushes SET state = 'dead' WHERE id = 202"
same "push_due_at when the last pending one dies" 253402214400 "$(due 1)"
pgdo "INSERT INTO jobs(id, org_id, remote_id, connector, title, created_at, updated_at)
         VALUES (20, 2, 'B1', 'lever', 'B', 1, 1);
       INSERT INTO candidates(id, org_id, ext_id, job_remote_id, first_name, last_name, status,
         created_at, updated_at) VALUES (20, 2, 'B1', 'B1', 'Cy', 'Dee', 'engaged', 1, 1);
       INSERT INTO candidate_pushes(org_id, candidate_id, job_id, next_attempt_at, created_at,
         updated_at) VALUES (2, 20, 20, 77, 1, 1);
       INSERT INTO connections(org_id, connector, created_at) VALUES (2, 'lever', 1)"
same "a new connection starts from its org's pending pushes" 77 "$(due 2)"
pgdo "DELETE FROM candidate_pushes"

# Two transactions adding pushes to one org at once: the later one must
# see the earlier's row once it committed (SQLite never has two writers).
pgdo "DELETE FROM candidate_pushes"
pg_psql "$URL" -c "BEGIN; INSERT INTO candidate_pushes(org_id, candidate_id, job_id,
    next_attempt_at, created_at, updated_at) VALUES (1, 10, 1, 100, 1, 1);
    SELECT pg_sleep(1.5) /* race-a */; COMMIT;" >/dev/null 2>&1 &
racer=$!
for _ in $(seq 1 100); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%/* race-a */%'
              AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
pgdo "INSERT INTO candidate_pushes(org_id, candidate_id, job_id, next_attempt_at, created_at,
       updated_at) VALUES (1, 10, 2, 900, 1, 1)"
wait $racer
same "concurrent outbox writers leave the true minimum" 100 "$(due 1)"
pgdo "DELETE FROM candidate_pushes"

# ---- wake-ups ----
listen_log=$W/listen.out
pg_psql "$URL" -c "LISTEN atsbridge_work" -c "SELECT pg_sleep(0) /* listener */" \
    -c "DO \$\$ BEGIN FOR i IN 1..200 LOOP
          EXIT WHEN EXISTS (SELECT 1 FROM candidate_pushes WHERE id = 300);
          PERFORM pg_sleep(0.05); END LOOP; END \$\$" \
    -c "SELECT pg_sleep(0.2)" -c "SELECT 1" >"$listen_log" 2>&1 &
listener=$!
for _ in $(seq 1 100); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DO %candidate_pushes%'
              AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
pgdo "INSERT INTO candidate_pushes(id, org_id, candidate_id, job_id, next_attempt_at,
       created_at, updated_at) VALUES (300, 1, 10, 1, 0, 1, 1)"
wait $listener
if grep -q 'notification "atsbridge_work"' "$listen_log"; then
    pass "LISTEN atsbridge_work hears a pending push from another session"
else failed "LISTEN atsbridge_work hears a pending push from another session" \
    "$(cat "$listen_log")"; fi
wake() { # wake SQL: the notifications this session gets from SQL
    pg_psql "$URL" -c "LISTEN atsbridge_work" -c "$1" -c "SELECT 1" 2>&1 |
        grep -c 'notification "atsbridge_work"'
}
same "wake: connection insert" 1 "$(wake "INSERT INTO connections(org_id, connector, created_at)
                                          VALUES (3, 'x', 1)")"
same "wake: a bulk update sends one" 1 "$(wake "UPDATE connections SET lease_owner = 'd1'")"
same "wake: retry_at" 1 "$(wake "UPDATE connections SET retry_at = 5 WHERE org_id = 3")"
same "wake: jobs_due_at" 1 "$(wake "UPDATE connections SET jobs_due_at = 5 WHERE org_id = 3")"
same "wake: push state" 1 "$(wake "UPDATE candidate_pushes SET state = 'done'")"
same "no wake: a push's last_error" 0 "$(wake "UPDATE candidate_pushes SET last_error = 'x'")"
same "no wake: a connection's check_result" 0 \
    "$(wake "UPDATE connections SET check_result = 'x'")"
same "no wake: rolled back" 0 "$(wake "BEGIN; UPDATE connections SET retry_at = 7; ROLLBACK")"
pgdo "DELETE FROM candidate_pushes; DELETE FROM connections WHERE org_id = 3;
       UPDATE connections SET lease_owner = NULL, retry_at = 0"
pgdo "TRUNCATE events"

# ---- events: the same changes on both backends give the same feed ----
# Strings with every kind of character SQLite's JSON escapes (and some it
# does not), written as raw bytes so both parsers read the same text.
nasty=$'q"b\\s/ t\tn\nr\rf\fx\x01y\x1fz\x7f é 😀 '"''"' <>&'
sq_setup="INSERT INTO orgs(id, slug, name, created_at) VALUES (1, 'acme', 'Acme', 1),
    (2, 'beta', 'Beta', 1);
  INSERT INTO connections(org_id, connector, created_at) VALUES (1, 'greenhouse', 1);
  INSERT INTO jobs(id, org_id, remote_id, connector, title, created_at, updated_at)
    VALUES (1, 1, 'J1', 'greenhouse', 'Welder', 1, 1), (2, 1, 'J2', 'greenhouse', 'B', 1, 1);
  INSERT INTO candidates(id, org_id, ext_id, job_remote_id, first_name, last_name, status,
    created_at, updated_at) VALUES (10, 1, 'C1', 'J1', 'Ann', 'Lee', 'engaged', 1, 1),
    (11, 1, 'C2', 'J1', 'Bob', 'Ray', 'engaged', 1, 1);"
ops="INSERT INTO jobs(id, org_id, remote_id, connector, title, created_at, updated_at)
    VALUES (5, 1, 'J5', 'greenhouse', '$nasty', 1, 1);
  UPDATE jobs SET title = 'Welder II', content_hash = 'h1' WHERE id = 1;
  UPDATE jobs SET title = 'Welder II' WHERE id = 1;
  UPDATE jobs SET state = 'active', frozen = 1 WHERE id = 1;
  UPDATE jobs SET content_hash = 'h2' WHERE id = 1;
  UPDATE jobs SET content_hash = 'h2' WHERE id = 1;
  UPDATE jobs SET title = 'Both', content_hash = 'h3' WHERE id = 1;
  UPDATE jobs SET state = 'disabled' WHERE id = 1;
  UPDATE jobs SET state = 'archived', archived_reason = 'closed in the ATS' WHERE id = 1;
  UPDATE jobs SET state = 'archived' WHERE id = 2;
  UPDATE jobs SET state = 'disabled' WHERE id = 1;
  UPDATE jobs SET state = 'archived', archived_reason = '$nasty' WHERE id = 5;
  UPDATE candidates SET hold_reason = 'no matching job' WHERE id = 10;
  UPDATE candidates SET hold_reason = 'no matching job' WHERE id = 10;
  UPDATE candidates SET hold_reason = NULL WHERE id = 10;
  UPDATE candidates SET hold_reason = '$nasty', status = 'screened' WHERE id = 10;
  INSERT INTO candidate_pushes(id, org_id, candidate_id, job_id, next_attempt_at, created_at,
    updated_at) VALUES (100, 1, 10, 1, 0, 1, 1), (101, 1, 11, 1, 0, 1, 1);
  UPDATE candidate_pushes SET state = 'done', attempts = 2, remote_candidate_id = 'rc-1',
    remote_application_id = NULL WHERE id = 100;
  UPDATE candidate_pushes SET state = 'done' WHERE id = 100;
  UPDATE candidate_pushes SET state = 'dead', attempts = 12345678901,
    last_error = '$nasty' WHERE id = 101;
  UPDATE connections SET state = 'needs_attention', last_error = '401 \"Unauthorized\"'
    WHERE org_id = 1;
  UPDATE connections SET state = 'paused' WHERE org_id = 1;
  UPDATE connections SET state = 'needs_attention', last_error = NULL WHERE org_id = 1;
  UPDATE connections SET state = 'ok' WHERE org_id = 1;"
feed="SELECT id, org_id, type, object_type, object_id, data FROM events ORDER BY id"
pgdo "DELETE FROM orgs; TRUNCATE events RESTART IDENTITY; $sq_setup"
pgdo "$ops"
pg_feed=$(pgq "$feed")
expect_types="job.created
job.created
job.created
job.updated
job.updated
job.frozen_edit_skipped
job.frozen_edit_skipped
job.updated
job.updated
job.archived
job.archived
job.reopened
job.archived
candidate.held
candidate.held
candidate.pushed
candidate.dead_lettered
connection.needs_attention
connection.needs_attention
connection.recovered"
# Trigger order within one row is by name in PostgreSQL, newest first in
# SQLite: the two agree for the one pair that can fire together.
same "each event trigger fires once, with the right type, in order" "$expect_types" \
    "$(pgq "SELECT type FROM events ORDER BY id")"
same "keys in order, no whitespace" '{"title":"Welder II","state":"disabled","change":"content"}' \
    "$(pgq "SELECT data FROM events WHERE type = 'job.updated' ORDER BY id LIMIT 1")"
pushed='{"job":"J1","outbox_id":100,"remote_candidate_id":"rc-1",'
pushed+='"remote_application_id":null,"attempts":2}'
same "numbers unquoted, NULL as null" "$pushed" \
    "$(pgq "SELECT data FROM events WHERE type = 'candidate.pushed'")"
same "empty object" '{}' "$(pgq "SELECT data FROM events WHERE type = 'connection.recovered'
                                 LIMIT 1")"
same "event time is now (floored)" t \
    "$(pgq "SELECT bool_and(at BETWEEN extract(epoch FROM now())::bigint - 60
                           AND floor(extract(epoch FROM clock_timestamp()))) FROM events")"
if [ $HAVE_SQLITE = 1 ]; then
    sq "$sq_setup" >/dev/null
    sq "$ops" >/dev/null
    sq_feed=$(sq "$feed")
    same "the feed (ids, types, objects, data bytes) is SQLite's" "$sq_feed" "$pg_feed"
    same "event data hex is SQLite's" \
        "$(sq "SELECT hex(data) FROM events ORDER BY id")" \
        "$(pgq "SELECT upper(encode(convert_to(data, 'UTF8'), 'hex')) FROM events ORDER BY id")"
    same "push_due_at is SQLite's" "$(sq "SELECT org_id, push_due_at FROM connections")" \
        "$(pgq "SELECT org_id, push_due_at FROM connections")"
fi

# Events commit in id order: a second writer waits for the first.
pg_psql "$URL" -c "BEGIN; UPDATE jobs SET state = 'active' WHERE id = 1;
    SELECT pg_sleep(1.5) /* race-e */; COMMIT;" >/dev/null 2>&1 &
racer=$!
for _ in $(seq 1 100); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%/* race-e */%'
              AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
out=$(pgrun "SET lock_timeout = '200ms'; UPDATE jobs SET state = 'archived' WHERE id = 2")
wait $racer
same "a writer that writes no event does not wait for one that does" "" "$out"
out=$(pgrun "SET lock_timeout = '200ms'; UPDATE jobs SET state = 'disabled' WHERE id = 2")
if [ -z "$out" ]; then pass "an event writer runs once the first committed"; else
    failed "an event writer runs once the first committed" "$out"; fi
pg_psql "$URL" -c "BEGIN; UPDATE jobs SET state = 'disabled' WHERE id = 1;
    SELECT pg_sleep(1.5) /* race-f */; COMMIT;" >/dev/null 2>&1 &
racer=$!
for _ in $(seq 1 100); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%/* race-f */%'
              AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
out=$(pgrun "SET lock_timeout = '200ms'; UPDATE jobs SET state = 'archived' WHERE id = 2")
wait $racer
if [[ $out == *lock\ timeout* ]]; then pass "an event writer blocks while another is open"
else failed "an event writer blocks while another is open" "$out"; fi

max_before=$(pgq "SELECT max(id) FROM events")
pgdo "DELETE FROM events WHERE id = $max_before;
       UPDATE connections SET state = 'paused' WHERE org_id = 1;
       UPDATE connections SET state = 'ok' WHERE org_id = 1"
same "an event id is never reused" t \
    "$(pgq "SELECT min(id) > $max_before FROM events WHERE id >= $max_before")"

# ---- cascade ----
pgdo "INSERT INTO connection_settings VALUES ((SELECT id FROM connections WHERE org_id = 1),
         'k', 'v');
       INSERT INTO candidate_resumes VALUES (10, 'cv.pdf', 'application/pdf', '\\x25504446');
       INSERT INTO sync_runs(org_id, kind, started_at) VALUES (1, 'jobs', 1);
       INSERT INTO api_tokens(name, public_id, hash, org_id, created_at)
         VALUES ('t', 'p', 'h', 1, 1)"
pgdo "DELETE FROM orgs WHERE id = 1"
same "deleting an org removes its rows" "0|0|0|0|0|0|0|0" \
    "$(pgq "SELECT (SELECT count(*) FROM connections WHERE org_id = 1),
                   (SELECT count(*) FROM connection_settings),
                   (SELECT count(*) FROM jobs WHERE org_id = 1),
                   (SELECT count(*) FROM candidates WHERE org_id = 1),
                   (SELECT count(*) FROM candidate_pushes WHERE org_id = 1),
                   (SELECT count(*) FROM candidate_resumes),
                   (SELECT count(*) FROM sync_runs WHERE org_id = 1),
                   (SELECT count(*) FROM api_tokens WHERE org_id = 1)")"

if [ $FAILS -gt 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all checks passed"
