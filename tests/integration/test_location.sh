#!/usr/bin/env bash
# atsbridge location explain, as an admin runs it: the verdict, what
# decided, which location and gazetteer entry; the territories setting.
. "$(dirname "$0")/../lib.sh"

test_location__explain_names_the_city_that_makes_georgia_a_country() {
    run "$ATSB" -c "$TEST_CONF" location explain "Tbilisi, Georgia"
    expect_rc 0
    expect_out "verdict:     non-us (skipped (non-US))"
    expect_out "country:     GE"
    expect_out "decided by:  text rule"
    expect_out "GeoNames Tbilisi"
}

test_location__explain_shows_each_location_and_the_one_that_decided() {
    run "$ATSB" -c "$TEST_CONF" location explain "Toronto, ON | Chicago, IL (Hybrid)"
    expect_rc 0
    expect_out "verdict:     us (imported)"
    expect_out "part:        Chicago, IL"
    expect_out "locations read (2)"
    expect_out "non-us   CA  Toronto, ON"
    expect_out "GeoNames Chicago, Illinois, US"
}

test_location__explain_says_when_the_country_field_decided() {
    run "$ATSB" -c "$TEST_CONF" location explain --country CA "Austin, TX"
    expect_rc 0
    expect_out "verdict:     non-us"
    expect_out "decided by:  country field"
}

test_location__explain_json_for_scripts() {
    run "$ATSB" -c "$TEST_CONF" location explain --json "CA-Toronto"
    expect_rc 0
    expect_eq "non-us CA text rule" "$(echo "$OUT" | jq -r '"\(.verdict) \(.country) \(.decided_by)"')"
}

test_location__territories_setting_is_honoured() {
    run "$ATSB" -c "$TEST_CONF" location explain "San Juan, PR"
    expect_rc 0
    expect_out "verdict:     us"
    printf 'location: {\n  us_territories = false;\n};\n' > "$T/terr.conf"
    run "$ATSB" -c "$T/terr.conf" location explain "Hagåtña, Guam"
    expect_rc 0
    expect_out "verdict:     non-us"
    expect_out "country:     GU"
    expect_out "not counted as US"
    printf 'location: {\n  us_territories = 1;\n};\n' > "$T/bad.conf"
    run "$ATSB" -c "$T/bad.conf" location explain "Guam"
    expect_rc 3
    expect_err "$T/bad.conf:2: location.us_territories: expected true or false"
}

test_location__usage_errors() {
    run "$ATSB" -c "$TEST_CONF" location explain
    expect_rc 2
    run "$ATSB" -c "$TEST_CONF" location nonsense
    expect_rc 2
    run "$ATSB" -c "$TEST_CONF" location explain --country
    expect_rc 2
}

test_location__hostile_text_is_bounded() {
    local long
    long=$(head -c 100000 /dev/zero | tr '\0' ';')
    run "$ATSB" -c "$TEST_CONF" location explain "Austin, TX$long"
    expect_rc 0
    expect_out "verdict:     us"
}

run_tests
