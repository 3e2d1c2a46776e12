#!/usr/bin/env bash
# Several daemons, one PostgreSQL database (README "Running several
# daemons"): each org's job sync runs exactly once per interval across
# them; a database outage is ridden out by every daemon, which reconnects
# without a restart, and the work queued after it reaches the ATS exactly
# once.  kill -9 of a daemon mid-sync and mid-push is test_leases, which
# `make test-pg` runs on PostgreSQL.  Each test runs its own throwaway
# server (tests/pg_lib.sh).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg_lib.sh"

ORGS="o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12"
PIDS=""

setup() { # setup: a server, the sandbox, 12 connected orgs, $URL and $T/conf
    pg_available || fail "PostgreSQL is not installed (make deps installs it)"
    # A server of the test's own (it stops and restarts it), not make test-pg's.
    unset PG_DIR PG_PORT PG_BASE_URL
    pg_start "$T/pg" || fail "could not start PostgreSQL"
    trap 'kill -9 $PIDS 2>/dev/null || true; kill ${SB_PID:-} 2>/dev/null || true; wait 2>/dev/null || true; pg_stop' EXIT
    URL=$(pg_new_db fleet)
    start_sandbox
    # A short lease, so takeovers fit a test
    # (the test config's push retries are 1-2 s already).
    { cat "$TEST_CONF"; printf 'sync: {\n  lease = "5s";\n  workers = 2;\n};\n'; } > "$T/conf"
    local o
    for o in $ORGS; do
        "$ATSB" --db "$URL" org add "$o" >/dev/null || fail "org add $o"
        "$ATSB" -c "$T/conf" --db "$URL" --plugin-dir "$PLUGINS" connect "$o" greenhouse --no-check \
            --set base_url="$SB" --set token_url="$SB/token" --set client_id=gh-client \
            --set client_secret=gh-secret-value --set user_id=7 >/dev/null || fail "connect $o"
    done
}

daemon() { # daemon NAME: one more daemon on the shared database
    "$ATSB" -c "$T/conf" --db "$URL" --plugin-dir "$PLUGINS" -v daemon > "$T/$1.log" 2>&1 &
    PIDS="$PIDS $!"
    eval "${1}_PID=$!"
}

ok_runs() { # "org:count" of ok job runs per org
    "$ATSB" --db "$URL" status --runs 20 --json |
        jq -r '.[] | "\(.org):\([.runs[] | select(.status == "ok")] | length)"'
}
all_synced() { [ "$(ok_runs | grep -c ':[1-9]')" -eq 12 ]; }
done_pushes() { "$ATSB" --db "$URL" outbox list --json | jq '[.[] | select(.state == "done")] | length'; }
all_pushed() { [ "$(done_pushes)" -eq "$1" ]; }

test_pg_daemons__three_daemons_sync_each_org_exactly_once() {
    setup
    # Slow first pages, so the daemons contend for the same due rows.
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":12,"delay_ms":300}' >/dev/null
    daemon a
    daemon b
    daemon c
    wait_for 40 all_synced || fail "not every org synced: $(ok_runs | tr '\n' ' ')"
    sleep 2 # a second run, if any daemon were to start one, would show now
    expect_eq "" "$(ok_runs | grep -v ':1$' || true)" "orgs not synced exactly once"
    # The work was shared: at least two daemons ran syncs.
    local busy=0 d
    for d in a b c; do grep -q "job sync through" "$T/$d.log" && busy=$((busy + 1)); done
    [ "$busy" -ge 2 ] || fail "only $busy daemon(s) ran syncs: $(cat "$T/a.log" "$T/b.log" "$T/c.log")"
    kill -TERM $a_PID $b_PID $c_PID
    wait $a_PID || fail "a exited $?"
    wait $b_PID || fail "b exited $?"
    wait $c_PID || fail "c exited $?"
    expect_eq 0 "$("$ATSB" --db "$URL" status --json | jq '[.[] | select(.lease != null)] | length')" \
        "leases left after the daemons stopped"
}

test_pg_daemons__a_database_outage_is_ridden_out_without_a_restart() {
    setup
    daemon a
    daemon b
    wait_for 40 all_synced || fail "not every org synced: $(ok_runs | tr '\n' ' ')"
    local o i
    for o in $ORGS; do "$ATSB" -c "$T/conf" --db "$URL" jobs activate "$o" 1001 >/dev/null; done
    pg_down || fail "could not stop the server"
    sleep 4 # both daemons' sessions are gone; they keep trying
    kill -0 $a_PID || fail "a died with the database: $(tail -20 "$T/a.log")"
    kill -0 $b_PID || fail "b died with the database: $(tail -20 "$T/b.log")"
    pg_up || fail "could not start the server again"
    # Work queued after the outage: 30 candidates, each pushed exactly once.
    for i in $(seq 1 30); do
        o=o$(((i - 1) % 12 + 1))
        echo "{\"id\":\"c$i\",\"org\":\"$o\",\"job\":\"1001\",\"first_name\":\"F$i\",\"last_name\":\"L$i\",\"email\":\"c$i@example.com\",\"status\":\"engaged\",\"resume\":{\"text\":\"welder\"}}"
    done > "$T/cands.jsonl"
    run "$ATSB" -c "$T/conf" --db "$URL" --plugin-dir "$PLUGINS" candidates import "$T/cands.jsonl"
    expect_rc 0
    # A session that failed during the outage waits out its reconnect
    # backoff (up to 30 s) before its next try, and a push that failed on it
    # its retry: two rounds of that, and ASan's slowness, fit in 120 s.
    wait_for 120 all_pushed 30 ||
        fail "$(done_pushes) of 30 pushed: $("$ATSB" --db "$URL" outbox list | grep -v done); a: $(tail -30 "$T/a.log"); b: $(tail -30 "$T/b.log")"
    local rec
    rec=$(sb GET /_control/recorded)
    expect_eq 30 "$(echo "$rec" | jq '[.candidates[] | .email_addresses[0].value] | unique | length')" \
        "distinct candidates in the ATS"
    expect_eq 30 "$(echo "$rec" | jq '.candidates | length')" "candidates created in the ATS"
    expect_eq 30 "$(echo "$rec" | jq '.applications | length')" "applications in the ATS"
    grep -q "connected to the database again" "$T/a.log" "$T/b.log" ||
        fail "no daemon says it reconnected: $(tail -20 "$T/a.log")"
    kill -TERM $a_PID $b_PID
    wait $a_PID || fail "a exited $?"
    wait $b_PID || fail "b exited $?"
}

run_tests
