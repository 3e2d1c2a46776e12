/* secret: reference resolution and URL redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/secret.h"
#include "base/util.h"

static void test_secret__literal_env_and_file(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    char *v = NULL;
    assert_int_equal(secret_resolve("k", "plain", &v, &err), 0);
    assert_string_equal(v, "plain");
    free(v);
    setenv("ATSB_TEST_SECRET", "from-env", 1);
    assert_int_equal(secret_resolve("k", "env:ATSB_TEST_SECRET", &v, &err), 0);
    assert_string_equal(v, "from-env");
    free(v);
    char path[] = "/tmp/atsb-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "from-file\nsecond line\n", 22), 22);
    close(fd);
    char *ref = str_printf("file:%s", path);
    assert_int_equal(secret_resolve("k", ref, &v, &err), 0);
    assert_string_equal(v, "from-file");
    free(v);
    free(ref);
    unlink(path);
}

static void test_secret__missing_reference_names_setting_not_value(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    char *v = NULL;
    unsetenv("ATSB_TEST_NOPE");
    assert_int_equal(secret_resolve("client_secret", "env:ATSB_TEST_NOPE", &v, &err),
                     ATSB_ERR_CONFIG);
    assert_null(v);
    assert_non_null(strstr(err.message, "client_secret"));
    assert_non_null(strstr(err.message, "ATSB_TEST_NOPE"));
}

static void test_secret__redacts_credential_query_values(void **state)
{
    (void)state;
    char out[256];
    secret_redact_url("https://api.example.com/v1/x?api_key=abc123&limit=10&access_token=zz#frag",
                      out, sizeof(out));
    assert_string_equal(out, "https://api.example.com/v1/x?api_key=****&limit=10&access_token=****#frag");
    secret_redact_url("https://user:pw@host.example/path?cursor=abc", out, sizeof(out));
    assert_string_equal(out, "https://****@host.example/path?cursor=abc");
    secret_redact_url("http://127.0.0.1:8080/v3/jobs", out, sizeof(out));
    assert_string_equal(out, "http://127.0.0.1:8080/v3/jobs");
    secret_redact_url("https://h/x?client_secret=s&Password=p&perform_as=42", out, sizeof(out));
    assert_null(strstr(out, "=s"));
    assert_null(strstr(out, "=p&"));
    assert_non_null(strstr(out, "perform_as=42"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret__literal_env_and_file),
        cmocka_unit_test(test_secret__missing_reference_names_setting_not_value),
        cmocka_unit_test(test_secret__redacts_credential_query_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
