#!/usr/bin/env bash
# Candidates, atsbridge -> ATS, through the CLI against the sandbox's
# Greenhouse v3: intake, the trigger, holds, the PDF profile, the push with
# every field, retries, kill -9 after the ATS acted, dead letters.
. "$(dirname "$0")/../lib.sh"
MKPDF="$BUILD/tests/tools/mkpdf"

setup_org() { # sandbox + acme connected + jobs synced + 1001 active
    start_sandbox
    gh_connect acme
    A sync jobs acme
    expect_rc 0
    A jobs activate acme 1001
}

zoe() { # zoe [STATUS] [JOB]: the engaged candidate with a 3-page PDF resume
    "$MKPDF" "$T/zoe.pdf" 3 "Résumé of Zoë Ørsted" || fail "mkpdf"
    local msgs="" i
    for i in $(seq 1 12); do
        msgs="$msgs{\"from\":\"$([ $((i % 2)) = 1 ] && echo 'AI recruiter' || echo candidate)\",\"at\":\"2026-11-20T14:$(printf %02d $i):00Z\",\"text\":\"Message number $i of the screening — ünïcödé ok\"},"
    done
    cat > "$T/zoe.json" <<JSON
{"id":"c-1","org":"acme","job":"${2:-1001}","first_name":"Zoë","last_name":"Ørsted",
 "email":"zoe@example.com","phone":"+1 555 0100","status":"${1:-engaged}",
 "assessment":{"stars":4,"summary":"Strong CNC background; available nights."},
 "transcript":[${msgs%,}],
 "resume":{"path":"$T/zoe.pdf"}}
JSON
}

recorded() { sb GET /_control/recorded; }

test_cands__import_formats_and_precise_errors() {
    start_sandbox
    gh_connect acme
    printf '%s\n' \
        '{"id":"a1","org":"acme","job":"1001","first_name":"Ann","last_name":"One","email":"a1@example.com","status":"new"}' \
        '{"id":"a2","org":"acme","job":"1001","first_name":"Bob","last_name":"Two","email":"a2@example.com","status":"bogus"}' \
        '{"id":"a3","org":"acme","job":"1001","first_name":"Cy","last_name":"Three","status":"new","email":"not-an-email"}' \
        '{"id":"a4","org":"acme","job":"1001","first_name":"Di","last_name":"Four","email":"a4@example.com","status":"new","assessment":{"stars":9}}' \
        '{"id":"a5","org":"nosuch","job":"1001","first_name":"Ed","last_name":"Five","email":"a5@example.com","status":"new"}' \
        '{"id":"a6", broken json' \
        '{"id":"a7","org":"acme","job":1001,"first_name":"Fay","last_name":"Seven","email":"a7@example.com","status":"new","resume":{"path":"/nonexistent.pdf"}}' \
        '{"id":"a8","org":"acme","job":"1001","first_name":"Gus","last_name":"Eight","email":"a8@example.com","status":"contacted","transcript":[{"from":"x","text":"hi","at":"yesterday"}]}' \
        '{"id":"a9","org":"acme","job":"1001","first_name":"Hal","last_name":"Nine","email":"a9@example.com","status":"new"}' > "$T/in.jsonl"
    A candidates import "$T/in.jsonl"
    expect_rc 1
    expect_out "imported 2 of 9 records"
    expect_err 'record 2 (line 2, id a2): field status: unknown status "bogus"'
    expect_err 'record 3 (line 3, id a3): field email: "not-an-email" is not an email address'
    expect_err 'record 4 (line 4, id a4): field assessment.stars: 9 is outside 1..5'
    expect_err 'record 5 (line 5, id a5): field org: no organisation "nosuch"'
    expect_err 'record 6 (line 6): invalid JSON'
    expect_err 'record 7 (line 7, id a7)'
    expect_err 'field resume.path: resume files are not read: no resume directory is configured'
    expect_err 'record 8 (line 8, id a8): field transcript[0].at: expected an ISO-8601 time'
    A candidates list acme --json
    expect_eq "a1 a9" "$(echo "$OUT" | jq -r '[.[].id] | join(" ")')" "only good records stored"
    # A JSON array and a single object work too; re-import updates.
    echo '[{"id":"a1","org":"acme","job":"1001","first_name":"Ann","last_name":"Renamed","email":"a1@example.com","status":"new"}]' > "$T/arr.json"
    A candidates import "$T/arr.json"
    expect_rc 0
    expect_out "(0 new, 1 updated)"
    echo '{"id":"b1","org":"acme","job":"1001","first_name":"Bo","last_name":"Single","email":"b1@example.com","status":"new"}' | \
        run "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" candidates import -
    expect_rc 0
    A candidates show acme a1 --json
    expect_eq Renamed "$(echo "$OUT" | jq -r .last_name)"
    expect_eq "https://app.factoryfix.test/orgs/acme/candidates/a1" "$(echo "$OUT" | jq -r .profile_url)"
}

test_cands__below_trigger_or_disabled_job_is_not_pushed() {
    setup_org
    zoe screening
    A candidates import "$T/zoe.json" --resume-dir "$T"
    expect_out "0 queued"
    A sync candidates acme
    expect_rc 0
    expect_eq 0 "$(recorded | jq '.candidates | length')" "pushed below the trigger"
    # Engaged, but on a disabled job: held with a reason, still not pushed.
    zoe engaged 1002
    A candidates import "$T/zoe.json" --resume-dir "$T"
    A candidates show acme c-1 --json
    expect_eq "job 1002 is disabled; the candidate is pushed when it is activated" "$(echo "$OUT" | jq -r .hold_reason)"
    A sync candidates acme
    expect_eq 0 "$(recorded | jq '.candidates | length')" "pushed on a disabled job"
    # Activating the job releases the hold (documented decision).
    A jobs activate acme 1002
    expect_out "1 held candidate queued for the ATS"
    A sync candidates acme
    expect_out "pushed 1"
    expect_eq 1002 "$(recorded | jq -r '.applications[0].job_id')"
}

test_cands__archived_job_holds_with_reason() {
    setup_org
    sb POST /_control/greenhouse/jobs '{"id":1011,"status":"closed"}' >/dev/null
    A sync jobs acme
    zoe engaged 1011
    A candidates import "$T/zoe.json" --resume-dir "$T"
    A candidates show acme c-1 --json
    expect_eq "job 1011 is archived (closed in the ATS)" "$(echo "$OUT" | jq -r .hold_reason)"
    zoe engaged 9999
    A candidates import "$T/zoe.json" --resume-dir "$T"
    A candidates show acme c-1 --json
    expect_eq "job 9999 has not been synced from the ATS" "$(echo "$OUT" | jq -r .hold_reason)"
}

test_cands__push_carries_every_field_source_link_and_pdf() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    expect_out "1 queued for the ATS"
    A sync candidates acme --json
    expect_rc 0
    expect_eq 1 "$(echo "$OUT" | jq '.[0].pushed')"
    local rec
    rec=$(recorded)
    expect_eq "Zoë Ørsted" "$(echo "$rec" | jq -r '.candidates[0] | "\(.first_name) \(.last_name)"')"
    expect_eq "zoe@example.com:personal" "$(echo "$rec" | jq -r '.candidates[0].email_addresses[0] | "\(.value):\(.type)"')"
    expect_eq "+1 555 0100" "$(echo "$rec" | jq -r '.candidates[0].phone_numbers[0].value')"
    expect_eq "https://app.factoryfix.test/orgs/acme/candidates/c-1" "$(echo "$rec" | jq -r '.candidates[0].website_addresses[0].value')" "link back"
    expect_eq "FactoryFix" "$(echo "$rec" | jq -r '.candidates[0].tags[0]')"
    expect_eq "1001:302" "$(echo "$rec" | jq -r '.applications[0] | "\(.job_id):\(.source_id)"')" "job and FactoryFix source"
    expect_eq "resume:application/pdf" "$(echo "$rec" | jq -r '.attachments[0] | "\(.type):\(.content_type)"')"
    local pdf
    pdf=$(echo "$rec" | jq -r '.attachments[0].saved_path')
    pdftotext "$pdf" "$T/profile.txt" || fail "pdftotext failed on $pdf"
    local want
    for want in "Zoë Ørsted" "zoe@example.com" "+1 555 0100" "★★★★☆" "4 of 5 stars" \
        "Strong CNC background; available nights." "Message number 1 of the screening" \
        "Message number 12 of the screening — ünïcödé ok" "AI recruiter — 2026-11-20 14:01 UTC" \
        "https://app.factoryfix.test/orgs/acme/candidates/c-1" \
        "Résumé of Zoë Ørsted - page 1" "Résumé of Zoë Ørsted - page 3"; do
        grep -qF -- "$want" "$T/profile.txt" || fail "profile PDF lacks '$want'"
    done
    # The ids are kept.
    A outbox list acme --json
    expect_eq "done:$(echo "$rec" | jq -r '.applications[0].id')" "$(echo "$OUT" | jq -r '.[0] | "\(.state):\(.ats_application_id)"')"
}

test_cands__text_resume_and_long_transcript_are_typeset_across_pages() {
    setup_org
    local msgs="" i
    for i in $(seq 1 60); do msgs="$msgs{\"from\":\"candidate\",\"at\":$((1790000000 + i * 60)),\"text\":\"Long answer $i: $(printf 'word %.0s' $(seq 1 40))\"},"; done
    printf '{"id":"t1","org":"acme","job":"1001","first_name":"Tex","last_name":"Tyler","email":"t1@example.com","status":"engaged","transcript":[%s],"resume":{"text":"TEXT RESUME LINE ONE\\nForklift certified since 2015."}}' "${msgs%,}" > "$T/t.json"
    A candidates import "$T/t.json"
    A candidates show acme t1 --pdf "$T/t.pdf"
    expect_rc 0
    [ "$(pdfinfo "$T/t.pdf" | awk '/^Pages:/ {print $2}')" -ge 3 ] || fail "expected several pages: $(pdfinfo "$T/t.pdf")"
    pdftotext "$T/t.pdf" "$T/t.txt"
    grep -q "Long answer 60" "$T/t.txt" || fail "last message missing"
    grep -q "TEXT RESUME LINE ONE" "$T/t.txt" || fail "text resume missing"
    grep -q "Forklift certified since 2015." "$T/t.txt" || fail "text resume missing"
}

test_cands__never_pushed_twice_to_the_same_job() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    A sync candidates acme
    A candidates import "$T/zoe.json" --resume-dir "$T"
    A candidates set-status acme c-1 qualified
    A candidates set-status acme c-1 engaged
    A sync candidates acme
    expect_out "pushed 0"
    expect_eq 1 "$(recorded | jq '.candidates | length')" "candidates in the ATS"
    A outbox list --json
    expect_eq 1 "$(echo "$OUT" | jq length)" "outbox rows"
}

test_cands__org_trigger_is_configurable() {
    setup_org
    A org set acme --trigger qualified
    expect_rc 0
    zoe engaged
    A candidates import "$T/zoe.json" --resume-dir "$T"
    expect_out "0 queued"
    A candidates set-status acme c-1 qualified
    expect_out "queued for the ATS"
    A org set acme --trigger rejected
    expect_rc 2
    A candidates set-status acme c-1 rejected
    expect_rc 0
    A candidates set-status acme c-1 nonsense
    expect_rc 2
}

test_cands__transient_failure_retried_then_found_not_duplicated() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"500","count":1}' >/dev/null
    A sync candidates acme --json
    expect_eq 1 "$(echo "$OUT" | jq '.[0].retrying')" retrying
    A outbox list acme --json
    expect_eq "pending:1" "$(echo "$OUT" | jq -r '.[0] | "\(.state):\(.attempts)"')"
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"HTTP 500"* ]] || fail "last error: $OUT"
    sleep 2.2
    A sync candidates acme
    expect_out "pushed 1"
    expect_eq 1 "$(recorded | jq '.candidates | length')"
}

test_cands__timeout_after_ats_acted_resumes_without_duplicates() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    # The create is slower than our timeout: the ATS makes the candidate,
    # we never hear back.
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"slow","count":1,"delay_ms":2600}' >/dev/null
    A sync candidates acme
    expect_out "retrying 1"
    sleep 2.5
    A sync candidates acme --json
    expect_rc 0
    local rec
    rec=$(recorded)
    expect_eq "1 1 1" "$(echo "$rec" | jq -r '[(.candidates|length), (.applications|length), (.attachments|length)] | join(" ")')" "candidates applications attachments"
    A outbox list acme --json
    expect_eq done "$(echo "$OUT" | jq -r '.[0].state')"
}

test_cands__rate_limit_and_server_errors_on_reads_are_absorbed() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    sb POST /_control/faults '{"path":"/v3/candidates","kind":"429","count":1,"retry_after":1}' >/dev/null
    sb POST /_control/faults '{"path":"/v3/applications","kind":"503","count":1}' >/dev/null
    A sync candidates acme
    expect_rc 0
    expect_out "pushed 1"
    expect_eq 1 "$(recorded | jq '.candidates | length')"
}

test_cands__kill_9_between_ats_success_and_commit_no_duplicate() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    # The last write (the resume) is held by the ATS for 3 s; we die while
    # waiting; the ATS then completes it.
    sb POST /_control/faults '{"path":"/v3/attachments","method":"POST","kind":"slow","count":1,"delay_ms":3000}' >/dev/null
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync candidates acme > /dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
        [ "$(recorded | jq '.applications | length')" -ge 1 ] && break
        sleep 0.05
    done
    sleep 0.3
    kill -9 $pid
    wait $pid 2>/dev/null || true
    for i in $(seq 1 100); do
        [ "$(recorded | jq '.attachments | length')" -ge 1 ] && break
        sleep 0.1
    done
    A outbox list acme --json
    expect_eq "pending:1" "$(echo "$OUT" | jq -r '.[0] | "\(.state):\(.attempts)"')" "state after kill -9"
    A sync candidates acme
    expect_rc 0
    expect_out "already in the ATS 1"
    expect_eq "1 1 1" "$(recorded | jq -r '[(.candidates|length), (.applications|length), (.attachments|length)] | join(" ")')"
    A outbox list acme --json
    expect_eq done "$(echo "$OUT" | jq -r '.[0].state')"
}

test_cands__422_is_dead_lettered_with_the_ats_message_and_can_be_retried() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    sb POST /_control/faults '{"path":"/v3/candidates","method":"POST","kind":"422","count":1}' >/dev/null
    A sync candidates acme
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    expect_eq 1 "$(echo "$OUT" | jq length)"
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"HTTP 422: Unprocessable Content; email_addresses is invalid"* ]] || fail "dead letter: $OUT"
    local id
    id=$(echo "$OUT" | jq -r '.[0].id')
    A outbox retry "$id"
    expect_rc 0
    A outbox retry "$id"
    expect_rc 5
    A sync candidates acme
    expect_out "pushed 1"
    A outbox list --dead --json
    expect_eq 0 "$(echo "$OUT" | jq length)"
}

test_cands__missing_source_needs_attention_and_keeps_candidate_queued() {
    setup_org
    A disconnect acme
    gh_connect acme
    A sync jobs acme
    A jobs activate acme 1001
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" candidates list acme >/dev/null
    # A config with a source name Greenhouse does not have.
    sed 's/source_name = "FactoryFix"/source_name = "NoSuchSource"/' "$TEST_CONF" > "$T/c.conf"
    run "$ATSB" -c "$T/c.conf" --db "$DB" --plugin-dir "$PLUGINS" sync candidates acme
    expect_out "retrying 1"
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')"
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *'no source named "NoSuchSource"'* ]] || fail "$OUT"
    expect_eq 0 "$(recorded | jq '.candidates | length')"
}

test_cands__attempts_that_never_finished_count_toward_max_attempts() {
    setup_org
    zoe
    A candidates import "$T/zoe.json" --resume-dir "$T"
    # The ATS look-up hangs; the process is killed during every attempt,
    # as a crash during the render or in a connector would end it.
    sb POST /_control/faults '{"path":"/v3/candidates","method":"GET","kind":"slow","count":50,"delay_ms":20000}' >/dev/null
    local k pid i
    for k in 1 2 3; do
        for i in $(seq 1 10); do # started before the look-up: try again
            "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync candidates acme > /dev/null 2>&1 &
            pid=$!
            for _ in $(seq 1 20); do
                [ "$(outbox_attempts)" = "$k" ] && break
                sleep 0.1
            done
            kill -9 $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            [ "$(outbox_attempts)" = "$k" ] && break
            sleep 0.2
        done
        expect_eq "$k" "$(outbox_attempts)" "attempts after kill $k"
    done
    A outbox list acme --json
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == "attempt 3 in progress since "* ]] || fail "in-progress mark: $OUT"
    A sync candidates acme
    expect_rc 0
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    expect_eq "gave up after 3 attempts; the last one never finished (the process died during it)" \
        "$(echo "$OUT" | jq -r '.[0].last_error')"
    expect_eq 0 "$(recorded | jq '.candidates | length')" "candidates created"
}

outbox_attempts() {
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" outbox list acme --json | jq -r '.[0].attempts'
}

run_tests
