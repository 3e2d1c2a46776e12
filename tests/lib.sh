# Helpers for integration tests: each test is a function named test_*, run
# in its own subshell with a fresh temp dir $T; a failed expectation prints
# what was expected and what came back.  Output is TAP-style: "ok - name".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
ATSB="$BUILD/atsbridge"
FIXTURES="$BUILD/tests/fixtures"
PLUGINS="$BUILD/plugins"
# Under SANITIZE=1: fontconfig's process-lifetime caches are not our leaks.
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"

# run CMD...: capture stdout in $OUT, stderr in $ERR, exit status in $RC.
run() {
    local o e
    o=$(mktemp) e=$(mktemp)
    if "$@" >"$o" 2>"$e"; then RC=0; else RC=$?; fi
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    rm -f "$o" "$e"
    return 0
}

fail() {
    echo "#   $*" >&2
    exit 1
}

expect_rc() {
    [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC; stdout: ${OUT:0:2000}; stderr: ${ERR:0:2000}"
}
expect_out() {
    [[ $OUT == *"$1"* ]] || fail "expected stdout to contain '$1', got: ${OUT:0:3000}"
}
expect_err() {
    [[ $ERR == *"$1"* ]] || fail "expected stderr to contain '$1', got: ${ERR:0:3000}"
}
expect_no() { # expect_no STRING: in neither stdout nor stderr
    [[ $OUT$ERR != *"$1"* ]] || fail "'$1' must not appear, got stdout: ${OUT:0:2000} stderr: ${ERR:0:2000}"
}
expect_eq() { # expect_eq EXPECTED ACTUAL [what]
    [ "$1" == "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

# ---- the store: a SQLite file (STORE=sqlite, the default) or a database
# on a PostgreSQL server (STORE=pg) ----
# Each test's store is $DB: "$T/db" under SQLite, a fresh database of its
# own under PostgreSQL.  tests/run.sh starts one server for the whole run
# and exports PG_BASE_URL; a script run alone starts its own.
STORE=${STORE:-sqlite}
case $STORE in
sqlite) ;;
pg)
    [ -f "$ROOT/tests/pg_lib.sh" ] || { echo "STORE=pg: tests/pg_lib.sh is missing" >&2; exit 1; }
    . "$ROOT/tests/pg_lib.sh"
    if [ -z "${PG_BASE_URL:-}" ]; then
        pg_available || { echo "STORE=pg: PostgreSQL is not available (its server binaries are needed)" >&2; exit 1; }
        PG_OWN_DIR=$(mktemp -d)
        trap 'pg_stop; rm -rf "$PG_OWN_DIR"' EXIT
        pg_start "$PG_OWN_DIR/pg" || { echo "STORE=pg: could not start PostgreSQL in $PG_OWN_DIR/pg" >&2; exit 1; }
        export PG_BASE_URL
    fi
    ;;
*)
    echo "STORE must be sqlite or pg, not '$STORE'" >&2
    exit 1
    ;;
esac
export STORE

# new_store NAME: print a store of the running test's own, named NAME:
# "$T/NAME" under SQLite (nothing is created), a new database under
# PostgreSQL (named after $T and NAME, so unique in the run; noted in
# $T/.stores so what the test leaves running on it is stopped).
new_store() {
    if [ "$STORE" = sqlite ]; then
        echo "$T/$1"
        return 0
    fi
    local base name
    base=$(basename "$T" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '_')
    name=$(printf 't_%s_%s' "${base#tmp_}" "$1" | tr -c 'a-zA-Z0-9_\n' '_')
    echo "$name" >> "$T/.stores"
    pg_new_db "$name"
}

# reset_store: a fresh, empty store in $DB.
reset_store() {
    if [ "$STORE" = sqlite ]; then
        rm -f "$DB"*
    else
        STORE_SEQ=$((${STORE_SEQ:-0} + 1))
        DB=$(new_store "db$STORE_SEQ")
    fi
}

# sqlite_only REASON: a test that works on the SQLite file itself calls
# `sqlite_only "REASON" || return 0` first: under SQLite it goes on; under
# PostgreSQL it is marked skipped with REASON and returns at once.
sqlite_only() {
    [ "$STORE" = sqlite ] && return 0
    echo "SKIP: SQLite store only: $1" > "$T/.skip"
    return 1
}

# store_has STRING: whether STRING appears anywhere in the store's bytes
# (the file and its WAL; a dump of the database under PostgreSQL).
store_has() {
    if [ "$STORE" = sqlite ]; then
        grep -aq -- "$1" "$DB" "$DB-wal" 2>/dev/null
    else
        pg_dump -d "$DB" > "$T/.dump" 2>&1 || fail "pg_dump $DB: $(cat "$T/.dump")"
        grep -aq -- "$1" "$T/.dump"
    fi
}

# Run every test_* function defined by the sourcing script, in order.
run_tests() {
    local fn status name
    for fn in $(declare -F | awk '{print $3}' | grep '^test_'); do
        [ -n "${ONLY:-}" ] && [[ $fn != *"$ONLY"* ]] && continue
        T=$(mktemp -d)
        (
            cd "$T" || exit 1
            set -e
            DB=$(new_store db)
            "$fn"
        ) > "$T/.log" 2>&1
        status=$?
        # A binary without the PostgreSQL backend takes the URL for a file
        # path and passes on SQLite: not a pass.
        if [ "$STORE" = pg ] && [ -e "$T/postgresql:" ]; then
            echo "the store URL was opened as a SQLite file path ($T/postgresql:/...)" >> "$T/.log"
            status=1
        fi
        # Whatever the test left running (a server whose EXIT trap another
        # helper's trap replaced) names the test's own directory: stop it,
        # so no test outlives its run or holds its store.
        pkill -KILL -f -- "$T/" 2>/dev/null || true
        # A test's own PostgreSQL server may live outside $T (where its
        # owner can reach it), linked from there.
        declare -F pg_reap >/dev/null && pg_reap "$T"
        # Under PostgreSQL its command line names the database instead;
        # the database goes with the test.
        if [ -s "$T/.stores" ]; then
            while IFS= read -r name; do
                pkill -KILL -f -- "/$name" 2>/dev/null || true
                pg_psql "$PG_BASE_URL/postgres" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
            done < "$T/.stores"
        fi
        if [ $status -eq 0 ] && [ -s "$T/.skip" ]; then
            # A test that cannot run here says why (TAP's SKIP directive).
            local why
            why=$(head -n 1 "$T/.skip")
            echo "ok - $fn # SKIP ${why#SKIP: }"
        elif [ $status -eq 0 ]; then
            echo "ok - $fn"
        else
            echo "not ok - $fn"
            sed 's/^/#   /' "$T/.log" | tail -n 40
        fi
        [ -n "${KEEP:-}" ] || rm -rf "$T"
    done
}

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds, polled every 0.1 s
    local limit=$1 i
    shift
    for i in $(seq 1 $((limit * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# ---- the sandbox ATS ----
SANDBOX="$BUILD/atsbridge-sandbox"
TEST_CONF="$ROOT/tests/fixtures/test.conf"

# start_sandbox [FIXTURE]: start it on a free port; sets $SB (base URL).
start_sandbox() {
    local fixture=${1:-$ROOT/tests/fixtures/greenhouse.json}
    mkdir -p "$T/recorded"
    # Created here, not by the background child's redirection: the polling
    # sed below (under set -e) must never find it missing.
    : > "$T/sandbox.out"
    "$SANDBOX" --listen 127.0.0.1:0 --fixture "$fixture" --record-dir "$T/recorded" > "$T/sandbox.out" 2> "$T/sandbox.err" &
    SB_PID=$!
    trap 'kill $SB_PID 2>/dev/null || true; wait $SB_PID 2>/dev/null || true' EXIT
    local i
    for i in $(seq 1 100); do
        SB=$(sed -n 's/^listening on //p' "$T/sandbox.out")
        [ -n "$SB" ] && return 0
        sleep 0.05
    done
    fail "sandbox did not start: $(cat "$T/sandbox.err")"
}

# sb METHOD PATH [JSON]: call a sandbox endpoint, print the body.
sb() {
    curl -sS -X "$1" "$SB$2" ${3:+-H 'Content-Type: application/json' --data "$3"}
}

# The CLI against the test config, a per-test store and the built plugins.
A() { run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" "$@"; }

gh_connect() { # gh_connect ORG [extra --set ...]
    local org=$1
    shift
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" org add "$org" >/dev/null 2>&1 || true
    A connect "$org" greenhouse --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 "$@"
    expect_rc 0
}

jobs_json() { # jobs_json ORG: ats_id:state:title lines
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" jobs list "$1" --json |
        jq -r '.[] | "\(.ats_id):\(.state):\(.title)"' | sort
}
