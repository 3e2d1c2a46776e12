#!/usr/bin/env bash
# Every task in a child process: a running daemon with connectors that
# crash, call exit(0), print to stdout, hang or eat memory (the rogue
# fixture, tests/fixtures/isolation/rogue.c) next to a healthy greenhouse
# org.  The healthy org's candidate arrives in the sandbox; each bad org
# ends circuit-broken (its job sync) or dead-lettered (its pushes) with the
# precise reason; the daemon never exits.
. "$(dirname "$0")/../lib.sh"
ROGUE="$BUILD/tests/isolation/rogue.so"
MKPDF="$BUILD/tests/tools/mkpdf"

# The test config, tight isolation limits, and a plugin directory with the
# shipped greenhouse and the rogue connector.
# 512 MiB by default, the renderer's own default: under 256 MiB of address
# space pango could not always start its font-sorting thread (EAGAIN), and
# the render died of SIGTRAP in one CI run.
setup() { # setup [MEMORY_MB]: isolation.max_memory_mb, 512 by default
    mkdir -m 0755 "$T/p"
    cp "$PLUGINS/greenhouse.so" "$ROGUE" "$T/p/"
    chmod 0755 "$T/p"/*.so
    { cat "$TEST_CONF"
      printf 'isolation: {\n  timeout_s = 3;\n  max_memory_mb = %d;\n};\n' "${1:-512}"
      printf 'profile: {\n  max_page_tree_depth = 1000000;\n  max_memory_mb = %d;\n};\n' \
          "$(( ${1:-512} < 512 ? ${1:-512} : 512 ))"
    } > "$T/c.conf"
}
C() { run "$ATSB" -c "$T/c.conf" --db "$DB" --plugin-dir "$T/p" "$@"; }

rogue_org() { # rogue_org ORG FAULT
    C org add "$1"
    C connect "$1" rogue --no-check --set fault="$2"
    expect_rc 0
}

cand() { # cand ORG ID JOB [RESUME-PATH]
    local resume='{"text":"A resume"}'
    [ -n "${4:-}" ] && resume="{\"path\":\"$4\"}"
    echo "{\"id\":\"$2\",\"org\":\"$1\",\"job\":\"$3\",\"first_name\":\"Cand\",\"last_name\":\"$2\",\"email\":\"$2@example.com\",\"status\":\"engaged\",\"resume\":$resume}"
}

# A rogue org whose jobs are in and whose candidate waits in the outbox.
rogue_push_org() { # rogue_push_org ORG FAULT
    rogue_org "$1" none
    C sync jobs "$1"
    expect_rc 0
    C jobs activate "$1" R1
    expect_rc 0
    cand "$1" "c-$1" R1 > "$T/$1.json"
    C candidates import "$T/$1.json"
    expect_rc 0
    sqlite3 "$DB" "UPDATE connection_settings SET value = '$2' WHERE name = 'fault' AND connection_id = (SELECT c.id FROM connections c JOIN orgs o ON o.id = c.org_id WHERE o.slug = '$1');" ||
        fail "could not set the fault"
}

healthy_org() { # acme on the sandbox's greenhouse, jobs in, job 1001 active
    gh_connect acme
    C sync jobs acme
    expect_rc 0
    C jobs activate acme 1001
    expect_rc 0
}

start_daemon() {
    "$ATSB" -c "$T/c.conf" --db "$DB" --plugin-dir "$T/p" daemon > "$T/daemon.log" 2>&1 &
    DPID=$!
    trap 'kill $DPID 2>/dev/null || true; kill ${SB_PID:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
}

run_error() { # run_error ORG: the error of the org's last job sync run
    "$ATSB" --db "$DB" status "$1" --json | jq -r '.[0].runs[0].error'
}
push_end() { # push_end ORG: "state: last_error" of the org's one push
    "$ATSB" --db "$DB" outbox list "$1" --json | jq -r '.[0] | "\(.state): \(.last_error)"'
}
circuit_open() { [[ $("$ATSB" --db "$DB" status "$1" --json | jq -r '.[0].circuit') == "open until "* ]]; }
push_state_is() { [[ $(push_end "$1") == "$2"* ]]; }
outbox_done() { [ "$("$ATSB" --db "$DB" outbox list --json | jq '[.[] | select(.state == "done")] | length')" -ge "$1" ]; }

test_isolation__a_running_daemon_survives_every_rogue_connector() {
    sqlite_only "sets the rogue connector's fault with sqlite3" || return 0
    setup
    start_sandbox
    # The healthy org, with a candidate due.
    healthy_org
    cand acme good1 1001 > "$T/acme.json"
    C candidates import "$T/acme.json"
    expect_rc 0
    local f
    for f in crash exit hang hog; do rogue_org "l-$f" "${f}_list"; done
    for f in crash exit hang hog stdout; do rogue_push_org "p-$f" "${f}_push"; done
    # The daemon serves the API too: /metrics counts the deaths.
    printf 'api: {\n  listen = "127.0.0.1:0";\n  metrics_open = true;\n};\n' >> "$T/c.conf"

    start_daemon
    wait_for 20 sh -c "[ \$(curl -s $SB/_control/recorded | jq '.candidates | length') -ge 1 ]" ||
        fail "the healthy org's candidate never arrived: $(cat "$T/daemon.log")"
    expect_eq good1@example.com "$(sb GET /_control/recorded | jq -r '.candidates[0].email_addresses[0].value')" "delivered"

    # Job syncs that die fail their run with the reason and open the circuit.
    for f in crash exit hang hog; do
        wait_for 20 circuit_open "l-$f" || fail "l-$f: circuit not open: $(cat "$T/daemon.log")"
    done
    expect_eq "connector rogue crashed with SIGSEGV during list_jobs" "$(run_error l-crash)" "l-crash"
    expect_eq "connector rogue called exit(0) during list_jobs" "$(run_error l-exit)" "l-exit"
    expect_eq "connector rogue took longer than 3 s (isolation.timeout_s) during list_jobs" "$(run_error l-hang)" "l-hang"
    expect_eq "connector rogue exceeded 512 MiB of memory (isolation.max_memory_mb) during list_jobs" "$(run_error l-hog)" "l-hog"

    # Pushes that die are retried, then dead-lettered with the reason.
    for f in crash exit hang hog; do
        wait_for 40 push_state_is "p-$f" dead || fail "p-$f: $(push_end "p-$f"); $(cat "$T/daemon.log")"
    done
    expect_eq "dead: gave up after 3 attempts: connector rogue crashed with SIGSEGV during push_candidate" "$(push_end p-crash)" "p-crash"
    expect_eq "dead: gave up after 3 attempts: connector rogue called exit(0) during push_candidate" "$(push_end p-exit)" "p-exit"
    expect_eq "dead: gave up after 3 attempts: connector rogue took longer than 3 s (isolation.timeout_s) during push_candidate" "$(push_end p-hang)" "p-hang"
    expect_eq "dead: gave up after 3 attempts: connector rogue exceeded 512 MiB of memory (isolation.max_memory_mb) during push_candidate" "$(push_end p-hog)" "p-hog"
    # A push failure is the push's, not the connection's.
    circuit_open p-crash && fail "a crashing push opened p-crash's circuit"

    # Printing to stdout harms nothing: the push is done, the text is logged.
    wait_for 10 push_state_is p-stdout done || fail "p-stdout: $(push_end p-stdout)"
    grep -q "WARN task: \[p-stdout/rogue\] wrote to stdout: rogue: debugging output on stdout in push" "$T/daemon.log" ||
        fail "stdout not logged with its org: $(cat "$T/daemon.log")"
    # The task children's own log lines are tagged too.
    grep -q "INFO push: acme: pushed candidate good1 .* \[acme/greenhouse\]" "$T/daemon.log" ||
        fail "child log lines not tagged: $(cat "$T/daemon.log")"

    kill -0 $DPID || fail "the daemon died: $(cat "$T/daemon.log")"
    local api deaths
    api=$(sed -n 's/.*INFO api: listening on \(http[^ ]*\).*/\1/p' "$T/daemon.log" | head -n 1)
    [ -n "$api" ] || fail "the daemon's API did not start: $(cat "$T/daemon.log")"
    deaths=$(curl -sS "$api/metrics" | grep '^atsbridge_task_deaths_total')
    [[ $deaths == *'connector="rogue",how="signal"} '[1-9]* ]] || fail "crashes not counted: $deaths"
    [[ $deaths == *'connector="rogue",how="timeout"} '[1-9]* ]] || fail "timeouts not counted: $deaths"
    [[ $deaths == *'connector="rogue",how="exit"} '[1-9]* ]] || fail "exits not counted: $deaths"
    [[ $deaths != *'greenhouse'* ]] || fail "the healthy connector counted: $deaths"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
    grep -q "INFO daemon: stopped" "$T/daemon.log" || fail "no clean stop: $(cat "$T/daemon.log")"
}

test_isolation__a_resume_that_crashes_the_renderer_is_dead_lettered() {
    # The default task memory: the render (a child of the task's process)
    # gets its own 512 MiB.
    setup 2048
    start_sandbox
    healthy_org
    # qpdf's recursive page walk overflows its stack on this tree.
    "$MKPDF" --deep-tree "$T/deep.pdf" 20000 || fail mkpdf
    { cand acme d1 1001 "$T/deep.pdf"; cand acme g1 1001; } > "$T/in.jsonl"
    C candidates import "$T/in.jsonl" --resume-dir "$T"
    expect_rc 0
    start_daemon
    wait_for 20 sh -c "[ \$('$ATSB' --db '$DB' outbox list acme --json | jq '[.[] | select(.state != \"pending\")] | length') -eq 2 ]" ||
        fail "not settled: $("$ATSB" --db "$DB" outbox list acme --json); $(cat "$T/daemon.log")"
    expect_eq "dead: profile render crashed with SIGSEGV" \
        "$("$ATSB" --db "$DB" outbox list acme --json | jq -r '.[] | select(.candidate == "d1") | "\(.state): \(.last_error)"')" "d1"
    expect_eq "g1@example.com" "$(sb GET /_control/recorded | jq -r '[.candidates[].email_addresses[0].value] | join(" ")')" "delivered"
    kill -0 $DPID || fail "the daemon died"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
}

test_isolation__cli_sync_reports_how_the_connector_died() {
    setup
    rogue_org r1 crash_list
    C sync jobs r1
    expect_rc 7
    expect_err "r1: job sync failed: connector rogue crashed with SIGSEGV during list_jobs"
    C status r1 --json
    expect_eq failed "$(echo "$OUT" | jq -r '.[0].runs[0].status')" "the run"
    # In-process for debugging: the same sync, with no child in between,
    # takes the whole command down.
    C --no-isolation sync jobs r1
    # (AddressSanitizer reports the SEGV and exits 1 itself.)
    if [ "${SANITIZE:-}" = 1 ]; then [ "$RC" -ne 0 ]; else [ "$RC" -ge 128 ]; fi ||
        fail "expected a crash in-process, got exit $RC"
}

test_isolation__a_task_gets_its_cpu_budget_each_time() {
    setup
    sed -i 's/timeout_s = 3;/timeout_s = 30;\n  max_cpu_s = 1;/' "$T/c.conf"
    rogue_org r1 none
    # The worker's CPU so far does not count against the next task.
    C sync jobs --all
    expect_rc 0
    rogue_org r2 spin_list
    C sync jobs --all
    expect_rc 7
    expect_err "r2: job sync failed: connector rogue used more than 1 s of CPU time (isolation.max_cpu_s) during list_jobs"
    expect_out "r1: ok"
}

test_isolation__stdout_of_a_connector_does_not_corrupt_the_cli() {
    setup
    rogue_org r1 stdout_list
    C sync jobs r1 --json
    expect_rc 0
    expect_eq ok "$(echo "$OUT" | jq -r '.[0].status')" "the JSON on stdout is intact"
    expect_err "[r1/rogue] wrote to stdout: rogue: debugging output on stdout in list"
}

test_isolation__a_worker_killed_from_outside_is_replaced() {
    setup
    start_sandbox
    healthy_org
    cand acme first1 1001 > "$T/first.json"
    C candidates import "$T/first.json"
    start_daemon
    wait_for 20 outbox_done 1 || fail "first not delivered: $(cat "$T/daemon.log")"
    local kids
    kids=$(pgrep -P $DPID) || fail "no worker process"
    kill -KILL $kids
    cand acme late1 1001 > "$T/late.json"
    C candidates import "$T/late.json"
    expect_rc 0
    wait_for 20 outbox_done 2 || fail "not delivered after the kill: $(cat "$T/daemon.log")"
    kill -0 $DPID || fail "the daemon died"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
}

run_tests
