#!/usr/bin/env bash
# Lever as the vendor documents it, not as our sandbox happens to behave:
# reply fixtures written from the documented shapes
# (tests/fixtures/lever/README.md) are served to the connector through the
# sandbox's body_file fault, and the sandbox's vendor rules (confidential
# records only when asked, per-endpoint key permissions) are checked.
. "$(dirname "$0")/../lib.sh"

LVX=$ROOT/tests/fixtures/lever

serve() { # serve PATH FILE [STATUS] [METHOD]
    sb POST /_control/faults "{\"path\":\"/lever/v1$1\",\"kind\":\"body_file\",\"value\":\"$LVX/$2\",\"status\":${3:-200},\"count\":100,\"method\":\"${4:-GET}\"}" >/dev/null
}
fixture_with() { # fixture_with JQ-FILTER: a copy of lever.json changed by the filter
    jq "$1" "$ROOT/tests/fixtures/lever.json" > "$T/lv.json"
    echo "$T/lv.json"
}
lv_connect() { # lv_connect ORG [extra --set ...]: without expecting success
    local org=$1
    shift
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" org add "$org" >/dev/null 2>&1 || true
    A connect "$org" lever --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7 "$@"
}
counts() { echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.closed_skipped):\(.malformed)"'; }
ids() { A jobs list "$1" --json; echo "$OUT" | jq -r '[.[].ats_id | .[-2:]] | sort | join(" ")'; }
P=d248f6f5-ca37-4467-a08d-11ad90fd9b

test_lever_fixtures__documented_postings_follow_the_settings() {
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    lv_connect acme
    expect_rc 0
    serve /postings postings.json
    A sync jobs acme --json
    expect_rc 0
    expect_eq "3:3:0" "$(counts)" "defaults: published (public, internal-only) and unlisted in; confidential, closed, draft out"
    expect_eq "01 02 03" "$(ids acme)" "imported"
    A jobs show acme "${P}01" --json
    expect_eq "CNC Machinist|Austin, TX|US|Manufacturing|https://jobs.lever.co/acme/${P}01" \
        "$(echo "$OUT" | jq -r '"\(.title)|\(.location)|\(.country)|\(.department)|\(.url)"')" "fields"
    lv_connect strict --set import_unlisted=false --set require_public_channel=true --set import_confidential=true
    expect_rc 0
    A sync jobs strict --json
    expect_eq "2:4:0" "$(counts)" "strict: only published on the public site, confidential included"
    expect_eq "01 04" "$(ids strict)" "imported"
}

test_lever_fixtures__confidential_postings_only_when_asked() {
    start_sandbox "$(fixture_with '.lever.postings += [{"id":"lv-1013","text":"Plant Manager","state":"published","country":"US","confidentiality":"confidential","categories":{"location":"Austin, TX"}}]')"
    lv_connect acme
    A sync jobs acme --json
    expect_eq "6:2:0" "$(counts)" "default: the confidential posting is not even listed"
    sb GET /_control/requests | jq -r '.[] | select(.path == "/lever/v1/postings") | .query' | grep -q confidentiality &&
        fail "confidentiality asked without import_confidential"
    lv_connect beta --set import_confidential=true
    A sync jobs beta --json
    expect_eq "7:2:0" "$(counts)" "import_confidential=true"
    A jobs show beta lv-1013 --json
    expect_eq "Plant Manager" "$(echo "$OUT" | jq -r .title)" "the confidential posting"
}

test_lever_fixtures__dedupe_sees_confidential_opportunities() {
    # A lost reply: Lever already has the (confidential) opportunity.
    start_sandbox "$(fixture_with '.lever.postings += [{"id":"lv-1013","text":"Plant Manager","state":"published","country":"US","confidentiality":"confidential","categories":{"location":"Austin, TX"}}]
        | .lever.opportunities = [{"id":"opp-77","contact":"contact-77","name":"Zoe Orsted","emails":["zoe@example.com"],"confidentiality":"confidential","applications":[{"posting":"lv-1013"}]}]')"
    lv_connect acme --set import_confidential=true
    A sync jobs acme
    A jobs activate acme lv-1013
    echo '{"id":"c-1","org":"acme","job":"lv-1013","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","status":"engaged"}' > "$T/c.json"
    A candidates import "$T/c.json"
    A sync candidates acme
    expect_rc 0
    expect_eq 0 "$(sb GET /_control/recorded | jq '.applications | length')" "no second opportunity"
    A outbox list acme --json
    expect_eq "contact-77 opp-77" "$(echo "$OUT" | jq -r '.[0] | "\(.ats_candidate_id) \(.ats_application_id)"')" "the existing one"
}

test_lever_fixtures__documented_create_reply_reads_deduped_beside_data() {
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    lv_connect acme
    A sync jobs acme
    A jobs activate acme lv-1001
    echo '{"id":"c-1","org":"acme","job":"lv-1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","phone":"+1 555 0100","status":"engaged"}' > "$T/c.json"
    A candidates import "$T/c.json"
    serve /opportunities opportunities_none.json 200 GET
    serve /opportunities create_opportunity_deduped.json 201 POST
    A -v sync candidates acme
    expect_out "pushed 1"
    expect_err "Lever matched an existing contact by email"
    A outbox list acme --json
    expect_eq "7f23e772-d2ba-4afe-bd9b-6dbd0eb6e8d0 250d8f03-738a-4bba-a671-8a3d73477145" \
        "$(echo "$OUT" | jq -r '.[0] | "\(.ats_candidate_id) \(.ats_application_id)"')" "ids read from data"
}

test_lever_fixtures__documented_offset_error_restarts_the_listing() {
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    lv_connect acme
    sb POST /_control/faults "{\"path\":\"/lever/v1/postings\",\"kind\":\"body_file\",\"value\":\"$LVX/offset_invalid.json\",\"status\":400,\"count\":1,\"after\":1}" >/dev/null
    A sync jobs acme --page-size 4 --json
    expect_rc 0
    expect_eq "6:2:0" "$(counts)" "listed again from the start"
}

test_lever_fixtures__missing_endpoints_are_named_at_connect() {
    start_sandbox "$(fixture_with '.lever.denied = ["GET /opportunities", "GET /opportunities/files"]')"
    lv_connect acme
    expect_rc 6
    expect_err "the API key lacks: GET /opportunities (403: This API key does not have access to this endpoint), GET /opportunities/{id}/files (403: This API key does not have access to this endpoint)"
    expect_no lv-key-value
    lv_connect beta --no-check
    expect_rc 0
    A sync jobs beta
    expect_rc 0
}

test_lever_fixtures__status_keeps_the_last_sync_error() {
    start_sandbox "$(fixture_with '.lever.denied = ["GET /postings"]')"
    lv_connect acme --no-check
    A sync jobs acme
    expect_rc 6
    A status acme
    expect_out "GET /postings: Lever refused the API key (HTTP 403: This API key does not have access to this endpoint)"
    expect_no lv-key-value
}

run_tests
