#!/usr/bin/env bash
# Record the connector fuzz targets' seeds from the sandbox ATS: each
# operation (check, full listing, incremental listing, find, push) run once
# for real, the replies written in the fuzz input format.  Run by hand after a
# connector or the sandbox changes (`bash tests/fuzz/make_seeds.sh`), then
# commit tests/fuzz/corpus/.  The location, config and resume seeds are
# written by hand or by tests/tools/mkpdf and kept as they are.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d)
trap 'kill $SBPID 2>/dev/null || true; rm -rf "$W"' EXIT
for c in greenhouse lever workday; do
    : > "$W/sb.out"  # exists before the poll below reads it
    "$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture "tests/fixtures/$c.json" \
        > "$W/sb.out" 2>&1 &
    SBPID=$!
    SB=
    for _ in $(seq 1 100); do
        SB=$(sed -n 's/^listening on //p' "$W/sb.out"); [ -n "$SB" ] && break; sleep 0.05
    done
    hostport=${SB#http://}
    mkdir -p "tests/fuzz/corpus/$c"
    for op in 0 1 2 3 4; do
        printf "\\x0$op" > "$W/op"
        FUZZ_RECORD="$SB" FUZZ_RECORD_OUT="$W/seed" "$BUILD/tests/fuzz/replay_$c" "$W/op" >/dev/null
        # The fuzz targets' settings name 127.0.0.1:9; so do the seeds.
        sed "s|$hostport|127.0.0.1:9|g" "$W/seed" > "tests/fuzz/corpus/$c/op$op-sandbox"
    done
    kill $SBPID; wait $SBPID 2>/dev/null || true
done
ls -l tests/fuzz/corpus/*/ | head -40
