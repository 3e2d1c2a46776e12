/* store: migrations, WAL, the one-connection-per-org constraint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ftw.h>

#include "store/store.h"
#include "base/util.h"

static char g_dir[64];
static char g_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/atsb-store-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_path, sizeof(g_path), "%s/sub/dir/t.db", g_dir);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_store__creates_dirs_and_migrates_to_latest(void **state)
{
    (void)state;
    store *st = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(store_open(&st, g_path, &err), 0);
    assert_int_equal(store_schema_version(st), store_schema_latest());
    store_close(st);
    /* Re-opening an up-to-date store runs nothing and keeps the version. */
    assert_int_equal(store_open(&st, g_path, &err), 0);
    assert_int_equal(store_schema_version(st), store_schema_latest());
    store_close(st);
}

static void test_store__one_connection_per_org(void **state)
{
    (void)state;
    store *st = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    assert_int_equal(store_open(&st, g_path, &err), 0);
    assert_int_equal(store_org_add(st, "acme", "Acme", &err), 0);
    assert_int_equal(store_org_get(st, "acme", &o, &err), 0);
    store_setting s = { "token", "x" };
    assert_int_equal(store_conn_add(st, o.id, "greenhouse", &s, 1, &err), 0);
    assert_int_equal(store_conn_add(st, o.id, "lever", &s, 1, &err), CORE_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "already connected to greenhouse"));
    store_conn c;
    assert_int_equal(store_conn_get(st, o.id, &c, &err), 0);
    assert_string_equal(c.connector, "greenhouse");
    assert_int_equal(c.n_settings, 1);
    store_conn_free(&c);
    assert_int_equal(store_conn_delete(st, o.id, &err), 0);
    assert_int_equal(store_conn_add(st, o.id, "lever", &s, 1, &err), 0);
    store_close(st);
}

static void test_store__duplicate_org_is_conflict(void **state)
{
    (void)state;
    store *st = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(store_open(&st, g_path, &err), 0);
    assert_int_equal(store_org_add(st, "dup", NULL, &err), 0);
    assert_int_equal(store_org_add(st, "dup", NULL, &err), CORE_ERR_CONFLICT);
    store_org o;
    assert_int_equal(store_org_get(st, "nope", &o, &err), ATSB_ERR_NOT_FOUND);
    store_close(st);
}

static void test_store__refuses_a_non_database_file(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof(path), "%s/junk.db", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not sqlite, just some text that is long enough to look like a header......."
          "................................................................................",
          f);
    fclose(f);
    store *st = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(store_open(&st, path, &err), CORE_ERR_STORE);
    assert_null(st);
    assert_non_null(strstr(err.message, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__creates_dirs_and_migrates_to_latest),
        cmocka_unit_test(test_store__one_connection_per_org),
        cmocka_unit_test(test_store__duplicate_org_is_conflict),
        cmocka_unit_test(test_store__refuses_a_non_database_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
