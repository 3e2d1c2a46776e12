#!/usr/bin/env bash
# Hostile resume PDFs, built by tests/tools/mkpdf: a page tree 20,000
# levels deep (overflows qpdf's recursive page walk) and an object stream
# that expands 2 MB into 2 GB.  Intake refuses them with a reason the
# sourcing side can show; a render that crashes, eats memory or hangs runs
# in a bounded child and ends as a dead letter (or a retry) naming the
# limit, while the CLI carries on with the other candidates.
. "$(dirname "$0")/../lib.sh"
MKPDF="$BUILD/tests/tools/mkpdf"

setup_org() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    expect_rc 0
    A jobs activate acme 1001
}

# cand ID RESUME-PATH: an engaged candidate record with that resume.
cand() {
    echo "{\"id\":\"$1\",\"org\":\"acme\",\"job\":\"1001\",\"first_name\":\"Cand\",\"last_name\":\"$1\",\"email\":\"$1@example.com\",\"status\":\"engaged\",\"resume\":{\"path\":\"$2\"}}"
}

# conf_with 'key = value;'...: the test config plus a profile group.
conf_with() {
    { cat "$TEST_CONF"; printf 'profile: {\n'; printf '  %s\n' "$@"; printf '};\n'; } > "$T/c.conf"
    sed -i "s|\"../../build/plugins\"|\"$PLUGINS\"|" "$T/c.conf"
}
C() { run "$ATSB" -c "$T/c.conf" --db "$DB" --plugin-dir "$PLUGINS" "$@"; }

# store_resume ID FILE: replace a stored resume behind intake's back, as a
# store written before these limits existed would hold it.
store_resume() {
    sqlite3 "$DB" "UPDATE candidate_resumes SET content = readfile('$2') WHERE candidate_id = (SELECT id FROM candidates WHERE ext_id = '$1');"
}

dead_reason() { # dead_reason ID
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" outbox list acme --json |
        jq -r --arg id "$1" '.[] | select(.candidate == $id) | "\(.state): \(.last_error)"'
}

test_resume__deep_page_tree_refused_at_import_with_the_limit() {
    start_sandbox
    gh_connect acme
    "$MKPDF" --deep-tree "$T/deep.pdf" 20000 || fail mkpdf
    cand d1 "$T/deep.pdf" > "$T/in.json"
    A candidates import "$T/in.json" --resume-dir "$T"
    expect_rc 1
    expect_err "record 1 (line 1, id d1): field resume.path: $T/deep.pdf is a PDF whose page tree is more than 64 levels deep (limit: profile.max_page_tree_depth)"
}

test_resume__object_stream_bomb_refused_at_import_fast_and_small() {
    start_sandbox
    gh_connect acme
    "$MKPDF" --bomb "$T/bomb.pdf" 2048 || fail mkpdf
    cand b1 "$T/bomb.pdf" > "$T/in.json"
    local t0=$SECONDS
    A candidates import "$T/in.json" --resume-dir "$T"
    expect_rc 1
    expect_err "field resume.path: $T/bomb.pdf is a PDF whose compressed streams expand to more than 512 MiB (limit: profile.max_inflate_mb)"
    [ $((SECONDS - t0)) -le 15 ] || fail "the refusal took $((SECONDS - t0)) s"
    # Past the stream scan, the check's child hits its memory limit.
    conf_with "max_inflate_mb = 65536;" "max_memory_mb = 128;"
    C candidates import "$T/in.json" --resume-dir "$T"
    expect_rc 1
    expect_err "$T/bomb.pdf is a PDF that could not be checked: the check exceeded 128 MiB of memory (profile.max_memory_mb)"
    A candidates list acme --json
    expect_eq 0 "$(echo "$OUT" | jq length)" "candidates stored"
}

test_resume__render_crash_is_dead_lettered_and_the_others_are_pushed() {
    setup_org
    # A limit raised far enough lets the real hostile file reach qpdf,
    # whose recursive page walk overflows the stack: the render's child
    # dies of SIGSEGV, the CLI does not.
    conf_with "max_page_tree_depth = 1000000;"
    "$MKPDF" --deep-tree "$T/deep.pdf" 20000 || fail mkpdf
    "$MKPDF" "$T/good.pdf" 2 "Good resume" || fail mkpdf
    { cand d1 "$T/deep.pdf"; cand g1 "$T/good.pdf"; } > "$T/in.jsonl"
    C candidates import "$T/in.jsonl" --resume-dir "$T"
    expect_rc 0
    C sync candidates acme
    expect_rc 0
    expect_out "pushed 1"
    expect_out "dead-lettered 1"
    expect_eq "dead: profile render crashed with SIGSEGV" "$(dead_reason d1)"
    expect_eq "done: null" "$(dead_reason g1)"
    expect_eq "g1@example.com" "$(recorded_emails)"
}

recorded_emails() { sb GET /_control/recorded | jq -r '[.candidates[].email_addresses[0].value] | join(" ")'; }

test_resume__stored_resume_beyond_the_limits_is_dead_lettered_with_the_reason() {
    sqlite_only "replaces a stored resume with sqlite3's readfile()" || return 0
    setup_org
    "$MKPDF" "$T/good.pdf" 2 "Good resume" || fail mkpdf
    "$MKPDF" --deep-tree "$T/deep.pdf" 20000 || fail mkpdf
    { cand d1 "$T/good.pdf"; cand g1 "$T/good.pdf"; } > "$T/in.jsonl"
    A candidates import "$T/in.jsonl" --resume-dir "$T"
    expect_rc 0
    store_resume d1 "$T/deep.pdf"
    A sync candidates acme
    expect_rc 0
    expect_out "pushed 1"
    expect_eq "dead: the resume is a PDF whose page tree is more than 64 levels deep (limit: profile.max_page_tree_depth)" "$(dead_reason d1)"
    A candidates show acme d1 --pdf "$T/out.pdf"
    expect_rc 1
    expect_err "page tree is more than 64 levels deep"
}

test_resume__render_memory_and_time_limits_name_their_setting() {
    sqlite_only "replaces a stored resume with sqlite3's readfile()" || return 0
    setup_org
    "$MKPDF" "$T/good.pdf" 1 "Good resume" || fail mkpdf
    "$MKPDF" --bomb "$T/bomb.pdf" 2048 || fail mkpdf
    { cand m1 "$T/good.pdf"; } > "$T/in.jsonl"
    A candidates import "$T/in.jsonl" --resume-dir "$T"
    store_resume m1 "$T/bomb.pdf"
    conf_with "max_inflate_mb = 65536;" "max_memory_mb = 128;"
    C sync candidates acme
    expect_rc 0
    expect_eq "dead: profile render exceeded 128 MiB of memory (profile.max_memory_mb)" "$(dead_reason m1)"
    # Too slow is passing trouble (a loaded machine): retried, not dead.
    A outbox list --dead --json
    local id
    id=$(echo "$OUT" | jq -r '.[0].id')
    A outbox retry "$id"
    expect_rc 0
    conf_with "max_inflate_mb = 65536;" "timeout_s = 1;"
    C sync candidates acme
    expect_rc 0
    expect_out "retrying 1"
    expect_eq "pending: profile render took longer than 1 s (profile.timeout_s)" "$(dead_reason m1)"
}

run_tests
