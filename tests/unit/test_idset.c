/* The daemon's set of busy orgs: no cap, and deletions (backward shift)
 * never lose another id, checked against a plain array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "daemon/idset.h"

static void test_idset__grows_past_any_cap_and_deletes_exactly(void **state)
{
    (void)state;
    enum { N = 100000 };
    idset s = { 0 };
    unsigned char *in = calloc(N + 1, 1);
    assert_non_null(in);
    uint64_t rng = 42;
    for (int round = 0; round < 4 * N; round++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int64_t id = (int64_t)(rng >> 33) % N + 1;
        if (in[id] && (rng & 1)) {
            idset_del(&s, id);
            in[id] = 0;
        } else {
            assert_int_equal(idset_add(&s, id), 0);
            in[id] = 1;
        }
    }
    size_t want = 0;
    for (int64_t id = 1; id <= N; id++) {
        want += in[id];
        if (idset_has(&s, id) != in[id])
            fail_msg("id %lld: set says %d, truth %d", (long long)id, idset_has(&s, id), in[id]);
    }
    assert_int_equal(s.n, want);
    int64_t *ids = malloc(N * sizeof(*ids));
    assert_non_null(ids);
    assert_int_equal(idset_ids(&s, ids, N), want);
    for (size_t i = 0; i < want; i++)
        assert_true(in[ids[i]]);
    free(ids);
    free(in);
    idset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idset__grows_past_any_cap_and_deletes_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
