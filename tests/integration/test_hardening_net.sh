#!/usr/bin/env bash
# Network hardening, driven through the CLI against the sandbox: creates are
# never re-sent by the transport, credentials never leave base_url's origin,
# endless paging stops, hostile replies are refused with bounded cost, and a
# key without the departments permission still syncs.
. "$(dirname "$0")/../lib.sh"
MKPDF="$BUILD/tests/tools/mkpdf"

fault() { sb POST /_control/faults "{$1}" >/dev/null; }
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
    A candidates import "$T/c.json"
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

run_tests
