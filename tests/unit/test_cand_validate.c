/* cand_record_validate: the intake rules without a store or files, as a
 * fuzz target sees them.  Each test names the rule it proves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cands/cand_import.h"

#define BASE "\"org\":\"acme\",\"job\":\"1001\",\"first_name\":\"Ann\",\"last_name\":\"Lee\"," \
             "\"status\":\"new\""

static int check(const char *json, char *why, size_t wn)
{
    return cand_record_validate(json, strlen(json), why, wn);
}

/* expect_refused(JSON, SUBSTRING): refused, and why names the problem. */
static void expect_refused(const char *json, const char *want)
{
    char why[512];
    int rc = check(json, why, sizeof(why));
    if (rc == 0 || !strstr(why, want))
        fail_msg("%s\n  expected refusal containing: %s\n  got rc %d: %s", json, want, rc, why);
}

static void expect_valid(const char *json)
{
    char why[512];
    if (check(json, why, sizeof(why)) != 0)
        fail_msg("%s\n  expected valid, got: %s", json, why);
}

static void test_cand_validate__a_full_record_is_valid(void **state)
{
    (void)state;
    expect_valid("{\"id\":\"c-1\"," BASE ",\"email\":\"ann@example.com\",\"phone\":\"+1 555\","
                 "\"assessment\":{\"stars\":4,\"summary\":\"good\\nfit\"},"
                 "\"transcript\":[{\"from\":\"a\",\"at\":\"2026-11-20T14:00:00Z\",\"text\":\"hi\\tthere\"}],"
                 "\"resume\":{\"text\":\"CV\"}}");
    expect_valid("{\"id\":9223372036854775807," BASE ",\"email\":\"a@example.com\"}  \n");
    /* A path's form is checked, the file is not opened. */
    expect_valid("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"resume\":{\"path\":\"sub/cv.pdf\"}}");
}

static void test_cand_validate__each_rule_is_named(void **state)
{
    (void)state;
    expect_refused("{\"id\":\"c\"," BASE "}", "field email: required: it is the key");
    expect_refused("{\"id\":9223372036854775808," BASE ",\"email\":\"a@example.com\"}",
                   "field id: the number is larger than 9223372036854775807");
    expect_refused("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"last_name\":\"L\\u0000ee\"}",
                   "field last_name: contains a NUL character");
    expect_refused("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"first_name\":\"\\u001b[2J\"}",
                   "field first_name: control character U+001B");
    expect_refused("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"resume\":{\"path\":\"../etc/passwd\"}}",
                   "\"..\" components are not allowed");
    expect_refused("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"resume\":{\"base64\":\"!!\"}}",
                   "field resume.base64: not valid base64");
    expect_refused("{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\",\"first_name\":\"\xff\"}",
                   "not valid UTF-8");
    expect_refused("[{\"id\":\"c\"}]", "expected a JSON object");
    expect_refused("{\"id\":\"c\"} {}", "one record expected");
    expect_refused("{\"id\":", "invalid JSON");
    expect_refused("", "invalid JSON");
}

static void test_cand_validate__transcript_caps(void **state)
{
    (void)state;
    size_t n = 5000;
    char *big = malloc(n + 256);
    assert_non_null(big);
    int k = snprintf(big, n + 256, "{\"id\":\"c\"," BASE ",\"email\":\"a@example.com\","
                                   "\"transcript\":[{\"from\":\"a\",\"text\":\"");
    memset(big + k, 'x', n);
    memcpy(big + k + n, "\"}]}", 5);
    expect_refused(big, "field transcript[0].text: 5000 bytes, more than the limit of 4096");
    free(big);
}

/* Every prefix of a valid record, and every byte flipped, is answered
 * without a crash or a leak (run under ASan by make SANITIZE=1 test). */
static void test_cand_validate__any_bytes_are_safe(void **state)
{
    (void)state;
    const char *good = "{\"id\":\"c-1\"," BASE ",\"email\":\"ann@example.com\","
                       "\"assessment\":{\"stars\":4,\"summary\":\"ok\"},"
                       "\"transcript\":[{\"from\":\"a\",\"at\":1790000000,\"text\":\"hi\"}],"
                       "\"resume\":{\"base64\":\"Q1YgdGV4dA==\",\"filename\":\"cv.txt\"}}";
    size_t len = strlen(good);
    char why[64]; /* small on purpose: messages are truncated, not overflowed */
    assert_int_equal(cand_record_validate(good, len, why, sizeof(why)), 0);
    char *copy = malloc(len);
    assert_non_null(copy);
    for (size_t i = 0; i < len; i++) {
        (void)cand_record_validate(good, i, why, sizeof(why));
        memcpy(copy, good, len);
        for (unsigned b = 0; b < 8; b++) {
            copy[i] = (char)(good[i] ^ (1u << b));
            (void)cand_record_validate(copy, len, why, sizeof(why));
        }
    }
    (void)cand_record_validate(good, len, NULL, 0);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cand_validate__a_full_record_is_valid),
        cmocka_unit_test(test_cand_validate__each_rule_is_named),
        cmocka_unit_test(test_cand_validate__transcript_caps),
        cmocka_unit_test(test_cand_validate__any_bytes_are_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
