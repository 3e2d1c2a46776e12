#!/usr/bin/env bash
# Every fuzz target's stored corpus (seeds, and each crash input kept after
# its fix) replayed through the target with a plain main(): part of every
# `make test`, under ASan/UBSan too with SANITIZE=1, so a fixed crash stays
# fixed even where libFuzzer is not at hand.
. "$(dirname "$0")/../lib.sh"

replay() { # replay TARGET
    local bin="$BUILD/tests/fuzz/replay_$1" dir="$ROOT/tests/fuzz/corpus/$1"
    [ -x "$bin" ] || fail "$bin is not built"
    [ -n "$(ls -A "$dir" 2>/dev/null)" ] || fail "$dir has no seeds"
    run "$bin" "$dir"
    expect_rc 0
    expect_out "replayed"
}

for t in $(cd "$ROOT/tests/fuzz/corpus" && ls); do
    eval "test_fuzz_corpus__${t}_replays_clean() { replay $t; }"
done

run_tests
