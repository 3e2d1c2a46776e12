#!/usr/bin/env bash
# The man pages cover the code: every command and subcommand (core/main.c's
# table, each command's --help), every option (--help), every exit code,
# and every setting config.c knows (atsbridge.conf(5) is generated from
# conf/atsbridge.conf, which must hold them all).
. "$(dirname "$0")/../lib.sh"

MAN1="$ROOT/man/atsbridge.1.scd"

skip_without_pages() {
    if [ ! -f "$BUILD/man/atsbridge.1" ]; then
        command -v scdoc >/dev/null || { echo "# skip: scdoc absent (make deps installs it)"; return 0; }
        fail "no $BUILD/man/atsbridge.1 (make man)"
    fi
    return 1
}

commands() { sed -n 's/^ *{ "\([a-z-]*\)", cmd_[a-z_]* },$/\1/p' "$ROOT/core/main.c"; }

test_man__every_command_and_subcommand_has_an_entry() {
    local cmds; cmds=$(commands)
    [ "$(echo "$cmds" | wc -l)" -ge 10 ] || fail "could not read core/main.c's command table: $cmds"
    local c line sub missing=""
    for c in $cmds; do
        grep -q "^\*atsbridge $c\*\|^\*atsbridge $c " "$MAN1" || missing="$missing $c"
        run "$ATSB" "$c" --help
        # "usage: atsbridge org add ORG" / "       atsbridge org list": the subcommands.
        while read -r line; do
            sub=$(echo "$line" | sed -n 's/^\(usage: \)\{0,1\}atsbridge \([a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}\([^a-z-].*\)\{0,1\}$/\2\3/p')
            [ -n "$sub" ] || continue
            grep -q "^\*atsbridge $sub\*" "$MAN1" || missing="$missing '$sub'"
        done <<< "$OUT"
    done
    expect_eq "" "$missing" "commands without an entry in man/atsbridge.1.scd"
}

test_man__every_option_has_an_entry() {
    local c opt missing=""
    for c in "" $(commands); do
        run "$ATSB" $c --help
        for opt in $(echo "$OUT" | grep -oE '(^|[ [,|])--?[a-z][a-z-]*' | sed 's/^[ [,|]//' | sort -u); do
            grep -qF -- "*$opt*" "$MAN1" || missing="$missing ${c:-global}:$opt"
        done
    done
    expect_eq "" "$missing" "options without an entry in man/atsbridge.1.scd"
}

test_man__every_exit_code_has_an_entry() {
    run "$ATSB" --help
    local codes; codes=$(echo "$OUT" | sed -n '/^exit codes:/,$p' | grep -oE '\b[0-9]+ [a-zA-Z]' | cut -d' ' -f1)
    [ "$(echo "$codes" | wc -l)" -ge 9 ] || fail "could not read the exit codes from --help: $OUT"
    local n missing=""
    for n in $codes; do
        sed -n '/^# EXIT STATUS/,/^# /p' "$MAN1" | grep -qx "\*$n\*" || missing="$missing $n"
    done
    expect_eq "" "$missing" "exit codes without an entry"
}

test_man__every_setting_is_in_the_shipped_config_and_the_page() {
    local code conf
    code=$(sed -n 's/^ *{ "\([a-z_]*\)", "\([a-z_]*\)", K_.*/\1.\2/p' "$ROOT/core/base/config.c" | sort)
    [ "$(echo "$code" | wc -l)" -ge 20 ] || fail "could not read config.c's KEYS: $code"
    conf=$(awk '/^[a-z_]+: *\{/ { g = $1; sub(/:.*/, "", g) }
                /^[ \t]+[a-z_]+ *= / { print g "." $1 }' "$ROOT/conf/atsbridge.conf" | sort)
    expect_eq "$code" "$conf" "settings in config.c vs conf/atsbridge.conf"
    skip_without_pages && return 0
    local page; page=$(MANWIDTH=200 man -l "$BUILD/man/atsbridge.conf.5" 2>/dev/null)
    local k missing=""
    for k in $code; do
        grep -qE "^ +$k \(default: .+\)$" <<< "$page" || missing="$missing $k"
    done
    expect_eq "" "$missing" "settings without an entry (and default) in atsbridge.conf(5)"
    # The defaults are the shipped file's (a few spot checks).
    [[ $page == *'sync.jobs_interval (default: "3h")'* ]] || fail "jobs_interval default"
    [[ $page == *'http.max_response_bytes (default: 8388608)'* ]] || fail "max_response_bytes default"
    [[ $page == *'location.us_territories (default: true)'* ]] || fail "us_territories default"
}

test_man__pages_render_without_warnings() {
    skip_without_pages && return 0
    local p
    for p in atsbridge.1 atsbridge.conf.5 atsbridge-connector.7; do
        run env MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$BUILD/man/$p"
        expect_rc 0
        [ -z "$ERR" ] || fail "$p: $ERR"
        expect_out "NAME"
    done
}

run_tests
