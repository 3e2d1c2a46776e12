#!/usr/bin/env bash
# make bench, API part: candidate upserts per second over HTTP with
# keep-alive (one curl, sequential requests on one connection) against
# `candidates import` of the same records; then the change feed's read
# throughput (events/s, pages of 1000).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${1:-5000}
EVENTS=${2:-20000}
W=$(mktemp -d /tmp/atsbridge-bench-api.XXXXXX)
trap 'kill ${APID:-} ${SBPID:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
printf 'api: {\n  rate_limit = 0;\n};\n' | cat tests/fixtures/test.conf - > "$W/api.conf"
A() { "$BUILD/atsbridge" -c "$W/api.conf" --plugin-dir "$BUILD/plugins" "$@"; }
now() { date +%s.%N; }

record() { # record I: one candidate, the intake schema
    printf '{"id":"c%d","org":"bench","job":"1001","first_name":"Casey","last_name":"Number %d","email":"c%d@example.com","phone":"+1 555 0100","status":"screening","assessment":{"stars":4,"summary":"Five years on CNC mills."},"transcript":[{"from":"AI","at":"2026-11-20T14:00:00Z","text":"Hello Casey, are you open to a new role?"},{"from":"Casey","at":"2026-11-20T14:02:00Z","text":"Yes, tell me more."}],"resume":{"text":"Casey %d\\nCNC machinist, 5 years."}}' "$1" "$1" "$1" "$1"
}

for i in $(seq 1 "$N"); do record "$i"; echo; done > "$W/cands.jsonl"
A --db "$W/import.db" org add bench > /dev/null
t0=$(now)
A --db "$W/import.db" candidates import "$W/cands.jsonl" > /dev/null
t1=$(now)
import_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

A --db "$W/api.db" org add bench > /dev/null
TOK=$(A --db "$W/api.db" token create bench | tail -n 1)
: > "$W/api.out"
# The binary itself, not through A: $! of a backgrounded function is a
# subshell, and killing it at exit left the server running.
"$BUILD/atsbridge" -c "$W/api.conf" --plugin-dir "$BUILD/plugins" --db "$W/api.db" \
    serve --listen 127.0.0.1:0 > "$W/api.out" 2> "$W/api.err" &
APID=$!
for _ in $(seq 1 100); do API=$(sed -n 's/^listening on //p' "$W/api.out"); [ -n "$API" ] && break; sleep 0.05; done
# curl configs: every request of a config on the same kept-alive
# connection.  make_cfg FIRST LAST OFFSET: records FIRST..LAST of the file,
# ids shifted by OFFSET (a second run must create, not update).
make_cfg() {
    local i=0
    while IFS= read -r line; do
        i=$((i + 1))
        [ $i -ge "$1" ] && [ $i -le "$2" ] || continue
        local body=${line/\"id\":\"c$i\"/\"id\":\"c$((i + $3))\"}
        body=${body//\\/\\\\}
        body=${body//\"/\\\"}
        [ $i = "$1" ] || echo next
        printf 'url = "%s/v1/orgs/bench/candidates/c%d"\nrequest = "PUT"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\nheader = "Prefer: return=minimal"\ndata-binary = "%s"\nwrite-out = "%%{http_code}\\n"\noutput = "/dev/null"\n' \
            "$API" $((i + $3)) "$TOK" "$body"
    done < "$W/cands.jsonl"
}
make_cfg 1 "$N" 0 > "$W/one.cfg"
make_cfg 1 $((N / 2)) "$N" > "$W/two-a.cfg"
make_cfg $((N / 2 + 1)) "$N" "$N" > "$W/two-b.cfg"
t0=$(now)
curl -sS -K "$W/one.cfg" > "$W/codes"
t1=$(now)
api_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
ok=$(grep -c '^201$' "$W/codes" || true)
[ "$ok" = "$N" ] || { echo "bench: only $ok of $N upserts answered 201" >&2; sort "$W/codes" | uniq -c >&2; exit 1; }
t0=$(now)
curl -sS -K "$W/two-a.cfg" > "$W/codes-a" & CA=$!
curl -sS -K "$W/two-b.cfg" > "$W/codes-b"
wait $CA
t1=$(now)
api2_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
ok=$(cat "$W/codes-a" "$W/codes-b" | grep -c '^201$' || true)
[ "$ok" = "$N" ] || { echo "bench: only $ok of $N parallel upserts answered 201" >&2; exit 1; }
echo "bench: candidate upserts over HTTP (keep-alive, Prefer: return=minimal) vs candidates import"
awk -v n="$N" -v a="$api_s" -v a2="$api2_s" -v i="$import_s" 'BEGIN {
    printf "  candidates import:  %d records in %.2fs = %.0f/s\n", n, i, n / i
    printf "  PUT, 1 connection:  %d upserts in %.2fs = %.0f/s (target >= 2000/s)\n", n, a, n / a
    printf "  PUT, 2 connections: %d upserts in %.2fs = %.0f/s\n", n, a2, n / a2
    printf "  HTTP / import time: %.2fx with 1 connection, %.2fx with 2 (target <= 3x)\n", a / i, a2 / i }'

# The feed: job.created events from a sync of generated jobs.
: > "$W/sb.out"
"$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture tests/fixtures/greenhouse.json > "$W/sb.out" 2>&1 &
SBPID=$!
for _ in $(seq 1 100); do SB=$(sed -n 's/^listening on //p' "$W/sb.out"); [ -n "$SB" ] && break; sleep 0.05; done
curl -sS -X POST "$SB/_control/greenhouse/generate" -d "{\"count\":$EVENTS,\"non_us_every\":0}" > /dev/null
A --db "$W/api.db" org add feed > /dev/null
A --db "$W/api.db" connect feed greenhouse --set base_url="$SB" --set token_url="$SB/token" \
    --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 > /dev/null
A --db "$W/api.db" sync jobs feed --page-size 500 > /dev/null
cursor="" total=0
t0=$(now)
while :; do
    page=$(curl -sS -H "Authorization: Bearer $TOK" "$API/v1/events?limit=1000${cursor:+&after=$cursor}")
    n=$(echo "$page" | jq '.events | length')
    [ "$n" -gt 0 ] || break
    total=$((total + n))
    cursor=$(echo "$page" | jq -r .next_cursor)
done
t1=$(now)
echo "bench: the change feed"
awk -v n="$total" -v a="$t0" -v b="$t1" 'BEGIN {
    printf "  GET /v1/events:     %d events in %.2fs = %.0f events/s (pages of 1000)\n", n, b - a, n / (b - a) }'
