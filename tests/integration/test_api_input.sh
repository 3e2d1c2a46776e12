#!/usr/bin/env bash
# Bad input gets a clear RFC 9457 answer naming the field and the reason,
# and changes nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

setup() {
    start_sandbox
    api_conf 'api: { max_body_bytes = 4096; };'
    TOK=$(new_token admin)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    call POST /v1/orgs/acme/syncs
    wait_run acme "$(jqb .run_id)" > /dev/null
    call GET '/v1/events?limit=1000'
    EVENTS=$(jqb '.events | length')
}

# Nothing changed: no candidate, no new event, the org as it was.
expect_nothing_changed() {
    call GET /v1/orgs/acme/candidates/c1
    expect_status 404
    call GET '/v1/events?limit=1000'
    expect_eq "$EVENTS" "$(jqb '.events | length')" "events"
    call GET /v1/orgs/acme
    expect_eq engaged "$(jqb .trigger_status)" "trigger"
}

GOOD='"job":"1001","first_name":"Dana","last_name":"Diaz","email":"dana@example.com","status":"engaged"'

test_api_input__every_bad_input_class_is_refused_and_changes_nothing() {
    setup
    call PUT /v1/orgs/acme/candidates/c1 '{"job": "1001",'
    expect_problem 400 malformed-json
    call PUT /v1/orgs/acme/candidates/c1 '[1,2]'
    expect_problem 400 malformed-json
    call PUT /v1/orgs/acme/candidates/c1 '{"a":1} {"b":2}'
    expect_problem 400 malformed-json
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"nickname\":\"D\"}"
    expect_problem 422 unknown-field nickname
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"phone\":5551234}"
    expect_problem 422 invalid-field phone
    call PUT /v1/orgs/acme/candidates/c1 '{"job":"1001","first_name":"Dana","last_name":"Diaz","status":"engaged"}'
    expect_problem 422 invalid-field email
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"status\":\"enganged\"}"
    expect_problem 422 invalid-field status
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"resume\":{\"path\":\"/etc/passwd\"}}"
    expect_problem 422 invalid-field resume.path
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"resume\":{\"base64\":\"!!!\"}}"
    expect_problem 422 invalid-field
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"id\":\"c2\"}"
    expect_problem 422 invalid-field id
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"org\":\"beta\"}"
    expect_problem 422 invalid-field org
    call PATCH /v1/orgs/acme '{"trigger_status":5}'
    expect_problem 422 wrong-type trigger_status
    call PATCH /v1/orgs/acme '{"trigger_status":"rejected"}'
    expect_problem 422 invalid-field trigger_status
    call PATCH /v1/orgs/acme '{"jobs_interval_s":"1h"}'
    expect_problem 422 wrong-type jobs_interval_s
    call PATCH /v1/orgs/acme '{"name":"x","trigger_status":"qualified","colour":"red"}'
    expect_problem 422 unknown-field colour
    call POST /v1/orgs '{"slug":"Bad Slug!"}'
    expect_problem 422 invalid-field slug
    call POST /v1/orgs '{"slug":"acme"}'
    expect_problem 409 conflict
    # Too large: refused before it is read.
    call PUT /v1/orgs/acme/candidates/c1 "{$GOOD,\"resume\":{\"text\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}}"
    expect_problem 413 body-too-large
    # Too large without a Content-Length (chunked): refused once the cap
    # is passed, nothing beyond it kept.
    printf '{"job":"%s"}' "$(head -c 6000 /dev/zero | tr '\0' a)" > "$T/big.json"
    STATUS=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOK" \
             -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
             --data-binary @"$T/big.json" "$API/v1/orgs/acme/candidates/c1")
    expect_eq 413 "$STATUS" "chunked body over the cap"
    # Not JSON at all.
    STATUS=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOK" \
             -H 'Content-Type: text/plain' --data 'hello' "$API/v1/orgs/acme/candidates/c1")
    expect_eq 415 "$STATUS" "text/plain body"
    # Routes, methods, parameters.
    call GET /v1/nothing
    expect_problem 404 not-found
    call GET /v1/orgs/acme/jobs/
    expect_problem 404 not-found
    call DELETE /v1/orgs/acme/jobs
    expect_problem 405 method-not-allowed
    [[ $HDRS == *"Allow: GET"* ]] || fail "no Allow header: $HDRS"
    call GET '/v1/events?after=12'
    expect_problem 400 bad-cursor after
    call GET '/v1/orgs/acme/jobs?cursor=xyz'
    expect_problem 400 bad-cursor cursor
    call GET '/v1/orgs/acme/jobs?limit=0'
    expect_problem 400 bad-parameter limit
    call GET '/v1/orgs/acme/jobs?state=open'
    expect_problem 400 bad-parameter state
    call GET '/v1/events?wait=9999'
    expect_problem 400 bad-parameter wait
    call PUT /v1/orgs/acme/connection '{"connector":"greenhouse","settings":{"base_url":"x"}}'
    expect_problem 409 conflict
    call POST /v1/orgs/acme/jobs/nope/activate
    expect_problem 404 not-found
    call POST /v1/orgs/acme/outbox/99/retry
    expect_problem 404 not-found
    expect_nothing_changed
}

test_api_input__connect_validates_against_the_schema_and_runs_the_check() {
    start_sandbox
    api_conf
    TOK=$(new_token admin)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection '{"connector":"greenhouse","settings":{"base_url":"'"$SB"'"}}'
    expect_problem 422 invalid-settings
    [[ $(jqb .detail) == *client_id* ]] || fail "detail names the missing setting: $BODY"
    call PUT /v1/orgs/acme/connection '{"connector":"nosuch","settings":{}}'
    expect_problem 404 not-found
    call PUT /v1/orgs/acme/connection '{"connector":"greenhouse","settings":{"base_url":1}}'
    expect_problem 422 wrong-type settings.base_url
    # Wrong credentials: the check fails and nothing is stored.
    call PUT /v1/orgs/acme/connection "$(gh_settings | sed 's/gh-secret-value/wrong/')"
    [ "$STATUS" = 422 ] || fail "bad credentials: $STATUS $BODY"
    [[ $BODY != *wrong* ]] || fail "the secret is echoed: $BODY"
    call GET /v1/orgs/acme/connection
    expect_problem 404 not-found
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    expect_status 201
    call DELETE /v1/orgs/acme/connection
    expect_status 204
    call GET /v1/orgs/acme/connection
    expect_problem 404 not-found
}

run_tests
