#!/usr/bin/env bash
# The scheduler at fleet scale: many orgs due at once are each synced once
# (no stale re-read of a row a worker just updated), past the old 4,096
# busy-list cap's shape, and a store with nothing due is not walked.
. "$(dirname "$0")/../lib.sh"

test_sched__orgs_due_at_once_are_each_synced_exactly_once() {
    start_sandbox
    local n=300 i
    for i in $(seq 1 $n); do
        "$ATSB" --db "$DB" org add "o$i" >/dev/null
        "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" connect "o$i" greenhouse --no-check \
            --set base_url="$SB" --set token_url="$SB/token" --set client_id=gh-client \
            --set client_secret=gh-secret-value --set user_id=7 >/dev/null
    done
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_rc 0
    A status --runs 10 --json
    expect_eq "$n" "$(echo "$OUT" | jq '[.[] | select([.runs[] | select(.status == "ok")] | length == 1)] | length')" \
        "orgs with exactly one ok job sync"
    expect_eq 0 "$(echo "$OUT" | jq '[.[] | select(.next_sync == "due now")] | length')" "orgs still due"
    # Synced: due again only at the org's slot one interval on.
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_rc 0
    A status --runs 10 --json
    expect_eq "$n" "$(echo "$OUT" | jq '[.[] | select([.runs[] | select(.status == "ok")] | length == 1)] | length')" \
        "orgs still with one ok job sync after a second --once"
}

test_sched__work_queued_by_another_process_is_noticed_within_a_second() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon > "$T/d.log" 2>&1 &
    DPID=$!
    trap 'kill $DPID 2>/dev/null || true; kill $SB_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    sleep 1
    echo '{"id":"n1","org":"acme","job":"1001","first_name":"Nia","last_name":"Ng","email":"nia@example.com","status":"engaged","resume":{"text":"welder"}}' > "$T/c.json"
    A candidates import "$T/c.json"
    local t0 t1
    t0=$(date +%s%N)
    wait_for 5 sh -c "[ \$(curl -s '$SB/_control/recorded' | jq '.attachments | length') -ge 1 ]" ||
        fail "not delivered: $(cat "$T/d.log")"
    t1=$(date +%s%N)
    # Noticed within a tick (0.25 s) plus the push itself; generous for CI.
    [ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
}

secs_to_next_sync() { # secs_to_next_sync ORG
    "$ATSB" --db "$DB" status "$1" --json | jq '(.[0].next_sync | fromdateiso8601) - now | floor'
}

test_sched__a_new_interval_at_reload_moves_every_next_sync() {
    start_sandbox
    { cat "$TEST_CONF"; printf 'sync: {\n  jobs_interval = "12h";\n};\n'; } > "$T/conf"
    gh_connect acme
    run "$ATSB" -c "$T/conf" --db "$DB" --plugin-dir "$PLUGINS" sync jobs acme
    expect_rc 0
    local s
    s=$(secs_to_next_sync acme)
    [ "$s" -gt 21600 ] && [ "$s" -le 64800 ] || fail "next sync in $s s on a 12 h interval"
    "$ATSB" -c "$T/conf" --db "$DB" --plugin-dir "$PLUGINS" -v daemon > "$T/d.log" 2>&1 &
    DPID=$!
    trap 'kill $DPID 2>/dev/null || true; kill $SB_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    wait_for 5 grep -q "INFO daemon: started" "$T/d.log" || fail "no start: $(cat "$T/d.log")"
    sed -i 's/"12h"/"1h"/' "$T/conf"
    kill -HUP $DPID
    wait_for 5 grep -q "next job syncs placed on the 3600s interval for 1 org$" "$T/d.log" ||
        fail "not rescheduled: $(cat "$T/d.log")"
    s=$(secs_to_next_sync acme)
    [ "$s" -gt 0 ] && [ "$s" -le 5400 ] || fail "next sync in $s s on a 1 h interval"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
}

run_tests
