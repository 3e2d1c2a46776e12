#!/usr/bin/env bash
# The store on both backends: the PostgreSQL schema is SQLite's (tables,
# columns, constraints, triggers and the feed's text, checked by
# tests/pg_schema_check.sh), `store check|migrate|copy`, store.url, and a
# password in a URL never shown.  Each test runs its own throwaway
# PostgreSQL server (tests/pg_lib.sh).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg_lib.sh"

need_pg() { # need_pg: a server of this test's own (not make test-pg's); PG_BASE_URL set
    pg_available || fail "PostgreSQL is not installed (make deps installs it)"
    unset PG_DIR PG_PORT PG_BASE_URL
    pg_start "$T/pg" || fail "could not start PostgreSQL"
    trap 'pg_stop; kill ${SB_PID:-} 2>/dev/null || true' EXIT
}

S() { run "$ATSB" -c "$TEST_CONF" --plugin-dir "$PLUGINS" "$@"; }

test_store_backends__pg_schema_is_sqlites_schema() {
    pg_available || fail "PostgreSQL is not installed (make deps installs it)"
    unset PG_DIR PG_PORT PG_BASE_URL
    run bash "$ROOT/tests/pg_schema_check.sh"
    expect_rc 0
    expect_out PASS
    [[ $OUT != *FAIL* ]] || fail "$OUT"
}

test_store_backends__check_and_migrate_on_both() {
    need_pg
    local url store
    url=$(pg_new_db fresh)
    for store in "$T/fresh.db" "$url"; do
        S --db "$store" store check
        expect_rc 8
        expect_err "schema version 0, behind this atsbridge's"
        expect_err "run \`atsbridge store migrate\`"
        S --db "$store" store migrate
        expect_rc 0
        expect_out "schema migrated from version 0 to"
        S --db "$store" store check
        expect_rc 0
        expect_out "up to date"
        S --db "$store" store migrate
        expect_rc 0
        expect_out "already up to date"
    done
    S --db "$url" store check
    expect_out "PostgreSQL store $url"
    S --db "$T/fresh.db" store check
    expect_out "SQLite store $T/fresh.db"
    S --db "$url" store frobnicate
    expect_rc 2
    expect_err 'unknown sub-command "frobnicate"'
}

# The same facts read from a store, as the CLI shows them.
facts() { # facts STORE
    local a=("$ATSB" -c "$TEST_CONF" --plugin-dir "$PLUGINS" --db "$1")
    "${a[@]}" org list --json
    "${a[@]}" jobs list acme --json
    "${a[@]}" candidates list acme --json
    "${a[@]}" candidates show acme z1 --json | jq 'del(.resume.path)'
    "${a[@]}" outbox list --json
    "${a[@]}" status --runs 5 --json | jq 'del(.[].next_sync_at)'
    "${a[@]}" audit acme --json
    "${a[@]}" token list --json
}

test_store_backends__copy_sqlite_to_pg_and_back_keeps_everything() {
    need_pg
    start_sandbox
    # More rows than a page of the copy (200) in jobs and events.
    sb POST /_control/greenhouse/generate '{"count":450,"non_us_every":10}' >/dev/null
    gh_connect acme
    A sync jobs acme
    expect_rc 0
    A jobs activate acme 1001
    "$BUILD/tests/tools/mkpdf" "$T/z.pdf" 2 "Résumé of Zoë" || fail mkpdf
    printf '{"id":"z1","org":"acme","job":"1001","first_name":"Zoë","last_name":"Ørsted","email":"z@example.com","status":"engaged","resume":{"path":"%s"}}\n' "$T/z.pdf" > "$T/c.jsonl"
    A candidates import "$T/c.jsonl" --resume-dir "$T"
    expect_rc 0
    A sync candidates acme
    expect_rc 0
    A token create platform --org acme
    expect_rc 0
    A candidates show acme z1 --pdf "$T/orig.pdf"
    local url
    url=$(pg_new_db copied)
    S store copy "$DB" "$url"
    expect_rc 0
    expect_out "jobs"
    expect_out "every table's rows counted equal on both sides"
    S store copy "$url" "$T/back.db"
    expect_rc 0
    facts "$DB" > "$T/f.sqlite"
    facts "$url" > "$T/f.pg"
    facts "$T/back.db" > "$T/f.back"
    diff "$T/f.sqlite" "$T/f.pg" > "$T/d1" || fail "SQLite and its PostgreSQL copy differ: $(head -40 "$T/d1")"
    diff "$T/f.sqlite" "$T/f.back" > "$T/d2" || fail "the copy back differs: $(head -40 "$T/d2")"
    S --db "$url" candidates show acme z1 --pdf "$T/pg.pdf"
    expect_rc 0
    # The same pages (a PDF's bytes carry its creation time).
    [ "$(pdftotext "$T/orig.pdf" - | md5sum)" = "$(pdftotext "$T/pg.pdf" - | md5sum)" ] ||
        fail "the profile PDF (with the stored resume) differs on PostgreSQL"
    expect_eq "$(pdfinfo "$T/orig.pdf" | grep Pages)" "$(pdfinfo "$T/pg.pdf" | grep Pages)" "pages"
    # New rows after the copy get new ids (the counters moved past the copied ones).
    S --db "$url" org add beta
    expect_rc 0
    S --db "$T/back.db" org add beta
    expect_rc 0
    # A copy never lands in a store that has data; nothing is changed.
    S store copy "$DB" "$url"
    expect_rc 5
    expect_err "is not empty (orgs has 2 rows); copy only into a new store"
    S --db "$url" org list --json
    expect_eq 2 "$(echo "$OUT" | jq length)" "orgs after a refused copy"
    S store copy "$DB" "$DB"
    expect_rc 2
    S store copy "$DB"
    expect_rc 2
}

test_store_backends__store_url_in_the_config_and_the_password_never_shown() {
    need_pg
    local url conf
    url=$(pg_new_db withurl)
    # Trust auth accepts any password: this one must never be printed.
    local secret_url=${url/atsb@/atsb:Hunter2pw@}
    conf="$T/pg.conf"
    sed "s|^  path = .*|&\n  url = \"$secret_url\";|" "$TEST_CONF" > "$conf"
    run "$ATSB" -c "$conf" --plugin-dir "$PLUGINS" org add acme
    expect_rc 0
    run "$ATSB" -c "$conf" --plugin-dir "$PLUGINS" store check
    expect_rc 0
    expect_out "PostgreSQL store ${url/atsb@/atsb:***@}"
    expect_no Hunter2pw
    # A database that is not there: the error names it, not the password.
    run "$ATSB" --db "${secret_url%/*}/nosuchdb" org list
    expect_rc 8
    expect_err "nosuchdb"
    expect_no Hunter2pw
    # Nothing listening: a clear store error, exit 8.
    run "$ATSB" --db "postgresql://atsb:Hunter2pw@127.0.0.1:1/x?connect_timeout=2" org list
    expect_rc 8
    expect_err "127.0.0.1"
    expect_no Hunter2pw
    # A malformed URL: libpq would quote the bad part; we do not.
    run "$ATSB" --db "postgresql://atsb:Hunter2pw%zz@127.0.0.1:1/x" org list
    expect_rc 3
    expect_err "not a valid PostgreSQL URL"
    expect_no Hunter2pw
    # Passwords as parameters, and an unencoded @ in the userinfo.
    run "$ATSB" --db "postgresql://atsb:Hun@ter2pw@127.0.0.1:1/x" org list
    expect_rc 3
    expect_err "an @ in the user name or password must be percent-encoded (%40)"
    expect_no ter2pw
    run "$ATSB" --db "postgresql://atsb@127.0.0.1:1/x?sslpassword=Hunter2pw&connect_timeout=2&password=Hunter2pw" org list
    expect_rc 8
    expect_err "sslpassword=***&connect_timeout=2&password=***"
    expect_no Hunter2pw
    # store.url must be a PostgreSQL URL.
    sed 's|^  path = .*|&\n  url = "mysql://x/y";|' "$TEST_CONF" > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "store.url: expected a postgresql:// URL"
    # --db wins over store.url.
    run "$ATSB" -c "$conf" --db "$T/local.db" org list --json
    expect_rc 0
    expect_eq 0 "$(echo "$OUT" | jq length)" "orgs in the --db store"
}

run_tests
