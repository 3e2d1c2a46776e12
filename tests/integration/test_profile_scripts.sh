#!/usr/bin/env bash
# The profile PDF in every script a US workforce writes names in
# (tests/fixtures/multilingual.json: names, job titles, assessment
# summaries and transcript lines per script, and all of them mixed in one
# line): no glyph drawn as a box, every string found again by pdftotext,
# right-to-left text laid out right to left; bookmarks, metadata, the
# link back, and no near-empty page before an appended resume.
. "$(dirname "$0")/../lib.sh"
MKPDF="$BUILD/tests/tools/mkpdf"
CORPUS="$ROOT/tests/fixtures/multilingual.json"

# One candidate per script, each on a job whose title is in that script.
import_corpus() {
    start_sandbox
    gh_connect acme
    sb POST /_control/greenhouse/jobs "$(jq -c '[to_entries[] | {id: (2001 + .key),
        name: .value.job_title, status: "open", office_ids: [101]}]' "$CORPUS")" >/dev/null
    A sync jobs acme
    expect_rc 0
    jq -c 'to_entries[] | .value as $v | {id: ("m-" + $v.script), org: "acme",
        job: ((2001 + .key) | tostring), first_name: $v.first_name, last_name: $v.last_name,
        email: ("\($v.script)@example.com"), status: "new",
        assessment: {stars: 4, summary: $v.summary},
        transcript: [$v.transcript[] | . + {at: "2026-11-20T14:00:00Z"}]}' "$CORPUS" > "$T/corpus.jsonl"
    A candidates import "$T/corpus.jsonl"
    expect_rc 0
}

scripts() { jq -r '.[].script' "$CORPUS"; }

# What pdftotext cannot give back as written, and why (docs/candidates.md,
# "Searchable text"): it wraps right-to-left runs in U+202B/U+202C and,
# in a line mixing directions, orders runs and neutrals by its own rules;
# it reads the two letters of an Arabic lam-alef ligature in reverse order;
# colour emoji are images; joiners and variation selectors draw nothing.
# So: lines without right-to-left text must appear exactly (white space
# squashed); lines with it must have every word (letters, marks, digits)
# appear.
JQ_MISSING='
def drop(f): explode | map(select(f | not)) | implode;
def controls: . == 8206 or . == 8207 or (. >= 8234 and . <= 8238) or (. >= 8294 and . <= 8297)
  or . == 8205 or . == 65038 or . == 65039;
def emoji: . >= 126976 or (. >= 8960 and . <= 9215) or (. >= 9728 and . <= 10175);
def squash: gsub("\\s+"; " ") | sub("^ "; "") | sub(" $"; "");
def rtl: test("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]");
($text | drop(controls) | squash) as $t
| .[$i] | [(.first_name + " " + .last_name), .job_title, .summary, (.transcript[] | .from, .text)]
| .[] | drop(emoji) | drop(controls) | squash | select(length > 0)
| if rtl then gsub("ل(?<a>[آأإا])"; "\(.a)ل") | select([scan("[\\p{L}\\p{M}\\p{N}]+")] | any(. as $w | $t | contains($w) | not))
  else select($t | contains(.) | not) end'

test_profile__every_script_renders_without_unknown_glyphs() {
    import_corpus
    local s
    for s in $(scripts); do
        A candidates show acme "m-$s" --pdf "$T/$s.pdf"
        expect_rc 0
        [[ $ERR != *"could not be drawn"* ]] || fail "$s: glyphs drawn as boxes: $ERR"
        [ -s "$T/$s.pdf" ] || fail "$s: no PDF"
    done
}

test_profile__pdftotext_returns_every_string_of_every_script() {
    import_corpus
    local s i=0 missing
    for s in $(scripts); do
        A candidates show acme "m-$s" --pdf "$T/$s.pdf"
        expect_rc 0
        pdftotext "$T/$s.pdf" "$T/$s.txt" || fail "pdftotext failed on $s"
        missing=$(jq -r --rawfile text "$T/$s.txt" --argjson i "$i" "$JQ_MISSING" "$CORPUS")
        [ -z "$missing" ] || fail "$s: pdftotext lacks: $missing; it gave: $(cat "$T/$s.txt")"
        i=$((i + 1))
    done
}

test_profile__right_to_left_paragraphs_are_right_aligned() {
    import_corpus
    A candidates show acme m-hebrew --pdf "$T/he.pdf"
    expect_rc 0
    # The summary, a Hebrew paragraph about 150 pt wide, must sit against
    # the right margin: all of it in the right half of the page, none in
    # the left (where a left-to-right layout would put it).
    pdftotext -x 306 -y 0 -W 306 -H 792 "$T/he.pdf" "$T/right.txt"
    pdftotext -x 0 -y 0 -W 306 -H 792 "$T/he.pdf" "$T/left.txt"
    grep -q 'ניסיון של שש שנים בקו ייצור' "$T/right.txt" || fail "Hebrew summary not at the right: $(cat "$T/right.txt")"
    ! grep -q 'ניסיון' "$T/left.txt" || fail "Hebrew summary at the left: $(cat "$T/left.txt")"
}

test_profile__a_missing_font_is_logged_with_candidate_and_script() {
    start_sandbox
    gh_connect acme
    # U+11900 (Dives Akuru) is in no font this project installs.
    printf '{"id":"x1","org":"acme","job":"1001","first_name":"Ada","last_name":"\\ud806\\udd00\\ud806\\udd01","email":"x1@example.com","status":"new"}\n' > "$T/x.jsonl"
    A candidates import "$T/x.jsonl"
    expect_rc 0
    if fc-list ':charset=11900' | grep -q .; then
        echo "# skipped: this machine has a font for Adlam" >&2
        return 0
    fi
    A candidates show acme x1 --pdf "$T/x.pdf"
    expect_rc 0
    expect_err "candidate x1@example.com: 2 characters in the name could not be drawn"
    expect_err "script Diak, first U+11900"
}

test_profile__bookmarks_metadata_link_and_no_empty_page_before_resume() {
    start_sandbox
    gh_connect acme
    A sync jobs acme
    "$MKPDF" "$T/cv.pdf" 3 "Resume of Ada" || fail mkpdf
    local msgs="" i n
    # Transcripts of 20 to 70 messages: wherever the last one ends, the
    # resume's first page must follow a page with more than a heading.
    for n in 20 37 45 70; do
        msgs=""
        for i in $(seq 1 $n); do msgs="$msgs{\"from\":\"candidate\",\"at\":$((1790000000 + i * 60)),\"text\":\"Answer $i: I can run the line on nights.\"},"; done
        printf '{"id":"b%s","org":"acme","job":"1001","first_name":"Ada","last_name":"Lee","email":"b%s@example.com","status":"new","assessment":{"stars":3,"summary":"Good."},"transcript":[%s],"resume":{"path":"%s"}}\n' \
            "$n" "$n" "${msgs%,}" "$T/cv.pdf" > "$T/b.json"
        A candidates import "$T/b.json" --resume-dir "$T"
        expect_rc 0
        A candidates show acme "b$n" --pdf "$T/b$n.pdf"
        expect_rc 0
        local pages ours last
        pages=$(pdfinfo "$T/b$n.pdf" | awk '/^Pages:/ {print $2}')
        ours=$((pages - 3))
        pdftotext -f "$ours" -l "$ours" "$T/b$n.pdf" "$T/last.txt"
        last=$(tr -s ' \n' '  ' < "$T/last.txt" | wc -c)
        [ "$last" -gt 80 ] || fail "$n messages: page $ours before the resume is near-empty: '$(cat "$T/last.txt")'"
        pdftotext -f $((ours + 1)) -l $((ours + 1)) "$T/b$n.pdf" - | grep -q "Resume of Ada - page 1" ||
            fail "$n messages: page $((ours + 1)) is not the resume's first"
        # Bookmarks: assessment, transcript, resume (its first page).
        pdftohtml -xml -i -stdout "$T/b$n.pdf" > "$T/b.xml" 2>/dev/null || fail "pdftohtml failed"
        grep -q '<item page="1">Assessment</item>' "$T/b.xml" || fail "no Assessment bookmark: $(grep -A6 '<outline' "$T/b.xml")"
        grep -q '<item page="[0-9]*">Screening conversation</item>' "$T/b.xml" || fail "no transcript bookmark: $(grep -A6 '<outline' "$T/b.xml")"
        grep -q "<item page=\"$((ours + 1))\">Resume</item>" "$T/b.xml" ||
            fail "$n messages: the Resume bookmark does not point at page $((ours + 1)): $(grep -A6 '<outline' "$T/b.xml")"
    done
    # Metadata: title, subject and keywords with the job, creation date.
    pdfinfo "$T/b20.pdf" > "$T/info"
    grep -q '^Title: *Ada Lee$' "$T/info" || fail "title: $(cat "$T/info")"
    grep -q '^Subject: *Candidate profile for CNC Machinist, from FactoryFix$' "$T/info" || fail "subject: $(cat "$T/info")"
    grep -q '^Keywords: *CNC Machinist, candidate profile, resume, FactoryFix$' "$T/info" || fail "keywords: $(cat "$T/info")"
    grep -q '^CreationDate: *[A-Z][a-z][a-z] ' "$T/info" || fail "creation date: $(cat "$T/info")"
    # The link back is still a link annotation with the profile URL.
    pdftohtml -xml -i -stdout "$T/b20.pdf" 2>/dev/null |
        grep -q 'href="https://app.factoryfix.test/orgs/acme/candidates/b20"' || fail "no link back"
}

run_tests
