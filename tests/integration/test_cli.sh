#!/usr/bin/env bash
# The CLI as an operator uses it: orgs, connect / disconnect, the one-ATS
# rule, secret handling, --help everywhere, documented exit codes.
. "$(dirname "$0")/../lib.sh"

A() { run "$ATSB" --db "$DB" --plugin-dir "$FIXTURES" "$@"; }

test_cli__version_and_help() {
    run "$ATSB" --version
    expect_rc 0
    expect_out "atsbridge 0."
    expect_out "connector ABI 1.2"
    run "$ATSB" --help
    expect_rc 0
    expect_out "exit codes"
    for cmd in plugins org connect check disconnect sync jobs status audit candidates outbox daemon resume location; do
        run "$ATSB" "$cmd" --help
        expect_rc 0
        expect_out "atsbridge $cmd"
        expect_eq "" "$ERR" "stderr of $cmd --help"
    done
}

test_cli__usage_errors_exit_2() {
    run "$ATSB"
    expect_rc 2
    run "$ATSB" frobnicate
    expect_rc 2
    expect_err 'unknown command "frobnicate"'
    A org add
    expect_rc 2
    A org add 'Bad Slug!'
    expect_rc 2
    expect_err 'invalid organisation key'
    A org list --bogus
    expect_rc 2
    expect_err 'unknown option --bogus'
    A connect acme
    expect_rc 2
    A connect acme testats --set novalue
    expect_rc 2
    expect_err 'expected KEY=VALUE'
    run "$ATSB" org list --db
    expect_rc 2
}

test_cli__org_add_list_show() {
    A org add acme --name "Acme Corp"
    expect_rc 0
    A org add beta
    expect_rc 0
    A org add acme
    expect_rc 5
    expect_err 'organisation "acme" already exists'
    A org list --json
    expect_rc 0
    expect_eq "acme beta" "$(echo "$OUT" | jq -r '[.[].org] | join(" ")')"
    A org show acme --json
    expect_rc 0
    expect_eq "Acme Corp" "$(echo "$OUT" | jq -r .name)"
    expect_eq "engaged" "$(echo "$OUT" | jq -r .trigger)"
    A org show nosuch
    expect_rc 4
    expect_err 'no organisation "nosuch"'
}

test_cli__global_options_work_before_and_after_command() {
    run "$ATSB" --db "$DB" org add acme
    expect_rc 0
    run "$ATSB" org list --db "$DB" --json
    expect_rc 0
    expect_eq acme "$(echo "$OUT" | jq -r '.[0].org')"
}

test_cli__connect_stores_connection_after_check() {
    A org add acme
    A connect acme testats --set token=s3cr3t-value --set pages=3
    expect_rc 0
    expect_out "connected acme to testats (check passed)"
    A org show acme --json
    expect_eq "testats" "$(echo "$OUT" | jq -r .connection.connector)"
    expect_eq "3" "$(echo "$OUT" | jq -r .connection.settings.pages)"
    expect_eq "****" "$(echo "$OUT" | jq -r .connection.settings.token)"
}

test_cli__one_ats_per_org_second_connect_refused() {
    A org add acme
    A connect acme testats --set token=first
    expect_rc 0
    A connect acme dupe
    expect_rc 5
    expect_err "organisation acme is already connected to testats"
    expect_err "only one ATS connection"
    # Nothing changed: still testats with the first settings.
    A org show acme --json
    expect_eq "testats" "$(echo "$OUT" | jq -r .connection.connector)"
    A connect acme testats --set token=second
    expect_rc 5
}

test_cli__one_ats_rule_enforced_by_schema() {
    sqlite_only "inserts a second connection with sqlite3" || return 0
    A org add acme
    A connect acme testats --set token=x
    expect_rc 0
    command -v sqlite3 >/dev/null || { echo "# sqlite3 shell absent; covered by unit/test_store"; return 0; }
    if sqlite3 "$DB" "INSERT INTO connections(org_id, connector, created_at) SELECT id, 'dupe', 0 FROM orgs WHERE slug='acme'" 2>"$T/e"; then
        fail "the store accepted a second connection for acme"
    fi
    grep -q "UNIQUE constraint failed: connections.org_id" "$T/e" || fail "unexpected: $(cat "$T/e")"
}

test_cli__bad_credentials_fail_check_and_store_nothing() {
    A org add acme
    A connect acme testats --set token=bad
    expect_rc 6
    expect_err "connection check failed, nothing stored: testats: the ATS rejected the token"
    A org show acme --json
    expect_eq "null" "$(echo "$OUT" | jq -r .connection)"
    A connect acme testats --set token=down
    expect_rc 7
}

test_cli__settings_validated_against_schema() {
    A org add acme
    A connect acme testats
    expect_rc 3
    expect_err 'connector testats needs setting "token"'
    A connect acme testats --set token=x --set colour=blue
    expect_rc 3
    expect_err 'unknown setting "colour" for connector testats (it takes: token, region, pages)'
    A connect acme testats --set token=x --set pages=many
    expect_rc 3
    expect_err 'setting pages: expected an integer'
    A connect acme nosuch --set token=x
    expect_rc 4
    expect_err 'no connector named "nosuch"'
    A connect nosuch testats --set token=x
    expect_rc 4
}

test_cli__secret_references_resolved_when_used_and_never_printed() {
    A org add acme
    echo "file-secret-123" > "$T/tok"
    TESTATS_TOKEN=env-secret-456 run "$ATSB" -vv --db "$DB" --plugin-dir "$FIXTURES" connect acme testats --set token=env:TESTATS_TOKEN
    expect_rc 0
    expect_no "env-secret-456"
    A org show acme
    expect_out "token            ****"
    expect_no "TESTATS_TOKEN"
    A disconnect acme
    A connect acme testats --set token=file:"$T/tok"
    expect_rc 0
    A connect beta testats --set token=env:NOT_SET_ANYWHERE
    expect_rc 4
    A org add beta
    A connect beta testats --set token=env:NOT_SET_ANYWHERE
    expect_rc 3
    expect_err "setting token: environment variable NOT_SET_ANYWHERE is not set"
    A connect beta testats --set token=file:"$T/missing"
    expect_rc 3
    expect_err "cannot read secret file $T/missing"
}

test_cli__inline_secret_never_in_output_or_logs() {
    A org add acme
    run "$ATSB" -vv --db "$DB" --plugin-dir "$FIXTURES" connect acme testats --set token=inline-TOPSECRET-9
    expect_rc 0
    expect_no "inline-TOPSECRET-9"
    A org show acme --json
    expect_no "inline-TOPSECRET-9"
    A org list --json
    expect_no "inline-TOPSECRET-9"
}

test_cli__disconnect_then_connect_again() {
    A org add acme
    A connect acme testats --set token=x
    A disconnect acme
    expect_rc 0
    expect_out "disconnected acme from testats"
    A disconnect acme
    expect_rc 4
    A connect acme dupe
    expect_rc 0
}

test_cli__store_file_is_private() {
    sqlite_only "checks the SQLite file's mode" || return 0
    A org add acme
    expect_eq 600 "$(stat -c %a "$DB")" "store file mode"
}

run_tests
