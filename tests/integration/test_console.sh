#!/usr/bin/env bash
# The admin console: its files and headers over HTTP (curl), the API calls
# it relies on, and the whole console in headless Chromium as an admin
# uses it (tests/browser/console.test.js), with screenshots in
# build/console-shots/.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/api_lib.sh"

WWW="$ROOT/core/api/www"
SHOTS="$BUILD/console-shots"

# A fleet worth looking at: acme (Greenhouse) with synced jobs, one active,
# a dead letter; bolt (Lever); zeta not connected.
setup_fleet() {
    api_conf "api: { console_dir = \"$WWW\"; rate_limit = 0; };"
    start_sandbox "$ROOT/tests/fixtures/demo.json"
    AC org add acme --name "Acme Manufacturing" >/dev/null
    AC org add bolt --name "Bolt Robotics" >/dev/null
    AC org add zeta --name "Zeta Castings" >/dev/null
    AC connect acme greenhouse --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 >/dev/null
    AC connect bolt lever --set base_url="$SB/lever/v1" --set api_key=lv-key-value \
        --set perform_as=user-7 >/dev/null
    AC sync jobs --all >/dev/null
    AC jobs activate acme 1001 >/dev/null
    echo '{"id":"c-dead","org":"acme","job":"1001","first_name":"Dana","last_name":"Diaz","email":"dana@example.com","status":"engaged","resume":{"text":"Dana Diaz, welder"}}' > "$T/c.json"
    echo '{"id":"c-held","org":"acme","job":"1002","first_name":"Hal","last_name":"Held","email":"hal@example.com","status":"engaged","resume":{"text":"Hal Held, machinist"}}' >> "$T/c.json"
    AC candidates import "$T/c.json" >/dev/null
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"422","count":1}' >/dev/null
    AC sync candidates acme >/dev/null
    TOK=$(new_token console-admin)
    RO=$(new_token console-viewer --read-only)
    start_api
}

test_console__index_is_served_with_security_headers() {
    setup_fleet
    call GET /
    expect_status 200
    [[ $BODY == *'<script src="/console.js"'* ]] || fail "not the console page: ${BODY:0:300}"
    [[ $BODY != *'<script>'* ]] || fail "inline script in the page"
    local csp
    csp=$(echo "$HDRS" | tr -d '\r' | sed -n 's/^Content-Security-Policy: //Ip')
    [[ $csp == *"script-src 'self'"* && $csp == *"frame-ancestors 'none'"* && $csp != *unsafe-inline* ]] ||
        fail "CSP: $csp"
    [[ $HDRS == *"X-Content-Type-Options: nosniff"* ]] || fail "no nosniff: $HDRS"
    call GET /console.js
    expect_status 200
    [[ $HDRS == *"text/javascript"* ]] || fail "console.js type: $HDRS"
    # API answers are never cached and never framed either.
    call GET /v1/orgs
    [[ $HDRS == *"Cache-Control: no-store"* && $HDRS == *"frame-ancestors 'none'"* ]] || fail "API headers: $HDRS"
}

test_console__only_its_own_files_are_served() {
    setup_fleet
    local p
    for p in /../conf/atsbridge.conf /%2e%2e/etc/passwd /.hidden.js /index.html/x /db /api.conf /nope.js; do
        call GET "$p"
        [ "$STATUS" = 404 ] || fail "$p: HTTP $STATUS ${BODY:0:200}"
    done
    call POST / '{}'
    [ "$STATUS" = 404 ] || [ "$STATUS" = 405 ] || fail "POST /: HTTP $STATUS"
}

test_console__no_console_when_console_dir_is_empty() {
    api_conf 'api: { console_dir = ""; };'
    start_api
    call GET /
    expect_problem 404 not-found
    [[ $BODY == *"api.console_dir"* ]] || fail "does not say why: $BODY"
}

test_console__a_missing_console_dir_is_named_at_start() {
    # Not a config error: a staged install's config names the directory it
    # will have once installed.  The listener says why / will be 404.
    api_conf 'api: { console_dir = "/nonexistent/www"; };'
    start_api
    grep -q 'the console is not served: api.console_dir /nonexistent/www has no index.html' "$T/api.err" ||
        fail "no warning: $(cat "$T/api.err")"
    call GET /
    expect_problem 404 not-found
    call GET /v1/openapi.json
    expect_status 200
}

test_console__overview_api_filters_searches_and_totals() {
    setup_fleet
    call GET '/v1/orgs?totals=1'
    expect_status 200
    expect_eq 3 "$(jqb .totals.orgs)" "orgs"
    expect_eq 1 "$(jqb .totals.not_connected)" "not connected"
    expect_eq 1 "$(jqb .totals.dead_letters)" "dead letters"
    expect_eq "ok ok not_connected" "$(jqb '[.items[].health] | join(" ")')" "health"
    call GET '/v1/orgs?q=ROBOT'
    expect_eq bolt "$(jqb '[.items[].slug] | join(" ")')" "search by name, any case"
    call GET '/v1/orgs?health=not_connected'
    expect_eq zeta "$(jqb '[.items[].slug] | join(" ")')" "filter by health"
    call GET '/v1/orgs?health=sick'
    expect_problem 400 bad-parameter health
    call GET '/v1/orgs?limit=2'
    expect_eq "acme bolt" "$(jqb '[.items[].slug] | join(" ")')" "first page"
    call GET "/v1/orgs?limit=2&cursor=$(jqb .next_cursor)"
    expect_eq "zeta" "$(jqb '[.items[].slug] | join(" ")')" "second page"
}

test_console__token_runs_and_audit_for_the_org_page() {
    setup_fleet
    call GET /v1/token "" "$RO"
    expect_status 200
    expect_eq "console-viewer true" "$(jqb '"\(.name) \(.read_only)"')" "who am I"
    call GET /v1/orgs/acme/runs
    expect_status 200
    [ "$(jqb '.items | length')" -ge 1 ] || fail "no runs: $BODY"
    expect_eq jobs "$(jqb '.items[0].kind')" "run kind"
    call GET /v1/orgs/acme/audit
    expect_status 200
    [[ $(jqb '[.items[].action] | join(" ")') == *"job.activate"* ]] || fail "audit: $BODY"
    call GET /v1/orgs/acme/held
    expect_status 200
    expect_eq "c-held 1002" "$(jqb '[.items[] | "\(.candidate) \(.job)"] | join(",")')" "held candidates"
    [[ $(jqb ".items[0].reason") == *"pushed when it is activated"* ]] || fail "hold reason: $BODY"
    local scoped
    scoped=$(new_token acme-only --org acme)
    call GET /v1/orgs/bolt/runs "" "$scoped"
    expect_status 404
}

test_console__in_a_headless_browser() {
    local chromium node_dir
    if [ -n "${ATSB_SKIP_BROWSER:-}" ]; then
        echo "SKIP: ATSB_SKIP_BROWSER is set: $ATSB_SKIP_BROWSER" > "$T/.skip"
        return 0
    fi
    chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
    if [ -z "$chromium" ] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "SKIP: no browser (chromium, node and npm are needed; make deps installs them)" > "$T/.skip"
        return 0
    fi
    node_dir="$BUILD/browser"
    if [ ! -d "$node_dir/node_modules/puppeteer-core" ]; then
        mkdir -p "$node_dir"
        cp "$ROOT/tests/browser/package.json" "$ROOT/tests/browser/package-lock.json" "$node_dir/"
        (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) > "$T/npm.log" 2>&1 || {
            echo "SKIP: no browser driver (npm ci of puppeteer-core failed: $(tail -n 3 "$T/npm.log"))" > "$T/.skip"
            return 0
        }
    fi
    setup_fleet
    rm -rf "$SHOTS"
    NODE_PATH="$node_dir/node_modules" CHROMIUM="$chromium" \
        node "$ROOT/tests/browser/console.test.js" "$API" "$TOK" "$RO" "$SHOTS" > "$T/browser.tap" 2>&1 || {
        cat "$T/browser.tap"
        fail "the browser test failed (screenshots in $SHOTS)"
    }
    cat "$T/browser.tap"
    [ -s "$SHOTS/overview.png" ] && [ -s "$SHOTS/org.png" ] || fail "no screenshots in $SHOTS"
}

run_tests
