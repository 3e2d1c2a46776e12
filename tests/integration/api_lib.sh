# Helpers for the API tests (sourced after lib.sh): a running `atsbridge
# serve` (or daemon) on a free loopback port, a token, and call, which
# sets $STATUS, $BODY and $HDRS.

# api_conf [EXTRA]: a config = the test config + an api group (+ EXTRA).
api_conf() {
    { cat "$TEST_CONF"; printf '%s\n' "${1:-}"; } > "$T/api.conf"
    API_CONF="$T/api.conf"
}

AC() { "$ATSB" -c "${API_CONF:-$TEST_CONF}" --db "$DB" --plugin-dir "$PLUGINS" "$@"; }

# start_api: `atsbridge serve` on 127.0.0.1:0; sets $API (base URL), $API_PID.
start_api() {
    : > "$T/api.out"
    # The binary itself in the background (not the AC function, whose
    # subshell would take the signals meant for the server).
    "$ATSB" -c "${API_CONF:-$TEST_CONF}" --db "$DB" --plugin-dir "$PLUGINS" \
        serve --listen 127.0.0.1:0 > "$T/api.out" 2>> "$T/api.err" &
    API_PID=$!
    trap 'kill $API_PID ${SB_PID:-} ${DPID:-} ${HOOK_PID:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    local i
    for i in $(seq 1 100); do
        API=$(sed -n 's/^listening on //p' "$T/api.out")
        [ -n "$API" ] && return 0
        sleep 0.05
    done
    fail "serve did not start: $(cat "$T/api.err")"
}

stop_api() {
    kill -TERM "$API_PID"
    wait "$API_PID" || fail "serve exit status $?: $(cat "$T/api.err")"
}

# new_token NAME [token create options]: prints the token (its last line).
new_token() { AC token create "$@" | tail -n 1; }

# call METHOD PATH [JSON] [TOKEN]: TOKEN defaults to $TOK ("-" = none).
call() {
    local tok=${4:-${TOK:-}} args=()
    [ "$tok" != - ] && [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
    [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    local out
    out=$(curl -sS -X "$1" "${args[@]}" -D "$T/.hdrs" -o "$T/.body" -w '%{http_code}' "$API$2")
    STATUS=$out
    BODY=$(cat "$T/.body")
    HDRS=$(cat "$T/.hdrs")
}

expect_status() {
    [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS: ${BODY:0:1500}"
}
# expect_problem STATUS KIND [FIELD]: an RFC 9457 body of that type.
expect_problem() {
    expect_status "$1"
    [[ $HDRS == *"application/problem+json"* ]] || fail "not problem+json: $HDRS"
    expect_eq "urn:atsbridge:problem:$2" "$(echo "$BODY" | jq -r .type)" "problem type"
    expect_eq "$1" "$(echo "$BODY" | jq -r .status)" "problem status"
    [ -z "${3:-}" ] || expect_eq "$3" "$(echo "$BODY" | jq -r .field)" "problem field"
}
jqb() { echo "$BODY" | jq -r "$@"; }

# gh_settings: the greenhouse connection settings for the sandbox, as JSON.
gh_settings() {
    printf '{"connector":"greenhouse","settings":{"base_url":"%s","token_url":"%s/token","client_id":"gh-client","client_secret":"gh-secret-value","user_id":"7"}}' "$SB" "$SB"
}

# wait_run ORG RUN: until the sync run is no longer running; its status.
wait_run() {
    local i
    for i in $(seq 1 100); do
        call GET "/v1/orgs/$1/syncs/$2"
        [ "$(jqb .status)" != running ] && { jqb .status; return 0; }
        sleep 0.1
    done
    fail "run $2 still running"
}
