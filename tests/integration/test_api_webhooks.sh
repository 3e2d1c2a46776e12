#!/usr/bin/env bash
# Webhooks: every feed event POSTed, signed (HMAC-SHA256 over timestamp +
# body, checked by a receiver), at least once, in order per org, retried
# with backoff when the receiver fails.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

start_receiver() { # start_receiver [--fail-first N]: $HOOK (URL)
    : > "$T/hook.port"
    python3 "$ROOT/tests/tools/webhook_receiver.py" --secret "s3cret-hook-key" --out "$T/hook" "$@" \
        > "$T/hook.port" 2> "$T/hook.err" &
    HOOK_PID=$!
    local i port=""
    for i in $(seq 1 100); do
        port=$(sed -n 's/^listening on //p' "$T/hook.port")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || fail "receiver did not start: $(cat "$T/hook.err")"
    HOOK="http://127.0.0.1:$port/hook"
}

wait_lines() { # wait_lines N: until the receiver accepted N events
    local i
    for i in $(seq 1 150); do
        [ "$(wc -l < "$T/hook" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
        sleep 0.1
    done
    fail "receiver has $(wc -l < "$T/hook" 2>/dev/null || echo 0) events, expected $1; $(cat "$T/api.err")"
}

test_api_webhooks__events_are_signed_delivered_in_order_and_retried() {
    start_sandbox
    start_receiver --fail-first 2
    export HOOK_SECRET="s3cret-hook-key"
    api_conf "webhooks: { url = \"$HOOK\"; secret = \"env:HOOK_SECRET\"; retry_base = \"1s\"; retry_cap = \"2s\"; };"
    TOK=$(new_token admin)
    start_api
    call POST /v1/orgs '{"slug":"acme"}'
    call PUT /v1/orgs/acme/connection "$(gh_settings)"
    call POST /v1/orgs/acme/syncs
    wait_run acme "$(jqb .run_id)" > /dev/null
    call POST /v1/orgs/acme/jobs/1001/activate
    call GET '/v1/events?limit=1000'
    local n; n=$(jqb '.events | length')
    [ "$n" -ge 7 ] || fail "only $n events"
    wait_lines "$n"
    # Every event once, in the feed's order, after two failed tries.
    expect_eq "$(jqb '[.events[].id] | join(" ")')" "$(jq -r .id "$T/hook" | tr '\n' ' ' | sed 's/ $//')" "delivered ids"
    expect_eq job.updated "$(tail -n 1 "$T/hook" | jq -r .type)" "last event"
    [ ! -s "$T/hook.bad" ] || fail "bad signatures: $(cat "$T/hook.bad")"
    grep -q "not delivered (attempt 2" "$T/api.err" || fail "no retry logged: $(cat "$T/api.err")"
    ! grep -q "s3cret" "$T/api.err" || fail "the secret is logged"
    # The receiver refuses a wrong signature: a forged delivery is caught.
    local code; code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Atsbridge-Signature: t=1,v1=00' \
                       --data '{}' "$HOOK")
    expect_eq 401 "$code" "forged delivery"
    # Restart: nothing is sent twice, new events go on from the cursor.
    stop_api
    start_api
    call POST /v1/orgs/acme/jobs/1001/deactivate
    wait_lines $((n + 1))
    sleep 1
    expect_eq $((n + 1)) "$(wc -l < "$T/hook")" "events after a restart"
}

test_api_webhooks__bad_api_and_webhook_settings_are_named() {
    api_conf 'webhooks: { url = "http://example.com/hook"; secret = "x"; };'
    run "$ATSB" -c "$API_CONF" --db "$DB" --plugin-dir "$PLUGINS" serve --listen 127.0.0.1:0
    expect_rc 3
    expect_err "webhooks.url"
    api_conf 'webhooks: { url = "https://example.com/hook"; };'
    run "$ATSB" -c "$API_CONF" --db "$DB" org list
    expect_rc 3
    expect_err "webhooks.secret: required"
    api_conf 'api: { listen = "localhost"; };'
    run "$ATSB" -c "$API_CONF" --db "$DB" org list
    expect_rc 3
    expect_err 'api.listen: expected HOST:PORT'
    api_conf 'api: { max_body_bytes = 10; };'
    run "$ATSB" -c "$API_CONF" --db "$DB" org list
    expect_rc 3
    expect_err 'api.max_body_bytes: 10 is out of range'
}

run_tests
