#!/usr/bin/env bash
# The bash completion (completion/atsbridge.bash): commands, subcommands,
# options, and org slugs and connector names from the store and plugin
# directory named on the command line.
. "$(dirname "$0")/../lib.sh"

# complete WORDS...: what the completion offers for the last word.
complete_line() {
    local line="$*"
    bash --norc --noprofile -c '
        PATH="$1:$PATH"; . "$2"; shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _atsbridge atsbridge "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$(dirname "$ATSB")" "$ROOT/completion/atsbridge.bash" "$@"
}

test_completion__commands_subcommands_and_options() {
    expect_eq "candidates check connect " "$(complete_line atsbridge c)" "atsbridge c"
    expect_eq "set show " "$(complete_line atsbridge org s)" "org s"
    expect_eq "--full " "$(complete_line atsbridge sync jobs acme --fu)" "sync jobs --fu"
    expect_eq "--once " "$(complete_line atsbridge daemon --on)" "daemon --on"
    expect_eq "--plugin-dir " "$(complete_line atsbridge --plu)" "--plu"
    expect_eq "active archived " "$(complete_line atsbridge jobs list acme --state a)" "--state a"
}

test_completion__org_slugs_and_connector_names() {
    "$ATSB" --db "$DB" org add acme >/dev/null
    "$ATSB" --db "$DB" org add acme-two >/dev/null
    "$ATSB" --db "$DB" org add beta >/dev/null
    expect_eq "acme acme-two " "$(complete_line atsbridge --db "$DB" status ac)" "status ac"
    expect_eq "beta " "$(complete_line atsbridge --db "$DB" sync jobs b)" "sync jobs b"
    expect_eq "greenhouse " "$(complete_line atsbridge --db "$DB" --plugin-dir "$PLUGINS" connect acme g)" "connect acme g"
    expect_eq "greenhouse lever workday " "$(complete_line atsbridge --db "$DB" --plugin-dir "$PLUGINS" plugins show '')" "plugins show"
}

run_tests
