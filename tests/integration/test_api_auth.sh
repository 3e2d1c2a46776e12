#!/usr/bin/env bash
# API tokens: shown once and stored as a hash, scoped to an org, read-only,
# revoked; the per-token rate limit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

setup_two_orgs() {
    api_conf "${1:-}"
    AC org add acme > /dev/null
    AC org add beta > /dev/null
    TOK=$(new_token admin)
    start_api
}

test_api_auth__token_is_shown_once_and_stored_only_as_a_hash() {
    api_conf
    run "$ATSB" -c "$API_CONF" --db "$DB" token create platform
    expect_rc 0
    local tok; tok=$(echo "$OUT" | tail -n 1)
    [[ $tok =~ ^atsb_[0-9a-f]{64}$ ]] || fail "token on the last line: $OUT"
    AC token list --json > "$T/list"
    ! grep -q "${tok:5}" "$T/list" || fail "token list shows the token"
    ! store_has "${tok:21}" || fail "the secret is stored in clear"
    run "$ATSB" -c "$API_CONF" --db "$DB" token create platform
    expect_rc 5
    expect_err 'a token named "platform" already exists'
}

test_api_auth__no_token_a_wrong_one_and_a_revoked_one_are_refused() {
    setup_two_orgs
    call GET /v1/orgs "" -
    expect_problem 401 unauthorized
    [[ $HDRS == *"WWW-Authenticate: Bearer"* ]] || fail "no WWW-Authenticate: $HDRS"
    call GET /v1/orgs "" "atsb_$(printf '0%.0s' $(seq 64))"
    expect_problem 401 unauthorized
    # Right public part, wrong secret.
    call GET /v1/orgs "" "${TOK:0:21}$(printf 'f%.0s' $(seq 48))"
    expect_problem 401 unauthorized
    call GET /v1/orgs
    expect_status 200
    # Once the right token is verified (and remembered), the wrong secret
    # is still refused, and revoking takes effect on the next request.
    call GET /v1/orgs "" "${TOK:0:21}$(printf 'f%.0s' $(seq 48))"
    expect_problem 401 unauthorized
    call GET /v1/orgs
    expect_status 200
    AC token revoke admin > /dev/null
    call GET /v1/orgs
    expect_problem 401 unauthorized
    expect_eq "the API token was revoked" "$(jqb .detail)" "detail"
}

test_api_auth__an_org_scoped_token_sees_only_its_org() {
    setup_two_orgs
    local scoped; scoped=$(new_token acme-app --org acme)
    call GET /v1/orgs "" "$scoped"
    expect_status 200
    expect_eq acme "$(jqb '[.items[].slug] | join(",")')" "orgs listed"
    call GET '/v1/orgs?health=not_connected' "" "$scoped"
    expect_eq acme "$(jqb '[.items[].slug] | join(",")')" "filtered, scoped"
    call GET '/v1/orgs?health=ok' "" "$scoped"
    expect_eq 0 "$(jqb '.items | length')" "acme is not connected"
    call GET /v1/orgs/beta "" "$scoped"
    expect_problem 404 not-found
    call GET /v1/orgs/beta/jobs "" "$scoped"
    expect_problem 404 not-found
    call PATCH /v1/orgs/beta '{"name":"x"}' "$scoped"
    expect_problem 404 not-found
    call GET "/v1/events?org=beta" "" "$scoped"
    expect_problem 404 not-found
    call POST /v1/orgs '{"slug":"gamma"}' "$scoped"
    expect_problem 403 org-scoped-token
    call PATCH /v1/orgs/acme '{"trigger_status":"qualified"}' "$scoped"
    expect_status 200
    expect_eq qualified "$(jqb .trigger_status)" "trigger"
}

test_api_auth__deleting_an_org_takes_its_tokens_with_it() {
    setup_two_orgs
    local scoped; scoped=$(new_token beta-app --org beta)
    call DELETE /v1/orgs/beta "" "$scoped"
    expect_problem 403 org-scoped-token
    call DELETE /v1/orgs/beta
    expect_status 204
    call GET /v1/orgs/beta
    expect_problem 404 not-found
    call GET /v1/orgs "" "$scoped"
    expect_problem 401 unauthorized
    call GET /v1/orgs
    expect_eq acme "$(jqb '[.items[].slug] | join(",")')" "orgs left"
}

test_api_auth__a_read_only_token_only_reads() {
    setup_two_orgs
    local ro; ro=$(new_token watcher --read-only)
    call GET /v1/orgs/acme "" "$ro"
    expect_status 200
    call PATCH /v1/orgs/acme '{"name":"x"}' "$ro"
    expect_problem 403 read-only-token
    call PUT /v1/orgs/acme/candidates/c1 '{}' "$ro"
    expect_problem 403 read-only-token
    call GET /v1/orgs/acme
    expect_eq acme "$(jqb .name)" "unchanged"
}

test_api_auth__each_token_is_rate_limited_with_retry_after() {
    setup_two_orgs 'api: { rate_limit = 1; rate_burst = 3; };'
    local other; other=$(new_token other)
    local i codes=""
    for i in 1 2 3 4; do
        call GET /v1/orgs
        codes="$codes $STATUS"
    done
    expect_eq " 200 200 200 429" "$codes" "statuses"
    expect_problem 429 rate-limited
    [[ $HDRS =~ Retry-After:\ [1-9] ]] || fail "no Retry-After: $HDRS"
    # Another token has its own bucket.
    call GET /v1/orgs "" "$other"
    expect_status 200
    sleep 1
    call GET /v1/orgs
    expect_status 200
}

test_api_auth__metrics_need_a_token_unless_open() {
    setup_two_orgs
    call GET /metrics "" -
    expect_problem 401 unauthorized
    call GET /metrics
    expect_status 200
    [[ $HDRS == *"text/plain; version=0.0.4"* ]] || fail "content type: $HDRS"
    [[ $BODY == *'atsbridge_outbox_depth{org="acme"} 0'* ]] || fail "metrics: $BODY"
    stop_api
    api_conf 'api: { metrics_open = true; };'
    start_api
    call GET /metrics "" -
    expect_status 200
    call GET /v1/orgs "" -
    expect_problem 401 unauthorized
}

run_tests
