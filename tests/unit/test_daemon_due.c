/* The scheduler's due computation (daemon_next_due) and the full-pass
 * decision (sync_jobs_want_full), as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "sync/schedule.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

#define NOW INT64_C(1750000000)
#define H INT64_C(3600)

typedef struct due_case {
    const char *name;
    daemon_org_view v;
    daemon_due want;
} due_case;

#define HELD STORE_PUSH_HELD

static const due_case due_cases[] = {
    { "never synced: jobs now", { "ok", 0, 0, HELD, 0 }, DAEMON_DUE_JOBS },
    { "job sync not yet due, nothing pending: nothing", { "ok", 0, NOW + 60, HELD, 0 },
      DAEMON_DUE_NONE },
    { "job sync due this second: jobs", { "ok", 0, NOW, HELD, 0 }, DAEMON_DUE_JOBS },
    { "pushes due, jobs not: push", { "ok", 0, NOW + H, NOW - 5, 0 }, DAEMON_DUE_PUSH },
    { "push due this second: push", { "ok", 0, NOW + H, NOW, 0 }, DAEMON_DUE_PUSH },
    { "pushes waiting for a retry: nothing", { "ok", 0, NOW + H, NOW + 30, 0 }, DAEMON_DUE_NONE },
    { "held pushes only: nothing", { "ok", 0, NOW + H, HELD, 0 }, DAEMON_DUE_NONE },
    { "jobs and pushes due: jobs first", { "ok", 0, NOW - 1, NOW - 5, 0 }, DAEMON_DUE_JOBS },
    { "between a listing's turns, pushes due: push", { "ok", 0, NOW - 1, NOW - 5, 1 },
      DAEMON_DUE_PUSH },
    { "between a listing's turns, no push due: jobs", { "ok", 0, NOW - 1, NOW + 5, 1 },
      DAEMON_DUE_JOBS },
    { "breaker open: paused", { "ok", NOW + 30, 0, NOW - 5, 0 }, DAEMON_DUE_PAUSED },
    { "breaker time reached: due again", { "ok", NOW, 0, HELD, 0 }, DAEMON_DUE_JOBS },
    { "breaker time passed, pushes due", { "ok", NOW - 1, NOW + H, NOW - 1, 0 }, DAEMON_DUE_PUSH },
    { "needs_attention: paused", { "needs_attention", 0, 0, NOW - 5, 0 }, DAEMON_DUE_PAUSED },
    { "paused by hand: paused", { "paused", 0, 0, HELD, 0 }, DAEMON_DUE_PAUSED },
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

typedef struct slot_case {
    const char *name;
    int64_t last, interval, phase, want;
} slot_case;

/* NOW is 1750000000 = 162037 * 3 h + 400 s, so phase 400 is NOW's slot. */
static const slot_case slot_cases[] = {
    { "never synced: due now", 0, 3 * H, 400, 0 },
    { "synced on its slot: the next slot", NOW, 3 * H, 400, NOW + 3 * H },
    { "synced late within the slot: still the next slot", NOW + 20 * 60, 3 * H, 400,
      NOW + 3 * H },
    { "synced half an interval late: the slot after", NOW + 90 * 60 + 1, 3 * H, 400,
      NOW + 6 * H },
    { "synced by hand just before its slot: not twice in a row", NOW - 60, 3 * H, 400,
      NOW + 3 * H },
    { "synced by hand more than half an interval before: its own slot", NOW - 90 * 60 - 1,
      3 * H, 400, NOW },
    { "phase 0", NOW, 3 * H, 0, NOW - 400 + 3 * H },
    { "phase at the end of the interval", NOW, 3 * H, 3 * H - 1, NOW - 400 + 3 * H - 1 },
    { "an org's own shorter interval", NOW, H, 400, NOW + H },
};

static void test_daemon__jobs_slot_table(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(slot_cases); i++) {
        const slot_case *k = &slot_cases[i];
        int64_t got = sched_jobs_due_at(k->last, k->interval, k->phase);
        if (got != k->want) {
            print_error("%s: expected %lld, got %lld (%+lld s)\n", k->name, (long long)k->want,
                        (long long)got, (long long)(got - k->want));
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* 100,000 orgs on a 3-hour interval: every 10-minute window of the interval
 * gets its share of the job syncs (no burst), and every org's gap between
 * two syncs on schedule is exactly the interval. */
static void test_daemon__phases_spread_over_the_whole_interval(void **state)
{
    (void)state;
    enum { ORGS = 100000, BUCKETS = 18 };
    int64_t interval = 3 * H;
    int count[BUCKETS] = { 0 };
    for (int i = 0; i < ORGS; i++) {
        char slug[32];
        snprintf(slug, sizeof(slug), "org-%d", i);
        int64_t phase = sched_phase(slug, interval);
        assert_true(phase >= 0 && phase < interval);
        count[phase * BUCKETS / interval]++;
        int64_t next = sched_jobs_due_at(NOW + i % 7, interval, phase);
        assert_int_equal(sched_jobs_due_at(next + 3, interval, phase), next + interval);
    }
    int mean = ORGS / BUCKETS;
    for (int b = 0; b < BUCKETS; b++)
        if (count[b] < mean * 9 / 10 || count[b] > mean * 11 / 10)
            fail_msg("window %d of 18 gets %d job syncs, the mean is %d", b, count[b], mean);
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
        cmocka_unit_test(test_daemon__jobs_slot_table),
        cmocka_unit_test(test_daemon__phases_spread_over_the_whole_interval),
        cmocka_unit_test(test_daemon__breaker_wait_grows_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
