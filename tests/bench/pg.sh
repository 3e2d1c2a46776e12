#!/usr/bin/env bash
# PostgreSQL against SQLite, as make bench runs it (same run, same sandbox,
# same machine; a throwaway PostgreSQL server from tests/pg_lib.sh, fsync
# off like any test fixture, so these are CPU and round-trip costs, not
# disk):
#  - a full cycle, BENCH_PG_ORGS orgs (default 1,000) x 50 jobs, by
#    `daemon --once`: SQLite, PostgreSQL with one daemon, PostgreSQL with
#    two daemons sharing the database; every org synced exactly once;
#  - a push backlog, BENCH_PG_PUSHES candidates (default 100) over 10 orgs,
#    drained by `daemon --once` the same three ways;
#  - one big job sync, BENCH_PG_JOBS jobs (default 20,000).
# Skipped, saying so, where PostgreSQL is not installed.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ORGS=${BENCH_PG_ORGS:-1000}
PUSHES=${BENCH_PG_PUSHES:-100}
JOBS=${BENCH_PG_JOBS:-20000}
CONF=tests/fixtures/test.conf
SEED="$BUILD/tests/bench/sched_seed"
. tests/pg_lib.sh
echo "bench: PostgreSQL against SQLite (ratios: PostgreSQL time / SQLite time, same run)"
if ! pg_available; then
    echo "  skipped: PostgreSQL is not installed (make deps installs it)"
    exit 0
fi
W=$(mktemp -d /tmp/atsbridge-pg.XXXXXX)
SBPID=
trap 'kill $SBPID 2>/dev/null; wait 2>/dev/null; pg_stop; rm -rf "$W"' EXIT
pg_start "$W/pg" >/dev/null

sandbox() { # sandbox N_JOBS: a fresh sandbox with N generated jobs
    [ -n "$SBPID" ] && kill $SBPID 2>/dev/null && wait $SBPID 2>/dev/null || true
    : > "$W/sb.out"
    "$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture tests/fixtures/greenhouse.json > "$W/sb.out" 2>&1 &
    SBPID=$!
    for _ in $(seq 1 100); do SB=$(sed -n 's/^listening on //p' "$W/sb.out"); [ -n "$SB" ] && break; sleep 0.05; done
    curl -sS -X POST "$SB/_control/greenhouse/generate" -d "{\"count\":$1,\"non_us_every\":10}" >/dev/null
}
A() { "$BUILD/atsbridge" -c $CONF --db "$1" --plugin-dir "$BUILD/plugins" "${@:2}"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v p="$1" -v s="$2" 'BEGIN { printf "%.2fx", p / s }'; }
once() { # once DB [DAEMONS]: `daemon --once` by DAEMONS processes at once; prints seconds
    local t0 pids="" i
    t0=$(now)
    for i in $(seq 1 "${2:-1}"); do A "$1" daemon --once >/dev/null 2>"$W/once.$i.err" & pids="$pids $!"; done
    for i in $pids; do wait "$i" || { cat "$W"/once.*.err >&2; exit 1; }; done
    secs "$t0" "$(now)"
}
stores() { # stores NAME: a SQLite path and a PostgreSQL URL, both new
    rm -f "$W/$1.db"*
    echo "$W/$1.db $(pg_new_db "$1")"
}
exactly_once() { # exactly_once DB: every org one ok job run
    local orgs min max
    read -r orgs min max < <("$SEED" runs "$1")
    [ "$min" = 1 ] && [ "$max" = 1 ] || { echo "  FAILED: an org was not synced exactly once ($1: $min..$max)" >&2; exit 1; }
}

sandbox 50
echo "  full cycle, $ORGS orgs x 50 jobs, daemon --once (4 workers each):"
read -r lite pg1 < <(stores cycle1)
read -r _ pg2 < <(stores cycle2)
for db in "$lite" "$pg1" "$pg2"; do "$SEED" seed "$db" "$ORGS" "$SB"; done
t_lite=$(once "$lite")
t_pg1=$(once "$pg1")
t_pg2=$(once "$pg2" 2)
for db in "$lite" "$pg1" "$pg2"; do exactly_once "$db"; done
echo "    SQLite ${t_lite}s; PostgreSQL, 1 daemon ${t_pg1}s ($(ratio "$t_pg1" "$t_lite")); 2 daemons ${t_pg2}s ($(ratio "$t_pg2" "$t_lite")); every org synced exactly once"

echo "  push backlog, $PUSHES candidates over 10 orgs, daemon --once:"
read -r lite pg1 < <(stores push1)
read -r _ pg2 < <(stores push2)
: > "$W/cands.jsonl"
for i in $(seq 1 "$PUSHES"); do
    printf '{"id":"p%d","org":"org-%06d","job":"1001","first_name":"P","last_name":"N%d","email":"p%d@example.com","status":"engaged","resume":{"text":"welder"}}\n' \
        "$i" $(((i - 1) % 10 + 1)) "$i" "$i" >> "$W/cands.jsonl"
done
for db in "$lite" "$pg1" "$pg2"; do
    "$SEED" seed "$db" 10 "$SB"
    A "$db" daemon --once >/dev/null 2>&1
    for o in $(seq 1 10); do A "$db" jobs activate "$(printf 'org-%06d' "$o")" 1001 >/dev/null; done
    A "$db" candidates import "$W/cands.jsonl" >/dev/null
done
t_lite=$(once "$lite")
t_pg1=$(once "$pg1")
t_pg2=$(once "$pg2" 2)
for db in "$lite" "$pg1" "$pg2"; do
    n=$(A "$db" outbox list --json | jq '[.[] | select(.state == "done")] | length')
    [ "$n" = "$PUSHES" ] || { echo "  FAILED: $n of $PUSHES pushed on $db" >&2; exit 1; }
done
echo "    SQLite ${t_lite}s; PostgreSQL, 1 daemon ${t_pg1}s ($(ratio "$t_pg1" "$t_lite")); 2 daemons ${t_pg2}s ($(ratio "$t_pg2" "$t_lite")); all $PUSHES pushed"

sandbox "$JOBS"
echo "  one job sync, $JOBS jobs, pages of 500:"
read -r lite pg1 < <(stores big)
for db in "$lite" "$pg1"; do
    A "$db" org add big >/dev/null
    A "$db" connect big greenhouse --no-check --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 >/dev/null
done
t0=$(now); A "$lite" sync jobs big --page-size 500 >/dev/null; t_lite=$(secs "$t0" "$(now)")
t0=$(now); A "$pg1" sync jobs big --page-size 500 >/dev/null; t_pg1=$(secs "$t0" "$(now)")
echo "    SQLite ${t_lite}s; PostgreSQL ${t_pg1}s ($(ratio "$t_pg1" "$t_lite"))"
