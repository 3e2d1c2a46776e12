#!/usr/bin/env bash
# Config errors name file:line and the setting; -c and overrides.
. "$(dirname "$0")/../lib.sh"

test_config__in_tree_default_is_valid_and_annotated() {
    run "$ATSB" -c "$ROOT/conf/atsbridge.conf" --db "$DB" org list
    expect_rc 0
    # Every setting the host knows is documented in the shipped file.
    for key in path dir level jobs_interval full_pass_interval workers max_page_jobs max_pages lease push_batch pages_per_turn timeout_ms \
               max_attempts backoff_base_ms backoff_cap_ms max_response_bytes rate_limit \
               retry_base retry_cap \
               source_name default_trigger profile_url_template resume_dir \
               max_memory_mb timeout_s max_resume_mb max_resume_pages max_page_tree_depth \
               max_pdf_objects max_inflate_mb us_territories \
               listen max_body_bytes rate_burst metrics_open max_wait max_connections console_dir \
               url secret enabled max_cpu_s pool_size; do
        grep -qE "^\s+$key = " "$ROOT/conf/atsbridge.conf" || fail "conf/atsbridge.conf lacks $key"
    done
}

test_config__syntax_error_names_file_and_line() {
    printf 'store: {\n  path = "x.db";\n  dir = ;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:3:"
}

test_config__unknown_setting_names_file_line_and_setting() {
    printf 'store: {\n  path = "x.db";\n};\nhttp: {\n  timeout_msec = 5;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:5: http.timeout_msec: unknown setting"
}

test_config__bad_values_rejected() {
    printf 'sync: {\n  jobs_interval = "soon";\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:2: sync.jobs_interval: expected a duration"
    printf 'http: {\n  max_attempts = 99;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:2: http.max_attempts: 99 is out of range 1..20"
    printf 'profile: {\n  max_memory_mb = 8;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:2: profile.max_memory_mb: 8 is out of range 64..65536"
    printf 'log: {\n  level = "loud";\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "log.level: expected one of"
    printf 'bogus: {\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "$T/bad.conf:1: bogus: unknown setting group"
}

test_config__task_memory_must_hold_a_profile_render() {
    printf 'isolation: {\n  max_memory_mb = 256;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" org list
    expect_rc 3
    expect_err "isolation.max_memory_mb (256) must not be below profile.max_memory_mb (512)"
    printf 'isolation: {\n  enabled = false;\n  max_memory_mb = 256;\n};\n' > "$T/ok.conf"
    run "$ATSB" -c "$T/ok.conf" --db "$DB" org list
    expect_rc 0
}

test_config__missing_file_given_with_c_is_an_error() {
    run "$ATSB" -c "$T/none.conf" org list
    expect_rc 3
    expect_err "$T/none.conf: cannot read config file"
}

test_config__relative_paths_are_relative_to_the_file() {
    sqlite_only "store.path is a file path relative to the config file" || return 0
    mkdir -p "$T/etc" "$T/plugins"
    cp "$FIXTURES/testats.so" "$T/plugins/"
    chmod 755 "$T/plugins" "$T/plugins/testats.so"
    printf 'store: {\n  path = "../data/store.db";\n};\nplugins: {\n  dir = "../plugins";\n};\n' > "$T/etc/a.conf"
    cd /
    run "$ATSB" -c "$T/etc/a.conf" org add acme
    expect_rc 0
    [ -f "$T/data/store.db" ] || fail "store not created at $T/data/store.db"
    run "$ATSB" -c "$T/etc/a.conf" plugins list
    expect_out "testats"
    # --db and --plugin-dir override the file for one invocation.
    run "$ATSB" -c "$T/etc/a.conf" --db "$T/other.db" --plugin-dir "$FIXTURES" org list --json
    expect_rc 0
    expect_eq "[]" "$(echo "$OUT" | jq -c .)"
}

run_tests
