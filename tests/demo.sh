#!/usr/bin/env bash
# make demo: the whole product in one command, against the built-in sandbox
# ATS on loopback and the embedded SQLite store.  Three organisations on
# Greenhouse, Lever and Workday; jobs synced in; a few activated; candidates
# imported; the daemon delivers the engaged ones with their PDF profiles.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DEMO="$PWD/$BUILD/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO/ats-received"
DB="${DEMO_DB:-$DEMO/atsbridge.db}"
A() { "$BUILD/atsbridge" -c conf/demo.conf --db "$DB" --plugin-dir "$BUILD/plugins" "$@"; }
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

: > "$DEMO/sandbox.out"  # exists before the poll below reads it
"$BUILD/atsbridge-sandbox" --listen 127.0.0.1:0 --fixture tests/fixtures/demo.json \
    --record-dir "$DEMO/ats-received" > "$DEMO/sandbox.out" 2> "$DEMO/sandbox.log" &
SBPID=$!
DPID=
APID=
cleanup() {
    [ -z "$DPID" ] || kill "$DPID" 2>/dev/null || true
    [ -z "$APID" ] || kill "$APID" 2>/dev/null || true
    kill "$SBPID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do SB=$(sed -n 's/^listening on //p' "$DEMO/sandbox.out"); [ -n "$SB" ] && break; sleep 0.05; done
[ -n "$SB" ] || { echo "demo: the sandbox ATS did not start: $(cat "$DEMO/sandbox.log")" >&2; exit 1; }

say "atsbridge demo — $("$BUILD/atsbridge" --version)"
echo "A sandbox ATS is running at $SB, speaking the Greenhouse, Lever and Workday APIs."
A plugins list | sed 's/^/  /'

say "1. Three customers, each connected to its own ATS (one ATS per organisation)"
A org add acme --name "Acme Manufacturing" >/dev/null
A org add bolt --name "Bolt Robotics" >/dev/null
A org add corex --name "Corex Foundry" >/dev/null
A connect acme greenhouse --set base_url="$SB" --set token_url="$SB/token" \
    --set client_id=gh-client --set client_secret=gh-secret-value --set user_id=7 | sed 's/^/  /'
A connect bolt lever --set base_url="$SB/lever/v1" --set api_key=lv-key-value --set perform_as=user-7 | sed 's/^/  /'
A connect corex workday --set endpoint="$SB/ccx/service/acme/Recruiting/v42.0" \
    --set username=isu_atsbridge@acme --set password=wd-password-value \
    --set stage_id=Review --set source_id=FactoryFix | sed 's/^/  /'
if ! A connect acme lever --set api_key=x --set perform_as=y >/dev/null 2> "$DEMO/second.err"; then
    echo "  a second ATS for acme is refused: $(sed 's/^atsbridge: error: //' "$DEMO/second.err")"
fi

say "2. Jobs sync in from each ATS (active, US-based requisitions only; they arrive disabled)"
A sync jobs --all --json > "$DEMO/sync.json"
jq -r '.[] | "  \(.org): \(.counts.created) jobs imported (disabled); skipped \(.counts.non_us) outside the US, \(.counts.unknown_location) whose location cannot be placed (e.g. \"Remote\"), \(.counts.closed_skipped) closed or not yet open"' "$DEMO/sync.json"
echo "  acme's jobs:"
A jobs list acme | sed 's/^/    /'

say "3. A recruiter switches the AI recruiter on for a few jobs (ATS edits to them are no longer pulled)"
A jobs activate acme 1001 | sed 's/^/  /'
A jobs activate acme 1002 | sed 's/^/  /'
A jobs activate bolt lv-1001 | sed 's/^/  /'
A jobs activate corex R-1001 | sed 's/^/  /'

say "4. The sourcing side hands over candidates"
"$BUILD/tests/tools/mkpdf" "$DEMO/zoe-resume.pdf" 3 "Zoë Ørsted — CNC machinist, 6 years"
{
    msgs=""
    lines=("Hi Zoë, I'm the FactoryFix recruiter for Acme's CNC Machinist role in Austin. Open to a quick chat?"
           "Sure, what's the shift and pay?"
           "Second shift, 2pm–10:30pm, \$31/hour plus a \$1.50 differential. Have you run 5-axis mills?"
           "Yes — six years on Haas UMC-750s, mostly aluminium aerospace parts."
           "Great. Can you read GD&T and hold ±0.0005\"?"
           "Yes, daily. I also do my own first-article inspections with a CMM."
           "Are you able to start within two weeks?"
           "Yes, I'd need to give my current shop one week's notice."
           "Any limits on overtime or weekends?"
           "Occasional Saturdays are fine."
           "Thanks Zoë — I'm passing your profile to Acme's hiring team today."
           "Thank you!")
    for i in "${!lines[@]}"; do
        who=$([ $((i % 2)) = 0 ] && echo "AI recruiter" || echo "Zoë Ørsted")
        msgs="$msgs$(jq -cn --arg f "$who" --arg t "${lines[$i]}" --arg at "2026-11-20T14:$(printf %02d $((i * 2))):00Z" '{from:$f, at:$at, text:$t}'),"
    done
    echo "{\"id\":\"ff-1001\",\"org\":\"acme\",\"job\":\"1001\",\"first_name\":\"Zoë\",\"last_name\":\"Ørsted\",\"email\":\"zoe.orsted@example.com\",\"phone\":\"+1 512 555 0100\",\"status\":\"engaged\",\"assessment\":{\"stars\":5,\"summary\":\"Six years of 5-axis CNC work, reads GD&T, available for second shift within two weeks.\"},\"transcript\":[${msgs%,}],\"resume\":{\"path\":\"$DEMO/zoe-resume.pdf\"}}"
    echo '{"id":"ff-1002","org":"acme","job":"1002","first_name":"Sam","last_name":"Lee","email":"sam.lee@example.com","status":"screening","resume":{"text":"Sam Lee\nMaintenance technician, 10 years (hydraulics, PLCs)."}}'
    echo '{"id":"ff-1003","org":"acme","job":"1011","first_name":"Ann","last_name":"Okafor","email":"ann.okafor@example.com","status":"engaged","assessment":{"stars":4,"summary":"Tool and die apprentice, finishing her journeyman card."},"resume":{"text":"Ann Okafor\nTool and die apprentice."}}'
    echo '{"id":"ff-2001","org":"bolt","job":"lv-1001","first_name":"María","last_name":"García","email":"maria.garcia@example.com","phone":"+1 616 555 0142","status":"engaged","assessment":{"stars":4,"summary":"Strong CNC setup skills; prefers days."},"transcript":[{"from":"AI recruiter","at":"2026-11-21T09:00:00Z","text":"Hola María, ¿te interesa un puesto de maquinista CNC?"},{"from":"María García","at":"2026-11-21T09:03:00Z","text":"¡Sí! Tengo 4 años con tornos Mazak."}],"resume":{"text":"María García\nCNC set-up machinist, Mazak lathes, 4 years."}}'
    echo '{"id":"ff-3001","org":"corex","job":"R-1001","first_name":"Dev","last_name":"Patel","email":"dev.patel@example.com","phone":"+1 937 555 0199","status":"engaged","assessment":{"stars":3,"summary":"Solid basics, needs 5-axis training."},"resume":{"text":"Dev Patel\nCNC operator, 3-axis, 2 years."}}'
} > "$DEMO/candidates.jsonl"
A candidates import "$DEMO/candidates.jsonl" --resume-dir "$DEMO" | sed 's/^/  /'
echo "  (Sam is still screening — below the trigger; Ann is engaged but her job is not active, so she is held:)"
A candidates show acme ff-1003 | grep held | sed 's/^/    /'

say "5. The daemon delivers every engaged candidate on an active job to its ATS"
# Started directly (not through the A function, which would background a
# subshell), so $! is the daemon itself and SIGTERM reaches it.
"$BUILD/atsbridge" -c conf/demo.conf --db "$DB" --plugin-dir "$BUILD/plugins" daemon > "$DEMO/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1 150); do
    [ "$(A outbox list --json | jq '[.[] | select(.state == "pending")] | length')" = 0 ] &&
        [ "$(A outbox list --json | jq length)" -ge 3 ] && break
    sleep 0.2
done
kill -TERM "$DPID"
wait "$DPID" || { echo "demo: the daemon did not stop cleanly: $(tail -3 "$DEMO/daemon.log")" >&2; exit 1; }
DPID=
APID=
grep -q "INFO daemon: stopped" "$DEMO/daemon.log" || { echo "demo: the daemon did not log its stop" >&2; exit 1; }
A outbox list | sed 's/^/  /'

say "6. What reached the ATSs"
sb() { curl -sS "$SB$1"; }
rec=$(sb /_control/recorded)
echo "$rec" | jq -r '.attachments[] | "  \(.filename // .name)  (\(.size) bytes)  saved at \(.saved_path)"'
pdf=$(echo "$rec" | jq -r '[.attachments[] | select((.filename // .name) | startswith("Zo"))][0].saved_path')
echo "  Zoë's profile PDF as Greenhouse received it: $pdf"
if command -v pdftotext >/dev/null; then
    echo "  its first lines:"
    pdftotext "$pdf" - | grep -v '^$' | head -12 | sed 's/^/    | /'
    echo "    | ... ($(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}') pages: contact, stars, transcript, then her 3-page resume)"
fi
echo "  Greenhouse application: job $(echo "$rec" | jq -r '[.applications[] | select(.job_id == 1001)][0].job_id'), source id $(echo "$rec" | jq -r '[.applications[] | select(.job_id == 1001)][0].source_id') (the \"FactoryFix\" source)"

say "7. Health"
A status | sed 's/^/  /'

say "8. The same through the platform API (what the sourcing side calls)"
TOKEN=$(A token create demo-$$ | tail -n 1)
: > "$DEMO/api.out"
"$BUILD/atsbridge" -c conf/demo.conf --db "$DB" --plugin-dir "$BUILD/plugins" serve --listen 127.0.0.1:0 \
    > "$DEMO/api.out" 2> "$DEMO/api.log" &
APID=$!
for _ in $(seq 1 100); do API=$(sed -n 's/^listening on //p' "$DEMO/api.out"); [ -n "$API" ] && break; sleep 0.05; done
echo "  curl -H 'Authorization: Bearer atsb_...' $API/v1/orgs/acme/candidates/ff-1001"
curl -sS -H "Authorization: Bearer $TOKEN" "$API/v1/orgs/acme/candidates/ff-1001" |
    jq '{id, status, pushes: [.pushes[] | {job, state, remote_candidate_id, remote_application_id}]}' | sed 's/^/    /'
echo "  and the change feed (GET /v1/events), by type:"
curl -sS -H "Authorization: Bearer $TOKEN" "$API/v1/events?limit=1000" |
    jq -r '.events | group_by(.type)[] | "    \(.[0].type): \(length)"'
kill -TERM "$APID"
wait "$APID" || true
APID=
A token revoke "demo-$$" > /dev/null

say "9. The admin console"
TOKEN=$(A token create demo-admin | tail -n 1)
: > "$DEMO/serve.out"
"$BUILD/atsbridge" -c conf/demo.conf --db "$DB" --plugin-dir "$BUILD/plugins" serve \
    --listen "${DEMO_LISTEN:-127.0.0.1:0}" > "$DEMO/serve.out" 2> "$DEMO/serve.log" &
APID=$!
for _ in $(seq 1 100); do API=$(sed -n 's/^listening on //p' "$DEMO/serve.out"); [ -n "$API" ] && break; sleep 0.05; done
[ -n "$API" ] || { echo "demo: the API did not start: $(cat "$DEMO/serve.log")" >&2; exit 1; }
echo "  console: $API/"
echo "  token:   $TOKEN"
echo "  (sign in with the token; or call the API: curl -H 'Authorization: Bearer $TOKEN' $API/v1/orgs)"
echo "  $(curl -sS -H "Authorization: Bearer $TOKEN" "$API/v1/orgs?totals=1" | jq -r '.totals | "the API sees \(.orgs) organisations, \(.outbox_pending) pushes pending, \(.dead_letters) dead letters"')"

say "Done."
echo "  demo database: $DB"
echo "  daemon log:    $DEMO/daemon.log"
echo "  try:           $BUILD/atsbridge --db $DB --plugin-dir $BUILD/plugins candidates show acme ff-1001"
if [ -t 1 ] && [ -z "${DEMO_NO_WAIT:-}" ]; then
    echo
    echo "  The console keeps running at $API/ until you press Ctrl-C."
    trap 'echo; kill $APID 2>/dev/null; cleanup; exit 0' INT
    wait $APID || true
fi
kill $APID 2>/dev/null || true
wait $APID 2>/dev/null || true
APID=
