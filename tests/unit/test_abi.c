/* ABI guard: the layout of every ABI 1.0 struct, as released.  Fails when a
 * struct changes size or a field moves without a minor version bump (a
 * field may only be appended, and only with ATSB_ABI_MINOR raised); fields
 * never move at all.  Recorded on LP64 (x86_64, aarch64), checked there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "atsbridge/connector.h"

typedef struct row {
    const char *type, *field;
    size_t off_1_0, size_1_0;   /* as released in 1.0 (or in the minor that appended it) */
    size_t off_now, size_now;   /* this header */
} row;

#define R(T, f, off, sz) { #T, #f, off, sz, offsetof(T, f), sizeof(((T *)0)->f) }
#define Z(T, sz) { #T, NULL, 0, sz, 0, sizeof(T) }

static const row ROWS[] = {
    Z(atsb_error, 528),
    R(atsb_error, struct_size, 0, 4),
    R(atsb_error, code, 4, 4),
    R(atsb_error, retry_after_s, 8, 4),
    R(atsb_error, http_status, 12, 4),
    R(atsb_error, message, 16, 512),
    Z(atsb_setting_spec, 40),
    R(atsb_setting_spec, name, 0, 8),
    R(atsb_setting_spec, type, 8, 4),
    R(atsb_setting_spec, required, 12, 4),
    R(atsb_setting_spec, secret, 16, 4),
    R(atsb_setting_spec, default_value, 24, 8),
    R(atsb_setting_spec, help, 32, 8),
    Z(atsb_job, 104),
    R(atsb_job, struct_size, 0, 4),
    R(atsb_job, remote_id, 8, 8),
    R(atsb_job, title, 16, 8),
    R(atsb_job, status, 24, 4),
    R(atsb_job, location_text, 32, 8),
    R(atsb_job, country_code, 40, 8),
    R(atsb_job, region, 48, 8),
    R(atsb_job, city, 56, 8),
    R(atsb_job, remote, 64, 4),
    R(atsb_job, department, 72, 8),
    R(atsb_job, description, 80, 8),
    R(atsb_job, url, 88, 8),
    R(atsb_job, updated_at, 96, 8),
    Z(atsb_list_request, 32),                      /* 24 before ABI 1.2 */
    R(atsb_list_request, struct_size, 0, 4),
    R(atsb_list_request, updated_since, 8, 8),
    R(atsb_list_request, page_size, 16, 4),
    R(atsb_list_request, resume_at, 24, 8),        /* ABI 1.2 */
    Z(atsb_job_sink, 40),                          /* 32 before ABI 1.2 */
    R(atsb_job_sink, struct_size, 0, 4),
    R(atsb_job_sink, page, 8, 8),
    R(atsb_job_sink, malformed, 16, 8),
    R(atsb_job_sink, payload, 24, 8),
    R(atsb_job_sink, cursor, 32, 8),               /* ABI 1.2 */
    Z(atsb_message, 32),
    R(atsb_message, struct_size, 0, 4),
    R(atsb_message, from, 8, 8),
    R(atsb_message, at, 16, 8),
    R(atsb_message, text, 24, 8),
    Z(atsb_attachment, 40),
    R(atsb_attachment, struct_size, 0, 4),
    R(atsb_attachment, file_name, 8, 8),
    R(atsb_attachment, mime_type, 16, 8),
    R(atsb_attachment, data, 24, 8),
    R(atsb_attachment, size, 32, 8),
    Z(atsb_candidate, 128),
    R(atsb_candidate, struct_size, 0, 4),
    R(atsb_candidate, local_id, 8, 8),
    R(atsb_candidate, job_remote_id, 16, 8),
    R(atsb_candidate, first_name, 24, 8),
    R(atsb_candidate, last_name, 32, 8),
    R(atsb_candidate, email, 40, 8),
    R(atsb_candidate, phone, 48, 8),
    R(atsb_candidate, profile_url, 56, 8),
    R(atsb_candidate, source_name, 64, 8),
    R(atsb_candidate, assessment_stars, 72, 4),
    R(atsb_candidate, assessment_summary, 80, 8),
    R(atsb_candidate, transcript, 88, 8),
    R(atsb_candidate, transcript_count, 96, 8),
    R(atsb_candidate, resume_text, 104, 8),
    R(atsb_candidate, attachments, 112, 8),
    R(atsb_candidate, attachment_count, 120, 8),
    Z(atsb_push_result, 260),
    R(atsb_push_result, struct_size, 0, 4),
    R(atsb_push_result, candidate_id, 4, 128),
    R(atsb_push_result, application_id, 132, 128),
    R(atsb_push_result, missing, 260, 4),          /* ABI 1.1 */
    Z(atsb_http_auth, 40),
    R(atsb_http_auth, struct_size, 0, 4),
    R(atsb_http_auth, kind, 4, 4),
    R(atsb_http_auth, user, 8, 8),
    R(atsb_http_auth, password, 16, 8),
    R(atsb_http_auth, token_url, 24, 8),
    R(atsb_http_auth, token_form, 32, 8),
    Z(atsb_http_header, 16),
    R(atsb_http_header, name, 0, 8),
    R(atsb_http_header, value, 8, 8),
    Z(atsb_http_request, 80),
    R(atsb_http_request, struct_size, 0, 4),
    R(atsb_http_request, method, 8, 8),
    R(atsb_http_request, url, 16, 8),
    R(atsb_http_request, headers, 24, 8),
    R(atsb_http_request, header_count, 32, 8),
    R(atsb_http_request, body, 40, 8),
    R(atsb_http_request, body_len, 48, 8),
    R(atsb_http_request, auth, 56, 8),
    R(atsb_http_request, timeout_ms, 64, 4),
    R(atsb_http_request, idempotent, 68, 4),
    R(atsb_http_request, pass_500, 72, 4),
    Z(atsb_http_response, 24),
    R(atsb_http_response, struct_size, 0, 4),
    R(atsb_http_response, status, 4, 4),
    R(atsb_http_response, body, 8, 8),
    R(atsb_http_response, body_len, 16, 8),
    Z(atsb_host_api, 88),
    R(atsb_host_api, struct_size, 0, 4),
    R(atsb_host_api, abi_major, 4, 2),
    R(atsb_host_api, abi_minor, 6, 2),
    R(atsb_host_api, log, 8, 8),
    R(atsb_host_api, setting, 16, 8),
    R(atsb_host_api, http, 24, 8),
    R(atsb_host_api, http_free, 32, 8),
    R(atsb_host_api, http_header, 40, 8),
    R(atsb_host_api, cancelled, 48, 8),
    R(atsb_host_api, set_error, 56, 8),
    R(atsb_host_api, url_encode, 64, 8),
    R(atsb_host_api, base64_encode, 72, 8),
    R(atsb_host_api, free, 80, 8),
    R(atsb_host_api, url_with_query, 88, 8),       /* ABI 1.1 */
    R(atsb_host_api, form_build, 96, 8),           /* ABI 1.1 */
    R(atsb_host_api, form_free, 104, 8),           /* ABI 1.1 */
    R(atsb_host_api, location_classify, 112, 8),   /* ABI 1.1 */
    Z(atsb_form_part, 48),                         /* ABI 1.1 */
    R(atsb_form_part, struct_size, 0, 4),
    R(atsb_form_part, name, 8, 8),
    R(atsb_form_part, file_name, 16, 8),
    R(atsb_form_part, content_type, 24, 8),
    R(atsb_form_part, data, 32, 8),
    R(atsb_form_part, size, 40, 8),
    Z(atsb_form, 32),                              /* ABI 1.1 */
    R(atsb_form, struct_size, 0, 4),
    R(atsb_form, content_type, 8, 8),
    R(atsb_form, body, 16, 8),
    R(atsb_form, body_len, 24, 8),
    Z(atsb_connector, 112),
    R(atsb_connector, magic, 0, 4),
    R(atsb_connector, abi_major, 4, 2),
    R(atsb_connector, abi_minor, 6, 2),
    R(atsb_connector, struct_size, 8, 4),
    R(atsb_connector, name, 16, 8),
    R(atsb_connector, version, 24, 8),
    R(atsb_connector, description, 32, 8),
    R(atsb_connector, capabilities, 40, 4),
    R(atsb_connector, settings, 48, 8),
    R(atsb_connector, setting_size, 56, 4),
    R(atsb_connector, create, 64, 8),
    R(atsb_connector, destroy, 72, 8),
    R(atsb_connector, check, 80, 8),
    R(atsb_connector, list_jobs, 88, 8),
    R(atsb_connector, push_candidate, 96, 8),
    R(atsb_connector, find_candidate, 104, 8),
};

static void test_abi__v1_0_layout_is_kept(void **state)
{
    (void)state;
#if UINTPTR_MAX != 0xffffffffffffffffu
    skip();
#endif
    int bad = 0;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const row *r = &ROWS[i];
        if (r->field && (r->off_now != r->off_1_0 || r->size_now != r->size_1_0)) {
            print_error("%s.%s moved or changed size: 1.0 has offset %zu size %zu, now %zu/%zu "
                        "(fields may only be appended)\n", r->type, r->field, r->off_1_0,
                        r->size_1_0, r->off_now, r->size_now);
            bad++;
        }
        if (!r->field && r->size_now != r->size_1_0 && ATSB_ABI_MINOR == 0) {
            print_error("%s grew from %zu to %zu bytes without an ABI minor bump "
                        "(raise ATSB_ABI_MINOR)\n", r->type, r->size_1_0, r->size_now);
            bad++;
        }
        if (!r->field && r->size_now < r->size_1_0) {
            print_error("%s shrank from %zu to %zu bytes: never allowed in ABI 1.x\n",
                        r->type, r->size_1_0, r->size_now);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_abi__major_is_1(void **state)
{
    (void)state;
    assert_int_equal(ATSB_ABI_MAJOR, 1);
    assert_int_equal(ATSB_CONNECTOR_MAGIC, 0x41545342u);
    assert_int_equal(ATSB_OK, 0);
    assert_int_equal(ATSB_ERR_AUTH, -1);
    assert_int_equal(ATSB_ERR_CONFIG, -2);
    assert_int_equal(ATSB_ERR_RATE_LIMITED, -3);
    assert_int_equal(ATSB_ERR_TRANSIENT, -4);
    assert_int_equal(ATSB_ERR_PERMANENT, -5);
    assert_int_equal(ATSB_ERR_UNSUPPORTED, -6);
    assert_int_equal(ATSB_ERR_INTERNAL, -7);
    assert_int_equal(ATSB_ERR_NOT_FOUND, -8);
    assert_int_equal(ATSB_ERR_CANCELLED, -9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi__v1_0_layout_is_kept),
        cmocka_unit_test(test_abi__major_is_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
