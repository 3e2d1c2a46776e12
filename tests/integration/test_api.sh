#!/usr/bin/env bash
# The platform API as the sourcing platform uses it: the seed's whole flow
# through HTTP alone, against the sandbox ATS.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

CAND='{"job":"1001","first_name":"Dana","last_name":"Diaz","email":"dana@example.com","status":"engaged","assessment":{"stars":4,"summary":"Strong CNC background"},"transcript":[{"from":"AI","at":"2026-11-20T14:00:00Z","text":"Hi Dana"}],"resume":{"text":"Dana Diaz, CNC machinist"}}'

test_api__the_seed_flow_runs_through_the_api_alone() {
    start_sandbox
    api_conf
    TOK=$(new_token platform)
    start_api
    call POST /v1/orgs '{"slug":"acme","name":"Acme Manufacturing"}'
    expect_status 201
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    expect_status 201
    expect_eq passed "$(jqb .check)" "check"
    expect_eq null "$(jqb .settings.client_secret)" "the secret is write-only"
    [[ $BODY != *gh-secret-value* ]] || fail "secret returned: $BODY"
    # A sync now: 202 and a run to poll.
    call POST /v1/orgs/acme/syncs
    expect_status 202
    local run; run=$(jqb .run_id)
    expect_eq ok "$(wait_run acme "$run")" "run status"
    # The feed: every new job, disabled.
    call GET '/v1/events?limit=100'
    expect_status 200
    expect_eq 6 "$(jqb '[.events[] | select(.type=="job.created")] | length')" "job.created events"
    expect_eq disabled "$(jqb '.events[] | select(.object.id=="1001") | .object.state')" "1001 arrives disabled"
    local cursor; cursor=$(jqb .next_cursor)
    # Jobs, paged two at a time.
    local next="" ids="" n=0
    while :; do
        call GET "/v1/orgs/acme/jobs?state=disabled&limit=2${next:+&cursor=$next}"
        expect_status 200
        ids="$ids $(jqb '.items[].id' | tr '\n' ' ')"
        n=$((n + 1))
        next=$(jqb '.next_cursor // empty')
        [ -n "$next" ] || break
        [ $n -lt 10 ] || fail "paging does not end"
    done
    expect_eq 6 "$(echo $ids | wc -w)" "jobs over the pages: $ids"
    expect_eq 6 "$(echo $ids | tr ' ' '\n' | sort -u | wc -l)" "no job twice"
    # Activate, upsert an engaged candidate.
    call POST /v1/orgs/acme/jobs/1001/activate
    expect_status 200
    expect_eq active "$(jqb .state)" "activated"
    call PUT /v1/orgs/acme/candidates/c-1 "$CAND"
    expect_status 201
    expect_eq pending "$(jqb '.pushes[0].state')" "queued"
    # The daemon delivers; the feed tells.
    "$ATSB" -c "$API_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon > "$T/daemon.log" 2>&1 &
    DPID=$!
    call GET "/v1/events?after=$cursor&wait=10"
    local i
    for i in $(seq 1 50); do
        [[ $BODY == *candidate.pushed* ]] && break
        call GET "/v1/events?after=$(jqb .next_cursor)&wait=10"
    done
    [[ $BODY == *candidate.pushed* ]] || fail "no candidate.pushed: $BODY; $(cat "$T/daemon.log")"
    expect_eq c-1 "$(jqb '.events[] | select(.type=="candidate.pushed") | .object.id')" "pushed candidate"
    call GET /v1/orgs/acme/candidates/c-1
    expect_eq done "$(jqb '.pushes[0].state')" "push state"
    local remote; remote=$(jqb '.pushes[0].remote_candidate_id')
    [ -n "$remote" ] && [ "$remote" != null ] || fail "no remote id: $BODY"
    expect_eq 1 "$(sb GET /_control/recorded | jq '.candidates | length')" "candidates in the ATS"
    kill -TERM $DPID; wait $DPID || true
}

test_api__a_repeated_put_is_a_no_op() {
    start_sandbox
    api_conf
    TOK=$(new_token platform)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    call POST /v1/orgs/acme/syncs
    wait_run acme "$(jqb .run_id)" > /dev/null
    call PUT /v1/orgs/acme/candidates/c-1 "$CAND"
    expect_status 201
    local updated; updated=$(jqb .updated_at)
    call GET '/v1/events?limit=1000'
    local before; before=$(jqb '.events | length')
    sleep 1.1
    call PUT /v1/orgs/acme/candidates/c-1 "$CAND"
    expect_status 200
    expect_eq unchanged "$(jqb .result)" "result"
    expect_eq "$updated" "$(jqb .updated_at)" "updated_at"
    call GET '/v1/events?limit=1000'
    expect_eq "$before" "$(jqb '.events | length')" "no new event"
    call PUT /v1/orgs/acme/candidates/c-1 "${CAND/Diaz\"/Diaz-Ruiz\"}"
    expect_status 200
    expect_eq updated "$(jqb .result)" "a change is applied"
    expect_eq Diaz-Ruiz "$(jqb .last_name)" "last name"
    # Prefer: return=minimal answers the outcome alone (held: job 1001 is
    # not active here).
    BODY=$(curl -sS -X PUT -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
           -H 'Prefer: return=minimal' --data "${CAND/Diaz\"/Diaz-Ruiz\"}" "$API/v1/orgs/acme/candidates/c-1")
    expect_eq '{"id":"c-1","result":"unchanged","queued":false,"held":true}' "$BODY" "minimal answer"
}

test_api__the_feed_long_polls_and_its_cursor_survives_a_restart() {
    start_sandbox
    api_conf
    TOK=$(new_token platform)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    call POST /v1/orgs/acme/syncs
    wait_run acme "$(jqb .run_id)" > /dev/null
    call GET '/v1/events?limit=1000'
    local cursor; cursor=$(jqb .next_cursor)
    # Nothing new: a long-poll waits, then answers empty at its deadline.
    local t0; t0=$(date +%s%N)
    call GET "/v1/events?after=$cursor&wait=1"
    expect_status 200
    expect_eq 0 "$(jqb '.events | length')" "empty"
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 900 ] || fail "did not wait"
    # A change during the wait ends it early.
    ( sleep 0.5; curl -s -X POST -H "Authorization: Bearer $TOK" "$API/v1/orgs/acme/jobs/1001/activate" > /dev/null ) &
    t0=$(date +%s%N)
    call GET "/v1/events?after=$cursor&wait=20"
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || fail "the change did not end the wait"
    expect_eq job.updated "$(jqb '.events[0].type')" "event"
    expect_eq active "$(jqb '.events[0].object.state')" "state"
    local id; id=$(jqb '.events[0].id')
    # Restart: the same cursor goes on from the same place.
    stop_api
    start_api
    call GET "/v1/events?after=$cursor"
    expect_eq "$id" "$(jqb '.events[0].id')" "same event after a restart"
}

test_api__orgs_page_by_slug_with_their_overview() {
    start_sandbox
    api_conf
    TOK=$(new_token console)
    start_api
    local o
    for o in e-five a-one d-four b-two c-three; do
        call POST /v1/orgs "{\"slug\":\"$o\"}"
        expect_status 201
    done
    call PUT /v1/orgs/c-three/connection "$(gh_settings)"
    call POST /v1/orgs/c-three/syncs
    wait_run c-three "$(jqb .run_id)" > /dev/null
    local next="" slugs=""
    while :; do
        call GET "/v1/orgs?limit=2${next:+&cursor=$next}"
        expect_status 200
        slugs="$slugs$(jqb '[.items[].slug] | join(" ")') "
        next=$(jqb '.next_cursor // empty')
        [ -n "$next" ] || break
    done
    expect_eq "a-one b-two c-three d-four e-five " "$slugs" "pages"
    call GET '/v1/orgs?health=ok'
    expect_eq c-three "$(jqb '[.items[].slug] | join(" ")')" "connected"
    expect_eq 6 "$(jqb '.items[0].jobs.disabled')" "jobs by state"
    expect_eq 0 "$(jqb '.items[0].outbox.dead')" "dead letters"
    expect_eq ok "$(jqb '.items[0].connection.state')" "health"
    [ "$(jqb '.items[0].connection.next_sync_at')" != null ] || fail "no next sync: $BODY"
    call GET '/v1/orgs?health=not_connected'
    expect_eq 4 "$(jqb ".items | length")" "not connected"
    call GET '/v1/orgs?health=sick'
    expect_problem 400 bad-parameter health
}

test_api__the_daemon_serves_the_api_when_api_listen_is_set() {
    api_conf 'api: { listen = "127.0.0.1:0"; };'
    TOK=$(new_token platform)
    AC org add acme > /dev/null
    "$ATSB" -c "$API_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon > "$T/daemon.log" 2>&1 &
    DPID=$!
    trap 'kill $DPID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    local i
    for i in $(seq 1 100); do
        API=$(sed -n 's/.*api: listening on //p' "$T/daemon.log")
        [ -n "$API" ] && break
        sleep 0.05
    done
    [ -n "$API" ] || fail "no API: $(cat "$T/daemon.log")"
    call GET /v1/orgs
    expect_status 200
    expect_eq acme "$(jqb '.items[0].slug')" "org"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit $?"
    grep -q "INFO daemon: stopped" "$T/daemon.log" || fail "no clean stop: $(cat "$T/daemon.log")"
}

run_tests
