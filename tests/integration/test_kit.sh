#!/usr/bin/env bash
# The conformance kit: every shipped connector and the SDK skeleton pass it
# against the sandbox; each deliberately broken connector fails with the
# right check named, and the kit itself survives crashes and hangs.
. "$(dirname "$0")/../lib.sh"
KIT="$BUILD/tests/kit"
# Under ASan, let a crashing connector die of its signal as it would in
# production, instead of ASan turning SIGSEGV into exit(1).
export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

kit() { run "$ATSB" -c "$TEST_CONF" plugins test "$@"; }
passes() {
    expect_rc 0
    expect_out "0 failed"
    [[ $OUT != *"FAIL "* ]] || fail "a check failed: $OUT"
}
skeleton_kit() { # skeleton_kit SO [extra]
    kit "$1" --set base_url="$SB/skeleton" --set api_key=sk-key-value --timeout 3 "${@:2}"
}
line() { echo "$OUT" | grep -E "^(PASS|FAIL|SKIP) +$1 " || true; }

test_kit__greenhouse_passes() {
    start_sandbox
    kit "$PLUGINS/greenhouse.so" --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7
    passes
    expect_out "17 passed"
    expect_out "PASS list_resume "
}

test_kit__lever_passes() {
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    kit "$PLUGINS/lever.so" --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7
    passes
    expect_out "PASS list_resume "
}

test_kit__workday_passes() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    kit "$PLUGINS/workday.so" --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix
    passes
}

test_kit__sdk_skeleton_passes() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/skeleton.so"
    passes
    [[ $(line push_interrupted) == "PASS"*"4 interrupted pushes"* ]] || fail "$(line push_interrupted)"
    local rec; rec=$(sb GET /_control/recorded)
    # The clean push and one per interrupted push (2 calls, before and after
    # the ATS acted): each candidate once, each with the whole PDF.
    expect_eq 5 "$(echo "$rec" | jq '.candidates | length')" "test candidates pushed"
    expect_eq 5 "$(echo "$rec" | jq '[.candidates[].email] | unique | length')" "distinct emails"
    expect_eq 5 "$(echo "$rec" | jq '[.attachments[] | select(.size > 190000)] | length')" "whole PDFs"
}

test_kit__loose_find_candidate_fails() {
    # find_candidate says "complete" as soon as the application exists: a
    # push whose upload failed is never finished, and the kit must say so.
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_loosefind.so"
    expect_rc 1
    expect_out "PASS push_candidate "
    # First caught when the create's reply is lost: the upload never ran.
    [[ $(line push_interrupted) == "FAIL"*"call 1 of 2"*"after the ATS acted"*"the PDF never reached the ATS"* ]] \
        || fail "$(line push_interrupted)"
}

test_kit__connector_that_never_uploads_the_pdf_fails() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_nopdf.so"
    expect_rc 1
    [[ $(line push_candidate) == "FAIL"*"PDF never reached the ATS"* ]] || fail "$(line push_candidate)"
}

test_kit__crashing_connector_fails_and_the_kit_survives() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_crash.so"
    expect_rc 1
    [[ $(line list_jobs) == "FAIL"*"the connector crashed (SIGSEGV"* ]] || fail "list_jobs: $(line list_jobs)"
    expect_out "PASS check "
    expect_out " failed, "
}

test_kit__aborting_connector_fails_check() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_abort.so"
    expect_rc 1
    [[ $(line check) == "FAIL"*"crashed (SIGABRT"* ]] || fail "check: $(line check)"
}

test_kit__hanging_connector_is_stopped() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    local t0=$SECONDS
    skeleton_kit "$KIT/broken_hang.so"
    expect_rc 1
    [[ $(line check) == "FAIL"*"the connector hung (no answer within 3 s)"* ]] || fail "check: $(line check)"
    [ $((SECONDS - t0)) -lt 30 ] || fail "the kit took $((SECONDS - t0)) s"
}

test_kit__stdout_writer_fails_quiet_stdout() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_stdout.so"
    expect_rc 1
    [[ $(line quiet_stdout) == "FAIL"*"wrote"*"bytes to stdout"* ]] || fail "quiet_stdout: $(line quiet_stdout)"
}

test_kit__misclassified_rate_limit_fails() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_misclass.so"
    expect_rc 1
    [[ $(line classify_429) == "FAIL"*"gave permanent, expected rate-limited"* ]] || fail "$(line classify_429)"
    [[ $(line classify_500) == "FAIL"* ]] || fail "$(line classify_500)"
}

test_kit__connector_that_cannot_find_its_push_fails() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_nofind.so"
    expect_rc 1
    [[ $(line find_after_lost_reply) == "FAIL"*"a retry would duplicate it"* ]] || fail "$(line find_after_lost_reply)"
}

test_kit__bad_credentials_must_be_an_auth_error() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_noauth.so"
    expect_rc 1
    [[ $(line check_bad_credentials) == "FAIL"*"expected an auth error"* ]] || fail "$(line check_bad_credentials)"
}

test_kit__extra_exported_symbol_fails() {
    start_sandbox "$ROOT/tests/fixtures/skeleton.json"
    skeleton_kit "$KIT/broken_exports.so"
    expect_rc 1
    [[ $(line exports) == "FAIL"*"helper_leaked_from_connector"* ]] || fail "$(line exports)"
}

test_kit__not_a_connector() {
    echo "not elf" > "$T/x.so"
    kit "$T/x.so"
    expect_rc 1
    [[ $(line descriptor) == "FAIL"*"not a loadable shared object: not an ELF file"* ]] || fail "$(line descriptor)"
    kit
    expect_rc 2
}

run_tests
