#!/usr/bin/env bash
# The scheduler, as make bench runs it (each a same-run comparison):
#  - idle daemon CPU with 1,000 / 10,000 / 100,000 connected orgs, nothing
#    due, over BENCH_IDLE_S seconds each (default 60, the issue's window):
#    CPU-seconds per minute, and the largest fleet's cost against the smallest;
#  - a full cycle of BENCH_CYCLE_ORGS orgs (default 10,000) x 50 jobs against
#    the sandbox: org syncs per second against one org synced by hand, and
#    that every org was synced exactly once;
#  - candidate-to-ATS latency: `candidates import` to the sandbox holding the
#    profile PDF, daemon running, over BENCH_LATENCY_N candidates (default 200).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
IDLE_S=${BENCH_IDLE_S:-60}
IDLE_SIZES=${BENCH_IDLE_ORGS:-1000 10000 100000}
CYCLE_ORGS=${BENCH_CYCLE_ORGS:-10000}
LAT_N=${BENCH_LATENCY_N:-200}
SEED="$BUILD/tests/bench/sched_seed"
CONF=tests/fixtures/test.conf
W=$(mktemp -d /tmp/atsbridge-sched.XXXXXX)
DPID=
trap 'kill $DPID $SBPID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT

: > "$W/sb.out"
"$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture tests/fixtures/greenhouse.json > "$W/sb.out" 2>&1 &
SBPID=$!
for _ in $(seq 1 100); do SB=$(sed -n 's/^listening on //p' "$W/sb.out"); [ -n "$SB" ] && break; sleep 0.05; done
curl -sS -X POST "$SB/_control/greenhouse/generate" -d '{"count":50,"non_us_every":10}' >/dev/null

# Nanoseconds on a CPU, every thread of the process (clock ticks are too
# coarse for an idle daemon).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d\n", s }'; }
A() { "$BUILD/atsbridge" -c $CONF --db "$1" --plugin-dir "$BUILD/plugins" "${@:2}"; }
gh_org() { # gh_org DB ORG: the org, connected to the sandbox
    A "$1" org add "$2" >/dev/null
    A "$1" connect "$2" greenhouse --no-check --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 >/dev/null
}
daemon() { # daemon DB LOG: in the background, its own pid in $DPID (not a subshell's)
    "$BUILD/atsbridge" -c $CONF --db "$1" --plugin-dir "$BUILD/plugins" -v daemon > "$2" 2>&1 &
    DPID=$!
}

echo "bench: idle daemon, every org connected and just synced (nothing due), ${IDLE_S}s each"
first=
for n in $IDLE_SIZES; do
    db="$W/idle-$n.db"
    "$SEED" seed "$db" "$n" "$SB" synced
    daemon "$db" "$W/idle.log"
    for _ in $(seq 1 600); do grep -q "INFO daemon: started" "$W/idle.log" && break; sleep 0.1; done
    sleep 1
    start=$(cpu_ns $DPID)
    sleep "$IDLE_S"
    end=$(cpu_ns $DPID)
    kill -TERM $DPID; wait $DPID || true; DPID=
    grep -q "job sync through" "$W/idle.log" && { echo "  $n orgs: a sync ran while idle" >&2; exit 1; }
    per_min=$(awk -v t=$((end - start)) -v s="$IDLE_S" 'BEGIN { printf "%.5f", t / 1e9 * 60 / s }')
    pct=$(awk -v m="$per_min" 'BEGIN { printf "%.4f", m / 60 * 100 }')
    printf '  %6d orgs: %s CPU-s per minute = %s%% of a core\n' "$n" "$per_min" "$pct"
    [ -z "$first" ] && first=$per_min && first_n=$n
    last=$per_min last_n=$n
    rm -f "$db"*
done
echo "  target: < 1% of a core at 100000 orgs; $last_n orgs: $last CPU-s/min against $first at $first_n orgs$(
    awk -v a="$last" -v b="$first" 'BEGIN { if (b > 0) printf " (%.2fx)", a / b }')"

echo
echo "bench: a full cycle, $CYCLE_ORGS orgs x 50 jobs (+ the fixture's) against the sandbox"
one="$W/one.db"
gh_org "$one" solo
read -r one_s _ < <("$BUILD/tests/bench/rusage" "$BUILD/atsbridge" -c $CONF --db "$one" \
    --plugin-dir "$BUILD/plugins" sync jobs solo 2>&1 >/dev/null | sed -n 's/^RUSAGE //p')
db="$W/cycle.db"
"$SEED" seed "$db" "$CYCLE_ORGS" "$SB"
read -r cycle_s _ < <("$BUILD/tests/bench/rusage" "$BUILD/atsbridge" -c $CONF --db "$db" \
    --plugin-dir "$BUILD/plugins" daemon --once 2>&1 >/dev/null | sed -n 's/^RUSAGE //p')
read -r orgs min max < <("$SEED" runs "$db")
printf '  one org by hand (atsbridge sync jobs): %.3fs\n' "$one_s"
printf '  daemon --once, %d workers: %d orgs in %.1fs = %.0f org syncs/s (%.1fx one sync by hand, process start included)\n' \
    4 "$orgs" "$cycle_s" "$(awk -v n="$orgs" -v s="$cycle_s" 'BEGIN { print n / s }')" \
    "$(awk -v n="$orgs" -v s="$cycle_s" -v o="$one_s" 'BEGIN { print n * o / s }')"
echo "  ok job syncs per org: min $min, max $max (exactly once: both 1)"
[ "$min" = 1 ] && [ "$max" = 1 ] || { echo "  FAILED: an org was not synced exactly once" >&2; exit 1; }
rm -f "$db"*

echo
echo "bench: candidate-to-ATS latency, $LAT_N candidates imported one by one, daemon running"
db="$W/lat.db"
gh_org "$db" acme
A "$db" sync jobs acme >/dev/null
A "$db" jobs activate acme 1001 >/dev/null
daemon "$db" "$W/lat.log"
sleep 1
attachments() { curl -sS "$SB/_control/recorded" | jq '.attachments | length'; }
base=$(attachments)
: > "$W/lat.ms"
for i in $(seq 1 "$LAT_N"); do
    printf '{"id":"lat-%d","org":"acme","job":"1001","first_name":"Lat","last_name":"N%d","email":"lat%d@example.com","status":"engaged","resume":{"text":"welder"}}\n' \
        "$i" "$i" "$i" > "$W/c.json"
    t0=$(date +%s%N)
    A "$db" candidates import "$W/c.json" >/dev/null
    want=$((base + i))
    for _ in $(seq 1 1000); do [ "$(attachments)" -ge "$want" ] && break; sleep 0.01; done
    [ "$(attachments)" -ge "$want" ] || { echo "  candidate $i never arrived: $(tail "$W/lat.log")" >&2; exit 1; }
    echo $((($(date +%s%N) - t0) / 1000000)) >> "$W/lat.ms"
done
kill -TERM $DPID; wait $DPID || true; DPID=
sort -n "$W/lat.ms" | awk '{ v[NR] = $1 } END {
    p50 = v[int((NR + 1) * 0.50)]; p99 = v[int(NR * 0.99 + 0.999)]
    printf "  p50 %d ms, p99 %d ms, max %d ms over %d candidates (target: p99 <= 2000 ms)\n", p50, p99, v[NR], NR }'
