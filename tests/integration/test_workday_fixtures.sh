#!/usr/bin/env bash
# Workday as the vendor documents it, not as our sandbox happens to behave:
# reply fixtures written from the shapes in the shared vendor doc
# (tests/fixtures/workday/README.md) are served to the connector through the
# sandbox's body_file fault, and the sandbox's own vendor rules (schema
# order, descriptors only when asked, permissions) are checked directly.
. "$(dirname "$0")/../lib.sh"

WDX=$ROOT/tests/fixtures/workday
EP_PATH=/ccx/service/acme/Recruiting/v42.0

wd_connect() { # wd_connect [extra --set ...]
    A org add acme
    A connect acme workday --set endpoint="$SB$EP_PATH" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix "$@"
}
serve() { # serve OPERATION FILE [STATUS]: answer OPERATION's requests with FILE
    sb POST /_control/faults "{\"path\":\"/ccx/service/\",\"contains\":\"$1_Request\",\"kind\":\"body_file\",\"value\":\"$WDX/$2\",\"status\":${3:-200},\"count\":100}" >/dev/null
}
fixture_with() { # fixture_with JQ-FILTER: a copy of workday.json changed by the filter
    jq "$1" "$ROOT/tests/fixtures/workday.json" > "$T/wd.json"
    echo "$T/wd.json"
}
soap() { # soap BODY-FILE: POST a raw SOAP request as the fixture's ISU; prints the reply
    curl -sS -o "$T/reply.xml" -w '%{http_code}' -X POST -H 'Content-Type: text/xml' \
        --data-binary "@$1" "$SB$EP_PATH"
}
envelope() { # envelope HEADER-XML BODY-XML > file
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:bsvc="urn:com.workday/bsvc">
 <env:Header>
  <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
   <wsse:UsernameToken><wsse:Username>isu_atsbridge@acme</wsse:Username>
    <wsse:Password>wd-password-value</wsse:Password></wsse:UsernameToken>
  </wsse:Security>$1
 </env:Header>
 <env:Body>$2</env:Body>
</env:Envelope>
XML
}

test_workday_fixtures__documented_requisition_reply_imports() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    expect_rc 0
    serve Get_Job_Requisitions get_job_requisitions.xml
    serve Get_Locations get_locations.xml
    A sync jobs acme --full --json
    expect_rc 0
    expect_eq "3:1:0" "$(echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.closed_skipped):\(.malformed)"')" "created:closed:malformed"
    A jobs show acme R-00008 --json
    expect_eq "CNC Machinist & Programmer|Austin Plant|US|Texas|Austin|Run 5-axis CNC mills." \
        "$(echo "$OUT" | jq -r '"\(.title)|\(.location)|\(.country)|\(.region)|\(.city)|\(.description)"')" "R-00008"
    A jobs show acme R-00009 --json
    expect_eq "Dayton Works|US" "$(echo "$OUT" | jq -r '"\(.location)|\(.country)"')" \
        "R-00009 placed by its Primary_Job_Posting_Location_Reference"
    A jobs show acme R-00010 --json
    expect_eq "Dayton Works|US" "$(echo "$OUT" | jq -r '"\(.location)|\(.country)"')" \
        "R-00010: a US Additional_Locations_Reference beside a London primary"
}

test_workday_fixtures__documented_candidate_replies_push() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    A sync jobs acme
    A jobs activate acme R-1001
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 1 "Resume"
    echo '{"id":"c-1","org":"acme","job":"R-1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","phone":"+1 555 0100","status":"engaged","resume":{"path":"'"$T"'/r.pdf"}}' > "$T/c.json"
    A candidates import --resume-dir "$T" "$T/c.json"
    serve Get_Candidates get_candidates_none.xml
    serve Put_Candidate put_candidate_response.xml
    A sync candidates acme
    expect_out "pushed 1"
    A outbox list acme --json
    expect_eq "CAND-1182 JOB_APPLICATION-6-248" "$(echo "$OUT" | jq -r '.[0] | "\(.ats_candidate_id) \(.ats_application_id)"')" "ids read from CB's reply"
}

test_workday_fixtures__documented_validation_fault_dead_letters_with_its_message() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    A sync jobs acme
    A jobs activate acme R-1001
    echo '{"id":"c-1","org":"acme","job":"R-1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","status":"engaged"}' > "$T/c.json"
    A candidates import --resume-dir "$T" "$T/c.json"
    serve Put_Candidate fault_validation.xml 500
    A sync candidates acme
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"'R-00404' is not a valid ID value for type = 'Job_Requisition_ID'"* ]] ||
        fail "the fault's message is kept: $OUT"
}

test_workday_fixtures__documented_auth_fault_needs_attention() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    serve Get_Job_Requisitions fault_authentication.xml 500
    A sync jobs acme
    expect_rc 6
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')" "state"
    expect_no wd-password-value
}

test_workday_fixtures__connect_fails_when_a_requisition_cannot_be_read() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    A org add acme
    serve Get_Job_Requisitions get_job_requisitions_flat.xml
    A connect acme workday --set endpoint="$SB$EP_PATH" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix
    expect_rc 3
    expect_err "cannot read requisition (no id): no Job_Requisition_Reference/ID of type Job_Requisition_ID"
    expect_no wd-password-value
}

test_workday_fixtures__mostly_malformed_run_fails_and_status_shows_it() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    wd_connect
    A sync jobs acme --full
    expect_rc 0
    serve Get_Job_Requisitions get_job_requisitions_flat.xml
    A sync jobs acme --full --json
    expect_rc 1
    expect_eq "failed:6" "$(echo "$OUT" | jq -r '.[0] | "\(.status):\(.counts.malformed)"')" "status:malformed"
    expect_err "6 of 6 records from the ATS could not be read (first: (no id): no Job_Requisition_Reference"
    A status acme
    expect_out "failed"
    expect_out "6 of 6 records from the ATS could not be read"
    A jobs list acme --state archived --json
    expect_eq 0 "$(echo "$OUT" | jq length)" "a failed run archives nothing as vanished"
}

test_workday_fixtures__isu_missing_permissions_are_named_at_connect() {
    start_sandbox "$(fixture_with '.workday.users[0].denied = ["Get_Candidates", "Get_Locations"]')"
    wd_connect
    expect_rc 6
    expect_err "the ISU lacks: Get_Candidates (Processing error occurred. The task submitted is not authorized.), Get_Locations ("
    expect_no wd-password-value
}

test_workday_fixtures__missing_get_locations_only_warns() {
    start_sandbox "$(fixture_with '.workday.users[0].denied = ["Get_Locations"]')"
    wd_connect
    expect_rc 0
    A sync jobs acme --json
    expect_rc 0
    expect_eq 6 "$(echo "$OUT" | jq -r '.[0].counts.created')" "jobs placed by their location names (descriptors)"
    A jobs show acme R-1001 --json
    expect_eq "Austin Plant|null" "$(echo "$OUT" | jq -r '"\(.location)|\(.city)"')" "placed by the reference's descriptor only"
}

test_workday_fixtures__open_unposted_requisitions_follow_require_posting() {
    start_sandbox "$(fixture_with '(.workday.requisitions[] | select(.id == "R-1002")).posted = false')"
    wd_connect
    A sync jobs acme
    A jobs show acme R-1002 --json
    expect_eq disabled "$(echo "$OUT" | jq -r .state)" "default: an open requisition is open, posted or not"
    A org add beta
    A connect beta workday --set endpoint="$SB$EP_PATH" --set username=isu_atsbridge@acme \
        --set password=wd-password-value --set stage_id=Review --set source_id=FactoryFix \
        --set require_posting=true
    expect_rc 0
    A sync jobs beta --json
    expect_eq "5:3" "$(echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.closed_skipped)"')" \
        "require_posting=true: the unposted R-1002 counts as closed"
    A jobs show beta R-1002
    expect_rc 4
}

test_workday_fixtures__v31_2_sends_flat_candidate_names() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    EP_PATH=/ccx/service/acme/Recruiting/v31.2
    wd_connect
    expect_rc 0
    A sync jobs acme
    A jobs activate acme R-1001
    echo '{"id":"c-1","org":"acme","job":"R-1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","phone":"+1 555 0100","status":"engaged"}' > "$T/c.json"
    A candidates import --resume-dir "$T" "$T/c.json"
    A sync candidates acme
    expect_out "pushed 1"
    expect_eq "Zoe Orsted +1 555 0100" "$(sb GET /_control/recorded | jq -r '.candidates[0] | "\(.first_name) \(.last_name) \(.phone)"')" "recorded"
}

test_workday_fixtures__resume_for_an_existing_application_is_attached() {
    # Workday has the application (a reply lost after it acted) but not the resume.
    start_sandbox "$(fixture_with '.workday.candidates = [{"id":"C-77","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","applications":[{"id":"JA-77","requisition":"R-1001","stage":"Review","source":"FactoryFix","resumes":[]}]}]')"
    wd_connect
    A sync jobs acme
    A jobs activate acme R-1001
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 1 "Resume"
    echo '{"id":"c-1","org":"acme","job":"R-1001","first_name":"Zoe","last_name":"Orsted","email":"zoe@example.com","status":"engaged","resume":{"path":"'"$T"'/r.pdf"}}' > "$T/c.json"
    A candidates import --resume-dir "$T" "$T/c.json"
    A sync candidates acme
    expect_out "pushed 1"
    expect_eq "0 0 1 JA-77" "$(sb GET /_control/recorded | jq -r '"\(.candidates|length) \(.applications|length) \(.attachments|length) \(.attachments[0].application_id)"')" \
        "no new candidate or application; the resume on the existing application"
}

test_workday_fixtures__put_candidate_out_of_schema_order_is_refused() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    local app='<bsvc:Job_Application_Data><bsvc:Job_Applied_To_Data>
      <bsvc:Job_Requisition_Reference><bsvc:ID bsvc:type="Job_Requisition_ID">R-1001</bsvc:ID></bsvc:Job_Requisition_Reference>
      <bsvc:Stage_Reference><bsvc:ID bsvc:type="Recruiting_Stage_ID">Review</bsvc:ID></bsvc:Stage_Reference>
      <bsvc:Source_Reference><bsvc:ID bsvc:type="Applicant_Source_ID">FactoryFix</bsvc:ID></bsvc:Source_Reference>
      </bsvc:Job_Applied_To_Data></bsvc:Job_Application_Data>'
    local name='<bsvc:Name_Data><bsvc:Legal_Name><bsvc:Name_Detail_Data><bsvc:First_Name>Zoe</bsvc:First_Name><bsvc:Last_Name>Orsted</bsvc:Last_Name></bsvc:Name_Detail_Data></bsvc:Legal_Name></bsvc:Name_Data>'
    envelope "" "<bsvc:Put_Candidate_Request bsvc:version=\"v42.0\"><bsvc:Candidate_Data>$name
      <bsvc:Contact_Data><bsvc:Email_Address>zoe@example.com</bsvc:Email_Address><bsvc:Phone_Number>+1 555 0100</bsvc:Phone_Number></bsvc:Contact_Data>
      $app</bsvc:Candidate_Data></bsvc:Put_Candidate_Request>" > "$T/email_first.xml"
    expect_eq 500 "$(soap "$T/email_first.xml")" "Email_Address before Phone_Number"
    grep -q "Client.validationError" "$T/reply.xml" || fail "not a validation fault: $(cat "$T/reply.xml")"
    grep -q "Phone_Number" "$T/reply.xml" || fail "the fault names the element: $(cat "$T/reply.xml")"
    envelope "" "<bsvc:Put_Candidate_Request bsvc:version=\"v42.0\"><bsvc:Candidate_Data><bsvc:Name_Data><bsvc:Legal_Name><bsvc:Name_Detail_Data>
      <bsvc:Country_Reference><bsvc:ID bsvc:type=\"ISO_3166-1_Alpha-2_Code\">US</bsvc:ID></bsvc:Country_Reference>
      <bsvc:First_Name>Zoe</bsvc:First_Name><bsvc:Last_Name>Orsted</bsvc:Last_Name></bsvc:Name_Detail_Data></bsvc:Legal_Name></bsvc:Name_Data>
      $app</bsvc:Candidate_Data></bsvc:Put_Candidate_Request>" > "$T/country.xml"
    expect_eq 500 "$(soap "$T/country.xml")" "Country_Reference in a candidate's Name_Detail_Data"
    grep -q "Country_Reference" "$T/reply.xml" || fail "the fault names the element: $(cat "$T/reply.xml")"
    envelope "" "<bsvc:Put_Candidate_Request bsvc:version=\"v42.0\"><bsvc:Candidate_Data>$name
      <bsvc:Contact_Data><bsvc:Phone_Number>+1 555 0100</bsvc:Phone_Number><bsvc:Email_Address>zoe@example.com</bsvc:Email_Address></bsvc:Contact_Data>
      $app</bsvc:Candidate_Data></bsvc:Put_Candidate_Request>" > "$T/ok.xml"
    expect_eq 200 "$(soap "$T/ok.xml")" "schema order: $(cat "$T/reply.xml")"
}

test_workday_fixtures__descriptors_only_when_the_header_asks() {
    start_sandbox "$ROOT/tests/fixtures/workday.json"
    local body='<bsvc:Get_Job_Requisitions_Request bsvc:version="v42.0"><bsvc:Response_Filter><bsvc:Page>1</bsvc:Page><bsvc:Count>1</bsvc:Count></bsvc:Response_Filter></bsvc:Get_Job_Requisitions_Request>'
    envelope "" "$body" > "$T/plain.xml"
    expect_eq 200 "$(soap "$T/plain.xml")" "plain"
    ! grep -q 'Descriptor=' "$T/reply.xml" || fail "descriptors without asking: $(cat "$T/reply.xml")"
    envelope "<bsvc:Workday_Common_Header><bsvc:Include_Reference_Descriptors_In_Response>true</bsvc:Include_Reference_Descriptors_In_Response></bsvc:Workday_Common_Header>" "$body" > "$T/asked.xml"
    expect_eq 200 "$(soap "$T/asked.xml")" "asked"
    grep -q 'wd:Descriptor="Austin Plant"' "$T/reply.xml" || fail "no descriptors when asked: $(cat "$T/reply.xml")"
}

run_tests
