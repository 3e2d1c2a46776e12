#!/usr/bin/env bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS on its stored corpus
# (tests/fuzz/corpus/<target>/, read-only) plus a working corpus under
# $BUILD/corpus/<target>/ that grows across runs.  A crash, leak, timeout or
# out-of-memory stops with the input saved under $BUILD/crashes/ and a
# non-zero exit; keep that input in the stored corpus once it is fixed.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-30}
mkdir -p "$BUILD/crashes"
# Third-party leaks we cannot fix (see the file); ours still fail the run.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
total=0
failed=()
printf '%-12s %10s %12s %8s\n' target seconds executions exec/s
for t in "$@"; do
    bin="$BUILD/tests/fuzz/fuzz_$t"
    seeds="tests/fuzz/corpus/$t"
    work="$BUILD/corpus/$t"
    mkdir -p "$work" "$seeds"
    log="$BUILD/fuzz_$t.log"
    # -close_fd_mask=3: the targets' own logging would cost more than the
    # parsing; libFuzzer keeps its own stderr.  Limits: 2 GiB, 10 s an input.
    "$bin" -max_total_time="$SECONDS_EACH" -close_fd_mask=3 -rss_limit_mb=2048 -timeout=10 \
        -max_len=262144 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t-" \
        -dict=tests/fuzz/fuzz.dict "$work" "$seeds" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    printf '%-12s %10s %12s %8s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}"
    total=$((total + ${execs:-0}))
    if [ $rc -ne 0 ]; then
        failed+=("$t")
        grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -n 20 | sed 's/^/    /'
    fi
done
echo "total executions: $total"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failures in: ${failed[*]} (inputs in $BUILD/crashes/)"
    exit 1
fi
echo "fuzz: no crashes"
