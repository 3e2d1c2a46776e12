#!/usr/bin/env bash
# make bench: the jobs sync's throughput and memory, as ratios against a
# baseline measured in the same run (a plain libcurl loop that only
# downloads the same pages from the same sandbox).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_JOBS:-100000}
SMALL=$((N / 5))
W=$(mktemp -d /tmp/atsbridge-bench.XXXXXX)
trap 'kill $SBPID 2>/dev/null; rm -rf "$W"' EXIT

start() { # start N_JOBS: a sandbox with N generated jobs (every 10th outside the US)
    [ -n "${SBPID:-}" ] && kill $SBPID 2>/dev/null && wait $SBPID 2>/dev/null || true
    : > "$W/sb.out"  # exists before the poll below reads it
    "$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture tests/fixtures/greenhouse.json > "$W/sb.out" 2>&1 &
    SBPID=$!
    for _ in $(seq 1 100); do SB=$(sed -n 's/^listening on //p' "$W/sb.out"); [ -n "$SB" ] && break; sleep 0.05; done
    curl -sS -X DELETE "$SB/_control/greenhouse/jobs/0" >/dev/null || true
    curl -sS -X POST "$SB/_control/greenhouse/generate" -d "{\"count\":$1,\"non_us_every\":10}" >/dev/null
}

sync_run() { # sync_run DB: prints "seconds rss_kib"
    local A="$BUILD/atsbridge -c tests/fixtures/test.conf --db $1 --plugin-dir $BUILD/plugins"
    $A org add bench >/dev/null
    $A connect bench greenhouse --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 >/dev/null
    "$BUILD/tests/bench/rusage" $A sync jobs bench --page-size 500 > "$W/sync.out" 2> "$W/sync.err"
    grep -q ' ok full sync' "$W/sync.out" || { cat "$W/sync.out" "$W/sync.err" >&2; exit 1; }
    sed -n 's/^RUSAGE //p' "$W/sync.err"
}

echo "bench: jobs sync, Greenhouse v3 sandbox on loopback, pages of 500"
start "$SMALL"
read -r small_s small_rss < <(sync_run "$W/small.db")
start "$N"
total=$((N + 12))
read -r dl_pages dl_bytes dl_s < <("$BUILD/tests/bench/download" "$SB" 500)
read -r sync_s sync_rss < <(sync_run "$W/big.db")
jobs_per_s=$(awk -v n="$N" -v s="$sync_s" 'BEGIN { printf "%.0f", n / s }')
ratio=$(awk -v a="$sync_s" -v b="$dl_s" 'BEGIN { printf "%.2f", a / b }')
rss_ratio=$(awk -v a="$sync_rss" -v b="$small_rss" 'BEGIN { printf "%.2f", a / b }')
echo "  download only (libcurl loop): $dl_pages pages, $((dl_bytes / 1048576)) MiB in ${dl_s}s"
echo "  atsbridge sync jobs:           $N jobs in ${sync_s}s = $jobs_per_s jobs/s (target >= 20000)"
echo "  sync / download-only time:     ${ratio}x (target <= 3x)"
echo "  peak RSS:                      $((sync_rss / 1024)) MiB for $N jobs, $((small_rss / 1024)) MiB for $SMALL jobs: ${rss_ratio}x for 5x the jobs"
echo "  store:                         $(du -h "$W/big.db" | cut -f1) ($total jobs offered, $(( N - N / 10 )) US)"

echo
echo "bench: candidate profile PDF (cairo + pango; qpdf appends the resume's pages)"
"$BUILD/tests/tools/mkpdf" "$W/resume.pdf" 3 "Resume of Zoe Orsted"
"$BUILD/tests/bench/profile_bench" "$W/resume.pdf" "${BENCH_PROFILES:-300}"

echo
BUILD=$BUILD bash tests/bench/intake.sh ${BENCH_INTAKE:-20000 100000}

echo
BUILD=$BUILD bash tests/bench/api.sh ${BENCH_API:-5000 20000}
BUILD=$BUILD bash tests/bench/isolation.sh

echo
"$BUILD/tests/unit/test_location_corpus" --report

echo
BUILD=$BUILD bash tests/bench/sched.sh

echo
BUILD=$BUILD bash tests/bench/pg.sh
