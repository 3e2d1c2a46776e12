#!/usr/bin/env bash
# Greenhouse as the vendor documents it, not as our sandbox happens to
# behave: reply fixtures written from the shapes in the shared vendor doc
# (tests/fixtures/greenhouse/README.md) are served to the connector through
# the sandbox's body_file fault, and the sandbox's own vendor rules
# (templates, structured locations, scopes, attachment fields) are checked.
. "$(dirname "$0")/../lib.sh"

GHX=$ROOT/tests/fixtures/greenhouse

serve() { # serve PATH FILE [STATUS] [METHOD]: answer PATH's requests with FILE
    sb POST /_control/faults "{\"path\":\"$1\",\"kind\":\"body_file\",\"value\":\"$GHX/$2\",\"status\":${3:-200},\"count\":100,\"method\":\"${4:-GET}\"}" >/dev/null
}
fixture_with() { # fixture_with JQ-FILTER: a copy of greenhouse.json changed by the filter
    jq "$1" "$ROOT/tests/fixtures/greenhouse.json" > "$T/gh.json"
    echo "$T/gh.json"
}
connect_acme() { # connect_acme [extra args]: without expecting success
    A org add acme
    A connect acme greenhouse --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 "$@"
}
counts() { echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.closed_skipped):\(.unknown_location):\(.malformed)"'; }

test_greenhouse_fixtures__documented_job_replies_import() {
    start_sandbox
    gh_connect acme
    serve /v3/jobs jobs.json
    serve /v3/offices offices.json
    serve /v3/departments departments.json
    serve /v3/job_posts job_posts.json
    serve /v3/job_post_searchable_locations job_post_searchable_locations.json
    A sync jobs acme --full --json
    expect_rc 0
    expect_eq "2:2:0:0" "$(counts)" "created:closed_skipped (a closed job, a template):unknown:malformed"
    A jobs show acme 4080123004 --json
    expect_eq "CNC Machinist - 2nd Shift|Austin, TX, United States|US|Manufacturing" \
        "$(echo "$OUT" | jq -r '"\(.title)|\(.location)|\(.country)|\(.department)"')" "office with location text"
    A jobs show acme 4080123003 --json
    expect_eq "Columbus, OH, United States|US|OH|Columbus" \
        "$(echo "$OUT" | jq -r '"\(.location)|\(.country)|\(.region)|\(.city)"')" \
        "an office without text is placed by its posts' searchable location (two posts, one place)"
    A jobs show acme 4080123001
    expect_rc 4
}

test_greenhouse_fixtures__templates_are_counted_not_imported() {
    start_sandbox "$(fixture_with '.greenhouse.jobs += [{"id":1013,"name":"TEMPLATE - CNC Machinist","status":"open","is_template":true,"office_ids":[101]}]')"
    gh_connect acme
    A -v sync jobs acme --json
    expect_rc 0
    expect_eq "6:2:2:0" "$(counts)" "the template is closed-skipped, not malformed"
    expect_err "1 template job (is_template) not imported: counted as closed-skipped"
    A jobs show acme 1013
    expect_rc 4
}

test_greenhouse_fixtures__structured_location_places_a_remote_office() {
    start_sandbox "$(fixture_with '.greenhouse.job_posts = [{"id":77,"job_id":1006,"title":"Field Service Engineer","live":true,"internal":false}]
        | .greenhouse.job_post_searchable_locations = [{"id":78,"job_post_id":77,"location":"Columbus, Ohio, United States","city":"Columbus","region_short_name":"OH","region_long_name":"Ohio","country_short_name":"US","country_long_name":"United States"}]')"
    gh_connect acme
    A sync jobs acme --json
    expect_rc 0
    expect_eq "7:1:1:0" "$(counts)" "1006 (office \"Remote\", no text) is now placed"
    A jobs show acme 1006 --json
    expect_eq "Columbus, OH, United States|US|OH|Columbus" "$(echo "$OUT" | jq -r '"\(.location)|\(.country)|\(.region)|\(.city)"')" "1006"
    A jobs show acme 1003 --json
    expect_eq "Remote (US)" "$(echo "$OUT" | jq -r .location)" "no post locations: the office name"
}

test_greenhouse_fixtures__documented_create_replies_push() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 1 "Resume"
    echo '{"id":"c-1","org":"acme","job":"1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","phone":"+1 555 0100","status":"engaged","resume":{"path":"'"$T"'/r.pdf"}}' > "$T/c.json"
    A candidates import "$T/c.json" --resume-dir "$T"
    serve /v3/candidates create_candidate.json 201 POST
    serve /v3/attachments create_attachment.json 201 POST
    A sync candidates acme
    expect_out "pushed 1"
    A outbox list acme --json
    expect_eq "4170000101 4180000202" "$(echo "$OUT" | jq -r '.[0] | "\(.ats_candidate_id) \(.ats_application_id)"')" \
        "ids read from the {candidate, application} reply"
}

test_greenhouse_fixtures__documented_validation_error_dead_letters_with_its_message() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    echo '{"id":"c-1","org":"acme","job":"1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","status":"engaged"}' > "$T/c.json"
    A candidates import "$T/c.json"
    serve /v3/candidates error_422.json 422 POST
    A sync candidates acme
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"Unprocessable Content; email_addresses is invalid"* ]] ||
        fail "the 422's message is kept: $OUT"
}

test_greenhouse_fixtures__documented_401_needs_attention() {
    start_sandbox
    gh_connect acme
    serve /v3/offices error_401.json 401
    A sync jobs acme
    expect_rc 6
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')" "state"
    expect_no gh-secret-value
}

test_greenhouse_fixtures__attachment_sends_only_documented_fields() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 1 "Resume"
    echo '{"id":"c-1","org":"acme","job":"1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","status":"engaged","resume":{"path":"'"$T"'/r.pdf"}}' > "$T/c.json"
    A candidates import "$T/c.json" --resume-dir "$T"
    A sync candidates acme
    expect_out "pushed 1"
    local app tok code
    app=$(sb GET /_control/recorded | jq -r '.attachments[0].application_id')
    tok=$(curl -sS -u gh-client:gh-secret-value -d grant_type=client_credentials -d sub=7 "$SB/token" | jq -r .access_token)
    code=$(curl -sS -o "$T/reply.json" -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        --data "{\"application_id\":$app,\"filename\":\"x.pdf\",\"type\":\"resume\",\"content\":\"JVBERi0=\",\"content_type\":\"application/pdf\"}" \
        "$SB/v3/attachments")
    expect_eq 422 "$code" "the sandbox refuses content_type (a labelled guess)"
    grep -q content_type "$T/reply.json" || fail "the 422 names the field: $(cat "$T/reply.json")"
}

test_greenhouse_fixtures__missing_scopes_are_named_at_connect() {
    start_sandbox "$(fixture_with '.greenhouse.clients[0].denied = ["harvest:offices:list", "harvest:attachments:list", "harvest:departments:list"]')"
    connect_acme
    expect_rc 6
    expect_err "the API credentials lack: GET /v3/offices (403, scope harvest:offices:list), GET /v3/attachments (403, scope harvest:attachments:list); optional: GET /v3/departments (403, scope harvest:departments:list)"
    expect_no gh-secret-value
    A org show acme --json
    [[ $OUT != *greenhouse* ]] || fail "nothing stored: $OUT"
}

test_greenhouse_fixtures__enrichment_scopes_only_warn() {
    start_sandbox "$(fixture_with '.greenhouse.clients[0].denied = ["harvest:departments:list", "harvest:job_posts:list"]')"
    connect_acme
    expect_rc 0
    expect_err "the API credentials lack: GET /v3/departments (403, scope harvest:departments:list), GET /v3/job_posts (403, scope harvest:job_posts:list)"
    A sync jobs acme --json
    expect_rc 0
    expect_eq "6:1:2:0" "$(counts)" "jobs sync without department names"
    A jobs show acme 1001 --json
    expect_eq null "$(echo "$OUT" | jq -r .department)" "no department"
    # status keeps what the check found, after connect printed it.
    A status acme
    expect_out "last check "
    expect_out ": passed; warnings: the API credentials lack: GET /v3/departments (403"
    A status acme --json
    [[ $(echo "$OUT" | jq -r '.[0].last_check.result') == "passed; warnings: "*"GET /v3/job_posts"* ]] ||
        fail "status --json last_check: $OUT"
}

test_greenhouse_fixtures__check_again_names_what_is_missing_and_status_keeps_it() {
    start_sandbox "$(fixture_with '.greenhouse.clients[0].denied = ["harvest:offices:list"]')"
    connect_acme --no-check
    expect_rc 0
    A check acme
    expect_rc 6
    expect_err "the API credentials lack: GET /v3/offices (403, scope harvest:offices:list)"
    expect_no gh-secret-value
    A status acme
    expect_out "failed: the API credentials lack: GET /v3/offices (403, scope harvest:offices:list)"
    A audit acme
    expect_out "connection.checked"
    A check nosuchorg
    expect_rc 4
    A check
    expect_rc 2
}

test_greenhouse_fixtures__status_keeps_the_last_sync_error() {
    start_sandbox "$(fixture_with '.greenhouse.clients[0].denied = ["harvest:offices:list"]')"
    connect_acme --no-check
    expect_rc 0
    A sync jobs acme
    expect_rc 6
    A status acme
    expect_out "GET /v3/offices: Greenhouse refused access (HTTP 403: Forbidden; Missing required scope: harvest:offices:list)"
    expect_no gh-secret-value
}

run_tests
