#!/usr/bin/env bash
# The daemon as an operator runs it: continuous delivery, SIGTERM mid-sync,
# SIGHUP picking up a new connector, orgs in parallel, health handling.
. "$(dirname "$0")/../lib.sh"

start_daemon() { # start_daemon [extra global options]: $DPID, log in $T/daemon.log
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "${DAEMON_PLUGINS:-$PLUGINS}" "$@" daemon > "$T/daemon.log" 2>&1 &
    DPID=$!
    trap 'kill $DPID 2>/dev/null || true; kill ${SB_PID:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
}

outbox_done() { [ "$("$ATSB" --db "$DB" outbox list --json | jq -r '[.[] | select(.state=="done")] | length')" -ge "${1:-1}" ]; }

test_daemon__pushes_a_newly_engaged_candidate_within_seconds() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    start_daemon
    sleep 1
    echo '{"id":"d1","org":"acme","job":"1001","first_name":"Dana","last_name":"Diaz","email":"dana@example.com","status":"engaged","resume":{"text":"Dana Diaz, welder"}}' > "$T/c.json"
    A candidates import "$T/c.json"
    local t0=$SECONDS
    wait_for 5 outbox_done || fail "not delivered within 5 s; daemon log: $(cat "$T/daemon.log")"
    [ $((SECONDS - t0)) -le 5 ] || fail "took $((SECONDS - t0)) s"
    expect_eq 1 "$(sb GET /_control/recorded | jq '.candidates | length')" "candidates in the ATS"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
    grep -q "INFO daemon: stopped" "$T/daemon.log" || fail "no clean stop: $(cat "$T/daemon.log")"
}

test_daemon__sigterm_mid_sync_loses_nothing() {
    start_sandbox
    sb POST /_control/greenhouse/generate '{"count":1600,"non_us_every":9}' >/dev/null
    gh_connect acme
    sb DELETE /_control/requests >/dev/null
    # Page 4 hangs for a long time; SIGTERM arrives while we wait for it.
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":1,"after":3,"delay_ms":20000}' >/dev/null
    start_daemon
    wait_for 10 sh -c "[ \$(curl -s $SB/_control/requests | jq '[.[] | select(.path==\"/v3/jobs\")] | length') -ge 4 ]" ||
        fail "the sync did not reach page 4"
    A org show acme >/dev/null
    # The daemon syncs with the connector's default pages of 500: use the
    # store to see what was committed before the signal.
    local t0=$SECONDS kids k
    # The sync runs in a task process (isolation.enabled), which must stop too.
    kids=$(pgrep -P $DPID) || fail "no task process is running"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
    [ $((SECONDS - t0)) -le 4 ] || fail "took $((SECONDS - t0)) s to stop"
    for k in $kids; do kill -0 "$k" 2>/dev/null && fail "task process $k outlived the daemon"; done
    A status acme --json
    expect_eq cancelled "$(echo "$OUT" | jq -r '.[0].runs[0].status')" "the interrupted run"
    sb DELETE /_control/faults >/dev/null
    A sync jobs acme
    expect_rc 0
    A jobs list acme --json
    local n
    n=$(echo "$OUT" | jq length)
    expect_eq "$n" "$(echo "$OUT" | jq '[.[].ats_id] | unique | length')" "no duplicates"
    # 6 fixture jobs + the generated US ones.
    expect_eq $((6 + 1600 - 178)) "$n" "every US job after the re-run"
}

test_daemon__sighup_picks_up_a_new_connector() {
    mkdir -m 0755 "$T/p"
    cp "$PLUGINS/greenhouse.so" "$T/p/"
    DAEMON_PLUGINS="$T/p"
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$FIXTURES" org add t1 >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$FIXTURES" connect t1 testats --set token=x >/dev/null
    start_daemon
    sleep 1
    grep -q "connector testats, which is not loaded" "$T/daemon.log" || fail "expected a missing-connector error: $(cat "$T/daemon.log")"
    cp "$FIXTURES/testats.so" "$T/p/"
    chmod 0755 "$T/p/testats.so"
    kill -HUP $DPID
    wait_for 5 grep -q "reloaded the configuration; 2 connectors loaded" "$T/daemon.log" ||
        fail "no reload: $(cat "$T/daemon.log")"
    # The failed attempts opened the circuit breaker; once the connector is
    # there, the operator clears it instead of waiting out the backoff.
    "$ATSB" --db "$DB" resume t1 >/dev/null
    wait_for 5 sh -c "[ \$('$ATSB' --db '$DB' jobs list t1 --json | jq length) -eq 4 ]" ||
        fail "testats jobs not synced after SIGHUP: $(cat "$T/daemon.log")"
    kill -TERM $DPID
    wait $DPID
}

test_daemon__two_orgs_sync_in_parallel() {
    start_sandbox
    gh_connect acme
    gh_connect beta
    # Each org's first job page takes 1.5 s.
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":2,"delay_ms":1500}' >/dev/null
    local t0 t1
    t0=$(date +%s%N)
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    t1=$(date +%s%N)
    expect_rc 0
    A status --json
    expect_eq "ok ok" "$(echo "$OUT" | jq -r '[.[].runs[0].status] | join(" ")')" "both synced"
    local ms=$(((t1 - t0) / 1000000))
    [ "$ms" -lt 2900 ] || fail "two 1.5 s syncs took $ms ms: not in parallel"
}

test_daemon__auth_failure_pauses_until_resumed() {
    start_sandbox
    A org add acme
    A connect acme greenhouse --no-check --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=WRONG --set user_id=7
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')"
    expect_eq "paused until resumed" "$(echo "$OUT" | jq -r '.[0].next_sync')"
    sb DELETE /_control/requests >/dev/null
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_eq 0 "$(sb GET /_control/requests | jq length)" "requests to a paused connection"
    A resume acme
    expect_rc 0
    A status acme --json
    expect_eq ok "$(echo "$OUT" | jq -r '.[0].state')"
}

test_daemon__repeated_failures_open_the_circuit() {
    start_sandbox
    gh_connect acme
    sb POST /_control/faults '{"path":"/v3/offices","kind":"503","count":100}' >/dev/null
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    A status acme --json
    expect_eq 1 "$(echo "$OUT" | jq -r '.[0].consecutive_failures')" failures
    [[ $(echo "$OUT" | jq -r '.[0].circuit') == "open until "* ]] || fail "circuit: $OUT"
    # While open, the daemon leaves the ATS alone.
    sb DELETE /_control/requests >/dev/null
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_eq 0 "$(sb GET /_control/requests | jq length)" "requests while the circuit is open"
}

test_daemon__status_and_per_org_interval() {
    start_sandbox
    gh_connect acme
    A org set acme --jobs-interval 90m
    expect_rc 0
    A sync jobs acme
    A status acme --json
    expect_eq 5400 "$(echo "$OUT" | jq -r '.[0].jobs_interval_s')"
    expect_eq 0 "$(echo "$OUT" | jq -r '.[0].outbox.pending')"
    A org set acme --jobs-interval 10s
    expect_rc 2
}

run_tests
