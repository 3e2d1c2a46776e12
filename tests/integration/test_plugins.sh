#!/usr/bin/env bash
# The loader: every refusal reason, one line per refused file, a refused file
# never stops the host, exactly one exported symbol per connector, and a
# valgrind-clean load/unload of every fixture.
. "$(dirname "$0")/../lib.sh"

fixture_dir() { # a private copy of every fixture .so, plus hand-made bad files
    mkdir -p "$T/p"
    chmod 0755 "$T/p"
    cp "$FIXTURES"/*.so "$T/p/"
    chmod 0755 "$T/p"/*.so
    echo "this is not an ELF file" > "$T/p/not_elf.so"
    chmod 0644 "$T/p/not_elf.so"
}

refusal() { # refusal FILE: the reason printed for FILE
    echo "$OUT" | jq -r --arg f "$T/p/$1" '.rejected[] | select(.path == $f) | .reason'
}

test_plugins__each_bad_fixture_refused_with_its_reason() {
    fixture_dir
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list --json
    expect_rc 0
    [[ $(refusal bad_magic.so) == "bad magic 0xdeadbeef"* ]] || fail "bad_magic: $(refusal bad_magic.so)"
    [[ $(refusal bad_major.so) == "ABI major mismatch: connector is ABI 2.0, host is ABI 1.2" ]] || fail "bad_major: $(refusal bad_major.so)"
    [[ $(refusal bad_minor.so) == "ABI minor too new: connector needs ABI 1.3"* ]] || fail "bad_minor: $(refusal bad_minor.so)"
    [[ $(refusal bad_size.so) == "descriptor too small: struct_size 16"* ]] || fail "bad_size: $(refusal bad_size.so)"
    [[ $(refusal bad_noname.so) == "invalid descriptor: name (null) is missing"* ]] || fail "bad_noname: $(refusal bad_noname.so)"
    [[ $(refusal bad_noop.so) == *"has no check operation" ]] || fail "bad_noop: $(refusal bad_noop.so)"
    [[ $(refusal no_entry.so) == "missing entry symbol atsb_connector_entry"* ]] || fail "no_entry: $(refusal no_entry.so)"
    [[ $(refusal entry_null.so) == "entry function returned NULL"* ]] || fail "entry_null: $(refusal entry_null.so)"
    [[ $(refusal dupe_b.so) == "duplicate connector name \"dupe\" (already loaded from $T/p/dupe_a.so)" ]] || fail "dupe_b: $(refusal dupe_b.so)"
    [[ $(refusal not_elf.so) == "not a loadable shared object: not an ELF file" ]] || fail "not_elf: $(refusal not_elf.so)"
}

test_plugins__good_connectors_still_load_beside_bad_ones() {
    fixture_dir
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list --json
    expect_rc 0
    expect_eq "dupe testats" "$(echo "$OUT" | jq -r '[.connectors[].name] | sort | join(" ")')" "loaded connectors"
    expect_eq 10 "$(echo "$OUT" | jq '.rejected | length')" "refused files"
}

test_plugins__text_listing_has_one_line_per_refused_file() {
    fixture_dir
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_eq 10 "$(echo "$OUT" | grep -c '^refused ')" "refused lines"
    expect_out "testats"
    expect_out "list-jobs,push-candidate,find-candidate"
    expect_eq "" "$ERR" "stderr"
}

test_plugins__group_writable_file_refused() {
    mkdir -m 0755 "$T/p"
    cp "$FIXTURES/testats.so" "$T/p/testats.so"
    chmod 0775 "$T/p/testats.so"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/testats.so: file is writable by group or others (mode 0775)"
    expect_out "no connectors loaded"
}

test_plugins__world_writable_directory_refused() {
    mkdir "$T/p"
    cp "$FIXTURES/testats.so" "$T/p/"
    chmod 0755 "$T/p/testats.so"
    chmod 0777 "$T/p"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/testats.so: directory $T/p is writable by group or others (mode 0777)"
}

test_plugins__symlink_to_a_so_in_a_world_writable_directory_refused() {
    mkdir -m 0755 "$T/p"
    mkdir -m 0777 "$T/drop"
    cp "$FIXTURES/testats.so" "$T/drop/testats.so"
    chmod 0755 "$T/drop/testats.so"
    ln -s "$T/drop/testats.so" "$T/p/testats.so"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/testats.so: is a symbolic link; symlinks are refused (put the file itself in the plugin directory)"
    expect_out "no connectors loaded"
}

test_plugins__file_owned_by_another_user_refused() {
    # As root (CI): root may read anything, so ownership is what tells a
    # file an administrator installed from one anybody could have made.
    mkdir -m 0755 "$T/p"
    cp "$FIXTURES/testats.so" "$T/p/testats.so"
    chmod 0755 "$T/p/testats.so"
    chown 65534 "$T/p/testats.so"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/testats.so: file is owned by uid 65534, not by root or uid $(id -u) (which runs atsbridge)"
    expect_out "no connectors loaded"
}

test_plugins__directory_owned_by_another_user_refused() {
    mkdir -m 0755 "$T/p"
    cp "$FIXTURES/testats.so" "$T/p/testats.so"
    chmod 0755 "$T/p/testats.so"
    chown 65534 "$T/p"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/testats.so: directory $T/p is owned by uid 65534, not by root or uid $(id -u) (which runs atsbridge)"
}

test_plugins__fifo_named_so_refused_without_blocking() {
    mkdir -m 0755 "$T/p"
    mkfifo -m 0644 "$T/p/pipe.so"
    run timeout 10 "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    expect_out "refused $T/p/pipe.so: not a regular file"
}

test_plugins__missing_directory_is_a_config_error() {
    run "$ATSB" --db "$DB" --plugin-dir "$T/nope" plugins list
    expect_rc 3
    expect_err "plugin directory $T/nope"
}

test_plugins__show_lists_settings_schema() {
    run "$ATSB" --db "$DB" --plugin-dir "$FIXTURES" plugins show testats --json
    expect_rc 0
    expect_eq "token:true:true" "$(echo "$OUT" | jq -r '.settings[] | select(.name=="token") | "\(.name):\(.required):\(.secret)"')"
    expect_eq "us" "$(echo "$OUT" | jq -r '.settings[] | select(.name=="region") | .default')"
    run "$ATSB" --db "$DB" --plugin-dir "$FIXTURES" plugins show nosuch
    expect_rc 4
    expect_err 'no connector named "nosuch"'
}

test_plugins__every_connector_exports_exactly_one_symbol() {
    local so syms
    for so in "$PLUGINS"/*.so "$FIXTURES"/testats.so; do
        [ -e "$so" ] || continue
        syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^$')
        expect_eq "atsb_connector_entry" "$syms" "exported symbols of $(basename "$so")"
    done
}

test_plugins__load_and_unload_every_fixture_clean_under_valgrind() {
    if [ "${SANITIZE:-}" = 1 ]; then echo "# skipped under SANITIZE (ASan and valgrind do not mix)"; return 0; fi
    command -v valgrind >/dev/null || fail "valgrind is not installed (make deps installs it)"
    fixture_dir
    run valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect -q "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list
    expect_rc 0
    run valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        -q "$ATSB" --db "$DB" --plugin-dir "$FIXTURES" plugins show testats
    expect_rc 0
}

test_plugins__connector_built_against_abi_1_0_still_loads_and_runs() {
    mkdir -m 0755 "$T/p"
    cp "$BUILD/tests/abi/v1_0.so" "$T/p/"
    chmod 0755 "$T/p/v1_0.so"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list --json
    expect_rc 0
    expect_eq "abi10:1.0" "$(echo "$OUT" | jq -r '.connectors[0] | "\(.name):\(.abi)"')"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" org add old
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" connect old abi10
    expect_rc 0
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" sync jobs old --json
    expect_rc 0
    expect_eq 1 "$(echo "$OUT" | jq '.[0].counts.created')" "jobs from the 1.0 connector"
}

abi_dir() { # abi_dir SO...: a private plugin directory with these fixtures
    mkdir -m 0755 "$T/p"
    for so in "$@"; do cp "$BUILD/tests/abi/$so" "$T/p/"; chmod 0755 "$T/p/$so"; done
}

test_plugins__abi_1_1_connector_needing_only_1_0_loads_and_runs_on_a_1_0_host() {
    abi_dir v1_1_needs_1_0.so
    run "$BUILD/tests/abi/host_1_0" "$T/p/v1_1_needs_1_0.so"
    expect_rc 0
    expect_out "host ABI 1.0 loaded abi11for10 (needs ABI 1.0)"
    expect_out "create: ok"
    expect_out "list_jobs: ok, 1 jobs"
    # No `missing` in a 1.0 host's push result: a partial push is "not found".
    expect_out "find_candidate: not-found"
}

test_plugins__abi_1_1_connector_needing_1_1_is_refused_by_a_1_0_host_only() {
    abi_dir v1_1_needs_1_1.so
    run "$BUILD/tests/abi/host_1_0" "$T/p/v1_1_needs_1_1.so"
    expect_rc 1
    expect_out "refused: ABI minor too new: connector needs ABI 1.1, host supports up to 1.0"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list --json
    expect_rc 0
    expect_eq "abi11:1.1" "$(echo "$OUT" | jq -r '.connectors[0] | "\(.name):\(.abi)"')"
}

test_plugins__frozen_1_0_connector_runs_on_the_1_0_host_and_both_1_1_builds_on_this_one() {
    abi_dir v1_0.so v1_1_needs_1_0.so v1_1_needs_1_1.so
    run "$BUILD/tests/abi/host_1_0" "$T/p/v1_0.so"
    expect_rc 0
    expect_out "list_jobs: ok, 1 jobs"
    run "$ATSB" --db "$DB" --plugin-dir "$T/p" plugins list --json
    expect_rc 0
    expect_eq "abi10:1.0 abi11:1.1 abi11for10:1.0" \
        "$(echo "$OUT" | jq -r '[.connectors[] | "\(.name):\(.abi)"] | sort | join(" ")')" "loaded"
}

test_plugins__shipped_connectors_all_load() {
    run "$ATSB" --db "$DB" --plugin-dir "$PLUGINS" plugins list --json
    expect_rc 0
    expect_eq "greenhouse lever workday" "$(echo "$OUT" | jq -r '[.connectors[].name] | sort | join(" ")')"
    expect_eq 0 "$(echo "$OUT" | jq '.rejected | length')" "refused shipped connectors"
}

run_tests
