/* sync_cands_decide: the candidate push retry policy as a table of cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "sync/sync_cands.h"

static const push_policy POL = { .max_attempts = 5, .retry_base_s = 60, .retry_cap_s = 3600 };
#define NOW INT64_C(1700000000)

typedef struct decide_case {
    const char *name;
    int rc, attempts, retry_after_s;
    push_outcome outcome;
    int stop_drain, needs_attention, gave_up;
    int64_t min_wait, max_wait;   /* PUSH_RETRY: next_at - NOW within */
} decide_case;

static const decide_case CASES[] = {
    { "ok is done", ATSB_OK, 1, 0, PUSH_DONE, 0, 0, 0, 0, 0 },
    { "permanent is dead at once", ATSB_ERR_PERMANENT, 1, 0, PUSH_DEAD, 0, 0, 0, 0, 0 },
    { "unsupported is dead", ATSB_ERR_UNSUPPORTED, 1, 0, PUSH_DEAD, 0, 0, 0, 0, 0 },
    { "internal is dead", ATSB_ERR_INTERNAL, 2, 0, PUSH_DEAD, 0, 0, 0, 0, 0 },
    { "transient retries with backoff", ATSB_ERR_TRANSIENT, 1, 0, PUSH_RETRY, 0, 0, 0, 30, 61 },
    { "transient backoff grows, capped", ATSB_ERR_TRANSIENT, 4, 0, PUSH_RETRY, 0, 0, 0, 30, 270 },
    { "transient at max_attempts gives up", ATSB_ERR_TRANSIENT, 5, 0, PUSH_DEAD, 0, 0, 1, 0, 0 },
    { "unknown codes count as transient", -42, 5, 0, PUSH_DEAD, 0, 0, 1, 0, 0 },
    { "auth keeps the candidate, flags the connection", ATSB_ERR_AUTH, 9, 0, PUSH_RETRY, 1, 1, 0, 30, 3631 },
    { "config likewise, never dead-lettered", ATSB_ERR_CONFIG, 50, 0, PUSH_RETRY, 1, 1, 0, 30, 3631 },
    { "rate limit waits as told", ATSB_ERR_RATE_LIMITED, 1, 120, PUSH_RETRY, 1, 0, 0, 120, 120 },
    { "rate limit without a hint backs off", ATSB_ERR_RATE_LIMITED, 1, 0, PUSH_RETRY, 1, 0, 0, 30, 61 },
    { "rate limit is never dead-lettered", ATSB_ERR_RATE_LIMITED, 99, 5, PUSH_RETRY, 1, 0, 0, 5, 5 },
    { "cancelled is due again at once", ATSB_ERR_CANCELLED, 1, 0, PUSH_RETRY, 1, 0, 0, 0, 0 },
};

static void test_push_decide__table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const decide_case *k = &CASES[i];
        for (uint64_t seed = 1; seed <= 50; seed++) { /* the jitter must stay in range */
            uint64_t rng = seed * 0x9E3779B97F4A7C15u;
            push_decision d = sync_cands_decide(k->rc, k->attempts, k->retry_after_s, &POL, NOW, &rng);
            int64_t wait = d.next_at - NOW;
            int ok = d.outcome == k->outcome && d.stop_drain == k->stop_drain &&
                     d.needs_attention == k->needs_attention && d.gave_up == k->gave_up &&
                     (d.outcome != PUSH_RETRY || (wait >= k->min_wait && wait <= k->max_wait));
            if (!ok) {
                print_error("%s (seed %llu): expected outcome %d stop %d attention %d gave_up %d "
                            "wait %lld..%lld; got %d %d %d %d wait %lld\n", k->name,
                            (unsigned long long)seed, k->outcome, k->stop_drain,
                            k->needs_attention, k->gave_up, (long long)k->min_wait,
                            (long long)k->max_wait, d.outcome, d.stop_drain, d.needs_attention,
                            d.gave_up, (long long)wait);
                bad++;
                break;
            }
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_decide__table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
