/* The US-only rule measured on tests/fixtures/locations.tsv: real location
 * strings from public job lists, each labelled us / non-us / ambiguous by
 * a person, split into a development set (the rule may be tuned against
 * it) and a held-out set (never looked at while tuning).
 *
 *   test_location_corpus            cmocka: fails below the floors
 *   test_location_corpus --report   the confusion tables and the per-call
 *                                   cost (make bench)
 *   test_location_corpus --dump     verdict<TAB>country<TAB>text for each
 *                                   line of stdin (for labelling) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/location.h"

#ifndef CORPUS
#define CORPUS "tests/fixtures/locations.tsv"
#endif

/* Floors: below them make test fails.  Issue 16's target on held-out
 * strings is precision >= 0.995 and recall >= 0.98.  The development set
 * meets it; the held-out set measured precision 0.9934 (2 false imports of
 * 305) and recall 0.9870 when first labelled, so its floor guards against
 * regressions at that level and must not be "fixed" by tuning the rule to
 * held-out strings: add new strings to dev instead. */
#define FLOOR_ROWS 1000
static const double FLOOR_PRECISION[2] = { 0.995, 0.99 };  /* dev, held-out */
static const double FLOOR_RECALL[2] = { 0.98, 0.98 };

enum { T_US, T_NON_US, T_AMBIGUOUS, T_N };
enum { S_DEV, S_HELDOUT, S_N };

typedef struct table {
    long cell[T_N][3]; /* truth x (imported, skipped non-US, skipped unknown) */
    long rows;
} table;

static const char *const TRUTH[T_N] = { "us", "non-us", "ambiguous" };

static int truth_of(const char *s)
{
    for (int i = 0; i < T_N; i++)
        if (strcmp(s, TRUTH[i]) == 0)
            return i;
    return -1;
}

static int outcome_of(location_verdict v)
{
    return v == LOCATION_US ? 0 : v == LOCATION_NON_US ? 1 : 2;
}

/* Reads the corpus: text TAB truth TAB split TAB source.  Lines starting
 * with '#' are comments.  Returns 0, or -1 naming the bad line. */
static int measure(table t[S_N], int verbose)
{
    FILE *f = fopen(CORPUS, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", CORPUS);
        return -1;
    }
    memset(t, 0, sizeof(table) * S_N);
    char line[4096];
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *save = NULL;
        char *text = strtok_r(line, "\t", &save);
        char *truth = strtok_r(NULL, "\t", &save);
        char *split = strtok_r(NULL, "\t", &save);
        int ti = truth ? truth_of(truth) : -1;
        int si = split && strcmp(split, "dev") == 0 ? S_DEV
               : split && strcmp(split, "heldout") == 0 ? S_HELDOUT : -1;
        if (!text || ti < 0 || si < 0) {
            fprintf(stderr, "%s:%d: expected text, truth, split, source\n", CORPUS, lineno);
            rc = -1;
            break;
        }
        location_input in = { NULL, NULL, NULL, text };
        char cc[8];
        location_verdict v = location_classify(&in, cc, sizeof(cc));
        int o = outcome_of(v);
        t[si].cell[ti][o]++;
        t[si].rows++;
        if (verbose && si == S_DEV && ((ti == T_US && o != 0) || (ti != T_US && o == 0)))
            fprintf(stderr, "  dev miss: %s is %s, judged %s\n", text, TRUTH[ti],
                    location_verdict_name(v));
    }
    fclose(f);
    return rc;
}

static double precision(const table *t)
{
    long tp = t->cell[T_US][0], fp = t->cell[T_NON_US][0] + t->cell[T_AMBIGUOUS][0];
    return tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
}

static double recall(const table *t)
{
    long tp = t->cell[T_US][0];
    long all = t->cell[T_US][0] + t->cell[T_US][1] + t->cell[T_US][2];
    return all ? (double)tp / (double)all : 1.0;
}

static void print_table(const char *name, const table *t)
{
    printf("%s (%ld strings): US precision %.4f, recall %.4f\n", name, t->rows, precision(t),
           recall(t));
    printf("  | truth \\ outcome | imported | skipped non-US | skipped unknown |\n");
    printf("  | --- | --- | --- | --- |\n");
    for (int i = 0; i < T_N; i++)
        printf("  | %s (%ld) | %ld | %ld | %ld |\n", TRUTH[i],
               t->cell[i][0] + t->cell[i][1] + t->cell[i][2], t->cell[i][0], t->cell[i][1],
               t->cell[i][2]);
}

static void test_location_corpus__held_out_meets_the_floor(void **state)
{
    (void)state;
    table t[S_N];
    assert_int_equal(measure(t, 1), 0);
    long rows = t[S_DEV].rows + t[S_HELDOUT].rows;
    if (rows < FLOOR_ROWS)
        print_error("corpus has %ld strings, expected at least %d\n", rows, FLOOR_ROWS);
    assert_true(rows >= FLOOR_ROWS);
    /* At least a quarter of the corpus is held out. */
    assert_true(t[S_HELDOUT].rows * 4 >= rows);
    for (int s = 0; s < S_N; s++) {
        double p = precision(&t[s]), r = recall(&t[s]);
        if (p < FLOOR_PRECISION[s] || r < FLOOR_RECALL[s])
            print_error("%s: US precision %.4f (floor %.3f), recall %.4f (floor %.3f)\n",
                        s == S_DEV ? "dev" : "held-out", p, FLOOR_PRECISION[s], r,
                        FLOOR_RECALL[s]);
        assert_true(p >= FLOOR_PRECISION[s]);
        assert_true(r >= FLOOR_RECALL[s]);
    }
}

static int report(void)
{
    /* The first call loads the gazetteer: timed apart from the per-call cost. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    location_input warm = { NULL, NULL, NULL, "Austin, TX" };
    char cc[8];
    location_classify(&warm, cc, sizeof(cc));
    clock_gettime(CLOCK_MONOTONIC, &b);
    double load_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    table t[S_N];
    if (measure(t, 0) < 0)
        return 1;
    printf("bench: the US-only rule on %s\n", CORPUS);
    print_table("  development", &t[S_DEV]);
    print_table("  held-out", &t[S_HELDOUT]);
    static const char *const mix[] = {
        "Austin, TX", "Toronto, ON, Canada", "Remote - US", "San Francisco, CA; New York, NY",
        "IN-Bengaluru", "Tbilisi, Georgia", "Remote", "US, CA, Santa Clara",
        "London, UK; Woking, UK; Bristol, UK; Cardiff, Wales", "Montréal, Québec",
    };
    long calls = 200000;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < calls; i++) {
        location_input in = { NULL, NULL, NULL, mix[i % 10] };
        location_classify(&in, cc, sizeof(cc));
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
                (double)calls;
    printf("  cost: gazetteer load %.0f ms once per process; %.2f us per classification "
           "(%ld calls, typical strings)\n", load_ms, us, calls);
    return 0;
}

static int dump(void)
{
    char line[4096];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        location_input in = { NULL, NULL, NULL, line };
        location_result r;
        location_opts o = { 1, 0 };
        location_decide(&in, &o, &r);
        printf("%s\t%s\t%s\t%s\n", location_verdict_name(r.verdict), r.country, line, r.why);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--report") == 0)
        return report();
    if (argc > 1 && strcmp(argv[1], "--dump") == 0)
        return dump();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location_corpus__held_out_meets_the_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
