#!/usr/bin/env bash
# The SDK header is a public contract: it must compile alone under strict
# C99 and as C++, and export macros must give exactly one symbol.
. "$(dirname "$0")/../lib.sh"
CC=${CC:-cc}
CXX=${CXX:-c++}

test_sdk_header__compiles_alone_as_strict_c99() {
    printf '#include <atsbridge/connector.h>\nint main(void) { atsb_error e = ATSB_ERROR_INIT; return e.code; }\n' > t.c
    run "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -I"$ROOT/sdk/include" -c t.c -o t.o
    expect_rc 0
}

test_sdk_header__compiles_alone_as_cxx() {
    command -v "$CXX" >/dev/null || fail "no C++ compiler ($CXX)"
    printf '#include <atsbridge/connector.h>\nint main() { atsb_error e = ATSB_ERROR_INIT; return e.code + (int)sizeof(atsb_connector); }\n' > t.cc
    run "$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$ROOT/sdk/include" -c t.cc -o t.o
    expect_rc 0
}

test_sdk_header__util_header_compiles_alone_as_strict_c99_and_cxx() {
    printf '#include <atsbridge/connector_util.h>\nint main(void) { char *s = atsb_util_printf("%%d", 1); int r = s ? 0 : 1; free(s); return r; }\n' > u.c
    run "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -I"$ROOT/sdk/include" -c u.c -o u.o
    expect_rc 0
    cp u.c u.cc
    run "$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$ROOT/sdk/include" -c u.cc -o u.o
    expect_rc 0
}

test_sdk_header__define_macro_exports_only_the_entry() {
    cat > c.c <<'C'
#include <atsbridge/connector.h>
int helper_that_should_stay_hidden(void);
int helper_that_should_stay_hidden(void) { return 1; }
static const atsb_connector d = { ATSB_CONNECTOR_HEADER, "x", "1", "x", 0, 0, 0, 0, 0, 0, 0, 0, 0 };
ATSB_CONNECTOR_DEFINE(d)
C
    run "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -fPIC -fvisibility=hidden -shared \
        -I"$ROOT/sdk/include" -Wl,--version-script="$ROOT/sdk/connector.map" c.c -o c.so
    expect_rc 0
    expect_eq "atsb_connector_entry" "$(nm -D --defined-only c.so | awk '{print $3}')" "exports"
}

run_tests
