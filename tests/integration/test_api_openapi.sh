#!/usr/bin/env bash
# docs/openapi.yaml is a valid OpenAPI 3.1 document, the server serves it,
# and the document and the server agree: every route the server answers
# is in it, and every operation in it is answered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

DOC="$ROOT/docs/openapi.yaml"

# "METHOD /path" lines of the document.
doc_ops() {
    python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for p, item in d["paths"].items():
    for m in item:
        if m in ("get", "put", "post", "patch", "delete"):
            print(m.upper(), p)' "$DOC" | sort
}

# "METHOD /path" lines of the server's route table.
server_ops() {
    sed -n 's/^ *{ "\([A-Z]*\)", "\([^"]*\)", api_h_[a-z_]*, [A-Z]* },$/\1 \2/p' \
        "$ROOT/core/api/api_route.c" | sort
}

test_api_openapi__the_document_is_valid_openapi_3_1() {
    # Not packaged in Debian 12 (pip's openapi-spec-validator); where it is
    # missing the route check below still runs.
    if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
        echo "SKIP: no openapi-spec-validator for python3 (pip install openapi-spec-validator)" > "$T/.skip"
        return 0
    fi
    run python3 -m openapi_spec_validator "$DOC"
    expect_rc 0
    expect_out "OK"
    expect_eq 3.1.0 "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["openapi"])' "$DOC")" "version"
}

test_api_openapi__the_server_serves_the_document() {
    api_conf
    start_api
    call GET /v1/openapi.json "" -
    expect_status 200
    echo "$BODY" > "$T/served.json"
    python3 -c '
import json, sys, yaml
served = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open(sys.argv[2]))
sys.exit(0 if served == doc else "the served document differs from docs/openapi.yaml")' \
        "$T/served.json" "$DOC"
}

test_api_openapi__every_route_is_documented_and_every_operation_answered() {
    local server doc
    server=$(server_ops)
    doc=$(doc_ops)
    [ "$(echo "$server" | wc -l)" -ge 20 ] || fail "could not read the route table: $server"
    expect_eq "$doc" "$server" "operations in docs/openapi.yaml vs core/api/api_route.c"
    # And the running server answers each documented operation (401 or 200
    # without a token: neither "no such resource" nor "method not allowed"),
    # while an undocumented one is 404/405.
    api_conf
    start_api
    local m p path bad=""
    while read -r m p; do
        path=$(echo "$p" | sed 's/{[a-z]*}/x1/g')
        call "$m" "$path" "" -
        case $STATUS in 404|405) bad="$bad $m:$p=$STATUS" ;; esac
    done <<< "$doc"
    expect_eq "" "$bad" "documented operations the server does not answer"
    call PUT /v1/events "" -
    expect_status 405
    call GET /v1/orgs/x1/webhooks "" -
    expect_status 404
}

run_tests
