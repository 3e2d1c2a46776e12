#!/usr/bin/env bash
# Two daemons on one store: each org's task runs in one of them at a time
# (a lease in the store), and when either is killed -9 mid-task the other
# takes its orgs over: every org is synced once, every candidate reaches
# the ATS exactly once.
. "$(dirname "$0")/../lib.sh"

ORGS="o1 o2 o3 o4 o5 o6"

daemon() { # daemon NAME: start one on the shared store; its pid in $NAME_PID
    "$ATSB" -c "$T/conf" --db "$DB" --plugin-dir "$PLUGINS" -v daemon > "$T/$1.log" 2>&1 &
    eval "${1}_PID=$!"
}

ok_runs() { # ok_runs: "org:count" of ok job runs, one line per org
    "$ATSB" --db "$DB" status --runs 20 --json |
        jq -r '.[] | "\(.org):\([.runs[] | select(.status == "ok")] | length)"'
}
all_synced() { [ "$(ok_runs | grep -c ':[1-9]')" -eq 6 ]; }
done_pushes() { "$ATSB" --db "$DB" outbox list --json | jq '[.[] | select(.state == "done")] | length'; }
all_pushed() { [ "$(done_pushes)" -eq "$1" ]; }

setup_store() {
    start_sandbox
    { cat "$TEST_CONF"; printf 'sync: {\n  lease = "5s";\n  workers = 2;\n};\n'; } > "$T/conf"
    local o
    for o in $ORGS; do gh_connect "$o"; done
    trap 'kill -9 ${a_PID:-} ${b_PID:-} 2>/dev/null || true; kill $SB_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
}

test_leases__kill_9_of_either_daemon_loses_and_repeats_nothing() {
    setup_store
    # Every org's first job page takes 1.5 s, so both daemons are mid-sync
    # when one is killed.
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":6,"delay_ms":1500}' >/dev/null
    daemon a
    daemon b
    wait_for 10 sh -c "grep -q 'job sync through' '$T/a.log' && grep -q 'job sync through' '$T/b.log'" ||
        fail "both daemons should be syncing: $(cat "$T/a.log" "$T/b.log")"
    kill -9 "$a_PID"
    wait "$a_PID" 2>/dev/null || true
    wait_for 30 all_synced || fail "not every org synced after a was killed: $(ok_runs | tr '\n' ' '); b: $(cat "$T/b.log")"
    grep -q "took over org" "$T/b.log" || fail "b should take a's orgs over: $(cat "$T/b.log")"
    # Once each within the interval, whoever ran it (the killed run ends
    # as interrupted, never a second ok run).
    expect_eq "" "$(ok_runs | grep -v ':1$' || true)" "orgs not synced exactly once"

    # The outbox: 3 candidates per org, each create slowed down, b killed
    # while it pushes and a (restarted) takes over.
    local o i
    for o in $ORGS; do
        A jobs activate "$o" 1001
        expect_rc 0
        for i in 1 2 3; do
            echo "{\"id\":\"$o-$i\",\"org\":\"$o\",\"job\":\"1001\",\"first_name\":\"F$i\",\"last_name\":\"$o\",\"email\":\"$o-$i@example.com\",\"status\":\"engaged\",\"resume\":{\"text\":\"welder\"}}"
        done
    done > "$T/cands.jsonl"
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"slow","count":18,"delay_ms":700}' >/dev/null
    A candidates import "$T/cands.jsonl"
    expect_rc 0
    daemon a
    wait_for 10 sh -c "[ \$(curl -s '$SB/_control/recorded' | jq '.candidates | length') -ge 2 ]" ||
        fail "no pushes started"
    kill -9 "$b_PID"
    wait "$b_PID" 2>/dev/null || true
    wait_for 40 all_pushed 18 || fail "$(done_pushes) of 18 pushed; a: $(tail -20 "$T/a.log")"
    local rec
    rec=$(sb GET /_control/recorded)
    expect_eq 18 "$(echo "$rec" | jq '.candidates | length')" "candidates created in the ATS"
    expect_eq 18 "$(echo "$rec" | jq '[.candidates[] | .email_addresses[0].value] | unique | length')" \
        "distinct candidates in the ATS"
    expect_eq 18 "$(echo "$rec" | jq '.applications | length')" "applications in the ATS"
    expect_eq "" "$(ok_runs | grep -v ':1$' || true)" "orgs synced again within the interval"
    kill -TERM "$a_PID"
    wait "$a_PID" || fail "a's exit status $?"
    expect_eq 0 "$("$ATSB" --db "$DB" status --json | jq '[.[] | select(.lease != null)] | length')" \
        "leases left after a clean stop"
}

run_tests
