#!/usr/bin/env bash
# Jobs, ATS -> atsbridge, driven through the CLI against the sandbox's
# Greenhouse v3: every job rule, pagination, each injected fault, kill -9.
. "$(dirname "$0")/../lib.sh"

sync_json() { # sync_json ORG [opts]: run a sync, keep its JSON result in $OUT
    A sync jobs "$@" --json
}
count() { echo "$OUT" | jq -r ".[0].counts.$1"; }

test_jobs__new_us_jobs_arrive_disabled_others_counted() {
    start_sandbox
    gh_connect acme
    sync_json acme
    expect_rc 0
    expect_eq ok "$(echo "$OUT" | jq -r '.[0].status')"
    expect_eq 6 "$(count created)" created
    expect_eq 2 "$(count non_us)" non_us
    expect_eq 2 "$(count unknown_location)" unknown_location
    expect_eq 1 "$(count closed_skipped)" closed_skipped
    expect_eq "1001:disabled:CNC Machinist
1002:disabled:Maintenance Technician
1003:disabled:Welder
1009:disabled:Assembler
1011:disabled:Tool and Die Maker
1012:disabled:Packaging Lead" "$(jobs_json acme)" "jobs"
    # Toronto and Monterrey are not US; "Remote" and no office are unknown;
    # the draft is not a requisition.
    A jobs show acme 1004
    expect_rc 4
    A jobs show acme 1008
    expect_rc 4
    A jobs list acme --json
    expect_eq "US" "$(echo "$OUT" | jq -r '.[] | select(.ats_id=="1001") | .country')"
    expect_eq "Austin, TX, United States" "$(echo "$OUT" | jq -r '.[] | select(.ats_id=="1001") | .location')"
    expect_eq "Manufacturing" "$(echo "$OUT" | jq -r '.[] | select(.ats_id=="1001") | .department')"
    expect_eq "true" "$(echo "$OUT" | jq -r '.[] | select(.ats_id=="1003") | .remote')"
}

test_jobs__json_list_has_required_fields_and_state_filter() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    expect_rc 0
    A jobs list acme --state active --json
    expect_rc 0
    expect_eq 1 "$(echo "$OUT" | jq length)"
    for k in ats_id title state location country; do
        expect_eq true "$(echo "$OUT" | jq ".[0] | has(\"$k\")")" "field $k"
    done
    A jobs list acme --state disabled --json
    expect_eq 5 "$(echo "$OUT" | jq length)"
    A jobs list acme --state bogus
    expect_rc 2
}

test_jobs__pagination_follows_link_with_cursor_only() {
    start_sandbox
    gh_connect acme
    sb DELETE /_control/requests >/dev/null
    sync_json acme --page-size 4
    expect_rc 0
    expect_eq 3 "$(echo "$OUT" | jq '.[0].pages')" pages
    expect_eq 6 "$(count created)"
    local calls
    calls=$(sb GET /_control/requests | jq -r '.[] | select(.path=="/v3/jobs") | .query')
    expect_eq 3 "$(echo "$calls" | wc -l)" "job page requests"
    expect_eq "per_page=4" "$(echo "$calls" | head -1)" "first call"
    echo "$calls" | tail -n +2 | grep -qv '^cursor=[A-Za-z0-9_-]*$' && fail "a follow-up call carried more than the cursor: $calls"
    return 0
}

test_jobs__activated_job_is_frozen_and_skip_is_audited() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1002
    expect_rc 0
    sb POST /_control/greenhouse/jobs '{"id":1002,"name":"Renamed in the ATS"}' >/dev/null
    sb POST /_control/greenhouse/jobs '{"id":1011,"name":"Tool & Die Maker II"}' >/dev/null
    sync_json acme
    expect_eq 1 "$(count frozen_skipped)" frozen_skipped
    expect_eq 1 "$(count updated)" updated
    A jobs show acme 1002 --json
    expect_eq "Maintenance Technician" "$(echo "$OUT" | jq -r .title)" "frozen title"
    expect_eq active "$(echo "$OUT" | jq -r .state)"
    A jobs show acme 1011 --json
    expect_eq "Tool & Die Maker II" "$(echo "$OUT" | jq -r .title)" "not frozen"
    A audit acme --json
    expect_eq "1002" "$(echo "$OUT" | jq -r '[.[] | select(.action=="job.edit_skipped")][0].subject')"
    # Seen once, counted once: the same edit is not re-counted next run.
    sync_json acme
    expect_eq 0 "$(count frozen_skipped)" "frozen_skipped on the next run"
    # Deactivating pauses sourcing but the job stays frozen.
    A jobs deactivate acme 1002
    expect_rc 0
    A jobs show acme 1002 --json
    expect_eq "disabled:true" "$(echo "$OUT" | jq -r '"\(.state):\(.frozen)"')"
}

test_jobs__closed_in_ats_is_archived_even_when_active() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    sb POST /_control/greenhouse/jobs '[{"id":1001,"status":"closed"},{"id":1012,"status":"closed"}]' >/dev/null
    sync_json acme
    expect_eq 2 "$(count archived)" archived
    A jobs show acme 1001 --json
    expect_eq "archived:closed in the ATS" "$(echo "$OUT" | jq -r '"\(.state):\(.archived_reason)"')"
    A jobs activate acme 1001
    expect_rc 5
    expect_err "job 1001 is archived (closed in the ATS)"
}

test_jobs__reopened_job_comes_back_disabled() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    sb POST /_control/greenhouse/jobs '{"id":1012,"status":"closed"}' >/dev/null
    A sync jobs acme
    sb POST /_control/greenhouse/jobs '{"id":1012,"status":"open"}' >/dev/null
    A sync jobs acme
    A jobs show acme 1012 --json
    expect_eq "disabled" "$(echo "$OUT" | jq -r .state)"
}

test_jobs__vanished_job_archived_on_next_full_pass_only() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    sb DELETE /_control/greenhouse/jobs/1011 >/dev/null
    sync_json acme
    expect_eq false "$(echo "$OUT" | jq '.[0].full')" "second run is incremental"
    A jobs show acme 1011 --json
    expect_eq disabled "$(echo "$OUT" | jq -r .state)" "not archived by an incremental run"
    sync_json acme --full
    expect_eq 1 "$(count archived)"
    A jobs show acme 1011 --json
    expect_eq "archived:no longer in the ATS" "$(echo "$OUT" | jq -r '"\(.state):\(.archived_reason)"')"
}

test_jobs__incremental_run_asks_for_changes_since_last_run_in_every_status() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    sb DELETE /_control/requests >/dev/null
    A sync jobs acme
    local q
    q=$(sb GET /_control/requests | jq -r '[.[] | select(.path=="/v3/jobs")][0].query')
    [[ $q == *"updated_at=gte|"* ]] || fail "incremental call lacks updated_at=gte|...: $q"
    [[ $q != *status=* ]] || fail "incremental call filters by status: $q"
}

test_jobs__location_change_to_non_us_archives_unfrozen_job() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    sb POST /_control/greenhouse/jobs '{"id":1011,"office_ids":[102]}' >/dev/null
    sync_json acme
    A jobs show acme 1011 --json
    expect_eq "archived:location is no longer in the US" "$(echo "$OUT" | jq -r '"\(.state):\(.archived_reason)"')"
}

test_jobs__malformed_record_skipped_rest_of_page_kept() {
    start_sandbox
    gh_connect acme
    sb POST /_control/greenhouse/jobs '{"id":1020,"status":"open","office_ids":[101]}' >/dev/null
    sb POST /_control/greenhouse/jobs '{"id":1021,"name":"Odd","status":"paused","office_ids":[101]}' >/dev/null
    sync_json acme
    expect_rc 0
    expect_eq 2 "$(count malformed)" malformed
    expect_eq 6 "$(count created)" created
}

test_jobs__auth_failure_marks_connection_needs_attention() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A disconnect acme
    A connect acme greenhouse --no-check --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=rotated-wrong --set user_id=7
    A sync jobs acme
    expect_rc 6
    expect_err "refused the client credentials"
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')"
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"invalid_client"* ]] || fail "last_error: $OUT"
    expect_eq failed "$(echo "$OUT" | jq -r '.[0].runs[0].status')"
    expect_no "rotated-wrong"
}

test_jobs__rate_limit_429_waits_as_told_then_succeeds() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"429","count":1,"retry_after":1}' >/dev/null
    local t0=$SECONDS
    A -v sync jobs acme
    expect_rc 0
    expect_err "rate limited; waiting 1 s as the ATS asked"
    [ $((SECONDS - t0)) -ge 1 ] || fail "did not wait for Retry-After"
    expect_out "created 6"
}

test_jobs__server_errors_are_retried_with_backoff() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"500","count":2}' >/dev/null
    A -v sync jobs acme
    expect_rc 0
    expect_eq 3 "$(echo "$ERR" | grep -c 'GET .*/v3/jobs?per_page=500 -> ')" "attempts logged"
    expect_out "created 6"
}

test_jobs__persistent_server_errors_fail_the_run_cleanly() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"503","count":10}' >/dev/null
    A sync jobs acme
    expect_rc 7
    expect_err "HTTP 503 from the ATS (after retries)"
    A status acme --json
    expect_eq ok "$(echo "$OUT" | jq -r '.[0].state')" "a transient failure does not need attention"
    sb DELETE /_control/faults >/dev/null
    A sync jobs acme
    expect_rc 0
}

test_jobs__slow_response_times_out_and_is_retried() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":1,"delay_ms":3000}' >/dev/null
    A -v sync jobs acme
    expect_rc 0
    expect_err "Timeout was reached"
    expect_out "created 6"
}

test_jobs__dropped_connection_is_retried() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"drop","count":1}' >/dev/null
    A sync jobs acme
    expect_rc 0
    expect_out "created 6"
}

test_jobs__malformed_json_fails_run_then_recovers() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"malformed","count":1,"after":1}' >/dev/null
    A sync jobs acme --page-size 4
    expect_rc 7
    expect_err "Greenhouse returned malformed JSON"
    A sync jobs acme --page-size 4
    expect_rc 0
    expect_eq "1001:disabled:CNC Machinist
1002:disabled:Maintenance Technician
1003:disabled:Welder
1009:disabled:Assembler
1011:disabled:Tool and Die Maker
1012:disabled:Packaging Lead" "$(jobs_json acme)" "jobs after recovery"
}

test_jobs__expired_token_is_refreshed_once() {
    start_sandbox
    gh_connect acme
    sb DELETE /_control/requests >/dev/null
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"expire_token","count":1}' >/dev/null
    A sync jobs acme
    expect_rc 0
    expect_eq 2 "$(sb GET /_control/requests | jq '[.[] | select(.path=="/token")] | length')" "token fetches"
}

test_jobs__secrets_never_logged() {
    start_sandbox
    gh_connect acme
    A -vv sync jobs acme
    expect_rc 0
    expect_no "gh-secret-value"
    expect_no "Bearer"
    expect_no "Authorization"
    local tok
    tok=$(sb GET /_control/greenhouse/state | jq -r '.tokens | keys[0]')
    expect_no "$tok"
}

test_jobs__plain_http_to_a_remote_host_refused() {
    A org add acme
    A connect acme greenhouse --set base_url=http://harvest.example.com --set token_url=https://auth.example.com/token \
        --set client_id=x --set client_secret=y --set user_id=7
    expect_rc 3
    expect_err "refusing plain http:// to harvest.example.com"
}

test_jobs__sync_all_covers_every_connected_org() {
    start_sandbox
    gh_connect acme
    gh_connect beta
    A org add gamma
    sync_json --all
    expect_rc 0
    expect_eq "acme beta" "$(echo "$OUT" | jq -r '[.[].org] | join(" ")')"
    expect_eq "6 6" "$(echo "$OUT" | jq -r '[.[].counts.created] | join(" ")')"
}

test_jobs__second_concurrent_sync_of_an_org_is_busy() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":1,"delay_ms":1500}' >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync jobs acme > "$T/first.out" 2>&1 &
    local first=$!
    sleep 0.5
    A sync jobs acme
    expect_rc 9
    expect_err "already running"
    wait $first || fail "first sync failed: $(cat "$T/first.out")"
    A sync jobs acme --wait
    expect_rc 0
}

test_jobs__kill_9_mid_sync_then_rerun_matches_uninterrupted_run() {
    start_sandbox
    sb POST /_control/greenhouse/generate '{"count":60,"non_us_every":7}' >/dev/null
    # Reference: an uninterrupted run in its own store.
    local refdb; refdb=$(new_store ref.db)
    "$ATSB" -c "$TEST_CONF" --db "$refdb" --plugin-dir "$PLUGINS" org add acme >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$refdb" --plugin-dir "$PLUGINS" connect acme greenhouse --set base_url="$SB" \
        --set token_url="$SB/token" --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$refdb" --plugin-dir "$PLUGINS" sync jobs acme --page-size 5 >/dev/null
    ref=$("$ATSB" -c "$TEST_CONF" --db "$refdb" --plugin-dir "$PLUGINS" jobs list acme --json | jq -c 'map({ats_id,title,state,country}) | sort_by(.ats_id)')
    # The real one: page 6 hangs, we kill -9 while it waits.
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":1,"after":5,"delay_ms":10000}' >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync jobs acme --page-size 5 > /dev/null 2>&1 &
    local pid=$!
    local i
    for i in $(seq 1 100); do
        [ "$(sb GET /_control/requests | jq '[.[] | select(.path=="/v3/jobs")] | length')" -ge 6 ] && break
        sleep 0.05
    done
    sleep 0.2
    kill -9 $pid
    wait $pid 2>/dev/null || true
    A jobs list acme --json
    local partial
    partial=$(echo "$OUT" | jq length)
    [ "$partial" -gt 0 ] && [ "$partial" -lt "$(echo "$ref" | jq length)" ] || fail "expected a partial store, have $partial jobs"
    sb DELETE /_control/faults >/dev/null
    A sync jobs acme --page-size 5
    expect_rc 0
    got=$("$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" jobs list acme --json | jq -c 'map({ats_id,title,state,country}) | sort_by(.ats_id)')
    expect_eq "$ref" "$got" "store after kill -9 and re-run"
    A status acme --json
    # Greenhouse is resumable: the re-run went on with the killed run from
    # its last committed page, so there is one run, and it is ok.
    expect_eq "ok 1" "$(echo "$OUT" | jq -r '.[0].runs | "\(.[0].status) \(length)"')" "the killed run, resumed"
}

run_tests
