#!/usr/bin/env bash
# The daemon as systemd runs it: the notification protocol (READY,
# RELOADING, STOPPING, STATUS, watchdog pings) against a stand-in socket,
# and the shipped unit's settings and sandboxing score.
. "$(dirname "$0")/../lib.sh"
SINK="$BUILD/tests/tools/notify_sink"
UNIT="$ROOT/conf/atsbridge.service"

start_sink() {
    "$SINK" "$T/notify.sock" "$T/notify.log" &
    SINK_PID=$!
    trap 'kill ${DPID:-} $SINK_PID ${SB_PID:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    for _ in $(seq 50); do [ -S "$T/notify.sock" ] && return 0; sleep 0.1; done
    fail "notify_sink did not start"
}

sent() { grep -qx "$1" "$T/notify.log" 2>/dev/null; }
count() { grep -cx "$1" "$T/notify.log" 2>/dev/null || true; }

test_systemd__ready_reloading_stopping_and_watchdog() {
    start_sandbox
    gh_connect acme
    start_sink
    # What systemd sets for Type=notify with WatchdogSec=1.
    NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 \
        "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon > "$T/daemon.log" 2>&1 &
    DPID=$!
    wait_for 10 sent "READY=1" || fail "no READY=1: $(cat "$T/notify.log" "$T/daemon.log")"
    grep -q '^STATUS=serving: 4 workers, [0-9]* connectors loaded$' "$T/notify.log" || fail "status: $(cat "$T/notify.log")"
    # Pinged at half the interval while the scheduler runs.
    sleep 2.2
    [ "$(count "WATCHDOG=1")" -ge 3 ] || fail "watchdog pings: $(count "WATCHDOG=1")"
    grep -q "systemd watchdog every 1000 ms" "$T/daemon.log" || fail "watchdog not logged: $(cat "$T/daemon.log")"
    kill -HUP $DPID
    wait_for 5 sent "RELOADING=1" || fail "no RELOADING=1: $(cat "$T/notify.log")"
    grep -q '^MONOTONIC_USEC=[0-9]*$' "$T/notify.log" || fail "RELOADING without MONOTONIC_USEC"
    wait_for 5 sh -c "[ \$(grep -cx 'READY=1' '$T/notify.log') -ge 2 ]" || fail "no READY=1 after the reload"
    kill -TERM $DPID
    wait $DPID || fail "daemon exit status $?"
    sent "STOPPING=1" || fail "no STOPPING=1: $(cat "$T/notify.log")"
}

test_systemd__another_process_watchdog_is_not_pinged() {
    start_sandbox
    gh_connect acme
    start_sink
    # WATCHDOG_PID names another process: the watchdog is not ours.
    NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 WATCHDOG_PID=1 \
        run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_rc 0
    sent "READY=1" || fail "no READY=1"
    [ "$(count "WATCHDOG=1")" -eq 0 ] || fail "pinged another process's watchdog"
    # And with no NOTIFY_SOCKET the daemon runs as before.
    run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" daemon --once
    expect_rc 0
}

test_systemd__unit_is_notify_with_watchdog_and_restart_always() {
    grep -qx 'Type=notify' "$UNIT" || fail "Type"
    grep -qx 'WatchdogSec=60' "$UNIT" || fail "WatchdogSec"
    grep -qx 'Restart=always' "$UNIT" || fail "Restart"
    grep -qx 'NotifyAccess=main' "$UNIT" || fail "NotifyAccess: only the daemon, not its task processes"
}

test_systemd__unit_sandboxing_rated_ok_or_better() {
    command -v systemd-analyze >/dev/null || { echo "# skipped: no systemd-analyze"; return 0; }
    cp "$UNIT" "$T/atsbridge.service"
    run systemd-analyze security --offline=true "$T/atsbridge.service"
    if [ "$RC" -ne 0 ] && ! grep -q "Overall exposure" <<< "$OUT$ERR"; then
        echo "# skipped: this systemd-analyze cannot rate a unit offline"
        return 0
    fi
    local line score
    line=$(grep "Overall exposure level" <<< "$OUT$ERR")
    score=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<< "$line")
    echo "# $line"
    awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 < 5.0) }' || fail "exposure not OK: $line"
}

run_tests
