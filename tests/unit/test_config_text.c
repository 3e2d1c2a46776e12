/* config_to_text: an isolated task's worker must get exactly its parent's
 * settings, whatever they hold (quotes, backslashes, control bytes in
 * strings, every kind of value). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "atsbridge/connector.h"
#include "base/config.h"
#include "base/util.h"

static void round_trip(const config *in, config *out)
{
    char *text = config_to_text(in);
    assert_non_null(text);
    atsb_error err = ATSB_ERROR_INIT;
    int rc = config_load_string(out, "round trip", text, &err);
    if (rc)
        fail_msg("%s\n%s", err.message, text);
    free(text);
}

static void test_config_text__defaults_round_trip(void **state)
{
    (void)state;
    config a, b;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(config_load_string(&a, "defaults", "", &err), 0);
    round_trip(&a, &b);
    assert_string_equal(a.store_path, b.store_path);
    assert_string_equal(a.plugins_dir, b.plugins_dir);
    assert_string_equal(a.source_name, b.source_name);
    assert_null(b.resume_dir);
    assert_int_equal(a.jobs_interval_s, b.jobs_interval_s);
    assert_int_equal(a.http_max_response, b.http_max_response);
    assert_int_equal(a.log_level, b.log_level);
    assert_int_equal(a.us_territories, b.us_territories);
    assert_int_equal(b.isolation, 1);
    assert_int_equal(a.task_max_memory_mb, b.task_max_memory_mb);
    assert_int_equal(a.task_timeout_s, b.task_timeout_s);
    config_free(&a);
    config_free(&b);
}

static void test_config_text__every_value_kind_survives(void **state)
{
    (void)state;
    config a, b;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(config_load_string(&a, "mine",
                                        "log: { level = \"debug\"; };\n"
                                        "sync: { jobs_interval = \"90m\"; workers = 7; };\n"
                                        "http: { max_response_bytes = 2048; };\n"
                                        "location: { us_territories = false; };\n"
                                        "isolation: { enabled = false; timeout_s = 42; };\n",
                                        &err), 0);
    free(a.source_name);
    a.source_name = str_dup("Quote \" back\\slash \x01 tab\t é");
    free(a.store_path);
    a.store_path = str_dup("/var/lib/a \"b\"/c.db");
    round_trip(&a, &b);
    assert_string_equal(b.source_name, a.source_name);
    assert_string_equal(b.store_path, a.store_path);
    assert_int_equal(b.log_level, ATSB_LOG_DEBUG);
    assert_int_equal(b.jobs_interval_s, 90 * 60);
    assert_int_equal(b.workers, 7);
    assert_int_equal(b.http_max_response, 2048);
    assert_int_equal(b.us_territories, 0);
    assert_int_equal(b.isolation, 0);
    assert_int_equal(b.task_timeout_s, 42);
    config_free(&a);
    config_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_text__defaults_round_trip),
        cmocka_unit_test(test_config_text__every_value_kind_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
