#!/usr/bin/env bash
# The change feed carries every kind of change, each written with the
# change itself, whichever process made it (the API, the CLI, a sync).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

sync_api() { # sync_api: a job sync through the API, to its end
    call POST /v1/orgs/acme/syncs '{"full":true}'
    expect_status 202
    expect_eq ok "$(wait_run acme "$(jqb .run_id)")" "sync"
}

types_after() { # types_after CURSOR: $TYPES, the sorted types of the events past it
    call GET "/v1/events?after=$1&limit=1000"
    TYPES=$(jqb '[.events[].type] | sort | join(" ")')
}

test_api_events__every_kind_of_change_is_in_the_feed() {
    start_sandbox
    api_conf
    TOK=$(new_token platform)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    sync_api
    call GET '/v1/events?limit=1000'
    local c; c=$(jqb .next_cursor)
    # Held: engaged, but the job is disabled.
    call PUT /v1/orgs/acme/candidates/c-1 '{"job":"1002","first_name":"A","last_name":"B","email":"ab@example.com","status":"engaged"}'
    types_after "$c"
    expect_eq candidate.held "$TYPES" "held"
    [[ $(jqb '.events[0].object.reason') == *"disabled"* ]] || fail "hold reason: $BODY"
    c=$(jqb .next_cursor)
    # Activated: the candidate is queued (no event until pushed).
    call POST /v1/orgs/acme/jobs/1002/activate
    expect_eq 1 "$(jqb .released_candidates)" "released"
    types_after "$c"
    expect_eq job.updated "$TYPES" "activation"
    c=$(jqb .next_cursor)
    # ATS edits: to the activated job (not applied) and another (applied);
    # a job closed in the ATS.
    sb POST /_control/greenhouse/jobs '{"id":1002,"name":"Renamed in the ATS"}' > /dev/null
    sb POST /_control/greenhouse/jobs '{"id":1011,"name":"Tool & Die Maker II"}' > /dev/null
    sb POST /_control/greenhouse/jobs '{"id":1012,"status":"closed"}' > /dev/null
    sync_api
    types_after "$c"
    expect_eq "job.archived job.frozen_edit_skipped job.updated" "$TYPES" "edits"
    expect_eq "Tool & Die Maker II" "$(jqb '.events[] | select(.type=="job.updated") | .object.title')" "title"
    expect_eq 1002 "$(jqb '.events[] | select(.type=="job.frozen_edit_skipped") | .object.id')" "frozen"
    expect_eq "closed in the ATS" "$(jqb '.events[] | select(.type=="job.archived") | .object.reason')" "reason"
    c=$(jqb .next_cursor)
    # Reopened in the ATS.
    sb POST /_control/greenhouse/jobs '{"id":1012,"status":"open"}' > /dev/null
    sync_api
    types_after "$c"
    expect_eq job.reopened "$TYPES" "reopened"
    c=$(jqb .next_cursor)
    # A push the ATS refuses for good: dead-lettered; retried over the API:
    # pushed.
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"422","count":1}' > /dev/null
    AC sync candidates acme > /dev/null
    types_after "$c"
    expect_eq candidate.dead_lettered "$TYPES" "dead letter"
    [[ $(jqb '.events[0].object.error') == *422* ]] || fail "error: $BODY"
    local entry; entry=$(jqb '.events[0].object.outbox_id')
    c=$(jqb .next_cursor)
    call GET '/v1/orgs/acme/outbox?state=dead'
    expect_eq "$entry" "$(jqb '.items[0].id')" "dead letter listed"
    call POST "/v1/orgs/acme/outbox/$entry/retry"
    expect_status 200
    expect_eq pending "$(jqb .state)" "retried"
    call POST "/v1/orgs/acme/outbox/$entry/retry"
    expect_problem 409 conflict
    # Another organisation's path never reaches acme's entry.
    call POST /v1/orgs '{"slug":"beta"}'
    call POST "/v1/orgs/beta/outbox/$entry/retry"
    expect_problem 404 not-found
    AC sync candidates acme > /dev/null
    types_after "$c"
    expect_eq candidate.pushed "$TYPES" "pushed"
    [ "$(jqb '.events[0].object.remote_candidate_id')" != null ] || fail "no remote id: $BODY"
    c=$(jqb .next_cursor)
    # The connection needs attention (a source the ATS lacks), then is
    # resumed.
    call PUT /v1/orgs/acme/candidates/c-2 '{"job":"1002","first_name":"C","last_name":"D","email":"cd@example.com","status":"engaged"}'
    sed 's/source_name = "FactoryFix"/source_name = "NoSuchSource"/' "$API_CONF" > "$T/bad.conf"
    "$ATSB" -c "$T/bad.conf" --db "$DB" --plugin-dir "$PLUGINS" sync candidates acme > /dev/null || true
    types_after "$c"
    expect_eq connection.needs_attention "$TYPES" "needs attention"
    c=$(jqb .next_cursor)
    call GET /v1/orgs/acme/connection
    expect_eq needs_attention "$(jqb .state)" "health"
    call POST /v1/orgs/acme/connection/resume
    expect_status 200
    expect_eq ok "$(jqb .state)" "resumed"
    types_after "$c"
    expect_eq connection.recovered "$TYPES" "recovered"
    # Every type, with stable increasing ids and the org on each.
    call GET '/v1/events?limit=1000'
    expect_eq "candidate.dead_lettered candidate.held candidate.pushed connection.needs_attention connection.recovered job.archived job.created job.frozen_edit_skipped job.reopened job.updated" \
        "$(jqb '[.events[].type] | unique | join(" ")')" "types"
    expect_eq "$(jqb '[.events[].id | ltrimstr("c") | tonumber] | sort | map(tostring) | join(",")')" \
        "$(jqb '[.events[].id | ltrimstr("c")] | join(",")')" "ids in order"
    expect_eq acme "$(jqb '[.events[].org] | unique | join(",")')" "org"
}

run_tests
