/* location: a table of real-world location strings as ATSs send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sync/location.h"

#define U LOCATION_US
#define N LOCATION_NON_US
#define K LOCATION_UNKNOWN

typedef struct row {
    const char *text;
    location_verdict want;
    const char *country; /* expected code, NULL = don't care */
} row;

static const row TEXT_ROWS[] = {
    /* City, USPS code */
    { "Austin, TX", U, "US" }, { "Austin, TX 78701", U, "US" }, { "Austin TX", U, "US" },
    { "San Francisco, CA", U, "US" }, { "San Jose, CA, USA", U, "US" },
    { "New York, NY", U, "US" }, { "Brooklyn, NY 11201", U, "US" },
    { "Chicago, IL", U, "US" }, { "Seattle, WA", U, "US" }, { "Boston, MA", U, "US" },
    { "Denver, CO", U, "US" }, { "Atlanta, GA", U, "US" }, { "Miami, FL", U, "US" },
    { "Phoenix, AZ", U, "US" }, { "Portland, OR", U, "US" }, { "Portland, ME", U, "US" },
    { "Indianapolis, IN", U, "US" }, { "Columbus, OH", U, "US" }, { "Detroit, MI", U, "US" },
    { "Nashville, TN", U, "US" }, { "Charlotte, NC", U, "US" }, { "Raleigh-Durham, NC", U, "US" },
    { "Salt Lake City, UT", U, "US" }, { "Las Vegas, NV", U, "US" }, { "Boise, ID", U, "US" },
    { "Honolulu, HI", U, "US" }, { "Anchorage, AK", U, "US" }, { "Des Moines, IA", U, "US" },
    { "Omaha, NE", U, "US" }, { "Wichita, KS", U, "US" }, { "Tulsa, OK", U, "US" },
    { "Little Rock, AR", U, "US" }, { "New Orleans, LA", U, "US" }, { "Jackson, MS", U, "US" },
    { "Birmingham, AL", U, "US" }, { "Louisville, KY", U, "US" }, { "Charleston, WV", U, "US" },
    { "Richmond, VA", U, "US" }, { "Baltimore, MD", U, "US" }, { "Wilmington, DE", U, "US" },
    { "Newark, NJ", U, "US" }, { "Hartford, CT", U, "US" }, { "Providence, RI", U, "US" },
    { "Burlington, VT", U, "US" }, { "Manchester, NH", U, "US" }, { "Pittsburgh, PA", U, "US" },
    { "Milwaukee, WI", U, "US" }, { "Minneapolis, MN", U, "US" }, { "Fargo, ND", U, "US" },
    { "Sioux Falls, SD", U, "US" }, { "Billings, MT", U, "US" }, { "Cheyenne, WY", U, "US" },
    { "Albuquerque, NM", U, "US" }, { "Kansas City, MO", U, "US" }, { "Columbia, SC", U, "US" },
    { "Washington, DC", U, "US" }, { "San Juan, PR", U, "US" },
    { "Paris, TX", U, "US" }, { "London, KY", U, "US" }, { "Dublin, OH", U, "US" },
    { "Toledo, OH", U, "US" }, { "Greenville, SC 29601", U, "US" },
    { "Plant 4 - Dayton, OH", U, "US" }, { "Warehouse (Reno, NV)", U, "US" },
    { "Fort Worth, TX / Dallas, TX", U, "US" },
    /* State names */
    { "Texas", U, "US" }, { "California", U, "US" }, { "New Mexico", U, "US" },
    { "New Jersey", U, "US" }, { "Georgia", U, "US" }, { "Washington State", U, "US" },
    { "Houston, Texas", U, "US" }, { "Albany, New York", U, "US" },
    { "Springfield, Illinois", U, "US" }, { "Cleveland, Ohio, United States", U, "US" },
    { "Rural Indiana", U, "US" }, { "Puerto Rico", U, "US" },
    /* The country named */
    { "United States", U, "US" }, { "United States of America", U, "US" },
    { "USA", U, "US" }, { "U.S.", U, "US" }, { "U.S.A.", U, "US" }, { "US", U, "US" },
    { "Remote - US", U, "US" }, { "Remote (US)", U, "US" }, { "US-Remote", U, "US" },
    { "Remote, USA", U, "US" }, { "Remote - United States", U, "US" },
    { "Remote in the US", U, "US" }, { "Anywhere in the U.S.", U, "US" },
    { "New York, New York, United States", U, "US" }, { "Chicago, Illinois, USA", U, "US" },
    { "Hybrid - Austin, TX, US", U, "US" }, { "US or Canada", U, "US" },
    { "Remote (United States)", U, "US" }, { "Nationwide, USA", U, "US" },
    /* Bare big US cities */
    { "San Francisco", U, "US" }, { "Chicago", U, "US" }, { "Boston", U, "US" },
    { "Seattle", U, "US" }, { "Los Angeles", U, "US" }, { "NYC", U, "US" },
    { "Salt Lake City", U, "US" }, { "St. Louis", U, "US" }, { "Bay Area", U, "US" }, { "Springfield", U, "US" } /* every GeoNames Springfield is in the US */,
    /* Canada */
    { "Toronto, ON, Canada", N, "CA" }, { "Toronto, ON", N, "CA" }, { "Toronto", N, "CA" },
    { "Vancouver, BC", N, "CA" }, { "Montreal, QC", N, "CA" }, { "Calgary, AB", N, "CA" },
    { "Winnipeg, MB", N, "CA" }, { "Halifax, NS", N, "CA" }, { "Ottawa, Ontario", N, "CA" },
    { "London, Ontario", N, "CA" }, { "Remote - Canada", N, "CA" }, { "Quebec City, Quebec", N, "CA" },
    { "Mississauga, Ontario, Canada", N, "CA" },
    /* Elsewhere */
    { "London, UK", N, "GB" }, { "London", N, "GB" }, { "London, England", N, "GB" },
    { "Manchester, United Kingdom", N, "GB" }, { "Edinburgh, Scotland", N, "GB" },
    { "Dublin, Ireland", N, "IE" }, { "Dublin", N, "IE" }, { "Berlin, Germany", N, "DE" },
    { "Munich", N, "DE" }, { "Paris, France", N, "FR" }, { "Paris", N, "FR" },
    { "Madrid, Spain", N, "ES" }, { "Amsterdam, Netherlands", N, "NL" },
    { "Warsaw, Poland", N, "PL" }, { "Bangalore, India", N, "IN" }, { "Bengaluru", N, "IN" },
    { "Pune, Maharashtra, India", N, "IN" }, { "Tokyo, Japan", N, "JP" },
    { "Sydney, NSW, Australia", N, "AU" }, { "Melbourne", N, "AU" },
    { "Mexico City, Mexico", N, "MX" }, { "Monterrey, NL, Mexico", N, "MX" },
    { "Tijuana", N, "MX" }, { "Remote - Mexico", N, "MX" }, { "São Paulo, Brazil", N, "BR" },
    { "Singapore", N, "SG" }, { "Tel Aviv, Israel", N, "IL" }, { "Remote - EMEA", N, NULL },
    { "Remote (Europe)", N, NULL }, { "APAC", N, NULL }, { "Manila, Philippines", N, "PH" },
    { "Kraków, Poland", N, "PL" }, { "Zürich, Switzerland", N, "CH" },
    /* Cannot tell */
    { "Remote", K, "" }, { "Anywhere", K, "" }, { "Multiple Locations", K, "" },
    { "Hybrid", K, "" }, { "", K, "" }, { "TBD", K, "" }, { "North America", K, "" },
    { "Remote - North America", K, "" }, { "Work from home", K, "" }, { "Field based", K, "" },
    { "HQ", K, "" }, { "Plant 7", K, "" }, { "Remote - Americas", K, "" },
    { "in office or remote", K, "" }, { "Cambridge", K, "" },
};

static void test_location__text_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(TEXT_ROWS) / sizeof(TEXT_ROWS[0]); i++) {
        const row *r = &TEXT_ROWS[i];
        location_input in = { NULL, NULL, NULL, r->text };
        char country[8];
        location_verdict v = location_classify(&in, country, sizeof(country));
        if (v != r->want || (r->country && strcmp(country, r->country) != 0)) {
            print_error("\"%s\": expected %s/%s, got %s/%s\n", r->text,
                        location_verdict_name(r->want), r->country ? r->country : "*",
                        location_verdict_name(v), country);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    assert_true(sizeof(TEXT_ROWS) / sizeof(TEXT_ROWS[0]) >= 150);
}

static void test_location__country_code_wins_over_text(void **state)
{
    (void)state;
    char c[8];
    location_input a = { "US", NULL, NULL, "Remote" };
    assert_int_equal(location_classify(&a, c, sizeof(c)), U);
    location_input b = { "ca", NULL, NULL, "Remote" };
    assert_int_equal(location_classify(&b, c, sizeof(c)), N);
    assert_string_equal(c, "CA");
    location_input d = { "USA", NULL, NULL, NULL };
    assert_int_equal(location_classify(&d, c, sizeof(c)), U);
    location_input e = { "United States", NULL, NULL, NULL };
    assert_int_equal(location_classify(&e, c, sizeof(c)), U);
    location_input f = { "GB", NULL, NULL, "Austin, TX" };
    assert_int_equal(location_classify(&f, c, sizeof(c)), N);
}

static void test_location__structured_city_and_region(void **state)
{
    (void)state;
    char c[8];
    location_input a = { NULL, "TX", "Austin", NULL };
    assert_int_equal(location_classify(&a, c, sizeof(c)), U);
    location_input b = { NULL, "Ontario", "Toronto", NULL };
    assert_int_equal(location_classify(&b, c, sizeof(c)), N);
    location_input d = { NULL, "Ohio", NULL, NULL };
    assert_int_equal(location_classify(&d, c, sizeof(c)), U);
    location_input e = { NULL, NULL, NULL, NULL };
    assert_int_equal(location_classify(&e, c, sizeof(c)), K);
}

static void test_location__several_locations_us_if_any_is(void **state)
{
    (void)state;
    char c[8];
    location_input a = { NULL, NULL, NULL, "Toronto, ON, Canada; Dayton, OH" };
    assert_int_equal(location_classify(&a, c, sizeof(c)), U);
    location_input b = { NULL, NULL, NULL, "Toronto, ON; London, UK" };
    assert_int_equal(location_classify(&b, c, sizeof(c)), N);
    assert_string_equal(c, "CA");
    location_input d = { NULL, NULL, NULL, "Remote; Anywhere" };
    assert_int_equal(location_classify(&d, c, sizeof(c)), K);
}

/* The error classes issue 16 measured, one row each. */
static const row ISSUE16_ROWS[] = {
    { "CA-Toronto", N, "CA" }, { "IN-Bengaluru", N, "IN" }, { "Chennai-IN", N, "IN" },
    { "US-Remote", U, "US" }, { "US-CA-Santa Clara", U, "US" }, { "Tbilisi, Georgia", N, "GE" },
    { "Atlanta, Georgia", U, "US" }, { "Georgia", U, "US" },
    { "Toronto, ON | Chicago, IL", U, "US" }, { "San Francisco, Palo Alto, Seattle, Toronto", U, "US" },
    { "Toronto, ON or London, UK", N, "CA" }, { "Toronto / Chicago", U, "US" },
    { "McLean, VA (Remote Available)", U, "US" }, { "Somerville, MA (On-site)", U, "US" },
    { "Boston, MA - Hybrid", U, "US" }, { "SF", U, "US" }, { "Santa Monica", U, "US" },
    { "Mountain View", U, "US" }, { "Denmark, WI", U, "US" }, { "North Wales, PA", U, "US" },
    { "Guam", U, "US" }, { "Hagåtña, Guam", U, "US" }, { "Montréal, Québec", N, "CA" },
    { "Abu Dhabi", N, "AE" }, { "Paris, TX", U, "US" }, { "Paris, France", N, "FR" },
    { "Cambridge, MA", U, "US" }, { "Cambridge, UK", N, "GB" }, { "Perth, WA", N, "AU" },
    { "Vancouver, WA", U, "US" }, { "Ontario, CA", U, "US" }, { "London, ON", N, "CA" },
    { "Indianapolis, IN", U, "US" }, { "bengaluru , in", N, "IN" }, { "Munich, DE", N, "DE" },
    { "Wilmington, DE", U, "US" }, { "US, CA, Santa Clara", U, "US" },
    { "Canada, QC, Montreal", N, "CA" }, { "IND Pune, Kalyani Nagar", N, "IN" },
    { "Trinidad and Tobago", N, "TT" }, { "Remote - North America", K, "" },
};

static void test_location__issue16_error_classes(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(ISSUE16_ROWS) / sizeof(ISSUE16_ROWS[0]); i++) {
        const row *r = &ISSUE16_ROWS[i];
        location_input in = { NULL, NULL, NULL, r->text };
        char country[8];
        location_verdict v = location_classify(&in, country, sizeof(country));
        if (v != r->want || (r->country && strcmp(country, r->country) != 0)) {
            print_error("\"%s\": expected %s/%s, got %s/%s\n", r->text,
                        location_verdict_name(r->want), r->country ? r->country : "*",
                        location_verdict_name(v), country);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_location__territories_follow_the_setting(void **state)
{
    (void)state;
    location_opts no = { 0, 0 }, yes = { 1, 0 };
    location_result r;
    const char *texts[] = { "San Juan, PR", "Guam", "Hagåtña, Guam", "Puerto Rico",
                            "Saipan", "US Virgin Islands", "Pago Pago, American Samoa" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        location_input in = { NULL, NULL, NULL, texts[i] };
        location_decide(&in, &yes, &r);
        if (r.verdict != U)
            print_error("\"%s\" with territories as US: got %s\n", texts[i],
                        location_verdict_name(r.verdict));
        assert_int_equal(r.verdict, U);
        location_decide(&in, &no, &r);
        if (r.verdict != N)
            print_error("\"%s\" with territories apart: got %s\n", texts[i],
                        location_verdict_name(r.verdict));
        assert_int_equal(r.verdict, N);
    }
    location_input f = { "PR", NULL, NULL, NULL };
    location_decide(&f, &no, &r);
    assert_int_equal(r.verdict, N);
    assert_string_equal(r.country, "PR");
    assert_int_equal(r.basis, LOCATION_BY_COUNTRY_FIELD);
}

static void test_location__basis_and_explanation(void **state)
{
    (void)state;
    location_opts o = { 1, 1 };
    location_result r;
    location_input a = { "CA", NULL, NULL, "Austin, TX" };
    location_decide(&a, &o, &r);
    assert_int_equal(r.basis, LOCATION_BY_COUNTRY_FIELD);
    location_input b = { NULL, NULL, NULL, "Toronto, ON; Austin, TX" };
    location_decide(&b, &o, &r);
    assert_int_equal(r.basis, LOCATION_BY_TEXT);
    assert_int_equal(r.nparts, 2);
    assert_string_equal(r.part, "Austin, TX");
    assert_non_null(strstr(r.why, "Austin, Texas, US"));
    assert_int_equal(r.parts[0].verdict, N);
}

/* Hostile input stays bounded: a huge text, thousands of separators. */
static void test_location__bounded_on_hostile_text(void **state)
{
    (void)state;
    static char big[200000];
    for (size_t i = 0; i + 1 < sizeof(big); i++)
        big[i] = "a;|, -/"[i % 7];
    big[sizeof(big) - 1] = '\0';
    location_opts o = { 1, 1 };
    location_result r;
    location_input in = { NULL, NULL, NULL, big };
    location_decide(&in, &o, &r);
    assert_true(r.truncated);
    assert_true(r.parts_total <= LOCATION_MAX_PARTS);
    memset(big, 'x', sizeof(big) - 1);
    location_decide(&in, &o, &r);
    assert_int_equal(r.verdict, K);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location__text_table),
        cmocka_unit_test(test_location__country_code_wins_over_text),
        cmocka_unit_test(test_location__structured_city_and_region),
        cmocka_unit_test(test_location__several_locations_us_if_any_is),
        cmocka_unit_test(test_location__issue16_error_classes),
        cmocka_unit_test(test_location__territories_follow_the_setting),
        cmocka_unit_test(test_location__basis_and_explanation),
        cmocka_unit_test(test_location__bounded_on_hostile_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
