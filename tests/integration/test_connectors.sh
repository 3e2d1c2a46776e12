#!/usr/bin/env bash
# One table-driven suite, run once per connector against the sandbox:
# job rules, pagination, faults, kill -9, candidate push, idempotency,
# dead letters.  Each connector row says how to connect, which ids to use
# and how the sandbox changes a job in that ATS.
. "$(dirname "$0")/../lib.sh"

# ---- the table ----------------------------------------------------------
row_greenhouse() {
    FIXTURE=$ROOT/tests/fixtures/greenhouse.json
    JOB_A=1001 JOB_B=1011 JOB_C=1012 CLOSED_SKIPPED=1
    LIST_PATH=/v3/jobs SERVER_ERROR=500
    CREATE='"path":"/v3/candidates","method":"POST"'
    LAST_WRITE='"path":"/v3/attachments","method":"POST"'
    REJECT_KIND=422
    EXPECT_JOBS="1001 1002 1003 1009 1011 1012"
}
connect_greenhouse() {
    A connect "$1" greenhouse --set base_url="$SB" --set token_url="$SB/token" \
        --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7
}
edit_greenhouse() { sb POST /_control/greenhouse/jobs "{\"id\":$1,\"name\":\"$2\"}" >/dev/null; }
close_greenhouse() { sb POST /_control/greenhouse/jobs "{\"id\":$1,\"status\":\"closed\"}" >/dev/null; }
vanish_greenhouse() { sb DELETE "/_control/greenhouse/jobs/$1" >/dev/null; }
pushed_greenhouse() { # email link source of the first pushed candidate
    local r
    r=$(sb GET /_control/recorded)
    echo "$(echo "$r" | jq -r '.candidates[0].email_addresses[0].value') $(echo "$r" | jq -r '.candidates[0].website_addresses[0].value') source:$(echo "$r" | jq -r '.applications[0].source_id')"
}
EXPECT_SOURCE_greenhouse="source:302"

row_lever() {
    FIXTURE=$ROOT/tests/fixtures/lever.json
    JOB_A=lv-1001 JOB_B=lv-1011 JOB_C=lv-1012 CLOSED_SKIPPED=2
    LIST_PATH=/lever/v1/postings SERVER_ERROR=500
    CREATE='"path":"/lever/v1/opportunities","method":"POST"'
    LAST_WRITE='"path":"/lever/v1/opportunities/","method":"POST"'
    REJECT_KIND=422
    EXPECT_JOBS="lv-1001 lv-1002 lv-1003 lv-1009 lv-1011 lv-1012"
}
connect_lever() {
    A connect "$1" lever --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7
}
edit_lever() { sb POST /_control/lever/postings "{\"id\":\"$1\",\"text\":\"$2\"}" >/dev/null; }
close_lever() { sb POST /_control/lever/postings "{\"id\":\"$1\",\"state\":\"closed\"}" >/dev/null; }
vanish_lever() { sb DELETE "/_control/lever/postings/$1" >/dev/null; }
pushed_lever() {
    local r
    r=$(sb GET /_control/recorded)
    echo "$(echo "$r" | jq -r '.applications[0].emails[0]') $(echo "$r" | jq -r '.applications[0].links[0]') source:$(echo "$r" | jq -r '.applications[0].sources[0]')"
}
EXPECT_SOURCE_lever="source:FactoryFix"

row_workday() {
    FIXTURE=$ROOT/tests/fixtures/workday.json
    JOB_A=R-1001 JOB_B=R-1011 JOB_C=R-1012 CLOSED_SKIPPED=2
    LIST_PATH=/ccx/service/acme/Recruiting SERVER_ERROR=503
    CREATE='"path":"/ccx/service/","contains":"Put_Candidate_Request"'
    LAST_WRITE='"path":"/ccx/service/","contains":"Put_Candidate_Request"'
    REJECT_KIND=soap_fault
    EXPECT_JOBS="R-1001 R-1002 R-1003 R-1009 R-1011 R-1012"
}
connect_workday() {
    A connect "$1" workday --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
        --set username=isu_atsbridge@acme --set password=wd-password-value \
        --set stage_id=Review --set source_id=FactoryFix
}
edit_workday() { sb POST /_control/workday/requisitions "{\"id\":\"$1\",\"title\":\"$2\"}" >/dev/null; }
close_workday() { sb POST /_control/workday/requisitions "{\"id\":\"$1\",\"status\":\"Closed\"}" >/dev/null; }
vanish_workday() { sb DELETE "/_control/workday/requisitions/$1" >/dev/null; }
pushed_workday() {
    local r
    r=$(sb GET /_control/recorded)
    echo "$(echo "$r" | jq -r '.candidates[0].email') $(echo "$r" | jq -r '.candidates[0].website') source:$(echo "$r" | jq -r '.applications[0].source')"
}
EXPECT_SOURCE_workday="source:FactoryFix"

CONNECTORS="greenhouse lever workday"

# ---- helpers --------------------------------------------------------------
setup() { # setup CONNECTOR: sandbox + org acme connected
    C=$1
    "row_$C"
    start_sandbox "$FIXTURE"
    A org add acme
    "connect_$C" acme
    expect_rc 0
}
ids() { A jobs list acme --json; echo "$OUT" | jq -r '[.[].ats_id] | sort | join(" ")'; }
count() { echo "$OUT" | jq -r ".[0].counts.$1"; }
fault() { sb POST /_control/faults "{$1}" >/dev/null; }

candidate() { # an engaged candidate on JOB_A with a 3-page PDF resume
    "$BUILD/tests/tools/mkpdf" "$T/r.pdf" 3 "Résumé of Zoë Ørsted"
    cat > "$T/c.json" <<JSON
{"id":"c-1","org":"acme","job":"$JOB_A","first_name":"Zoë","last_name":"Ørsted","email":"zoe@example.com",
 "phone":"+1 555 0100","status":"engaged","assessment":{"stars":5,"summary":"Excellent fit."},
 "transcript":[{"from":"AI recruiter","at":"2026-11-20T14:00:00Z","text":"Can you run a Haas mill?"},
               {"from":"candidate","at":"2026-11-20T14:01:00Z","text":"Six years on Haas — yes."}],
 "resume":{"path":"$T/r.pdf"}}
JSON
    A sync jobs acme
    A jobs activate acme "$JOB_A"
    A candidates import "$T/c.json" --resume-dir "$T"
    expect_out "1 queued for the ATS"
}
in_ats() { sb GET /_control/recorded | jq -r '[(.candidates|length), (.applications|length), (.attachments|length)] | join(" ")'; }

# ---- the scenarios, each for every connector ------------------------------
scenario_job_rules() {
    setup "$1"
    A sync jobs acme --json
    expect_rc 0
    expect_eq "6:2:2:$CLOSED_SKIPPED" "$(echo "$OUT" | jq -r '.[0].counts | "\(.created):\(.non_us):\(.unknown_location):\(.closed_skipped)"')" "$C counts"
    expect_eq "$EXPECT_JOBS" "$(ids)" "$C jobs"
    A jobs list acme --state disabled --json
    expect_eq 6 "$(echo "$OUT" | jq length)" "$C: new jobs arrive disabled"
    A jobs activate acme "$JOB_A"
    "edit_$C" "$JOB_A" "Renamed in the ATS"
    "edit_$C" "$JOB_B" "Edited in the ATS"
    A sync jobs acme --full --json
    expect_eq "1:1" "$(echo "$OUT" | jq -r '.[0].counts | "\(.frozen_skipped):\(.updated)"')" "$C frozen:updated"
    A jobs show acme "$JOB_A" --json
    expect_eq "CNC Machinist:active" "$(echo "$OUT" | jq -r '"\(.title):\(.state)"')" "$C frozen job"
    A jobs show acme "$JOB_B" --json
    expect_eq "Edited in the ATS" "$(echo "$OUT" | jq -r .title)" "$C edited job"
    "close_$C" "$JOB_A"
    "vanish_$C" "$JOB_C"
    A sync jobs acme --full --json
    expect_eq 2 "$(count archived)" "$C archived"
    A jobs show acme "$JOB_A" --json
    expect_eq "archived:closed in the ATS" "$(echo "$OUT" | jq -r '"\(.state):\(.archived_reason)"')" "$C closed"
    A jobs show acme "$JOB_C" --json
    expect_eq "archived:no longer in the ATS" "$(echo "$OUT" | jq -r '"\(.state):\(.archived_reason)"')" "$C vanished"
}

scenario_pagination() {
    setup "$1"
    A sync jobs acme --page-size 4 --json
    expect_rc 0
    expect_eq 3 "$(echo "$OUT" | jq '.[0].pages')" "$C pages"
    expect_eq "$EXPECT_JOBS" "$(ids)" "$C jobs"
}

scenario_faults() {
    setup "$1"
    # Three failures, then the fourth attempt (http.max_attempts) succeeds.
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"429\",\"count\":1,\"retry_after\":1"
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"$SERVER_ERROR\",\"count\":2"
    A sync jobs acme
    expect_rc 0
    expect_eq "$EXPECT_JOBS" "$(ids)" "$C jobs after 429 and server errors"
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"drop\",\"count\":1"
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"slow\",\"count\":1,\"delay_ms\":2500"
    A sync jobs acme --full
    expect_rc 0
    expect_eq "$EXPECT_JOBS" "$(ids)" "$C jobs after a dropped connection and a timeout"
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"malformed\",\"count\":1"
    A sync jobs acme --full
    expect_rc 7
    A sync jobs acme --full
    expect_rc 0
}

scenario_auth_failure() {
    setup "$1"
    A sync jobs acme
    A disconnect acme
    case $C in
    greenhouse) A connect acme greenhouse --no-check --set base_url="$SB" --set token_url="$SB/token" \
                    --set client_id=gh-client --set client_secret=WRONG --set user_id=7 ;;
    lever) A connect acme lever --no-check --set base_url="$SB/lever/v1" --set api_key=WRONG --set perform_as=user-7 ;;
    workday) A connect acme workday --no-check --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
                 --set username=isu_atsbridge@acme --set password=WRONG --set stage_id=Review --set source_id=FactoryFix ;;
    esac
    A sync jobs acme
    expect_rc 6
    A status acme --json
    expect_eq needs_attention "$(echo "$OUT" | jq -r '.[0].state')" "$C state"
    expect_no WRONG
}

scenario_kill_9_mid_sync() {
    setup "$1"
    fault "\"path\":\"$LIST_PATH\",\"kind\":\"slow\",\"count\":1,\"after\":2,\"delay_ms\":8000"
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync jobs acme --page-size 2 >/dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
        [ "$(sb GET /_control/requests | jq --arg p "$LIST_PATH" '[.[] | select(.path | startswith($p))] | length')" -ge 3 ] && break
        sleep 0.05
    done
    sleep 0.3
    kill -9 $pid
    wait $pid 2>/dev/null || true
    sb DELETE /_control/faults >/dev/null
    A sync jobs acme --page-size 2
    expect_rc 0
    expect_eq "$EXPECT_JOBS" "$(ids)" "$C jobs after kill -9 and re-run"
    A jobs list acme --json
    expect_eq 6 "$(echo "$OUT" | jq length)" "$C no duplicates"
}

scenario_candidate_push() {
    setup "$1"
    candidate
    A sync candidates acme
    expect_rc 0
    expect_out "pushed 1"
    expect_eq "1 1 1" "$(in_ats)" "$C candidates applications attachments"
    local src="EXPECT_SOURCE_$C"
    expect_eq "zoe@example.com https://app.factoryfix.test/orgs/acme/candidates/c-1 ${!src}" "$("pushed_$C")" "$C fields"
    pdftotext "$(sb GET /_control/recorded | jq -r '.attachments[0].saved_path')" "$T/p.txt"
    local want
    for want in "Zoë Ørsted" "★★★★★" "Excellent fit." "Six years on Haas — yes." "Résumé of Zoë Ørsted - page 3"; do
        grep -qF -- "$want" "$T/p.txt" || fail "$C: profile PDF lacks '$want'"
    done
    # Never twice to the same job.
    A candidates set-status acme c-1 qualified
    A sync candidates acme
    expect_eq "1 1 1" "$(in_ats)" "$C after a second drain"
}

scenario_transient_then_retry() {
    setup "$1"
    candidate
    fault "$CREATE,\"kind\":\"$SERVER_ERROR\",\"count\":1"
    A sync candidates acme
    expect_out "retrying 1"
    sleep 2.2
    A sync candidates acme
    expect_out "pushed 1"
    expect_eq "1 1 1" "$(in_ats)" "$C"
}

scenario_kill_9_after_ats_acted() {
    setup "$1"
    candidate
    fault "$LAST_WRITE,\"kind\":\"slow\",\"count\":1,\"delay_ms\":3000"
    "$ATSB" -c "$TEST_CONF" --db "$DB" --plugin-dir "$PLUGINS" sync candidates acme >/dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
        [ "$(sb GET /_control/recorded | jq '.attachments | length')" -ge 1 ] && break
        sleep 0.05
    done
    kill -9 $pid
    wait $pid 2>/dev/null || true
    expect_eq "1 1 1" "$(in_ats)" "$C: the ATS acted"
    A outbox list acme --json
    expect_eq pending "$(echo "$OUT" | jq -r '.[0].state')" "$C: not committed here"
    A sync candidates acme
    expect_rc 0
    expect_out "already in the ATS 1"
    expect_eq "1 1 1" "$(in_ats)" "$C: no duplicate"
}

scenario_dead_letter() {
    setup "$1"
    candidate
    fault "$CREATE,\"kind\":\"$REJECT_KIND\",\"count\":1"
    A sync candidates acme
    expect_out "dead-lettered 1"
    A outbox list --dead --json
    expect_eq 1 "$(echo "$OUT" | jq length)" "$C dead letters"
    [[ $(echo "$OUT" | jq -r '.[0].last_error') == *"mail"* ]] || fail "$C: the ATS's message is kept: $OUT"
    A outbox retry "$(echo "$OUT" | jq -r '.[0].id')"
    A sync candidates acme
    expect_out "pushed 1"
}

for scenario in job_rules pagination faults auth_failure kill_9_mid_sync candidate_push \
                transient_then_retry kill_9_after_ats_acted dead_letter; do
    for c in $CONNECTORS; do
        eval "test_connectors__${c}__${scenario}() { scenario_${scenario} $c; }"
    done
done

run_tests
