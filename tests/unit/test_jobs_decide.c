/* The job rules of README's "Jobs" section: sync_jobs_decide as a table,
 * and "vanished from the ATS -> archived on a full pass", which is the
 * store's (store_job_archive_unseen), against a temp SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/location.h"
#include "store/store.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

enum { NEW, STORED, ARCHIVED, FROZEN, FROZEN_ARCHIVED };

typedef struct decide_case {
    const char *rule;
    int stored;   /* NEW, STORED (disabled, not frozen), ARCHIVED, FROZEN, ... */
    int changed;  /* the ATS's version differs from the stored one */
    int closed;
    int where;    /* LOCATION_US, LOCATION_NON_US, LOCATION_UNKNOWN */
    sync_job_action want;
} decide_case;

static const decide_case cases[] = {
    { "new US job arrives disabled", NEW, 0, 0, LOCATION_US, SYNC_JOB_CREATE },
    { "new non-US job is skipped", NEW, 0, 0, LOCATION_NON_US, SYNC_JOB_SKIP_LOCATION },
    { "new job of unknown location is skipped", NEW, 0, 0, LOCATION_UNKNOWN,
      SYNC_JOB_SKIP_LOCATION },
    { "new closed job is not created", NEW, 0, 1, LOCATION_US, SYNC_JOB_SKIP_CLOSED },
    { "new closed non-US job is not created", NEW, 0, 1, LOCATION_NON_US,
      SYNC_JOB_SKIP_CLOSED },
    { "edit to a job not yet activated is applied", STORED, 1, 0, LOCATION_US,
      SYNC_JOB_UPDATE },
    { "same version is unchanged", STORED, 0, 0, LOCATION_US, SYNC_JOB_UNCHANGED },
    { "activated job's edit is not pulled (frozen)", FROZEN, 1, 0, LOCATION_US,
      SYNC_JOB_FROZEN_SKIP },
    { "activated job, same version, is unchanged", FROZEN, 0, 0, LOCATION_US,
      SYNC_JOB_UNCHANGED },
    { "closed job is archived", STORED, 1, 1, LOCATION_US, SYNC_JOB_ARCHIVE_CLOSED },
    { "closed activated job is archived too", FROZEN, 1, 1, LOCATION_US,
      SYNC_JOB_ARCHIVE_CLOSED },
    { "closed job outside the US is archived", STORED, 1, 1, LOCATION_NON_US,
      SYNC_JOB_ARCHIVE_CLOSED },
    { "closed job already archived stays, unchanged", ARCHIVED, 0, 1, LOCATION_US,
      SYNC_JOB_UNCHANGED },
    { "reopened job comes back disabled", ARCHIVED, 1, 0, LOCATION_US, SYNC_JOB_REOPEN },
    { "reopened activated job comes back disabled", FROZEN_ARCHIVED, 1, 0, LOCATION_US,
      SYNC_JOB_REOPEN },
    { "job moved out of the US is archived", STORED, 1, 0, LOCATION_NON_US,
      SYNC_JOB_ARCHIVE_NOT_US },
    { "job whose location can no longer be placed is archived", STORED, 1, 0,
      LOCATION_UNKNOWN, SYNC_JOB_ARCHIVE_NOT_US },
    { "frozen job moved out of the US is kept, edit skipped", FROZEN, 1, 0, LOCATION_NON_US,
      SYNC_JOB_FROZEN_SKIP },
    { "frozen job outside the US, not edited, is only seen", FROZEN, 0, 0, LOCATION_NON_US,
      SYNC_JOB_SEEN },
    { "archived job still outside the US stays archived", ARCHIVED, 1, 0, LOCATION_NON_US,
      SYNC_JOB_SEEN },
    { "archived frozen job outside the US stays archived", FROZEN_ARCHIVED, 1, 0,
      LOCATION_UNKNOWN, SYNC_JOB_SEEN },
};

static const char *action_name(sync_job_action a)
{
    static const char *const names[] = {
        [SYNC_JOB_SKIP_CLOSED] = "skip-closed",     [SYNC_JOB_SKIP_LOCATION] = "skip-location",
        [SYNC_JOB_CREATE] = "create",               [SYNC_JOB_UPDATE] = "update",
        [SYNC_JOB_REOPEN] = "reopen",               [SYNC_JOB_ARCHIVE_CLOSED] = "archive-closed",
        [SYNC_JOB_ARCHIVE_NOT_US] = "archive-not-us", [SYNC_JOB_FROZEN_SKIP] = "frozen-skip",
        [SYNC_JOB_UNCHANGED] = "unchanged",         [SYNC_JOB_SEEN] = "seen",
    };
    return (size_t)a < ARRAY_LEN(names) && names[a] ? names[a] : "?";
}

static void test_jobs_decide__every_rule(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const decide_case *k = &cases[i];
        sync_job_stored cur = {
            .exists = k->stored != NEW,
            .archived = k->stored == ARCHIVED || k->stored == FROZEN_ARCHIVED,
            .frozen = k->stored == FROZEN || k->stored == FROZEN_ARCHIVED,
            .changed = k->stored != NEW && k->changed,
        };
        sync_job_action got = sync_jobs_decide(&cur, k->closed, k->where);
        if (got != k->want) {
            print_error("%s: expected %s, got %s\n", k->rule, action_name(k->want),
                        action_name(got));
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static char g_dir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* One sync run that sees the given remote ids (inserting those not stored). */
static void run_seeing(store *st, int64_t org_id, const char *const *ids, size_t n,
                       int64_t *run_id)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_job_writer *w = NULL;
    assert_int_equal(store_run_start(st, org_id, "jobs", 1, run_id, &err), 0);
    assert_int_equal(store_job_writer_open(st, org_id, "test", *run_id, &w, &err), 0);
    for (size_t i = 0; i < n; i++) {
        store_job cur;
        int rc = store_job_writer_lookup(w, ids[i], &cur, &err);
        if (rc == ATSB_OK) {
            assert_int_equal(store_job_writer_seen(w, cur.id, "h", &err), 0);
            store_job_free(&cur);
            continue;
        }
        assert_int_equal(rc, ATSB_ERR_NOT_FOUND);
        store_job_fields f = { .remote_id = ids[i], .title = "Engineer",
                               .remote_status = "open", .country = "US", .hash = "h" };
        assert_int_equal(store_job_writer_insert(w, &f, &err), 0);
    }
    store_job_writer_close(w);
}

static void test_jobs_decide__vanished_job_archived_on_full_pass(void **state)
{
    (void)state;
    char path[128];
    snprintf(g_dir, sizeof(g_dir), "/tmp/atsb-jobs-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(path, sizeof(path), "%s/t.db", g_dir);
    store *st = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    assert_int_equal(store_open(&st, path, &err), 0);
    assert_int_equal(store_org_add(st, "acme", "Acme", &err), 0);
    assert_int_equal(store_org_get(st, "acme", &o, &err), 0);
    static const char *const both[] = { "1001", "1002" }, *one[] = { "1001" };
    int64_t run = 0, gone = -1;
    run_seeing(st, o.id, both, 2, &run);
    assert_int_equal(store_job_archive_unseen(st, o.id, run, &gone, &err), 0);
    assert_int_equal(gone, 0);
    run_seeing(st, o.id, one, 1, &run);
    assert_int_equal(store_job_archive_unseen(st, o.id, run, &gone, &err), 0);
    assert_int_equal(gone, 1);
    store_job j;
    assert_int_equal(store_job_get(st, o.id, "1002", &j, &err), 0);
    assert_string_equal(j.state, "archived");
    store_job_free(&j);
    assert_int_equal(store_job_get(st, o.id, "1001", &j, &err), 0);
    assert_string_equal(j.state, "disabled");
    store_job_free(&j);
    store_close(st);
    assert_int_equal(nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_decide__every_rule),
        cmocka_unit_test(test_jobs_decide__vanished_job_archived_on_full_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
