#!/usr/bin/env bash
# kill -9 of the API during a stream of upserts loses nothing it
# acknowledged: a 2xx is sent only after the candidate's transaction
# committed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

test_api_crash__kill_9_during_upserts_loses_nothing_acknowledged() {
    api_conf 'api: { rate_limit = 0; };'
    AC org add acme > /dev/null
    TOK=$(new_token admin)
    start_api
    # Upserts in a loop, each acknowledged id noted only after its 2xx.
    (
        for i in $(seq 1 2000); do
            code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOK" \
                   -H 'Content-Type: application/json' \
                   --data "{\"job\":\"1001\",\"first_name\":\"C\",\"last_name\":\"$i\",\"email\":\"c$i@example.com\",\"status\":\"engaged\",\"resume\":{\"text\":\"resume $i\"}}" \
                   "$API/v1/orgs/acme/candidates/c$i") || break
            case $code in 2*) echo "c$i" >> "$T/acked" ;; *) break ;; esac
        done
    ) &
    local loop=$!
    for i in $(seq 1 100); do
        [ "$(wc -l < "$T/acked" 2>/dev/null || echo 0)" -ge 50 ] && break
        sleep 0.05
    done
    kill -9 "$API_PID"
    wait "$loop" 2>/dev/null || true
    local acked; acked=$(wc -l < "$T/acked")
    [ "$acked" -ge 50 ] || fail "only $acked upserts acknowledged before the kill"
    start_api
    local missing=0 id
    while read -r id; do
        call GET "/v1/orgs/acme/candidates/$id"
        [ "$STATUS" = 200 ] || missing=$((missing + 1))
    done < "$T/acked"
    expect_eq 0 "$missing" "acknowledged candidates lost of $acked"
    # And the store is sound.
    AC candidates list acme --json > "$T/list"
    [ "$(jq length "$T/list")" -ge "$acked" ] || fail "fewer candidates than acknowledged"
}

run_tests
