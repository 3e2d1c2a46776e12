#!/usr/bin/env bash
# The test runner behind `make test`: every unit test binary (cmocka, TAP
# output) and every integration script (TAP-style lines from tests/lib.sh),
# then one summary line "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD
# Third-party leaks we cannot fix (see the file); ours still fail the run.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
# STORE=pg: the integration tests' stores are databases on one PostgreSQL
# server for the whole run (tests/lib.sh gives each test its own database);
# without PostgreSQL the run fails rather than skipping them.
export STORE=${STORE:-sqlite}
case $STORE in sqlite | pg) ;; *) echo "STORE must be sqlite or pg, not '$STORE'" >&2; exit 1 ;; esac
if [ "$STORE" = pg ] && [ -z "${PG_BASE_URL:-}" ]; then
    . tests/pg_lib.sh || exit 1
    pg_available || { echo "STORE=pg: PostgreSQL is not available (its server binaries are needed)" >&2; exit 1; }
    pg_dir=$(mktemp -d)
    trap 'pg_stop; rm -rf "$log_dir" "$pg_dir"' EXIT
    pg_start "$pg_dir/pg" || { echo "STORE=pg: could not start PostgreSQL in $pg_dir/pg" >&2; exit 1; }
    export PG_BASE_URL
    echo "== store: PostgreSQL at $PG_BASE_URL"
fi
only=${1:-}
pass=0
fail=0
failed_names=()

tally() { # $1 = TAP log, $2 = suite name
    local p f
    p=$(grep -cE '^ok ' "$1")
    f=$(grep -cE '^not ok ' "$1")
    pass=$((pass + p))
    fail=$((fail + f))
    while IFS= read -r line; do failed_names+=("$2: ${line#not ok }"); done < <(grep -E '^not ok ' "$1")
}

for bin in "$BUILD"/tests/unit/test_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    [ -n "$only" ] && [[ $name != *"$only"* ]] && continue
    echo "== unit/$name"
    CMOCKA_MESSAGE_OUTPUT=TAP "$bin" > "$log_dir/$name.log" 2>&1
    rc=$?
    sed 's/^/   /' "$log_dir/$name.log" | grep -vE '^   (ok|1\.\.)' || true
    if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$log_dir/$name.log"; then
        echo "not ok - $name exited $rc" >> "$log_dir/$name.log"
    fi
    tally "$log_dir/$name.log" "unit/$name"
done

for script in tests/integration/test_*.sh; do
    name=$(basename "$script" .sh)
    [ -n "$only" ] && [[ $name != *"$only"* ]] && continue
    echo "== integration/$name"
    bash "$script" > "$log_dir/$name.log" 2>&1
    rc=$?
    # Passes are counted, not shown; a skip is shown with its reason.
    grep -vE '^ok [^#]*$' "$log_dir/$name.log" | sed 's/^/   /'
    if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$log_dir/$name.log"; then
        echo "not ok - $name exited $rc" >> "$log_dir/$name.log"
    fi
    tally "$log_dir/$name.log" "integration/$name"
done

echo
if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failed:"
    printf '  %s\n' "${failed_names[@]}"
fi
skipped=$(cat "$log_dir"/*.log 2>/dev/null | grep -cE '^ok .*# SKIP' || true)
note=""
[ "${skipped:-0}" -gt 0 ] && note=" (of which $skipped skipped)"
echo "$pass passed$note, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
