/* The scheduler's due computation (daemon_next_due) and the full-pass
 * decision (sync_jobs_want_full), as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

#define NOW INT64_C(1750000000)
#define H INT64_C(3600)

typedef struct due_case {
    const char *name;
    daemon_org_view v;
    daemon_due want;
} due_case;

static const due_case due_cases[] = {
    { "never synced: jobs now", { "ok", 0, 0, 0, 3 * H, 60, 0 }, DAEMON_DUE_JOBS },
    { "inside the default interval: nothing", { "ok", 0, NOW - 2 * H, 0, 3 * H, 60, 0 },
      DAEMON_DUE_NONE },
    { "interval passed but not its spread: nothing", { "ok", 0, NOW - 3 * H - 30, 0, 3 * H,
      60, 0 }, DAEMON_DUE_NONE },
    { "interval and spread passed: jobs", { "ok", 0, NOW - 3 * H - 60, 0, 3 * H, 60, 0 },
      DAEMON_DUE_JOBS },
    { "the org's own interval wins (shorter)", { "ok", 0, NOW - 2 * H, H, 3 * H, 0, 0 },
      DAEMON_DUE_JOBS },
    { "the org's own interval wins (longer)", { "ok", 0, NOW - 4 * H, 6 * H, 3 * H, 0, 0 },
      DAEMON_DUE_NONE },
    { "pushes due, jobs not: push", { "ok", 0, NOW - H, 0, 3 * H, 0, 2 }, DAEMON_DUE_PUSH },
    { "jobs and pushes due: jobs first", { "ok", 0, NOW - 4 * H, 0, 3 * H, 0, 2 },
      DAEMON_DUE_JOBS },
    { "breaker open: paused", { "ok", NOW + 30, 0, 0, 3 * H, 0, 5 }, DAEMON_DUE_PAUSED },
    { "breaker time reached: due again", { "ok", NOW, 0, 0, 3 * H, 0, 0 }, DAEMON_DUE_JOBS },
    { "breaker time passed, pushes due", { "ok", NOW - 1, NOW - H, 0, 3 * H, 0, 1 },
      DAEMON_DUE_PUSH },
    { "needs_attention: paused", { "needs_attention", 0, 0, 0, 3 * H, 0, 5 },
      DAEMON_DUE_PAUSED },
    { "needs_attention with the breaker closed: paused", { "needs_attention", 0, NOW - 9 * H,
      0, 3 * H, 0, 0 }, DAEMON_DUE_PAUSED },
};

static void test_daemon__next_due_table(void **state)
{
    (void)state;
    static const char *const names[] = { "paused", "none", "jobs", "push" };
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(due_cases); i++) {
        daemon_due got = daemon_next_due(&due_cases[i].v, NOW);
        if (got != due_cases[i].want) {
            print_error("%s: expected %s, got %s\n", due_cases[i].name,
                        names[due_cases[i].want], names[got]);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

typedef struct full_case {
    const char *name;
    int force;
    int64_t watermark;
    int incremental;
    int64_t last_full_at;
    int want;
} full_case;

static const full_case full_cases[] = {
    { "incremental when the last full pass is recent", 0, NOW - H, 1, NOW - H, 0 },
    { "full when full_pass_interval has passed", 0, NOW - H, 1, NOW - 24 * H, 1 },
    { "full just before the interval is not due", 0, NOW - H, 1, NOW - 24 * H + 1, 0 },
    { "full on the first sync (no watermark)", 0, 0, 1, 0, 1 },
    { "full when forced (--full)", 1, NOW - H, 1, NOW - H, 1 },
    { "full when the connector cannot list incrementally", 0, NOW - H, 0, NOW - H, 1 },
};

static void test_daemon__full_pass_table(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(full_cases); i++) {
        const full_case *k = &full_cases[i];
        int got = sync_jobs_want_full(k->force, k->watermark, k->incremental, k->last_full_at,
                                      24 * H, NOW);
        if (got != k->want) {
            print_error("%s: expected %s, got %s\n", k->name, k->want ? "full" : "incremental",
                        got ? "full" : "incremental");
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_daemon__breaker_wait_grows_and_caps(void **state)
{
    (void)state;
    assert_int_equal(daemon_breaker_wait_s(1), 30);
    assert_int_equal(daemon_breaker_wait_s(2), 60);
    assert_int_equal(daemon_breaker_wait_s(20), 3600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daemon__next_due_table),
        cmocka_unit_test(test_daemon__full_pass_table),
        cmocka_unit_test(test_daemon__breaker_wait_grows_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
