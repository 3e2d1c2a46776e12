#!/usr/bin/env bash
# The layout is the architecture: SQL (SQLite, libpq) only in core/store/,
# and there only in the two backends of the statement layer; libcurl only in
# core/net/, connectors only through the SDK headers.  Checked on the source
# so a stray include fails the suite, not a code review.
. "$(dirname "$0")/../lib.sh"

offenders() { # offenders PATTERN ALLOWED_DIR: core files outside ALLOWED_DIR matching PATTERN
    grep -rlE "$1" "$ROOT/core" --include='*.c' --include='*.h' | grep -v "^$ROOT/$2/" || true
}

test_layout__sqlite_only_in_store() {
    local bad; bad=$(offenders '(sqlite3\.h|sqlite3_)' core/store)
    [ -z "$bad" ] || fail "SQLite used outside core/store/: $bad"
}

test_layout__libpq_only_in_store_and_each_backend_in_its_file() {
    local bad; bad=$(offenders '(libpq-fe\.h|\bPQ[a-z]+\()' core/store)
    [ -z "$bad" ] || fail "libpq used outside core/store/: $bad"
    # Above the statement layer, the store files know neither library.
    bad=$(grep -lE '(sqlite3\.h|sqlite3_|libpq-fe\.h|\bPQ[a-z]+\()' "$ROOT"/core/store/*.c |
          grep -vE '/store_db_(sqlite|pg)\.c$' || true)
    [ -z "$bad" ] || fail "a store file calls a backend library directly: $bad"
}

test_layout__curl_only_in_net() {
    local bad; bad=$(offenders '(curl/curl\.h|curl_easy_|curl_url)' core/net)
    [ -z "$bad" ] || fail "libcurl used outside core/net/: $bad"
}

test_layout__connectors_include_only_the_sdk() {
    local bad
    bad=$(grep -rhoE '#include "[^"]+"' "$ROOT/plugins" | sed 's/#include //' | tr -d '"' |
          grep -vE '^((gh|lever|wd)\.h|atsbridge/connector(_util)?\.h)$' || true)
    [ -z "$bad" ] || fail "connectors include host headers: $bad"
}

test_layout__core_stays_grouped() {
    local n; n=$(find "$ROOT/core" -maxdepth 1 -type f | wc -l)
    [ "$n" -le 2 ] || fail "core/ top level has $n files; put them in a subsystem directory"
    for d in "$ROOT"/core/*/; do
        n=$(find "$d" -type f | wc -l)
        [ "$n" -le 30 ] || fail "$d has $n files: split it"
    done
}

test_layout__gpl_geonames_is_not_linked() {
    # Its CC-BY data is embedded at build time (core/sync/gen/); its GPL-3
    # code must never be part of atsbridge.
    ! ldd "$ATSB" | grep -q geonames || fail "atsbridge links libgeonames"
    ! grep -rq 'include <geonames' "$ROOT/core" --include='*.c' --exclude-dir=gen ||
        fail "a core file outside core/sync/gen/ includes geonames.h"
}

run_tests
