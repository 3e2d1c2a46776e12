/* The PostgreSQL backend's dialect translation: placeholders, SQLite's
 * scalar max()/min() and instr(), and nothing inside a literal touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "store/store_int.h"

static void expect(const char *sql, const char *want, int want_params)
{
    int n = -1;
    char *got = store_pg_translate(sql, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, want_params);
    free(got);
}

static void test_translate__placeholders(void **state)
{
    (void)state;
    expect("SELECT 1", "SELECT 1", 0);
    expect("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1",
           "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1", 2);
    expect("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
    expect("UPDATE t SET x = ?12", "UPDATE t SET x = $12", 12);
}

static void test_translate__literals_are_left_alone(void **state)
{
    (void)state;
    expect("SELECT '?1', 'it''s ?2 max(a, b)' FROM t WHERE x = ?1",
           "SELECT '?1', 'it''s ?2 max(a, b)' FROM t WHERE x = $1", 1);
    expect("SELECT 'unterminated ?1", "SELECT 'unterminated ?1", 0);
}

static void test_translate__scalar_max_min_and_instr(void **state)
{
    (void)state;
    expect("SELECT max(a, b, min(c, d)) FROM t", "SELECT GREATEST(a, b, LEAST(c, d)) FROM t", 0);
    /* One argument: the aggregate, kept. */
    expect("SELECT max(id), min(f(a, b)) FROM t", "SELECT max(id), min(f(a, b)) FROM t", 0);
    expect("SELECT MAX(x, ?1)", "SELECT GREATEST(x, $1)", 1);
    /* Only whole words. */
    expect("SELECT tmax(a, b), instr(lower(s), ?1) > 0, xinstr(a, b)",
           "SELECT tmax(a, b), strpos(lower(s), $1) > 0, xinstr(a, b)", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate__placeholders),
        cmocka_unit_test(test_translate__literals_are_left_alone),
        cmocka_unit_test(test_translate__scalar_max_min_and_instr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
