#!/usr/bin/env bash
# The main paths under valgrind memcheck: a job sync and a candidate push
# (with the PDF profile) through each shipped connector, the kit, and the
# daemon.  No invalid access and no definite leak of ours.
. "$(dirname "$0")/../lib.sh"

VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --suppressions="$ROOT/tests/valgrind.supp")

skip_if_sanitized() {
    if [ "${SANITIZE:-}" = 1 ]; then echo "# skipped under SANITIZE (ASan and valgrind do not mix)"; return 0; fi
    command -v valgrind >/dev/null || fail "valgrind is not installed (make deps installs it)"
    return 1
}

V() { run "${VG[@]}" "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" "$@"; }
# Valgrind does not follow the isolated task's exec: the syncs themselves
# run in-process to be checked.
VN() { V --no-isolation "$@"; }

one_connector() { # one_connector NAME JOB CONNECT-ARGS...
    local name=$1 job=$2
    shift 2
    A org add acme
    V connect acme "$name" "$@"
    expect_rc 0
    VN sync jobs acme
    expect_rc 0
    A jobs activate acme "$job"
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 2 "Resume"
    echo "{\"id\":\"c1\",\"org\":\"acme\",\"job\":\"$job\",\"first_name\":\"Zoë\",\"last_name\":\"Ørsted\",\"email\":\"z@example.com\",\"status\":\"engaged\",\"assessment\":{\"stars\":4,\"summary\":\"ok\"},\"transcript\":[{\"from\":\"a\",\"at\":\"2026-11-20T14:00:00Z\",\"text\":\"hi\"}],\"resume\":{\"path\":\"$T/r.pdf\"}}" > "$T/c.json"
    V candidates import "$T/c.json" --resume-dir "$T"
    expect_rc 0
    VN sync candidates acme
    expect_rc 0
    expect_out "pushed 1"
}

test_valgrind__greenhouse_sync_and_push() {
    skip_if_sanitized && return 0
    start_sandbox
    one_connector greenhouse 1001 --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7
}

test_valgrind__lever_sync_and_push() {
    skip_if_sanitized && return 0
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    one_connector lever lv-1001 --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7
}

test_valgrind__workday_sync_and_push() {
    skip_if_sanitized && return 0
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    one_connector workday R-1001 --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix
}

test_valgrind__daemon_once_and_status() {
    skip_if_sanitized && return 0
    sqlite_only "makes the sync due again with sqlite3" || return 0
    start_sandbox
    gh_connect acme
    # The daemon's side of isolated tasks, then the tasks themselves.
    V daemon --once
    expect_rc 0
    sqlite3 "$DB" "UPDATE connections SET last_sync_at = 0;"
    VN daemon --once
    expect_rc 0
    V status --json
    expect_rc 0
    V audit acme
    expect_rc 0
}

run_tests
