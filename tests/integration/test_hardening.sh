#!/usr/bin/env bash
# Process hardening: no core dumps (they would hold connection secrets and
# candidates' data) unless ATSBRIDGE_CORE_DUMPS=1 asks for them.
. "$(dirname "$0")/../lib.sh"

# as_nobody CMD...: run as uid/gid 65534 (so /proc ownership tells whether
# the process is dumpable: a non-dumpable one's /proc/PID is root's).
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# started_import [ENV...]: an `atsbridge candidates import -` as nobody,
# waiting on its stdin, with core dumps allowed by the shell; sets $PID.
started_import() {
    mkdir -m 0777 "$T/w"
    chmod 0755 "$T"
    mkfifo -m 0666 "$T/w/in"
    local db; db=$(new_store w/db)
    (ulimit -c unlimited; exec env "$@" setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$ATSB" -c "$TEST_CONF" --db "$db" --plugin-dir "$PLUGINS" candidates import - < "$T/w/in") \
        > "$T/out" 2> "$T/err" &
    PID=$!
    exec 7> "$T/w/in" # a writer, so the open above returns; never written
    local i
    for i in $(seq 1 200); do # until it sits in read(0, ...): past main's start
        [ "$(readlink "/proc/$PID/exe" 2>/dev/null)" = "$ATSB" ] &&
            [[ $(cat "/proc/$PID/syscall" 2>/dev/null) == "0 0x0 "* ]] && break
        sleep 0.05
    done
    [ "$(readlink "/proc/$PID/exe")" = "$ATSB" ] || fail "atsbridge did not start: $(cat "$T/err")"
}

stop_import() {
    exec 7>&-
    wait "$PID" 2>/dev/null || true
}

core_limit() { awk '/^Max core file size/ {print $5 ":" $6}' "/proc/$PID/limits"; }

test_hardening__no_core_dumps_and_not_dumpable() {
    started_import
    expect_eq "0:0" "$(core_limit)" "core file size soft:hard"
    expect_eq 0 "$(stat -c %u "/proc/$PID/status")" "owner of /proc/PID (root: not dumpable)"
    stop_import
}

test_hardening__core_dumps_on_request() {
    started_import ATSBRIDGE_CORE_DUMPS=1
    # ASan lowers the soft limit itself (its disable_coredump option).
    [ "${SANITIZE:-}" = 1 ] || expect_eq "unlimited:unlimited" "$(core_limit)" "core file size soft:hard"
    expect_eq 65534 "$(stat -c %u "/proc/$PID/status")" "owner of /proc/PID (the user: dumpable)"
    stop_import
}

test_hardening__not_dumpable_process_still_loads_plugins() {
    # The loader dlopens /proc/self/fd/N, which a non-dumpable process of
    # another user than root may still open for itself.
    # Copies under $T: the checkout may sit below a directory only root
    # can enter (a mktemp -d clone), which nobody could not search.
    chmod 0755 "$T"
    mkdir -m 0755 "$T/bin" "$T/plugins"
    cp "$ATSB" "$T/bin/atsbridge"
    cp "$PLUGINS"/*.so "$T/plugins/"
    run as_nobody "$T/bin/atsbridge" --db "$T/none.db" --plugin-dir "$T/plugins" plugins list --json
    expect_rc 0
    expect_eq "greenhouse lever workday" "$(echo "$OUT" | jq -r '[.connectors[].name] | sort | join(" ")')"
}

run_tests
