#!/usr/bin/env bash
# Fairness: an org with a long job listing or a deep outbox gives its worker
# back after a bounded turn and queues behind the others; its listing then
# goes on from the page after the last one committed, never from the start.
. "$(dirname "$0")/../lib.sh"

conf() { # conf: the test config with one worker and short turns
    { cat "$TEST_CONF"; printf 'sync: {\n  workers = 1;\n  pages_per_turn = 2;\n  push_batch = 2;\n};\n'; } > "$T/conf"
}
daemon_once() { run "$ATSB" -c "$T/conf" --db "$DB" --plugin-dir "$PLUGINS" -v daemon --once; }
jobs_reads() { sb GET /_control/requests | jq '[.[] | select(.path == "/v3/jobs")] | length'; }
reads_at_least() { [ "$(jobs_reads)" -ge "$1" ]; }
line_of() { grep -n "$1" "$T/d.log" | head -1 | cut -d: -f1; }
us_jobs() { "$ATSB" --db "$DB" jobs list "$1" --json | jq '[.[] | select(.state != "archived")] | length'; }
reference() { # reference: an org synced by hand in one go, to compare with
    gh_connect ref
    A sync jobs ref
    expect_rc 0
    REF=$(us_jobs ref)
}

test_fairness__long_listings_take_turns_and_resume_where_they_stopped() {
    start_sandbox
    conf
    # 2000 generated jobs + the fixture's: five pages of 500 per org.
    sb POST /_control/greenhouse/generate '{"count":2000,"non_us_every":9}' >/dev/null
    reference
    gh_connect acme
    gh_connect beta
    sb DELETE /_control/requests >/dev/null
    daemon_once
    expect_rc 0
    echo "$ERR" > "$T/d.log"
    # Each page read once: the turns resumed from their cursors.
    expect_eq 10 "$(jobs_reads)" "job pages read for two orgs of five pages"
    grep -q "acme: job sync paused after 2 pages" "$T/d.log" || fail "acme never yielded: $ERR"
    # One worker: beta's first pages come before acme's third.
    local b1 a3
    b1=$(line_of "beta: page 1 committed")
    a3=$(line_of "acme: page 3 committed")
    [ -n "$b1" ] && [ -n "$a3" ] && [ "$b1" -lt "$a3" ] || fail "beta waited for acme's whole listing: $(grep committed "$T/d.log")"
    local o
    for o in acme beta; do
        A status "$o" --json
        expect_eq "ok 1" "$(echo "$OUT" | jq -r '.[0].runs | "\(.[0].status) \(length)"')" "$o's runs"
        expect_eq "true" "$(echo "$OUT" | jq -r '.[0].runs[0].full')" "$o's run is the full pass"
        expect_eq "$REF" "$(us_jobs "$o")" "$o's jobs, against one synced by hand"
    done
}

test_fairness__a_killed_pass_resumes_after_its_last_committed_page() {
    start_sandbox
    conf
    sb POST /_control/greenhouse/generate '{"count":2000,"non_us_every":9}' >/dev/null
    reference
    A disconnect ref
    gh_connect acme
    sb DELETE /_control/requests >/dev/null
    # The third page hangs; the daemon is killed -9 while it waits.
    sb POST /_control/faults '{"path":"/v3/jobs","kind":"slow","count":1,"after":2,"delay_ms":20000}' >/dev/null
    "$ATSB" -c "$T/conf" --db "$DB" --plugin-dir "$PLUGINS" -v daemon > "$T/d.log" 2>&1 &
    DPID=$!
    trap 'kill -9 $DPID 2>/dev/null || true; kill $SB_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    wait_for 10 reads_at_least 3 || fail "page 3 never asked for: $(cat "$T/d.log")"
    kill -9 $DPID
    wait $DPID 2>/dev/null || true
    sb DELETE /_control/faults >/dev/null
    daemon_once
    expect_rc 0
    # Pages 1-2 once, page 3 twice (in flight when killed), pages 4-5 once.
    expect_eq 6 "$(jobs_reads)" "job pages read"
    [[ $ERR == *"resuming the full job sync of run"* ]] || fail "the pass did not resume: $ERR"
    A status acme --json
    expect_eq "ok" "$(echo "$OUT" | jq -r '.[0].runs[0].status')" "the resumed run"
    expect_eq "$REF" "$(us_jobs acme)" "jobs, against an org synced by hand"
}

test_fairness__a_deep_outbox_yields_to_another_orgs_candidate() {
    start_sandbox
    conf
    gh_connect acme
    gh_connect beta
    local o i
    for o in acme beta; do
        A sync jobs "$o"
        A jobs activate "$o" 1001
        expect_rc 0
    done
    for i in 1 2 3 4 5 6 7 8; do
        echo "{\"id\":\"a$i\",\"org\":\"acme\",\"job\":\"1001\",\"first_name\":\"A$i\",\"last_name\":\"Acme\",\"email\":\"a$i@example.com\",\"status\":\"engaged\",\"resume\":{\"text\":\"welder\"}}"
    done > "$T/a.jsonl"
    A candidates import "$T/a.jsonl"
    echo '{"id":"b1","org":"beta","job":"1001","first_name":"B","last_name":"Beta","email":"b1@example.com","status":"engaged","resume":{"text":"welder"}}' > "$T/b.json"
    A candidates import "$T/b.json"
    daemon_once
    expect_rc 0
    local rec
    rec=$(sb GET /_control/recorded)
    expect_eq 9 "$(echo "$rec" | jq '.candidates | length')" "candidates pushed"
    # Turns of 2: beta's one candidate goes out right after acme's first
    # turn, not after all 8 of acme's.
    local pos
    pos=$(echo "$rec" | jq '[.candidates[].email_addresses[0].value] | index("b1@example.com")')
    [ "$pos" -le 2 ] || fail "beta's candidate was number $((pos + 1)) of 9: $(echo "$rec" | jq -c '[.candidates[].email_addresses[0].value]')"
}

run_tests
