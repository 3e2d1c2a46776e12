/* util: time parsing (the ATSs' timestamp formats), durations, buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static void test_util__iso_times_in_every_ats_format(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(time_parse_iso("2024-12-15T03:55:00.000Z", &t), 0);
    assert_int_equal(t, 1734234900);
    assert_int_equal(time_parse_iso("2024-12-15T03:55:00Z", &t), 0);
    assert_int_equal(t, 1734234900);
    assert_int_equal(time_parse_iso("2024-12-14T22:55:00-05:00", &t), 0);
    assert_int_equal(t, 1734234900);
    assert_int_equal(time_parse_iso("2024-12-15T05:55:00+0200", &t), 0);
    assert_int_equal(t, 1734234900);
    assert_int_equal(time_parse_iso("1970-01-01", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(time_parse_iso("2000-02-29T00:00:00Z", &t), 0);
    assert_int_equal(t, 951782400);
}

static void test_util__iso_times_reject_garbage(void **state)
{
    (void)state;
    int64_t t;
    assert_int_not_equal(time_parse_iso("", &t), 0);
    assert_int_not_equal(time_parse_iso("yesterday", &t), 0);
    assert_int_not_equal(time_parse_iso("2024-13-01T00:00:00Z", &t), 0);
    assert_int_not_equal(time_parse_iso("2024-12-15T03:55:00Zjunk", &t), 0);
    assert_int_not_equal(time_parse_iso(NULL, &t), 0);
}

static void test_util__format_round_trips(void **state)
{
    (void)state;
    char buf[32];
    int64_t t;
    time_format_iso(1734234900, buf, sizeof(buf));
    assert_string_equal(buf, "2024-12-15T03:55:00Z");
    assert_int_equal(time_parse_iso(buf, &t), 0);
    assert_int_equal(t, 1734234900);
}

static void test_util__durations(void **state)
{
    (void)state;
    long v;
    assert_int_equal(duration_parse("90", &v), 0);
    assert_int_equal(v, 90);
    assert_int_equal(duration_parse("15m", &v), 0);
    assert_int_equal(v, 900);
    assert_int_equal(duration_parse("3h", &v), 0);
    assert_int_equal(v, 10800);
    assert_int_equal(duration_parse("1d", &v), 0);
    assert_int_equal(v, 86400);
    assert_int_not_equal(duration_parse("3hours", &v), 0);
    assert_int_not_equal(duration_parse("-5", &v), 0);
    assert_int_not_equal(duration_parse("h", &v), 0);
}

static void test_util__strbuf_grows_and_steals(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(sb_printf(&sb, "%d,", i), 0);
    assert_int_equal(strncmp(sb.data, "0,1,2,", 6), 0);
    char *s = sb_steal(&sb);
    assert_non_null(s);
    assert_null(sb.data);
    free(s);
}

static void test_util__str_copy_truncates_and_terminates(void **state)
{
    (void)state;
    char buf[4];
    str_copy(buf, sizeof(buf), "abcdef");
    assert_string_equal(buf, "abc");
    str_copy(buf, sizeof(buf), NULL);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__iso_times_in_every_ats_format),
        cmocka_unit_test(test_util__iso_times_reject_garbage),
        cmocka_unit_test(test_util__format_round_trips),
        cmocka_unit_test(test_util__durations),
        cmocka_unit_test(test_util__strbuf_grows_and_steals),
        cmocka_unit_test(test_util__str_copy_truncates_and_terminates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
