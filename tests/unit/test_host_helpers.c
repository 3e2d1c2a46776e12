/* The ABI 1.1 host helpers (url_with_query, form_build, location_classify)
 * and their place in the function table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/conn.h"
#include "plugin/host_helpers.h"

static void test_host__url_with_query_encodes_and_skips_null_values(void **state)
{
    (void)state;
    const char *pairs[] = { "email", "jane+doe@example.com", "skip", NULL, "job id", "R-1/2" };
    char *u = host_url_with_query("/v3/candidates", pairs, 3);
    assert_string_equal(u, "/v3/candidates?email=jane%2Bdoe%40example.com&job%20id=R-1%2F2");
    free(u);
    const char *more[] = { "page", "2" };
    u = host_url_with_query("https://x/jobs?per_page=100", more, 1);
    assert_string_equal(u, "https://x/jobs?per_page=100&page=2");
    free(u);
    u = host_url_with_query("/jobs", NULL, 0);
    assert_string_equal(u, "/jobs");
    free(u);
    /* Longer than one encoding slice: nothing lost at the seams. */
    char big[700];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[255] = ' ';
    const char *bp[] = { "q", big };
    u = host_url_with_query("/s", bp, 1);
    assert_int_equal(strlen(u), strlen("/s?q=") + sizeof(big) - 1 + 2);
    assert_non_null(strstr(u, "a%20a"));
    free(u);
}

static void test_host__form_build_is_binary_safe_and_quotes_names(void **state)
{
    (void)state;
    unsigned char pdf[5000];
    for (size_t i = 0; i < sizeof(pdf); i++)
        pdf[i] = (unsigned char)(i % 3 ? i * 7 : 0);
    atsb_form_part file = { .struct_size = sizeof(file), .name = "file",
                            .file_name = "Jane \"JD\" Doe\r\n.pdf", .content_type = "application/pdf",
                            .data = pdf, .size = sizeof(pdf) };
    atsb_form_part field = { .struct_size = sizeof(field), .name = "type", .data = "resume",
                             .size = 6 };
    const atsb_form_part *parts[] = { &field, &file };
    atsb_form *f = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(host_form_build(parts, 2, &f, &err), ATSB_OK);
    assert_int_equal(f->struct_size, sizeof(atsb_form));
    const char *b = strstr(f->content_type, "boundary=");
    assert_non_null(b);
    b += 9;
    char delim[96];
    snprintf(delim, sizeof(delim), "--%s", b);
    /* Three delimiters: before each part, and the closing one. */
    size_t n = 0;
    for (const unsigned char *p = f->body; (p = memmem(p, f->body_len - (size_t)(p - f->body),
                                                         delim, strlen(delim))); p++)
        n++;
    assert_int_equal(n, 3);
    assert_non_null(memmem(f->body, f->body_len, pdf, sizeof(pdf)));
    assert_non_null(memmem(f->body, f->body_len, "filename=\"Jane _JD_ Doe__.pdf\"", 29));
    assert_non_null(memmem(f->body, f->body_len, "name=\"type\"\r\n\r\nresume\r\n", 23));
    assert_non_null(memmem(f->body, f->body_len, "Content-Type: application/pdf\r\n\r\n", 33));
    char closing[100];
    snprintf(closing, sizeof(closing), "--%s--\r\n", b);
    assert_memory_equal(f->body + f->body_len - strlen(closing), closing, strlen(closing));
    host_form_free(f);
}

static void test_host__form_build_refuses_a_part_without_name(void **state)
{
    (void)state;
    atsb_form_part p = { .struct_size = sizeof(p), .data = "x", .size = 1 };
    const atsb_form_part *parts[] = { &p };
    atsb_form *f = (atsb_form *)1;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(host_form_build(parts, 1, &f, &err), ATSB_ERR_INTERNAL);
    assert_null(f);
    assert_non_null(strstr(err.message, "part 0"));
}

static void test_host__location_classify_reads_a_job_as_the_sync_does(void **state)
{
    (void)state;
    char cc[8];
    atsb_job j = { .struct_size = sizeof(j), .remote_id = "1", .title = "t",
                   .status = ATSB_JOB_OPEN, .location_text = "Austin, TX" };
    assert_int_equal(host_location_classify(&j, cc, sizeof(cc)), ATSB_LOCATION_US);
    assert_string_equal(cc, "US");
    j.location_text = NULL;
    j.country_code = "CA";
    assert_int_equal(host_location_classify(&j, cc, sizeof(cc)), ATSB_LOCATION_NON_US);
    assert_string_equal(cc, "CA");
    j.country_code = NULL;
    j.location_text = "Remote";
    assert_int_equal(host_location_classify(&j, cc, sizeof(cc)), ATSB_LOCATION_UNKNOWN);
    assert_string_equal(cc, "");
    assert_int_equal(host_location_classify(NULL, cc, sizeof(cc)), ATSB_LOCATION_UNKNOWN);
}

static void test_host__table_has_every_abi_1_1_function(void **state)
{
    (void)state;
    const atsb_host_api *api = conn_host_api();
    assert_int_equal(api->abi_minor, ATSB_ABI_MINOR);
    assert_true(ATSB_HAS_FIELD(atsb_host_api, api, location_classify));
    assert_non_null(api->url_with_query);
    assert_non_null(api->form_build);
    assert_non_null(api->form_free);
    assert_non_null(api->location_classify);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host__url_with_query_encodes_and_skips_null_values),
        cmocka_unit_test(test_host__form_build_is_binary_safe_and_quotes_names),
        cmocka_unit_test(test_host__form_build_refuses_a_part_without_name),
        cmocka_unit_test(test_host__location_classify_reads_a_job_as_the_sync_does),
        cmocka_unit_test(test_host__table_has_every_abi_1_1_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
