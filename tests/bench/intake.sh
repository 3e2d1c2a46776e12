#!/usr/bin/env bash
# Candidate intake throughput: N records as JSON Lines against the same N
# records as one JSON array, in the same run, so the ratio says whether
# JSON Lines costs more per record than an array (it must not: both are one
# parse and one transaction per record).  Usage: intake.sh [N...]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/atsbridge-intake.XXXXXX)
trap 'rm -rf "$W"' EXIT
RUSAGE="$BUILD/tests/bench/rusage"
[ -x "$RUSAGE" ] || { echo "build $RUSAGE first (make bench)" >&2; exit 1; }

gen() { # gen N: JSON Lines on stdout
    awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"id\":\"c-%d\",\"org\":\"bench\",\"job\":\"1001\",\"first_name\":\"First%d\",\"last_name\":\"Last\",\"email\":\"c%d@example.com\",\"status\":\"new\"}\n", i, i, i }'
}

import() { # import FILE DB: prints "seconds rss_kib"
    local A="$BUILD/atsbridge -c tests/fixtures/test.conf --db $2"
    $A org add bench >/dev/null
    "$RUSAGE" $A candidates import "$1" > "$W/out" 2> "$W/err" || { cat "$W/out" "$W/err" >&2; exit 1; }
    sed -n 's/^RUSAGE //p' "$W/err"
}

echo "bench: candidates import, JSON Lines vs one JSON array of the same records"
for n in "${@:-20000 40000 100000}"; do
    gen "$n" > "$W/in.jsonl"
    { echo '['; sed '$!s/$/,/' "$W/in.jsonl"; echo ']'; } > "$W/in.json"
    read -r jl_s jl_rss < <(import "$W/in.jsonl" "$W/jl.db")
    read -r ar_s ar_rss < <(import "$W/in.json" "$W/ar.db")
    rm -f "$W"/*.db*
    printf '  %6d records: JSON Lines %7.2fs (%d MiB)   array %7.2fs (%d MiB)   ratio %.2fx\n' \
        "$n" "$jl_s" $((jl_rss / 1024)) "$ar_s" $((ar_rss / 1024)) \
        "$(awk -v a="$jl_s" -v b="$ar_s" 'BEGIN { printf "%.2f", a / b }')"
done
