/* plugin: descriptor validation in the order the loader applies it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "plugin/abi.h"
#include "plugin/plugin.h"

static int c_create(const atsb_host_api *a, atsb_host *h, void **o, atsb_error *e)
{ (void)a; (void)h; (void)o; (void)e; return 0; }
static void c_destroy(void *i) { (void)i; }
static int c_check(void *i, atsb_error *e) { (void)i; (void)e; return 0; }
static int c_list(void *i, const atsb_list_request *r, const atsb_job_sink *s, atsb_error *e)
{ (void)i; (void)r; (void)s; (void)e; return 0; }
static int c_push(void *i, const atsb_candidate *c, atsb_push_result *o, atsb_error *e)
{ (void)i; (void)c; (void)o; (void)e; return 0; }

static const atsb_setting_spec SETTINGS[] = {
    { "base_url", ATSB_SETTING_URL, 0, 0, "https://x", "where" },
    { "api_key", ATSB_SETTING_STRING, 1, 1, NULL, "key" },
    { NULL, 0, 0, 0, NULL, NULL },
};

static atsb_connector good(void)
{
    atsb_connector d = { ATSB_CONNECTOR_HEADER, "good", "1.0", "d", 0, SETTINGS,
                         sizeof(atsb_setting_spec), c_create, c_destroy, c_check,
                         c_list, c_push, c_push };
    return d;
}

static void expect_reason(const atsb_connector *d, const char *prefix)
{
    char reason[512] = "";
    assert_int_equal(plugin_check_descriptor(d, reason, sizeof(reason)), -1);
    if (strncmp(reason, prefix, strlen(prefix)) != 0)
        fail_msg("expected reason starting \"%s\", got \"%s\"", prefix, reason);
}

static void test_plugin__good_descriptor_accepted(void **state)
{
    (void)state;
    atsb_connector d = good();
    char reason[256] = "";
    assert_int_equal(plugin_check_descriptor(&d, reason, sizeof(reason)), 0);
}

static void test_plugin__each_defect_has_its_reason(void **state)
{
    (void)state;
    atsb_connector d = good();
    d.magic = 1;
    expect_reason(&d, "bad magic");
    d = good(); d.abi_major = 0;
    expect_reason(&d, "ABI major mismatch: connector is ABI 0.");
    d = good(); d.abi_minor = ATSB_ABI_MINOR + 3;
    expect_reason(&d, "ABI minor too new");
    d = good(); d.struct_size = 8;
    expect_reason(&d, "descriptor too small");
    d = good(); d.name = "Bad Name";
    expect_reason(&d, "invalid descriptor: name \"Bad Name\"");
    d = good(); d.version = "";
    expect_reason(&d, "invalid descriptor: connector \"good\" has no version");
    d = good(); d.list_jobs = NULL;
    expect_reason(&d, "invalid descriptor: connector \"good\" has no list_jobs operation");
    d = good(); d.setting_size = 4;
    expect_reason(&d, "invalid descriptor: setting_size 4");
}

static void test_plugin__setting_schema_checked(void **state)
{
    (void)state;
    static const atsb_setting_spec dup[] = {
        { "a", ATSB_SETTING_STRING, 0, 0, NULL, NULL },
        { "a", ATSB_SETTING_STRING, 0, 0, NULL, NULL },
        { NULL, 0, 0, 0, NULL, NULL },
    };
    static const atsb_setting_spec badtype[] = {
        { "a", (atsb_setting_type)99, 0, 0, NULL, NULL },
        { NULL, 0, 0, 0, NULL, NULL },
    };
    atsb_connector d = good();
    d.settings = dup;
    expect_reason(&d, "invalid descriptor: setting \"a\" is declared twice");
    d.settings = badtype;
    expect_reason(&d, "invalid descriptor: setting \"a\" has unknown type 99");
}

static void test_plugin__larger_setting_stride_is_walked_by_its_size(void **state)
{
    (void)state;
    /* A future connector whose setting struct grew: the host strides by
     * setting_size, so it still sees both names. */
    struct bigger { atsb_setting_spec s; void *future[3]; };
    static const struct bigger big[] = {
        { { "one", ATSB_SETTING_STRING, 0, 0, NULL, NULL }, { 0, 0, 0 } },
        { { "two", ATSB_SETTING_INT, 0, 0, NULL, NULL }, { 0, 0, 0 } },
        { { NULL, 0, 0, 0, NULL, NULL }, { 0, 0, 0 } },
    };
    atsb_connector d = good();
    d.settings = &big[0].s;
    d.setting_size = sizeof(struct bigger);
    char reason[256] = "";
    assert_int_equal(plugin_check_descriptor(&d, reason, sizeof(reason)), 0);
}

static void test_abi__http_request_and_auth_below_1_0_size_refused(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    atsb_http_auth auth = { .struct_size = sizeof(auth), .kind = ATSB_AUTH_BASIC };
    atsb_http_request req = { .struct_size = sizeof(req), .method = "GET",
                              .url = "https://x/", .auth = &auth };
    assert_int_equal(abi_check_http_request(&req, &err), ATSB_OK);
    req.struct_size = (uint32_t)ABI_MIN_HTTP_REQUEST;
    assert_int_equal(abi_check_http_request(&req, &err), ATSB_OK);
    req.struct_size = (uint32_t)offsetof(atsb_http_request, idempotent); /* lacks the flags */
    assert_int_equal(abi_check_http_request(&req, &err), ATSB_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "atsb_http_request.struct_size"));
    req.struct_size = sizeof(req);
    auth.struct_size = 8;
    assert_int_equal(abi_check_http_request(&req, &err), ATSB_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "atsb_http_auth.struct_size 8"));
    assert_int_equal(abi_check_http_request(NULL, &err), ATSB_ERR_INTERNAL);
}

static void test_abi__minimum_sizes_are_the_1_0_sizes(void **state)
{
    (void)state;
    /* LP64 sizes as released in 1.0 (tests/unit/test_abi.c has the full
     * layout): the minimums must never move. */
#if UINTPTR_MAX == 0xffffffffffffffffu
    assert_int_equal(ABI_MIN_CONNECTOR, 112);
    assert_int_equal(ABI_MIN_SETTING_SPEC, 40);
    assert_int_equal(ABI_MIN_JOB, 104);
    assert_int_equal(ABI_MIN_HTTP_REQUEST, 76);
    assert_int_equal(ABI_MIN_HTTP_AUTH, 40);
#endif
    assert_true(abi_status_known(ATSB_OK));
    assert_true(abi_status_known(ATSB_ERR_CANCELLED));
    assert_false(abi_status_known(1));
    assert_false(abi_status_known(ABI_STATUS_LOWEST - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugin__good_descriptor_accepted),
        cmocka_unit_test(test_abi__http_request_and_auth_below_1_0_size_refused),
        cmocka_unit_test(test_abi__minimum_sizes_are_the_1_0_sizes),
        cmocka_unit_test(test_plugin__each_defect_has_its_reason),
        cmocka_unit_test(test_plugin__setting_schema_checked),
        cmocka_unit_test(test_plugin__larger_setting_stride_is_walked_by_its_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
