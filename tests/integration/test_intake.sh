#!/usr/bin/env bash
# Candidate intake hardening, through the CLI: what `candidates import`
# refuses and why (the record, field and reason named), what it stores
# exactly, and what `candidates show` prints back.
. "$(dirname "$0")/../lib.sh"

# rec ID [EXTRA_JSON_MEMBERS]: one valid record for org acme on job 1001.
rec() {
    printf '{"id":"%s","org":"acme","job":"1001","first_name":"Ann","last_name":"Lee","email":"%s@example.com","status":"new"%s}' \
        "$1" "$1" "${2:+,$2}"
}
acme() { A org add acme; expect_rc 0; }
# seconds since the epoch with a fraction, for timing
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

test_intake__jsonl_error_line_numbers_stay_exact() {
    acme
    {
        rec a1; echo
        echo                                    # line 2: blank
        printf '{"id":"a3",\n "org":"acme"}\n'  # lines 3-4: a record over two lines, lacks fields
        for i in $(seq 5 1499); do rec "b$i"; echo; done
        echo '{"id":"x1500", broken'            # line 1500
        for i in $(seq 1501 2999); do rec "c$i"; echo; done
        rec d3000 '"status":"bogus"'; echo      # line 3000
    } > "$T/in.jsonl"
    A candidates import "$T/in.jsonl"
    expect_rc 1
    expect_out "imported 2995 of 2998 records"
    expect_err "record 2 (line 3, id a3): field job: required"
    expect_err "record 1498 (line 1500): invalid JSON"
    expect_err "record 2998 (line 3000, id d3000): field status: unknown status"
}

test_intake__jsonl_is_as_fast_as_an_array() {
    acme
    local n=20000 t0 jl ar
    awk -v n=$n 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\":\"c-%d\",\"org\":\"acme\",\"job\":\"1001\",\"first_name\":\"F\",\"last_name\":\"L\",\"email\":\"c%d@example.com\",\"status\":\"new\"}\n", i, i }' > "$T/in.jsonl"
    { echo '['; sed '$!s/$/,/' "$T/in.jsonl"; echo ']'; } > "$T/in.json"
    t0=$(now)
    A candidates import "$T/in.json"
    ar=$(elapsed "$t0")
    expect_out "imported $n of $n records"
    rm -f "$T"/db*  # a fresh store, so both runs create every record
    acme
    t0=$(now)
    A candidates import "$T/in.jsonl"
    jl=$(elapsed "$t0")
    expect_out "imported $n of $n records"
    # Generous: JSON Lines may cost up to 3x the array plus 3 s of noise.
    awk -v jl="$jl" -v ar="$ar" 'BEGIN { exit !(jl <= 3 * ar + 3) }' ||
        fail "$n JSON Lines records took ${jl}s, the same records as one array ${ar}s"
}


test_intake__big_number_ids_are_refused_not_merged() {
    acme
    {
        echo '{"id":9223372036854775808,"org":"acme","job":"1001","first_name":"Alice","last_name":"A","email":"alice@example.com","status":"new"}'
        echo '{"id":9223372036854775809,"org":"acme","job":"1001","first_name":"Bob","last_name":"B","email":"bob@example.com","status":"new"}'
        echo '{"id":"c-3","org":"acme","job":99999999999999999999,"first_name":"Cy","last_name":"C","email":"cy@example.com","status":"new"}'
        echo '{"id":1.5,"org":"acme","job":"1001","first_name":"Di","last_name":"D","email":"di@example.com","status":"new"}'
        echo '{"id":-7,"org":"acme","job":"1001","first_name":"Ed","last_name":"E","email":"ed@example.com","status":"new"}'
        # Exact: in range numbers keep their decimal text; strings are opaque.
        echo '{"id":9223372036854775807,"org":"acme","job":12345678901234567,"first_name":"Fay","last_name":"F","email":"fay@example.com","status":"new"}'
        echo '{"id":"9223372036854775808","org":"acme","job":"1001","first_name":"Gus","last_name":"G","email":"gus@example.com","status":"new"}'
        echo '{"id":"9223372036854775809","org":"acme","job":"1001","first_name":"Hal","last_name":"H","email":"hal@example.com","status":"new"}'
    } > "$T/in.jsonl"
    A candidates import "$T/in.jsonl"
    expect_rc 1
    expect_out "imported 3 of 8 records (3 new, 0 updated)"
    expect_err "record 1 (line 1): field id: the number is larger than 9223372036854775807 and cannot be kept exactly; give the id as a string"
    expect_err "record 2 (line 2): field id: the number is larger than 9223372036854775807"
    expect_err "record 3 (line 3, id c-3): field job: the number is larger than 9223372036854775807"
    expect_err "record 4 (line 4): field id: the number 1.5 is not a whole number; give the id as a string"
    expect_err "record 5 (line 5): field id: a negative number is not an id"
    A candidates list acme --json
    expect_eq "9223372036854775807:12345678901234567:Fay 9223372036854775808:1001:Gus 9223372036854775809:1001:Hal" \
        "$(echo "$OUT" | jq -r '[.[] | "\(.id):\(.job):\(.first_name)"] | sort | join(" ")')" "stored candidates"
}

run_tests
