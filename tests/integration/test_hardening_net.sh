#!/usr/bin/env bash
# Network hardening, driven through the CLI against the sandbox: creates are
# never re-sent by the transport, credentials never leave base_url's origin,
# endless paging stops, hostile replies are refused with bounded cost, and a
# key without the departments permission still syncs.
. "$(dirname "$0")/../lib.sh"
MKPDF="$BUILD/tests/tools/mkpdf"

# lib.sh's start_sandbox can read sandbox.out before the background job has
# created it (a race that fails tests on a busy machine): create it first.
eval "lib_$(declare -f start_sandbox)"
start_sandbox() { : > "$T/sandbox.out"; lib_start_sandbox "$@"; }

fault() { sb POST /_control/faults "{$1}" >/dev/null; }
expect_le() { [ "$2" -le "$1" ] || fail "${3:-value}: expected at most $1, got $2"; }
in_ats() { sb GET /_control/recorded | jq -r '[(.candidates|length), (.applications|length), (.attachments|length)] | join(" ")'; }

engaged_candidate() { # engaged_candidate JOB: c-1 queued for JOB (synced, activated)
    "$MKPDF" "$T/r.pdf" 1 "Resume" || fail "mkpdf"
    cat > "$T/c.json" <<JSON
{"id":"c-1","org":"acme","job":"$1","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com",
 "status":"engaged","resume":{"path":"$T/r.pdf"}}
JSON
    A sync jobs acme
    expect_rc 0
    A jobs activate acme "$1"
    A candidates import --resume-dir "$T" "$T/c.json"
    expect_out "1 queued for the ATS"
}

# ---- 1: a create is never sent twice by the transport ---------------------
test_net__create_is_not_resent_after_a_lost_reply_on_a_reused_connection() {
    start_sandbox
    gh_connect acme
    engaged_candidate 1001
    # The ATS creates the candidate, then the connection dies before the
    # reply.  The look-ups before the create kept a connection alive, so
    # libcurl would silently send the POST again on a new one.
    fault '"path":"/v3/candidates","method":"POST","kind":"drop_after","count":1'
    A sync candidates acme
    expect_eq 1 "$(sb GET /_control/requests | jq '[.[] | select(.method=="POST" and .path=="/v3/candidates")] | length')" \
        "POST /v3/candidates sent"
    expect_eq "1 1" "$(in_ats | cut -d' ' -f1-2)" "candidates applications in the ATS after the lost reply"
    expect_out "retrying 1"
    # The next drain finds what the lost reply created, and finishes it.
    sleep 2.2
    A sync candidates acme
    expect_rc 0
    expect_eq "1 1 1" "$(in_ats)" "candidates applications attachments after the retry"
}

# ---- 8: credentials stay on base_url's origin -----------------------------
# start_evil: a second sandbox on 127.0.0.2 stands in for the host a hostile
# reply names; sets $EVIL (its base URL).
start_evil() {
    : > "$T/evil.out" # before the background job opens it: the loop below reads it
    "$SANDBOX" --listen 127.0.0.2:0 --fixture "$ROOT/tests/fixtures/greenhouse.json" \
        > "$T/evil.out" 2> "$T/evil.err" &
    EVIL_PID=$!
    trap 'kill $SB_PID $EVIL_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    local i
    for i in $(seq 1 100); do
        EVIL=$(sed -n 's/^listening on //p' "$T/evil.out")
        [ -n "$EVIL" ] && return 0
        sleep 0.05
    done
    fail "second sandbox did not start: $(cat "$T/evil.err")"
}
evil_requests() { curl -sS "$EVIL/_control/requests" | jq length; }
evil_tokens() { curl -sS "$EVIL/_control/requests" | jq '[.[] | select(.auth)] | length'; }

test_net__greenhouse_link_to_another_origin_is_refused_and_gets_no_token() {
    start_sandbox
    start_evil
    gh_connect acme
    fault "\"path\":\"/v3/jobs\",\"kind\":\"link_host\",\"value\":\"$EVIL\""
    A sync jobs acme --page-size 4
    expect_eq 0 "$(evil_tokens)" "requests with our credentials that reached the other origin"
    expect_eq 0 "$(evil_requests)" "requests that reached the other origin"
    expect_rc 1
    expect_err "next-page link points to $EVIL, not to base_url's origin $SB"
    expect_no "gh-secret-value"
    A status acme --json
    [[ $(echo "$OUT" | jq -r '.[0].runs[0].error') == *"refusing to follow it"* ]] ||
        fail "status should show why the run failed: $OUT"
    # Offices and departments are paged by the same Link rule.
    sb DELETE /_control/faults >/dev/null
    fault "\"path\":\"/v3/offices\",\"kind\":\"link_host\",\"value\":\"$EVIL\""
    A sync jobs acme --full
    expect_rc 1
    expect_eq 0 "$(evil_requests)" "requests that reached the other origin (offices)"
}

# ---- 17: departments are enrichment ---------------------------------------
test_net__greenhouse_departments_forbidden_or_missing_warns_once_and_syncs() {
    start_sandbox
    gh_connect acme
    local kind
    for kind in 403 404; do
        sb DELETE /_control/faults >/dev/null
        fault "\"path\":\"/v3/departments\",\"kind\":\"$kind\",\"count\":5"
        A sync jobs acme --full --page-size 4 --json
        expect_rc 0
        expect_eq ok "$(echo "$OUT" | jq -r '.[0].status')" "status with departments answering $kind"
        expect_eq 1 "$(grep -c 'departments' <<< "$ERR")" "warnings about departments ($kind): $ERR"
        expect_err "HTTP $kind"
        A jobs show acme 1001 --json
        expect_eq "CNC Machinist" "$(echo "$OUT" | jq -r .title)" "job synced without departments"
    done
    # A 401 (twice: the host fetches a new token once) is still bad
    # credentials, not a missing permission.
    sb DELETE /_control/faults >/dev/null
    fault '"path":"/v3/departments","kind":"401","count":2'
    A sync jobs acme
    expect_rc 6
    expect_err "GET /v3/departments: Greenhouse refused access (HTTP 401"
}

# ---- 6: a SOAP reply with a DTD is refused unparsed ------------------------
# hostile_soap FILE ENTITY_BYTES REFS: a Workday-shaped reply whose internal
# DTD defines one entity of ENTITY_BYTES, referenced REFS times in
# Total_Pages (quadratic expansion when the text is read).
hostile_soap() {
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE env:Envelope [\n<!ENTITY a "'
        head -c "$2" /dev/zero | tr '\0' 7
        printf '">\n]>\n<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wd="urn:com.workday/bsvc"><env:Body><wd:Get_Job_Requisitions_Response><wd:Response_Results><wd:Total_Results>1</wd:Total_Results><wd:Total_Pages>'
        head -c "$3" /dev/zero | sed 's/\x0/\&a;/g'
        printf '</wd:Total_Pages></wd:Response_Results></wd:Get_Job_Requisitions_Response></env:Body></env:Envelope>\n'
    } > "$1"
}
wd_connect() {
    A org add acme
    A connect acme workday --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix
    expect_rc 0
}

test_net__workday_reply_with_a_dtd_is_refused_as_permanent() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    # Small enough to be cheap even where it is expanded (1,000 x 1,000 bytes).
    hostile_soap "$T/dtd.xml" 1000 1000
    fault "\"path\":\"/ccx/service/acme/Recruiting\",\"contains\":\"Get_Job_Requisitions\",\"kind\":\"body_file\",\"value\":\"$T/dtd.xml\",\"count\":3"
    A sync jobs acme
    expect_rc 1
    expect_err "Get_Job_Requisitions_Request: Workday's reply carries a DTD, which SOAP forbids"
    # A push answered so is dead-lettered with the reason.
    sb DELETE /_control/faults >/dev/null
    engaged_candidate R-1001
    fault "\"path\":\"/ccx/service/acme/Recruiting\",\"contains\":\"Put_Candidate\",\"kind\":\"body_file\",\"value\":\"$T/dtd.xml\""
    A sync candidates acme
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"carries a DTD"* ]] || fail "dead letter reason: $OUT"
}

# ---- 7: what one page may cost is bounded ---------------------------------
gh_page() { # gh_page FILE N: a Greenhouse job page of N minimal US jobs
    awk -v n="$2" 'BEGIN { printf "["; for (i = 1; i <= n; i++) {
        if (i > 1) printf ",";
        printf "{\"id\":%d,\"name\":\"J\",\"status\":\"open\",\"office_ids\":[101]}", 7000000 + i }
        printf "]\n" }' > "$1"
}

test_net__page_with_more_jobs_than_max_page_jobs_is_refused() {
    start_sandbox
    gh_connect acme
    gh_page "$T/page.json" 1001
    fault "\"path\":\"/v3/jobs\",\"kind\":\"body_file\",\"value\":\"$T/page.json\""
    A sync jobs acme --json
    expect_rc 1
    expect_eq 0 "$(echo "$OUT" | jq '.[0].counts.created')" "jobs created from the refused page"
    expect_err "page 1 from the ATS holds 1001 jobs, more than sync.max_page_jobs (1000)"
}

test_net__reply_over_the_default_max_response_bytes_is_refused() {
    start_sandbox
    gh_connect acme
    gh_page "$T/page.json" 160000 # 9.6 MB, over the 8 MiB default
    fault "\"path\":\"/v3/jobs\",\"kind\":\"body_file\",\"value\":\"$T/page.json\""
    A sync jobs acme
    expect_rc 1
    expect_err "response larger than http.max_response_bytes (8388608)"
    expect_eq "" "$(jobs_json acme)" "jobs created from the refused reply"
}

# ---- 16: paging that never ends stops ---------------------------------------
# Each hostile fault is served 300 times, then the sandbox answers normally, so
# a connector that does not notice loops 300 times and then "succeeds".
requests_to() { sb GET /_control/requests | jq --arg p "$1" '[.[] | select(.path | startswith($p))] | length'; }

test_net__greenhouse_next_link_to_the_same_page_stops_the_run() {
    start_sandbox
    gh_connect acme
    fault '"path":"/v3/jobs","kind":"link_self","after":1,"count":300'
    A sync jobs acme --page-size 4
    expect_rc 1
    expect_err "Greenhouse's next-page link repeats a page already read in this listing"
    expect_eq 3 "$(requests_to /v3/jobs)" "job page requests"
    # Offices are paged the same way.
    sb DELETE /_control/faults >/dev/null
    fault '"path":"/v3/offices","kind":"link_self","count":300'
    A sync jobs acme
    expect_rc 1
    expect_err "Greenhouse's next-page link repeats a page already read in this listing"
}

test_net__lever_next_token_that_never_changes_stops_the_run() {
    start_sandbox "$ROOT/tests/fixtures/lever.json"
    A org add acme
    A connect acme lever --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7
    expect_rc 0
    fault '"path":"/lever/v1/postings","kind":"next_repeat","count":300'
    A sync jobs acme --page-size 2
    expect_rc 1
    expect_err "Lever's next offset token repeats one already used in this listing"
    expect_le 4 "$(requests_to /lever/v1/postings)" "posting page requests"
}

test_net__workday_total_pages_beyond_total_results_stops_the_run() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    # connect's check asks several operations; count the sync's own.
    sb DELETE /_control/requests >/dev/null
    fault '"path":"/ccx/service/acme/Recruiting","contains":"Get_Job_Requisitions","kind":"total_pages","value":"1000000000","count":300'
    A sync jobs acme
    expect_rc 1
    expect_err "Total_Pages 1000000000"
    expect_le 1 "$(requests_to /ccx/service/acme/Recruiting)" "requisition page requests"
    # A plausible count whose later pages are empty stops at the first one.
    sb DELETE /_control/faults >/dev/null
    fault '"path":"/ccx/service/acme/Recruiting","contains":"Get_Job_Requisitions","kind":"total_pages","value":"5","count":300'
    A sync jobs acme
    expect_rc 1
    expect_err "page 2 of Total_Pages 5 holds no requisitions"
}

test_net__more_pages_than_sync_max_pages_stops_the_run() {
    start_sandbox
    gh_connect acme
    { cat "$TEST_CONF"; printf 'sync: {\n  max_pages = 2;\n};\n'; } > "$T/pages.conf"
    run "$ATSB" -c "$T/pages.conf" --db "$DB" --plugin-dir "$PLUGINS" sync jobs acme --page-size 2 --json
    expect_rc 1
    expect_eq 2 "$(echo "$OUT" | jq '.[0].pages')" "pages committed before the limit"
    expect_err "the ATS sent more than sync.max_pages (2) pages in one run"
}

run_tests
